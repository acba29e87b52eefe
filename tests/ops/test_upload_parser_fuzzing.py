"""Property-based fuzzing of the upload parsers with broken, truncated and hostile images.

The parsers: `moderation.lib.images.open_still_image` (the studio's uploads and
every moderation check) and `generation.api.uploads.read_png` (the Images API's
image and mask). Whatever the bytes, the first raises only `InvalidImage` with a
reason people have a message for, the second only a 400 `ApiError`; an image
either of them accepts can be used by what comes next. Over HTTP, random bodies
to the studio's upload and to /v1/images/edits and /variations never give a 5xx
or a stack trace.
"""

from __future__ import annotations

import io
import os
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps

from accounts.services import create_api_key
from generation.api.errors import ApiError
from generation.api.uploads import read_png
from moderation.lib.images import MAX_PIXELS, InvalidImage, open_still_image, to_rgb_array
from moderation.services import INVALID_IMAGE_MESSAGES

SIGNATURE = b"\x89PNG\r\n\x1a\n"
STUDIO_MAX = 10 * 1024 * 1024
API_CODES = {"image_too_large", "invalid_image_format", "invalid_image"}
# EASEL_FUZZ_EXAMPLES=5000 searches longer (by hand, or nightly); the suite's default stays fast.
EXAMPLES = int(os.environ.get("EASEL_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a whole decode of a 4096² image is allowed to take a while on 2 cores
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,  # nothing written into the checkout; a failure prints its reproducer
    print_blob=True,
)
HTTP_FUZZ = settings(FUZZ, max_examples=max(30, EXAMPLES // 10))


# --- PNG surgery ----------------------------------------------------------------------


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """The (type, data) chunks of a well-formed PNG."""
    out, pos = [], len(SIGNATURE)
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        out.append((png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return out


def chunk(kind: bytes, data: bytes, *, crc: int | None = None) -> bytes:
    if crc is None:
        crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc & 0xFFFFFFFF)


def assemble(parts: list[tuple[bytes, bytes]]) -> bytes:
    return SIGNATURE + b"".join(chunk(k, d) for k, d in parts)


def _save(im: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


def _orientation_exif() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate, so exif_transpose has work to do
    return exif.tobytes()


def _bases() -> dict[str, bytes]:
    rgba = Image.new("RGBA", (32, 32), (30, 120, 200, 255))
    rgba.paste((0, 0, 0, 0), (8, 8, 24, 24))
    palette = Image.new("P", (32, 32), 1)
    palette.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0] + [0] * 759)
    frames = [Image.new("RGB", (32, 32), c) for c in ((255, 0, 0), (0, 255, 0))]
    return {
        "rgb": _save(Image.new("RGB", (32, 32), (200, 40, 40))),
        "rgba": _save(rgba),
        "palette": _save(palette, transparency=0),
        "grey": _save(Image.new("L", (32, 32), 128)),
        "grey_alpha": _save(Image.new("LA", (32, 32), (128, 0))),
        "16bit": _save(Image.new("I;16", (32, 32), 40000)),
        "bilevel": _save(Image.new("1", (32, 32), 1)),
        "wide": _save(Image.new("RGB", (48, 16), (1, 2, 3))),
        "exif": _save(Image.new("RGB", (32, 32), (9, 9, 9)), exif=_orientation_exif()),
        "apng": _save(frames[0], save_all=True, append_images=frames[1:], duration=100, loop=0),
    }


BASES = _bases()
CMYK_JPEG = _save(Image.new("CMYK", (32, 32), (0, 255, 255, 0)), "JPEG")
EXIF_JPEG = _save(Image.new("RGB", (32, 32), (9, 9, 9)), "JPEG", exif=_orientation_exif())


# --- Mutations -------------------------------------------------------------------------


@st.composite
def bit_flips(draw, png: bytes) -> bytes:
    data = bytearray(png)
    for _ in range(draw(st.integers(1, 8))):
        pos = draw(st.integers(0, len(data) - 1))
        data[pos] ^= 1 << draw(st.integers(0, 7))
    return bytes(data)


@st.composite
def truncations(draw, png: bytes) -> bytes:
    return png[: draw(st.integers(0, len(png) - 1))]


@st.composite
def corrupted_chunks(draw, png: bytes) -> bytes:
    parts = chunks(png)
    i = draw(st.integers(0, len(parts) - 1))
    kind, data = parts[i]
    new_data = draw(st.binary(max_size=64))
    fix_crc = draw(st.booleans())
    rest = b"".join(chunk(k, d) for k, d in parts[i + 1 :])
    head = b"".join(chunk(k, d) for k, d in parts[:i])
    bad = chunk(kind, new_data, crc=None if fix_crc else draw(st.integers(0, 2**32 - 1)))
    return SIGNATURE + head + bad + rest


@st.composite
def wrong_crcs(draw, png: bytes) -> bytes:
    parts = chunks(png)
    i = draw(st.integers(0, len(parts) - 1))
    kind, data = parts[i]
    crc = zlib.crc32(kind + data) ^ draw(st.integers(1, 2**32 - 1))
    return (
        SIGNATURE
        + b"".join(chunk(k, d) for k, d in parts[:i])
        + chunk(kind, data, crc=crc)
        + b"".join(chunk(k, d) for k, d in parts[i + 1 :])
    )


@st.composite
def hostile_headers(draw, png: bytes) -> bytes:
    """IHDR rewritten (with a correct CRC): huge or zero sides, odd depths and colour types."""
    parts = chunks(png)
    _, ihdr = parts[0]
    width = draw(
        st.one_of(st.integers(0, 2**31 - 1), st.sampled_from([0, 1, 4096, 4097, 65535, 2**31 - 1]))
    )
    height = draw(
        st.one_of(st.integers(0, 2**31 - 1), st.sampled_from([0, 1, 4096, 4097, 65535, 2**31 - 1]))
    )
    depth = draw(st.one_of(st.just(ihdr[8]), st.integers(0, 255)))
    colour = draw(st.one_of(st.just(ihdr[9]), st.integers(0, 255)))
    tail = draw(st.one_of(st.just(ihdr[10:13]), st.binary(min_size=3, max_size=3)))
    new = struct.pack(">II", width, height) + bytes([depth, colour]) + tail
    return assemble([(b"IHDR", new), *parts[1:]])


@st.composite
def reshuffled_chunks(draw, png: bytes) -> bytes:
    """Chunks dropped, doubled, reordered, or unknown ones inserted (CRCs all correct)."""
    parts = chunks(png)
    ops = draw(
        st.lists(st.sampled_from(["drop", "double", "swap", "insert"]), min_size=1, max_size=4)
    )
    for op in ops:
        i = draw(st.integers(0, len(parts) - 1)) if parts else 0
        if op == "drop" and parts:
            parts.pop(i)
        elif op == "double" and parts:
            parts.insert(i, parts[i])
        elif op == "swap" and len(parts) > 1:
            j = draw(st.integers(0, len(parts) - 1))
            parts[i], parts[j] = parts[j], parts[i]
        elif op == "insert":
            kind = draw(
                st.sampled_from(
                    [
                        b"tEXt",
                        b"zTXt",
                        b"iCCP",
                        b"eXIf",
                        b"PLTE",
                        b"tRNS",
                        b"acTL",
                        b"fcTL",
                        b"fdAT",
                        b"IDAT",
                        b"abCD",
                    ]
                )
            )
            parts.insert(i, (kind, draw(st.binary(max_size=64))))
    return assemble(parts)


def mutated_images() -> st.SearchStrategy[bytes]:
    base = st.sampled_from(sorted(BASES)).map(BASES.__getitem__)
    return st.one_of(
        base.flatmap(bit_flips),
        base.flatmap(truncations),
        base.flatmap(corrupted_chunks),
        base.flatmap(wrong_crcs),
        base.flatmap(hostile_headers),
        base.flatmap(reshuffled_chunks),
        st.binary(max_size=256),
        st.binary(max_size=64).map(lambda b: SIGNATURE + b),
        st.sampled_from(sorted(BASES)).map(BASES.__getitem__),
        st.sampled_from([b"", b"\0" * 1024, CMYK_JPEG, EXIF_JPEG]),
    )


# Found by this fuzzing, kept as fixed examples: a PNG whose eXIf chunk is not TIFF
# (it passed the checks, then crashed the studio turning it upright), and a PNG with
# no pixel data at all (Pillow's verify() raises IndexError for it).
BROKEN_EXIF = assemble([(k, b"x/\x91" if k == b"eXIf" else d) for k, d in chunks(BASES["exif"])])
NO_PIXELS = assemble([(k, d) for k, d in chunks(BASES["exif"]) if k != b"IDAT"])


def bomb(width: int, height: int) -> bytes:
    """A valid PNG header for width×height RGB, with a tiny IDAT of zeros (a few rows)."""
    ihdr = struct.pack(">II", width, height) + bytes([8, 2, 0, 0, 0])
    idat = zlib.compress(b"\0" * (1 + 3 * width) * 4, 9)
    return assemble([(b"IHDR", ihdr), (b"IDAT", idat), (b"IEND", b"")])


# --- The studio's (and moderation's) parser --------------------------------------------


def _studio_prepares(im_bytes: bytes) -> Image.Image:
    """What the studio does with an accepted upload (generation.studio_services)."""
    im = Image.open(io.BytesIO(im_bytes))
    im.load()
    return ImageOps.exif_transpose(im).convert("RGB")


@FUZZ
@given(data=mutated_images(), png_only=st.booleans(), square=st.booleans())
@example(data=bomb(30000, 30000), png_only=True, square=False)
@example(data=bomb(4097, 4097), png_only=True, square=True)
@example(data=bomb(65535, 1), png_only=False, square=False)
@example(data=BROKEN_EXIF, png_only=False, square=False)
@example(data=NO_PIXELS, png_only=False, square=False)
def test_open_still_image_raises_only_invalid_image(data, png_only, square):
    try:
        im = open_still_image(data, max_bytes=STUDIO_MAX, require_square=square, png_only=png_only)
    except InvalidImage as e:
        event(f"refused: {e.reason}")
        assert e.reason in INVALID_IMAGE_MESSAGES
        return
    event("accepted")
    width, height = im.size
    assert 0 < width * height <= MAX_PIXELS
    assert not square or width == height
    # Accepted means usable: the detectors' array, and the studio's own preparation.
    assert to_rgb_array(im).shape == (height, width, 3)
    assert _studio_prepares(data).mode == "RGB"


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"\0" * 1024, "not_an_image"),
        (bomb(30000, 30000), "too_many_pixels"),  # 900 Mpx from a file of a few hundred bytes
        (bomb(4097, 4097), "too_many_pixels"),
        (BASES["apng"], "animated"),
        (BASES["rgb"][:-20], "not_an_image"),
        (CMYK_JPEG, None),  # a CMYK JPEG is a fine studio upload
    ],
)
def test_the_documented_reasons(data, reason):
    if reason is None:
        assert open_still_image(data, max_bytes=STUDIO_MAX, require_square=False).size == (32, 32)
        return
    with pytest.raises(InvalidImage) as e:
        open_still_image(data, max_bytes=STUDIO_MAX, require_square=False)
    assert e.value.reason == reason


