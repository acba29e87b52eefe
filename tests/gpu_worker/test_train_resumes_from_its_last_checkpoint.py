"""A stage stopped and resumed ends where an unbroken run ends: same step, same weights."""

import torch

from gpu_worker.train.__main__ import main
from gpu_worker.train.common import Checkpointer


def _run(root, monkeypatch, *step_targets):
    monkeypatch.setenv("EASEL_CHECKPOINT_DIR", str(root))
    for steps in step_targets:
        assert main(["super_res_first", "--arch", "tiny", "--steps", str(steps), "--batch-size", "2", "--no-bf16"]) == 0
    return Checkpointer("super_res_first").load()


def test_resuming_matches_an_unbroken_run(tmp_path, monkeypatch):
    broken = _run(tmp_path / "broken", monkeypatch, 2, 3)
    unbroken = _run(tmp_path / "unbroken", monkeypatch, 3)
    assert broken["step"] == unbroken["step"] == 3
    for key, value in unbroken["model"].items():
        assert torch.allclose(broken["model"][key], value, atol=1e-6), key


def test_a_finished_stage_does_nothing_more(tmp_path, monkeypatch):
    first = _run(tmp_path, monkeypatch, 2)
    again = _run(tmp_path, monkeypatch, 2)
    assert again["step"] == first["step"] == 2
