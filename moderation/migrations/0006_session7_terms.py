from django.db import migrations


def add(apps, schema_editor):
    """Session 7's terms and groups, and the prefix "slut*" narrowed to its English forms.

    New terms arrive through the usual seed. "slut*" also matched Swedish "slut"
    (the end) and "slutet"; the term files now list "slut", "sluts", "slutty", …
    instead, so the prefix is switched off here (kept, so a moderator can see it).
    """
    from moderation.seed import seed_lists

    Term = apps.get_model("moderation", "Term")
    seed_lists(Term, apps.get_model("moderation", "PublicFigure"))
    Term.objects.filter(category="sexual", phrase="slut*").update(active=False)


def undo(apps, schema_editor):
    Term = apps.get_model("moderation", "Term")
    Term.objects.filter(category="sexual", phrase="slut*").update(active=True)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0005_contextual_aliases")]

    operations = [migrations.RunPython(add, undo)]
