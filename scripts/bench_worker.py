"""A stand-in GPU worker for scripts/bench_api.py — for the benchmark only.

It consumes the `gpu` queue like the real worker but returns stored PNGs at
once (no model, no output check), so that what the benchmark measures is the
API and its plumbing. A generation of the account HOLD_EMAIL is parked: its
id goes to a Redis list and the benchmark finishes it later, which is how it
keeps hundreds of API calls waiting at once.

    celery -A scripts.bench_worker worker -Q gpu -c 4 --pool=threads
"""

from __future__ import annotations

import io
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
django.setup()

from celery import Celery  # noqa: E402
from django.conf import settings  # noqa: E402
from PIL import Image  # noqa: E402

from generation import services  # noqa: E402
from generation.models import Generation  # noqa: E402
from gpu_worker.interface import GenerationResult  # noqa: E402
from gpu_worker.signature import apply_signature  # noqa: E402
from moderation.services import Verdict  # noqa: E402
from scripts.bench_api import HOLD_EMAIL  # noqa: E402

HELD_LIST = "easel:bench:held"

app = Celery("easel-bench")
app.config_from_object("django.conf:settings", namespace="CELERY")

_pngs: dict[int, bytes] = {}


def stored_png(size: int) -> bytes:
    if size not in _pngs:
        buf = io.BytesIO()
        apply_signature(Image.new("RGB", (size, size), (90, 140, 200))).save(buf, "PNG")
        _pngs[size] = buf.getvalue()
    return _pngs[size]


def stub_runner(request, progress=None) -> GenerationResult:
    return GenerationResult(
        images=[stored_png(request.size)] * request.n, model="bench-stub", seconds=0.0
    )


def without_output_check() -> None:
    # The output nudity check is model-side work too (~50 ms an image); take it out with the model.
    services.moderation.check_output = lambda png: Verdict(True)


without_output_check()


@app.task(name="generation.tasks.run_generation", acks_late=True, ignore_result=True)
def run_generation(generation_id: int) -> str:
    owner = (
        Generation.objects.filter(pk=generation_id).values_list("owner__email", flat=True).first()
    )
    if owner == HOLD_EMAIL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL).rpush(HELD_LIST, generation_id)
        return "held"
    return services.process_generation(generation_id, stub_runner)