# --- The Images API's parser -------------------------------------------------------------


def upload(data: bytes, name: str = "image.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


@FUZZ
@given(data=mutated_images(), param=st.sampled_from(["image", "mask"]))
@example(data=bomb(30000, 30000), param="image")
@example(data=bomb(4097, 4096), param="mask")
@example(data=BROKEN_EXIF, param="image")
@example(data=NO_PIXELS, param="image")
def test_read_png_raises_only_a_400(data, param):
    try:
        png = read_png(upload(data), param=param)
    except ApiError as e:
        event(f"refused: {e.code}")
        assert e.status == 400
        assert e.code in API_CODES
        assert e.param == param
        return
    event("accepted")
    assert 0 < png.width <= 4096 and 0 < png.height <= 4096
    with Image.open(io.BytesIO(png.data)) as im:
        im.load()


@pytest.mark.parametrize("side", [4097, 30000])
def test_a_decompression_bomb_is_refused_from_its_header(side):
    import time

    started = time.perf_counter()
    with pytest.raises(ApiError) as e:
        read_png(upload(bomb(side, side)), param="image")
    # Refused before a single row is decompressed. (Past Pillow's own bomb limit the
    # API calls the file corrupt rather than too large: refused either way.)
    assert time.perf_counter() - started < 1.0
    assert e.value.status == 400 and e.value.code in ("image_too_large", "invalid_image")


# --- Over HTTP ---------------------------------------------------------------------------------


@pytest.fixture
def fake_model(monkeypatch, settings):
    """Accepted uploads are generated for real, by a stand-in model, after the commit.

    The HTTP tests below run in committed transactions (`transaction=True`): an API
    call waits for its images, and the task that makes them is sent after the commit,
    which a rolled-back test transaction never reaches. The short wait is a guard: a
    call that is never answered fails the example in seconds (a 504) instead of
    holding the suite for the production wait of nine minutes.
    """
    from tests.api.conftest import fake_runner

    monkeypatch.setattr("generation.tasks._run_model", fake_runner)
    settings.EASEL_API_WAIT_TIMEOUT_S = 20


@pytest.fixture
def alice_key(alice):
    return create_api_key(alice, name="fuzz")[1]


def _post(client, *args, **kwargs):
    """`client.post` on a thread of its own.

    These tests run with committed transactions, so pytest-django runs them after
    the browser tests, whose session-wide Playwright keeps an event loop running
    on the main thread; the test client drives the API's async views through
    async_to_sync, which refuses a thread with a running loop.
    """
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def post():
        try:
            return client.post(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(post).result()


def _no_leak(response) -> None:
    event(f"HTTP {response.status_code}")  # shown by --hypothesis-show-statistics
    assert response.status_code < 500, response.content[:300]
    body = response.content
    assert b"Traceback" not in body and b'File "/' not in body


random_bodies = st.one_of(mutated_images(), st.binary(max_size=512))


@pytest.mark.django_db(transaction=True)
@HTTP_FUZZ
@given(data=random_bodies, name=st.sampled_from(["image.png", "a.jpg", "x", "../../etc/passwd"]))
@example(data=BROKEN_EXIF, name="image.png")
def test_the_studio_upload_never_answers_5xx(client, alice, fake_model, data, name):
    client.force_login(alice)
    response = _post(
        client, "/studio/upload/", {"image": SimpleUploadedFile(name, data), "size": "256"}
    )
    _no_leak(response)


@pytest.mark.django_db(transaction=True)
@HTTP_FUZZ
@given(
    image=random_bodies,
    mask=st.one_of(st.none(), random_bodies),
    endpoint=st.sampled_from(["/v1/images/edits", "/v1/images/variations"]),
)
@example(image=BASES["rgb"], mask=None, endpoint="/v1/images/variations")  # accepted: made
@example(image=BASES["rgba"], mask=None, endpoint="/v1/images/edits")  # its own transparency
@example(image=NO_PIXELS, mask=None, endpoint="/v1/images/variations")
@example(image=BROKEN_EXIF, mask=NO_PIXELS, endpoint="/v1/images/edits")
def test_the_api_uploads_never_answer_5xx(client, alice_key, fake_model, image, mask, endpoint):
    body = {"image": upload(image), "prompt": "a red circle", "size": "256x256", "n": "1"}
    if mask is not None:
        body["mask"] = upload(mask, "mask.png")
    if endpoint.endswith("variations"):
        body.pop("prompt")
    response = _post(client, endpoint, body, HTTP_AUTHORIZATION=f"Bearer {alice_key}")
    _no_leak(response)
    assert response["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        assert set(response.json()["error"]) >= {"message", "type", "param", "code"}
    else:
        # Accepted means made: the stand-in model's image, behind a signed URL.
        assert response.status_code == 200
        assert len(response.json()["data"]) == 1 and response.json()["data"][0]["url"]


@pytest.mark.django_db(transaction=True)
@HTTP_FUZZ
@given(
    raw=st.binary(max_size=512),
    content_type=st.sampled_from(
        [
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "application/json",
            "image/png",
            "application/x-www-form-urlencoded",
        ]
    ),
)
def test_raw_garbage_bodies_never_answer_5xx(client, alice, alice_key, raw, content_type):
    client.force_login(alice)
    _no_leak(_post(client, "/studio/upload/", raw, content_type=content_type))
    for endpoint in ("/v1/images/edits", "/v1/images/variations"):
        response = _post(
            client, endpoint, raw, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {alice_key}"
        )
        _no_leak(response)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "endpoint, base", [("/v1/images/variations", "rgb"), ("/v1/images/edits", "rgba")]
)
def test_a_valid_upload_is_answered_with_its_image(client, alice_key, fake_model, endpoint, base):
    """The fuzz tests' accepted path, pinned: a valid square PNG is made, not left waiting."""
    body = {"image": upload(BASES[base]), "prompt": "a red circle", "size": "256x256", "n": "1"}
    if endpoint.endswith("variations"):
        body.pop("prompt")
    response = _post(client, endpoint, body, HTTP_AUTHORIZATION=f"Bearer {alice_key}")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["data"][0]["url"]
