"""Anyone shown an image can report it; the report is a flag for review."""

from unittest import mock

import pytest
from django.urls import reverse

from moderation.models import Flag

pytestmark = pytest.mark.django_db


@pytest.fixture
def image(alice):
    from generation import services
    from generation.models import GeneratedImage

    with mock.patch("generation.dispatch.enqueue"):
        gen = services.submit_generation(alice, prompt="a sunny beach", size=256)
    # Shared by link: what lets people other than alice see it, and so report it.
    return GeneratedImage.objects.create(
        generation=gen, index=0, storage_key="k", width=256, height=256, sha256="x", share_token="shared-link"
    )


def test_a_signed_in_user_reports_an_image(client, bob, image):
    client.force_login(bob)
    url = reverse("moderation:report", args=[image.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {"category": "violence", "reason": "looks like gore to me"})
    assert response.status_code == 201
    flag = Flag.objects.get()
    assert (flag.target, flag.kind, flag.category) == ("report", "report", "violence")
    assert (flag.user, flag.reporter, flag.image) == (image.generation.owner, bob, image)
    assert flag.text == "looks like gore to me"
    assert not flag.counts_as_strike


def test_a_visitor_with_a_shared_link_can_report(client, image):
    response = client.post(reverse("moderation:report", args=[image.public_id]), {"category": "other"})
    assert response.status_code == 201
    assert Flag.objects.get().reporter is None


def test_reporting_twice_makes_one_flag(client, bob, image):
    client.force_login(bob)
    url = reverse("moderation:report", args=[image.public_id])
    client.post(url, {"category": "hate"})
    client.post(url, {"category": "hate"})
    assert Flag.objects.count() == 1


def test_an_invalid_report_is_400(client, image):
    response = client.post(reverse("moderation:report", args=[image.public_id]), {"category": "nonsense"})
    assert response.status_code == 400
    assert not Flag.objects.exists()


def test_an_unknown_or_hidden_image_is_404(client, image):
    import uuid

    assert client.get(reverse("moderation:report", args=[uuid.uuid4()])).status_code == 404
    image.hidden = True
    image.save()
    assert client.get(reverse("moderation:report", args=[image.public_id])).status_code == 404


def test_report_takes_only_get_and_post(client, image):
    assert client.put(reverse("moderation:report", args=[image.public_id])).status_code == 405


def test_rejecting_a_report_hides_the_image(image, moderator):
    from moderation.services import report_image, review_flag

    flag = report_image(image, reason="nsfw", category="sexual")
    review_flag(flag, actor=moderator, action="reject", reason="confirmed")
    image.refresh_from_db()
    assert image.hidden


def test_nobody_but_the_owner_can_report_an_image_that_is_not_shared(client, alice, bob, image):
    from generation.models import Collection

    image.share_token = None
    image.save(update_fields=["share_token"])
    url = reverse("moderation:report", args=[image.public_id])
    client.force_login(bob)
    assert client.get(url).status_code == 404
    assert client.post(url, {"category": "violence"}).status_code == 404
    client.logout()
    assert client.post(url, {"category": "violence"}).status_code == 404
    assert not Flag.objects.exists()
    # In a public collection, its visitors may.
    collection = Collection.objects.create(owner=alice, title="Public", is_public=True)
    collection.images.add(image)
    assert client.post(url, {"category": "violence"}).status_code == 201
    client.force_login(alice)
    collection.delete()
    assert client.get(url).status_code == 200
