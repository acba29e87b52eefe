"""Captions for scenes from a small grammar, in varied natural phrasing.

Every caption is true of its scene; captions may leave things out ("two
circles" for two red circles on blue), as real captions do. `full=True` asks for
a caption that names every object's colour and place and the background: the
hard-negative pairs for CLIP use it, so that a scene and its swapped twin never
share a caption.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from gpu_worker.world.scene import Scene, SceneObject, relations
from gpu_worker.world.spec import get_world

NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four"}

RELATION_WORDS: dict[str, tuple[str, ...]] = {
    "left_of": ("to the left of", "left of", "on the left of"),
    "right_of": ("to the right of", "right of", "on the right of"),
    "above": ("above", "over"),
    "below": ("below", "under", "beneath"),
}

POSITION_WORDS: dict[str, tuple[str, ...]] = {
    "centre": ("in the centre", "in the middle", "in the center"),
    "left": ("on the left", "at the left"),
    "right": ("on the right", "at the right"),
    "top": ("at the top", "near the top"),
    "bottom": ("at the bottom", "near the bottom"),
    "top left": ("in the top left corner", "at the top left"),
    "top right": ("in the top right corner", "at the top right"),
    "bottom left": ("in the bottom left corner", "at the bottom left"),
    "bottom right": ("in the bottom right corner", "at the bottom right"),
}


def plural(shape: str) -> str:
    return shape + "s"


def article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _pick(rng: np.random.Generator, options: tuple[str, ...] | list[str]) -> str:
    return str(options[int(rng.integers(len(options)))])


class _Phraser:
    """Random choices for one caption; `full` forces every attribute to be said."""

    def __init__(self, scene: Scene, rng: np.random.Generator, full: bool):
        self.scene = scene
        self.rng = rng
        self.full = full
        world = get_world(scene.world)
        self.say_sizes = len(world.sizes) > 1

    def chance(self, p: float) -> bool:
        return self.full or bool(self.rng.random() < p)

    def noun_phrase(self, obj: SceneObject, *, color: bool, det: str = "a") -> str:
        words = []
        if self.say_sizes and obj.size != "medium" and self.chance(0.5):
            words.append(obj.size)
        if color:
            words.append(obj.color)
        words.append(obj.shape)
        phrase = " ".join(words)
        return f"{article(phrase) if det == 'a' else det} {phrase}"

    def background(self) -> str:
        bg = self.scene.background
        if len(bg) == 1:
            return _pick(self.rng, (f"on {article(bg[0])} {bg[0]} background", f"against {article(bg[0])} {bg[0]} background", f"on {bg[0]}"))
        return _pick(self.rng, (f"on a {bg[0]} and {bg[1]} gradient", f"on a background fading from {bg[0]} to {bg[1]}"))

    def background_noun(self) -> str:
        bg = self.scene.background
        if len(bg) == 1:
            return f"{article(bg[0])} {bg[0]} background"
        return f"{article(bg[0])} {bg[0]} to {bg[1]} gradient"


def caption_scene(scene: Scene, rng: np.random.Generator, *, full: bool = False) -> str:
    """One caption of `scene`, chosen at random from the grammar."""
    p = _Phraser(scene, rng, full)
    objects = scene.objects
    if len(objects) == 1:
        text = _single(p, objects[0])
    elif len(objects) == 2:
        text = _pair(p, objects[0], objects[1])
    else:
        text = _many(p, objects)
    if p.chance(0.5) and "background" not in text and "gradient" not in text:
        if not p.full and rng.random() < 0.3:
            text = f"{p.background_noun()} with {text}"
        else:
            text = f"{text} {p.background()}"
    return text


def captions_for_scene(scene: Scene, rng: np.random.Generator, k: int = 4) -> list[str]:
    """`k` captions of `scene` (distinct where the grammar allows; the last one is always full)."""
    seen: list[str] = []
    for _ in range(k * 8):
        if len(seen) == k - 1:
            break
        text = caption_scene(scene, rng)
        if text not in seen:
            seen.append(text)
    seen.append(caption_scene(scene, rng, full=True))
    return seen


def _single(p: _Phraser, obj: SceneObject) -> str:
    text = p.noun_phrase(obj, color=p.chance(0.85))
    if p.chance(0.6):
        text = f"{text} {_pick(p.rng, POSITION_WORDS[obj.position])}"
    return text


def _pair(p: _Phraser, a: SceneObject, b: SceneObject) -> str:
    rng = p.rng
    if (a.shape, a.color, a.size) == (b.shape, b.color, b.size) and (not p.full or rng.random() < 0.5):
        color = p.chance(0.8)
        text = f"two {a.color + ' ' if color else ''}{plural(a.shape)}"
        if p.full or rng.random() < 0.3:
            text += f", one {_pick(rng, POSITION_WORDS[a.position])} and one {_pick(rng, POSITION_WORDS[b.position])}"
        return text
    if rng.random() < 0.5:
        a, b = b, a
    if a.shape == b.shape and a.color != b.color and not p.full and rng.random() < 0.3:
        return f"two {plural(a.shape)}, one {a.color} and one {b.color}"
    color = p.chance(0.85)
    first, second = p.noun_phrase(a, color=color), p.noun_phrase(b, color=color)
    held = sorted(relations(a, b))
    style = rng.random()
    if held and (style < 0.5 or p.full and style < 0.75):
        return f"{first} {_pick(rng, RELATION_WORDS[_pick(rng, held)])} {second}"
    if p.full or style < 0.8:
        return f"{first} {_pick(rng, POSITION_WORDS[a.position])} and {second} {_pick(rng, POSITION_WORDS[b.position])}"
    return f"{first} and {second}"


def _many(p: _Phraser, objects: tuple[SceneObject, ...]) -> str:
    # Group identical objects so three red stars read "three red stars".
    groups = Counter((o.shape, o.color) for o in objects)
    order = list(groups)
    p.rng.shuffle(order)
    color = p.chance(0.85)
    parts = []
    for shape, col in order:
        count = groups[(shape, col)]
        words = f"{col} " if color else ""
        parts.append(f"{article(words + shape)} {words}{shape}" if count == 1 else f"{NUMBERS[count]} {words}{plural(shape)}")
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]

