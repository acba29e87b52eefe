"""Cross-request batching: a worker runs queued requests of one shape together, each finished on its own claim."""

import io
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from billing.services import get_balance
from generation import batching, services
from generation.models import GeneratedImage, Generation
from gpu_worker.errors import GenerationError
from gpu_worker.interface import GenerationResult
from gpu_worker.signature import apply_signature


def _png(colour, size=256) -> bytes:
    buf = io.BytesIO()
    apply_signature(Image.new("RGB", (size, size), colour)).save(buf, "PNG")
    return buf.getvalue()


def _colour(prompt: str, index: int) -> tuple[int, int, int]:
    return (sum(map(ord, prompt)) % 256, index * 40, 90)


class Recorder:
    """A stand-in model that records what ran together and paints each image from its own prompt."""

    def __init__(self, fail: Exception | None = None):
        self.batches: list[list[str]] = []
        self.singles: list[str] = []
        self.fail = fail
        self.progress_hook = None

    def single(self, request, progress=None):
        self.singles.append(request.prompt)
        return GenerationResult(images=[_png(_colour(request.prompt, i), request.size) for i in range(request.n)], model="m", seconds=0)

    def batch(self, requests, progress=None):
        self.batches.append([r.prompt for r in requests])
        if progress:
            progress("decoder", 1, 2)
            if self.progress_hook:
                self.progress_hook()
            progress("decoder", 2, 2)
        if self.fail:
            raise self.fail
        return [GenerationResult(images=[_png(_colour(r.prompt, i), r.size) for i in range(r.n)], model="m", seconds=0) for r in requests]


@pytest.fixture
def submit():
    def make(user, prompt, **kwargs):
        kwargs.setdefault("size", 256)
        kwargs.setdefault("n", 1)
        with mock.patch("generation.dispatch.enqueue"):
            return services.submit_generation(user, prompt=prompt, **kwargs)

    return make


@pytest.fixture(autouse=True)
def _batches_of_eight(settings):
    settings.GENERATION_BATCH_MAX_IMAGES = 8


def _status(generation):
    generation.refresh_from_db()
    return generation.status


def test_queued_requests_of_one_size_run_as_one_batch_and_each_gets_its_own_images(submit, alice, bob):
    first = submit(alice, "a red circle")
    second = submit(bob, "a blue square")
    third = submit(alice, "a green triangle", n=2)
    bigger = submit(bob, "a red circle", size=512)
    model = Recorder()

    with mock.patch("generation.dispatch.enqueue") as sent:
        assert batching.process_batch(first.pk, model.single, model.batch) == Generation.Status.SUCCEEDED

    assert model.batches == [["a red circle", "a blue square", "a green triangle"]]
    assert model.singles == []
    assert not sent.called
    for generation, n in ((first, 1), (second, 1), (third, 2)):
        assert _status(generation) == Generation.Status.SUCCEEDED
        images = list(generation.images.order_by("index"))
        assert len(images) == n
        with default_storage.open(images[0].storage_key, "rb") as f:
            assert Image.open(f).convert("RGB").getpixel((128, 128)) == _colour(generation.prompt, 0)
    assert _status(bigger) == Generation.Status.QUEUED
    # Each studio request paid once (1 credit): alice two, bob two.
    assert get_balance(alice) == 48 and get_balance(bob) == 48
    # The companions' own task messages arrive later and find nothing to do.
    assert batching.process_batch(second.pk, model.single, model.batch) == "skipped"
    assert model.batches == [["a red circle", "a blue square", "a green triangle"]]


def test_a_batch_never_holds_more_images_than_the_limit(submit, alice, settings):
    settings.GENERATION_BATCH_MAX_IMAGES = 5
    first = submit(alice, "one", n=4)
    too_big = submit(alice, "two", n=4)
    fits = submit(alice, "three", n=1)
    model = Recorder()

    batching.process_batch(first.pk, model.single, model.batch)

    assert model.batches == [["one", "three"]]
    assert _status(too_big) == Generation.Status.QUEUED
    assert _status(fits) == Generation.Status.SUCCEEDED


