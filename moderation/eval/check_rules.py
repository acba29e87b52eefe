"""Try candidate rules against everything we know before they join the term files.

    DATABASE_URL=... .venv/bin/python -m moderation.eval.check_rules CANDIDATES.tsv [--write]
    DATABASE_URL=... .venv/bin/python -m moderation.eval.check_rules --figures PEOPLE.txt [--write]

CANDIDATES.tsv holds lines ``category<TAB>phrase`` written as in the term files
(``~`` for an ambiguous term, ``...``, ``&``, ``|``, ``*``, ``@group``); the
category is one of the term files' (``allow`` for an allow phrase). Comment lines
start with ``#``.

Every prompt of the development set (moderation/eval/prompts.tsv: the held-out
sets already measured and folded in, never one that is still unmeasured) and the
ordinary prompts (moderation/eval/ordinary.py) go through ``check_prompt`` on the
current lists, then again with the candidates beside them:

- a block candidate that refuses a prompt which must pass, and passed before, is dropped;
- an allow candidate that lets through a prompt which must be refused, and was
  refused before, is dropped;

and the run repeats until nothing more is dropped. With ``--figures``, the file holds
people as the public-figure files do (``Full Name | alias; alias | CC | kind``): new
aliases of listed people and new people are tried the same way, an alias dropped
when it names someone in a prompt that must pass (a one-word alias that is an
ordinary word or a given name is dropped before it is tried). It prints what each kept
candidate newly refuses (or lets through) and, with ``--write``, appends the kept
ones to moderation/data/terms/<category>.txt under a dated comment. A rule kept
here is still read by a person: the sets hold only the innocent prompts someone
thought of.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections import defaultdict
from pathlib import Path

from moderation.eval.run import HERE, _setup_django, load_prompts

CATEGORIES = ("sexual", "violence", "hate", "self_harm", "illegal", "allow")


def read_candidates(path: Path) -> list[tuple[str, str, bool]]:
    """(category, phrase, ambiguous) for each line; raises ValueError on a malformed one."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        category, tab, phrase = line.partition("\t")
        category = category.strip()
        if not tab or category not in CATEGORIES or not phrase.strip():
            raise ValueError(f"{path}:{number}: expected category<TAB>phrase, category one of {CATEGORIES}")
        ambiguous = phrase.strip().startswith("~")
        out.append((category, phrase.strip().lstrip("~").strip().lower(), ambiguous))
    return out


def _prompts() -> list[tuple[str, str]]:
    """(category, prompt): the development set and the ordinary prompts (all "allowed")."""
    from moderation.eval.ordinary import ordinary_prompts

    return load_prompts(HERE / "prompts.tsv") + [("allowed", p) for p in ordinary_prompts(4000, seed=0)]


def _verdicts(lists, prompts):
    from moderation.services import check_prompt

    return [check_prompt(p, lists) for _, p in prompts]


def check(
    candidates: list[tuple[str, str, bool]], prompts: list[tuple[str, str]] | None = None, out=sys.stdout
) -> list[tuple[str, str, bool]]:
    """The candidates that survive `prompts` (default: the development set and the
    ordinary prompts); a report of each drop and each catch goes to `out`."""
    from moderation.lib.matching import TermMatcher, compile_rule, parse_groups
    from moderation.lib.normalize import tokenize
    from moderation.models import Term
    from moderation.seed import DATA_DIR
    from moderation.services import _build_lists

    groups = parse_groups((DATA_DIR / "groups.txt").read_text().splitlines())
    existing = set(Term.objects.values_list("category", "phrase"))
    kept: dict[tuple[str, str], bool] = {}
    rules = {}
    for category, phrase, ambiguous in candidates:
        if (category, phrase) in existing or (category, phrase) in kept:
            print(f"already listed: {category}\t{phrase}", file=out)
            continue
        rule = compile_rule(category, phrase, groups, ambiguous=ambiguous)
        if rule is None:
            print(f"does not compile: {category}\t{phrase}", file=out)
            continue
        kept[(category, phrase)] = ambiguous
        rules[(category, phrase)] = rule

    prompts = _prompts() if prompts is None else prompts
    before = _verdicts(_build_lists("check_rules:before"), prompts)
    tokens = [tokenize(p) for _, p in prompts]
    for round_number in range(1, 6):
        extra = [(c, p, a) for (c, p), a in kept.items()]
        after = _verdicts(_build_lists(f"check_rules:{round_number}", extra), prompts)
        dropped = set()
        for i, (category, prompt) in enumerate(prompts):
            was, now = before[i], after[i]
            if category == "allowed" and was.allowed and not now.allowed:
                matched = set(now.details.get("matched", ()))
                culprits = {key for key in kept if key[0] != "allow" and key[1] in matched}
                for key in culprits - dropped:
                    print(f"dropped {key[0]}\t{key[1]}\t(refuses: {prompt})", file=out)
                dropped |= culprits
            elif category != "allowed" and not was.allowed and now.allowed:
                for key in kept:
                    if key[0] == "allow" and key not in dropped:
                        alone = TermMatcher([], [rules[key]])
                        if None in alone.masked_tokens(tokens[i]):
                            print(f"dropped {key[0]}\t{key[1]}\t(lets through: {prompt})", file=out)
                            dropped.add(key)
        if not dropped:
            break
        for key in dropped:
            kept.pop(key, None)

    catches = defaultdict(list)
    for i, (category, prompt) in enumerate(prompts):
        was, now = before[i], after[i]
        if category != "allowed" and was.allowed and not now.allowed:
            for phrase in now.details.get("matched", ()):
                if (now.category, phrase) in kept:
                    catches[(now.category, phrase)].append(prompt)
        elif category == "allowed" and not was.allowed and now.allowed:
            catches[("allow", "")].append(prompt)
    for key in kept:
        if key[0] != "allow":
            print(f"kept {key[0]}\t{key[1]}\tnewly refuses {len(catches[key])}", file=out)
    freed = catches.pop(("allow", ""), [])
    print(f"kept {sum(k[0] == 'allow' for k in kept)} allow phrases; {len(freed)} false blocks freed", file=out)
    for prompt in freed:
        print(f"    freed: {prompt}", file=out)
    return [(c, p, a) for (c, p), a in kept.items()]


