"""Whole-word matching of term lists and of the public-figure list.

Terms are written as words separated by spaces and match whole tokens only,
so "cocktail" never matches "cock" and "Scunthorpe" matches nothing. A term's
words may be:

* ``word`` — that word, or its plural or possessive (``knife`` matches ``knives``? no:
  only regular ``-s``/``-es``/``-ies`` plurals; irregular ones are listed separately);
* ``stem*`` — any word that starts with ``stem`` (``decapitat*``);
* ``@group`` — any word of a named group (``@person`` = man, woman, child, …);
* ``...`` — up to three other words in between (``shoot* ... @person``);
* ``a|b|c*`` — any of these in one place (``ceiling|beam|rafter*``).

A *scene* is parts joined by `` & ``, each an ordinary term, found anywhere in the
prompt in any order: ``rope|noose & ceiling|beam & dangl*|kicked`` refuses "chair
kicked over, rope from the ceiling beam, feet dangling", which names nothing, and
not "a rope swing from a branch".

A term may be *ambiguous*: a word with a common innocent sense ("stripper" of
wires and paint, "hooker" in rugby, "Slaughter Beach"). Such a rule only
refuses when something else in the prompt agrees (see
``moderation.services.check_prompt``); the matcher reports where it matched so
its words can be set aside while the rest of the prompt is judged.

"Allow" phrases ("killer whale", "naked mole rat", "shooting star") are
matched first and hide their words from every block term.

A term written in a script with no Latin reading here (Japanese, Chinese,
Korean, Arabic, Hindi, Hebrew, Thai, …) is a *literal*: Japanese and Chinese
have no spaces to find whole words by, so it matches as a substring of the
prompt's letters with spacing and punctuation squeezed out
(``normalize.squeeze``). Such terms are chosen to be unambiguous as
substrings ("全裸", not "裸", which is also in "裸足", barefoot); allow literals
hide their letters the same way. Parts joined by ``...`` must all occur, in
order; a part may be a ``@group`` of such words (``@zh_group ... @zh_vermin``).

Everything here is plain Python on precompiled dictionaries: a prompt costs a
few hundred dictionary look-ups.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from moderation.lib import skeletons
from moderation.lib.normalize import (
    Token,
    in_its_language,
    is_other_script,
    normalize,
    squeeze,
    squeezed_words,
)
from moderation.lib.owned import ANIMALS, CHILD_WORDS, NAMED_WORDS, PEOPLE_WORDS, POSSESSIVES

GAP = 3  # words a "..." may skip
LITERAL_GAP = "\x00"  # joins the parts of a literal written with "..."
LITERAL_ALT = "\x01"  # joins the spellings a part may have (a @group's words)


def literal_in(literal: str, letters: str) -> bool:
    """Whether each part of `literal` (one of its spellings) occurs in `letters`, in order."""
    pos = 0
    for part in literal.split(LITERAL_GAP):
        # The spelling that ends first leaves the most room for the parts after it.
        ends = [
            f + len(alt) for alt in part.split(LITERAL_ALT) if (f := letters.find(alt, pos)) >= 0
        ]
        if not ends:
            return False
        pos = min(ends)
    return True


def _literal_of(phrase: str, groups: dict[str, list[str]]) -> str | None:
    """A term in a script without a Latin reading as a literal, or None when it is not one.

    ``मुसलमान ... कीड़`` is two parts in order; a part may be a ``@group`` whose words
    are all in such scripts (``@hi_group ... @hi_vermin``: any of each, in order), or
    spellings separated by ``|`` (any of them).
    """
    parts = [p.strip() for p in phrase.split("...")]
    spellings: list[list[str]] = []
    for part in parts:
        if part.startswith("@") and " " not in part:
            members = groups.get(part[1:], [])
            if not members or not all(is_other_script(m) for m in members):
                return None
            spellings.append([squeeze(m) for m in members])
        elif is_other_script(part) and "@" not in part:
            # "رأس مقطوع|رؤوس مقطوعة": any of these spellings in this place.
            spellings.append([squeeze(alt) for alt in part.split("|") if squeeze(alt)])
        else:
            return None
    if not all(all(s) for s in spellings):
        return None
    return LITERAL_GAP.join(LITERAL_ALT.join(s) for s in spellings)


@dataclass(frozen=True)
class Slot:
    exact: frozenset[str]
    prefixes: tuple[str, ...]
    gap_before: bool = False

    def matches(self, keys: frozenset[str]) -> bool:
        if self.exact & keys:
            return True
        return any(k.startswith(p) for p in self.prefixes for k in keys)


@dataclass(frozen=True)
class Rule:
    category: str
    phrase: str
    slots: tuple[Slot, ...]
    ambiguous: bool = False
    literal: str = ""  # a term in another script: its squeezed letters (see the module's docstring)
    parts: tuple[Rule, ...] = ()  # a scene: every part somewhere in the prompt, in any order

    @property
    def specificity(self) -> tuple[int, int]:
        """Literal words first, then all words: "kill all @protected" beats "kill ... @person"."""
        literal = sum(
            1 for w in self.phrase.split() if w not in ("...", SCENE_AND) and not w.startswith("@")
        )
        return literal, len(self.slots) + sum(len(p.slots) for p in self.parts)


def token_keys(token: Token) -> frozenset[str]:
    """Every spelling a token may be looked up under: its forms and their singulars."""
    keys = set()
    for f in token.forms:
        keys.add(f)
        if len(f) > 3 and f.endswith("ies"):
            keys.add(f[:-3] + "y")
        if len(f) > 3 and f.endswith("es") and f[:-2].endswith(("s", "x", "z", "ch", "sh", "o")):
            keys.add(f[:-2])  # "boxes", "bitches", "heroes"; never "spices" → "spic"
        if len(f) > 2 and f.endswith("s") and not f.endswith("ss"):
            keys.add(f[:-1])
    return frozenset(keys)


def parse_groups(lines: Iterable[str]) -> dict[str, list[str]]:
    """``@name: word word stem* ...`` lines → {name: [words]}."""
    groups: dict[str, list[str]] = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, words = line.partition(":")
        groups[name.strip().lstrip("@")] = words.split()
    return groups


SCENE_AND = "&"


def compile_rule(
    category: str, phrase: str, groups: dict[str, list[str]], *, ambiguous: bool = False
) -> Rule | None:
    from moderation.lib.normalize import fold

    # "rope|noose & ceiling|beam & dangl*": a scene, its parts anywhere and in any order.
    if f" {SCENE_AND} " in f" {phrase} ":
        parts = [
            compile_rule(category, part.strip(), groups)
            for part in f" {phrase} ".split(f" {SCENE_AND} ")
        ]
        if len(parts) < 2 or any(p is None for p in parts):
            return None
        return Rule(category, phrase, (), ambiguous, parts=tuple(parts))
    # "मुसलमान ... कीड़े": the parts in this order anywhere in the prompt (its
    # letters are few; a gap in a script without spaces cannot be counted in words).
    literal = _literal_of(phrase, groups)
    if literal:
        return Rule(category, phrase, (), ambiguous, literal=literal)
    slots: list[Slot] = []
    gap = False
    for word in phrase.lower().split():
        if word == "...":
            gap = True
            continue
        # "ceiling|beam|rafter*": any of them; each may be a @group.
        members = [
            m
            for alt in word.split("|")
            if alt
            for m in (groups.get(alt[1:], []) if alt.startswith("@") else [alt])
        ]
        exact, prefixes = set(), []
        for m in members:
            stem = m[:-1] if m.endswith("*") else m
            if any(c.isdigit() for c in stem) and any(c.isalpha() for c in stem):
                # A code with digits ("r18", "3d") is itself, not leetspeak: read as
                # leet, "r18" was "rib" and refused "ribs". Tokens keep their raw form.
                key = fold(stem)
            else:
                key = normalize(stem).replace(" ", "")
            (prefixes.append if m.endswith("*") else exact.add)(key)
            # "смрт", "секс": all look-alike letters, read as Latin ("cmpt") alone, and
            # as Russian or Serbian ("smrt") beside other words of the language.
            spelled = normalize(in_its_language(stem)).replace(" ", "")
            if spelled != key and not any(c.isdigit() for c in stem):
                (prefixes.append if m.endswith("*") else exact.add)(spelled)
        if not exact and not prefixes:
            return None
        slots.append(Slot(frozenset(exact), tuple(prefixes), gap))
        gap = False
    if not slots:
        return None
    return Rule(category, phrase, tuple(slots), ambiguous)


@dataclass(frozen=True)
class Hit:
    """A block rule and the tokens it covered (``start`` to ``end``, gaps included)."""

    rule: Rule
    start: int
    end: int

    def overlaps(self, other: Hit) -> bool:
        return self.start < other.end and other.start < self.end


class TermMatcher:
    """Block terms by category plus allow phrases, compiled for fast look-up."""

    def __init__(self, rules: Sequence[Rule], allow: Sequence[Rule]):
        self._rules = self._index([r for r in rules if not r.literal and not r.parts])
        self._allow = self._index([r for r in allow if not r.literal and not r.parts])
        self._literals = [r for r in rules if r.literal]
        # Scenes: their parts are found like terms, then each scene whose parts all are.
        self._scenes = [r for r in rules if r.parts]
        self._scene_words = self._index([p for r in self._scenes for p in r.parts if not p.literal])
        # Each scene is filed under its first word part (by identity: hashing a Rule
        # hashes all its fields), so a prompt looks only at the scenes one of whose parts
        # it holds; scenes of literals alone are looked at when the prompt has such letters.
        self._scene_order = {id(scene): i for i, scene in enumerate(self._scenes)}
        self._scenes_by_part: dict[int, list[Rule]] = defaultdict(list)
        self._literal_scenes = []
        for scene in self._scenes:
            first = next((p for p in scene.parts if not p.literal), None)
            if first is None:
                self._literal_scenes.append(scene)
            else:
                self._scenes_by_part[id(first)].append(scene)
        # Longest first, so that a longer allow literal is hidden whole.
        self._allow_literals = sorted(
            (
                spelling
                for r in allow
                if r.literal and LITERAL_GAP not in r.literal
                for spelling in r.literal.split(LITERAL_ALT)
            ),
            key=len,
            reverse=True,
        )

    @staticmethod
    def _index(rules: Sequence[Rule]):
        exact: dict[str, list[Rule]] = defaultdict(list)
        prefix: dict[str, list[Rule]] = defaultdict(list)
        for rule in rules:
            first = rule.slots[0]
            for w in first.exact:
                exact[w].append(rule)
            for p in first.prefixes:
                prefix[p].append(rule)
        return dict(exact), dict(prefix)

    @staticmethod
    def _candidates(index, keys: frozenset[str]) -> list[Rule]:
        exact, prefix = index
        found: list[Rule] = []
        lengths = _prefix_lengths(prefix)
        for k in keys:
            found.extend(exact.get(k, ()))
            for n in lengths:
                if n > len(k):
                    break
                found.extend(prefix.get(k[:n], ()))
        return found

    @staticmethod
    def _match_from(rule: Rule, keys: Sequence[frozenset[str] | None], start: int) -> int | None:
        """The end index of `rule` matched at `start`, or None."""

        def walk(slot_index: int, pos: int) -> int | None:
            if slot_index == len(rule.slots):
                return pos
            slot = rule.slots[slot_index]
            last = pos + (GAP if slot.gap_before else 0)
            for p in range(pos, min(last, len(keys) - 1) + 1):
                k = keys[p]
                if k is not None and slot.matches(k):
                    end = walk(slot_index + 1, p + 1)
                    if end is not None:
                        return end
            return None

        return walk(1, start + 1)

    def _find(self, index, keys: Sequence[frozenset[str] | None]):
        for i, k in enumerate(keys):
            if k is None:
                continue
            for rule in self._candidates(index, k):
                end = self._match_from(rule, keys, i)
                if end is not None:
                    yield rule, i, end

    def match(self, tokens: Sequence[Token], text: str = "") -> list[Rule]:
        """Every block rule found, after masking allow phrases."""
        return [hit.rule for hit in self.match_spans(tokens, text)]

    def match_spans(self, tokens: Sequence[Token], text: str = "") -> list[Hit]:
        """Every block rule found (once, at its first place), after masking allow phrases.

        Literal terms are looked for in `text` (the prompt as typed, from which
        `tokens` came); their hits cover no token (an empty span after the last),
        so they mask nothing and overlap nothing.
        """
        keys: list[frozenset[str] | None] = [token_keys(t) for t in tokens]
        if self._allow[0] or self._allow[1]:
            for _rule, start, end in list(self._find(self._allow, keys)):
                for j in range(start, end):
                    keys[j] = None
        hits: list[Hit] = []
        seen = set()
        for rule, start, end in self._find(self._rules, keys):
            if (rule.category, rule.phrase) not in seen:
                seen.add((rule.category, rule.phrase))
                hits.append(Hit(rule, start, end))
        letters = self._letters(text)
        hits.extend(Hit(rule, len(tokens), len(tokens)) for rule in self._literal_hits(letters))
        hits.extend(self._scene_hits(keys, letters, len(tokens)))
        return hits

    def _scene_hits(self, keys: Sequence[frozenset[str] | None], letters: str, n: int) -> list[Hit]:
        if not self._scenes:
            return []
        found: dict[int, tuple[int, int]] = {}  # id(part) -> its first span
        for part, start, end in self._find(self._scene_words, keys):
            found.setdefault(id(part), (start, end))
        candidates = [scene for key in found for scene in self._scenes_by_part.get(key, ())]
        if letters:
            candidates += self._literal_scenes
        candidates.sort(key=lambda scene: self._scene_order[id(scene)])
        hits = []
        for scene in candidates:
            spans = []
            for part in scene.parts:
                if part.literal:
                    if not (letters and literal_in(part.literal, letters)):
                        break
                    spans.append((n, n))
                elif id(part) in found:
                    spans.append(found[id(part)])
                else:
                    break
            else:
                hits.append(Hit(scene, min(a for a, _ in spans), max(b for _, b in spans)))
        return hits

    def _letters(self, text: str) -> str:
        """The prompt's letters in other scripts, squeezed, with allow literals blanked out;
        "" when it has none (only Latin or transliterated letters: the tokens said it all)."""
        if not text or text.isascii():
            return ""
        letters = squeeze(text)
        if letters.isascii():
            return ""
        for allowed in self._allow_literals:
            letters = letters.replace(allowed, " ")
        return letters

    def _literal_hits(self, letters: str) -> list[Rule]:
        if not self._literals or not letters:
            return []
        return [rule for rule in self._literals if literal_in(rule.literal, letters)]

    def masked_tokens(self, tokens: Sequence[Token]) -> list[Token | None]:
        """The tokens with allow phrases blanked out (for the name matchers)."""
        keys: list[frozenset[str] | None] = [token_keys(t) for t in tokens]
        out: list[Token | None] = list(tokens)
        for _rule, start, end in list(self._find(self._allow, keys)):
            for j in range(start, end):
                out[j] = None
        return out


_PREFIX_LENGTHS: dict[int, tuple[int, ...]] = {}


def _prefix_lengths(prefix: dict) -> tuple[int, ...]:
    """The lengths of the stems in a prefix index, so a token is looked up only at those."""
    key = id(prefix)
    if key not in _PREFIX_LENGTHS:
        _PREFIX_LENGTHS[key] = tuple(sorted({len(p) for p in prefix}))
    return _PREFIX_LENGTHS[key]


def _deletions(s: str) -> set[str]:
    return {s[:i] + s[i + 1 :] for i in range(len(s))}


def _within_one_edit(a: str, b: str) -> bool:
    """Damerau–Levenshtein distance ≤ 1 (one substitution, insertion, deletion or swap)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


