"""Account state changes: sign-up, e-mail verification, suspension."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiKey, User

log = logging.getLogger(__name__)

VERIFY_SALT = "easel.accounts.verify-email"
VERIFY_MAX_AGE_S = 3 * 24 * 3600


class AccountError(Exception):
    """A user-safe reason an account action was refused."""


def make_verification_token(user: User) -> str:
    # The e-mail is part of the payload so that a token stops working if the
    # address changes before it is used.
    return signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT)


def verification_url(user: User) -> str:
    token = make_verification_token(user)
    return settings.SITE_URL + reverse("accounts:verify", args=[token])


def send_verification_email(user: User) -> None:
    context = {"user": user, "url": verification_url(user), "site_name": settings.SITE_NAME}
    body = render_to_string("accounts/email/verify.txt", context)
    send_mail("Verify your Easel account", body, None, [user.email])


def sign_up(email: str, password: str) -> User:
    """Create an unverified account and send its verification e-mail."""
    email = User.objects.normalize_email(email).lower()
    with transaction.atomic():
        if User.objects.filter(email__iexact=email).exists():
            raise AccountError("An account with this e-mail address already exists.")
        user = User.objects.create_user(email=email, password=password)
    send_verification_email(user)
    return user


def verify_email(token: str) -> User:
    """Mark the account verified and grant its first month's free credits (once)."""
    try:
        payload = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE_S)
    except signing.SignatureExpired as e:
        raise AccountError("This verification link has expired. Sign in to get a new one.") from e
    except signing.BadSignature as e:
        raise AccountError("This verification link is not valid.") from e

    from billing.services import grant_signup_credits

    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=payload.get("u")).first()
        if user is None or user.email != payload.get("e"):
            raise AccountError("This verification link is not valid.")
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
        # Idempotent: a second click finds the grant already made.
        grant_signup_credits(user)
    return user


def suspend_user(user: User, *, reason: str, actor: User | None = None) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(suspended_at=timezone.now(), suspension_reason=reason)
    log.info("suspended user=%s by=%s reason=%s", user.pk, actor.pk if actor else None, reason)
    user.refresh_from_db()


def reinstate_user(user: User, *, actor: User | None = None) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(suspended_at=None, suspension_reason="")
    log.info("reinstated user=%s by=%s", user.pk, actor.pk if actor else None)
    user.refresh_from_db()


# --- API keys ------------------------------------------------------------------

API_KEY_PREFIX = "sk-easel-"


def hash_api_key(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(user: User, *, name: str) -> tuple[ApiKey, str]:
    """Make a new key for `user`. Returns the row and the plaintext, which is never stored."""
    import secrets

    name = (name or "").strip()[:80] or "API key"
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        user=user, name=name, prefix=key[: len(API_KEY_PREFIX) + 4], hashed_key=hash_api_key(key)
    )
    log.info("api key %s created for user=%s", api_key.pk, user.pk)
    return api_key, key


def revoke_api_key(api_key: ApiKey, *, actor: User | None = None) -> None:
    """Stop a key from working, at once and for good. Revoking twice is a no-op."""
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    log.info("api key %s revoked by=%s", api_key.pk, actor.pk if actor else None)
    api_key.refresh_from_db()


def find_api_key(key: str) -> ApiKey | None:
    """The active key whose plaintext is `key`, with its user, or None."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    return (
        ApiKey.objects.select_related("user")
        .filter(hashed_key=hash_api_key(key), revoked_at__isnull=True)
        .first()
    )


def list_api_keys(user: User):
    return ApiKey.objects.filter(user=user, revoked_at__isnull=True)
