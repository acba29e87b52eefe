from django.db import migrations

# Figures whose aliases the data files gained in session 11.
FIGURES = [
    "Beyonce",
    "Vladimir Putin",
    "Sanae Takaichi",
    "King Charles III",
    "LeBron James",
    "Elton John",
    "Barack Obama",
    "Queen Elizabeth II",
]


def add(apps, schema_editor):
    """Session 11's terms (ambiguous 'spat on' and 'laughed at' beside slurs; the misses and false
    blocks of blind sets 58–69), through the usual seed (which adds Fela Kuti), and the named
    figures' new aliases."""
    from moderation.seed import add_missing_aliases, seed_lists

    PublicFigure = apps.get_model("moderation", "PublicFigure")
    seed_lists(apps.get_model("moderation", "Term"), PublicFigure)
    add_missing_aliases(PublicFigure, names=FIGURES)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0009_session10_terms")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
