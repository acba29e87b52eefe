"""Fixtures for the Images API: keys, PNGs, a real ASGI server, and the OpenAI client."""

from __future__ import annotations

import functools
import io
import socket
import threading
import time

import pytest
from PIL import Image

from accounts.services import create_api_key
from gpu_worker.interface import GenerationResult
from gpu_worker.signature import apply_signature
from tests.conftest import make_user


@pytest.fixture
def alice_key(alice) -> str:
    return create_api_key(alice, name="alice's app")[1]


@pytest.fixture
def bob_key(bob) -> str:
    return create_api_key(bob, name="bob's app")[1]


@pytest.fixture
def auth(alice_key) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {alice_key}"}


def png(size=(64, 64), *, mode="RGBA", transparent_box=None, colour=(30, 120, 200, 255)) -> bytes:
    """A PNG; `transparent_box` (l, t, r, b) is made fully transparent."""
    im = Image.new("RGBA", size, colour)
    if transparent_box:
        im.paste((0, 0, 0, 0), transparent_box)
    if mode != "RGBA":
        im = im.convert(mode)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def upload(data: bytes, name="image.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")


@functools.lru_cache(maxsize=4)
def _fake_png(size: int) -> bytes:
    buf = io.BytesIO()
    apply_signature(Image.new("RGB", (size, size), (200, 40, 40))).save(buf, "PNG")
    return buf.getvalue()


def fake_runner(request, progress=None):
    """Stands in for the model in tests that are about the API, not the pictures."""
    return GenerationResult(images=[_fake_png(request.size)] * request.n, model="fake-model", seconds=0.0)


@pytest.fixture
def fake_model(monkeypatch):
    """Eager tasks (tests/conftest.py) run this instead of the model."""
    monkeypatch.setattr("generation.tasks._run_model", fake_runner)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _ServerThread(threading.Thread):
    def __init__(self):
        import uvicorn

        from webapp.asgi import application

        super().__init__(daemon=True, name="api-test-server")
        self.port = _free_port()
        config = uvicorn.Config(
            application, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
            loop="asyncio", http="h11",
        )
        self.server = uvicorn.Server(config)

    def run(self):
        self.server.run()

    def start_and_wait(self):
        self.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.is_alive():
                raise RuntimeError("the test ASGI server did not start")
            time.sleep(0.02)

    def stop(self):
        from generation.api.threads import close_pool_connections

        self.server.should_exit = True
        self.join(timeout=10)
        close_pool_connections()


@pytest.fixture(scope="session")
def asgi_server(django_db_setup):
    """Easel under uvicorn, in a thread of this process, on a free loopback port.

    Being in this process, it sees the test database and every `settings` override.
    """
    server = _ServerThread()
    server.start_and_wait()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


@pytest.fixture
def live(asgi_server, transactional_db):
    """The server's base URL, for tests whose data it must see (committed, not in a test transaction)."""
    return asgi_server


@pytest.fixture
def carol(transactional_db):
    return make_user("carol@example.com")


@pytest.fixture
def openai_client(live, alice_key):
    from openai import OpenAI

    client = OpenAI(api_key=alice_key, base_url=f"{live}/v1", max_retries=0, timeout=120)
    yield client
    client.close()


@pytest.fixture
def gpu_worker(real_worker, settings):  # noqa: F811 - the imported fixture
    """The real Celery worker (tests/e2e/conftest.py), sharing storage with this process.

    With local storage the autouse fixture gives each test a private media
    directory; the worker process writes to MEDIA_ROOT, so point this one there too.
    """
    if settings.EASEL_STORAGE == "local":
        storages = dict(settings.STORAGES)
        storages["default"] = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(settings.MEDIA_ROOT), "base_url": "/media/"},
        }
        settings.STORAGES = storages
    return real_worker
