"""Refusals count against the account: a warning, then suspension pending review."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from moderation.models import Flag, ReviewAction
from moderation.services import check_prompt, record_refusal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.MODERATION_STRIKES_WARN_AT = 2
    settings.MODERATION_STRIKES_SUSPEND_AT = 4
    settings.MODERATION_STRIKES_WINDOW_HOURS = 24


def _refuse(user, n=1):
    verdict = check_prompt("a nude woman")
    for _ in range(n):
        record_refusal(user, verdict, target="prompt", text="a nude woman")


def test_the_user_is_warned_at_the_first_threshold_once(alice):
    _refuse(alice, 1)
    assert not ReviewAction.objects.exists()
    _refuse(alice, 2)
    warnings = ReviewAction.objects.filter(subject=alice, action="auto_warn")
    assert warnings.count() == 1
    assert len(mail.outbox) == 1
    alice.refresh_from_db()
    assert not alice.is_suspended


def test_the_account_is_suspended_pending_review_at_the_second(alice):
    _refuse(alice, 4)
    alice.refresh_from_db()
    assert alice.is_suspended
    assert "pending review" in alice.suspension_reason
    assert ReviewAction.objects.filter(subject=alice, action="auto_suspend").count() == 1
    assert alice.generation_refusal() == "This account is suspended pending review."


def test_refusals_outside_the_window_do_not_count(alice):
    _refuse(alice, 3)
    Flag.objects.filter(user=alice).update(created_at=timezone.now() - timedelta(hours=25))
    _refuse(alice, 1)
    alice.refresh_from_db()
    assert not alice.is_suspended


def test_refusals_a_moderator_approved_do_not_count(alice):
    _refuse(alice, 3)
    Flag.objects.filter(user=alice).update(status="approved")
    _refuse(alice, 1)
    alice.refresh_from_db()
    assert not alice.is_suspended


def test_output_and_invalid_file_refusals_are_not_strikes(alice):
    from moderation.services import Verdict

    for _ in range(5):
        record_refusal(alice, Verdict(False, "nudity"), target="output")
        record_refusal(alice, Verdict(False, "invalid_image", {"reason": "not_an_image"}), target="upload")
    alice.refresh_from_db()
    assert not alice.is_suspended
    assert not Flag.objects.filter(counts_as_strike=True).exists()


def test_a_suspended_user_cannot_submit(alice):
    from generation import services

    _refuse(alice, 4)
    alice.refresh_from_db()
    with pytest.raises(services.SubmitError) as e:
        services.submit_generation(alice, prompt="an otter", size=256)
    assert e.value.code == "account"
