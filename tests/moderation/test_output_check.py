"""Every generated image is checked for nudity before anyone sees it."""

from unittest import mock

import pytest

from billing.services import get_balance
from generation import services
from generation.models import Generation
from gpu_worker.interface import GenerationResult
from moderation.models import Flag
from moderation.services import check_output
from tests.moderation.conftest import fake_nudity, skin_png


def _runner(pngs):
    def run(request, progress=None):
        return GenerationResult(images=list(pngs), model="test-model", seconds=0.01)

    return run


@pytest.fixture
def queued(alice):
    with mock.patch("generation.dispatch.enqueue"):
        return services.submit_generation(alice, prompt="a sunny beach", size=256)


def test_a_clean_output_is_allowed(coffee_png):
    assert check_output(coffee_png).allowed


def test_a_nude_output_is_refused():
    with mock.patch("moderation.lib.images._nudenet_detect", fake_nudity(0.9)):
        verdict = check_output(skin_png())
    assert verdict.category == "nudity"


@pytest.mark.django_db
def test_a_nude_image_is_hidden_and_flagged_and_the_rest_shown(queued, alice):
    calls = iter([fake_nudity(0.9), lambda rgb: [], lambda rgb: [], lambda rgb: []])

    with mock.patch("moderation.lib.images._nudenet_detect", side_effect=lambda rgb: next(calls)(rgb)):
        status = services.process_generation(queued.pk, _runner([skin_png()] * 4))
    assert status == Generation.Status.SUCCEEDED
    hidden = list(queued.images.filter(hidden=True))
    assert [im.index for im in hidden] == [0]
    assert queued.visible_images().count() == 3
    flag = Flag.objects.get(generation=queued)
    assert (flag.target, flag.category, flag.image_id) == ("output", "nudity", hidden[0].pk)
    assert not flag.counts_as_strike
    assert get_balance(alice) == 49


@pytest.mark.django_db
def test_when_every_image_is_refused_the_request_fails_and_is_refunded(queued, alice):
    with mock.patch("moderation.lib.images._nudenet_detect", fake_nudity(0.9)):
        status = services.process_generation(queued.pk, _runner([skin_png()] * 4))
    queued.refresh_from_db()
    assert status == queued.status == Generation.Status.FAILED
    assert get_balance(alice) == 50
    assert Flag.objects.filter(generation=queued, target="output").count() == 4


@pytest.mark.django_db
def test_a_borderline_output_is_shown_and_flagged_for_review(queued, alice):
    with mock.patch("moderation.lib.images._nudenet_detect", fake_nudity(0.3)):
        services.process_generation(queued.pk, _runner([skin_png()] * 4))
    assert queued.visible_images().count() == 4
    flags = Flag.objects.filter(generation=queued)
    assert flags.count() == 4
    assert {f.kind for f in flags} == {"borderline"}


@pytest.mark.django_db
def test_approving_a_flagged_output_releases_it(queued, alice, moderator):
    from moderation.services import review_flag

    calls = iter([fake_nudity(0.9)] + [lambda rgb: []] * 3)
    with mock.patch("moderation.lib.images._nudenet_detect", side_effect=lambda rgb: next(calls)(rgb)):
        services.process_generation(queued.pk, _runner([skin_png()] * 4))
    flag = Flag.objects.get(generation=queued)
    review_flag(flag, actor=moderator, action="approve", reason="a peach, not skin")
    assert queued.visible_images().count() == 4
