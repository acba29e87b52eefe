"""A cluster of our own for causing faults: Redis, SeaweedFS, two GPU workers and a CPU worker.

Other suites run beside this one on the shared Redis, PostgreSQL cluster and
SeaweedFS, so nothing shared is ever stopped here: these tests start their own
`redis-server` and `weed mini` on free ports (data and logs under a temporary
directory), point real Celery worker processes (tests/faults/worker.py) and
this test process at them, and restart, stop or kill only those. PostgreSQL
faults terminate only this test database's own backends.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import ROOT, _need
from webapp.celery import app as celery_app

# Short enough that a dead worker's request is back on the queue within seconds.
LEASE_S = 2.5
MAX_ATTEMPTS = 3
# Two GPU workers (the model; one generation at a time each) and one CPU worker
# (output checks, signing, uploads), as in docker/compose.yml.
WORKER_QUEUES = ("gpu", "gpu", "cpu")
BUCKET = "easel-faults"
S3_KEY = "faults-key"
S3_SECRET = "faults-secret"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) != 0


def _free_port(candidates) -> int:
    for port in candidates:
        if _port_free(port):
            return port
    raise RuntimeError(f"no free port among {candidates}")


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def _stop(proc: subprocess.Popen | None, sig=signal.SIGTERM, timeout: float = 15) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


class RedisServer:
    """Our own redis-server: append-only (like docker/compose.yml's), restartable."""

    def __init__(self, workdir: Path):
        self.port = _free_port(range(16391, 16420))
        self.dir = workdir / f"redis-{self.port}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.dir / "redis.log", "ab")
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--protected-mode",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self.ping, 20, "redis-server to start")

    def ping(self) -> bool:
        import redis

        try:
            return bool(
                redis.Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1).ping()
            )
        except redis.RedisError:
            return False

    def stop(self, *, lose_data: bool = False) -> None:
        """SIGTERM (a clean shutdown keeps the append-only file), or SIGKILL and wipe its data."""
        _stop(self.proc, signal.SIGKILL if lose_data else signal.SIGTERM)
        if lose_data:
            for path in self.dir.rglob("*"):
                if path.is_file() and path.name != "redis.log":
                    path.unlink()

    def restart(self, *, down_for: float = 0.0, lose_data: bool = False) -> None:
        self.stop(lose_data=lose_data)
        time.sleep(down_for)
        self.start()


class SeaweedServer:
    """Our own `weed mini` (S3), with every port of its own."""

    def __init__(self, workdir: Path):
        base = _free_port(
            [p for p in range(19133, 19933, 100) if all(_port_free(p + i) for i in range(6))]
        )
        self.ports = {
            "s3.port": base,
            "master.port": base + 1,
            "volume.port": base + 2,
            "filer.port": base + 3,
            "admin.port": base + 4,
        }
        self.endpoint = f"http://127.0.0.1:{base}"
        self.dir = workdir / f"seaweed-{base}"
        (self.dir / "data").mkdir(parents=True, exist_ok=True)
        (self.dir / "logs").mkdir(parents=True, exist_ok=True)
        self.config = self.dir / "s3.json"
        self.config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "faults",
                            "credentials": [{"accessKey": S3_KEY, "secretKey": S3_SECRET}],
                            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                        }
                    ]
                }
            )
        )
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        weed = Path(sys.executable).parent / "weed"
        log = open(self.dir / "weed.out", "ab")
        self.proc = subprocess.Popen(
            [
                str(weed),
                f"-logdir={self.dir / 'logs'}",
                "mini",
                f"-dir={self.dir / 'data'}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-master.telemetry=false",
                "-webdav=false",
                "-admin.ui=false",
                *[f"-{flag}={port}" for flag, port in self.ports.items()],
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                f"-s3.config={self.config}",
                f"-filer.localSocket={self.dir / 'filer.sock'}",
                f"-s3.localSocket={self.dir / 's3.sock'}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=self.dir,
        )
        wait_for(self._bucket_ready, 60, "SeaweedFS to start", interval=0.3)

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=S3_KEY,
            aws_secret_access_key=S3_SECRET,
            region_name="us-east-1",
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                retries={"max_attempts": 1},
                connect_timeout=2,
                read_timeout=5,
            ),
        )

    def _bucket_ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"weed exited; see {self.dir / 'weed.out'}")
        try:
            client = self.client()
            if BUCKET not in [b["Name"] for b in client.list_buckets().get("Buckets", [])]:
                client.create_bucket(Bucket=BUCKET)
            return True
        except Exception:  # noqa: BLE001 - not up yet
            return False

    def stop(self, sig=signal.SIGTERM) -> None:
        _stop(self.proc, sig)

    def keys(self, prefix: str) -> set[str]:
        pages = (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        )
        return {obj["Key"] for page in pages for obj in page.get("Contents", [])}


@dataclass
class Worker:
    name: str
    queues: str
    proc: subprocess.Popen
    log: Path

    def pool_pids(self) -> set[int]:
        """The pool processes (where generations run) of this worker."""
        pids = set()
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            ppid = next(
                (line.split()[1] for line in text.splitlines() if line.startswith("PPid:")), ""
            )
            if ppid == str(self.proc.pid):
                pids.add(int(status.parent.name))
        return pids


