"""`make run`'s server on the embedded defaults: SQLite, local files, in-process tasks.

Starts `scripts/run.sh` (what `make run` runs after installing) in a fresh
data directory, signs up in Chromium, verifies through the e-mail file it
wrote, and gets four watermarked images — no PostgreSQL, Redis or S3 involved.
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from gpu_worker.signature import has_signature
from tests.e2e.conftest import ROOT, SCREENSHOTS

pytestmark = pytest.mark.e2e

EXTERNAL = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "EASEL_STORAGE", "AWS_S3_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_STORAGE_BUCKET_NAME", "EASEL_TASKS_INPROCESS",
            "DJANGO_SETTINGS_MODULE", "SITE_URL")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(data_dir: Path, port: int) -> tuple[subprocess.Popen, Path]:
    env = {k: v for k, v in os.environ.items() if k not in EXTERNAL}
    env.update(EASEL_DATA_DIR=str(data_dir), PORT=str(port), EASEL_MODEL_PRESET="tiny-random")
    log = data_dir.parent / f"run-{port}.log"
    proc = subprocess.Popen(
        [str(ROOT / "scripts" / "run.sh")], env=env, cwd=ROOT, stdout=open(log, "wb"),
        stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"scripts/run.sh exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc, log
        except OSError:
            time.sleep(0.5)
    _stop(proc)
    pytest.fail(f"the server did not answer in time:\n{log.read_text()}")


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def test_make_run_serves_sign_up_to_four_images_on_the_embedded_defaults(tmp_path, page):
    data_dir = tmp_path / "var"
    port = _free_port()
    proc, log = _start(data_dir, port)
    base = f"http://127.0.0.1:{port}"
    try:
        first_output = log.read_text()
        assert "First admin account created" in first_output
        assert re.search(r"password: \S{12,}", first_output)
        assert (data_dir / "easel.sqlite3").exists()

        page.goto(f"{base}/accounts/signup/")
        page.fill("input[name=email]", "alice@example.com")
        page.fill("input[name=password]", "correct horse battery")
        page.click("#signup-form button[type=submit]")
        page.wait_for_url("**/accounts/verify/sent/")

        mails = sorted((data_dir / "mail").glob("*.log"))
        assert mails, "the verification e-mail was not written"
        link = re.search(r"(/accounts/verify/\S+/)", mails[-1].read_text()).group(1)
        page.goto(base + link)
        page.wait_for_url("**/studio/")

        page.fill("textarea[name=prompt]", "two green squares on a white background")
        page.select_option("select[name=size]", "256")
        page.click("#generate-button")
        page.wait_for_url("**/g/*/")
        page.wait_for_function("document.querySelectorAll('.tile.ready img').length === 4", timeout=180_000)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "make-run-four-images.png"), full_page=True)

        src = page.get_attribute(".tile.ready img", "src")
        with urllib.request.urlopen(base + src if src.startswith("/") else src, timeout=10) as r:
            image = Image.open(io.BytesIO(r.read()))
        assert image.size == (256, 256)
        assert has_signature(image)
        assert list((data_dir / "media" / "images").rglob("*.png"))
    finally:
        _stop(proc)

    # A second start reuses the data directory and creates no second admin.
    proc, log = _start(data_dir, port)
    try:
        assert "First admin account created" not in log.read_text()
    finally:
        _stop(proc)
