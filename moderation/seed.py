"""Seeding the term lists and the public-figure list from the data files.

Seeding only adds what is missing, so moderators' edits (a term deactivated,
an alias added) survive a later `seed_moderation` or migration.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
TERM_FILES = ["sexual", "violence", "hate", "self_harm", "illegal", "allow", "allow_names"]


def _lines(path: Path):
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


AMBIGUOUS_MARK = "~"


def read_terms() -> list[tuple[str, str, bool]]:
    """(category, phrase, ambiguous) for every line of the term files.

    A line starting with ``~`` is an ambiguous term: its words have common
    innocent senses, so it only refuses with corroboration (services.check_prompt).
    """
    out = []
    for name in TERM_FILES:
        category = "allow_name" if name == "allow_names" else name
        for line in _lines(DATA_DIR / "terms" / f"{name}.txt"):
            ambiguous = line.startswith(AMBIGUOUS_MARK)
            phrase = line.lstrip(AMBIGUOUS_MARK).strip().lower()
            if phrase:
                out.append((category, phrase, ambiguous))
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
    # An early migration runs this with the column as it was then (200 characters):
    # longer rules (scenes) wait for the migration that widened it, which seeds again.
    limit = Term._meta.get_field("phrase").max_length
    entries = {(c, p): a for c, p, a in read_terms() if len(p) <= limit}
    # Migration 0002 runs this with the model as it was before the flag existed.
    flagged = any(f.name == "ambiguous" for f in Term._meta.get_fields())
    new_terms = [
        Term(category=c, phrase=p, **({"ambiguous": a} if flagged else {}))
        for (c, p), a in entries.items()
        if (c, p) not in existing
    ]
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


def add_missing_aliases(
    PublicFigure,
    *,
    only_other_scripts: bool = False,
    only_contextual: bool = False,
    names: Iterable[str] | None = None,
) -> int:
    """Give existing figures the aliases the data files list and they lack. Returns how many figures changed.

    Used once by the migration that brought names written in other scripts
    ("习近平", "محمد صلاح"), once by the one that brought surnames with their
    context words ("Musk [tesla spacex]"), by later ones for the figures they name
    (`names`), and by ``seed_moderation --add-aliases``. An alias a
    moderator removed from a figure the files still list comes back, so a plain
    seed does not do this.
    """
    from moderation.lib.normalize import is_other_script

    wanted = {row["name"]: row["aliases"] for row in read_public_figures()}
    if names is not None:
        wanted = {name: wanted[name] for name in names if name in wanted}
    changed = []
    for figure in PublicFigure.objects.filter(name__in=wanted):
        have = [a.strip() for a in figure.aliases.split(";") if a.strip()]
        new = [
            a.strip()
            for a in wanted[figure.name].split(";")
            if a.strip()
            and a.strip() not in have
            and (not only_other_scripts or is_other_script(a))
            and (not only_contextual or "[" in a)
        ]
        if new:
            figure.aliases = "; ".join(have + new)
            changed.append(figure)
    PublicFigure.objects.bulk_update(changed, ["aliases"])
    return len(changed)


def sync_ambiguous_flags(Term) -> int:
    """Set the ambiguous flag of existing terms to what the data files say. Returns how many changed.

    Used by the migration that introduced the flag and by ``seed_moderation
    --update-flags``; a plain seed leaves existing rows (and moderators' choices) alone.
    """
    entries = {(c, p): a for c, p, a in read_terms()}
    changed = []
    for term in Term.objects.all():
        want = entries.get((term.category, term.phrase))
        if want is not None and term.ambiguous != want:
            term.ambiguous = want
            changed.append(term)
    Term.objects.bulk_update(changed, ["ambiguous"])
    return len(changed)
