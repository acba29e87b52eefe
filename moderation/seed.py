"""Seeding the term lists and the public-figure list from the data files.

Seeding only adds what is missing, so moderators' edits (a term deactivated,
an alias added) survive a later `seed_moderation` or migration.
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
TERM_FILES = ["sexual", "violence", "hate", "self_harm", "illegal", "allow", "allow_names"]


def _lines(path: Path):
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


def read_terms() -> list[tuple[str, str]]:
    out = []
    for name in TERM_FILES:
        category = "allow_name" if name == "allow_names" else name
        for line in _lines(DATA_DIR / "terms" / f"{name}.txt"):
            out.append((category, line.lower()))
    return out


def read_public_figures() -> list[dict]:
    out = []
    for path in sorted((DATA_DIR / "public_figures").glob("*.txt")):
        kind = "other"
        for line in _lines(path):
            if line.startswith("["):
                kind = line.strip("[]")
                continue
            parts = [p.strip() for p in line.split("|")]
            parts += [""] * (3 - len(parts))
            out.append({"name": parts[0], "aliases": parts[1], "country": parts[2], "kind": kind})
    return out


def seed_lists(Term, PublicFigure) -> tuple[int, int]:
    """Create the missing terms and figures. Returns how many of each were added."""
    existing = set(Term.objects.values_list("category", "phrase"))
    new_terms = [Term(category=c, phrase=p) for c, p in dict.fromkeys(read_terms()) if (c, p) not in existing]
    Term.objects.bulk_create(new_terms, ignore_conflicts=True)

    known = set(PublicFigure.objects.values_list("name", flat=True))
    seen: set[str] = set()
    new_figures = []
    for row in read_public_figures():
        if row["name"] in known or row["name"] in seen:
            continue
        seen.add(row["name"])
        new_figures.append(PublicFigure(**row))
    PublicFigure.objects.bulk_create(new_figures, ignore_conflicts=True)
    return len(new_terms), len(new_figures)
