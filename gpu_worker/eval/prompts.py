"""ShapesEval's prompts: GenEval's categories over the held-out side of the world's splits.

Each `EvalItem` is one prompt (or an inpainting / variation task) with the
check that decides whether a generated image got it right. Items are drawn
from a seed alone, so `--seed S` always means the same prompts.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gpu_worker.world.captions import NUMBERS, RELATION_WORDS, article, caption_scene, plural
from gpu_worker.world.parser import ParsedObject, ParsedScene
from gpu_worker.world.scene import RELATION_MARGIN, Scene, SceneObject, sample_scene
from gpu_worker.world.spec import POSITIONS, WorldSpec
from gpu_worker.world.splits import (
    held_out_color_shapes,
    held_out_relations,
    is_held_out,
    pair_is_held_out,
)

CATEGORIES = ("single_object", "two_objects", "counting", "colors", "position", "color_attribution", "inpainting", "variations")


@dataclass
class EvalItem:
    """One evaluation task. `check(parsed)` says whether a generated image is right.

    Inpainting and variation items carry their `source` scene; inpainting also
    the normalised `box` (x0, y0, x1, y1) to repaint and the object it must hold.
    `example` is a scene that answers the item correctly (the answer key the
    tests render to check that the parser and the check agree with the truth).
    """

    category: str
    prompt: str
    check: Callable[[ParsedScene], bool]
    source: Scene | None = None
    box: tuple[float, float, float, float] | None = None
    example: Scene | None = None
    meta: dict[str, object] = field(default_factory=dict)


def relation_holds(a: ParsedObject, b: ParsedObject, relation: str) -> bool:
    """GenEval-style: centroids differ by more than a tenth of the image along the relation's axis."""
    if relation == "left_of":
        return a.x < b.x - RELATION_MARGIN
    if relation == "right_of":
        return a.x > b.x + RELATION_MARGIN
    if relation == "above":
        return a.y < b.y - RELATION_MARGIN
    return a.y > b.y + RELATION_MARGIN


def draw_items(world: WorldSpec, n: int, seed: int) -> list[EvalItem]:
    """`n` items, categories in turn (so every category gets n/8, give or take one)."""
    rng = np.random.default_rng([seed, 2718])
    makers = {
        "single_object": _single_object,
        "two_objects": _two_objects,
        "counting": _counting,
        "colors": _colors,
        "position": _position,
        "color_attribution": _color_attribution,
        "inpainting": _inpainting,
        "variations": _variations,
    }
    return [makers[CATEGORIES[i % len(CATEGORIES)]](rng, world) for i in range(n)]


def _pick(rng: np.random.Generator, options: list) -> object:
    return options[int(rng.integers(len(options)))]


def _example(world: WorldSpec, objects: list[tuple[str, str, str]]) -> Scene:
    """A scene of (colour, shape, position) objects on the first palette colour none of them uses."""
    used = {c for c, _, _ in objects}
    background = next(c for c in world.colors if c not in used)
    placed = tuple(SceneObject(s, c, "medium", p, *POSITIONS[p]) for c, s, p in objects)
    return Scene(world=world.name, background=(background,), objects=placed)


def _single_object(rng: np.random.Generator, world: WorldSpec) -> EvalItem:
    shape = str(_pick(rng, list(world.shapes)))
    example = _example(world, [("red", shape, "centre")])
    return EvalItem("single_object", f"{article(shape)} {shape}", lambda p: p.count(shape) >= 1, example=example)


def _two_objects(rng: np.random.Generator, world: WorldSpec) -> EvalItem:
    a, b = (str(s) for s in rng.choice(world.shapes, size=2, replace=False))
    example = _example(world, [("red", a, "left"), ("blue", b, "right")])
    return EvalItem("two_objects", f"{article(a)} {a} and {article(b)} {b}", lambda p: p.count(a) >= 1 and p.count(b) >= 1, example=example)


