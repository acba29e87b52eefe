"""Running a generation: claim, generate, store, finish — and every way it can fail."""

import io
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from billing.services import get_balance
from generation import services
from generation.models import GeneratedImage, Generation
from gpu_worker.errors import GenerationError
from gpu_worker.interface import GenerationResult
from gpu_worker.signature import apply_signature, has_signature


def _png(colour=(200, 30, 30), size=256) -> bytes:
    buf = io.BytesIO()
    apply_signature(Image.new("RGB", (size, size), colour)).save(buf, "PNG")
    return buf.getvalue()


def _fake_runner(n_images=4, size=256):
    def run(request, progress=None):
        if progress:
            progress("decoder", 1, 2)
        return GenerationResult(images=[_png(size=size) for _ in range(n_images)], model="test-model", seconds=0.01)

    return run


@pytest.fixture
def queued(alice):
    with mock.patch("generation.dispatch.enqueue"):
        return services.submit_generation(alice, prompt="a red circle", size=256)


def test_every_stored_image_carries_a_signed_provenance_record(queued):
    from generation.lib.provenance import verify_png

    services.process_generation(queued.pk, _fake_runner())
    image = queued.images.get(index=0)
    with default_storage.open(image.storage_key, "rb") as f:
        result = verify_png(f.read())
    assert result.valid, result.reasons
    assert result.record["generation"] == str(queued.public_id)
    assert result.record["model"] == "test-model"
    assert result.record["derived_from_input"] is False


def test_it_stores_four_images_and_succeeds(queued, alice):
    status = services.process_generation(queued.pk, _fake_runner())
    queued.refresh_from_db()
    assert status == queued.status == Generation.Status.SUCCEEDED
    assert queued.model_name == "test-model"
    images = list(queued.images.order_by("index"))
    assert [im.index for im in images] == [0, 1, 2, 3]
    for im in images:
        assert default_storage.exists(im.storage_key)
        with default_storage.open(im.storage_key, "rb") as f:
            assert has_signature(Image.open(f))
    assert get_balance(alice) == 49


def test_a_worker_error_fails_the_request_and_refunds_it(queued, alice):
    def broken(request, progress=None):
        raise GenerationError("out of memory", permanent=False)

    assert services.process_generation(queued.pk, broken) == Generation.Status.FAILED
    queued.refresh_from_db()
    assert queued.status == Generation.Status.FAILED
    assert "refunded" in queued.failure_reason
    assert get_balance(alice) == 50
    assert not GeneratedImage.objects.exists()


def test_a_worker_crash_fails_the_request_and_refunds_it(queued, alice):
    def crash(request, progress=None):
        raise RuntimeError("segfault-ish")

    services.process_generation(queued.pk, crash)
    queued.refresh_from_db()
    assert queued.status == Generation.Status.FAILED
    assert get_balance(alice) == 50


def test_a_second_delivery_of_the_same_task_does_nothing(queued, alice):
    services.process_generation(queued.pk, _fake_runner())
    runner = mock.Mock()
    assert services.process_generation(queued.pk, runner) == "skipped"
    runner.assert_not_called()
    assert GeneratedImage.objects.filter(generation=queued).count() == 4


def test_a_task_for_a_deleted_generation_is_a_no_op(alice):
    # The ledger protects charged generations from deletion, so this one was never charged.
    generation = Generation.objects.create(owner=alice, prompt="a red circle", size=256, seed=1, credits_cost=0)
    pk = generation.pk
    generation.delete()
    runner = mock.Mock()
    assert services.process_generation(pk, runner) == "skipped"
    runner.assert_not_called()


def test_storage_that_is_down_fails_the_request_refunds_it_and_leaves_no_file(queued, alice):
    saved = []
    real_save = default_storage.save

    def flaky_save(name, content, *a, **kw):
        if len(saved) == 2:
            raise ConnectionError("storage is down")
        key = real_save(name, content, *a, **kw)
        saved.append(key)
        return key

    with mock.patch.object(default_storage, "save", side_effect=flaky_save):
        status = services.process_generation(queued.pk, _fake_runner())
    queued.refresh_from_db()
    assert status == Generation.Status.FAILED
    assert "could not store" in queued.failure_reason
    assert get_balance(alice) == 50
    assert saved and not any(default_storage.exists(key) for key in saved)
    assert not GeneratedImage.objects.exists()


def test_failing_twice_refunds_once(queued, alice):
    services.fail_generation(queued, "worker_failed")
    services.fail_generation(queued, "worker_failed")
    assert get_balance(alice) == 50


def test_progress_is_recorded_while_it_runs(queued):
    seen = {}

    def run(request, progress=None):
        progress("decoder", 3, 10)
        seen.update(Generation.objects.filter(pk=queued.pk).values("progress_stage", "progress_step", "progress_total").get())
        return _fake_runner()(request)

    services.process_generation(queued.pk, run)
    assert seen == {"progress_stage": "decoder", "progress_step": 3, "progress_total": 10}


def test_the_reaper_fails_and_refunds_a_generation_stuck_running(queued, alice, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.GENERATION_TIMEOUT_S = 60
    Generation.objects.filter(pk=queued.pk).update(
        status=Generation.Status.RUNNING, started_at=timezone.now() - timedelta(seconds=61)
    )
    assert services.reap_stale_generations() == 1
    queued.refresh_from_db()
    assert queued.status == Generation.Status.FAILED
    assert "too long" in queued.failure_reason
    assert get_balance(alice) == 50
    assert services.reap_stale_generations() == 0


def test_the_reaper_leaves_a_generation_that_is_still_within_its_time(queued, settings):

    from django.utils import timezone

    settings.GENERATION_TIMEOUT_S = 60
    Generation.objects.filter(pk=queued.pk).update(status=Generation.Status.RUNNING, started_at=timezone.now())
    assert services.reap_stale_generations() == 0


def test_each_model_stage_records_how_long_it_took(queued):
    import time

    from generation.models import GenerationStage

    def staged(request, progress=None):
        for stage in ("prior", "decoder", "super_res_256"):
            for step in (1, 2):
                progress(stage, step, 2)
                time.sleep(0.02)
        return _fake_runner()(request)

    assert services.process_generation(queued.pk, staged) == Generation.Status.SUCCEEDED
    times = {row.stage: row.seconds for row in GenerationStage.objects.filter(generation=queued)}
    assert set(times) == {"prior", "decoder", "super_res_256"}
    assert all(0.03 <= seconds < 30 for seconds in times.values()), times


def test_a_failed_run_records_no_stage_times(queued):
    from generation.models import GenerationStage

    def broken(request, progress=None):
        progress("prior", 1, 2)
        raise GenerationError("out of memory", permanent=False)

    services.process_generation(queued.pk, broken)
    assert not GenerationStage.objects.exists()
