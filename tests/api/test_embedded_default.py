"""On the embedded defaults (no Redis, tasks in a thread of the web process, local files) the API
waits by polling the database, and its URLs are signed by Easel and fetchable without a key."""

import pytest
import requests

from generation.models import Generation
from webapp.celery import app as celery_app


@pytest.fixture
def embedded(settings, fake_model, tmp_path):
    settings.REDIS_URL = ""
    settings.EASEL_TASKS_INPROCESS = True
    settings.EASEL_STORAGE = "local"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(tmp_path), "base_url": "/media/"}},
    }
    celery_app.conf.task_always_eager = False


def test_generate_edit_and_vary_on_the_embedded_default(live, alice, alice_key, embedded):
    from openai import OpenAI

    from tests.api.conftest import png

    client = OpenAI(api_key=alice_key, base_url=f"{live}/v1", max_retries=0, timeout=60)
    result = client.images.generate(prompt="a red cube", n=2, size="256x256")
    for item in result.data:
        assert item.url.startswith(f"{live}/media/s/")
        fetched = requests.get(item.url, timeout=10)  # no Authorization header
        assert fetched.status_code == 200 and fetched.content.startswith(b"\x89PNG")
    assert requests.get(result.data[0].url[:-4] + "AAAA", timeout=10).status_code == 404

    client.images.edit(image=("a.png", png(transparent_box=(8, 8, 40, 40)), "image/png"), prompt="a blue cube")
    client.images.create_variation(image=("a.png", png(), "image/png"))
    assert set(Generation.objects.values_list("status", flat=True)) == {Generation.Status.SUCCEEDED}
