"""A user pays only for requests that return images: failures and refusals refund, exactly once."""

import io
import threading
from unittest import mock

import pytest
from django.db import connection
from PIL import Image

from billing import services as billing
from billing.models import LedgerEntry
from generation import services
from generation.models import Generation
from gpu_worker.errors import GenerationError
from gpu_worker.interface import GenerationResult
from moderation.services import Verdict
from tests.conftest import make_user


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (10, 200, 30)).save(buf, "PNG")
    return buf.getvalue()


def _broken(request, progress=None):
    raise GenerationError("CUDA out of memory", permanent=False)


def _submit(user) -> Generation:
    with mock.patch("generation.dispatch.enqueue"):
        return services.submit_generation(user, prompt="a red circle", size=256)


def _refunds(generation) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(generation=generation, kind=LedgerEntry.Kind.REFUND))


@pytest.mark.django_db
def test_a_generation_that_fails_in_the_worker_refunds_its_credit(alice):
    generation = _submit(alice)
    assert billing.get_balance(alice) == 49
    services.process_generation(generation.pk, _broken)
    assert billing.get_balance(alice) == 50
    [refund] = _refunds(generation)
    assert refund.amount == 1 and refund.reason == "Refund: worker_failed"


@pytest.mark.django_db
def test_a_retried_task_and_a_second_failure_report_refund_nothing_more(alice):
    generation = _submit(alice)
    services.process_generation(generation.pk, _broken)
    # The broker redelivers the task; the worker reports the failure again; the reaper runs.
    assert services.process_generation(generation.pk, _broken) == "skipped"
    services.fail_generation(generation, "worker_failed")
    assert billing.refund_generation(generation, reason="Refund: worker_failed") == 0
    assert len(_refunds(generation)) == 1
    assert billing.get_balance(alice) == 50


@pytest.mark.django_db
def test_a_result_refused_by_moderation_refunds(alice):
    generation = _submit(alice)
    refused = Verdict(False, category="sexual")
    with mock.patch("moderation.services.check_output", return_value=refused):
        status = services.process_generation(
            generation.pk, lambda request, progress=None: GenerationResult(images=[_png()] * 4, model="m", seconds=0.1)
        )
    assert status == Generation.Status.FAILED
    assert billing.get_balance(alice) == 50
    [refund] = _refunds(generation)
    assert refund.reason == "Refund: content_policy"


@pytest.mark.django_db
def test_a_generation_that_returns_images_stays_paid(alice):
    generation = _submit(alice)
    services.process_generation(
        generation.pk, lambda request, progress=None: GenerationResult(images=[_png()] * 4, model="m", seconds=0.1)
    )
    assert Generation.objects.get(pk=generation.pk).status == Generation.Status.SUCCEEDED
    assert billing.get_balance(alice) == 49
    assert not _refunds(generation)


@pytest.mark.django_db(transaction=True)
def test_a_failure_reported_ten_times_at_once_refunds_once():
    alice = make_user("alice@example.com")
    generation = _submit(alice)
    Generation.objects.filter(pk=generation.pk).update(status=Generation.Status.RUNNING)
    barrier = threading.Barrier(10)

    def report(i):
        try:
            barrier.wait()
            if i % 2:
                services.fail_generation(Generation.objects.get(pk=generation.pk), "worker_failed")
            else:
                billing.refund_generation(generation, reason="Refund: worker_failed")
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(_refunds(generation)) == 1
    assert billing.get_balance(alice) == 50