# One-letter prefixes written joined to the next word: Arabic wa-, bi-, li-, fa-, ka-;
# Hebrew ve-, ha-, be-, le-, mi-, she-, ke-.
_PREFIX_LETTERS = frozenset("وبلفكוהבלמשכ")


def _spaced_script(ch: str) -> bool:
    """Whether `ch`'s script separates words with spaces (not Han, kana, Thai, Lao,
    Khmer, Burmese or Tibetan, whose names can only be found among the letters)."""
    o = ord(ch)
    unspaced = (
        0x0E00 <= o <= 0x0EFF  # Thai, Lao
        or 0x0F00 <= o <= 0x0FFF  # Tibetan
        or 0x1000 <= o <= 0x109F  # Myanmar
        or 0x1780 <= o <= 0x17FF  # Khmer
        or 0x3040 <= o <= 0x30FF  # kana
        or 0x3400 <= o <= 0x9FFF  # Han
        or 0xF900 <= o <= 0xFAFF
        or 0xFF66 <= o <= 0xFF9F  # half-width katakana
        or 0x20000 <= o <= 0x2FFFF
    )
    return not unspaced


@dataclass(frozen=True)
class NameHit:
    name: str
    alias: str
    fuzzy: bool
    by_skeleton: bool = False  # `alias` is then the words as the prompt wrote them