def write(kept: list[tuple[str, str, bool]], note: str) -> None:
    from moderation.seed import AMBIGUOUS_MARK, DATA_DIR

    by_file = defaultdict(list)
    for category, phrase, ambiguous in kept:
        by_file[category].append(f"{AMBIGUOUS_MARK if ambiguous else ''}{phrase}")
    for category, lines in by_file.items():
        path = DATA_DIR / "terms" / f"{category}.txt"
        text = path.read_text(encoding="utf-8")
        if not text.endswith("\n"):
            text += "\n"
        text += f"# {note} ({datetime.date.today().isoformat()}, checked by moderation/eval/check_rules.py)\n"
        path.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")


def read_figures(path: Path) -> list[tuple[str, list[str], str, str]]:
    """(name, aliases, country, kind) for each line ``Name | alias; alias | CC | kind``."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 4 or not parts[0]:
            raise ValueError(f"{path}:{number}: expected Name | aliases | CC | kind")
        out.append((parts[0], [a.strip() for a in parts[1].split(";") if a.strip()], parts[2], parts[3]))
    return out


def _in_prompt(alias: str, prompt: str) -> bool:
    from moderation.lib.normalize import is_other_script, normalize, squeeze

    if is_other_script(alias):
        return squeeze(alias) in squeeze(prompt)
    words = normalize(alias).split()
    said = set(normalize(prompt).split())
    return bool(words) and any(w in said for w in words)


def check_figures(
    people: list[tuple[str, list[str], str, str]], prompts: list[tuple[str, str]] | None = None, out=sys.stdout
) -> dict[str, tuple[list[str], str, str, bool]]:
    """name → (aliases kept, country, kind, already listed) for the people's new aliases."""
    from moderation.lib.names import given_names, ordinary_words
    from moderation.lib.normalize import fold, is_other_script, normalize
    from moderation.models import PublicFigure
    from moderation.services import _build_lists

    listed: dict[str, str] = {}
    known_aliases: dict[str, set[str]] = defaultdict(set)
    for name, aliases in PublicFigure.objects.values_list("name", "aliases"):
        for alias in [name, *aliases.split(";")]:
            key = normalize(alias.split("[")[0])
            if key:
                listed.setdefault(key, name)
                known_aliases[name].add(key)
    ordinary, given = ordinary_words(), given_names()
    candidates: dict[str, list[str]] = {}
    about: dict[str, tuple[str, str, bool]] = {}
    skipped = 0
    for name, aliases, country, kind in people:
        target = listed.get(normalize(name))
        is_listed = target is not None
        target = target or name
        about[target] = (country, kind, is_listed)
        fresh = [] if is_listed else [name]
        for alias in aliases:
            key = normalize(alias)
            words = key.split()
            if not key or key in known_aliases[target] or (listed.get(key) not in (None, target)):
                continue
            if not is_other_script(alias) and (
                len(key.replace(" ", "")) < 4 or (len(words) == 1 and (words[0] in ordinary or fold(words[0]) in given))
            ):
                skipped += 1
                continue
            fresh.append(alias)
        if fresh:
            candidates.setdefault(target, []).extend(a for a in fresh if a not in candidates.get(target, []))
    print(f"{sum(map(len, candidates.values()))} aliases to try for {len(candidates)} people "
          f"({skipped} one-word or short ones that are ordinary words or given names left out)", file=out)

    prompts = _prompts() if prompts is None else prompts
    before = _verdicts(_build_lists("check_figures:before"), prompts)
    for round_number in range(1, 6):
        # A new person's name is an alias like the others; without it the person goes.
        extra = [(name, "; ".join(a for a in aliases if a != name)) for name, aliases in candidates.items()
                 if aliases and (about[name][2] or name in aliases)]
        after = _verdicts(_build_lists(f"check_figures:{round_number}", extra_figures=extra), prompts)
        dropped = 0
        for i, (category, prompt) in enumerate(prompts):
            was, now = before[i], after[i]
            if not (category == "allowed" and was.allowed and not now.allowed):
                continue
            name = now.details.get("name")
            if name not in candidates:
                continue
            guilty = [a for a in candidates[name] if _in_prompt(a, prompt)] or list(candidates[name])
            for alias in guilty:
                print(f"dropped {name}: {alias}\t(names someone in: {prompt})", file=out)
            candidates[name] = [a for a in candidates[name] if a not in guilty and name not in guilty]
            dropped += len(guilty)
        if not dropped:
            break
    caught = [p for i, (c, p) in enumerate(prompts) if c != "allowed" and before[i].allowed and not after[i].allowed]
    kept = {name: (aliases, *about[name]) for name, aliases in candidates.items()
            if aliases and (about[name][2] or name in aliases)}
    print(f"kept {sum(len(v[0]) for v in kept.values())} aliases for {len(kept)} people "
          f"({sum(not v[3] for v in kept.values())} of them new); {len(caught)} refused prompts newly caught", file=out)
    for prompt in caught:
        print(f"    caught: {prompt}", file=out)
    return kept


