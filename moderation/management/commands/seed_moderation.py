"""Add the terms and public figures from moderation/data that the database lacks.

The migrations run this once; run it again after the data files grow. Existing
rows — including moderators' edits — are left as they are.
"""

from django.core.management.base import BaseCommand

from moderation.models import PublicFigure, Term
from moderation.seed import add_missing_aliases, seed_lists, sync_ambiguous_flags
from moderation.services import bump_lists_version


class Command(BaseCommand):
    help = "Seed the moderation term lists and public-figure list from the data files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete every term and public figure first (moderators' edits are lost).",
        )

        parser.add_argument(
            "--add-aliases",
            action="store_true",
            help="Also give existing public figures the aliases the data files list and they lack "
            "(an alias a moderator removed comes back).",
        )
        parser.add_argument(
            "--update-flags",
            action="store_true",
            help="Also set the 'ambiguous' flag of existing terms to what the data files say "
            "(a moderator's change of that flag on a term in the files is overwritten).",
        )

    def handle(self, *args, **options):
        if options["reset"]:
            Term.objects.all().delete()
            PublicFigure.objects.all().delete()
        terms, figures = seed_lists(Term, PublicFigure)
        flags = sync_ambiguous_flags(Term) if options["update_flags"] else 0
        aliased = add_missing_aliases(PublicFigure) if options["add_aliases"] else 0
        bump_lists_version()
        self.stdout.write(f"Added {terms} terms and {figures} public figures.")
        if options["add_aliases"]:
            self.stdout.write(f"Added aliases to {aliased} public figures.")
        if options["update_flags"]:
            self.stdout.write(f"Changed the ambiguous flag of {flags} terms.")
