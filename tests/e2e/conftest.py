"""End-to-end tests use the shared real-service fixtures of tests/conftest.py.

These tests run against the services `make test` starts (PostgreSQL, Redis,
SeaweedFS, a Celery worker process, Chromium). Under `make test`
(EASEL_REQUIRE_SERVICES=true) a missing service is a failure, never a skip.
"""

from tests.conftest import ROOT, SCREENSHOTS

__all__ = ["ROOT", "SCREENSHOTS"]
