"""The review queue: moderators only; every decision is recorded with who and why."""

from unittest import mock

import pytest
from django.urls import reverse

from moderation.models import Flag, ReviewAction
from moderation.services import check_prompt, record_refusal

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(alice):
    return record_refusal(alice, check_prompt("a nude woman"), target="prompt", text="a nude woman")


@pytest.fixture
def output_flag(alice):
    from generation import services
    from generation.lib import storage
    from generation.models import GeneratedImage

    with mock.patch("generation.dispatch.enqueue"):
        gen = services.submit_generation(alice, prompt="a sunny beach", size=256)
    key = storage.save_bytes(storage.image_key(alice.pk, gen.public_id, 0), b"png")
    image = GeneratedImage.objects.create(generation=gen, index=0, storage_key=key, width=256, height=256, sha256="x", hidden=True)
    from moderation.services import Verdict

    return record_refusal(alice, Verdict(False, "nudity", {"nudity": [{"score": 0.9}]}), target="output", generation=gen, image=image)


def _review(client, flag, action, reason=""):
    return client.post(reverse("moderation:review", args=[flag.pk]), {f"f{flag.pk}-action": action, f"f{flag.pk}-reason": reason})


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("moderation:queue"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_normal_user_gets_403(client, bob, flag):
    client.force_login(bob)
    assert client.get(reverse("moderation:queue")).status_code == 403
    assert _review(client, flag, "approve").status_code == 403
    flag.refresh_from_db()
    assert flag.status == "open"


def test_a_moderator_sees_the_prompt_and_signed_thumbnails(client, moderator, flag, output_flag):
    client.force_login(moderator)
    response = client.get(reverse("moderation:queue"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "a nude woman" in body
    assert "alice@example.com" in body
    # The output's thumbnail, through a signed URL: Easel's own, or S3's presigned one.
    assert "/media/s/" in body or "X-Amz-Signature=" in body


def test_the_queue_only_takes_get(client, moderator):
    client.force_login(moderator)
    assert client.post(reverse("moderation:queue")).status_code == 405


def test_review_only_takes_post(client, moderator, flag):
    client.force_login(moderator)
    assert client.get(reverse("moderation:review", args=[flag.pk])).status_code == 405


def test_an_unknown_flag_is_404(client, moderator):
    client.force_login(moderator)
    assert client.post(reverse("moderation:review", args=[999999]), {"f999999-action": "approve"}).status_code == 404


def test_approve_releases_a_hidden_output(client, moderator, output_flag):
    client.force_login(moderator)
    assert _review(client, output_flag, "approve", "a peach").status_code == 302
    output_flag.refresh_from_db()
    assert output_flag.status == "approved"
    assert output_flag.reviewed_by == moderator and output_flag.review_note == "a peach"
    assert not output_flag.image.hidden
    action = ReviewAction.objects.get(flag=output_flag)
    assert (action.actor, action.action, action.reason) == (moderator, "approve", "a peach")


def test_reject_keeps_it_hidden(client, moderator, output_flag):
    client.force_login(moderator)
    _review(client, output_flag, "reject")
    output_flag.refresh_from_db()
    assert output_flag.status == "rejected"
    assert output_flag.image.hidden


def test_warn_e_mails_the_user_and_records_it(client, moderator, flag, mailoutbox):
    client.force_login(moderator)
    _review(client, flag, "warn", "second time today")
    assert ReviewAction.objects.get(action="warn").reason == "second time today"
    assert mailoutbox[-1].to == ["alice@example.com"]


def test_suspend_and_reinstate(client, moderator, flag, alice):
    client.force_login(moderator)
    _review(client, flag, "suspend", "repeated attempts")
    alice.refresh_from_db()
    assert alice.is_suspended
    _review(client, flag, "reinstate", "appeal accepted")
    alice.refresh_from_db()
    assert not alice.is_suspended
    assert list(ReviewAction.objects.filter(flag=flag).order_by("id").values_list("action", "actor")) == [
        ("suspend", moderator.pk), ("reinstate", moderator.pk)
    ]


def test_account_actions_need_a_reason(client, moderator, flag, alice):
    client.force_login(moderator)
    _review(client, flag, "suspend", "")
    alice.refresh_from_db()
    assert not alice.is_suspended
    assert not ReviewAction.objects.exists()


def test_the_service_refuses_a_non_moderator(bob, flag):
    from moderation.services import ModerationError, review_flag

    with pytest.raises(ModerationError):
        review_flag(flag, actor=bob, action="approve")
    assert Flag.objects.get(pk=flag.pk).status == "open"
