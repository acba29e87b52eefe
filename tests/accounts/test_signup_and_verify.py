import re

from django.core import mail
from django.urls import reverse

from accounts.models import User
from billing.services import get_balance


def test_a_new_user_signs_up_verifies_and_gets_fifty_credits(client, db):
    response = client.post(
        reverse("accounts:signup"), {"email": "Alice@Example.com", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="alice@example.com")
    assert not user.is_verified
    assert get_balance(user) == 0

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/verify/\S+/", mail.outbox[0].body).group(0)
    response = client.get(link.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_verified
    assert get_balance(user) == 50


def test_verifying_twice_grants_once(client, db):
    from accounts.services import make_verification_token, sign_up

    user = sign_up("carol@example.com", "correct horse battery")
    token = make_verification_token(user)
    client.get(reverse("accounts:verify", args=[token]))
    client.get(reverse("accounts:verify", args=[token]))
    assert get_balance(user) == 50


def test_a_tampered_verification_link_is_refused(client, db):
    from accounts.services import make_verification_token, sign_up

    user = sign_up("dave@example.com", "correct horse battery")
    response = client.get(reverse("accounts:verify", args=[make_verification_token(user) + "x"]))
    assert response.status_code == 400
    user.refresh_from_db()
    assert not user.is_verified


def test_signing_up_twice_with_one_address_is_refused(client, alice):
    response = client.post(reverse("accounts:signup"), {"email": "ALICE@example.com", "password": "correct horse battery"})
    assert response.status_code == 200
    assert b"already exists" in response.content


def test_a_weak_password_is_refused(client, db):
    response = client.post(reverse("accounts:signup"), {"email": "eve@example.com", "password": "123"})
    assert response.status_code == 200
    assert not User.objects.filter(email="eve@example.com").exists()


def test_sign_in_with_email_and_password(client, alice):
    response = client.post(reverse("accounts:login"), {"username": "alice@example.com", "password": "correct horse battery"})
    assert response.status_code == 302
    assert client.get(reverse("generation:studio")).status_code == 200


def test_sign_out_needs_post(client, alice):
    client.force_login(alice)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("generation:studio")).status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(client, alice):
    client.post(reverse("accounts:password_reset"), {"email": "alice@example.com"})
    assert len(mail.outbox) == 1
    path = re.search(r"/accounts/password/reset/\S+/\S+/", mail.outbox[0].body).group(0)
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "another fine password", "new_password2": "another fine password"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("another fine password")
