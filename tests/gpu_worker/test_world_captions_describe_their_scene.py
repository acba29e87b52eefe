"""Captions come in varied phrasing and never say anything false about their scene."""

import numpy as np

from gpu_worker.world.captions import caption_scene, captions_for_scene
from gpu_worker.world.scene import Scene, SceneObject, sample_scene
from gpu_worker.world.spec import STAGE1, STAGE2

PAIR = Scene(
    world="stage1",
    background=("yellow",),
    objects=(SceneObject("star", "red", "medium", "top", 0.5, 0.2), SceneObject("circle", "blue", "medium", "bottom", 0.5, 0.8)),
)


def test_full_captions_name_every_colour_and_the_background():
    rng = np.random.default_rng(0)
    for _ in range(100):
        scene = sample_scene(rng, STAGE1)
        text = caption_scene(scene, rng, full=True)
        for obj in scene.objects:
            assert obj.color in text and obj.shape in text
        assert scene.background[0] in text


def test_captions_never_name_a_colour_or_shape_the_scene_lacks():
    rng = np.random.default_rng(1)
    for _ in range(300):
        scene = sample_scene(rng, STAGE2)
        text = caption_scene(scene, rng)
        words = set(text.replace(",", " ").split())
        named = {o.color for o in scene.objects} | set(scene.background)
        assert not (words & set(STAGE2.colors)) - named
        shapes = {o.shape for o in scene.objects}
        assert not {w.rstrip("s") for w in words} & set(STAGE2.shapes) - shapes


def test_relations_in_captions_are_true():
    rng = np.random.default_rng(2)
    texts = {caption_scene(PAIR.__class__(**{**PAIR.__dict__}), rng) for _ in range(200)}
    assert any("above" in t or "over" in t for t in texts)
    assert not any("left of" in t or "right of" in t for t in texts)
    for t in texts:
        if "star above" in t or "star over" in t:
            continue
        assert "circle above" not in t and "circle over" not in t


def test_a_scene_gets_several_different_captions():
    captions = captions_for_scene(PAIR, np.random.default_rng(3), k=4)
    assert len(captions) == 4
    assert len(set(captions)) >= 3


def test_two_identical_objects_can_be_counted():
    twins = Scene(
        world="stage1",
        background=("black",),
        objects=(SceneObject("square", "green", "medium", "left", 0.2, 0.5), SceneObject("square", "green", "medium", "right", 0.8, 0.5)),
    )
    rng = np.random.default_rng(4)
    assert any(caption_scene(twins, rng).startswith("two") for _ in range(20))
