"""A hard negative is the same scene with one binding changed: never identical, same object count."""

import numpy as np

from gpu_worker.world.negatives import hard_negative
from gpu_worker.world.scene import objects_overlap, sample_scene
from gpu_worker.world.spec import STAGE1


def _key(scene):
    return scene.background, sorted((o.shape, o.color, o.position) for o in scene.objects)


def test_negatives_differ_from_their_scene_and_keep_its_size():
    rng = np.random.default_rng(0)
    for _ in range(300):
        scene = sample_scene(rng, STAGE1)
        negative = hard_negative(scene, rng, STAGE1)
        assert _key(negative) != _key(scene)
        assert len(negative.objects) == len(scene.objects)
        objects = negative.objects
        assert not any(objects_overlap(a, b) for i, a in enumerate(objects) for b in objects[i + 1 :])


def test_two_object_negatives_often_keep_the_same_bag_of_attributes():
    # Swaps keep the colours and shapes but rebind them: the case a bag-of-words embedding cannot tell apart.
    rng = np.random.default_rng(1)
    swaps = 0
    for _ in range(200):
        scene = sample_scene(rng, STAGE1, n_objects=2, same_probability=0.0)
        negative = hard_negative(scene, rng, STAGE1)
        same_bag = sorted(o.color for o in scene.objects) == sorted(o.color for o in negative.objects) and sorted(
            o.shape for o in scene.objects
        ) == sorted(o.shape for o in negative.objects)
        swaps += same_bag
    assert swaps > 50
