"""Stored images: keys, saving, deleting and signed URLs.

The bucket is private. A browser gets an image through a URL that expires:
an S3 presigned URL, or in the embedded default a URL signed by Easel itself.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

URL_SALT = "easel.storage.signed-url"


class StorageError(Exception):
    """The storage could not be reached or refused the operation."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def image_key(owner_id: int, generation_public_id, index: int) -> str:
    return f"images/{owner_id}/{generation_public_id}/{index}.png"


def input_key(owner_id: int, generation_public_id, name: str) -> str:
    return f"inputs/{owner_id}/{generation_public_id}/{name}.png"


def save_bytes(key: str, data: bytes) -> str:
    try:
        saved = default_storage.save(key, ContentFile(data))
    except Exception as e:  # noqa: BLE001 - boto/OS errors all mean "not stored"
        raise StorageError(f"could not store {key}: {type(e).__name__}") from e
    return saved


def read_bytes(key: str) -> bytes:
    try:
        with default_storage.open(key, "rb") as f:
            return f.read()
    except Exception as e:  # noqa: BLE001
        raise StorageError(f"could not read {key}: {type(e).__name__}") from e


def delete_quietly(keys: list[str]) -> None:
    """Best-effort clean-up of objects written by a request that did not finish."""
    for key in keys:
        try:
            default_storage.delete(key)
        except Exception:  # noqa: BLE001, S112 - a leftover is logged by the reaper, not fatal here
            continue


def signed_url(key: str, *, ttl: int | None = None) -> str:
    """A URL for `key` that works without a session and expires after `ttl` seconds."""
    ttl = ttl or settings.SIGNED_URL_TTL
    if settings.EASEL_STORAGE == "s3":
        return default_storage.url(key, expire=ttl)
    token = signing.dumps({"k": key, "t": ttl}, salt=URL_SALT, compress=True)
    # Relative: the page that shows it may be served on any host or port.
    return reverse("generation:signed_media", args=[token])


def resolve_signed_token(token: str) -> str:
    """The key a local signed URL points at; raises signing.BadSignature when tampered or expired."""
    payload = signing.loads(token, salt=URL_SALT, max_age=None)
    # The TTL is inside the signed payload, so nobody can extend it.
    signing.loads(token, salt=URL_SALT, max_age=int(payload["t"]))
    return str(payload["k"])
