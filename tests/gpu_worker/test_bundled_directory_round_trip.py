"""The bundled format: save a cascade, load it back, get the same images; refuse broken directories."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from gpu_worker.errors import ModelLoadError
from gpu_worker.loaders import load_cascade, save_cascade
from gpu_worker.models import (
    build_cascade,
    build_decoder,
    build_prior,
    build_super_res,
    build_text_proj,
    tiny_cascade_config,
)
from gpu_worker.pipelines import UnCLIPPipeline


@pytest.fixture(scope="module")
def saved(tiny_cascade, tmp_path_factory) -> Path:
    return save_cascade(tiny_cascade, tmp_path_factory.mktemp("bundled") / "bundled")


@pytest.fixture
def broken(saved, tmp_path) -> Path:
    copy = tmp_path / "bundled"
    shutil.copytree(saved, copy)
    return copy


def test_it_writes_one_folder_per_component_with_config_and_safetensors(saved):
    index = json.loads((saved / "model_index.json").read_text())

    assert index["_class_name"] == "EaselUnCLIPCascade"
    for name in ("prior", "text_proj", "decoder", "super_res_first", "super_res_1024"):
        assert (saved / name / "config.json").is_file()
        assert (saved / name / "diffusion_pytorch_model.safetensors").is_file()
    assert (saved / "clip" / "model.safetensors").is_file()
    assert (saved / "decoder_scheduler" / "scheduler_config.json").is_file()


def test_a_loaded_cascade_makes_the_same_images(tiny_pipeline, saved, two_steps):
    loaded = UnCLIPPipeline(load_cascade(saved), precision="fp32")

    before = tiny_pipeline("a cat", n=2, size=256, seed=5, options=two_steps).images
    after = loaded("a cat", n=2, size=256, seed=5, options=two_steps).images

    assert torch.equal(before, after)


def test_the_same_seed_builds_the_same_weights():
    first = build_cascade(tiny_cascade_config(), seed=3)
    second = build_cascade(tiny_cascade_config(), seed=3)

    for name, module in first.modules().items():
        other = second.modules()[name]
        for (key, a), b in zip(module.state_dict().items(), other.state_dict().values(), strict=True):
            assert torch.equal(a, b), f"{name}.{key}"


def test_each_component_builds_from_its_config_and_runs_one_step():
    config = tiny_cascade_config()
    torch.manual_seed(0)
    prior = build_prior(config["prior"])
    text_proj = build_text_proj(config["text_proj"])
    decoder = build_decoder(config["decoder"])
    super_res = build_super_res(config["super_res_first"])

    embedding = prior(torch.randn(2, 32), 10, proj_embedding=torch.randn(2, 32), encoder_hidden_states=torch.randn(2, 16, 32)).predicted_image_embedding
    tokens, additive = text_proj(torch.randn(2, 32), torch.randn(2, 32), torch.randn(2, 16, 32))
    decoded = decoder(torch.randn(2, 28, 16, 16), 10, encoder_hidden_states=tokens, class_labels=additive).sample
    upsampled = super_res(torch.randn(2, 160, 64, 64), 10, class_labels=torch.tensor([0, 0])).sample

    assert embedding.shape == (2, 32)
    assert tokens.shape == (2, 2 + 16, 16) and additive.shape == (2, 32)
    assert decoded.shape == (2, 12, 16, 16)
    assert upsampled.shape == (2, 48, 64, 64)


def test_a_missing_component_is_a_model_load_error(broken):
    shutil.rmtree(broken / "decoder")

    with pytest.raises(ModelLoadError, match="decoder"):
        load_cascade(broken)


def test_a_missing_weights_file_is_a_model_load_error(broken):
    (broken / "prior" / "diffusion_pytorch_model.safetensors").unlink()

    with pytest.raises(ModelLoadError, match="prior"):
        load_cascade(broken)


def test_a_corrupt_weights_file_is_a_model_load_error(broken):
    weights = broken / "super_res_first" / "diffusion_pytorch_model.safetensors"
    weights.write_bytes(weights.read_bytes()[: 1000])

    with pytest.raises(ModelLoadError, match="super_res_first"):
        load_cascade(broken)


def test_a_corrupt_config_is_a_model_load_error(broken):
    (broken / "text_proj" / "config.json").write_text("{not json")

    with pytest.raises(ModelLoadError, match="text_proj"):
        load_cascade(broken)


def test_a_corrupt_clip_is_a_model_load_error(broken):
    (broken / "clip" / "model.safetensors").write_bytes(b"garbage")

    with pytest.raises(ModelLoadError, match="clip"):
        load_cascade(broken)


def test_a_config_from_another_kind_of_model_is_a_model_load_error(broken):
    shutil.rmtree(broken / "decoder")
    shutil.copytree(broken / "super_res_first", broken / "decoder")

    with pytest.raises(ModelLoadError, match="expected UNet2DConditionModel"):
        load_cascade(broken)


def test_weights_that_do_not_match_their_config_are_a_model_load_error(broken):
    config = json.loads((broken / "super_res_first" / "config.json").read_text())
    config["block_out_channels"] = [32, 32]
    (broken / "super_res_first" / "config.json").write_text(json.dumps(config))

    with pytest.raises(ModelLoadError, match="super_res_first"):
        load_cascade(broken)


def test_a_component_from_another_cascade_is_a_model_load_error(broken, tmp_path):
    config = tiny_cascade_config()
    config["prior"]["embedding_dim"] = 64
    other = build_cascade(config)
    other.prior.save_pretrained(broken / "prior")

    with pytest.raises(ModelLoadError, match="prior embedding_dim 64"):
        load_cascade(broken)


def test_a_directory_that_is_not_an_easel_cascade_is_a_model_load_error(karlo_dir):
    with pytest.raises(ModelLoadError, match="not an Easel cascade"):
        load_cascade(karlo_dir)
