"""A public figure named by the office they hold now: "the 45th US president", "the current
British king", "the Pope riding a skateboard", "the prime minister of India".

People write these to get past a name list, and the description is as unmistakable as
the name: there is one current French president. A past holder is history and stays
allowed: "the first American president", "a medieval pope", "the king of France in
1700", "the former chancellor".
"""

from __future__ import annotations

import re

# Countries and their adjectives, in English (the public-figure list holds the names).
_COUNTRIES = """
afghan afghanistan albania albanian algeria algerian america american argentina argentine
argentinian armenia armenian australia australian austria austrian azerbaijan azerbaijani
bangladesh bangladeshi belarus belarusian belgian belgium bolivia bolivian bosnia bosnian
brazil brazilian britain british bulgaria bulgarian cambodia cambodian cameroon canada canadian
chile chilean china chinese colombia colombian congo congolese croatia croatian cuba cuban
czech denmark danish dutch ecuador ecuadorian egypt egyptian england english estonia estonian
ethiopia ethiopian finland finnish france french georgia georgian germany german ghana
ghanaian greece greek hungary hungarian iceland icelandic india indian indonesia indonesian
iran iranian iraq iraqi ireland irish israel israeli italy italian japan japanese jordan
jordanian kazakh kazakhstan kenya kenyan korea korean kuwait kuwaiti latvia latvian lebanese
lebanon libya libyan lithuania lithuanian malaysia malaysian mexican mexico moldova moldovan
mongolia mongolian montenegro morocco moroccan netherlands nigeria nigerian norway norwegian
pakistan pakistani palestine palestinian peru peruvian philippine philippines poland polish
portugal portuguese qatar qatari romania romanian russia russian rwanda rwandan saudi scotland
scottish senegal senegalese serbia serbian singapore singaporean slovak slovakia slovenia
slovenian somalia spain spanish sri swedish sweden swiss switzerland syria syrian taiwan
taiwanese tanzania thai thailand tunisia tunisian turkey turkish turkiye uganda ugandan uk
ukraine ukrainian us usa venezuela venezuelan vietnam vietnamese welsh yemen yemeni zambia
zimbabwe zimbabwean emirati uae jamaica jamaican bhutan nepal nepali nepalese myanmar
burmese brunei bahrain oman omani monaco liechtenstein luxembourg dominican haiti haitian
""".split()
_COUNTRY = r"(?:u\s+s(?:\s+a)?|u\s+k|" + "|".join(sorted(set(_COUNTRIES), key=len, reverse=True)) + ")"
_OFFICE = (
    r"(?:president|prime minister|premier|chancellor|king|queen|monarch|emperor|empress|"
    r"crown prince|crown princess|first lady|supreme leader|head of state|dictator|"
    r"taoiseach|sultan|emir|royal family)"
)
# "the North Korean supreme leader", "South Africa's president".
_SIDE = r"(?:(?:north|south|east|west)(?:ern)?\s+)?"
# Crowns that sit on someone now: "the King of England" is Charles III unless a past age
# follows, but "the French king" is history (France has had none since 1848).
_CROWN = r"(?:king|queen|monarch|emperor|empress|crown prince|crown princess|sultan|emir|royal family)"
_CROWN_COUNTRY = (
    r"(?:british|english|uk|u\s+k|spanish|swedish|norwegian|danish|dutch|belgian|thai|japanese|"
    r"saudi|jordanian|moroccan|bhutanese|monegasque|emirati|qatari|kuwaiti|bahraini|omani|"
    r"bruneian|brunei|malaysian|cambodian|tongan|luxembourg|liechtenstein|britain|england|spain|"
    r"sweden|norway|denmark|netherlands|belgium|thailand|japan|jordan|morocco|bhutan|monaco|"
    r"qatar|kuwait|bahrain|oman|malaysia|cambodia|tonga)"
)
# A country or its adjective, then an office it has now ("the Danish king", "the Thai
# queen", "Korea's president"), with a side where it splits ("the North Korean").
_HELD = rf"{_SIDE}{_COUNTRY}\s+(?!{_CROWN}\b){_OFFICE}|{_CROWN_COUNTRY}\s+{_CROWN}"
_HELD_BY = rf"{_SIDE}{_COUNTRY}\s+s\s+(?:\w+\s+)?(?!{_CROWN}\b){_OFFICE}|{_CROWN_COUNTRY}\s+s\s+(?:\w+\s+)?{_CROWN}"
_MONARCHY = (
    r"(?:england|britain|great britain|the uk|the united kingdom|spain|sweden|norway|denmark|"
    r"the netherlands|belgium|thailand|japan|saudi arabia|jordan|morocco|bhutan|monaco)"
)
_NOW = r"(?:current|sitting|incumbent|reigning|present|present day|today s|todays|serving)"
# An office in a past age: history, not a public figure ("the US president in 1865").
_PAST_AFTER = re.compile(
    r"^\s*(?:\w+\s+){0,4}(?:in|of|from|during|en|im|um|von|de|del|nel|em|no|dans|au|anno)\s+"
    r"(?:(?:the|jahr|el|ano|l)\s+)?(?:\d{3,4}s?|\d+(?:st|nd|rd|th)?\s+(?:century|siecle|"
    r"jahrhundert|siglo|secolo|seculo)|(?:siecle|siglo|secolo|seculo)\s+[ivxlc]+|[ivxlc]+e? siecle|middle ages|mittelalter|moyen age|edad media|medioevo|"
    r"past|olden days|ancient times|history)\b"
)

