"""Cross-request batching: several text-to-image requests run as one batch and each gets its own images."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gpu_worker.engine import Engine, EngineConfig
from gpu_worker.errors import InvalidInput
from gpu_worker.interface import GenerationRequest, batch_key
from gpu_worker.pipelines import SamplingOptions

FAST = {"prior_steps": 2, "decoder_steps": 2, "super_res_steps": 2, "super_res_1024_steps": 2}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_config(EngineConfig(preset="tiny-random", device="cpu", precision="fp32"))


def pixels(png: bytes) -> np.ndarray:
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_each_request_in_a_batch_gets_the_images_it_would_get_alone(engine):
    requests = [
        GenerationRequest(mode="generate", prompt="a red circle", size=256, n=1, seed=11, options=FAST),
        GenerationRequest(mode="generate", prompt="a blue square on the left", size=256, n=2, seed=40, options=FAST),
        GenerationRequest(mode="generate", prompt="a red circle", size=256, n=1, seed=7, options=FAST),
    ]

    batched = engine.generate_batch(requests)

    assert [len(r.images) for r in batched] == [1, 2, 1]
    for request, result in zip(requests, batched, strict=True):
        alone = engine.generate(request)
        for a, b in zip(result.images, alone.images, strict=True):
            # fp32 on the CPU: a larger batch may change the last bits of a matrix
            # product, never a visible pixel.
            assert np.abs(pixels(a).astype(int) - pixels(b).astype(int)).max() <= 1


def test_prompts_are_not_mixed_up_within_a_batch(tiny_pipeline):
    options = SamplingOptions(prior_steps=2, decoder_steps=2, super_res_steps=2)
    gens = lambda: [torch.Generator().manual_seed(5) for _ in range(2)]  # noqa: E731 - same noise for both

    out = tiny_pipeline(["a red circle", "a green triangle"], n=2, size=256, generators=gens(), options=options)
    red = tiny_pipeline("a red circle", n=1, size=256, generators=gens()[:1], options=options)

    assert torch.allclose(out.images[0], red.images[0], atol=2e-3)
    assert not torch.allclose(out.images[0], out.images[1], atol=2e-3)


def test_the_karlo_upscaler_reads_each_images_own_prompt(karlo_dir, upscaler_dir):
    from gpu_worker.loaders import load_karlo, load_sd_upscaler
    from gpu_worker.pipelines import UnCLIPPipeline

    pipe = UnCLIPPipeline(load_karlo(karlo_dir, upscaler=load_sd_upscaler(upscaler_dir)), precision="fp32")
    options = SamplingOptions(prior_steps=2, decoder_steps=2, super_res_steps=2, super_res_1024_steps=2)
    gens = lambda seeds: [torch.Generator().manual_seed(s) for s in seeds]  # noqa: E731

    both = pipe(["a cat", "a dog"], n=2, size=1024, generators=gens([1, 2]), options=options)
    dog = pipe("a dog", n=1, size=1024, generators=gens([2]), options=options)

    assert torch.allclose(both.images[1], dog.images[0], atol=2e-3)


def test_only_text_to_image_requests_of_one_shape_share_a_key():
    base = GenerationRequest(mode="generate", prompt="a", size=256, n=1, options={"decoder_steps": 4})

    assert batch_key(base) == batch_key(GenerationRequest(mode="generate", prompt="b", size=256, n=3, seed=9, options={"decoder_steps": 4}))
    assert batch_key(base) != batch_key(GenerationRequest(mode="generate", prompt="a", size=512, n=1, options={"decoder_steps": 4}))
    assert batch_key(base) != batch_key(GenerationRequest(mode="generate", prompt="a", size=256, n=1))
    assert batch_key(GenerationRequest(mode="variation", image=b"x", size=256)) is None


def test_a_batch_of_mixed_shapes_or_too_many_images_is_refused_before_any_work(engine):
    a = GenerationRequest(mode="generate", prompt="a", size=256, n=1, options=FAST)
    with pytest.raises(InvalidInput):
        engine.generate_batch([a, GenerationRequest(mode="generate", prompt="b", size=512, n=1, options=FAST)])
    with pytest.raises(InvalidInput):
        engine.generate_batch([GenerationRequest(mode="generate", prompt="b", size=256, n=10, options=FAST)] * 2)
    with pytest.raises(InvalidInput):
        engine.generate_batch([a, GenerationRequest(mode="generate", prompt="  ", size=256, n=1, options=FAST)])
    assert engine.generate_batch([]) == []
