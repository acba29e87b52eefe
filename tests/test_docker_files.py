"""docker/ is true to the code. Docker cannot run where Easel is developed, so this
fast test (no Docker, no database) is what keeps the Compose files honest: commands
name code that exists, queues match the routes, and every environment variable is
one the code reads and is documented."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"
COMPOSE_FILES = ["compose.yml", "compose.gpu-worker.yml"]
ENV_HELPER = re.compile(r'\benv_(str|bool|int|float|list|secret)\(\s*"([A-Z][A-Z0-9_]*)"')
ENVIRON_READ = re.compile(r'(?:environ|env)(?:\.get\(|\[)\s*"([A-Z][A-Z0-9_]*)"|getenv\(\s*"([A-Z][A-Z0-9_]*)"')
INTERPOLATION = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::?[-?+]((?:[^{}]|\{[^{}]*\})*))?\}")
ENV_LINE = re.compile(r"^\s*(#\s*)?([A-Z][A-Z0-9_]*)=")


def _compose(name: str) -> dict:
    return yaml.safe_load((DOCKER / name).read_text())


def _easel_services(compose: dict) -> dict:
    """Services that run Easel's own images (built from docker/Dockerfile*)."""
    return {
        name: svc for name, svc in compose["services"].items()
        if "Dockerfile" in str((svc.get("build") or {}).get("dockerfile", ""))
    }


def _argv(value) -> list[str]:
    if value is None:
        return []
    argv = shlex.split(value) if isinstance(value, str) else [str(a) for a in value]
    if argv[:2] == ["sh", "-c"] or argv[:2] == ["/bin/sh", "-c"]:
        return shlex.split(" ".join(argv[2:]).replace("&&", " && "))
    return argv


def _code_reads() -> dict[str, str]:
    """Every variable settings.py and gpu_worker/ read, and how (str, bool, secret...)."""
    reads: dict[str, str] = {}
    for match in ENV_HELPER.finditer((ROOT / "webapp" / "settings.py").read_text()):
        kind, name = match.groups()
        reads[name] = kind
        if kind == "secret":
            reads[f"{name}_FILE"] = "file"
    sources = [ROOT / "webapp" / "settings.py", *sorted((ROOT / "gpu_worker").rglob("*.py"))]
    for path in sources:
        for a, b in ENVIRON_READ.findall(path.read_text()):
            reads.setdefault(a or b, "str")
    reads.pop("DJANGO_SETTINGS_MODULE", None)
    return reads


def _settings_defaults() -> dict[str, str]:
    """The literal default of each env_str setting (empty when not a plain literal)."""
    text = (ROOT / "webapp" / "settings.py").read_text()
    return {m.group(1): m.group(2) for m in re.finditer(r'env_str\(\s*"([A-Z0-9_]+)",\s*"([^"]*)"', text)}


def _documented(name: str) -> str:
    return (DOCKER / name).read_text()


def _env_example_names(path: Path, *, commented: bool) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        m = ENV_LINE.match(line)
        if m and (commented or not m.group(1)):
            names.add(m.group(2))
    return names


@pytest.fixture(scope="module", params=COMPOSE_FILES)
def compose(request):
    return _compose(request.param)


def test_every_easel_service_uses_an_existing_dockerfile(compose):
    services = _easel_services(compose)
    assert services, "no service builds an Easel image"
    for name, svc in services.items():
        build = svc["build"]
        context = (DOCKER / build["context"]).resolve()
        assert context == ROOT, f"{name}: the build context must be the repository root"
        assert (context / build["dockerfile"]).is_file(), f"{name}: {build['dockerfile']} is missing"


def test_commands_name_code_that_exists(compose):
    from django.core.management import get_commands

    commands = get_commands()
    for name, svc in _easel_services(compose).items():
        health = (svc.get("healthcheck") or {}).get("test") or []
        if health and health[0] in ("CMD", "CMD-SHELL"):
            health = health[1:]
        for argv in (_argv(svc.get("command")), _argv(health)):
            for i, arg in enumerate(argv):
                if re.fullmatch(r"[a-z_]+(\.[a-z_]+)*:[a-z_]+", arg):  # module:attribute (uvicorn)
                    module, attr = arg.split(":")
                    path = ROOT / (module.replace(".", "/") + ".py")
                    assert path.is_file(), f"{name}: {module} does not exist"
                    assert re.search(rf"^{attr}\s*=", path.read_text(), re.M), f"{name}: {arg} is not defined"
                if arg == "-A":
                    assert (ROOT / argv[i + 1] / "celery.py").is_file(), f"{name}: no Celery app {argv[i + 1]}"
                if arg == "manage.py":
                    assert (ROOT / "manage.py").is_file()
                    assert argv[i + 1] in commands, f"{name}: no management command {argv[i + 1]!r}"
                if arg.endswith(".py") and arg != "manage.py":
                    assert (ROOT / arg).is_file(), f"{name}: {arg} does not exist"


