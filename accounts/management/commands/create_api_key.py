"""Create an API key for an account from the command line (for operators and scripts).

    python manage.py create_api_key alice@example.com --create-user --grant 100

The key is printed alone on the last line, so `| tail -n1` captures it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import create_api_key


class Command(BaseCommand):
    help = "Create an API key for EMAIL (optionally creating a verified user and granting credits)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--create-user", action="store_true", help="Create a verified account if none exists.")
        parser.add_argument("--grant", type=int, default=0, metavar="N", help="Grant N credits (an admin adjustment).")
        parser.add_argument("--name", default="command line", help="The key's name on the account page.")

    def handle(self, *args, email: str, create_user: bool, grant: int, name: str, **options):
        if grant < 0:
            raise CommandError("--grant must be a positive number of credits.")
        with transaction.atomic():
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                if not create_user:
                    raise CommandError(f"No account with e-mail {email}; pass --create-user to create one.")
                # No usable password: the owner signs in after a password reset, or only uses the API.
                user = User.objects.create_user(email=email, email_verified_at=timezone.now())
                self.stderr.write(f"Created the verified account {user.email}.")
            if grant:
                _grant_as_adjustment(user, grant)
                self.stderr.write(f"Granted {grant} credits to {user.email}.")
            _api_key, key = create_api_key(user, name=name)
        self.stdout.write(key)


def _grant_as_adjustment(user: User, amount: int) -> None:
    """An admin-adjustment lot and ledger row (billing's own grant service, no actor: the CLI)."""
    from billing.services import grant_credits

    grant_credits(user, amount, reason="Granted with manage.py create_api_key", actor=None)
