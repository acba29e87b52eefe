from django.db import migrations


def add(apps, schema_editor):
    """Session 11's terms (ambiguous 'spat on' and 'laughed at' beside slurs; the misses and the
    false block of blind sets 58 and 59), through the usual seed."""
    from moderation.seed import seed_lists

    seed_lists(apps.get_model("moderation", "Term"), apps.get_model("moderation", "PublicFigure"))


class Migration(migrations.Migration):
    dependencies = [("moderation", "0009_session10_terms")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