def write_figures(kept: dict[str, tuple[list[str], str, str, bool]], note: str) -> None:
    from moderation.seed import DATA_DIR

    folder = DATA_DIR / "public_figures"
    lines_of = {path: path.read_text(encoding="utf-8").split("\n") for path in sorted(folder.glob("*.txt"))}
    where = {}  # listed name -> (file, line number), the first line that lists it
    for path, lines in lines_of.items():
        for j, line in enumerate(lines):
            if "|" in line and not line.startswith("#"):
                where.setdefault(line.split("|", 1)[0].strip(), (path, j))
    new_by_kind = defaultdict(list)
    for name, (aliases, country, kind, is_listed) in kept.items():
        if not is_listed or name not in where:
            new_by_kind[kind].append(f"{name} | {'; '.join(a for a in aliases if a != name)} | {country}")
            continue
        path, j = where[name]
        parts = [p.strip() for p in lines_of[path][j].split("|")]
        parts[1] = "; ".join(a for a in [parts[1], *aliases] if a)
        lines_of[path][j] = " | ".join(parts)
    texts = {path: "\n".join(lines) for path, lines in lines_of.items()}
    for kind, lines in new_by_kind.items():
        # New people join the file that has their kind's section (celebrities.txt holds
        # [celebrity]), under a fresh [kind] line if another section comes last there.
        header = f"[{kind}]"
        path = next(
            (p for p, ls in lines_of.items() if header in (line.strip() for line in ls)),
            folder / f"{kind}.txt",
        )
        text = texts.get(path, f"# Real public figures: {kind}.\n{header}\n")
        if not text.endswith("\n"):
            text += "\n"
        sections = [line.strip() for line in text.split("\n") if line.startswith("[")]
        if sections and sections[-1] != header:
            text += header + "\n"
        texts[path] = text + f"# {note} ({datetime.date.today().isoformat()})\n" + "\n".join(lines) + "\n"
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m moderation.eval.check_rules", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("candidates", type=Path)
    parser.add_argument("--figures", action="store_true", help="the file lists people, not rules")
    parser.add_argument("--write", action="store_true", help="append the kept rules to the term files")
    parser.add_argument("--note", default="Rules tried against the development set", help="the comment above them")
    args = parser.parse_args(argv)
    _setup_django()
    if args.figures:
        people = check_figures(read_figures(args.candidates))
        if args.write and people:
            write_figures(people, args.note)
            print(f"wrote aliases for {len(people)} people; a migration must add them to existing databases")
        return 0
    kept = check(read_candidates(args.candidates))
    if args.write and kept:
        write(kept, args.note)
        print(f"wrote {len(kept)} rules; a migration must seed them into existing databases")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
