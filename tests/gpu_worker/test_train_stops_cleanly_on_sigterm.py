"""SIGTERM makes a training stage save its checkpoint and exit 0 at the end of the current step."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch


def test_sigterm_saves_and_exits_cleanly(tmp_path):
    env = {**os.environ, "EASEL_CHECKPOINT_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "log.txt"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gpu_worker.train", "super_res_first", "--arch", "tiny", "--steps", "100000",
             "--batch-size", "2", "--log-every", "1"],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=Path(__file__).resolve().parents[2],
        )
        deadline = time.monotonic() + 240
        while "super_res_first step 2 " not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "training never reached step 2"
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0
    state = torch.load(tmp_path / "super_res_first" / "latest.pt", weights_only=False)
    assert 2 <= state["step"] < 100000
    assert "stopping after this step" in log.read_text()
