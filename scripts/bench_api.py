"""Benchmark: the Images API's own overhead per request, and how many waiting calls one web process holds.

    .venv/bin/python -m scripts.bench_api [--requests 300] [--concurrency 16] [--in-flight 500] [--write]

It starts, on loopback, one uvicorn web process and a stand-in GPU worker
(`scripts/bench_worker.py`: stored PNGs at once, no model) against its own
PostgreSQL database (BENCH_DATABASE_URL, recreated) and Redis database
(BENCH_REDIS_URL), and drives them from this process with aiohttp.

"Overhead" is a call's latency minus the worker's own time on the generation
(claim to finish, from the database): what the API, the queue and the
notification add. With --write, the results replace the "## Images API
overhead" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SECTION = "## Images API overhead"


def _env() -> dict[str, str]:
    db = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/easel_bench")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
    data = ROOT / "var" / "bench"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "EASEL_", "DATABASE_URL", "REDIS_URL", "CELERY_"))}
    env.update(
        DATABASE_URL=db, REDIS_URL=redis_url, CELERY_BROKER_URL=redis_url, EASEL_DATA_DIR=str(data),
        EASEL_STORAGE="local", EASEL_TASKS_INPROCESS="false", EASEL_API_RATE_LIMIT=str(10**9),
        SECRET_KEY="bench-" + "x" * 50, LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="webapp.settings",
    )
    return env


def _recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.1)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


class Stack:
    """The web process and the stub worker, started and stopped by the benchmark."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.procs: list[subprocess.Popen] = []
        self.port = _free_port()
        self.logs = Path(env["EASEL_DATA_DIR"])

    def start(self) -> str:
        self.logs.mkdir(parents=True, exist_ok=True)
        run = dict(env=self.env, cwd=ROOT, check=True, capture_output=True, text=True)
        subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], **run)
        key = subprocess.run(
            [PY, "manage.py", "create_api_key", "bench@example.com", "--create-user", "--grant", "1000000"], **run
        ).stdout.strip().splitlines()[-1]
        subprocess.run([PY, "-m", "celery", "-A", "scripts.bench_worker", "purge", "-f", "-Q", "gpu"], **run)
        worker_log = self.logs / "worker.log"
        self.procs.append(subprocess.Popen(
            [PY, "-m", "celery", "-A", "scripts.bench_worker", "worker", "-Q", "gpu", "-c", "4", "--pool=threads",
             "-n", f"bench-{os.getpid()}@%h", "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            env=self.env, cwd=ROOT, stdout=open(worker_log, "wb"), stderr=subprocess.STDOUT, start_new_session=True,
        ))
        _wait(lambda: b"ready." in worker_log.read_bytes(), "the stub worker")
        self.web = subprocess.Popen(
            [PY, "-m", "uvicorn", "webapp.asgi:application", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", "1", "--no-access-log", "--loop", "uvloop", "--http", "httptools", "--backlog", "2048"],
            env=self.env, cwd=ROOT, stdout=open(self.logs / "web.log", "wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(self.web)
        _wait(lambda: _port_open(self.port), "the web process")
        return key

    def web_stats(self) -> dict:
        import psutil

        p = psutil.Process(self.web.pid)
        cpu = p.cpu_times()
        return {"rss_mb": p.memory_info().rss / 2**20, "threads": p.num_threads(), "fds": p.num_fds(),
                "cpu_s": cpu.user + cpu.system}

    def stop(self) -> None:
        import signal

        for proc in self.procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)


async def _calls(base: str, key: str, prompts: list[str], concurrency: int, done_at: dict | None = None) -> list[tuple[str, int, float]]:
    import aiohttp

    results: list[tuple[str, int, float]] = []
    gate = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout,
                                     headers={"Authorization": f"Bearer {key}"}) as session:

        async def one(prompt: str) -> None:
            async with gate:
                started = time.perf_counter()
                async with session.post("/v1/images/generations", json={"prompt": prompt, "size": "256x256"}) as r:
                    await r.read()
                    results.append((prompt, r.status, time.perf_counter() - started))
                    if done_at is not None:
                        done_at[prompt] = time.perf_counter()

        await asyncio.gather(*(one(p) for p in prompts))
    return results


def _worker_seconds(prompts: list[str]) -> dict[str, float]:
    from generation.models import Generation

    rows = Generation.objects.filter(prompt__in=prompts).values_list("prompt", "started_at", "finished_at")
    return {p: (f - s).total_seconds() for p, s, f in rows if s and f}


def _summary(results: list[tuple[str, int, float]]) -> dict:
    ok = [r for r in results if r[1] == 200]
    worker = _worker_seconds([p for p, _, _ in ok])
    latency = [lat * 1000 for _, _, lat in ok]
    overhead = [(lat - worker.get(p, 0.0)) * 1000 for p, _, lat in ok]
    return {
        "n": len(results), "ok": len(ok),
        "lat_p50": statistics.median(latency), "lat_p99": _pct(latency, 99),
        "ovh_p50": statistics.median(overhead), "ovh_p99": _pct(overhead, 99),
        "worker_p50": statistics.median([w * 1000 for w in worker.values()]),
    }


def _prompts(tag: str, n: int) -> list[str]:
    return [f"{tag} {uuid.uuid4().hex}" for _ in range(n)]


def run(args) -> str:
    env = _env()
    _recreate_database(env["DATABASE_URL"])
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    os.environ.update(env)
    stack = Stack(env)
    try:
        key = stack.start()
        import django

        django.setup()
        from generation import services
        from scripts.bench_worker import HELD_LIST, stub_runner

        base = f"http://127.0.0.1:{stack.port}"
        load_before = os.getloadavg()[0]
        asyncio.run(_calls(base, key, _prompts("warm", 50), 8))
        cpu_before = stack.web_stats()["cpu_s"]
        sequential = _summary(asyncio.run(_calls(base, key, _prompts("seq", args.requests), 1)))
        cpu_per_call_ms = (stack.web_stats()["cpu_s"] - cpu_before) / args.requests * 1000
        concurrent = _summary(asyncio.run(_calls(base, key, _prompts("conc", args.requests * 3), args.concurrency)))
        before = stack.web_stats()

        # N calls that stay waiting until released, while fresh calls go through beside them.
        r = redis.Redis.from_url(env["REDIS_URL"])
        held_prompts = _prompts("hold", args.in_flight)
        done_at: dict[str, float] = {}

        async def hold_phase():
            t0 = time.perf_counter()
            held = asyncio.ensure_future(_calls(base, key, held_prompts, args.in_flight, done_at))
            while r.llen(HELD_LIST) < args.in_flight:
                await asyncio.sleep(0.05)
                if held.done():
                    raise SystemExit(f"held calls ended early: {held.result()[:3]}")
            accepted_s = time.perf_counter() - t0
            await asyncio.sleep(1.0)
            during = stack.web_stats()
            beside = await _calls(base, key, _prompts("beside", args.requests), 1)
            during_after = stack.web_stats()
            released = time.perf_counter()
            ids = [int(x) for x in r.lrange(HELD_LIST, 0, -1)]
            for generation_id in ids:
                await asyncio.to_thread(services.process_generation, generation_id, stub_runner)
            finished_processing = time.perf_counter() - released
            held_results = await held
            last_response = max(done_at.values()) - released
            return accepted_s, during, during_after, beside, held_results, finished_processing, last_response

        accepted_s, during, during_after, beside, held_results, processing_s, last_s = asyncio.run(hold_phase())
        beside_summary = _summary(beside)
        after = stack.web_stats()
        load_after = os.getloadavg()[0]
    finally:
        stack.stop()

    statuses = sorted({s for _, s, _ in held_results})
    lines = [
        SECTION,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `.venv/bin/python -m scripts.bench_api --requests {args.requests} "
        f"--concurrency {args.concurrency} --in-flight {args.in_flight}` on {os.cpu_count()} CPU cores "
        f"({platform.processor() or platform.machine()}), Python {platform.python_version()}: one uvicorn process "
        "(uvloop, httptools), PostgreSQL and Redis on loopback, local file storage, and a stand-in GPU worker "
        "(`scripts/bench_worker.py`, 4 threads) that returns stored PNGs at once — the model and the output check are taken "
        "out. The load comes from another process (aiohttp). Each call is `POST /v1/images/generations` "
        '`{"prompt": …, "size": "256x256"}` (n=1, url).',
        "",
        "*Overhead* = the call's latency minus the worker's own time on the generation (claim to finish, from the "
        "database): authentication, rate limit, validation, charging, queueing, the wake-up, signing the URL.",
        "",
        f"The machine's load average was {load_before:.1f} at the start and {load_after:.1f} at the end (other "
        f"work shared its {os.cpu_count()} cores); latencies scale with that. The web process's own CPU time per "
        f"call, which does not, was **{cpu_per_call_ms:.1f} ms** (sequential calls).",
        "",
        "| load | calls | p50 latency | p99 latency | p50 overhead | p99 overhead |",
        "|---|---|---|---|---|---|",
    ]
    for name, s in [("sequential", sequential), (f"{args.concurrency} concurrent", concurrent),
                    (f"sequential, beside {args.in_flight} waiting calls", beside_summary)]:
        lines.append(f"| {name} | {s['ok']}/{s['n']} | {s['lat_p50']:.1f} ms | {s['lat_p99']:.1f} ms | "
                     f"{s['ovh_p50']:.1f} ms | {s['ovh_p99']:.1f} ms |")
    lines += [
        "",
        f"**{args.in_flight} calls waiting at once in one web process**: all {args.in_flight} were accepted "
        f"(charged, queued, waiting) within {accepted_s:.1f} s. While they waited the process had "
        f"{during['threads']} threads (before: {before['threads']}) and {during['fds']} open files; its memory "
        f"went from {before['rss_mb']:.0f} MB to {during['rss_mb']:.0f} MB "
        f"(**+{during['rss_mb'] - before['rss_mb']:.0f} MB**; {during_after['rss_mb']:.0f} MB after the calls "
        f"beside them). Released, the {args.in_flight} generations were finished in {processing_s:.1f} s by the "
        f"stand-in worker, and the last waiting call had its answer {last_s:.1f} s after the release; "
        f"statuses: {statuses}. Memory after: {after['rss_mb']:.0f} MB.",
        "",
        "Targets (issue 7): 500 in flight, p99 overhead ≤ 50 ms, memory growth ≤ 200 MB.",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str, path: Path) -> None:
    existing = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(existing):
        updated = pattern.sub(lambda m: text + "\n", existing)
    else:
        updated = existing.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(updated)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--in-flight", type=int, default=500)
    parser.add_argument("--write", action="store_true", help="replace the section in docs/benchmarks.md")
    args = parser.parse_args()
    text = run(args)
    print(text)
    if args.write:
        write_section(text, ROOT / "docs" / "benchmarks.md")


if __name__ == "__main__":
    main()
