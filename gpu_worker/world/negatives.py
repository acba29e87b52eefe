"""Hard negatives: the same scene with one thing changed, so CLIP must bind attributes to objects.

A contrastive batch that holds a scene and its twin with colours swapped
between the two objects can only be solved by an embedding that knows which
colour belongs to which shape (issue 4; "NegCLIP"-style hard negatives).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gpu_worker.world.scene import Scene, SceneObject, objects_overlap
from gpu_worker.world.spec import POSITIONS, WorldSpec

MOVES = ("swap_color", "swap_shape", "swap_position", "color", "shape", "position", "background")
SWAPS = MOVES[:3]


def hard_negative(scene: Scene, rng: np.random.Generator, world: WorldSpec, moves: tuple[str, ...] = MOVES) -> Scene:
    """A scene differing from `scene` in exactly one attribute binding, never equal to it.

    `moves` limits the kinds of change. Two-object scenes prefer swapping
    colours, shapes or places between the objects (the binding errors a
    bag-of-words embedding makes); otherwise one object's colour, shape or
    position, or the background colour, changes.
    """
    objects = list(scene.objects)
    allowed = [m for m in moves if len(objects) >= 2 or m not in SWAPS] or ["color"]
    swaps = [m for m in allowed if m in SWAPS]
    for _ in range(50):
        pool = swaps if swaps and rng.random() < 0.5 else allowed
        move = pool[int(rng.integers(len(pool)))]
        candidate = _apply(move, scene, objects, rng, world)
        if candidate is not None and _differs(candidate, scene):
            return candidate
    # Always possible: recolour the first object.
    colors = [c for c in world.colors if c not in scene.background and c != objects[0].color]
    objects[0] = replace(objects[0], color=str(rng.choice(colors)))
    return scene.with_objects(tuple(objects))


def _apply(move: str, scene: Scene, objects: list[SceneObject], rng: np.random.Generator, world: WorldSpec) -> Scene | None:
    new = list(objects)
    i = int(rng.integers(len(objects)))
    if move.startswith("swap_"):
        i, j = (int(k) for k in rng.choice(len(objects), size=2, replace=False))
        a, b = objects[i], objects[j]
        if move == "swap_color":
            new[i], new[j] = replace(a, color=b.color), replace(b, color=a.color)
        elif move == "swap_shape":
            new[i], new[j] = replace(a, shape=b.shape), replace(b, shape=a.shape)
        else:
            new[i] = replace(a, position=b.position, x=b.x, y=b.y)
            new[j] = replace(b, position=a.position, x=a.x, y=a.y)
    elif move == "color":
        colors = [c for c in world.colors if c not in scene.background and c != objects[i].color]
        new[i] = replace(objects[i], color=str(rng.choice(colors)))
    elif move == "shape":
        shapes = [s for s in world.shapes if s != objects[i].shape]
        new[i] = replace(objects[i], shape=str(rng.choice(shapes)))
    elif move == "position":
        taken = {o.position for o in objects}
        free = [p for p in world.positions if p not in taken]
        if not free:
            return None
        position = str(rng.choice(free))
        x, y = POSITIONS[position]
        new[i] = replace(objects[i], position=position, x=x, y=y)
    else:
        used = {o.color for o in objects}
        colors = [c for c in world.colors if c not in used and c not in scene.background]
        if not colors:
            return None
        background = (str(rng.choice(colors)), *scene.background[1:])
        return replace(scene, background=background)
    if any(objects_overlap(a, b) for k, a in enumerate(new) for b in new[k + 1 :]):
        return None
    return scene.with_objects(tuple(new))


def _differs(a: Scene, b: Scene) -> bool:
    key = lambda s: (s.background, sorted((o.shape, o.color, o.position) for o in s.objects))  # noqa: E731
    return key(a) != key(b)
