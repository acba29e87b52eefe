"""Template helpers of the studio pages."""

from __future__ import annotations

from django import template

from generation.lib import storage

register = template.Library()


@register.filter
def visible_thumbs(generation, limit: int = 4) -> list[dict]:
    """Up to `limit` of a generation's visible images as {"url", "image"}; uses prefetched images."""
    images = sorted((im for im in generation.images.all() if not im.hidden), key=lambda im: im.index)
    return [{"url": storage.signed_url(im.storage_key), "image": im} for im in images[:limit]]


@register.filter
def signed(image) -> str:
    """The signed URL of a GeneratedImage."""
    return storage.signed_url(image.storage_key)
