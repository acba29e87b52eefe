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


@pytest.mark.django_db
def test_the_seeded_scenes_refuse_what_they_describe_and_their_longest_rules_fit():
    from moderation.models import Term
    from moderation.services import check_prompt

    assert Term.objects.filter(phrase__contains=" & ").count() > 300
    assert max(len(t.phrase) for t in Term.objects.filter(phrase__contains=" & ")) > 200
    for prompt, category in [
        ("chair kicked over, rope from the ceiling beam, feet dangling, cinematic", "self_harm"),
        ("man in an orange jumpsuit kneeling in the desert, blade at his throat", "violence"),
        ("blue crystals in baggies on a table in an old RV, gas mask on a hook", "illegal"),
    ]:
        verdict = check_prompt(prompt)
        assert not verdict.allowed and verdict.category == category, prompt


@pytest.mark.django_db
@pytest.mark.parametrize(
    "prompt",
    [
        "a rope swing hanging from an oak branch over a lake, summer",
        "a bathtub full of rose petals and candles, spa advertisement",
        "a magic mushroom forest releasing glowing spores, fantasy art",
        "a chemistry class growing sugar crystals, kids cooking rock candy",
        "a woodchipper in a garden with someone feeding it branches",
    ],
)
def test_innocent_scenes_that_share_the_parts_pass(prompt):
    from moderation.services import check_prompt

    assert check_prompt(prompt).allowed, prompt
