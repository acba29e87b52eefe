from django.db import migrations, models


def mark_ambiguous(apps, schema_editor):
    from moderation.seed import seed_lists, sync_ambiguous_flags

    Term = apps.get_model("moderation", "Term")
    # Terms new in the data files arrive with their flag; existing ones get the files' flag once.
    seed_lists(Term, apps.get_model("moderation", "PublicFigure"))
    sync_ambiguous_flags(Term)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0002_seed_lists")]

    operations = [
        migrations.AddField(
            model_name="term",
            name="ambiguous",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "The words have common innocent senses (a wire stripper, a rugby hooker, Slaughter Beach): "
                    "the term only refuses a prompt when something else in it agrees — another listed term, or "
                    "the classifier reading the rest of the prompt as disallowed. Leave unticked for terms that "
                    "must refuse on their own."
                ),
            ),
        ),
        migrations.RunPython(mark_ambiguous, migrations.RunPython.noop),
    ]