class NameMatcher:
    """Public figures by name or alias: exact, plural/possessive, or one letter off.

    Misspellings are only tolerated for aliases of at least `fuzzy_min` letters,
    so short surnames never match ordinary words one letter away ("Biden"/"bidet").
    """

    WORD_MIN = 4  # letters per word for a name of several words to match with a letter off in each

    def __init__(
        self,
        aliases: dict[str, str],
        *,
        fuzzy_min: int = 8,
        ordinary: frozenset[str] = frozenset(),
        literals: dict[str, str] | None = None,
        contextual: dict[str, tuple[str, frozenset[str]]] | None = None,
    ):
        # alias (normalised, space-separated) → canonical name
        self._exact = dict(aliases)
        # Names written in other scripts ("大谷翔平", "محمد صلاح"): squeezed letters →
        # canonical name, found as substrings (Japanese writes particles straight
        # after a name: "大谷翔平がラーメンを…"). Exact only: no misspellings.
        self._literals = dict(literals or {})
        # The same names by consonant skeleton, for scripts no alias is written in
        # ("শাহরুখ খান" is Shah Rukh Khan's; see moderation/lib/skeletons.py).
        self._skeletons = skeletons.index(aliases)
        # Surnames that are ordinary words ("Musk", "Swift", "the Rock"): alias →
        # (name, context words). A name only with one of its context words anywhere
        # in the prompt ("Musk launching a Cybertruck"; not "white musk perfume").
        self._contextual = dict(contextual or {})
        self._contextual_words = max((a.count(" ") + 1 for a in self._contextual), default=0)
        self._fuzzy_min = fuzzy_min
        # A single word one letter away from a surname is often an ordinary word
        # ("surgeon"/"Sturgeon", "Einstein"/"Weinstein"): those are never fuzzy hits.
        self._ordinary = ordinary
        self._max_words = max((a.count(" ") + 1 for a in aliases), default=1)
        self._deletes: dict[str, list[str]] = defaultdict(list)
        # Lengths of the aliases that may match loosely: a window whose length is
        # not within one of them cannot be one edit away, and costs nothing.
        self._fuzzy_lengths: set[int] = set()
        for alias in aliases:
            if len(alias.replace(" ", "")) >= fuzzy_min:
                self._fuzzy_lengths.update((len(alias) - 1, len(alias), len(alias) + 1))
                self._deletes[alias].append(alias)
                for d in _deletions(alias):
                    self._deletes[d].append(alias)
        # A one-word stage name one letter short of `fuzzy_min` ("Beyoncé", "Rihanna",
        # "Shakira": the whole name, not a surname) may be misspelt too, but only by a
        # one-word window ("a dragon" is one letter from "G-Dragon" as two words).
        # Surnames of that length stay exact: "mandala", "snowmen" and "melanin" are
        # one letter from Mandela, Snowden and Melania, and not all in the ordinary words.
        self._short_deletes: dict[str, list[str]] = defaultdict(list)
        for alias, name in aliases.items():
            if " " not in alias and len(alias) == fuzzy_min - 1 and normalize(name) == alias:
                for d in {alias, *_deletions(alias)}:
                    self._short_deletes[d].append(alias)
        # Names of two or three words, each of at least WORD_MIN letters, may have a
        # letter off in every word ("tayler swfit"): indexed by their first word's
        # spellings one deletion away, the rest checked word by word.
        self._first_words: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for alias in aliases:
            words = tuple(alias.split())
            if 2 <= len(words) <= 3 and all(len(w) >= self.WORD_MIN for w in words):
                for key in {words[0], *_deletions(words[0])}:
                    self._first_words[key].append(words)

    @property
    def aliases(self) -> dict[str, str]:
        """Alias → canonical name (the exact ones)."""
        return self._exact

    def find(self, tokens: Sequence[Token | None]) -> NameHit | None:
        n_tok = len(tokens)
        fuzzy_hit: NameHit | None = None
        for n in range(min(self._max_words, n_tok), 0, -1):
            for i in range(n_tok - n + 1):
                window = tokens[i : i + n]
                if any(t is None for t in window):
                    continue
                variants = _window_variants(window)  # type: ignore[arg-type]
                for v in variants + _form_variants(window):  # type: ignore[arg-type]
                    name = self._exact.get(v)
                    if name:
                        return NameHit(name, v, False)
                if fuzzy_hit is None:
                    text = variants[0]
                    if n == 1 and (text in self._ordinary or variants[-1] in self._ordinary):
                        continue
                    if (
                        n <= 3
                        and len(text) in self._fuzzy_lengths
                        and len(text.replace(" ", "")) + 1 >= self._fuzzy_min
                    ):
                        fuzzy_hit = self._fuzzy(text)
                    if fuzzy_hit is None and n >= 2:
                        fuzzy_hit = self._fuzzy_words(window)  # type: ignore[arg-type]
                    if fuzzy_hit is None and n == 1 and abs(len(text) - (self._fuzzy_min - 1)) <= 1:
                        fuzzy_hit = self._fuzzy_short(text)
        return self._find_contextual(tokens) or fuzzy_hit

    def _find_contextual(self, tokens: Sequence[Token | None]) -> NameHit | None:
        if not self._contextual:
            return None
        present: set[str] = set()
        for t in tokens:
            if t is not None:
                present |= token_keys(t)
        n_tok = len(tokens)
        for n in range(min(self._contextual_words, n_tok), 0, -1):
            for i in range(n_tok - n + 1):
                window = tokens[i : i + n]
                if any(t is None for t in window):
                    continue
                before = tokens[i - 1] if i else None
                if before is not None and before.text in _DETERMINERS:
                    continue  # "a swift", "the bolt", "my curry": the word, not the name
                for v in _window_variants(window):  # type: ignore[arg-type]
                    entry = self._contextual.get(v)
                    if entry and entry[1] & (present - {v, *v.split()}):
                        return NameHit(entry[0], v, False)
        return None

    def _fuzzy_short(self, text: str) -> NameHit | None:
        for key in (text, *_deletions(text)):
            for alias in self._short_deletes.get(key, ()):
                if _within_one_edit(text, alias):
                    return NameHit(self._exact[alias], alias, True)
        return None

    def _fuzzy_words(self, window: Sequence[Token]) -> NameHit | None:
        """Each word of the window one edit from the same word of a name: "tayler swfit".

        Not when the window's words are all ordinary words ("bill gate" is no name
        with two letters off; "tailor swift" still is, one of its words being no word).
        """
        words = [t.text for t in window]
        if any(len(w) < self.WORD_MIN for w in words):
            return None
        if all(w in self._ordinary for w in words):
            return None
        for key in (words[0], *_deletions(words[0])):
            for alias_words in self._first_words.get(key, ()):
                if len(alias_words) == len(words) and all(
                    _within_one_edit(w, a) for w, a in zip(words, alias_words, strict=True)
                ):
                    alias = " ".join(alias_words)
                    return NameHit(self._exact[alias], alias, True)
        return None

    def find_written(self, text: str) -> NameHit | None:
        """A name written in another script, anywhere in `text` (the prompt as typed):
        as one of its aliases spells it, or else by the skeleton of its romanisation."""
        hit = self.find_literal(text)
        if hit is None:
            found = skeletons.find(text, self._skeletons)
            if found:
                hit = NameHit(found[0], found[1], False, by_skeleton=True)
        return hit

    def find_literal(self, text: str) -> NameHit | None:
        """A name written in another script, anywhere in `text` (the prompt as typed).

        In scripts without spaces (Chinese, Japanese, Thai, …) anywhere in the
        letters; in scripts with them (Arabic, Hebrew, Hindi, Korean, …) only from
        the start of a word, or after a one-letter Arabic or Hebrew prefix ("و",
        "and"): "والدم يسيل" (and the blood flows) squeezed holds "ميسي", Messi.
        """
        if not self._literals or not text or text.isascii():
            return None
        words = squeezed_words(text)
        letters = "".join(words)
        if letters.isascii():
            return None
        starts, at = set(), 0
        for w in words:
            starts.add(at)
            if w[0] in _PREFIX_LETTERS and len(w) > 3:
                starts.add(at + 1)
            at += len(w)
        for alias, name in self._literals.items():
            position = letters.find(alias)
            while position != -1:
                if position in starts or not _spaced_script(alias[0]):
                    return NameHit(name, alias, False)
                position = letters.find(alias, position + 1)
        return None

    def _fuzzy(self, text: str) -> NameHit | None:
        for key in (text, *_deletions(text)):
            for alias in self._deletes.get(key, ()):
                if len(alias) == len(text) and alias.count(" ") != text.count(" "):
                    continue  # a space for a letter: "black ink" is not Blackpink
                if _within_one_edit(text, alias):
                    return NameHit(self._exact[alias], alias, True)
        return None


