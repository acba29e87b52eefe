"""Training batches drawn on the fly from the world (no dataset on disk).

Every function takes the step's `numpy.random.Generator` (see `common.step_rng`),
so a batch is a function of (seed, step) alone.
"""

from __future__ import annotations

import numpy as np
import torch

from gpu_worker.world.captions import caption_scene
from gpu_worker.world.negatives import hard_negative
from gpu_worker.world.render import render_scene
from gpu_worker.world.scene import Scene
from gpu_worker.world.spec import WorldSpec
from gpu_worker.world.splits import is_held_out, sample_training_scene


def to_tensor(images: list[np.ndarray]) -> torch.Tensor:
    """uint8 (H, W, 3) arrays -> float (B, 3, H, W) in [-1, 1]."""
    batch = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float()
    return batch / 127.5 - 1.0


def objects_for_step(rng: np.random.Generator, world: WorldSpec, step: int, single_object_steps: int) -> int:
    """Curriculum: one object per scene for the first `single_object_steps`, then 1..max uniformly."""
    if step < single_object_steps:
        return 1
    return int(rng.integers(1, world.max_objects + 1))


def training_scenes(rng: np.random.Generator, world: WorldSpec, n: int, step: int, single_object_steps: int = 0) -> list[Scene]:
    return [
        sample_training_scene(rng, world, n_objects=objects_for_step(rng, world, step, single_object_steps)) for _ in range(n)
    ]


# Colours alone tell apart almost every pair of random scenes in a batch, so a
# CLIP trained on random batches learns colours and ignores shapes and places
# (measured: 600 steps, colour and background negatives 100 %, shape and
# position ones at chance). Group negatives change only those.
GROUP_MOVES = ("swap_color", "swap_shape", "swap_position", "shape", "position")


def training_negative(scene: Scene, rng: np.random.Generator, world: WorldSpec, moves: tuple[str, ...] | None = None) -> Scene:
    """A hard negative that is itself a legal training scene (never a held-out combination)."""
    for _ in range(20):
        negative = hard_negative(scene, rng, world) if moves is None else hard_negative(scene, rng, world, moves)
        if not is_held_out(negative, world):
            return negative
    return sample_training_scene(rng, world, n_objects=len(scene.objects))


def clip_batch(rng: np.random.Generator, world: WorldSpec, batch_size: int, step: int, size: int) -> tuple[torch.Tensor, list[str]]:
    """Images and captions for contrastive training: 3/4 hard-negative groups, 1/4 free scenes.

    A group is a scene and three twins that differ from it in one shape, place
    or binding (`GROUP_MOVES`), all with full captions, so each caption in a
    group describes exactly one of its images and only shapes and places tell
    them apart. The free quarter uses the grammar's whole variety of (often
    partial) captions.
    """
    groups = (batch_size * 3 // 4) // 4
    scenes: list[Scene] = []
    captions: list[str] = []
    for scene in training_scenes(rng, world, groups, step):
        group = [scene]
        for _ in range(12):
            if len(group) == 4:
                break
            negative = training_negative(scene, rng, world, GROUP_MOVES)
            if all(_scene_key(negative) != _scene_key(other) for other in group):
                group.append(negative)
        scenes += group
        captions += [caption_scene(s, rng, full=True) for s in group]
    for scene in training_scenes(rng, world, batch_size - len(scenes), step):
        scenes.append(scene)
        captions.append(caption_scene(scene, rng))
    images = to_tensor([render_scene(s, size) for s in scenes])
    return images, captions


def _scene_key(scene: Scene) -> tuple:
    return scene.background, tuple(sorted((o.shape, o.color, o.position) for o in scene.objects))


def scenes_and_captions(
    rng: np.random.Generator, world: WorldSpec, batch_size: int, step: int, size: int, single_object_steps: int = 0
) -> tuple[list[Scene], torch.Tensor, list[str]]:
    """Scenes, their renders at `size` and one random caption each."""
    scenes = training_scenes(rng, world, batch_size, step, single_object_steps)
    captions = [caption_scene(s, rng) for s in scenes]
    return scenes, to_tensor([render_scene(s, size) for s in scenes]), captions


def random_masks(rng: np.random.Generator, batch_size: int, size: int, p_mask: float) -> torch.Tensor:
    """(B, 1, size, size) masks, 1 = repaint: all ones for text-to-image, else a box, a border or strokes.

    With probability 1 - `p_mask` a sample gets the all-ones mask (no known
    pixels), so one network learns text-to-image and inpainting/outpainting.
    """
    masks = np.ones((batch_size, 1, size, size), np.float32)
    for i in range(batch_size):
        if rng.random() >= p_mask:
            continue
        kind = rng.random()
        m = np.zeros((size, size), np.float32)
        if kind < 0.5:
            # A box: inpainting a region (often where an object stands).
            w, h = (rng.uniform(0.2, 0.7, size=2) * size).astype(int)
            x, y = int(rng.integers(0, size - w + 1)), int(rng.integers(0, size - h + 1))
            m[y : y + h, x : x + w] = 1
        elif kind < 0.8:
            # A border: outpainting; the known part is a centred or one-sided window.
            keep = rng.uniform(0.4, 0.8)
            k = int(keep * size)
            m[:] = 1
            side = int(rng.integers(5))
            if side == 4:
                o = (size - k) // 2
                m[o : o + k, o : o + k] = 0
            elif side == 0:
                m[:, :k] = 0
            elif side == 1:
                m[:, size - k :] = 0
            elif side == 2:
                m[:k] = 0
            else:
                m[size - k :] = 0
        else:
            # Brush strokes: a few thick random segments.
            yy, xx = np.mgrid[0:size, 0:size]
            for _ in range(int(rng.integers(1, 4))):
                x0, y0, x1, y1 = rng.uniform(0, size, size=4)
                r = rng.uniform(0.05, 0.15) * size
                t = np.clip(((xx - x0) * (x1 - x0) + (yy - y0) * (y1 - y0)) / max(1e-6, (x1 - x0) ** 2 + (y1 - y0) ** 2), 0, 1)
                d = np.hypot(xx - (x0 + t * (x1 - x0)), yy - (y0 + t * (y1 - y0)))
                m[d < r] = 1
        masks[i, 0] = m
    return torch.from_numpy(masks)
