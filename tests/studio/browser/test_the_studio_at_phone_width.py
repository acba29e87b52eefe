"""At a phone's width (390 px) every studio page fits: nothing overlaps or is cut off.

Also: a refused prompt is explained inline with what was typed still in the
box, and running out of credits says so with a link to buy more.
"""

from __future__ import annotations

import pytest

from generation.models import Generation
from tests.conftest import make_user
from tests.studio.browser.conftest import (
    assert_no_horizontal_overflow,
    images_loaded,
    shot,
    sign_in,
    wait_for_generations,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_studio_page_fits_a_phone(live_server, phone):
    make_user("alice@example.com")
    page, base = phone, live_server.url
    sign_in(page, base, "alice@example.com")
    page.fill("textarea[name=prompt]", "a red circle above a blue square on a yellow background")
    page.select_option("select[name=size]", "256")
    assert_no_horizontal_overflow(page)
    shot(page, "phone-prompt")
    page.click("#generate-button")
    page.wait_for_url("**/g/*/")
    images_loaded(page, ".tile.ready img", 4)
    assert_no_horizontal_overflow(page)
    shot(page, "phone-four-images")

    page.click(".tile.ready >> nth=0")
    page.wait_for_url("**/i/*/")
    images_loaded(page, "#detail-image", 1)
    assert_no_horizontal_overflow(page)
    shot(page, "phone-image-detail")
    image = Generation.objects.get().images.get(index=0)

    page.click("#edit-button")
    page.wait_for_function("document.getElementById('edit-canvas').width === 256")
    box = page.locator("#edit-canvas").bounding_box()
    assert box["width"] <= 390
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.6, steps=5)
    page.mouse.up()
    assert_no_horizontal_overflow(page)
    shot(page, "phone-editor")

    page.goto(f"{base}/i/{image.public_id}/")
    page.click("#extend-button")
    page.wait_for_url("**/canvas/*/")
    images_loaded(page, "#canvas-image", 1)
    assert_no_horizontal_overflow(page)
    shot(page, "phone-outpaint")

    # A blend from one image to another, chosen on the Blend page: the strip of five fits across the phone.
    page.goto(f"{base}/i/{image.public_id}/blend/")
    page.click(".choice >> nth=0")
    assert_no_horizontal_overflow(page)
    page.click("#blend-button")
    page.wait_for_url("**/g/*/")
    images_loaded(page, ".tile.ready img", 5)
    assert_no_horizontal_overflow(page)
    shot(page, "phone-blend")

    page.goto(f"{base}/history/")
    assert_no_horizontal_overflow(page)
    shot(page, "phone-history")
    wait_for_generations()


def test_a_refused_prompt_and_empty_credits_are_explained_inline(live_server, desktop):
    make_user("alice@example.com")
    make_user("carol@example.com", credits=0)
    page, base = desktop, live_server.url
    sign_in(page, base, "alice@example.com")
    prompt = "a photo of a naked man in a garden"
    page.fill("textarea[name=prompt]", prompt)
    page.click("#generate-button")
    page.wait_for_selector("#form-error")
    assert "content policy" in page.inner_text("#form-error")
    assert page.input_value("textarea[name=prompt]") == prompt
    shot(page, "refused-prompt")

    page.context.clear_cookies()
    sign_in(page, base, "carol@example.com")
    page.fill("textarea[name=prompt]", "a red circle")
    page.click("#generate-button")
    page.wait_for_selector("#form-error")
    assert "enough credits" in page.inner_text("#form-error")
    assert page.is_visible("#form-error >> text=Buy credits")
    shot(page, "out-of-credits")
    assert not Generation.objects.exists()
