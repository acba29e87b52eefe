"""Moderation checks: prompts, uploads and outputs. (Foundation version; see issue 6.)"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

POLICY_MESSAGES = {
    "sexual": "This request was refused by our content policy: sexual content is not allowed.",
    "violence": "This request was refused by our content policy: violent or gory content is not allowed.",
    "hate": "This request was refused by our content policy: hateful content is not allowed.",
    "self_harm": "This request was refused by our content policy: self-harm content is not allowed.",
    "illegal": "This request was refused by our content policy: illegal activity is not allowed.",
    "public_figure": "This request was refused by our content policy: images of real public figures are not allowed.",
    "face": "This upload was refused by our content policy: images with realistic human faces are not allowed.",
    "nudity": "This image was refused by our content policy: nudity is not allowed.",
}


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    category: str | None = None
    details: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return POLICY_MESSAGES.get(self.category or "", "This request was refused by our content policy.")


_FOUNDATION_TERMS = {"sexual": ["nude", "porn"], "violence": ["gore", "decapitated"]}


def check_prompt(text: str) -> Verdict:
    words = set(re.findall(r"[a-z]+", text.lower()))
    for category, terms in _FOUNDATION_TERMS.items():
        if words.intersection(terms):
            return Verdict(False, category)
    return Verdict(True)


def record_refusal(user, verdict: Verdict, *, target: str, text: str = "", generation=None):
    from moderation.models import Flag

    return Flag.objects.create(
        user=user, target=target, category=verdict.category or "", text=text,
        details=verdict.details, generation=generation,
    )


def check_output(png: bytes) -> Verdict:
    """Every generated image passes here before anyone sees it (nudity check: issue 6)."""
    return Verdict(True)
