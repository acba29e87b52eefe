from django.db import migrations


def add(apps, schema_editor):
    """Terms and public-figure names written in other scripts (Japanese, Chinese, Korean, Arabic, Hindi, …).

    New terms arrive through the usual seed; the names are aliases of figures
    that already exist, which a plain seed leaves alone, so they are added once here.
    """
    from moderation.seed import add_missing_aliases, seed_lists

    PublicFigure = apps.get_model("moderation", "PublicFigure")
    seed_lists(apps.get_model("moderation", "Term"), PublicFigure)
    add_missing_aliases(PublicFigure, only_other_scripts=True)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0003_term_ambiguous")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
