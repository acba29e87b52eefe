"""Signed provenance for every stored PNG: a C2PA manifest, checkable offline.

Each image Easel stores carries a C2PA manifest (via c2pa-python) that says
it was made by a trained algorithm, by which service and model, when, for
which generation, whether it was derived from an input image, and the
SHA-256 of its pixels. The manifest is signed with the service's ES256 key,
whose certificate chains to the service's own provenance CA; `verify_png`
trusts exactly that CA. C2PA's own data hash covers the file's bytes, and our
pixel hash lets `verify_image` say plainly that the picture itself changed.

Keys: in production set PROVENANCE_CERT_FILE (the signer's certificate
chain, PEM), PROVENANCE_KEY_FILE (its private key) and PROVENANCE_CA_FILE
(the trust anchor) on every web and GPU worker — `manage.py
create_provenance_keys DIR` writes a set. The embedded default generates one
under EASEL_DATA_DIR/provenance on first use.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import io
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from PIL import Image

ASSERTION = "org.easel.provenance"
TRAINED_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
COMPOSITE_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"


class ProvenanceError(Exception):
    """Signing failed (bad keys, a library fault). `permanent` as for other services."""

    def __init__(self, message: str, *, permanent: bool = True):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Keys:
    chain_pem: bytes  # signer certificate followed by the CA certificate
    key_pem: bytes
    ca_pem: bytes


@dataclass
class Verification:
    valid: bool
    reasons: list[str] = field(default_factory=list)
    record: dict | None = None
    signer: str = ""


def pixel_sha256(image: Image.Image) -> str:
    """Hash of what the picture shows: mode, size and raw RGBA pixels, not the file bytes."""
    rgba = image.convert("RGBA")
    digest = hashlib.sha256(f"{rgba.width}x{rgba.height}:".encode())
    digest.update(rgba.tobytes())
    return digest.hexdigest()


def generate_keys(common_name: str = "Easel provenance") -> Keys:
    """A new CA and an ES256 signing certificate issued by it (ten years)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    valid_to = now + dt.timedelta(days=3650)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"{common_name} CA"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.SITE_NAME),
    ])
    no_usage = dict(content_commitment=False, key_encipherment=False, data_encipherment=False,
                    key_agreement=False, encipher_only=False, decipher_only=False)
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(valid_to)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True, **no_usage), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    signer_name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.SITE_NAME),
    ])
    cert = (
        x509.CertificateBuilder().subject_name(signer_name).issuer_name(ca_name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(valid_to)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **no_usage), critical=True)
        # C2PA signers need an extended key usage; e-mail protection is one it accepts.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return Keys(
        chain_pem=cert.public_bytes(pem) + ca.public_bytes(pem),
        key_pem=key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        ca_pem=ca.public_bytes(pem),
    )


def write_keys(keys: Keys, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "signer-chain.pem").write_bytes(keys.chain_pem)
    (directory / "ca.pem").write_bytes(keys.ca_pem)
    key_file = directory / "signer.key"
    key_file.write_bytes(keys.key_pem)
    key_file.chmod(0o600)


@lru_cache(maxsize=1)
def load_keys() -> Keys:
    if settings.PROVENANCE_CERT_FILE:
        try:
            return Keys(
                chain_pem=Path(settings.PROVENANCE_CERT_FILE).read_bytes(),
                key_pem=Path(settings.PROVENANCE_KEY_FILE).read_bytes(),
                ca_pem=Path(settings.PROVENANCE_CA_FILE).read_bytes(),
            )
        except OSError as e:
            raise ProvenanceError(f"cannot read the provenance keys: {e}") from e
    directory = Path(settings.DATA_DIR) / "provenance"
    directory.mkdir(parents=True, exist_ok=True)
    # Web and worker processes may start together: one creates the keys, the others wait.
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (directory / "signer.key").exists():
            write_keys(generate_keys(), directory)
    return Keys(
        chain_pem=(directory / "signer-chain.pem").read_bytes(),
        key_pem=(directory / "signer.key").read_bytes(),
        ca_pem=(directory / "ca.pem").read_bytes(),
    )


def _context(keys: Keys):
    import c2pa

    return c2pa.Context(c2pa.Settings.from_dict({
        "trust": {"trust_anchors": keys.ca_pem.decode()},
        "verify": {"verify_trust": True},
        "builder": {"thumbnail": {"enabled": False}},
    }))


def sign_png(png: bytes, *, record: dict) -> bytes:
    """Return `png` with a signed C2PA manifest holding `record` and the pixel hash."""
    import c2pa

    keys = load_keys()
    with Image.open(io.BytesIO(png)) as image:
        record = {**record, "content_sha256": pixel_sha256(image)}
    derived = bool(record.get("derived_from_input"))
    manifest = {
        "claim_generator_info": [{"name": settings.SITE_NAME, "version": "1"}],
        "title": f"{record.get('generation', 'image')}.png",
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": [{
                # C2PA requires the first action to be "created" or "opened"; an edit of
                # an input says so through its digital source type (composite).
                "action": "c2pa.created",
                "digitalSourceType": COMPOSITE_MEDIA if derived else TRAINED_MEDIA,
                "softwareAgent": {"name": str(record.get("model", "unknown"))},
            }]}},
            {"label": ASSERTION, "data": record},
        ],
    }
    try:
        signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, keys.chain_pem, keys.key_pem, None))
        builder = c2pa.Builder(json.dumps(manifest), context=_context(keys))
        out = io.BytesIO()
        builder.sign(signer, "image/png", io.BytesIO(png), out)
    except Exception as e:  # noqa: BLE001 - c2pa raises its own C2paError and OS errors
        raise ProvenanceError(f"could not sign the image: {e}") from e
    return out.getvalue()


def verify_png(data: bytes) -> Verification:
    """Check the manifest is intact, signed by this service's CA, and matches the pixels."""
    import c2pa

    keys = load_keys()
    try:
        reader = c2pa.Reader("image/png", io.BytesIO(data), context=_context(keys))
        report = json.loads(reader.json())
    except Exception as e:  # noqa: BLE001 - no manifest, or not an image at all
        return Verification(False, [f"no readable provenance record ({type(e).__name__})"])
    manifest = report.get("manifests", {}).get(report.get("active_manifest") or "", {})
    record = next((a["data"] for a in manifest.get("assertions", []) if a.get("label") == ASSERTION), None)
    signer = manifest.get("signature_info", {}).get("common_name", "")
    reasons = [f"{s.get('code')}: {s.get('explanation', '')}" for s in report.get("validation_status") or []]
    if report.get("validation_state") != "Trusted":
        reasons.append(f"the signature is not trusted by this service (state {report.get('validation_state')})")
    if record is None:
        reasons.append("the manifest has no Easel provenance record")
    else:
        try:
            with Image.open(io.BytesIO(data)) as image:
                if pixel_sha256(image) != record.get("content_sha256"):
                    reasons.append("the pixels differ from the ones that were signed")
        except Exception:  # noqa: BLE001
            reasons.append("the image cannot be decoded")
    return Verification(valid=not reasons, reasons=reasons, record=record, signer=signer)
