"""Exporting mid-training reads the latest CLIP but does not freeze it for the decoder."""

import json

from gpu_worker.train.__main__ import main
from gpu_worker.train.clip_stage import frozen_clip_path


def test_export_before_the_decoder_starts_leaves_the_clip_unfrozen(tmp_path, monkeypatch):
    monkeypatch.setenv("EASEL_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    assert main(["clip", "--arch", "tiny", "--steps", "1", "--batch-size", "8"]) == 0
    assert main(["export", "--arch", "tiny", "--out", str(tmp_path / "model")]) == 0

    assert not frozen_clip_path(tmp_path / "checkpoints").exists()
    record = json.loads((tmp_path / "model" / "training.json").read_text())
    assert record["stages"]["clip"] == {"step": 1, "world": "stage1", "frozen": False}
    assert "decoder" in record["untrained"]
