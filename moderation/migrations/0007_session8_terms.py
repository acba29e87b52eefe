from django.db import migrations, models

# Figures whose aliases the data files gained in session 8: spellings in other scripts
# (Imran Khan in Urdu, Hindi and Bengali; Sheikh Hasina; Abiy Ahmed; …) and the ways
# people describe instead of naming ("Ilon Mask", "Tay Tay", "singer of Shape of You").
FIGURES = [
    "Imran Khan", "Sheikh Hasina", "Abiy Ahmed", "Hun Sen", "Balendra Shah", "Allu Arjun",
    "Shah Rukh Khan", "Elon Musk", "Taylor Swift", "Ed Sheeran", "Donald Trump", "Lionel Messi",
    "Bad Bunny", "Angela Merkel", "Greta Thunberg", "Pope Francis", "Keanu Reeves",
    "Cristiano Ronaldo",
]  # fmt: skip


def add(apps, schema_editor):
    """Session 8's terms (through the usual seed) and the named figures' new aliases."""
    from moderation.seed import add_missing_aliases, seed_lists

    Term = apps.get_model("moderation", "Term")
    PublicFigure = apps.get_model("moderation", "PublicFigure")
    seed_lists(Term, PublicFigure)
    add_missing_aliases(PublicFigure, names=FIGURES)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0006_session7_terms")]
    operations = [
        # Scene rules list alternatives in every place: longer than 200 characters.
        migrations.AlterField(
            model_name="term", name="phrase", field=models.CharField(max_length=500)
        ),
        migrations.RunPython(add, migrations.RunPython.noop),
    ]
