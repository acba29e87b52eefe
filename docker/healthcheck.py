"""Container healthcheck for the web: GET /healthz on this replica, healthy only on 200.

/healthz answers 503 when the database, the broker or the storage is down. The
request carries a Host from ALLOWED_HOSTS (Django refuses others) and
X-Forwarded-Proto: https (so SECURE_SSL_REDIRECT with BEHIND_TLS_PROXY does not
redirect it). Standard library only: it must stay cheap.
"""

from __future__ import annotations

import os
import sys
import urllib.request


def _host() -> str:
    for name in os.environ.get("ALLOWED_HOSTS", "").split(","):
        name = name.strip().lstrip(".")
        if name and "*" not in name:
            return name
    return "localhost"


def main() -> int:
    request = urllib.request.Request(
        "http://127.0.0.1:8000/healthz",
        headers={"Host": _host(), "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return 0 if response.status == 200 else 1
    except Exception as e:  # noqa: BLE001 - any failure is "unhealthy"
        print(f"healthz: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
