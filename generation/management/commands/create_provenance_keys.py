"""manage.py create_provenance_keys DIR — a provenance CA and signing key for a deployment."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from generation.lib.provenance import generate_keys, write_keys


class Command(BaseCommand):
    help = "Write ca.pem, signer-chain.pem and signer.key to DIR (give them to every web and GPU worker)."

    def add_arguments(self, parser):
        parser.add_argument("directory")

    def handle(self, *args, directory: str, **options):
        target = Path(directory)
        if (target / "signer.key").exists():
            raise CommandError(f"{target / 'signer.key'} exists; refusing to replace a signing key")
        write_keys(generate_keys(), target)
        self.stdout.write(
            f"Wrote {target}/ca.pem, signer-chain.pem and signer.key. Set PROVENANCE_CA_FILE, "
            "PROVENANCE_CERT_FILE and PROVENANCE_KEY_FILE to them."
        )
