"""Celery tasks of the accounts app: e-mail delivery on the `cpu` queue (accounts/mail.py)."""

from __future__ import annotations

import smtplib

from celery import shared_task

from accounts import mail


@shared_task(
    name="accounts.tasks.send_queued_email",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_queued_email(payload: dict) -> int:
    """Deliver one queued message through the operator's backend; a mail server that is down is retried."""
    return mail.deliver([mail.rebuild(payload)])