_ORDINAL_US_PRESIDENT = re.compile(
    # 37th (Nixon) to 47th: the presidents alive or dead less than fifty years.
    r"\b(?:3[7-9]|4[0-7])(?:st|nd|rd|th)\s+(?:(?:us|u s|usa|american|united states)\s+)?president\b"
    r"|\bpotus\s*(?:3[7-9]|4[0-7])\b|\bpresident\s+(?:number|no)?\s*(?:3[7-9]|4[0-7])\b"
)
# The same in the languages most of our prompts come in: "le président de la République",
# "der Bundeskanzler", "el presidente de México", "le pape", "der Papst".
_OTHER_LANGUAGES = [
    r"\ble president de la republique\b",
    r"\ble (?:president|premier ministre|roi|pape) (?:actuel|francais|americain|russe|chinois)\b",
    r"\ble president (?:des etats unis|de la russie|de la chine|du bresil|de l ukraine)\b",
    r"\b(?:le|du|au) pape\b",
    r"\b(?:der|den|dem|des) (?:papst|papstes|bundeskanzler|bundeskanzlers|bundesprasident|"
    r"bundesprasidenten|us prasident|us prasidenten|amerikanische prasident|"
    r"amerikanischen prasidenten|russische prasident|russischen prasidenten)\b",
    r"\b(?:el|al|del) presidente (?:de (?:mexico|argentina|colombia|chile|venezuela|espana|"
    r"estados unidos|brasil|peru|el salvador|ecuador|rusia|china|francia|ucrania)|mexicano|"
    r"argentino|colombiano|chileno|venezolano|estadounidense|ruso|chino|actual)\b",
    r"\b(?:o|do|ao) (?:presidente do brasil|presidente dos estados unidos|presidente americano|"
    r"papa francisco|papa leao)\b",
    r"\b(?:il|del|al) (?:presidente della repubblica|presidente del consiglio|"
    r"presidente americano|presidente russo)\b",
    r"\b(?:la|il|della|del) (?:premier|presidente del consiglio) (?:italiana|italiano)\b",
    r"\bla presidente del consiglio\b",
    # (Accents stripped: Ukrainian ї is read as і.)
    r"\b(?:президент|президента|президентом) (?:украіни|украины|росіі|россии|сша|франціі|франции|"
    r"білорусі|беларуси|туреччини|турции|китаю|китая)\b",
    r"\bпапа римс\w*",
]

_DESCRIPTIONS = [
    # "the current pope", "the Pope blessing the crowd": there is one.
    re.compile(rf"\bthe\s+(?:{_NOW}\s+)?(?:pope|pontiff|holy father)\b"),
    re.compile(rf"\b{_NOW}\s+(?:pope|pontiff|dalai lama|ayatollah)\b"),
    # "the current British king", "the sitting president of France".
    re.compile(rf"\b{_NOW}\s+{_COUNTRY}\s+{_OFFICE}\b"),
    re.compile(rf"\b{_NOW}\s+{_OFFICE}\s+of\s+(?:the\s+)?{_COUNTRY}\b"),
    # "the French president", "the US first lady", "the president of Brazil".
    re.compile(rf"\bthe\s+(?:{_HELD})\b"),
    re.compile(rf"\bthe\s+(?:king|queen|monarch|emperor|empress)\s+of\s+{_MONARCHY}\b"),
    # In Britain "the late Queen" is Elizabeth II (died 2022).
    re.compile(r"\bthe\s+late\s+queen\b(?!\s+(?:of|mother)\b)"),
    # "India's prime minister", "Ukraine's wartime president", "North Korea's supreme leader".
    re.compile(rf"\b(?:{_HELD_BY})\b"),
    re.compile(
        r"\bthe\s+(?:president|prime minister|premier|chancellor|first lady|supreme leader)\s+"
        rf"of\s+(?:the\s+)?{_COUNTRY}\b"
    ),
    *(re.compile(p) for p in _OTHER_LANGUAGES),
]
_NOT_WORD = re.compile(r"[^\w]")


def find_office_holder(text: str, given_names: frozenset[str] = frozenset()) -> str | None:
    """The words naming a living office holder in a prompt, or None.

    `text` is the prompt with accents stripped and case kept (``names._plain``): digits
    are read as digits here ("45th", not leetspeak). An office followed by a capitalised
    given name is followed by the holder's name ("the American president Abraham
    Lincoln"): the name is what the name checks judge, not the office.
    """
    # Lower case letter by letter, so offsets in `low` are offsets in `text` (İ lowers to two).
    low = "".join(c.lower() if len(c.lower()) == 1 else c for c in _NOT_WORD.sub(" ", text))
    m = _ORDINAL_US_PRESIDENT.search(low)
    if m:
        return " ".join(m.group().split())
    for pattern in _DESCRIPTIONS:
        for m in pattern.finditer(low):
            if _PAST_AFTER.search(low[m.end() :]):
                continue
            following = text[m.end() :].split(maxsplit=1)[:1]
            if following and following[0][:1].isupper() and following[0].lower() in given_names:
                continue
            return " ".join(m.group().split())
    return None
