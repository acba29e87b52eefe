"""Train / held-out splits: combinations that training never shows, so ShapesEval measures composition.

Three kinds of combination are held out (issue 4, "Splits"):

1. colour-shape pairs (`HELD_OUT_COLOR_SHAPE`): no training scene holds, say, an
   orange triangle, though orange things and triangles are common;
2. colour-attribution pairs: two-object scenes whose unordered pair of
   (colour, shape) objects falls in a fixed 10 % hash bucket;
3. relation triples (`HELD_OUT_RELATIONS`): no training scene has, say, a
   triangle to the left of a circle (a circle to the left of a triangle is fine).

`is_held_out(scene)` is the single rule; training samples with
`sample_training_scene`, which rejects held-out scenes, and the evaluation
draws its prompts from the held-out side.
"""

from __future__ import annotations

import zlib

import numpy as np

from gpu_worker.world.scene import Scene, relations, sample_scene
from gpu_worker.world.spec import WorldSpec

HELD_OUT_COLOR_SHAPE: dict[str, frozenset[tuple[str, str]]] = {
    "stage1": frozenset({("orange", "triangle"), ("purple", "circle"), ("green", "square")}),
}
HELD_OUT_COLOR_SHAPE["stage2"] = HELD_OUT_COLOR_SHAPE["stage1"] | {("pink", "star"), ("brown", "heart"), ("blue", "ring")}

# (shape A, relation, shape B): "A <relation> B" never occurs in training.
HELD_OUT_RELATIONS: dict[str, frozenset[tuple[str, str, str]]] = {
    "stage1": frozenset({("triangle", "left_of", "circle"), ("square", "above", "triangle")}),
}
HELD_OUT_RELATIONS["stage2"] = HELD_OUT_RELATIONS["stage1"] | {("star", "right_of", "heart"), ("ring", "below", "square")}

PAIR_BUCKET_PERCENT = 10


def held_out_color_shapes(world: WorldSpec) -> frozenset[tuple[str, str]]:
    return HELD_OUT_COLOR_SHAPE[world.name]


def held_out_relations(world: WorldSpec) -> frozenset[tuple[str, str, str]]:
    return HELD_OUT_RELATIONS[world.name]


def pair_is_held_out(first: tuple[str, str], second: tuple[str, str]) -> bool:
    """True when the unordered pair of (colour, shape) objects is in the held-out hash bucket.

    Pairs of one shape, or of identical objects, are never held out: the
    colour-attribution prompts always name two different shapes.
    """
    if first[1] == second[1]:
        return False
    key = "|".join(sorted(f"{c} {s}" for c, s in (first, second)))
    return zlib.crc32(key.encode()) % 100 < PAIR_BUCKET_PERCENT


def is_held_out(scene: Scene, world: WorldSpec) -> bool:
    """True when `scene` shows any held-out combination (it must never be trained on)."""
    pairs = held_out_color_shapes(world)
    rels = held_out_relations(world)
    objects = scene.objects
    if any((o.color, o.shape) in pairs for o in objects):
        return True
    for i, a in enumerate(objects):
        for j, b in enumerate(objects):
            if i == j:
                continue
            if i < j and pair_is_held_out((a.color, a.shape), (b.color, b.shape)):
                return True
            if any((a.shape, rel, b.shape) in rels for rel in relations(a, b)):
                return True
    return False


def sample_training_scene(rng: np.random.Generator, world: WorldSpec, *, n_objects: int | None = None) -> Scene:
    """A scene of `world` that shows no held-out combination (rejection sampling)."""
    while True:
        scene = sample_scene(rng, world, n_objects=n_objects)
        if not is_held_out(scene, world):
            return scene
