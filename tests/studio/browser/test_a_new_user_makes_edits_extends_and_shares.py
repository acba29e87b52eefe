"""A new user, in Chromium at desktop width, goes through the whole studio:
sign up → prompt → four images → detail → edit with the brush → pick a
candidate → outpaint once to the right → variations → favourite →
collection → share link opened signed out → revoke → the link is dead.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from generation.models import Collection, GeneratedImage, Generation, OutpaintCanvas
from tests.studio.browser.conftest import (
    assert_no_horizontal_overflow,
    images_loaded,
    shot,
    sign_up,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_user_goes_from_a_prompt_to_an_edit_an_extension_variations_and_a_share(
    live_server, desktop, chromium
):
    page, base = desktop, live_server.url
    sign_up(page, base)
    assert "50 credits" in page.inner_text(".credits")

    # The prompt page: "Surprise me" fills the box; the counter follows.
    page.click("#surprise-button")
    prompt = page.input_value("textarea[name=prompt]")
    assert prompt
    assert page.inner_text("#prompt-counter") == f"{len(prompt)} / 400"
    assert "1 credit" in page.inner_text("#generate-button")
    page.select_option("select[name=size]", "256")
    shot(page, "prompt")
    page.click("#generate-button")
    page.wait_for_url("**/g/*/")
    images_loaded(page, ".tile.ready img", 4)
    page.wait_for_function("document.getElementById('state').textContent.startsWith('Done')")
    assert "easel-tiny-random" in page.inner_text("#generation-meta")
    shot(page, "four-images")
    assert_no_horizontal_overflow(page)

    # The detail view: full size, prompt, date, model, actions.
    page.click(".tile.ready >> nth=0")
    page.wait_for_url("**/i/*/")
    images_loaded(page, "#detail-image", 1)
    assert prompt in page.inner_text("h1")
    assert "easel-tiny-random" in page.inner_text(".facts")
    for action in ("Edit", "Extend", "Variations", "Blend", "Download", "Favourite", "Create a public link", "Report this image"):
        assert page.get_by_text(action, exact=False).first.is_visible(), action
    with page.expect_download() as download:
        page.click("#download-button")
    png = Image.open(download.value.path())
    assert png.format == "PNG" and png.size == (256, 256)
    shot(page, "image-detail")
    first = GeneratedImage.objects.get(public_id=page.url.rstrip("/").split("/")[-1])

    # The editor: erase the right half with the brush, undo and redo, three candidates, keep one.
    page.click("#edit-button")
    page.wait_for_url("**/edit/")
    page.wait_for_function("document.getElementById('edit-canvas').width === 256")
    box = page.locator("#edit-canvas").bounding_box()
    page.fill("#brush-size", "120")
    for row in (0.2, 0.45, 0.7, 0.9):
        page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * row)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.98, box["y"] + box["height"] * row, steps=6)
        page.mouse.up()
    assert page.is_enabled("#undo-button")
    page.click("#undo-button")
    assert page.is_enabled("#redo-button")
    page.click("#redo-button")
    # The keyboard erases too: arrows move the brush, Space erases under it.
    page.focus("#edit-canvas")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Space")
    assert page.get_attribute("#editor", "data-strokes") == "5"
    page.click("#undo-button")
    # The erased part is transparent: the checkerboard behind shows through.
    # (Read from the screen: with S3 the canvas holds a cross-origin image and cannot be read back.)
    page.mouse.move(0, 0)
    seen = Image.open(io.BytesIO(page.locator("#edit-canvas").screenshot())).convert("RGB")
    right = [seen.getpixel((int(seen.width * x), int(seen.height * y))) for x in (0.75, 0.8, 0.85, 0.9) for y in (0.2, 0.45, 0.7)]
    assert all(p in ((255, 255, 255), (217, 217, 217)) for p in right), "the erased part shows the checkerboard"
    page.fill("#edit-form textarea[name=prompt]", "a red circle above a blue square on a green background")
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.5)
    shot(page, "editor-erased", full_page=False)
    page.click("#edit-generate")
    images_loaded(page, "#candidate-strip img", 3)
    page.wait_for_function("!document.getElementById('edit-generate').disabled")
    page.click("#candidate-strip .candidate >> nth=1")
    assert page.get_attribute("#candidate-strip .candidate >> nth=1", "aria-selected") == "true"
    page.click("#compare-button")
    assert page.is_hidden("#candidate-view")
    page.click("#compare-button")
    assert page.is_visible("#candidate-view")
    shot(page, "editor-candidates", full_page=False)
    page.click("#keep-button")
    page.wait_for_url("**/i/*/")
    edit = Generation.objects.get(mode="edit")
    assert edit.parent_image_id == first.pk and edit.n == 3
    kept = GeneratedImage.objects.get(public_id=page.url.rstrip("/").split("/")[-1])
    assert kept.kept and kept.generation_id == edit.pk and kept.index == 1

    # Outpainting: the frame sits over the right half; move it right with the keyboard, generate, keep.
    page.click("#extend-button")
    page.wait_for_url("**/canvas/*/")
    images_loaded(page, "#canvas-image", 1)
    page.focus("#gen-frame")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.fill("#frame-form textarea[name=prompt]", "a red circle above a blue square on a green background, wide")
    shot(page, "outpaint-frame", full_page=False)
    page.click("#frame-generate")
    images_loaded(page, "#candidate-strip img", 4)
    page.click("#candidate-strip .candidate >> nth=2")
    images_loaded(page, "#candidate-layer", 1)
    shot(page, "outpaint-candidates", full_page=False)
    page.click("#keep-button")
    page.wait_for_function("document.getElementById('outpaint').dataset.version === '2'")
    images_loaded(page, "#canvas-image", 1)
    canvas = OutpaintCanvas.objects.get()
    assert (canvas.width, canvas.height, canvas.origin_x) == (512 + 128 + 1024, 1024, 0)
    shot(page, "outpaint-grown", full_page=False)
    exported = page.request.get(base + page.get_attribute("#export-button", "href"))
    assert exported.ok
    assert Image.open(io.BytesIO(exported.body())).size == (1664, 1024)
    page.reload()  # the canvas is kept on the server
    page.wait_for_function("document.getElementById('canvas-image').naturalWidth === 1664")

    # Variations of the first image.
    page.goto(f"{base}/i/{first.public_id}/")
    page.click("#variations-button")
    page.wait_for_url("**/g/*/")
    images_loaded(page, ".tile.ready img", 3, timeout=120_000)
    shot(page, "variations")
    assert Generation.objects.get(mode="variation").parent_image_id == first.pk

    # Favourite, then a collection.
    page.goto(f"{base}/i/{first.public_id}/")
    page.click("#favourite-button")
    assert page.get_attribute("#favourite-button", "aria-pressed") == "true"
    page.fill("#new-title", "Shapes I like")
    page.click("#collect-button")
    page.wait_for_selector("text=In Shapes I like")
    page.click("nav >> text=Favourites")
    images_loaded(page, ".image-grid img", 1)
    collection = Collection.objects.get()
    assert list(collection.images.all()) == [first]
    page.goto(f"{base}/collections/{collection.public_id}/")
    page.click("#visibility-button")
    page.wait_for_selector("text=Make private")

    # Share: the link works signed out; revoked, it is dead.
    page.goto(f"{base}/i/{first.public_id}/")
    page.click("#share-button")
    link = page.input_value("#share-url")
    shot(page, "image-shared")
    stranger = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        other = stranger.new_page()
        response = other.goto(link)
        assert response.status == 200
        images_loaded(other, "#shared-image", 1)
        assert "Sign in" in other.inner_text("header")
        shot(other, "shared-signed-out")
        public = other.goto(f"{base}/collections/{collection.public_id}/")
        assert public.status == 200
        page.click("#revoke-button")
        page.wait_for_selector("#share-button")
        assert other.goto(link).status == 404
    finally:
        stranger.close()
