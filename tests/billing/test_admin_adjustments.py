"""Staff look at any user's ledger and grant or take back credits, each an admin-adjustment row with a reason."""

import pytest
from django.urls import reverse

from billing import services
from billing.models import LedgerEntry

pytestmark = pytest.mark.django_db


def _url(user):
    return reverse("billing:admin_ledger", args=[user.pk])


def test_staff_see_any_users_ledger(client, admin_user, alice):
    client.force_login(admin_user)
    response = client.get(_url(alice))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ledger of alice@example.com" in body and "Free credits for the first month" in body


def test_staff_find_an_account_by_email(client, admin_user, alice, bob):
    client.force_login(admin_user)
    response = client.get(reverse("billing:admin_accounts"), {"q": "alice"})
    assert _url(alice) in response.content.decode()
    assert _url(bob) not in response.content.decode()


def test_a_grant_is_an_admin_adjustment_row_with_the_reason_and_the_actor(client, admin_user, alice):
    client.force_login(admin_user)
    response = client.post(_url(alice), {"amount": "12", "reason": "Sorry about the outage", "token": "t1"})
    assert response.status_code == 302
    entry = LedgerEntry.objects.get(user=alice, kind=LedgerEntry.Kind.ADJUSTMENT)
    assert (entry.amount, entry.reason, entry.actor) == (12, "Sorry about the outage", admin_user)
    assert services.get_balance(alice) == 62
    # The same form submitted twice records it once.
    client.post(_url(alice), {"amount": "12", "reason": "Sorry about the outage", "token": "t1"})
    assert services.get_balance(alice) == 62


def test_a_take_back_draws_on_the_lots_and_cannot_exceed_the_balance(client, admin_user, alice):
    client.force_login(admin_user)
    assert client.post(_url(alice), {"amount": "-20", "reason": "Duplicate grant", "token": "t2"}).status_code == 302
    assert services.get_balance(alice) == 30
    response = client.post(_url(alice), {"amount": "-31", "reason": "Too much", "token": "t3"})
    assert response.status_code == 400
    assert services.error_messages["adjustment_exceeds_balance"] in response.content.decode()
    assert services.get_balance(alice) == 30


def test_a_negative_grant_without_a_reason_is_refused_and_writes_nothing(client, admin_user, alice):
    client.force_login(admin_user)
    before = LedgerEntry.objects.count()
    response = client.post(_url(alice), {"amount": "-5", "reason": "", "token": "t4"})
    assert response.status_code == 400
    assert "A reason is required." in response.content.decode()
    with pytest.raises(services.BillingError) as e:
        services.adjust_credits(alice, -5, reason="   ", actor=admin_user)
    assert e.value.code == "reason_required"
    with pytest.raises(services.BillingError) as e:
        services.adjust_credits(alice, 0, reason="nothing", actor=admin_user)
    assert e.value.code == "invalid_amount"
    assert LedgerEntry.objects.count() == before


def test_other_users_are_sent_to_the_staff_sign_in_and_change_nothing(client, alice, bob):
    client.force_login(bob)
    for response in (client.get(_url(alice)), client.post(_url(alice), {"amount": "500", "reason": "me", "token": "x"})):
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert services.get_balance(bob) == 50


def test_an_unknown_account_is_a_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("billing:admin_ledger", args=[999999])).status_code == 404


def test_the_refund_action_only_accepts_post(client, admin_user, alice):
    client.force_login(admin_user)
    url = reverse("billing:admin_refund_payment", args=[alice.pk, "00000000-0000-0000-0000-000000000000"])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 404
