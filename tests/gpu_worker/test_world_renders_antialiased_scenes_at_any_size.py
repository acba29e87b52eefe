"""The renderer draws a scene at any size up to 1024 with anti-aliased edges, the same every time."""

import numpy as np

from gpu_worker.world.render import render_scene
from gpu_worker.world.scene import Scene, SceneObject
from gpu_worker.world.spec import PALETTE

RED_CIRCLE = Scene(world="stage1", background=("blue",), objects=(SceneObject("circle", "red", "medium", "centre", 0.5, 0.5),))


def test_it_renders_rgb_uint8_images_at_each_size():
    for size in (32, 64, 256, 1024):
        image = render_scene(RED_CIRCLE, size)
        assert image.shape == (size, size, 3)
        assert image.dtype == np.uint8


def test_object_and_background_take_their_palette_colours():
    image = render_scene(RED_CIRCLE, 64)
    assert tuple(image[32, 32]) == PALETTE["red"]
    assert tuple(image[2, 2]) == PALETTE["blue"]


def test_edges_are_blended_not_aliased():
    image = render_scene(RED_CIRCLE, 256).reshape(-1, 3)
    pure = {PALETTE["red"], PALETTE["blue"]}
    blended = [tuple(p) for p in image if tuple(p) not in pure]
    # A hard-edged circle would have no in-between pixels at all.
    assert len(blended) > 100


def test_rendering_is_deterministic():
    assert np.array_equal(render_scene(RED_CIRCLE, 128), render_scene(RED_CIRCLE, 128))


def test_gradient_backgrounds_run_from_the_first_colour_to_the_second():
    scene = Scene(world="stage2", background=("white", "black"), gradient="vertical", objects=())
    image = render_scene(scene, 64).astype(int)
    assert np.abs(image[0, 0] - PALETTE["white"]).max() < 10
    assert np.abs(image[-1, 0] - PALETTE["black"]).max() < 10
