from django.db import migrations


def seed(apps, schema_editor):
    from moderation.seed import seed_lists

    seed_lists(apps.get_model("moderation", "Term"), apps.get_model("moderation", "PublicFigure"))


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