def mask_animal_names(tokens: Sequence[Token | None]) -> list[Token | None]:
    """The tokens with a pet's name blanked out, for the name matchers: "a basset hound
    named Beyoncé" and "my dog Beyoncé" are dogs. The name is at most the three words
    after "named"/"called" (with up to three words between the animal and it), or the
    two words right after "my <animal>" ("mi perro Messi", "my grey cat Elon")."""
    out = list(tokens)
    for i, t in enumerate(tokens):
        if t is None:
            continue
        if t.text in NAMED_WORDS:
            before = [b for b in tokens[max(0, i - 4) : i] if b is not None]
            if any(token_keys(b) & ANIMALS for b in before):
                for j in range(i + 1, min(i + 4, len(out))):
                    out[j] = None
        elif any(b is not None and b.text in POSSESSIVES for b in tokens[max(0, i - 3) : i]):
            if token_keys(t) & ANIMALS:  # "my dog Rex", "my grey cat Elon"
                for j in range(i + 1, min(i + 3, len(out))):
                    out[j] = None
    return out


def mask_first_names(
    tokens: Sequence[Token | None], first_names: frozenset[str], full_names: dict[str, str]
) -> list[Token | None]:
    """The tokens with a relative's or child's first name blanked out: "my nephew Elon", "a boy
    named Jordan dunking" are not Musk or Michael Jordan. Only a word that is a given name
    somewhere, and not the first word of a full name on the list ("my friend Elon Musk")."""
    out = list(tokens)
    n = len(tokens)
    for i, t in enumerate(tokens):
        if t is None or i + 1 >= n or tokens[i + 1] is None:
            continue
        before = [b.text for b in tokens[max(0, i - 3) : i] if b is not None]
        # "a boy named Jordan", "my son, his name is Messi"
        named = t.text in NAMED_WORDS or (t.text == "is" and before[-1:] == ["name"])
        if t.text == "is":
            before = [b.text for b in tokens[max(0, i - 7) : i] if b is not None]
        after_named = named and any(b in PEOPLE_WORDS for b in before)
        after_kin = t.text in PEOPLE_WORDS and any(b in POSSESSIVES for b in before[-2:])
        if not (after_named or after_kin):
            continue
        name = tokens[i + 1]
        following = tokens[i + 2] if i + 2 < n else None
        if following is not None and f"{name.text} {following.text}" in full_names:
            continue
        child = (after_kin and t.text in CHILD_WORDS) or (
            after_named and any(b in CHILD_WORDS for b in before)
        )
        if name.text in first_names or child:
            out[i + 1] = None  # children are named after stars: "my son Messi (he's 6)"
    return out


_DETERMINERS = frozenset(
    "a an the this that these those my your his her our their its some any every each one no".split()
)


def _form_variants(window: Sequence[Token]) -> list[str]:
    """The window spelt with its tokens' other forms ("Tr*mp" → trump, "0bama" → obama),
    for windows of one or two words whose tokens have any."""
    if len(window) > 2 or all(len(t.forms) == 1 for t in window):
        return []
    return [" ".join(combo) for combo in itertools.product(*(t.forms[:6] for t in window))]


def _window_variants(window: Sequence[Token]) -> list[str]:
    head = " ".join(t.text for t in window[:-1])
    last = window[-1].text
    lasts = [last]
    if len(last) > 3 and last.endswith("s"):
        lasts.append(last[:-1])  # "Obamas", a possessive written without the apostrophe
    return [f"{head} {x}" if head else x for x in lasts]
