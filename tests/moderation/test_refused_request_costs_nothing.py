"""A refused request spends no credit and runs no GPU task; the refusal is kept as a flag."""

from unittest import mock

import pytest

from billing.services import get_balance
from generation import services
from generation.models import Generation
from moderation.models import Flag

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("prompt", ["a nude woman on a bed", "Joe Biden on a beach", "a man cooking meth"])
def test_a_refused_prompt_spends_no_credit_and_queues_nothing(alice, prompt):
    with mock.patch("generation.dispatch.enqueue") as enqueue, mock.patch("gpu_worker.interface.generate") as gpu:
        with pytest.raises(services.SubmitError) as e:
            services.submit_generation(alice, prompt=prompt, size=256)
    assert e.value.code == "content_policy"
    assert "content policy" in e.value.message
    enqueue.assert_not_called()
    gpu.assert_not_called()
    assert get_balance(alice) == 50
    assert not Generation.objects.exists()
    flag = Flag.objects.get(user=alice)
    assert (flag.target, flag.kind, flag.text) == ("prompt", "refusal", prompt)
    assert flag.counts_as_strike


def test_an_allowed_prompt_is_charged_and_queued(alice):
    with mock.patch("generation.dispatch.enqueue"):
        services.submit_generation(alice, prompt="an otter in a top hat", size=256)
    assert get_balance(alice) == 49
    assert not Flag.objects.exists()