def _counting(rng: np.random.Generator, world: WorldSpec) -> EvalItem:
    shape = str(_pick(rng, list(world.shapes)))
    count = int(rng.integers(2, world.max_objects + 1))
    example = _example(world, [("red", shape, p) for p in ("left", "right", "top", "bottom")[:count]])
    return EvalItem("counting", f"{NUMBERS[count]} {plural(shape)}", lambda p: p.count(shape) == count, example=example)


def _colors(rng: np.random.Generator, world: WorldSpec) -> EvalItem:
    color, shape = _pick(rng, sorted(held_out_color_shapes(world)))
    example = _example(world, [(color, shape, "centre")])
    return EvalItem("colors", f"{article(color)} {color} {shape}", lambda p: len(p.find(shape, color)) >= 1, example=example)


def _position(rng: np.random.Generator, world: WorldSpec) -> EvalItem:
    a, relation, b = _pick(rng, sorted(held_out_relations(world)))

    def check(p: ParsedScene) -> bool:
        return any(relation_holds(x, y, relation) for x in p.find(a) for y in p.find(b) if x is not y)

    places = {"left_of": ("left", "right"), "right_of": ("right", "left"), "above": ("top", "bottom"), "below": ("bottom", "top")}[relation]
    example = _example(world, [("red", a, places[0]), ("blue", b, places[1])])
    return EvalItem("position", f"{article(a)} {a} {RELATION_WORDS[relation][0]} {article(b)} {b}", check, example=example)


def _color_attribution(rng: np.random.Generator, world: WorldSpec) -> EvalItem:
    singles = set(held_out_color_shapes(world))
    objects = [(c, s) for c in world.colors for s in world.shapes if (c, s) not in singles]
    pairs = [(x, y) for x, y in itertools.combinations(objects, 2) if pair_is_held_out(x, y) and x[0] != y[0]]
    (c1, s1), (c2, s2) = _pick(rng, pairs)
    example = _example(world, [(c1, s1, "left"), (c2, s2, "right")])
    return EvalItem(
        "color_attribution",
        f"{article(c1)} {c1} {s1} and {article(c2)} {c2} {s2}",
        lambda p: len(p.find(s1, c1)) >= 1 and len(p.find(s2, c2)) >= 1,
        example=example,
    )


def _held_out_scene(rng: np.random.Generator, world: WorldSpec, n_objects: int) -> Scene:
    while True:
        scene = sample_scene(rng, world, n_objects=n_objects, same_probability=0.0)
        if is_held_out(scene, world):
            return scene


def _inpainting(rng: np.random.Generator, world: WorldSpec) -> EvalItem:
    """A held-out two-object scene with one object masked out; the prompt describes the whole scene."""
    scene = _held_out_scene(rng, world, 2)
    target = scene.objects[int(rng.integers(2))]
    kept = tuple(o for o in scene.objects if o is not target)
    reach = target.half_extent + 0.06
    box = (max(0.0, target.x - reach), max(0.0, target.y - reach), min(1.0, target.x + reach), min(1.0, target.y + reach))
    prompt = caption_scene(scene, rng, full=True)

    def check(p: ParsedScene) -> bool:
        return any(o.shape == target.shape and o.color == target.color and box[0] <= o.x <= box[2] and box[1] <= o.y <= box[3] for o in p.objects)

    return EvalItem("inpainting", prompt, check, source=scene.with_objects(kept), box=box, example=scene)


def _variations(rng: np.random.Generator, world: WorldSpec) -> EvalItem:
    """A held-out scene's render; its variation must hold the same objects in the same colours."""
    scene = _held_out_scene(rng, world, int(rng.integers(1, world.max_objects + 1)))
    want = sorted((o.color, o.shape) for o in scene.objects)
    return EvalItem("variations", "", lambda p: sorted((o.color, o.shape) for o in p.objects) == want, source=scene, example=scene)
