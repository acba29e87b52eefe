"""Public figures' names written in scripts the list has no spelling for.

"শাহরুখ খান" (Bengali), "عمران خان" (Urdu), "ரஜினிகாந்த்" (Tamil): the list holds
the Latin spelling, and a handful of other-script spellings for the most written
names; nobody can list every name in every script. Here a word of such a script is
romanised (``anyascii``) and reduced to its consonant skeleton, as is every name on
the list, and the two are compared. Vowels are dropped because these scripts write
them differently or not at all (Arabic, Hebrew, and the inherent vowel of Indic
letters), and letters that romanise to several Latin spellings fall together
(kh/k/q, ph/f/p/b/v, j/g, z/s, th/t): Imran Khan and "عمران خان" are both
``mrn kn``, Shah Rukh Khan and "শাহরুখ খান" are both ``srk kn``.

A skeleton is a weak key, so it counts only where it says a lot: a name of two or
more words whose skeletons hold at least six consonants between them, or a single
word of at least six (a rare word such as Rajinikanth). Short or common names
(Modi, Messi, Trump) are left to the spellings the list holds.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

# Scripts written with spaces between words whose romanisation is close to how the
# names are spelt in Latin. Chinese, Japanese, Thai, Burmese and Khmer write no spaces,
# and Korean and Japanese names romanise too far from their usual spelling: those are
# the list's own literals' business.
_SCRIPTS = (
    "DEVANAGARI", "BENGALI", "GURMUKHI", "GUJARATI", "ORIYA", "TAMIL", "TELUGU",
    "KANNADA", "MALAYALAM", "SINHALA", "ARABIC", "HEBREW", "ETHIOPIC", "GEORGIAN",
    "ARMENIAN", "SYRIAC", "THAANA",
)  # fmt: skip
MIN_CONSONANTS = 6


@lru_cache(maxsize=4096)
def _script(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    for script in _SCRIPTS:
        if name.startswith(script):
            return script
    return None


def other_script_words(text: str) -> list[list[str]]:
    """Runs of consecutive words written in one of those scripts ("… शाहरुख खान को …" → one run)."""
    runs: list[list[str]] = []
    current: list[str] = []
    for word in re.split(r"[\s\u200c\u200d,.;:!?()\"'«»“”\-_/|]+", text):
        if word and any(_script(ch) for ch in word if ch.isalpha()):
            current.append(word)
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


_DIGRAPHS = [
    ("sch", "s"), ("ph", "b"), ("th", "t"), ("kh", "k"), ("gh", "g"), ("sh", "s"),
    ("ch", "c"), ("zh", "s"), ("dh", "d"), ("bh", "b"), ("jh", "g"), ("ck", "k"),
]  # fmt: skip
_SINGLE = str.maketrans({"q": "k", "c": "k", "p": "b", "f": "b", "v": "b", "j": "g", "z": "s", "x": "k"})
_VOWELS = re.compile(r"[aeiouyw]")
_NASAL_BEFORE_CONSONANT = re.compile(r"[mn](?=[^mn])")


def skeleton(word: str) -> str:
    """The consonants of a word's romanisation, in classes: "Khan" and "خان" → "kn"."""
    latin = anyascii(word).lower()
    latin = "".join(ch for ch in latin if "a" <= ch <= "z")
    if not latin:
        return ""
    for pair, single in _DIGRAPHS:
        latin = latin.replace(pair, single)
    latin = latin.translate(_SINGLE)
    head, rest = latin[0], latin[1:]
    # A vowel, or w/y (long vowels in Arabic, Hebrew and Indic romanisation) inside a word.
    if head in "aeiou":
        head = ""
    rest = _VOWELS.sub("", rest.replace("h", ""))
    out = re.sub(r"(.)\1+", r"\1", head.replace("h", "") + rest)
    # m/n before a consonant: Indic writes one nasal sign for both ("नरेंद्र" → "nremdr").
    return _NASAL_BEFORE_CONSONANT.sub("N", out)


def index(aliases: dict[str, str]) -> dict[tuple[str, ...], str]:
    """{skeletons of a name's words: name} for the names whose skeleton says enough."""
    out: dict[tuple[str, ...], str] = {}
    for alias, name in aliases.items():
        words = alias.split()
        if not words or any(not w.isascii() for w in words):
            continue
        key = tuple(skeleton(w) for w in words)
        if any(not k for k in key) or sum(len(k) for k in key) < MIN_CONSONANTS:
            continue
        if len(key) == 1 and len(key[0]) < MIN_CONSONANTS:
            continue
        out.setdefault(key, name)
    return out


def find(text: str, names: dict[tuple[str, ...], str], max_words: int = 4) -> tuple[str, str] | None:
    """(name, words as written) of the first listed name in `text`'s other-script words."""
    if not names or text.isascii():
        return None
    for run in other_script_words(text):
        keys = [skeleton(w) for w in run]
        for i in range(len(run)):
            for n in range(min(max_words, len(run) - i), 0, -1):
                name = names.get(tuple(keys[i : i + n]))
                if name:
                    return name, " ".join(run[i : i + n])
    return None
