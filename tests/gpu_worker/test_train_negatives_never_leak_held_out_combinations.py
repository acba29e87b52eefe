"""Hard negatives are trained on as positives too, so they must never show a held-out combination."""

import numpy as np

from gpu_worker.train.data import training_negative, training_scenes
from gpu_worker.world.spec import STAGE1
from gpu_worker.world.splits import is_held_out


def test_training_negatives_are_legal_training_scenes():
    rng = np.random.default_rng(0)
    for scene in training_scenes(rng, STAGE1, 400, step=10**6):
        assert not is_held_out(training_negative(scene, rng, STAGE1), STAGE1)


def test_the_curriculum_starts_with_single_objects():
    rng = np.random.default_rng(1)
    assert {len(s.objects) for s in training_scenes(rng, STAGE1, 100, step=0, single_object_steps=10)} == {1}
    assert {len(s.objects) for s in training_scenes(rng, STAGE1, 100, step=10, single_object_steps=10)} == {1, 2}
