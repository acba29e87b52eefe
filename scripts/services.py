"""Start and stop the test services that are not system daemons: SeaweedFS and localstripe.

    python -m scripts.services up     # prints `export NAME=value` lines for the shell
    python -m scripts.services down

Each is bound to 127.0.0.1, keeps its data under var/test-services/<ports>/, and is
stopped by `down` only if `up` started it. EASEL_TEST_S3_PORT and
EASEL_TEST_STRIPE_PORT move them, so two suites can run side by side.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
S3_PORT = int(os.environ.get("EASEL_TEST_S3_PORT", "18333"))
STRIPE_PORT = int(os.environ.get("EASEL_TEST_STRIPE_PORT", "18420"))
# One state folder per pair of ports, so suites run side by side on other ports
# never stop each other's services.
STATE = ROOT / "var" / "test-services" / f"{S3_PORT}-{STRIPE_PORT}"
S3_KEY = "easel-test"
S3_SECRET = "easel-test-secret"
BUCKET = "easel-test"


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means the server is up
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"service at {url} did not start in {timeout:.0f}s")


def _spawn(name: str, argv: list[str]) -> None:
    log = open(STATE / f"{name}.log", "ab")
    proc = subprocess.Popen(argv, stdout=log, stderr=log, start_new_session=True, cwd=STATE)
    (STATE / f"{name}.pid").write_text(str(proc.pid))


def start_seaweedfs() -> None:
    if _port_open(S3_PORT):
        return
    weed = Path(sys.executable).parent / "weed"
    data = STATE / "seaweed-data"
    logs = STATE / "seaweed-logs"
    data.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    config = STATE / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "easel", "credentials": [{"accessKey": S3_KEY, "secretKey": S3_SECRET}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
    }]}))
    _spawn("seaweedfs", [
        str(weed), f"-logdir={logs}", "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        "-master.telemetry=false", "-webdav=false", "-admin.ui=false", f"-s3.port={S3_PORT}",
        "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.config={config}",
        f"-filer.localSocket={STATE / 'filer.sock'}", f"-s3.localSocket={STATE / 's3.sock'}",
    ])
    _wait_http(f"http://127.0.0.1:{S3_PORT}/")


def ensure_bucket() -> None:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3", endpoint_url=f"http://127.0.0.1:{S3_PORT}", aws_access_key_id=S3_KEY,
        aws_secret_access_key=S3_SECRET, region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            names = [b["Name"] for b in client.list_buckets().get("Buckets", [])]
            if BUCKET not in names:
                client.create_bucket(Bucket=BUCKET)
            return
        except Exception:  # noqa: BLE001 - the filer may need a moment after the port opens
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def start_localstripe() -> None:
    if _port_open(STRIPE_PORT):
        return
    _spawn("localstripe", [sys.executable, "-m", "scripts.localstripe_server", str(STRIPE_PORT)])
    _wait_http(f"http://127.0.0.1:{STRIPE_PORT}/v1/customers")


def env_lines() -> list[str]:
    return [
        "export EASEL_STORAGE=s3",
        f"export AWS_S3_ENDPOINT_URL=http://127.0.0.1:{S3_PORT}",
        f"export AWS_STORAGE_BUCKET_NAME={BUCKET}",
        f"export AWS_ACCESS_KEY_ID={S3_KEY}",
        f"export AWS_SECRET_ACCESS_KEY={S3_SECRET}",
        f"export STRIPE_API_BASE=http://127.0.0.1:{STRIPE_PORT}",
    ]


def up() -> None:
    STATE.mkdir(parents=True, exist_ok=True)
    os.environ["PYTHONPATH"] = str(ROOT)
    start_seaweedfs()
    ensure_bucket()
    if (ROOT / "scripts" / "localstripe_server.py").exists():
        start_localstripe()
    print("\n".join(env_lines()))


def down() -> None:
    for pidfile in STATE.glob("*.pid"):
        try:
            os.killpg(int(pidfile.read_text()), signal.SIGTERM)
        except (ProcessLookupError, ValueError, PermissionError):
            pass
        pidfile.unlink(missing_ok=True)


if __name__ == "__main__":
    {"up": up, "down": down}[sys.argv[1]]()