def test_edits_and_variations_never_join_a_batch(submit, alice):
    first = submit(alice, "a red circle")
    model = Recorder()
    other = submit(alice, "an edit")
    shape = lambda r: None if r.prompt == "an edit" else ("generate", r.size, ())  # noqa: E731 - what batch_key says of an edit
    with mock.patch.object(batching, "batch_key", side_effect=shape), mock.patch("generation.dispatch.enqueue") as sent:
        batching.process_batch(first.pk, model.single, model.batch)
    assert model.singles == ["a red circle"] and model.batches == []
    # It was looked at, found to be of another shape, and given back untouched.
    other.refresh_from_db()
    assert other.status == Generation.Status.QUEUED and other.attempts == 0
    sent.assert_called_once_with(other.pk)


def test_a_failed_batch_fails_and_refunds_every_request_in_it(submit, alice, bob):
    first = submit(alice, "a red circle")
    second = submit(bob, "a blue square")
    model = Recorder(fail=GenerationError("out of memory", permanent=False))

    assert batching.process_batch(first.pk, model.single, model.batch) == Generation.Status.FAILED

    assert _status(first) == _status(second) == Generation.Status.FAILED
    assert get_balance(alice) == get_balance(bob) == 50
    assert not GeneratedImage.objects.exists()


def test_a_companion_taken_over_mid_batch_is_not_finished_by_this_worker(submit, alice, bob):
    first = submit(alice, "a red circle")
    second = submit(bob, "a blue square")
    model = Recorder()
    # Another worker takes the companion over (its lease had run out): the token changes.
    model.progress_hook = lambda: Generation.objects.filter(pk=second.pk).update(claim_token="someone-else")

    batching.process_batch(first.pk, model.single, model.batch)

    assert _status(first) == Generation.Status.SUCCEEDED
    second.refresh_from_db()
    assert second.status == Generation.Status.RUNNING and second.claim_token == "someone-else"
    assert not second.images.exists()
    assert get_balance(bob) == 49  # still charged once, for the run that now owns it


def test_when_the_primary_loses_its_claim_the_companions_go_back_to_the_queue_with_their_attempt(submit, alice, bob):
    first = submit(alice, "a red circle")
    second = submit(bob, "a blue square")
    model = Recorder()
    model.progress_hook = lambda: Generation.objects.filter(pk=first.pk).update(claim_token="someone-else")

    with mock.patch("generation.dispatch.enqueue") as sent:
        assert batching.process_batch(first.pk, model.single, model.batch) == "skipped"

    second.refresh_from_db()
    assert second.status == Generation.Status.QUEUED and second.attempts == 0 and second.claim_token == ""
    sent.assert_called_once_with(second.pk)
    assert get_balance(bob) == 49


def test_with_batching_off_each_request_runs_alone(submit, alice, settings):
    settings.GENERATION_BATCH_MAX_IMAGES = 0
    first = submit(alice, "a red circle")
    second = submit(alice, "a blue square")
    model = Recorder()

    batching.process_batch(first.pk, model.single, model.batch)

    assert model.singles == ["a red circle"] and model.batches == []
    assert _status(second) == Generation.Status.QUEUED


def test_the_real_engine_batches_two_users_requests(submit, alice, bob):
    from gpu_worker.engine import Engine, EngineConfig

    engine = Engine.from_config(EngineConfig(preset="tiny-random", device="cpu", precision="fp32"))
    first = submit(alice, "a red circle")
    second = submit(bob, "a blue square", n=2)

    status = batching.process_batch(first.pk, engine.generate, engine.generate_batch)

    assert status == Generation.Status.SUCCEEDED
    assert _status(second) == Generation.Status.SUCCEEDED
    assert first.images.count() == 1 and second.images.count() == 2
