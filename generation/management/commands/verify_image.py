"""manage.py verify_image FILE — is this PNG's provenance intact and signed by this service?"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from generation.lib.provenance import verify_png


class Command(BaseCommand):
    help = "Check a PNG's signed provenance record; exits 1 when it is missing, broken or altered."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, file: str, json: bool = False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        result = verify_png(path.read_bytes())
        if json:
            self.stdout.write(_json({"file": file, "valid": result.valid, "reasons": result.reasons,
                                     "signer": result.signer, "record": result.record}))
        elif result.valid:
            record = result.record or {}
            self.stdout.write(self.style.SUCCESS(f"{file}: genuine — signed by {result.signer}"))
            for key in ("service", "model", "created", "generation", "derived_from_input", "content_sha256"):
                self.stdout.write(f"  {key}: {record.get(key)}")
        else:
            self.stdout.write(self.style.ERROR(f"{file}: NOT verified"))
            for reason in result.reasons:
                self.stdout.write(f"  - {reason}")
        if not result.valid:
            sys.exit(1)


def _json(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True)
