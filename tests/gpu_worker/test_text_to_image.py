"""Text to image through our pipeline on a tiny seeded cascade."""

from __future__ import annotations

import pytest
import torch

from gpu_worker.errors import Cancelled
from gpu_worker.pipelines import SamplingOptions


def test_it_makes_n_images_of_the_requested_size_in_0_1(tiny_pipeline, two_steps):
    out = tiny_pipeline("a red circle", n=3, size=256, seed=1, options=two_steps)

    assert out.images.shape == (3, 3, 256, 256)
    assert out.images.dtype == torch.float32
    assert 0.0 <= out.images.min() and out.images.max() <= 1.0
    assert out.image_embeddings.shape == (3, 32)
    assert out.stages == ["prior", "decoder", "super_res_256"]


def test_its_pixels_match_the_recorded_values(tiny_pipeline, two_steps):
    out = tiny_pipeline("a red circle", n=1, size=256, seed=1, options=two_steps)

    expected = torch.tensor(EXPECTED_SLICE)
    assert torch.allclose(out.images[0, :, 120, 120:124].flatten(), expected, atol=1e-3)


def test_the_same_seed_reproduces_the_images_bit_for_bit(tiny_pipeline, two_steps):
    first = tiny_pipeline("a red circle", n=2, size=256, seed=7, options=two_steps)
    second = tiny_pipeline("a red circle", n=2, size=256, seed=7, options=two_steps)

    assert torch.equal(first.images, second.images)


def test_another_seed_or_prompt_gives_other_images(tiny_pipeline, two_steps):
    base = tiny_pipeline("a red circle", n=1, size=256, seed=7, options=two_steps).images
    other_seed = tiny_pipeline("a red circle", n=1, size=256, seed=8, options=two_steps).images
    other_prompt = tiny_pipeline("a blue square", n=1, size=256, seed=7, options=two_steps).images

    assert not torch.equal(base, other_seed)
    assert not torch.equal(base, other_prompt)


def test_an_image_does_not_depend_on_its_batch(tiny_cascade, two_steps):
    from gpu_worker.pipelines import UnCLIPPipeline

    in_fours = UnCLIPPipeline(tiny_cascade, precision="fp32", batch_size=4)("a cat", n=3, size=256, seed=3, options=two_steps)
    one_by_one = UnCLIPPipeline(tiny_cascade, precision="fp32", batch_size=1)("a cat", n=3, size=256, seed=3, options=two_steps)
    alone = UnCLIPPipeline(tiny_cascade, precision="fp32")("a cat", n=1, size=256, seed=3, options=two_steps)

    assert torch.allclose(in_fours.images, one_by_one.images, atol=1e-5)
    assert torch.allclose(in_fours.images[:1], alone.images, atol=1e-5)


def test_it_makes_1024_and_512_through_the_second_upsampler(tiny_pipeline, two_steps):
    big = tiny_pipeline("a cat", n=1, size=1024, seed=2, options=two_steps)
    mid = tiny_pipeline("a cat", n=1, size=512, seed=2, options=two_steps)

    assert big.images.shape == (1, 3, 1024, 1024)
    assert big.stages[-1] == "super_res_1024"
    assert mid.images.shape == (1, 3, 512, 512)
    # 512 is the 1024 result resized.
    resized = torch.nn.functional.interpolate(big.images, size=(512, 512), mode="bicubic", antialias=True).clamp(0, 1)
    assert torch.allclose(mid.images, resized, atol=1e-5)


def test_it_reports_progress_for_every_stage_and_step(tiny_pipeline, two_steps):
    seen: list[tuple[str, int, int]] = []

    tiny_pipeline("a cat", n=1, size=1024, seed=0, options=two_steps, progress=lambda *a: seen.append(a))

    assert seen == [
        ("prior", 1, 2), ("prior", 2, 2),
        ("decoder", 1, 2), ("decoder", 2, 2),
        ("super_res_256", 1, 2), ("super_res_256", 2, 2),
        ("super_res_1024", 1, 2), ("super_res_1024", 2, 2),
    ]


def test_it_stops_between_steps_when_cancelled(tiny_pipeline, two_steps):
    seen: list[str] = []

    with pytest.raises(Cancelled):
        tiny_pipeline(
            "a cat", n=1, size=256, seed=0, options=two_steps,
            progress=lambda stage, step, total: seen.append(stage), cancel=lambda: "decoder" in seen,
        )

    assert seen == ["prior", "prior", "decoder"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": 300}, "size"),
        ({"n": 0}, "n must"),
        ({"generators": [torch.Generator()]}, "one generator per image"),
        ({"image_embeddings": torch.zeros(2, 5)}, "image_embeddings"),
        ({"image": torch.zeros(1, 3, 256, 256)}, "both image and mask"),
        ({"options": SamplingOptions(prior_steps=1)}, "prior_steps must be at least 2"),
    ],
)
def test_check_inputs_names_what_is_wrong(tiny_pipeline, kwargs, message):
    call = {"n": 2, "size": 256} | kwargs
    with pytest.raises(ValueError, match=message):
        tiny_pipeline("a cat", **call)


EXPECTED_SLICE = [0.0004, 1.0, 0.4467, 0.9995, 0.9997, 0.6157, 0.4079, 0.6248, 0.4244, 0.0, 0.9344, 0.9993]


def test_the_prior_keeps_the_draw_nearest_the_text(tiny_cascade, two_steps):
    """prior_candidates=k: k draws per image, the one with the highest cosine to the
    prompt's CLIP text embedding is kept (the DALL·E 2 paper's rerank of two)."""
    import copy
    import dataclasses

    import torch.nn.functional as F

    from gpu_worker.pipelines import UnCLIPPipeline
    from gpu_worker.pipelines.unclip import _repeat, _Stepper

    cascade = copy.deepcopy(tiny_cascade)
    with torch.no_grad():
        cascade.prior.clip_std.fill_(1.0)  # a fresh prior un-normalises everything to 0
    pipe = UnCLIPPipeline(cascade, precision="fp32")
    prompt = "a red circle above a blue square"
    defaults = cascade.spec.defaults
    one = dataclasses.replace(two_steps, prior_candidates=1).resolved(defaults)
    four = dataclasses.replace(two_steps, prior_candidates=4).resolved(defaults)
    cond, uncond = pipe._encode_text(prompt, 2)

    def gens(*seeds, each=1):
        # One generator per image, used `each` times in a row (as the pipeline does).
        return [g for s in seeds for g in [torch.Generator("cpu").manual_seed(s)] * each]

    with torch.no_grad():
        # The four draws of each image, made the way the pipeline makes them.
        draws = pipe._run_prior(_repeat(cond, 4), _repeat(uncond, 4), gens(5, 6, each=4), one, _Stepper(None, None))
        kept = pipe._run_prior(cond, uncond, gens(5, 6), four, _Stepper(None, None))
    draws = draws.view(2, 4, -1)
    scores = F.cosine_similarity(draws, cond.pooled[:, None, :], dim=-1)
    assert not torch.allclose(draws[:, 0], draws[:, 1])  # the draws differ
    assert torch.equal(kept, draws[torch.arange(2), scores.argmax(dim=1)])

    # Each image still gets what it would get alone.
    both = pipe(prompt, n=2, size=256, generators=gens(5, 6), options=dataclasses.replace(two_steps, prior_candidates=4))
    alone = pipe(prompt, n=1, size=256, generators=gens(6), options=dataclasses.replace(two_steps, prior_candidates=4))
    assert torch.allclose(both.images[1:], alone.images, atol=1e-5)
