"""Real public figures are refused by name, short form, misspelling or possessive; fiction is not."""

import pytest

from moderation.models import PublicFigure
from moderation.services import check_prompt

pytestmark = pytest.mark.django_db


def test_the_seeded_list_is_large_and_varied():
    figures = PublicFigure.objects.filter(active=True)
    assert figures.count() >= 1000
    assert figures.values("country").distinct().count() >= 80
    kinds = set(figures.values_list("kind", flat=True))
    assert {"politician", "royal", "religious", "celebrity", "athlete", "business"} <= kinds


@pytest.mark.parametrize(
    "prompt,name",
    [
        ("Vladimir Putin riding a horse", "Vladimir Putin"),
        ("vladimir putin riding a horse", "Vladimir Putin"),
        ("putin riding a horse", "Vladimir Putin"),
        ("Barak Obama smiling", "Barack Obama"),
        ("Angela Merkle at a table", "Angela Merkel"),
        ("Tayler Swift concert", "Taylor Swift"),
        ("Obama's birthday party", "Barack Obama"),
        ("Bezos's yacht", "Jeff Bezos"),
        ("Kylian Mbapé running", "Kylian Mbappe"),
        ("Zelenskyy shaking hands", "Volodymyr Zelensky"),
        ("the Dalai Lama meditating", "Dalai Lama"),
        ("Pope Francis in a puffer jacket", "Pope Francis"),
        ("Shah Rukh Khan in a movie scene", "Shah Rukh Khan"),
    ],
)
def test_it_refuses_a_public_figure(prompt, name):
    verdict = check_prompt(prompt)
    assert verdict.category == "public_figure"
    assert verdict.details["name"] == name


@pytest.mark.parametrize(
    "prompt",
    [
        "Harry Potter casting a spell",
        "Sherlock Holmes smoking a pipe in London",
        "Darth Vader playing the piano",
        "a painting in the style of Van Gogh",
        "a surreal melting clock in the style of Salvador Dali",
        "a woodblock print in the style of Hokusai",
        "a self portrait in the style of Frida Kahlo",
        "Rose Garden Park at dawn",
        "Victoria Falls from above",
        "a surgeon in an operating room",
    ],
)
def test_fictional_characters_and_long_dead_artists_are_allowed(prompt):
    assert check_prompt(prompt).allowed


def test_a_name_not_on_the_list_is_detected():
    verdict = check_prompt("a portrait of Emma Kowalski at the beach")
    assert verdict.category == "public_figure"
    assert verdict.details["check"] == "name_detector"


def test_a_common_word_one_letter_from_a_short_surname_is_not_a_name():
    # "Biden" and "bidet" differ by one letter; short names are never matched loosely.
    assert check_prompt("a bidet in a marble bathroom").allowed


@pytest.mark.parametrize(
    "prompt,name",
    [
        ("tayler swfit at the grammys in a sparkly gown", "Taylor Swift"),
        ("emanuel macrom eating a croissant", "Emmanuel Macron"),
    ],
)
def test_a_name_of_several_words_with_a_letter_off_in_each_is_refused(prompt, name):
    verdict = check_prompt(prompt)
    assert verdict.category == "public_figure", verdict.details
    assert verdict.details["name"] == name and verdict.details["fuzzy"]


@pytest.mark.parametrize(
    "prompt",
    [
        "a tailor sewing a suit in a small shop",  # two ordinary words are never a name with a letter off in each
        "a toll gate on a mountain road at dawn",
    ],
)
def test_ordinary_word_pairs_near_a_name_pass(prompt):
    assert check_prompt(prompt).allowed, prompt


def test_a_stage_name_of_seven_letters_may_be_misspelt_but_a_surname_of_seven_may_not():
    assert check_prompt("Beyonse performing at the Super Bowl halftime show").category == "public_figure"
    assert check_prompt("rihana in a red dress").category == "public_figure"
    # One letter from Mandela, Snowden and Melania: surnames of seven letters stay exact.
    for prompt in ("a mandala colouring page", "three snowmen in a yard", "a melanin poppin poster"):
        assert check_prompt(prompt).allowed, prompt


