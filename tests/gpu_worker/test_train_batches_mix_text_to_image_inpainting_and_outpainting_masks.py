"""Training masks: all-ones (text to image) for about half the samples, else a box, a border or strokes."""

import numpy as np

from gpu_worker.train.data import random_masks


def test_about_half_the_masks_leave_known_pixels():
    masks = random_masks(np.random.default_rng(0), 400, 32, p_mask=0.5)
    assert masks.shape == (400, 1, 32, 32)
    assert set(np.unique(masks.numpy())) <= {0.0, 1.0}
    partial = (masks.mean(dim=(1, 2, 3)) < 1).float().mean().item()
    assert 0.4 < partial < 0.6


def test_outpainting_masks_keep_a_window_and_repaint_its_surroundings():
    masks = random_masks(np.random.default_rng(1), 400, 32, p_mask=1.0).numpy()[:, 0]
    border_repainted = [m for m in masks if m[0].all() or m[-1].all() or m[:, 0].all() or m[:, -1].all()]
    assert len(border_repainted) > 50
    assert all(m.min() == 0 for m in masks)


def test_masks_are_a_function_of_the_generator():
    a = random_masks(np.random.default_rng(5), 8, 16, p_mask=0.5)
    b = random_masks(np.random.default_rng(5), 8, 16, p_mask=0.5)
    assert (a == b).all()
