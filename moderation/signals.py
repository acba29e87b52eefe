"""Any edit of a term or a public figure makes every process recompile the lists."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from moderation.models import PublicFigure, Term


@receiver([post_save, post_delete], sender=Term)
@receiver([post_save, post_delete], sender=PublicFigure)
def lists_changed(sender, **kwargs):
    from moderation.services import bump_lists_version

    transaction.on_commit(bump_lists_version)
