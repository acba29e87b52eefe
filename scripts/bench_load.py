"""Load test (issue 9): many users' generation requests through the Images API, and nothing lost.

    .venv/bin/python -m scripts.bench_load [--users 100] [--per-user 10] [--write]

Like scripts/bench_api.py it starts, on loopback, one uvicorn web process and
the stand-in GPU worker (`scripts/bench_worker.py`: stored PNGs at once, so the
figure is the web side's) against their own database and Redis database, and
drives them from this process with aiohttp. Each of --users accounts has its
own API key and sends --per-user `POST /v1/images/generations` calls with
natural prompts, in two phases:

- steady: every user waits for one call's images before sending the next;
- burst: every user sends all its calls at once (users × per-user calls in flight).

Afterwards `verify` reads the database: every call sent is one generation,
charged exactly once, which either has its images or was refunded; nothing is
left queued or running; the ledger passes check_ledger's rules.
tests/api/test_load_loses_nothing.py runs the same path at a small scale.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from collections import Counter
from dataclasses import dataclass

from scripts.bench_api import (
    ROOT,
    Prompts,
    Stack,
    bench_env,
    make_accounts,
    pct,
    setup_database,
    write_section,
)
from scripts.bench_api import (
    calls as api_calls,
)

SECTION = "## Load: generation requests from many users"
PATH = "/v1/images/generations"


@dataclass(frozen=True)
class Call:
    user: int  # index into the keys
    prompt: str
    status: int  # 0 when no HTTP answer came back
    sent: float  # perf_counter seconds
    answered: float


async def drive(
    base: str,
    keys: list[str],
    prompts: list[list[str]],
    *,
    burst: bool,
    size: str = "256x256",
    timeout_s: float = 900,
) -> list[Call]:
    """Each user (one key) sends its prompts: one after another, or (burst) all at once."""
    import aiohttp

    calls: list[Call] = []
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as session:

        async def one(user: int, prompt: str) -> None:
            sent = time.perf_counter()
            status = 0
            try:
                async with session.post(
                    PATH,
                    json={"prompt": prompt, "size": size},
                    headers={"Authorization": f"Bearer {keys[user]}"},
                ) as r:
                    await r.read()
                    status = r.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            calls.append(Call(user, prompt, status, sent, time.perf_counter()))

        async def user_loop(user: int) -> None:
            if burst:
                await asyncio.gather(*(one(user, p) for p in prompts[user]))
            else:
                for p in prompts[user]:
                    await one(user, p)

        await asyncio.gather(*(user_loop(u) for u in range(len(keys))))
    return calls


def verify(emails: list[str], calls: list[Call]) -> tuple[list[str], dict]:
    """What the database says about these users' calls: problems (empty when none) and counts."""
    from django.db.models import Count, Q, Sum

    from billing.models import LedgerEntry
    from billing.services import find_ledger_problems
    from generation.models import GeneratedImage, Generation

    problems: list[str] = []
    # A call refused before anything was charged (bad input, content policy, over a limit: a 4xx)
    # has no generation; every other call (answered or not) must have exactly one.
    refused = [c for c in calls if 400 <= c.status < 500]
    sent = Counter((emails[c.user], c.prompt) for c in calls if not 400 <= c.status < 500)
    generations = list(
        Generation.objects.filter(owner__email__in=emails).values_list(
            "pk", "owner__email", "prompt", "status", "credits_cost", "n"
        )
    )
    ids = [g[0] for g in generations]
    money = {
        row["generation_id"]: row
        for row in LedgerEntry.objects.filter(generation_id__in=ids)
        .values("generation_id")
        .annotate(
            spent=Sum("amount", filter=Q(kind=LedgerEntry.Kind.SPEND)),
            spend_rows=Count("id", filter=Q(kind=LedgerEntry.Kind.SPEND)),
            refunded=Sum("amount", filter=Q(kind=LedgerEntry.Kind.REFUND)),
        )
    }
    images = dict(
        GeneratedImage.objects.filter(generation_id__in=ids)
        .values("generation_id")
        .annotate(n=Count("id"))
        .values_list("generation_id", "n")
    )
    rows = [
        (
            email,
            prompt,
            status,
            cost,
            n,
            images.get(pk, 0),
            money.get(pk, {}).get("spent"),
            money.get(pk, {}).get("spend_rows", 0),
            money.get(pk, {}).get("refunded"),
        )
        for pk, email, prompt, status, cost, n in generations
    ]
    stored = Counter((email, prompt) for email, prompt, *_ in rows)
    lost = sent - stored
    extra = stored - sent
    if lost:
        problems.append(f"{sum(lost.values())} call(s) have no generation, e.g. {next(iter(lost))}")
    if extra:
        problems.append(
            f"{sum(extra.values())} generation(s) more than calls, e.g. {next(iter(extra))}"
        )
    counts = Counter()
    for email, prompt, status, cost, n, images_n, spent, spend_rows, refunded in rows:
        counts[status] += 1
        what = f"{email} {prompt!r}"
        if spent != -cost:
            problems.append(
                f"{what}: charged {-(spent or 0)} credits in {spend_rows} row(s), not {cost} once"
            )
        if status == Generation.Status.SUCCEEDED:
            if images_n != n or refunded:
                problems.append(
                    f"{what}: succeeded with {images_n}/{n} images, refunded {refunded or 0}"
                )
        elif status == Generation.Status.FAILED:
            if (refunded or 0) != cost:
                problems.append(f"{what}: failed but refunded {refunded or 0} of {cost}")
        else:
            problems.append(f"{what}: left {status}")
    ledger = find_ledger_problems()
    if ledger:
        problems.append(f"check_ledger: {ledger}")
    answered = Counter(c.status for c in calls)
    ok_by_user = Counter(emails[c.user] for c in calls if c.status == 200)
    succeeded_by_user = Counter(e for e, _, s, *_ in rows if s == Generation.Status.SUCCEEDED)
    if ok_by_user != succeeded_by_user:
        problems.append("the 200 answers per user do not match the succeeded generations per user")
    return problems, {
        "generations": len(rows),
        "by_status": dict(counts),
        "answers": dict(answered),
        "refused": len(refused),
    }


