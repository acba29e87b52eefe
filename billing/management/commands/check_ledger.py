"""`manage.py check_ledger`: recompute every balance from the rows and check the invariants.

Exits 0 when the ledger is consistent, and 1 with the offending accounts when not.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from billing.models import LedgerEntry
from billing.services import find_ledger_problems


class Command(BaseCommand):
    help = "Check that no lot is overdrawn, no balance is negative and every row adds up."

    def handle(self, *args, **options):
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
