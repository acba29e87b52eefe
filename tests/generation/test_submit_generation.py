"""Submitting a studio prompt: checks, charge and enqueue happen together or not at all."""

from unittest import mock

import pytest
from django.urls import reverse

from billing.models import LedgerEntry
from billing.services import get_balance
from generation import services
from generation.models import Generation
from tests.conftest import make_user


@pytest.fixture
def no_dispatch():
    with mock.patch("generation.dispatch.enqueue") as enqueue:
        yield enqueue


def test_it_creates_a_queued_generation_and_charges_one_credit(alice, no_dispatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        gen = services.submit_generation(alice, prompt="a red circle", size=256)
    gen.refresh_from_db()
    assert gen.status == Generation.Status.QUEUED
    assert (gen.mode, gen.n, gen.size, gen.credits_cost) == ("generate", 4, 256, 1)
    assert get_balance(alice) == 49
    spend = LedgerEntry.objects.get(generation=gen)
    assert spend.kind == "spend" and spend.amount == -1
    no_dispatch.assert_called_once_with(gen.pk)


def test_it_enqueues_only_after_commit(alice, no_dispatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.submit_generation(alice, prompt="a red circle")
    no_dispatch.assert_not_called()
    assert len(callbacks) == 1


@pytest.mark.parametrize("prompt", ["", "   "])
def test_an_empty_prompt_is_refused(alice, no_dispatch, prompt):
    with pytest.raises(services.SubmitError) as e:
        services.submit_generation(alice, prompt=prompt)
    assert e.value.code == "prompt_required"
    assert not Generation.objects.exists()
    assert get_balance(alice) == 50


def test_a_prompt_over_400_characters_is_refused_in_the_studio(alice, no_dispatch):
    with pytest.raises(services.SubmitError) as e:
        services.submit_generation(alice, prompt="a" * 401)
    assert e.value.code == "prompt_too_long"
    assert "400" in e.value.message
    assert not Generation.objects.exists()


def test_an_unverified_user_cannot_generate(db, no_dispatch):
    carol = make_user("carol@example.com", verified=False)
    with pytest.raises(services.SubmitError) as e:
        services.submit_generation(carol, prompt="a red circle")
    assert e.value.code == "account"
    assert "verify" in e.value.message
    assert not Generation.objects.exists()


def test_a_suspended_user_cannot_generate(alice, no_dispatch):
    from accounts.services import suspend_user

    suspend_user(alice, reason="test")
    with pytest.raises(services.SubmitError) as e:
        services.submit_generation(alice, prompt="a red circle")
    assert "suspended" in e.value.message
    assert get_balance(alice) == 50


def test_a_user_without_credits_is_refused_and_nothing_is_written(db, no_dispatch):
    dan = make_user("dan@example.com", credits=0)
    with pytest.raises(services.SubmitError) as e:
        services.submit_generation(dan, prompt="a red circle")
    assert e.value.code == "insufficient_credits"
    assert not Generation.objects.exists()
    assert not LedgerEntry.objects.filter(user=dan).exists()


def test_the_studio_page_needs_a_signed_in_user(client, db):
    response = client.get(reverse("generation:studio"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_studio_form_shows_the_error_and_keeps_the_prompt(client, alice, no_dispatch):
    client.force_login(alice)
    response = client.post(reverse("generation:studio"), {"prompt": "x" * 401, "size": 1024})
    assert response.status_code == 400
    assert b"at most 400 characters" in response.content
    assert b"x" * 401 in response.content


def test_the_studio_form_redirects_to_the_new_generation(client, alice, no_dispatch):
    client.force_login(alice)
    response = client.post(reverse("generation:studio"), {"prompt": "a blue square", "size": 256})
    gen = Generation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("generation:detail", args=[gen.public_id])


def test_another_users_generation_is_not_found(client, alice, bob, no_dispatch):
    gen = services.submit_generation(alice, prompt="a red circle")
    client.force_login(bob)
    assert client.get(reverse("generation:detail", args=[gen.public_id])).status_code == 404
    assert client.get(reverse("generation:status", args=[gen.public_id])).status_code == 404


def test_the_status_endpoint_refuses_post(client, alice, no_dispatch):
    gen = services.submit_generation(alice, prompt="a red circle")
    client.force_login(alice)
    assert client.post(reverse("generation:status", args=[gen.public_id])).status_code == 405
