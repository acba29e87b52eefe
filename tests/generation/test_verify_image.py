"""`manage.py verify_image` tells a genuine image from an altered one."""

import io
import struct

import pytest
from django.core.management import call_command
from PIL import Image

from generation.lib.provenance import generate_keys, sign_png, verify_png


def _png(colour=(10, 120, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def signed(tmp_path):
    data = sign_png(_png(), record={"service": "Easel", "model": "tiny", "generation": "g-1"})
    path = tmp_path / "genuine.png"
    path.write_bytes(data)
    return path


def test_a_genuine_image_verifies(signed, capsys):
    call_command("verify_image", str(signed))
    assert "genuine" in capsys.readouterr().out


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """A PNG's chunks as (type, whole chunk bytes)."""
    out, pos = [], 8
    while pos < len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        out.append((kind, data[pos:pos + 12 + length]))
        pos += 12 + length
    return out


def test_a_changed_pixel_is_detected_even_with_the_manifest_kept(signed, tmp_path, capsys):
    original = signed.read_bytes()
    manifest = [chunk for kind, chunk in _chunks(original) if kind not in (b"IHDR", b"IDAT", b"IEND")]
    assert manifest, "the signed PNG should carry its manifest in its own chunk"
    image = Image.open(signed).convert("RGB")
    image.putpixel((5, 5), (11, 120, 200))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    chunks = _chunks(buf.getvalue())
    # Splice the original manifest back in right after IHDR, as a forger would.
    forged = original[:8] + chunks[0][1] + b"".join(manifest) + b"".join(c for _, c in chunks[1:])
    altered = tmp_path / "altered.png"
    altered.write_bytes(forged)
    with pytest.raises(SystemExit) as e:
        call_command("verify_image", str(altered))
    assert e.value.code == 1
    out = capsys.readouterr().out
    assert "NOT verified" in out
    assert "pixels differ" in out


def test_flipping_a_byte_of_the_pixel_data_breaks_the_signature(signed):
    data = bytearray(signed.read_bytes())
    idat = data.find(b"IDAT")
    data[idat + 12] ^= 0x01
    result = verify_png(bytes(data))
    assert not result.valid


def test_a_manifest_signed_by_another_key_is_not_trusted(tmp_path, settings):
    from generation.lib import provenance

    other = generate_keys("Someone else")
    for name, content in (("c.pem", other.chain_pem), ("k.pem", other.key_pem), ("a.pem", other.ca_pem)):
        (tmp_path / name).write_bytes(content)
    settings.PROVENANCE_CERT_FILE = str(tmp_path / "c.pem")
    settings.PROVENANCE_KEY_FILE = str(tmp_path / "k.pem")
    settings.PROVENANCE_CA_FILE = str(tmp_path / "a.pem")
    provenance.load_keys.cache_clear()
    try:
        foreign = sign_png(_png(), record={"service": "Fake"})
    finally:
        settings.PROVENANCE_CERT_FILE = settings.PROVENANCE_KEY_FILE = settings.PROVENANCE_CA_FILE = ""
        provenance.load_keys.cache_clear()
    result = verify_png(foreign)
    assert not result.valid
    assert any("not trusted" in r or "untrusted" in r for r in result.reasons)


def test_a_png_without_a_record_is_not_verified():
    result = verify_png(_png())
    assert not result.valid
