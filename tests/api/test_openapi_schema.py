"""/v1/openapi.json describes what the API does: schemathesis sends a few hundred generated
requests and finds no 5xx and no response that breaks the schema."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = 150

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def rich_alice(alice, settings):
    """Enough credits and rate for every generated request to be judged on its parameters."""
    from billing.models import CreditLot, LedgerEntry
    from billing.services import _create_lot

    _create_lot(alice, source=CreditLot.Source.ADJUSTMENT, kind=LedgerEntry.Kind.ADJUSTMENT, amount=100_000,
                expires_at=timezone.now() + timezone.timedelta(days=1), reason="schemathesis",
                idempotency_key="schemathesis-grant")
    settings.EASEL_API_RATE_LIMIT = 100_000
    return alice


@pytest.fixture
def quick_outputs(monkeypatch):
    # The output nudity check costs ~50 ms an image; this test is about the API's shapes.
    from moderation.services import Verdict

    monkeypatch.setattr("generation.services.moderation.check_output", lambda png: Verdict(True))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_matches_its_schema(live, rich_alice, alice_key, fake_model, quick_outputs, mode):
    # Loaded from the running server: the schema under test is the one clients get.
    schema = schemathesis.openapi.from_url(f"{live}/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/images/generations", "/images/edits", "/images/variations", "/models"}
    seen = []
    with requests.Session() as session:

        @given(case=st.one_of(*(op.as_strategy(generation_mode=mode) for op in operations)))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call_and_validate(
                base_url=f"{live}/v1", session=session, headers={"Authorization": f"Bearer {alice_key}"},
                checks=CHECKS, timeout=60,
            )
            seen.append((case.operation.path, response.status_code))

        check()
    statuses = {status for _, status in seen}
    assert len(seen) >= EXAMPLES * 0.8
    if mode == GenerationMode.POSITIVE:
        assert 200 in statuses
    assert 400 in statuses
