"""Text normalisation for prompt checks.

A prompt is folded to plain lower-case ASCII words before any list is consulted,
so that the usual tricks — fullwidth or Cyrillic look-alike letters, accents,
zero-width characters, letters spaced or dotted apart, leetspeak and stretched
letters — reach the matcher as the word they spell. Each token keeps a few
alternative spellings (for digits that may stand for two letters); the matcher
tries them all.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

# Letters from other scripts that look like Latin ones (Unicode's confusables,
# the subset people actually use to dodge filters).
_CONFUSABLES = {
    # Cyrillic
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ѕ": "s",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "ӏ": "l",
    "ɡ": "g",
    "һ": "h",
    "ո": "n",
    "ս": "u",
    "ь": "b",
    "п": "n",
    "г": "r",
    "и": "u",
    "л": "n",
    "д": "d",
    "з": "3",
    "ч": "4",
    "ш": "w",
    "щ": "w",
    # Greek
    "α": "a",
    "β": "b",
    "γ": "y",
    "δ": "d",
    "ε": "e",
    "ζ": "z",
    "η": "n",
    "ι": "i",
    "κ": "k",
    "λ": "l",
    "μ": "u",
    "ν": "v",
    "ο": "o",
    "π": "n",
    "ρ": "p",
    "σ": "o",
    "ς": "s",
    "τ": "t",
    "υ": "u",
    "φ": "o",
    "χ": "x",
    "ω": "w",
    # Latin extensions and symbols NFKC leaves alone
    "ı": "i",
    "ȷ": "j",
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ħ": "h",
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
    "ð": "d",
    "ŀ": "l",
    "ɑ": "a",
    "ɩ": "i",
    "ʀ": "r",
    "ʏ": "y",
    "ᴀ": "a",
    "ʙ": "b",
    "ᴄ": "c",
    "ᴅ": "d",
    "ᴇ": "e",
    "ɢ": "g",
    "ʜ": "h",
    "ɪ": "i",
    "ᴊ": "j",
    "ᴋ": "k",
    "ʟ": "l",
    "ᴍ": "m",
    "ɴ": "n",
    "ᴏ": "o",
    "ᴘ": "p",
    "ǫ": "q",
    "ꜱ": "s",
    "ᴛ": "t",
    "ᴜ": "u",
    "ᴠ": "v",
    "ᴡ": "w",
    "ᴢ": "z",
    "€": "e",
    "£": "l",
    "¢": "c",
    "¥": "y",
    "©": "c",
    "®": "r",
    "‘": "'",
    "’": "'",
    "ʼ": "'",
    "`": "'",
    "´": "'",
}
_CONFUSABLE_TABLE = str.maketrans(_CONFUSABLES)

# Characters that render as nothing (or as a join) and are used to split words invisibly.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)

# Leetspeak digits and symbols; "1" and "|" read as either i or l, so both readings are tried.
_LEET = {
    "0": "o",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "9": "g",
    "@": "a",
    "$": "s",
    "!": "i",
    "+": "t",
}
_LEET_I = str.maketrans({**_LEET, "1": "i", "|": "i"})
_LEET_L = str.maketrans({**_LEET, "1": "l", "|": "l"})

# A "word" in the raw text: letters, digits and the symbols leetspeak uses,
# possibly broken up by separators (n.u.d.e, n-u-d-e, n_u_d_e, n*u*d*e).
_RAW_WORD = re.compile(r"[a-z0-9@$!|+]+(?:[._\-*~/\\'^:,|]+[a-z0-9@$!|+]+)*")
# Letters spaced out one by one, with wider gaps between the words they spell:
# "k i l l i n g  a  h o s t a g e". Each gap of two or more spaces ends a word.
_SPACED_RUN = re.compile(r"(?<!\S)(?:[a-z0-9@$] {1,4}){2,}[a-z0-9@$](?!\S)")
_WIDE_GAP = re.compile(r" {2,}")


def _split_spaced_words(match: re.Match) -> str:
    run = match.group(0)
    if not _WIDE_GAP.search(run):
        return run  # one spelled-out word (or several): the run merging in tokenize reads it
    return " ".join(group.replace(" ", "") for group in _WIDE_GAP.split(run))


_ECHO = re.compile(r"\({3}\s*([^()\s][^()]{0,40}?)\s*\){3}")

# Emoji would vanish with the punctuation. Those that stand for an object are read as
# its word ("a 🔫 pointed at a crowd", "jews = 🐀"); those used as sexual slang (🍆💦,
# 🔞) become marker words no one types, which the term lists combine
# (moderation/data/terms/sexual.txt): alone, a peach is a peach. 卐 is the swastika's
# character, so the allow phrases for Hindu and Buddhist ones apply to it.
_EMOJI_WORDS = {
    "🔪": "knife", "🗡": "dagger", "⚔": "swords", "🔫": "gun", "🩸": "blood", "💉": "syringe",
    "💊": "pills", "💣": "bomb", "🧨": "dynamite", "💀": "skull", "☠": "skull", "⚰": "coffin",
    "🪦": "gravestone", "🪓": "axe", "⛓": "chains", "🪢": "rope", "🔥": "fire",
    "🐀": "rat", "🐁": "mouse", "🪳": "cockroach", "🐒": "monkey", "🐵": "monkey",
    "🦍": "gorilla", "🐖": "pig", "🐷": "pig", "💵": "money", "💴": "money", "💶": "money",
    "💷": "money", "💰": "money", "💸": "money", "👙": "bikini", "🧒": "child", "👧": "girl",
    "👦": "boy", "👶": "baby", "卐": "swastika",
    "🍆": "emojieggplant", "🍑": "emojipeach", "💦": "emojisplash", "👅": "emojitongue",
    "🔞": "emojiadult", "🥵": "emojihotface", "🫦": "emojilip", "🍒": "emojicherries",
    "🌮": "emojitaco", "🍌": "emojibanana", "🖕": "emojifinger",
}  # fmt: skip
_EMOJI_TABLE = str.maketrans({emoji: f" {word} " for emoji, word in _EMOJI_WORDS.items()})
_SEPARATORS = re.compile(r"[._\-*~/\\'^:,|]+")
_STRETCH = re.compile(r"(.)\1{2,}")
# English possessives ("Obama's", "the Joneses'"), and Turkish case endings written
# after a name's apostrophe ("Erdoğan'ın", "Erdoğan'a", "İstanbul'da").
_POSSESSIVE = re.compile(
    r"(?<=[a-z])(?<!hawai)'(?:n?[iu]n|y?[iu]|y?[ae]|[dt][ae]n?|l[ae])\b|(?<=[a-z])'s?\b|(?<=[a-z])'(?=\s|$)"
)


# Letters with one or two asterisks inside, each standing for one hidden letter.
_MASKED = re.compile(r"^[a-z]+(?:\*{1,2}[a-z]+)$|^[a-z]+\*[a-z]+\*[a-z]+$")


def _unmask(raw: str) -> list[str]:
    """The word without its asterisks first, then with a vowel for each asterisk."""
    out = [raw.replace("*", "")]
    stars = raw.count("*")
    chunks = raw.split("*")
    for combo in itertools.product("aeiou", repeat=stars):
        word = chunks[0]
        for letter, chunk in zip(combo, chunks[1:], strict=True):
            word += letter + chunk
        out.append(word)
    return out


@dataclass(frozen=True)
class Token:
    """One word of the prompt: its main spelling and the others worth trying."""

    text: str
    forms: tuple[str, ...]


# Russian, Ukrainian and other Cyrillic words written as such are transliterated
# (Путин → putin, самоубийство → samoubiystvo), so names and terms can be listed
# once in Latin letters. A whole word of Cyrillic is text in that script; Cyrillic
# letters inside a Latin word ("nаkеd") are look-alikes, read by _CONFUSABLES. A
# whole word made only of the closest look-alikes ("сех") is read as look-alikes too.
_CYRILLIC_LATIN = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u", "ј": "j",
        # Serbian and Macedonian (Ђоковић → djokovic), Kazakh and other Turkic letters.
        "ђ": "dj", "ћ": "c", "љ": "lj", "њ": "nj", "џ": "dz", "ѓ": "g", "ќ": "k",
        "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u",
    }
)  # fmt: skip
_CYRILLIC_WORD = re.compile(r"\b[\u0400-\u04ff]{2,}\b")
_CYRILLIC_SPLIT = re.compile(f"({_CYRILLIC_WORD.pattern})")
# Digits inside a Cyrillic word are its leetspeak ("х0хлы"): read as the letters they stand for.
_CYRILLIC_LEET_WORD = re.compile(
    r"(?<![A-Za-z0-9])(?=[0-9]*[\u0400-\u04ff])[\u0400-\u04ff0-9]*[0-9][\u0400-\u04ff0-9]*(?![A-Za-z0-9])"
)
_CYRILLIC_LEET = str.maketrans({"0": "о", "3": "з", "4": "ч", "6": "б"})
# (Not н and в, which only look like h and b in capitals and print: "Новак", "крв" are words.)
_CLOSE_LOOKALIKES = set("аеёкморстухѕіјһӏ")

# Greek the same way (γυμνή → gymni, Μητσοτάκης → mitsotakis), letter by letter;
# a Greek letter inside a Latin word ("nαked") stays a look-alike. Accented and
# polytonic letters are matched and lose their accents first.
_GREEK_LATIN = str.maketrans(
    {
        "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th",
        "ι": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p",
        "ρ": "r", "σ": "s", "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps",
        "ω": "o",
    }
)  # fmt: skip
_GREEK_WORD = re.compile(r"\b[\u0370-\u03ff\u1f00-\u1fff]{2,}\b")
_GREEK_SPLIT = re.compile(f"({_GREEK_WORD.pattern})")
_GREEK_CLOSE_LOOKALIKES = set("αεικορτχ")


def _transliterator(table: dict[int, str], lookalikes: set[str], *, drop_accents: bool):
    """A whole word of another alphabet → Latin letters, unless it is made only of
    the closest look-alikes ("сех") and `lookalikes` is given. Greek drops its
    accents first; Cyrillic keeps them (й is not и)."""

    def transliterate(word: str) -> str:
        if drop_accents:
            word = "".join(
                ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch)
            )
        if lookalikes and set(word) <= lookalikes:
            return word
        return word.translate(table)

    return transliterate


_transliterate_cyrillic = _transliterator(_CYRILLIC_LATIN, _CLOSE_LOOKALIKES, drop_accents=False)
_transliterate_greek = _transliterator(_GREEK_LATIN, _GREEK_CLOSE_LOOKALIKES, drop_accents=True)
# Beside other words of the language, a word of look-alikes is that language too:
# "куртке" (jacket) in a Russian prompt is kurtke, not "kyptke"; "сех" in an English one
# is still a disguised "cex".
_transliterate_cyrillic_all = _transliterator(_CYRILLIC_LATIN, set(), drop_accents=False)
_transliterate_greek_all = _transliterator(_GREEK_LATIN, set(), drop_accents=True)


def in_its_language(word: str) -> str:
    """`word` with its Cyrillic and Greek words transliterated even when they are all
    look-alikes (a term's word, read as it would be beside other words of its language)."""
    word = _CYRILLIC_WORD.sub(lambda m: _transliterate_cyrillic_all(m.group(0)), word.lower())
    return _GREEK_WORD.sub(lambda m: _transliterate_greek_all(m.group(0)), word)


def _transliterate_words(text: str, split: re.Pattern, lookalikes: set[str], every_word, disguises) -> str:
    """`text` with its words of one alphabet transliterated, in one scan: every word
    (`every_word`) when some word is more than look-alikes, so that the prompt is
    written in that language, else only the words that are not disguises."""
    pieces = split.split(text)  # text, word, text, word, …, text
    if len(pieces) == 1:
        return text
    words = pieces[1::2]
    transliterate = every_word if any(not set(w) <= lookalikes for w in words) else disguises
    pieces[1::2] = [transliterate(w) for w in words]
    return "".join(pieces)


def _cyrillic_leet(match: re.Match) -> str:
    word = match.group(0)
    if sum(1 for ch in word if not ch.isdigit()) < 2:
        return word  # "5к", "10м": a number and its unit
    return word.translate(_CYRILLIC_LEET)


# Greek capitals inside a Latin word look like Latin capitals ("Ηeil Ηitler"), and only as
# capitals: lower-cased first, Η would be η, read as "n". Read before lower-casing.
_GREEK_CAPITALS_IN_LATIN = re.compile(
    "(?<=[A-Za-z])[ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ]|[ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ](?=[A-Za-z])"
)
_GREEK_CAPITALS = str.maketrans("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX")


# Arabic and Persian/Urdu write kaf and yeh with different letters (ك/ک, ي/ی, and ى
# at a word's end): one spelling, so a term written in one matches a prompt in the other.
_ARABIC_PERSIAN = str.maketrans({"\u0643": "\u06a9", "\u064a": "\u06cc", "\u0649": "\u06cc"})


def fold(text: str) -> str:
    """Unicode → plain lower-case text: NFKC, look-alikes, accents and invisible characters."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _GREEK_CAPITALS_IN_LATIN.sub(lambda m: m.group(0).translate(_GREEK_CAPITALS), text)
    text = _CYRILLIC_LEET_WORD.sub(_cyrillic_leet, text.lower())
    text = _transliterate_words(text, _CYRILLIC_SPLIT, _CLOSE_LOOKALIKES, _transliterate_cyrillic_all, _transliterate_cyrillic)
    text = _transliterate_words(text, _GREEK_SPLIT, _GREEK_CLOSE_LOOKALIKES, _transliterate_greek_all, _transliterate_greek)
    text = text.translate(_CONFUSABLE_TABLE).translate(_ARABIC_PERSIAN)
    # Accents: decompose and drop the combining marks ("nüde", "Beyoncé").
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _deleet(word: str) -> set[str]:
    if word.isdigit() or not any(c.isalpha() for c in word):
        return {word}
    return {word.translate(_LEET_I), word.translate(_LEET_L)}


def _forms(word: str) -> tuple[str, ...]:
    out: list[str] = []
    for w in sorted(_deleet(word)) if word != word.translate(_LEET_I) else [word]:
        for candidate in (w, _STRETCH.sub(r"\1\1", w), _STRETCH.sub(r"\1", w)):
            if candidate and candidate not in out:
                out.append(candidate)
    if word not in out and word.isalnum():
        out.append(word)  # "r18", "3d": codes with digits are also matched as written
    return tuple(out)


def tokenize(text: str) -> list[Token]:
    """Fold `text` and split it into tokens, rejoining letters spaced or dotted apart."""
    # "(((they)))" marks a group as Jewish in antisemitic memes: the parentheses
    # would vanish with the rest of the punctuation, so they become a word.
    folded = _ECHO.sub(r" tripleparens \1 ", _POSSESSIVE.sub("", fold(text)))
    folded = folded.translate(_EMOJI_TABLE)
    folded = _SPACED_RUN.sub(_split_spaced_words, folded)
    raw_words = _RAW_WORD.findall(folded)
    pieces: list[str] = []
    for raw in raw_words:
        # A "!" ending a word is an exclamation mark, not a leetspeak i: "Ausländer
        # raus!" was read as "rausi". Inside a word it is still a letter ("h!gh").
        raw = raw.rstrip("!") or raw
        if _MASKED.match(raw):
            # "p*rn", "f**k": an asterisk stands for a letter people would rather not
            # type. The word is read with each vowel in its place (and without it).
            pieces.append("\x02".join(_unmask(raw)))
            continue
        parts = [p for p in _SEPARATORS.split(raw) if p]
        if len(parts) > 1 and all(len(p) <= 2 for p in parts):
            # n.u.d.e, nu-de, s_e_x: one word broken up by separators.
            pieces.append("".join(parts))
        elif len(parts) > 1:
            joined = "".join(parts)
            # gore-fest, blow-job: keep the parts, and the joined spelling as an extra form.
            for p in parts:
                pieces.append(p)
            pieces.append("\x00" + joined)
        else:
            pieces.append(raw)

    # Runs of single letters are one word spelled out: "p o r n", "k i l l".
    merged: list[str] = []
    run: list[str] = []
    for piece in pieces + [""]:
        if len(piece) == 1 and piece.isalpha() or (len(piece) == 1 and piece in "0134579@$"):
            run.append(piece)
            continue
        if len(run) >= 3:
            # "a n u d e", "k i l l i n g a cat": an article before or after a
            # spelled-out word joins the run; the word without it is read first,
            # the whole run kept as another form.
            lead = 1 if run[0] in "ai" and len(run) >= 4 else 0
            trail = 1 if run[-1] in "ai" and len(run) - lead >= 4 else 0
            if lead or trail:
                if lead:
                    merged.append(run[0])
                merged.append("".join(run[lead : len(run) - trail]) + "\x01" + "".join(run))
                if trail:
                    merged.append(run[-1])
            else:
                merged.append("".join(run))
        else:
            merged.extend(run)
        run = []
        if piece:
            merged.append(piece)

    tokens: list[Token] = []
    for piece in merged:
        if piece.startswith("\x00"):
            # The joined spelling of the previous hyphenated parts: an extra form
            # on the last part, so single-word terms can still see "blowjob".
            if tokens:
                last = tokens[-1]
                tokens[-1] = Token(last.text, last.forms + _forms(piece[1:]))
            continue
        if "\x02" in piece:
            forms = tuple(dict.fromkeys(f for alt in piece.split("\x02") for f in _forms(alt)))
        elif "\x01" in piece:
            word, whole = piece.split("\x01")
            forms = _forms(word) + _forms(whole)
        else:
            forms = _forms(piece)
        tokens.append(Token(forms[0], forms))
    return tokens


def squeeze(text: str) -> str:
    """Folded letters and digits with nothing between them: how scripts without
    word boundaries are searched (Japanese, Chinese, and, so that spacing does
    not matter, Arabic, Hindi, Korean, Hebrew, Thai).

    Words in those scripts reach no token (the tokens are Latin, Cyrillic is
    transliterated); their terms are matched as substrings of this text.
    """
    return _letters(fold(text))


def squeezed_words(text: str) -> list[str]:
    """`text` folded once and split at its spaces, each word squeezed; empty words dropped."""
    return [w for w in map(_letters, fold(text).split()) if w]


def _letters(folded: str) -> str:
    # Letters, digits and the vowel signs of Indic scripts (marks that fold keeps).
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LNM")


def is_other_script(text: str) -> bool:
    """True when `text`, folded, holds letters of a script that has no Latin reading here."""
    return not squeeze(text).isascii()


def normalize(text: str) -> str:
    """The prompt as the matcher sees it: one spelling per word, space-separated."""
    return " ".join(t.text for t in tokenize(text))
