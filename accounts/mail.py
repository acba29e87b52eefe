"""E-mail goes out from a CPU worker (the `cpu` queue), never from inside a web request.

With a broker, Django's `EMAIL_BACKEND` is `QueuedEmailBackend`: sending a
message (verification, password reset, moderation notices) serialises it and
queues `accounts.tasks.send_queued_email` once the surrounding transaction
commits; a CPU worker delivers it through the operator's backend
(`EMAIL_DELIVERY_BACKEND`, from the `EMAIL_BACKEND` variable: SMTP, file, ...),
retrying a mail server that is down. Without a broker (`make run`) the
delivery backend is used directly.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

log = logging.getLogger(__name__)

PUBLISH_RETRY_POLICY = {"max_retries": 8, "interval_start": 0, "interval_step": 0.5, "interval_max": 2}


def serialise(message: Any) -> dict:
    """A JSON-safe copy of an EmailMessage (or EmailMultiAlternatives) that `rebuild` turns back into one."""
    attachments = []
    for attachment in message.attachments:
        filename, content, mimetype = attachment
        data = content.encode() if isinstance(content, str) else bytes(content)
        attachments.append([filename, base64.b64encode(data).decode(), mimetype])
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
        "content_subtype": message.content_subtype,
        "attachments": attachments,
    }


def rebuild(payload: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"], body=payload["body"], from_email=payload["from_email"], to=payload["to"],
        cc=payload["cc"], bcc=payload["bcc"], reply_to=payload["reply_to"], headers=payload["headers"],
    )
    message.content_subtype = payload.get("content_subtype", "plain")
    for content, mimetype in payload["alternatives"]:
        message.attach_alternative(content, mimetype)
    for filename, data, mimetype in payload["attachments"]:
        message.attach(filename, base64.b64decode(data), mimetype)
    return message


def deliver(messages: list) -> int:
    """Send through the operator's backend (what the CPU worker does)."""
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
    return connection.send_messages(messages) or 0


class QueuedEmailBackend(BaseEmailBackend):
    """Queue each message for a CPU worker, after the transaction that sent it commits."""

    def send_messages(self, email_messages) -> int:
        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            payload = serialise(message)
            transaction.on_commit(lambda payload=payload: _enqueue(payload))
            count += 1
        return count


def _enqueue(payload: dict) -> None:
    from accounts.tasks import send_queued_email

    try:
        send_queued_email.apply_async(args=[payload], queue="cpu", retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except (BrokerError, OSError):
        # Better sent late from here than lost: the broker is away for longer than the retries.
        log.exception("could not queue an e-mail to %s: sending it from this process", payload["to"])
        deliver([rebuild(payload)])
