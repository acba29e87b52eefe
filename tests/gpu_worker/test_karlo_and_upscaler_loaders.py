"""Karlo v1 alpha (diffusers' UnCLIP layout) and the SD x4 upscaler, read from tiny saved models."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from gpu_worker.clip import HFClipEncoder
from gpu_worker.errors import ModelLoadError
from gpu_worker.loaders import load_karlo, load_sd_upscaler
from gpu_worker.models import TextProjection
from gpu_worker.pipelines import SamplingOptions, UnCLIPPipeline


@pytest.fixture(scope="module")
def karlo(karlo_dir, upscaler_dir):
    return UnCLIPPipeline(load_karlo(karlo_dir, upscaler=load_sd_upscaler(upscaler_dir)), precision="fp32")


def test_it_reads_every_karlo_component(karlo):
    cascade = karlo.cascade

    assert isinstance(cascade.clip, HFClipEncoder)
    assert cascade.clip.image_encoder is not None
    assert isinstance(cascade.text_proj, TextProjection)
    assert cascade.super_res_last is not None
    assert cascade.spec.decoder.image_size == 32 and cascade.spec.super_res.image_size == 256
    assert type(cascade.decoder_scheduler).__name__ == "UnCLIPScheduler"
    assert cascade.decoder_scheduler.config.variance_type == "learned_range"


def test_its_images_equal_diffusers_reference_pipeline_for_the_same_generators(karlo, karlo_dir):
    from gpu_worker.bench import load_reference_pipeline

    reference = load_reference_pipeline(karlo_dir)

    def generators():
        return [torch.Generator().manual_seed(10 + i) for i in range(2)]

    theirs = reference(
        "a cat", num_images_per_prompt=2, prior_num_inference_steps=2, decoder_num_inference_steps=2,
        super_res_num_inference_steps=2, generator=generators(), output_type="np",
    ).images
    ours = karlo("a cat", n=2, size=256, generators=generators(),
                 options=SamplingOptions(prior_steps=2, decoder_steps=2, super_res_steps=2)).images

    assert np.array_equal(ours.permute(0, 2, 3, 1).numpy(), theirs)


def test_the_x4_upscaler_takes_it_to_1024(karlo):
    seen: list[tuple[str, int, int]] = []
    options = SamplingOptions(prior_steps=2, decoder_steps=2, super_res_steps=2, super_res_1024_steps=2)

    out = karlo("a cat", n=1, size=1024, seed=1, options=options, progress=lambda *a: seen.append(a))

    assert out.images.shape == (1, 3, 1024, 1024)
    assert seen[-2:] == [("super_res_1024", 1, 2), ("super_res_1024", 2, 2)]


def test_karlo_inpaints_by_repaint_and_keeps_the_known_region(karlo, two_steps):
    image = torch.rand(1, 3, 256, 256, generator=torch.Generator().manual_seed(0)) * 2 - 1
    mask = torch.zeros(1, 1, 256, 256)
    mask[..., 64:128, 64:128] = 1

    out = karlo("a cat", n=1, size=256, seed=0, image=image, mask=mask, options=two_steps)

    keep = torch.nn.functional.max_pool2d(mask, 9, stride=1, padding=4)[0, 0] == 0
    assert torch.equal(out.images[0][:, keep], ((image[0] + 1) / 2)[:, keep])


def test_karlo_makes_variations_from_its_image_encoder(karlo, two_steps):
    embedding = karlo.cascade.clip.encode_image(torch.zeros(1, 3, 256, 256))

    out = karlo("", n=2, size=256, seed=0, image_embeddings=embedding, options=two_steps)

    assert embedding.shape == (1, 32)
    assert out.images.shape == (2, 3, 256, 256)


def test_the_engine_reads_the_karlo_preset_from_the_models_dir(models_dir):
    from gpu_worker.engine import Engine, EngineConfig

    engine = Engine.from_config(EngineConfig(preset="karlo", models_dir=models_dir, device="cpu", precision="fp32"))

    assert engine.model_name == "karlo-v1-alpha+sd-x4-upscaler"
    assert engine.pipeline.cascade.upscaler is not None


def test_another_pipeline_in_the_karlo_folder_is_a_model_load_error(karlo_dir, upscaler_dir):
    with pytest.raises(ModelLoadError, match="not Karlo"):
        load_karlo(upscaler_dir)
    with pytest.raises(ModelLoadError, match="not a StableDiffusionUpscalePipeline"):
        load_sd_upscaler(karlo_dir)


def test_a_missing_tokenizer_is_a_model_load_error(karlo_dir, tmp_path):
    copy = tmp_path / "karlo"
    shutil.copytree(karlo_dir, copy)
    (copy / "tokenizer" / "merges.txt").unlink()

    with pytest.raises(ModelLoadError, match="tokenizer"):
        load_karlo(copy)


def test_a_foreign_text_encoder_is_a_model_load_error(karlo_dir, tmp_path):
    copy = tmp_path / "karlo"
    shutil.copytree(karlo_dir, copy)
    config = json.loads((copy / "text_encoder" / "config.json").read_text())
    config["architectures"] = ["CLIPVisionModelWithProjection"]
    (copy / "text_encoder" / "config.json").write_text(json.dumps(config))

    with pytest.raises(ModelLoadError, match="text_encoder"):
        load_karlo(copy)


def test_repaint_resampling_jumps_back_and_denoises_again(karlo):
    image = torch.rand(1, 3, 256, 256, generator=torch.Generator().manual_seed(0)) * 2 - 1
    mask = torch.zeros(1, 1, 256, 256)
    mask[..., 64:128, 64:128] = 1
    calls = {"n": 0}
    decoder = karlo.cascade.decoder
    handle = decoder.register_forward_hook(lambda *_: calls.__setitem__("n", calls["n"] + 1))
    try:
        options = SamplingOptions(prior_steps=2, decoder_steps=3, super_res_steps=2, repaint_resample=2)
        out = karlo("a cat", n=1, size=256, seed=0, image=image, mask=mask, options=options)
    finally:
        handle.remove()

    # Two of the three decoder steps have a later step to jump back from: 2 * 2 + 1 passes.
    assert calls["n"] == 5
    keep = torch.nn.functional.max_pool2d(mask, 9, stride=1, padding=4)[0, 0] == 0
    assert torch.equal(out.images[0][:, keep], ((image[0] + 1) / 2)[:, keep])
