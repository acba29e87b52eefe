"""Check prompts from standard input, one per line; print one JSON verdict per line.

It calls `moderation.services.check_prompt`, the same code the studio and the API use,
on the lists in the database (seeded from moderation/data by the migrations).
"""

import json
import sys

from django.core.management.base import BaseCommand

from moderation.services import check_prompt


class Command(BaseCommand):
    help = "Read prompts from stdin (one per line) and write JSON verdicts to stdout."

    def handle(self, *args, **options):
        out = sys.stdout
        for line in sys.stdin:
            prompt = line.rstrip("\r\n")
            verdict = check_prompt(prompt)
            category = None if verdict.allowed else verdict.category
            out.write(json.dumps({"prompt": prompt, "allowed": verdict.allowed, "category": category}) + "\n")
            out.flush()
