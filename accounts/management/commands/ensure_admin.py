"""Create the first admin account when there is none, and print its password once."""

import secrets

from django.core.management.base import BaseCommand

from accounts.models import User


class Command(BaseCommand):
    help = "Create a first admin account if none exists (prints its e-mail and password once)."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="admin@easel.localhost")

    def handle(self, *args, email: str, **options):
        if User.objects.filter(is_superuser=True).exists():
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(email=email, password=password)
        self.stdout.write(
            self.style.SUCCESS(
                "\n  First admin account created (shown once, write it down):\n"
                f"    e-mail:   {email}\n    password: {password}\n"
            )
        )
