"""Scenes: a background and one to four non-overlapping objects, sampled from a `WorldSpec`.

A `Scene` is the structured label of an image: everything the renderer draws
and everything a caption may say. Sampling takes a `numpy.random.Generator`, so
a seed fixes the scene stream (training resumes on the same data).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from gpu_worker.world.spec import POSITIONS, SIZES, WorldSpec

# Gap kept between objects' bounding boxes (fraction of the side) so that two
# objects of one colour never merge into one connected component.
MIN_GAP = 0.03
# A relation holds when the centres differ by more than this along its axis.
RELATION_MARGIN = 0.1


@dataclass(frozen=True)
class SceneObject:
    """One drawn object. `x`, `y` is its centre, `size` its named size; see spec.py for units."""

    shape: str
    color: str
    size: str
    position: str
    x: float
    y: float

    @property
    def half_extent(self) -> float:
        return SIZES[self.size]


@dataclass(frozen=True)
class Scene:
    """A background and objects. `background` holds one colour (solid) or two (a gradient
    from the first to the second along `gradient` "vertical" = top to bottom, or "horizontal")."""

    world: str
    background: tuple[str, ...]
    objects: tuple[SceneObject, ...]
    gradient: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_label(self) -> dict[str, Any]:
        """The structured label: plain JSON-able data."""
        return {
            "world": self.world,
            "background": list(self.background),
            "gradient": self.gradient,
            "objects": [
                {"shape": o.shape, "color": o.color, "size": o.size, "position": o.position, "x": round(o.x, 4), "y": round(o.y, 4)}
                for o in self.objects
            ],
        }

    @classmethod
    def from_label(cls, label: dict[str, Any]) -> Scene:
        return cls(
            world=label["world"],
            background=tuple(label["background"]),
            gradient=label.get("gradient"),
            objects=tuple(SceneObject(**o) for o in label["objects"]),
        )

    def with_objects(self, objects: tuple[SceneObject, ...]) -> Scene:
        return replace(self, objects=objects)


def relations(a: SceneObject, b: SceneObject) -> set[str]:
    """Which of RELATIONS hold for "a REL b" (several for diagonal placements, none when too close)."""
    found: set[str] = set()
    if a.x < b.x - RELATION_MARGIN:
        found.add("left_of")
    if a.x > b.x + RELATION_MARGIN:
        found.add("right_of")
    if a.y < b.y - RELATION_MARGIN:
        found.add("above")
    if a.y > b.y + RELATION_MARGIN:
        found.add("below")
    return found


def objects_overlap(a: SceneObject, b: SceneObject) -> bool:
    reach = a.half_extent + b.half_extent + MIN_GAP
    return abs(a.x - b.x) < reach and abs(a.y - b.y) < reach


def sample_scene(
    rng: np.random.Generator,
    world: WorldSpec,
    *,
    n_objects: int | None = None,
    same_probability: float = 0.25,
) -> Scene:
    """A random scene of `world` with `n_objects` objects (uniform in 1..max_objects when None).

    With `same_probability`, a multi-object scene repeats one object's colour and
    shape for all objects, so counting captions ("two green squares") are common.
    """
    n = int(rng.integers(1, world.max_objects + 1)) if n_objects is None else n_objects
    if not 1 <= n <= min(world.max_objects, len(world.positions)):
        raise ValueError(f"{world.name} scenes hold 1..{world.max_objects} objects, asked for {n}")
    gradient = None
    if world.gradient_backgrounds and rng.random() < 0.5:
        background = tuple(str(c) for c in rng.choice(world.colors, size=2, replace=False))
        gradient = "vertical" if rng.random() < 0.5 else "horizontal"
    else:
        background = (str(rng.choice(world.colors)),)
    object_colors = [c for c in world.colors if c not in background]
    same = n > 1 and rng.random() < same_probability
    shared = (str(rng.choice(world.shapes)), str(rng.choice(object_colors)), str(rng.choice(world.sizes)))
    for _ in range(100):
        positions = rng.choice(world.positions, size=n, replace=False)
        objects: list[SceneObject] = []
        for position in positions:
            shape, color, size = shared if same else (
                str(rng.choice(world.shapes)), str(rng.choice(object_colors)), str(rng.choice(world.sizes))
            )
            ax, ay = POSITIONS[str(position)]
            jx, jy = rng.uniform(-world.jitter, world.jitter, size=2)
            objects.append(SceneObject(shape, color, size, str(position), float(ax + jx), float(ay + jy)))
        if all(not objects_overlap(a, b) for i, a in enumerate(objects) for b in objects[i + 1 :]):
            return Scene(world=world.name, background=background, objects=tuple(objects), gradient=gradient)
    # Large objects at neighbouring anchors may never fit; fall back to the smallest size.
    smallest = min(world.sizes, key=lambda s: SIZES[s])
    shrunk = tuple(replace(o, size=smallest, x=POSITIONS[o.position][0], y=POSITIONS[o.position][1]) for o in objects)
    return Scene(world=world.name, background=background, objects=shrunk, gradient=gradient)
