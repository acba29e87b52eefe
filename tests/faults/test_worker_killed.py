"""GPU workers killed with SIGKILL in the middle of generations, at 22 seeded random points.

Two real Celery GPU worker processes run the tiny model and a CPU worker checks
and uploads the results; this test kills the process working on a generation
at a random stage (reading inputs and each sampling stage on a GPU worker,
checking outputs and uploading on the CPU worker), usually the pool process
(the parent Celery process replaces it, as a supervisor would) and twice the
whole worker (a machine gone; a new worker is started). The dead claim's lease runs out, the
reaper puts the request back on the queue, and another process completes it —
or, after GENERATION_MAX_ATTEMPTS lost claims, fails it and refunds it. Never
both, never lost: checked per request, in the bucket and in the ledger.
"""

from __future__ import annotations

import os
import random
import signal
import time
from unittest import mock

import pytest

from generation import services
from generation.models import Generation
from tests.conftest import make_user
from tests.faults.checks import assert_each_settled_once, assert_ledger_clean, settle
from tests.faults.conftest import MAX_ATTEMPTS

pytestmark = pytest.mark.django_db(transaction=True)

# The stages a generation goes through, in order (progress_stage on the row).
STAGES = ["starting", "prior", "decoder", "super_res_256", "checking", "storing"]
GPU_STAGES = STAGES[:4]  # then the images go to a CPU worker for checking and storing
SEED = 20261123


def _plan(rng: random.Random, count: int) -> dict[int, list[tuple[str, float, bool]]]:
    """Per request, the kills to make: (stage, extra delay, whole worker?)."""
    order = list(range(count))
    rng.shuffle(order)
    # MAX_ATTEMPTS kills on GPU workers for three requests (each kill costs a claim: they
    # must fail, refunded), one anywhere for thirteen, none for two.
    plan = {
        i: [(rng.choice(GPU_STAGES), rng.uniform(0, 0.12), False) for _ in range(MAX_ATTEMPTS)]
        for i in order[:3]
    } | {i: [(rng.choice(STAGES), rng.uniform(0, 0.12), False)] for i in order[3:16]}
    for i in rng.sample(order[3:16], 2):  # two of the single kills take the whole worker down
        stage, delay, _ = plan[i][0]
        plan[i][0] = (stage, delay, True)
    return plan


def _stage_index(stage: str) -> int:
    return STAGES.index(stage) if stage in STAGES else -1