def test_the_uvicorn_web_serves_the_asgi_application():
    web = _compose("compose.yml")["services"]["web"]
    argv = _argv(web["command"])
    assert argv[:2] == ["uvicorn", "webapp.asgi:application"]
    assert settings.ASGI_APPLICATION == "webapp.asgi.application"
    assert web["deploy"]["replicas"] >= 2
    assert "docker/healthcheck.py" in web["healthcheck"]["test"]
    assert '"http://127.0.0.1:8000/healthz"' in (DOCKER / "healthcheck.py").read_text()
    assert "--port" in argv and argv[argv.index("--port") + 1] == "8000"
    assert "web 8000" in (DOCKER / "Caddyfile").read_text()


def _queues(compose: dict) -> dict[str, set[str]]:
    found = {}
    for name, svc in _easel_services(compose).items():
        argv = _argv(svc.get("command"))
        if argv[:4] == ["celery", "-A", "webapp", "worker"]:
            found[name] = set(argv[argv.index("-Q") + 1].split(","))
    return found


def test_celery_queues_match_the_task_routes():
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    named_in_code = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        named_in_code |= set(re.findall(r"""\bqueue\s*=\s*["']([a-z_]+)["']""", path.read_text()))
    wanted = routed | named_in_code | {settings.CELERY_TASK_DEFAULT_QUEUE}
    consumed = set().union(*_queues(_compose("compose.yml")).values())
    assert consumed == wanted, f"compose consumes {consumed}, the code sends to {wanted}"
    assert set().union(*_queues(_compose("compose.gpu-worker.yml")).values()) == {"gpu"}


