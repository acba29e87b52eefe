"""A machine without checkpoints carries on from the exported weights, not from random ones."""

import json

import pytest
import torch

from gpu_worker.train.__main__ import main
from gpu_worker.train.common import Checkpointer

STAGES = ("clip", "prior", "decoder", "super_res_first", "super_res_1024")


@pytest.fixture()
def exported(tmp_path, monkeypatch):
    """A tiny cascade trained 2 steps per stage on an "old machine" and exported."""
    monkeypatch.setenv("EASEL_CHECKPOINT_DIR", str(tmp_path / "old"))
    for stage in STAGES:
        assert main([stage, "--arch", "tiny", "--steps", "2", "--batch-size", "2", "--no-bf16"]) == 0
    out = tmp_path / "bundled"
    assert main(["export", "--arch", "tiny", "--out", str(out)]) == 0
    monkeypatch.setenv("EASEL_CHECKPOINT_DIR", str(tmp_path / "new"))
    return out


def test_seed_writes_every_trained_stage_with_its_step_and_the_exported_weights(exported):
    from gpu_worker.loaders import load_cascade

    assert main(["seed", "--arch", "tiny", "--out", str(exported)]) == 0
    record = json.loads((exported / "training.json").read_text())
    cascade = load_cascade(exported)
    for stage in STAGES:
        state = Checkpointer(stage).load()
        assert state["step"] == record["stages"][stage]["step"] == 2
        assert state["optimizer"] is None
    decoder = Checkpointer("decoder").load()
    for key, value in cascade.decoder.state_dict().items():
        assert torch.equal(decoder["ema"]["decoder." + key], value.float()), key
        assert decoder["ema"]["decoder." + key].dtype == torch.float32
    # The later stages were trained against this CLIP: it is frozen as it is.
    frozen = torch.load(Checkpointer("clip").dir / "frozen.pt", weights_only=False)
    for key, value in cascade.clip.model.state_dict().items():
        assert torch.equal(frozen["model"][key], value.float()), key


def test_training_resumes_from_a_seeded_checkpoint_with_a_fresh_warmed_up_optimiser(exported):
    assert main(["seed", "--arch", "tiny", "--out", str(exported)]) == 0
    seeded = Checkpointer("decoder").load()
    assert main(["decoder", "--arch", "tiny", "--steps", "3", "--batch-size", "2", "--no-bf16"]) == 0
    resumed = Checkpointer("decoder").load()
    assert resumed["step"] == 3
    assert resumed["optimizer"] is not None
    changed = [k for k, v in resumed["model"].items() if not torch.equal(v, seeded["model"][k])]
    assert changed, "one more step must move the seeded weights"


def test_seed_leaves_a_stage_that_already_has_a_checkpoint_alone(exported):
    assert main(["super_res_first", "--arch", "tiny", "--steps", "5", "--batch-size", "2", "--no-bf16"]) == 0
    assert main(["seed", "--arch", "tiny", "--out", str(exported)]) == 0
    assert Checkpointer("super_res_first").load()["step"] == 5
    assert Checkpointer("decoder").load()["step"] == 2


def test_seed_without_committed_weights_does_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("EASEL_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    assert main(["seed", "--arch", "tiny", "--out", str(tmp_path / "nothing")]) == 0
    assert not Checkpointer("decoder").exists()
