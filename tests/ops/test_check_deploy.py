"""Production settings pass `manage.py check --deploy`; `make run` on plain HTTP still works.

Each case runs in a fresh process with only the environment a deployment sets,
because settings.py reads the environment once, at import.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path, **extra) -> dict:
    """What docker/README.md's public server sets, with a strong key and no DEBUG."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "webapp.settings",
        "EASEL_DATA_DIR": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SITE_URL": "https://easel.example.com",
        "ALLOWED_HOSTS": "easel.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://easel.example.com",
        "BEHIND_TLS_PROXY": "true",
    }
    env.update(extra)
    return env


def check_deploy(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_in(env: dict, *names: str) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


SECURITY = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
)


def test_a_production_deployment_passes_check_deploy_without_a_warning(tmp_path):
    result = check_deploy(production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_https_turns_on_secure_cookies_redirect_and_a_year_of_hsts(tmp_path):
    seen = settings_in(production_env(tmp_path), *SECURITY)
    assert seen == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_make_run_on_plain_http_keeps_them_off(tmp_path):
    """scripts/run.sh sets only EASEL_DATA_DIR and SITE_URL=http://127.0.0.1:8000."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "webapp.settings",
        "EASEL_DATA_DIR": str(tmp_path),
        "SITE_URL": "http://127.0.0.1:8000",
    }
    seen = settings_in(env, *SECURITY, "DEBUG")
    assert seen["DEBUG"] is False
    assert not seen["SESSION_COOKIE_SECURE"] and not seen["CSRF_COOKIE_SECURE"]
    assert not seen["SECURE_SSL_REDIRECT"] and seen["SECURE_HSTS_SECONDS"] == 0
    # ...and check --deploy says so, rather than staying silent.
    result = check_deploy(env)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr + result.stdout


def test_each_weakening_is_reported(tmp_path):
    """All four at once, in one process (each start costs seconds on this machine)."""
    weakened = {
        "DEBUG": "true",
        "SECRET_KEY": "short",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
    }
    result = check_deploy(production_env(tmp_path, **weakened))
    assert result.returncode != 0
    for problem in (
        "security.W018",
        "security.W009",
        "security.W012",
        "security.W016",
        "security.W004",
    ):
        assert problem in result.stdout + result.stderr, problem


def test_every_variable_settings_reads_is_in_the_env_example():
    import re

    reads = set(
        re.findall(
            r'\benv_(?:str|bool|int|float|list|secret)\(\s*"([A-Z][A-Z0-9_]*)"',
            (ROOT / "webapp" / "settings.py").read_text(),
        )
    )
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    assert not sorted(reads - listed), f"missing from .env.example: {sorted(reads - listed)}"