def test_requests_survive_workers_killed_at_random_points(cluster):
    rng = random.Random(SEED)
    users = [make_user(f"user{i}@example.com") for i in range(4)]
    generations = [
        services.submit_generation(
            users[i % len(users)], prompt=f"a red circle number {i}", size=256, n=1
        )
        for i in range(18)
    ]
    plan = {generations[i].pk: kills for i, kills in _plan(rng, len(generations)).items()}
    planned = sum(len(k) for k in plan.values())
    done: list[dict] = []
    killed: set[tuple[str, str]] = set()  # (claim token, process): each is killed once
    open_statuses = [Generation.Status.QUEUED, Generation.Status.RUNNING]
    deadline = time.monotonic() + 180
    last_reap = 0.0

    while Generation.objects.filter(
        pk__in=[g.pk for g in generations], status__in=open_statuses
    ).exists():
        assert time.monotonic() < deadline, f"not finished; kills so far: {len(done)}"
        if time.monotonic() - last_reap > 0.5:  # what beat does every minute, sped up
            services.reap_stale_generations()
            last_reap = time.monotonic()
        running = Generation.objects.filter(pk__in=plan.keys(), status=Generation.Status.RUNNING)
        for row in running.values("pk", "claim_token", "claimed_by", "progress_stage"):
            kills = plan[row["pk"]]
            if not kills or (row["claim_token"], row["claimed_by"]) in killed:
                continue
            stage, delay, whole = kills[0]
            # Between the halves ("handed over") no process is working on it.
            current = row["progress_stage"]
            if current not in STAGES or _stage_index(current) < _stage_index(stage):
                continue
            time.sleep(delay)
            pid = int(row["claimed_by"].rsplit(":", 1)[1])
            worker = cluster.worker_of_pid(pid)
            still = Generation.objects.filter(
                pk=row["pk"], status=Generation.Status.RUNNING, claim_token=row["claim_token"]
            ).values_list("progress_stage", flat=True)
            if worker is None or not still:
                continue  # finished (or its process died) before we got there: try its next claim
            if whole:
                cluster.kill_worker(worker)
                cluster.start_worker(worker.queues, wait=False)
            else:
                os.kill(pid, signal.SIGKILL)
            killed.add((row["claim_token"], row["claimed_by"]))
            kills.pop(0)
            # Read the row again once the process is dead: a GPU process that had already
            # handed its images over ("handed over", or the CPU worker's "checking") between
            # the read above and the kill took no claim with it; one still on a GPU stage did.
            # (Only this thread runs the reaper, so nobody else moves the row meanwhile.)
            time.sleep(0.1)
            after = Generation.objects.filter(pk=row["pk"], claim_token=row["claim_token"])
            after_stage = after.values_list("progress_stage", flat=True).first()
            done.append(
                {
                    "pk": row["pk"],
                    "stage": still[0],
                    "pid": pid,
                    "whole_worker": whole,
                    "queue": worker.queues,
                    "took_claim": worker.queues == "gpu" and after_stage in GPU_STAGES,
                }
            )
        time.sleep(0.05)

    # Whatever is left (a redelivered message, a stale claim) settles too, and nothing stays running.
    settle(generations, timeout=30)
    services.reap_stale_generations()
    print(f"{len(done)} of {planned} planned kills made:", done)
    assert len(done) >= 20, f"only {len(done)} kills landed"
    assert len({d["stage"] for d in done}) >= 4, "the kills did not spread over the stages"

    outcomes = assert_each_settled_once(generations, cluster.s3)
    print("outcomes:", dict(outcomes))
    kills_by_pk: dict[int, list[dict]] = {}
    for kill in done:
        kills_by_pk.setdefault(kill["pk"], []).append(kill)
    assert {d["queue"] for d in done} == {"gpu", "cpu"}, "both kinds of worker were killed"
    for generation in generations:
        kills = kills_by_pk.get(generation.pk, [])
        claims_taken = [k for k in kills if k["took_claim"]]
        if generation.status == Generation.Status.SUCCEEDED:
            # Completed by other processes than the ones that died holding a claim.
            assert all(not generation.claimed_by.endswith(f":{k['pid']}") for k in claims_taken)
        if len(claims_taken) < len(kills):
            # A CPU worker killed mid-check or mid-upload: its task is redelivered and
            # finishes on the same claim, or the claim runs out and the request runs
            # again. (Or a GPU process killed just after it handed its images over.)
            # Either way it settled once (checked above).
            continue
        # Every kill took one claim: the request ran again until it had no attempts left.
        if len(kills) >= MAX_ATTEMPTS:
            assert generation.status == Generation.Status.FAILED, (generation.pk, kills)
            assert "refunded" in generation.failure_reason
        elif generation.status == Generation.Status.FAILED:
            # Fewer kills than attempts, yet failed: only when a slow worker on this starved
            # machine lost its lease too, so that every attempt was used up — never early.
            assert generation.attempts >= MAX_ATTEMPTS, (generation.pk, generation.attempts, kills)
            assert "refunded" in generation.failure_reason
        else:
            assert generation.status == Generation.Status.SUCCEEDED, (
                generation.pk,
                generation.failure_reason,
                kills,
            )
            # One claim per kill, and the one that finished. (On a starved machine a slow
            # worker may also lose its lease once, which costs an attempt too.)
            assert generation.attempts >= len(kills) + 1
    must_fail = [
        k for k in kills_by_pk.values() if len(k) >= MAX_ATTEMPTS and all(x["took_claim"] for x in k)
    ]
    assert must_fail, "no request lost all its attempts"
    # No request failed with attempts left (each one killed that often was checked to fail).
    failed = [(g.pk, g.attempts) for g in generations if g.status == Generation.Status.FAILED]
    assert all(attempts >= MAX_ATTEMPTS for _pk, attempts in failed), failed
    assert_ledger_clean(users)
    cluster.top_up()  # the full cluster for the next test


def test_a_worker_that_lost_its_lease_stores_nothing_and_refunds_nothing(cluster):
    """A stalled (not dead) worker whose claim was taken over finds out at its next renewal and stops."""
    alice = make_user("alice@example.com")
    with mock.patch("generation.dispatch.enqueue"):
        generation = services.submit_generation(alice, prompt="a red circle", size=256, n=1)
    taken_over = {}

    def stalled_runner(request, progress=None):
        progress("prior", 1, 2)
        # Meanwhile the lease ran out and a redelivered task took the row over.
        Generation.objects.filter(pk=generation.pk).update(lease_expires_at=time_in_past())
        taken_over["claim"] = services.claim_generation(generation.pk)
        progress("decoder", 1, 2)
        raise AssertionError("the lost claim kept running")

    assert services.process_generation(generation.pk, stalled_runner) == "skipped"
    claim = taken_over["claim"]
    assert claim is not None and claim.generation.attempts == 2
    generation.refresh_from_db()
    assert generation.status == Generation.Status.RUNNING and generation.claim_token == claim.token
    # The stale worker's failure report cannot end the new claim either.
    assert not services.fail_generation(generation, "worker_failed", token="not-the-claim")
    # The new holder finishes it: once, paid once.
    assert services.complete_generation(claim, _tiny_result()) == Generation.Status.SUCCEEDED
    assert_each_settled_once([generation], cluster.s3)
    assert_ledger_clean([alice])


def time_in_past():
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() - timedelta(seconds=1)


def _tiny_result():
    import io

    from PIL import Image

    from gpu_worker.interface import GenerationResult
    from gpu_worker.signature import apply_signature

    buf = io.BytesIO()
    apply_signature(Image.new("RGB", (256, 256), (200, 40, 40))).save(buf, "PNG")
    return GenerationResult(images=[buf.getvalue()], model="test-model", seconds=0.0)