@pytest.mark.parametrize(
    "prompt",
    [
        "cô gái mặc áo dài trắng đi dạo bên hồ Hoàn Kiếm",  # a lake in Hanoi, named like a person
        "phố Hàng Bạc về đêm, đèn lồng",
        "a canoe on Lake Louise at dawn",
        "ek bachcha chhat par patang uda raha hai",  # Hindi "child", one letter from Bachchan
    ],
)
def test_places_and_other_languages_everyday_words_are_not_names(prompt):
    assert check_prompt(prompt).allowed, prompt


def test_a_name_after_an_ordinary_vietnamese_word_is_still_a_name():
    # "song" is a river only in Vietnamese text; here it is a song.
    assert not check_prompt("a song Maria Kowalczyk sang at her wedding").allowed


@pytest.mark.parametrize(
    "prompt,name",
    [
        ("Musk launching a Cybertruck to Mars, cartoon", "Elon Musk"),
        ("Swift performing at the Eras tour", "Taylor Swift"),
        ("The Rock raising one eyebrow, reaction image", "Dwayne Johnson"),
        ("wrestler the rock flexing behind a bakery counter", "Dwayne Johnson"),
        ("sinner che gioca a tennis su marte", "Jannik Sinner"),
    ],
)
def test_a_surname_that_is_an_ordinary_word_is_a_name_beside_its_context(prompt, name):
    verdict = check_prompt(prompt)
    assert not verdict.allowed and verdict.details["name"] == name, prompt


@pytest.mark.parametrize(
    "prompt",
    [
        "white musk perfume bottle ad, soft pink background",
        "a swift in flight against a clear blue sky",
        "a lizard basking on the rock, wildlife photo",
        "a sinner repenting in a medieval church, fresco",
        "a bolt of lightning over the olympic stadium",  # an article: the word, not the name
        "my curry night before the nba finals",
    ],
)
def test_without_its_context_or_after_an_article_it_is_the_word(prompt):
    assert check_prompt(prompt).allowed, prompt


def test_contextual_aliases_are_added_to_existing_figures(fresh_lists):
    from moderation.seed import add_missing_aliases
    from moderation.services import bump_lists_version

    figure = PublicFigure.objects.get(name="Elon Musk")
    figure.aliases = "Elon"  # as a database seeded before contextual aliases
    figure.save()
    bump_lists_version()
    assert check_prompt("Musk unveiling a Cybertruck").allowed
    assert add_missing_aliases(PublicFigure, only_contextual=True) >= 1
    figure.refresh_from_db()
    assert "Musk [tesla" in figure.aliases and "马斯克" not in figure.aliases
    bump_lists_version()
    assert check_prompt("Musk unveiling a Cybertruck").category == "public_figure"


@pytest.mark.parametrize(
    "prompt,name",
    [
        ("Tr*mp playing golf, cartoon style", "Donald Trump"),  # the asterisk's readings are tried as names too
        ("0bama eating ice cream", "Barack Obama"),
    ],
)
def test_a_name_behind_an_asterisk_or_leetspeak_is_read(prompt, name):
    verdict = check_prompt(prompt)
    assert not verdict.allowed and verdict.details["name"] == name, prompt


def test_a_name_the_prompt_says_it_made_up_is_not_a_person():
    assert check_prompt("a fictional mayor named Harold Peabody cutting a ribbon at a new library").allowed
    assert not check_prompt("a mayor named Harold Peabody cutting a ribbon").allowed  # no word that it is made up