@pytest.mark.parametrize("filename", COMPOSE_FILES)
def test_gpu_workers_take_one_task_at_a_time_on_a_reserved_gpu(filename):
    svc = _compose(filename)["services"]["gpu-worker"]
    argv = _argv(svc["command"])
    assert argv[argv.index("-Q") + 1] == "gpu"
    assert argv[argv.index("--concurrency") + 1] == "1"
    assert argv[argv.index("--prefetch-multiplier") + 1] == "1"
    assert svc["build"]["dockerfile"] == "docker/Dockerfile.gpu"
    devices = svc["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]
    env = svc["environment"]
    assert env["EASEL_MODELS_DIR"] == "/models"
    assert any(v.endswith(":/models:ro") for v in svc["volumes"]), "models must be mounted read-only"
    assert "EASEL_MODEL_PRESET" in env
    assert (DOCKER / "Dockerfile.gpu").read_text().count("FROM ${CUDA_IMAGE}") == 1


def test_web_waits_for_migrate_and_the_bucket():
    services = _compose("compose.yml")["services"]
    deps = services["web"]["depends_on"]
    assert deps["migrate"]["condition"] == "service_completed_successfully"
    assert deps["create-bucket"]["condition"] == "service_completed_successfully"
    migrate = " ".join(_argv(services["migrate"]["command"]))
    for step in ("manage.py migrate", "manage.py ensure_admin", "manage.py collectstatic"):
        assert step in migrate
    assert _argv(services["beat"]["command"])[:4] == ["celery", "-A", "webapp", "beat"]


def test_every_variable_easel_services_get_is_one_the_code_reads(compose):
    reads = _code_reads()
    for name, svc in _easel_services(compose).items():
        env = svc.get("environment") or {}
        assert isinstance(env, dict), f"{name}: write environment as a mapping"
        unknown = sorted(set(env) - set(reads))
        assert not unknown, f"{name} sets variables no code reads: {unknown}"


def test_string_settings_are_never_passed_empty_when_they_have_a_default(compose):
    """env_str returns "" for an empty variable, replacing its default."""
    defaults = _settings_defaults()
    for name, svc in _easel_services(compose).items():
        for var, value in (svc.get("environment") or {}).items():
            if defaults.get(var):
                assert str(value).strip() not in ("", f"${{{var}:-}}", f"${{{var}}}"), (
                    f"{name}: {var} may reach settings.py empty; give it a default"
                )


def test_every_setting_is_documented_for_docker():
    documented = _env_example_names(DOCKER / ".env.example", commented=True)
    text = _documented(".env.example")
    missing = sorted(n for n in _code_reads() if n not in documented and n not in text)
    assert not missing, f"settings missing from docker/.env.example: {missing}"


def test_the_root_env_example_is_covered():
    """So are the per-feature lists in docs/env/*.env that settings blocks point to."""
    examples = [p for p in [ROOT / ".env.example", *sorted((ROOT / "docs" / "env").glob("*.env"))] if p.exists()]
    if not examples:
        pytest.skip("no root .env.example")
    set_in_compose = set()
    for filename in COMPOSE_FILES:
        for svc in _easel_services(_compose(filename)).values():
            set_in_compose |= set(svc.get("environment") or {})
    documented = _documented(".env.example") + _documented("README.md")
    missing = sorted(
        n for path in examples for n in _env_example_names(path, commented=False)
        if n not in set_in_compose and not re.search(rf"\b{n}\b", documented)
    )
    assert not missing, f"root .env.example variables neither set in compose nor documented: {missing}"


def test_docker_env_example_and_the_compose_files_agree():
    """Each active line of docker/.env.example is used by a Compose file, and each
    variable the Compose files interpolate is in docker/.env.example."""
    texts = "\n".join((DOCKER / f).read_text() for f in COMPOSE_FILES)
    interpolated = {m.group(1) for m in INTERPOLATION.finditer(texts)}
    active = _env_example_names(DOCKER / ".env.example", commented=False)
    documented = _env_example_names(DOCKER / ".env.example", commented=True)
    assert not sorted(active - interpolated), f"unused in compose: {sorted(active - interpolated)}"
    assert not sorted(interpolated - documented), f"undocumented: {sorted(interpolated - documented)}"
    # Each line has a one-line meaning.
    for line in (DOCKER / ".env.example").read_text().splitlines():
        if ENV_LINE.match(line) and not line.lstrip().startswith("#"):
            assert " # " in line, f"no meaning given: {line}"


def test_compose_defaults_match_the_example():
    """A default written in compose.yml is the value .env.example shows."""
    example = {}
    for line in (DOCKER / ".env.example").read_text().splitlines():
        m = re.match(r"^([A-Z][A-Z0-9_]*)=(.*?)(?:\s+#.*)?$", line)
        if m:
            example[m.group(1)] = m.group(2).strip()
    for filename in COMPOSE_FILES:
        for m in re.finditer(r"\$\{([A-Z][A-Z0-9_]*):-([^}]*)\}", (DOCKER / filename).read_text()):
            name, default = m.groups()
            if name in example and example[name]:
                assert default == example[name], f"{filename}: {name} defaults to {default!r}, .env.example says {example[name]!r}"


def test_the_s3_public_host_is_the_endpoints_host():
    from urllib.parse import urlparse

    text = (DOCKER / "compose.yml").read_text()
    endpoint = re.search(r"\$\{AWS_S3_ENDPOINT_URL:-([^}]*)\}", text).group(1)
    alias = re.search(r"\$\{S3_PUBLIC_HOST:-([^}]*)\}", text).group(1)
    port = re.search(r"\$\{S3_PUBLIC_PORT:-([^}]*)\}", text).group(1)
    assert urlparse(endpoint).hostname == alias
    assert str(urlparse(endpoint).port) == port
    assert "{$S3_SITE_ADDRESS:" + endpoint + "}" in (DOCKER / "Caddyfile").read_text()


def test_files_the_compose_files_mount_exist():
    for filename in COMPOSE_FILES:
        for svc in _compose(filename)["services"].values():
            for volume in svc.get("volumes") or []:
                source = volume.split(":")[0]
                if source.startswith("./") and "$" not in source and "models" not in source:
                    assert (DOCKER / source).exists(), f"{filename}: {source} is missing"
