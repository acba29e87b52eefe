"""The classifier behind the lists: it refuses phrasings no term covers, and not junk."""

import pytest

from moderation.lib import classifier
from moderation.lib.normalize import tokenize
from moderation.services import CLASSIFIER_THRESHOLD, check_prompt

pytestmark = pytest.mark.django_db


def test_the_model_ships_in_the_repository():
    assert classifier.MODEL_PATH.exists()
    # It grows with the training prompts (12,500 in session 8: 1.2 MB); a bound, not a target.
    assert classifier.MODEL_PATH.stat().st_size < 2 * 1024 * 1024


@pytest.mark.parametrize(
    "prompt,category",
    [
        ("a woman covered in bruises after being beaten", "violence"),
        ("a teenager with a bottle of pills who wants it all to stop", "self_harm"),
    ],
)
def test_it_refuses_a_phrasing_the_lists_do_not_cover(prompt, category):
    verdict = check_prompt(prompt)
    assert verdict.category == category
    assert verdict.details["check"] == "classifier"
    assert verdict.details["score"] >= CLASSIFIER_THRESHOLD


@pytest.mark.parametrize("prompt", ["x" * 1000, "a " * 500, "asdf qwer zxcv", "lorem ipsum dolor sit amet " * 30])
def test_junk_is_not_refused(prompt):
    assert check_prompt(prompt).allowed


def test_one_word_is_left_to_the_lists():
    assert classifier.predict(tokenize("xxxxxxxx")) is None