def accept_rate(emails: list[str], since) -> tuple[float, float]:
    """(generations created per second, over how many seconds), from the rows' creation times."""
    from django.db.models import Count, Max, Min

    from generation.models import Generation

    span = Generation.objects.filter(owner__email__in=emails, created_at__gte=since).aggregate(
        first=Min("created_at"), last=Max("created_at"), n=Count("id")
    )
    seconds = (span["last"] - span["first"]).total_seconds() or 1e-9
    return span["n"] / seconds, seconds


def phase(
    base: str, keys: list[str], emails: list[str], prompts: Prompts, per_user: int, burst: bool
) -> dict:
    from django.utils import timezone

    since = timezone.now()
    load_start = os.getloadavg()[0]
    started = time.perf_counter()
    calls = asyncio.run(drive(base, keys, [prompts.take(per_user) for _ in keys], burst=burst))
    elapsed = time.perf_counter() - started
    waits = [(c.answered - c.sent) * 1000 for c in calls]
    rate, span = accept_rate(emails, since)
    return {
        "calls": calls,
        "elapsed": elapsed,
        "accepted_per_s": rate,
        "accept_span": span,
        "completed_per_s": len(calls) / elapsed,
        "wait_p50": statistics.median(waits),
        "wait_p99": pct(waits, 99),
        "wait_max": max(waits),
        "load": (load_start, os.getloadavg()[0]),
    }


