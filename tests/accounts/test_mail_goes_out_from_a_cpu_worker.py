"""With a broker, e-mail is queued for a CPU worker after commit and delivered by it, never from a web request."""

from __future__ import annotations

import time
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives, send_mail
from django.core.mail.backends import locmem
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from accounts import mail as queued_mail
from accounts.services import sign_up
from accounts.tasks import send_queued_email
from webapp.celery import app as celery_app


@pytest.fixture
def queued(settings):
    settings.EMAIL_BACKEND = "accounts.mail.QueuedEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_the_verification_mail_is_delivered_by_the_task(queued, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = sign_up("new@example.com", "correct horse battery staple")
    (message,) = mail.outbox
    assert message.to == [user.email] and "Verify" in message.subject


def test_a_message_keeps_its_html_part_headers_and_attachments(queued, db, django_capture_on_commit_callbacks):
    message = EmailMultiAlternatives("Hello", "plain text", "Easel <noreply@easel.localhost>", ["a@example.com"],
                                     cc=["c@example.com"], reply_to=["r@example.com"], headers={"X-Easel": "1"})
    message.attach_alternative("<p>html</p>", "text/html")
    message.attach("note.txt", b"\x00\x01bytes", "application/octet-stream")
    with django_capture_on_commit_callbacks(execute=True):
        message.send()
    (out,) = mail.outbox
    assert (out.subject, out.body, out.to, out.cc, out.reply_to) == ("Hello", "plain text", ["a@example.com"], ["c@example.com"], ["r@example.com"])
    assert out.alternatives[0][:2] == ("<p>html</p>", "text/html")
    assert out.extra_headers["X-Easel"] == "1"
    assert out.attachments[0][:2] == ("note.txt", b"\x00\x01bytes")


def test_nothing_is_queued_before_commit_and_nothing_at_all_after_a_rollback(queued, db, django_capture_on_commit_callbacks):
    with mock.patch.object(send_queued_email, "apply_async") as publish:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with transaction.atomic():
                send_mail("kept", "body", None, ["a@example.com"])
                assert not publish.called
        assert len(callbacks) == 1
        publish.assert_called_once()
        assert publish.call_args.kwargs["queue"] == "cpu"

        publish.reset_mock()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(RuntimeError), transaction.atomic():
                send_mail("rolled back", "body", None, ["a@example.com"])
                raise RuntimeError("the request failed")
        assert callbacks == [] and not publish.called


def test_the_task_is_routed_to_the_cpu_queue():
    route = celery_app.amqp.router.route({}, "accounts.tasks.send_queued_email")
    assert route["queue"].name == "cpu"


def test_a_broker_that_stays_away_does_not_lose_the_mail(queued, db, django_capture_on_commit_callbacks):
    refused = mock.patch.object(send_queued_email, "apply_async", side_effect=BrokerError("connection refused"))
    with refused, django_capture_on_commit_callbacks(execute=True):
        send_mail("still sent", "body", None, ["a@example.com"])
    assert [m.subject for m in mail.outbox] == ["still sent"]


class MailServerDownOnce(locmem.EmailBackend):
    """A delivery backend whose server refuses the first connection, then accepts."""

    attempts = 0

    def send_messages(self, messages):
        type(self).attempts += 1
        if type(self).attempts == 1:
            raise ConnectionRefusedError("the mail server is restarting")
        return super().send_messages(messages)


@pytest.fixture
def retries_rerun():
    """Run tasks as a worker would: a retry re-runs the task (eagerly here) instead of raising."""
    before = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = before


def test_a_mail_server_that_is_down_is_retried(settings, retries_rerun):
    settings.EMAIL_DELIVERY_BACKEND = f"{__name__}.MailServerDownOnce"
    MailServerDownOnce.attempts = 0
    payload = queued_mail.serialise(EmailMultiAlternatives("retried", "body", None, ["a@example.com"]))

    send_queued_email.apply(args=[payload])

    assert MailServerDownOnce.attempts == 2
    assert [m.subject for m in mail.outbox] == ["retried"]


@pytest.mark.e2e
def test_the_real_cpu_worker_delivers_it(real_worker):
    # The worker process delivers through its own EMAIL_BACKEND: the file backend under EASEL_DATA_DIR.
    outbox = Path(django_settings.DATA_DIR) / "mail"
    before = set(outbox.glob("*")) if outbox.exists() else set()
    subject = f"from the cpu worker {time.time_ns()}"
    queued_mail._enqueue(queued_mail.serialise(EmailMultiAlternatives(subject, "body", None, ["a@example.com"])))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        new = [p for p in (set(outbox.glob("*")) if outbox.exists() else set()) - before if subject in p.read_text(errors="replace")]
        if new:
            break
        time.sleep(0.5)
    else:
        pytest.fail("the cpu worker did not deliver the message")
