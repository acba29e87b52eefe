"""Training scenes never show a held-out colour-shape pair, object pair or relation; evaluation uses them."""

import numpy as np

from gpu_worker.world.scene import relations
from gpu_worker.world.spec import STAGE1, STAGE2
from gpu_worker.world.splits import (
    held_out_color_shapes,
    held_out_relations,
    is_held_out,
    pair_is_held_out,
    sample_training_scene,
)


def test_training_scenes_never_hold_a_held_out_combination():
    for world in (STAGE1, STAGE2):
        rng = np.random.default_rng(0)
        pairs, rels = held_out_color_shapes(world), held_out_relations(world)
        for _ in range(500):
            scene = sample_training_scene(rng, world)
            assert not is_held_out(scene, world)
            assert not any((o.color, o.shape) in pairs for o in scene.objects)
            for a in scene.objects:
                for b in scene.objects:
                    if a is not b:
                        assert not any((a.shape, r, b.shape) in rels for r in relations(a, b))
                        assert not pair_is_held_out((a.color, a.shape), (b.color, b.shape))


def test_every_colour_and_shape_still_appears_in_training():
    rng = np.random.default_rng(1)
    scenes = [sample_training_scene(rng, STAGE1) for _ in range(2000)]
    seen = {(o.color, o.shape) for s in scenes for o in s.objects}
    assert {c for c, _ in seen} == set(STAGE1.colors)
    assert {s for _, s in seen} == set(STAGE1.shapes)
    assert not seen & held_out_color_shapes(STAGE1)


def test_the_pair_rule_is_symmetric_and_ignores_same_shape_pairs():
    assert pair_is_held_out(("red", "circle"), ("black", "square")) == pair_is_held_out(("black", "square"), ("red", "circle"))
    assert not pair_is_held_out(("red", "circle"), ("blue", "circle"))