def run(args) -> str:
    env = bench_env()
    setup_database(env)
    emails = [f"user{i:03d}@load.example.com" for i in range(args.users)]
    keys = make_accounts(emails, credits=args.per_user * 2 + 10)
    (warm_key,) = make_accounts(["warm@load.example.com"], credits=100)
    prompts = Prompts(seed=11)
    stack = Stack(env)
    try:
        stack.start_worker(threads=args.worker_threads)
        base = stack.start_web()
        # Warm up (first-request imports, the moderation lists, connections) from an account of its own.
        asyncio.run(api_calls(base, warm_key, prompts.take(40), 4))
        before = stack.web_stats()
        phases = {}
        for name, burst in [("steady", False), ("burst", True)]:
            phases[name] = phase(base, keys, emails, prompts, args.per_user, burst)
            print(
                f"{name}: {len(phases[name]['calls'])} calls in {phases[name]['elapsed']:.1f} s",
                flush=True,
            )
        after = stack.web_stats()
    finally:
        stack.stop()
    all_calls = [c for p in phases.values() for c in p["calls"]]
    problems, counts = verify(emails, all_calls)
    return report(args, phases, problems, counts, before, after)


def report(args, phases, problems, counts, before, after) -> str:
    total = args.users * args.per_user
    loads = [x for p in phases.values() for x in p["load"]]
    lines = [
        SECTION,
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with `.venv/bin/python -m scripts.bench_load "
        f"--users {args.users} --per-user {args.per_user} --worker-threads {args.worker_threads}` on {os.cpu_count()} "
        f"CPU cores ({platform.processor() or platform.machine()}), Python {platform.python_version()}: {args.users} "
        f"accounts, each with its own API key, send {args.per_user} `POST /v1/images/generations` calls each "
        f"(natural prompts, 256x256, n=1) from another process on loopback (aiohttp) to one uvicorn web "
        "process (the per-key rate limit raised out of the way). "
        f"The GPU side is the stand-in worker (`scripts/bench_worker.py`, {args.worker_threads} threads, stored "
        "PNGs), so these are the web side's figures; with a real model the wait is the model's time plus this.",
        "",
        "- *steady*: every user waits for its images before sending the next call (≤ "
        f"{args.users} calls in flight);",
        f"- *burst*: every user sends all {args.per_user} calls at once ({total} calls in flight).",
        "",
        "*Accepted per second*: generations created (checked, charged, queued) per second, from the rows' creation "
        "times. *Wait*: from sending a call to its answer with the image URL.",
        "",
        f"The machine's 1-minute load average was {min(loads):.1f}–{max(loads):.1f} (two cores shared with other "
        "work, including model training at nice 19).",
        "",
        "| phase | calls | answered 200 | took | accepted per second | completed per second | p50 wait | p99 wait | max wait |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, p in phases.items():
        ok = sum(c.status == 200 for c in p["calls"])
        lines.append(
            f"| {name} | {len(p['calls'])} | {ok} | {p['elapsed']:.1f} s | **{p['accepted_per_s']:.0f}/s** | "
            f"{p['completed_per_s']:.0f}/s | {p['wait_p50']:.0f} ms | **{p['wait_p99']:.0f} ms** | {p['wait_max']:.0f} ms |"
        )
    verdict = (
        "**none lost, none charged twice**"
        if not problems
        else "**problems found**: " + "; ".join(problems[:5])
    )
    lines += [
        "",
        f"Checked afterwards in the database ({counts['generations']} generations for "
        f"{sum(len(p['calls']) for p in phases.values())} calls; statuses {counts['by_status']}; answers "
        f"{counts['answers']}): every call is exactly one generation, charged exactly once, that has its image or was "
        f"refunded; none left queued or running; `check_ledger`'s rules hold — {verdict}.",
        f"The web process grew from {before['rss_mb']:.0f} MB to {after['rss_mb']:.0f} MB over both phases.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--per-user", type=int, default=10)
    parser.add_argument("--worker-threads", type=int, default=4)
    parser.add_argument(
        "--write", action="store_true", help="replace the section in docs/benchmarks.md"
    )
    args = parser.parse_args()
    text = run(args)
    print(text)
    if args.write:
        write_section(text, ROOT / "docs" / "benchmarks.md", SECTION)
    if "problems found" in text:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
