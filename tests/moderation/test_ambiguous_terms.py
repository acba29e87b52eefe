"""Ambiguous terms (words with common innocent senses) refuse only with corroboration."""

import pytest

from moderation.models import Term
from moderation.seed import read_terms
from moderation.services import check_prompt

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "prompt",
    [
        "the hooker throwing the ball into the lineout",
        "a marina at Hooker, Oklahoma",
        "horseshoe crabs on Slaughter Beach, Delaware",
        "a Lancaster bomber flying over a cathedral",
        "a lighthouse at Dildo, Newfoundland, in the fog",
        "a Maine Coon cat asleep on a rug",
        "a chink of light through a barn door",
        "a dish of faggots and mushy peas in a Yorkshire pub",
        "Amish buggies on the main road of Intercourse, Pennsylvania",
        "a model Spitfire hanging from a museum ceiling",
    ],
)
def test_an_ambiguous_term_in_an_innocent_sense_passes(prompt):
    verdict = check_prompt(prompt)
    assert verdict.allowed, verdict.details
    # Moderators can still see which ambiguous term was set aside.
    assert verdict.details.get("ambiguous_uncorroborated")


@pytest.mark.parametrize(
    ("prompt", "category"),
    [
        ("a couple having intercourse on a hotel bed, explicit", "sexual"),
        ("a hooker in fishnets leaning into a car window to talk to a john", "sexual"),
        ("a f@ggot being laughed at and spat on by a crowd", "hate"),
        ("a girl with deep cuts on her legs from a razor", "self_harm"),
    ],
)
def test_an_ambiguous_term_with_a_disallowed_context_is_refused(prompt, category):
    verdict = check_prompt(prompt)
    assert not verdict.allowed
    assert verdict.category == category


def test_a_second_listed_term_corroborates(fresh_lists, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Term.objects.create(category="illegal", phrase="zorblat", ambiguous=True)
        Term.objects.create(category="illegal", phrase="quimble", ambiguous=True)
        Term.objects.create(category="hate", phrase="blorpish", ambiguous=True)
    assert check_prompt("a zorblat on a shelf").allowed
    assert check_prompt("a quimble on a shelf").allowed
    assert check_prompt("a zorblat next to a blorpish on a shelf").allowed
    verdict = check_prompt("a zorblat next to a quimble on a shelf")
    assert verdict.category == "illegal"
    assert verdict.details["corroborated_by"] == "terms"


def test_an_unambiguous_term_still_refuses_alone(fresh_lists, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Term.objects.create(category="violence", phrase="glorbash")
    verdict = check_prompt("a glorbash on a shelf")
    assert verdict.category == "violence"
    assert not verdict.details.get("ambiguous")


def test_a_moderator_can_make_a_term_unambiguous(fresh_lists, django_capture_on_commit_callbacks):
    prompt = "the hooker throwing the ball into the lineout"
    assert check_prompt(prompt).allowed
    term = Term.objects.get(category="sexual", phrase="hooker*")
    assert term.ambiguous
    with django_capture_on_commit_callbacks(execute=True):
        term.ambiguous = False
        term.save()
    assert check_prompt(prompt).category == "sexual"


def test_evasion_tricks_reach_ambiguous_terms_too():
    # Look-alikes and separators are normalised before the term is matched and judged.
    assert (
        check_prompt("a couple having i-n-t-e-r-c-o-u-r-s-e on a hotel bed, explicit").category
        == "sexual"
    )
    assert (
        check_prompt("a couple having ｉｎｔｅｒｃｏｕｒｓｅ on a hotel bed, explicit").category
        == "sexual"
    )
    assert check_prompt("horseshoe crabs on Ѕlаughter Beach, Delaware").allowed  # Cyrillic Ѕ, а


def test_the_word_alone_never_refuses_through_the_classifier():
    # The back door: the classifier learnt "hooker" from refused prompts, but never sees it.
    for prompt in ["a hooker", "hooker hooker hooker", "a hooker on a shelf"]:
        assert check_prompt(prompt).allowed, prompt
    # Two ambiguous terms of different categories corroborate nothing.
    assert check_prompt("a hooker and a bomber").allowed


def test_the_data_files_mark_ambiguous_terms():
    entries = {(c, p): a for c, p, a in read_terms()}
    assert entries[("sexual", "hooker*")] is True
    assert entries[("violence", "slaughter*")] is True
    assert entries[("hate", "coon")] is True
    assert entries[("hate", "nigger*")] is False
    assert entries[("sexual", "porn*")] is False
    assert all(not p.startswith("~") for _, p, _ in read_terms())


def test_the_admin_edits_the_flag(client, django_capture_on_commit_callbacks, fresh_lists):
    from tests.conftest import make_user

    staff = make_user("staff-mod@example.com")
    staff.is_staff = True
    staff.is_moderator = True
    staff.save(update_fields=["is_staff", "is_moderator"])
    client.force_login(staff)
    term = Term.objects.get(category="violence", phrase="bomber*")
    url = f"/admin/moderation/term/{term.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="ambiguous"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"category": "violence", "phrase": "bomber*", "active": "on"})
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.ambiguous is False
    assert check_prompt("a Lancaster bomber at an air show").category == "violence"


@pytest.mark.parametrize(
    "prompt",
    [
        "Massacre Rocks State Park in Idaho, sagebrush and basalt",
        "Dead Woman's Pass on the Inca Trail in the clouds",
        "the Bloody Foreland in Donegal at sunset",
        "Suicide Cliff on Saipan at dawn",
    ],
)
def test_a_violent_word_in_a_place_name_needs_corroboration(prompt):
    verdict = check_prompt(prompt)
    assert verdict.allowed, verdict.details
    assert verdict.details.get("ambiguous_uncorroborated")


@pytest.mark.parametrize(
    ("prompt", "category"),
    [
        # The same word outside the place name still refuses alone.
        ("a massacre of villagers near Massacre Rocks", "violence"),
        # Sexual and hate terms never count as place names.
        ("a crowded Nude Beach in summer", "sexual"),
    ],
)
def test_place_names_do_not_open_a_door(prompt, category):
    assert check_prompt(prompt).category == category


@pytest.mark.parametrize(
    ("prompt", "allowed"),
    [
        ("a p*rn star posing on a bed", False),
        ("an n*de girl on a bed", False),
        ("a 5*3 grid of squares", True),
        ("*bold* text on a poster", True),
    ],
)
def test_an_asterisk_for_a_hidden_letter(prompt, allowed):
    assert check_prompt(prompt).allowed is allowed


# Slavic "s" (with, from) is a word; an English possessive is not: the tokenizer
# drops "'s", so "smuggler s cove" could never meet "smuggler's cove".
SLAVIC_S = {"obchod s lidmi", "obchodovanie s ludmi", "pokonchit s soboy", "skočiti s krova",
            "skočila s mosta", "skočio s mosta", "shagnut|shagnula|shagnul s kryshi|mosta"}  # fmt: skip


def test_no_term_spells_a_possessive_with_a_lone_s():
    import re

    lone_s = [p for _, p, _ in read_terms() if re.search(r"[a-z] s\b", p) and p not in SLAVIC_S]
    assert lone_s == []
