"""Variations start from an image's CLIP embedding; interpolation decodes slerped embeddings with one seed."""

from __future__ import annotations

import torch

from gpu_worker.engine import slerp


def test_a_variation_skips_the_prior_and_decodes_the_image_embedding(tiny_pipeline, two_steps):
    image = torch.rand(1, 3, 256, 256, generator=torch.Generator().manual_seed(1)) * 2 - 1
    embedding = tiny_pipeline.cascade.clip.encode_image(image)
    seen: list[str] = []

    out = tiny_pipeline("", n=3, size=256, seed=4, image_embeddings=embedding, options=two_steps,
                        progress=lambda stage, step, total: seen.append(stage))

    assert out.images.shape == (3, 3, 256, 256)
    assert "prior" not in seen
    assert out.stages == ["decoder", "super_res_256"]
    assert torch.equal(out.image_embeddings, embedding.expand(3, -1))
    again = tiny_pipeline("", n=3, size=256, seed=4, image_embeddings=embedding, options=two_steps)
    assert torch.equal(out.images, again.images)


def test_slerp_runs_from_one_end_to_the_other_along_the_sphere():
    a = torch.tensor([3.0, 0.0])
    b = torch.tensor([0.0, 1.0])

    assert torch.allclose(slerp(a, b, 0.0), a)
    assert torch.allclose(slerp(a, b, 1.0), b)
    mid = slerp(a, b, 0.5)
    assert torch.allclose(mid / mid.norm(), torch.tensor([0.5**0.5, 0.5**0.5]), atol=1e-6)
    assert torch.isclose(mid.norm(), torch.tensor(2.0))


def test_an_interpolation_strip_shares_its_noise_so_only_the_embedding_changes(tiny_pipeline, two_steps):
    clip = tiny_pipeline.cascade.clip
    start = clip.encode_image(torch.full((1, 3, 64, 64), -0.5))
    end = clip.encode_image(torch.full((1, 3, 64, 64), 0.5))
    blends = torch.stack([slerp(start[0], end[0], t) for t in (0.0, 0.0, 1.0)])
    generators = [torch.Generator().manual_seed(9) for _ in range(3)]

    out = tiny_pipeline("", n=3, size=256, generators=generators, image_embeddings=blends, options=two_steps)

    # Same embedding and noise: the same image (to float rounding across batch rows).
    assert torch.allclose(out.images[0], out.images[1], atol=1e-5)
    assert (out.images[0] - out.images[2]).abs().mean() > 1e-3
