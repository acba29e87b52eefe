from django.db import migrations


def add(apps, schema_editor):
    """The rules for the misses and the false block of blind sets 62 and 63, through the usual seed."""
    from moderation.seed import seed_lists

    seed_lists(apps.get_model("moderation", "Term"), apps.get_model("moderation", "PublicFigure"))


class Migration(migrations.Migration):
    dependencies = [("moderation", "0011_session11_sets_60_61")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
