"""Scene sampling is a function of the seed, stays inside its world, and keeps objects apart."""

import numpy as np

from gpu_worker.world.scene import objects_overlap, sample_scene
from gpu_worker.world.spec import STAGE1, STAGE2


def test_the_same_seed_gives_the_same_scenes():
    first = [sample_scene(np.random.default_rng(7), STAGE1) for _ in range(3)]
    again = [sample_scene(np.random.default_rng(7), STAGE1) for _ in range(3)]
    assert first == again


def test_stage1_scenes_use_only_stage1_attributes():
    rng = np.random.default_rng(0)
    for _ in range(300):
        scene = sample_scene(rng, STAGE1)
        assert 1 <= len(scene.objects) <= 2
        assert len(scene.background) == 1 and scene.gradient is None
        for obj in scene.objects:
            assert obj.shape in STAGE1.shapes
            assert obj.color in STAGE1.colors and obj.color not in scene.background
            assert obj.position in STAGE1.positions


def test_objects_never_overlap_even_in_crowded_stage2_scenes():
    rng = np.random.default_rng(1)
    for _ in range(300):
        scene = sample_scene(rng, STAGE2, n_objects=4)
        objects = scene.objects
        assert not any(objects_overlap(a, b) for i, a in enumerate(objects) for b in objects[i + 1 :])
        assert len({o.position for o in objects}) == 4


def test_labels_round_trip():
    from gpu_worker.world.scene import Scene

    scene = sample_scene(np.random.default_rng(2), STAGE2, n_objects=3)
    assert Scene.from_label(scene.to_label()).to_label() == scene.to_label()
