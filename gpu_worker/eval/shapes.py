"""ShapesEval: generate images for held-out prompts and score them with the scene parser.

The world is synthetic: the scores say how well the bundled model composes
colours, shapes, counts and places in this world, and are not comparable with
real GenEval numbers.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gpu_worker.eval.prompts import CATEGORIES, EvalItem, draw_items
from gpu_worker.world.parser import parse_scene
from gpu_worker.world.render import render_scene
from gpu_worker.world.spec import WorldSpec

SIZE = 256
KNOWN_TOLERANCE = 8  # max per-channel change (of 255) allowed on known pixels, beyond the feathered band


@dataclass
class ItemResult:
    item: EvalItem
    images: list[np.ndarray]
    correct: list[bool]
    seconds: float
    cpu_seconds: float


def load_pipeline(model_dir: Path, precision: str = "auto") -> Any:
    from gpu_worker.loaders import load_cascade
    from gpu_worker.pipelines import UnCLIPPipeline

    return UnCLIPPipeline(load_cascade(model_dir), device="cpu", precision=precision, batch_size=4)


def to_pixels(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image).permute(2, 0, 1)[None].float() / 127.5 - 1


def box_mask(box: tuple[float, float, float, float], size: int) -> np.ndarray:
    mask = np.zeros((size, size), np.float32)
    x0, y0, x1, y1 = (int(round(v * size)) for v in box)
    mask[y0:y1, x0:x1] = 1
    return mask


def run_item(pipe: Any, item: EvalItem, world: WorldSpec, images_per_prompt: int, seed: int) -> ItemResult:
    """Generate `images_per_prompt` images for `item` (one pipeline call) and score each."""
    start, cpu_start = time.perf_counter(), time.process_time()
    known_ok = [True] * images_per_prompt
    if item.category == "variations":
        assert item.source is not None
        source = render_scene(item.source, SIZE)
        embedding = pipe.cascade.clip.encode_image(to_pixels(source))
        out = pipe("", n=images_per_prompt, size=SIZE, seed=seed, image_embeddings=embedding)
    elif item.category == "inpainting":
        assert item.source is not None and item.box is not None
        source = render_scene(item.source, SIZE)
        mask = box_mask(item.box, SIZE)
        out = pipe(item.prompt, n=images_per_prompt, size=SIZE, seed=seed, image=to_pixels(source),
                   mask=torch.from_numpy(mask)[None, None])
    else:
        out = pipe(item.prompt, n=images_per_prompt, size=SIZE, seed=seed)
    seconds = time.perf_counter() - start
    # CPU time too: on a shared machine wall time mostly measures the neighbours.
    cpu_seconds = time.process_time() - cpu_start
    images = [(img.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8) for img in out.images]
    if item.category == "inpainting":
        # The known region must come back unchanged beyond the pipeline's feathered band.
        from scipy import ndimage

        band = max(2, SIZE // 64) + 2
        outside = ~ndimage.binary_dilation(box_mask(item.box, SIZE) > 0, iterations=band)
        known_ok = [bool((np.abs(img.astype(int) - source.astype(int)).max(axis=-1)[outside] <= KNOWN_TOLERANCE).all()) for img in images]
    correct = [item.check(parse_scene(img, world)) and ok for img, ok in zip(images, known_ok, strict=True)]
    return ItemResult(item, images, correct, seconds, cpu_seconds)


def evaluate(pipe: Any, world: WorldSpec, n: int, seed: int, images_per_prompt: int = 4, log: Any = print) -> tuple[dict[str, Any], list[ItemResult]]:
    """Score `n` items drawn with `seed`; returns (summary dict as printed, per-item results)."""
    start = time.perf_counter()
    items = draw_items(world, n, seed)
    results = []
    for i, item in enumerate(items):
        result = run_item(pipe, item, world, images_per_prompt, seed * 100_003 + i)
        results.append(result)
        log(f"[{i + 1}/{n}] {item.category:<17} {sum(result.correct)}/{len(result.correct)}  {result.seconds:5.1f}s  {item.prompt!r}")
    categories: dict[str, float | None] = {}
    for category in CATEGORIES:
        marks = [c for r in results if r.item.category == category for c in r.correct]
        categories[category] = round(sum(marks) / len(marks), 4) if marks else None
    scored = [v for v in categories.values() if v is not None]
    plain = [r for r in results if r.item.category not in ("inpainting", "variations")]
    call_times = sorted(r.seconds for r in plain)
    cpu_times = sorted(r.cpu_seconds for r in plain)
    summary = {
        "n": n,
        "seed": seed,
        "seconds": round(time.perf_counter() - start, 1),
        "categories": categories,
        "overall": round(sum(scored) / len(scored), 4) if scored else None,
        "world": world.name,
        "images_per_prompt": images_per_prompt,
        "size": SIZE,
        "median_seconds_per_call": round(call_times[len(call_times) // 2], 2) if call_times else None,
        "median_cpu_seconds_per_call": round(cpu_times[len(cpu_times) // 2], 2) if cpu_times else None,
    }
    return summary, results


def summary_line(summary: dict[str, Any]) -> str:
    return json.dumps(summary, separators=(", ", ": "))
