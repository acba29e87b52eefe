from django.db import migrations


def add(apps, schema_editor):
    """Session 10's terms (rarely covered languages, subtle scenes and slang), through the usual seed."""
    from moderation.seed import seed_lists

    seed_lists(apps.get_model("moderation", "Term"), apps.get_model("moderation", "PublicFigure"))


class Migration(migrations.Migration):
    dependencies = [("moderation", "0008_session9_terms")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