@pytest.mark.parametrize(
    "prompt",
    [
        "Mahatma Gandhi spinning khadi on a charkha, soft watercolor",
        "Mustafa Kemal Atatürk'ün portresi, yağlı boya",  # a Turkish case ending after the name
        "Gandhi on the Salt March, charcoal sketch",
        "Winston Churchill painting at his easel in Chartwell",
        "Marilyn Monroe in a white dress, pop art",
        "Che Guevara on a vintage poster",
    ],
)
def test_people_who_died_fifty_years_ago_or_more_are_history(prompt):
    assert check_prompt(prompt).allowed, prompt


@pytest.mark.parametrize(
    "prompt,name",
    [
        ("Adolf Hitler giving a speech", "Adolf Hitler"),  # Nazi leaders stay on the list
        ("Indira Gandhi at a rally", "Indira Gandhi"),  # died 1984: not yet fifty years
        ("Rahul Gandhi on a train", "Rahul Gandhi"),
    ],
)
def test_recent_and_nazi_figures_stay_refused(prompt, name):
    verdict = check_prompt(prompt)
    assert not verdict.allowed and verdict.details["name"] == name, prompt


def test_the_migration_switches_long_dead_people_off_in_an_existing_database():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("moderation.migrations.0006_session7_terms")
    PublicFigure.objects.create(name="Winston Churchill", aliases="Churchill", country="GB")
    migration.add(apps, None)
    assert not PublicFigure.objects.get(name="Winston Churchill").active
    assert PublicFigure.objects.get(name="Adolf Hitler").active


@pytest.mark.parametrize(
    "prompt,allowed",
    [
        ("a grumpy basset hound named Beyoncé wearing a tiny crown", True),
        ("my cat, a fat orange tabby called Taylor Swift, asleep on a rug", True),
        ("a goldfish named John Smithers in a bowl", True),
        ("my dog Beyoncé in a tiny party hat", True),
        ("mi perro Messi jugando con una pelota", True),
        ("my hamster Elon stuffing seeds into his cheeks", True),
        ("my dog John Smithers asleep on the sofa", True),
        ("my friend Beyoncé at a party", False),
        ("my grey cat Elon sleeping in a box", True),
        ("unser Dackel Merkel mit Sonnenbrille am Strand", True),
        ("a woman named Beyoncé singing on stage", False),  # a person named so is the person
        ("Beyoncé walking her dog", False),
    ],
)
def test_a_pet_named_after_someone_is_a_pet(prompt, allowed):
    assert check_prompt(prompt).allowed is allowed, prompt


def test_serbian_cyrillic_names_are_read():
    verdict = check_prompt("Новак Ђоковић игра тенис")  # н and в are letters here, not h and b
    assert verdict.category == "public_figure" and verdict.details["name"] == "Novak Djokovic"


def test_a_space_is_not_a_misspelt_letter_of_a_name():
    assert check_prompt("fine line tattoo of a lighthouse, black ink").allowed  # not Blackpink
    assert not check_prompt("Tayler Swift on stage").allowed  # a letter for a letter still is


@pytest.mark.parametrize(
    "prompt,allowed",
    [
        ("a little girl named Adele blowing out her birthday candles", True),
        ("Adele singing Hello on stage", False),  # the first name beside a word of hers
        ("Adele Adkins at the Grammys", False),
        ("Sleepy Joe at the podium", False),
    ],
)
def test_a_first_name_alone_is_the_singer_only_beside_her_context(prompt, allowed):
    assert check_prompt(prompt).allowed is allowed, prompt


@pytest.mark.parametrize(
    "prompt,allowed",
    [
        ("birthday banner for my nephew Elon who loves monster trucks", True),
        ("a boy named Jordan dunking on a backyard hoop", True),
        ("my son Ronaldo scoring a goal at his under-8 match", True),
        ("my son Messi (he's 6) blowing out candles", True),  # a child's name need not be in the dictionary
        ("my 6-year-old son, his name is Messi, scoring a goal", True),
        ("a man, his name is Messi, scoring a goal", False),
        ("mi perrita Shakira con un vestido de flamenca", True),
        ("my friend Elon Musk on a rocket", False),  # a full name on the list is the person
        ("a woman named Beyoncé singing on stage", False),  # no child is named Beyoncé
    ],
)
def test_a_relative_or_child_with_a_famous_first_name_is_not_the_star(prompt, allowed):
    assert check_prompt(prompt).allowed is allowed, prompt


