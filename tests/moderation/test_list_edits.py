"""Moderators edit the lists in the database; the next check uses the edit."""

import pytest

from moderation.models import PublicFigure, Term
from moderation.services import check_prompt


@pytest.mark.django_db
def test_a_new_term_is_refused_after_it_is_saved(fresh_lists, django_capture_on_commit_callbacks):
    assert check_prompt("a zorblax on a plate").allowed
    with django_capture_on_commit_callbacks(execute=True):
        Term.objects.create(category="illegal", phrase="zorblax")
    verdict = check_prompt("a zorblax on a plate")
    assert verdict.category == "illegal"


@pytest.mark.django_db
def test_a_deactivated_term_is_allowed_again(fresh_lists, django_capture_on_commit_callbacks):
    # A word only the list knows (a seeded word such as "gory" is also known to the classifier).
    with django_capture_on_commit_callbacks(execute=True):
        Term.objects.create(category="violence", phrase="gloopfest")
    assert not check_prompt("a gloopfest scene").allowed
    with django_capture_on_commit_callbacks(execute=True):
        Term.objects.filter(phrase="gloopfest").update(active=False)
        # .update() sends no signal: a save through the admin does.
        Term.objects.get(phrase="gloopfest").save()
    assert check_prompt("a gloopfest scene").allowed


@pytest.mark.django_db
def test_a_new_public_figure_is_refused(fresh_lists, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        PublicFigure.objects.create(name="Zanzibar Quetzalcoatl", aliases="Quetzy", country="MX", kind="celebrity")
    assert check_prompt("quetzy on a horse").category == "public_figure"


@pytest.mark.django_db
def test_the_lists_are_compiled_once_not_per_prompt(django_assert_num_queries):
    check_prompt("warm up")
    with django_assert_num_queries(0):
        for _ in range(20):
            check_prompt("a lighthouse at dawn")
