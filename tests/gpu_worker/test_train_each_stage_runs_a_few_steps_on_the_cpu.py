"""Every training stage runs a few steps of a tiny cascade on the CPU, and export writes a loadable model."""

import json

import pytest

from gpu_worker.train.__main__ import main

STAGES = ("clip", "prior", "decoder", "super_res_first", "super_res_1024")


@pytest.fixture()
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("EASEL_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    return tmp_path


def test_each_stage_trains_and_export_writes_a_loadable_fp16_cascade(root):
    import torch

    from gpu_worker.loaders import load_cascade
    from gpu_worker.train.common import Checkpointer

    for stage in STAGES:
        assert main([stage, "--arch", "tiny", "--steps", "2", "--batch-size", "4", "--log-every", "1"]) == 0
        state = Checkpointer(stage).load()
        assert state["step"] == 2
        assert state["world"] == "stage1"

    out = root / "bundled"
    assert main(["export", "--arch", "tiny", "--out", str(out)]) == 0
    record = json.loads((out / "training.json").read_text())
    assert set(record["stages"]) == set(STAGES)
    assert record["untrained"] == []
    from safetensors import safe_open

    with safe_open(str(out / "decoder" / "diffusion_pytorch_model.safetensors"), "pt") as f:
        assert {f.get_tensor(k).dtype for k in f.keys()} == {torch.float16}
    cascade = load_cascade(out)
    assert cascade.spec.name == "easel-tiny-trained"
