"""The foundation, end to end: sign up, verify, type a prompt, get four watermarked images.

Chromium drives the site served by a live server; a separate Celery worker
process runs the model; the images land in the SeaweedFS bucket and come back
through presigned URLs.
"""

from __future__ import annotations

import io
import re
import time
import urllib.error
import urllib.request

import pytest
from django.core import mail
from PIL import Image

from generation.lib import storage
from generation.models import Generation
from gpu_worker.signature import has_signature
from tests.e2e.conftest import SCREENSHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""


def test_a_new_user_signs_up_verifies_and_gets_four_watermarked_images(
    live_server, real_worker, page, s3_client, settings
):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=email]", "alice@example.com")
    page.fill("input[name=password]", "correct horse battery")
    page.click("#signup-form button[type=submit]")
    page.wait_for_url("**/accounts/verify/sent/")
    assert "Check your e-mail" in page.content()

    link = re.search(r"https?://\S+?(/accounts/verify/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(live_server.url + link)
    page.wait_for_url("**/studio/")
    assert "50 credits" in page.inner_text(".credits")

    page.fill("textarea[name=prompt]", "a red circle above a blue square on a yellow background")
    page.select_option("select[name=size]", "256")
    page.click("#generate-button")
    page.wait_for_url("**/g/*/")
    page.wait_for_function("document.querySelectorAll('.tile.ready img').length === 4", timeout=180_000)
    page.wait_for_function(
        "Array.from(document.querySelectorAll('.tile.ready img')).every(i => i.complete && i.naturalWidth > 0)"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "foundation-four-images.png"), full_page=True)
    assert "49 credits" in page.inner_text(".credits")

    generation = Generation.objects.get()
    assert generation.status == Generation.Status.SUCCEEDED
    assert generation.model_name
    images = list(generation.images.order_by("index"))
    assert len(images) == 4
    for image in images:
        head = s3_client.head_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=image.storage_key)
        assert head["ContentLength"] > 0
        status, body = _fetch(storage.signed_url(image.storage_key))
        assert status == 200
        png = Image.open(io.BytesIO(body))
        assert png.size == (256, 256)
        assert has_signature(png)


def test_the_bucket_is_private_and_refuses_tampered_or_expired_urls(db, s3_client, settings):
    key = storage.save_bytes("images/e2e/probe.png", b"\x89PNG probe")
    try:
        bare = f"{settings.AWS_S3_ENDPOINT_URL}/{settings.AWS_STORAGE_BUCKET_NAME}/{key}"
        assert _fetch(bare)[0] == 403

        url = storage.signed_url(key)
        assert _fetch(url) == (200, b"\x89PNG probe")

        tampered = re.sub(r"(X-Amz-Signature=)([0-9a-f])", lambda m: m.group(1) + ("0" if m.group(2) != "0" else "1"), url)
        assert tampered != url
        assert _fetch(tampered)[0] == 403

        repointed = url.replace("probe.png", "other.png")
        assert _fetch(repointed)[0] == 403

        short = storage.signed_url(key, ttl=1)
        time.sleep(2.5)
        assert _fetch(short)[0] == 403
    finally:
        storage.delete_quietly([key])
