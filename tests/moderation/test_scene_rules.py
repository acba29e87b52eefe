"""Scene rules: parts joined by "&", each found anywhere in the prompt, in any order."""

import pytest

from moderation.lib.matching import TermMatcher, compile_rule
from moderation.lib.normalize import tokenize

GROUPS = {"blade": ["razor", "knife", "blade*"]}


def _matcher(*phrases, allow=()):
    rules = [compile_rule("self_harm", p, GROUPS) for p in phrases]
    return TermMatcher(rules, [compile_rule("allow", p, GROUPS) for p in allow])


def _hits(matcher, prompt):
    return [h.rule.phrase for h in matcher.match_spans(list(tokenize(prompt)), prompt)]


@pytest.mark.parametrize(
    "prompt,hit",
    [
        ("chair kicked over, rope from the ceiling beam, feet dangling", True),
        ("feet dangling from the rafters, a noose", True),  # any order, stems
        ("a rope swing from a tree branch, kids laughing", False),  # one part is not a scene
        ("a ceiling beam and a rope ladder", False),  # two of three parts
    ],
)
def test_a_scene_needs_every_part_anywhere(prompt, hit):
    m = _matcher("rope|noose & ceiling|beam|rafter* & dangl*|kicked")
    assert bool(_hits(m, prompt)) is hit, prompt


def test_alternatives_may_be_groups_and_parts_may_have_gaps():
    m = _matcher("@blade|glass ... arm & fresh & lines|cuts")
    assert _hits(m, "a razor across her arm, fresh red lines")
    assert _hits(m, "broken glass on my arm, fresh cuts")
    assert not _hits(m, "a knife on a cutting board, fresh herbs")


def test_an_allow_phrase_hides_its_words_from_a_scene():
    m = _matcher("rope & ceiling & dangl*", allow=["rope ladder"])
    assert not _hits(m, "a rope ladder dangling from the ceiling of the treehouse")


def test_a_scene_with_a_part_that_cannot_compile_is_dropped():
    assert compile_rule("self_harm", "rope & @nosuchgroup", {}) is None
    assert compile_rule("self_harm", "rope &", {}) is None
