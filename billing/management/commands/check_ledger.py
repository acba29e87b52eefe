"""`manage.py check_ledger`: recompute every balance from the rows and check the invariants.

Exits 0 when the ledger is consistent, and 1 with the offending accounts when not.
`--repair-cache` first rebuilds the lots' cached remainders from the rows.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from billing.models import LedgerEntry
from billing.services import find_ledger_problems, repair_lot_caches


class Command(BaseCommand):
    help = "Check that no lot is overdrawn, no balance is negative and every row adds up."

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair-cache", action="store_true",
            help="First set every lot's cached remainder to what its rows say (the rows win).",
        )

    def handle(self, *args, **options):
        if options["repair_cache"]:
            self.stdout.write(f"Repaired the cached remainder of {repair_lot_caches()} lot(s).")
        problems = find_ledger_problems()
        if not problems:
            accounts = LedgerEntry.objects.order_by().values("user_id").distinct().count()
            self.stdout.write(f"Ledger OK: {accounts} accounts, {LedgerEntry.objects.count()} entries.")
            return
        emails = dict(User.objects.filter(pk__in=problems).values_list("pk", "email"))
        for user_id, lines in sorted(problems.items()):
            self.stderr.write(f"account {user_id} <{emails.get(user_id, '?')}>:")
            for line in lines:
                self.stderr.write(f"  {line}")
        raise CommandError(f"Ledger check failed for {len(problems)} account(s).", returncode=1)
