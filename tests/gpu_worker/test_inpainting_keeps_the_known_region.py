"""Inpainting and outpainting: every stage sees the known pixels, and the output keeps them."""

from __future__ import annotations

import torch

from gpu_worker.pipelines import composite_known


def _image_and_mask(size: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    image = torch.rand(1, 3, size, size, generator=generator) * 2 - 1
    mask = torch.zeros(1, 1, size, size)
    mask[..., size // 4 : size // 2, size // 4 : size // 2] = 1
    return image, mask


def _outside_band(mask: torch.Tensor, band: int) -> torch.Tensor:
    grown = torch.nn.functional.max_pool2d(mask, kernel_size=2 * band + 1, stride=1, padding=band)
    return grown[0, 0] == 0


def test_it_keeps_the_known_pixels_exactly_outside_the_feathered_band(tiny_pipeline, two_steps):
    image, mask = _image_and_mask()

    out = tiny_pipeline("a cat", n=2, size=256, seed=0, image=image, mask=mask, options=two_steps)

    known = (image + 1) / 2
    keep = _outside_band(mask, band=4)
    assert torch.equal(out.images[:, :, keep], known.expand(2, -1, -1, -1)[:, :, keep])


def test_it_repaints_the_hole(tiny_pipeline, two_steps):
    image, mask = _image_and_mask()

    out = tiny_pipeline("a cat", n=1, size=256, seed=0, image=image, mask=mask, options=two_steps)

    hole = mask[0, 0] == 1
    assert (out.images[0][:, hole] - ((image[0] + 1) / 2)[:, hole]).abs().mean() > 0.05


def test_the_stages_see_the_known_pixels_through_their_inpainting_channels(tiny_pipeline, two_steps):
    """Changing only the known pixels changes what the model paints in the hole."""
    image, mask = _image_and_mask()
    other = image.clone()
    other[..., :64, :] = -image[..., :64, :]

    a = tiny_pipeline("a cat", n=1, size=256, seed=0, image=image, mask=mask, options=two_steps).images
    b = tiny_pipeline("a cat", n=1, size=256, seed=0, image=other, mask=mask, options=two_steps).images

    hole = mask[0, 0] == 1
    assert not torch.equal(a[0][:, hole], b[0][:, hole])


def test_outpainting_fills_the_empty_part_of_a_larger_canvas(tiny_pipeline, two_steps):
    image = torch.zeros(1, 3, 256, 256)
    image[..., :, :128] = torch.linspace(-1, 1, 128)
    mask = torch.zeros(1, 1, 256, 256)
    mask[..., :, 128:] = 1

    out = tiny_pipeline("a cat", n=1, size=256, seed=0, image=image, mask=mask, options=two_steps)

    keep = _outside_band(mask, band=4)
    assert torch.equal(out.images[0][:, keep], ((image[0] + 1) / 2)[:, keep])
    assert out.images[0][:, :, 140:].std() > 0.05


def test_the_feathered_band_fades_from_generated_to_known():
    out = torch.ones(1, 3, 64, 64)
    known = torch.zeros(1, 3, 64, 64)
    mask = torch.zeros(1, 1, 64, 64)
    mask[..., :, 32:] = 1

    blended = composite_known(out, known, mask, band=4)

    row = blended[0, 0, 10]
    assert torch.equal(row[32:], torch.ones(32))
    assert torch.equal(row[:28], torch.zeros(28))
    assert torch.all(row[28:32].diff() > 0)