@pytest.mark.parametrize(
    "prompt",
    [
        "the 45th US president eating a taco, pixar style",
        # Blind sets 48 and 49: a split country, a crown that sits on someone now, the late Queen.
        "the North Korean supreme leader eating a Big Mac at McDonald's, paparazzi photo",
        "the King of England pruning roses in the rain at Highgrove",
        "the late Queen having tea with Paddington Bear at the palace",
        "the Danish king riding a cargo bike",
        "the current British king feeding ducks in a park, 35mm film",
        "the current Pope in his white robes riding a skateboard",
        "the Pope blessing a crowd of penguins",
        "the French president eating a croissant on a scooter",
        "the president of Brazil dancing samba",
        "the U.S. president at a podium, oil painting",
        "the sitting prime minister of India flying a kite",
        "potus 45 in a superhero cape",
    ],
)
def test_a_living_office_holder_described_instead_of_named_is_refused(prompt):
    verdict = check_prompt(prompt)
    assert not verdict.allowed and verdict.category == "public_figure", prompt
    assert verdict.details["check"] == "office_holder"


@pytest.mark.parametrize(
    "prompt",
    [
        "a statue of the first American president on horseback",
        # France has had no king since 1848.
        "the French king on his throne at Versailles, oil painting",
        "the king of England in 1520 at a banquet",
        "the 16th president giving the Gettysburg Address, engraving",
        "the American president Abraham Lincoln giving a speech",  # the name decides
        "the US president in 1865, a sepia photograph",
        "a medieval pope on a golden throne, fresco",
        "the pope of the 15th century in the Sistine Chapel",
        "the present king of the forest, a lion on a rock",
        "the popemobile as a toy car",
        "the king of France in 1700 at Versailles",
    ],
)
def test_past_and_invented_office_holders_are_allowed(prompt):
    assert check_prompt(prompt).allowed, prompt


def test_each_person_is_listed_once():
    # Seeding keeps the first line of a name: a second line's aliases would be lost.
    from collections import Counter

    from moderation.seed import read_public_figures

    counts = Counter(row["name"] for row in read_public_figures())
    assert [name for name, n in counts.items() if n > 1] == []


@pytest.mark.parametrize(
    "prompt, name",
    [
        ("the guy who founded facebook in a sumo wrestling match", "Mark Zuckerberg"),
        ("the Microsoft co-founder who now runs a giant foundation, glasses", "Bill Gates"),
        ("the billionaire who owns Tesla and X, crowned as a medieval king", "Elon Musk"),
        ("the barbadian singer from umbrella holding a giant umbrella", "Rihanna"),
        ("the queen who reigned for 70 years having tea with her corgis", "Queen Elizabeth II"),
        ("Ninja the Fortnite streamer with blue hair in his gaming room", "Tyler Blevins"),
    ],
)
def test_a_person_described_by_deeds_is_refused(prompt, name):
    verdict = check_prompt(prompt)
    assert verdict.category == "public_figure" and verdict.details["name"] == name


@pytest.mark.parametrize(
    "prompt",
    [
        "a proud Tesla owner washing his car in the driveway",
        "eid mubarak card with lanterns and a crescent moon",
        "a bee sting on my arm, macro photo",
        "the undertaker at the funeral home arranging lilies",
        "Tupac Amaru leading the rebellion, oil painting",
        "Simón Bolívar crossing the Andes, oil painting",
    ],
)
def test_descriptions_and_names_that_are_ordinary_words_pass(prompt):
    assert check_prompt(prompt).allowed, check_prompt(prompt).details