@dataclass
class Cluster:
    redis: RedisServer
    s3: SeaweedServer
    env: dict
    workdir: Path
    workers: dict[str, Worker] = field(default_factory=dict)
    started: int = 0

    def start_worker(self, queues: str = "gpu", *, wait: bool = True) -> Worker:
        self.started += 1
        name = f"faults{self.started}-{os.getpid()}@localhost"
        log = self.workdir / f"worker-{self.started}.log"
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "faults" / "worker.py"), name, queues],
            env=self.env,
            cwd=ROOT,
            stdout=open(log, "wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        worker = Worker(name, queues, proc, log)
        self.workers[name] = worker
        if wait:
            self.wait_ready(worker)
        return worker

    def wait_ready(self, worker: Worker, timeout: float = 180) -> None:
        def ready():
            if worker.proc.poll() is not None:
                raise AssertionError(f"worker {worker.name} exited; see {worker.log}")
            return b"ready." in worker.log.read_bytes() and worker.pool_pids()

        wait_for(ready, timeout, f"worker {worker.name}", interval=0.3)

    def kill_worker(self, worker: Worker) -> None:
        """SIGKILL the whole worker: its main process and its pool process."""
        os.killpg(worker.proc.pid, signal.SIGKILL)
        worker.proc.wait(timeout=10)
        del self.workers[worker.name]

    def worker_of_pid(self, pid: int) -> Worker | None:
        for worker in self.workers.values():
            if pid in worker.pool_pids():
                return worker
        return None

    def top_up(self) -> None:
        """Start whatever workers a test killed, so the next one finds the full cluster."""
        missing = list(WORKER_QUEUES)
        for worker in self.workers.values():
            if worker.queues in missing:
                missing.remove(worker.queues)
        for worker in [self.start_worker(q, wait=False) for q in missing] + list(
            self.workers.values()
        ):
            self.wait_ready(worker)

    def stop(self) -> None:
        # Throwaway processes: no need to wait for a warm shutdown.
        for worker in list(self.workers.values()):
            _stop(worker.proc, signal.SIGKILL)
        self.workers.clear()


@pytest.fixture(scope="package")
def fault_cluster(django_db_setup, django_db_blocker, tmp_path_factory):
    """Our Redis and SeaweedFS, and the workers on them, for the whole tests/faults package."""
    _need(bool(settings.CELERY_BROKER_URL), "a Celery broker (CELERY_BROKER_URL)")
    from django.db import connection

    db = dict(settings.DATABASES["default"])
    _need(db["ENGINE"].endswith("postgresql"), "PostgreSQL (DATABASE_URL)")
    _need(settings.EASEL_STORAGE == "s3", "an S3 server (EASEL_STORAGE=s3)")
    with django_db_blocker.unblock():
        test_db_name = connection.settings_dict["NAME"]
    workdir = tmp_path_factory.mktemp("faults")
    redis_server = RedisServer(workdir)
    s3 = SeaweedServer(workdir)
    redis_server.start()
    s3.start()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{test_db_name}",
        EASEL_TASKS_INPROCESS="false",
        CELERY_BROKER_URL=redis_server.url,
        REDIS_URL=redis_server.url,
        CELERY_VISIBILITY_TIMEOUT="8",
        EASEL_STORAGE="s3",
        AWS_S3_ENDPOINT_URL=s3.endpoint,
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_ACCESS_KEY_ID=S3_KEY,
        AWS_SECRET_ACCESS_KEY=S3_SECRET,
        GENERATION_LEASE_S=str(LEASE_S),
        GENERATION_MAX_ATTEMPTS=str(MAX_ATTEMPTS),
        # One request per model call, so each kill takes exactly one claim (cross-request
        # batches and their claims are tested in tests/generation/test_batching.py).
        GENERATION_BATCH_MAX_IMAGES="1",
        EASEL_MODEL_PRESET="tiny-random",
        FAULTS_STEP_DELAY_S="0.1",
        FAULTS_UPLOAD_DELAY_S="0.25",
        PYTHONPATH=str(ROOT),
    )
    cluster = Cluster(redis_server, s3, env, workdir)
    try:
        started = [cluster.start_worker(q, wait=False) for q in WORKER_QUEUES]
        for worker in started:
            cluster.wait_ready(worker)
        yield cluster
    finally:
        cluster.stop()
        s3.stop(signal.SIGKILL)  # throwaway data: no need for a clean shutdown
        redis_server.stop(lose_data=True)


def _use_broker(urls: tuple[str, str, str]) -> None:
    conf = celery_app.conf
    conf.broker_url, conf.broker_read_url, conf.broker_write_url = urls
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _broker() -> tuple[str, str, str]:
    conf = celery_app.conf
    return conf.broker_url, conf.broker_read_url, conf.broker_write_url


@pytest.fixture
def cluster(fault_cluster, transactional_db, settings):
    """This test process talks to the cluster: its broker, its Redis, its bucket, its lease settings."""
    settings.EASEL_TASKS_INPROCESS = False
    settings.CELERY_BROKER_URL = settings.REDIS_URL = fault_cluster.redis.url
    settings.GENERATION_LEASE_S = LEASE_S
    settings.GENERATION_MAX_ATTEMPTS = MAX_ATTEMPTS
    settings.GENERATION_TIMEOUT_S = 120
    storages = dict(settings.STORAGES)
    default = dict(storages["default"])
    default["OPTIONS"] = {
        **default.get("OPTIONS", {}),
        "endpoint_url": fault_cluster.s3.endpoint,
        "bucket_name": BUCKET,
        "access_key": S3_KEY,
        "secret_key": S3_SECRET,
    }
    storages["default"] = default
    settings.STORAGES = storages
    celery_app.conf.task_always_eager = False
    previous = _broker()
    _use_broker((fault_cluster.redis.url,) * 3)
    if not fault_cluster.redis.ping():
        fault_cluster.redis.start()
    # A test that stopped them leaves no worker or server down for the next one.
    fault_cluster.top_up()
    yield fault_cluster
    _use_broker(previous)
