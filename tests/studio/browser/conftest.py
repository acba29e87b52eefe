"""Playwright fixtures for the studio: Debian's Chromium, a live server, tasks in a thread.

Generations run in a background thread of the test process (as `make run`
does), so the pages really poll while the tiny model works. Screenshots go
to docs/screenshots/studio-*.png.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from django.core import mail

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(autouse=True)
def _tasks_in_a_thread(settings, monkeypatch):
    from webapp.celery import app as celery_app

    monkeypatch.setenv("EASEL_MODEL_PRESET", os.environ.get("EASEL_MODEL_PRESET", "tiny-random"))
    settings.EASEL_TASKS_INPROCESS = True
    celery_app.conf.task_always_eager = False
    yield
    wait_for_generations()


def wait_for_generations(timeout: float = 120) -> None:
    """Let the worker thread finish before the database is flushed under it."""
    from generation.models import Generation

    deadline = time.monotonic() + timeout
    while Generation.objects.filter(status__in=["queued", "running"]).exists():
        if time.monotonic() > deadline:
            raise AssertionError("generations did not finish")
        time.sleep(0.2)


@pytest.fixture
def desktop(chromium):  # noqa: F811
    context = chromium.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


@pytest.fixture
def phone(chromium):  # noqa: F811
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def shot(page, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"studio-{name}.png"), full_page=full_page)


def sign_up(page, base: str, email: str = "alice@example.com") -> None:
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("#signup-form button[type=submit]")
    page.wait_for_url("**/accounts/verify/sent/")
    link = re.search(r"https?://\S+?(/accounts/verify/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(base + link)
    page.wait_for_url("**/studio/")


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username], input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/studio/")


def images_loaded(page, selector: str, count: int, timeout: float = 120_000) -> None:
    page.wait_for_function(
        """([sel, n]) => { const imgs = Array.from(document.querySelectorAll(sel));
            return imgs.length >= n && imgs.every(i => i.complete && i.naturalWidth > 0); }""",
        arg=[selector, count], timeout=timeout,
    )


def assert_no_horizontal_overflow(page) -> None:
    """Nothing sticks out sideways: the page is no wider than the window."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the window"
