"""`manage.py create_api_key EMAIL [--create-user] [--grant N]` prints a working key on its last line."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.services import find_api_key
from billing.models import LedgerEntry
from billing.services import get_balance


def _run(*args) -> str:
    out = io.StringIO()
    call_command("create_api_key", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip().splitlines()[-1]


def test_it_creates_a_verified_user_grants_credits_and_prints_the_key(db):
    key = _run("dev@example.com", "--create-user", "--grant", "25")
    user = User.objects.get(email="dev@example.com")
    assert user.is_verified
    assert find_api_key(key).user == user
    assert get_balance(user) == 25
    entry = LedgerEntry.objects.get(user=user)
    assert entry.kind == LedgerEntry.Kind.ADJUSTMENT and entry.amount == 25


def test_it_adds_a_key_to_an_existing_user_without_credits(alice):
    key = _run("ALICE@example.com")
    assert find_api_key(key).user == alice
    assert get_balance(alice) == 50


def test_it_refuses_an_unknown_user_without_create_user(db):
    with pytest.raises(CommandError):
        _run("nobody@example.com")
    assert not User.objects.exists()
