"""The name detector also reads names written without capitals."""

import pytest

from moderation.lib.names import find_person_name, lowercase_given_names
from moderation.services import check_prompt

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "prompt,name",
    [
        ("a photo of jane kowalczyk", "jane kowalczyk"),
        ("marcus oyelaran walking his dog in the park", "marcus oyelaran"),
        ("a portrait of Anna Nowakowska", "Anna Nowakowska"),
    ],
)
def test_a_first_name_and_a_surname_shaped_word_are_a_person(prompt, name):
    assert find_person_name(prompt) == name
    verdict = check_prompt(prompt)
    assert verdict.category == "public_figure"
    assert verdict.details["check"] == "name_detector"


@pytest.mark.parametrize(
    "prompt",
    [
        "a bloody mary cocktail with celery",  # an allow phrase: never a name
        "emma in a garden",  # a first name alone
        "harry potter reading in the library",  # fictional
        "peter rabbit in a vegetable garden",  # the next word is an ordinary word
        "a field of sunflowers in the style of vincent van gogh",  # a style
        "sue the neighbours, a cartoon",  # "sue" is a verb without its capital
        "the cock and bull pub",  # "the" is a given name somewhere, not here
    ],
)
def test_ordinary_lower_case_text_is_not_a_name(prompt):
    assert check_prompt(prompt).allowed


def test_the_lower_case_first_names_are_common_english_names_not_words():
    names = lowercase_given_names()
    assert {"jane", "marcus", "anna", "david"} <= names
    assert not names & {"the", "sue", "jay", "don", "will", "mark", "rose", "can", "long"}
