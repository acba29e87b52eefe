"""Sample grids of every mode for the model card (`python -m gpu_worker.eval grids --out docs/model`).

Each grid is a PNG of 128-px thumbnails, one row per prompt or source image;
`grids.json` beside them lists each row's prompt, so the card can caption them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from gpu_worker.eval.shapes import SIZE, box_mask, load_pipeline, to_pixels
from gpu_worker.world.captions import caption_scene
from gpu_worker.world.render import render_scene
from gpu_worker.world.spec import WorldSpec
from gpu_worker.world.splits import sample_training_scene

THUMB = 128
TEXT_PROMPTS = (
    "a red circle",
    "a blue square on the left",
    "a yellow triangle above a green circle",
    "two white squares on a black background",
)


def write_grids(model: Path, world: WorldSpec, out: Path, seed: int = 0) -> list[Path]:
    """Write world.png, text_to_image.png, inpainting.png, outpainting.png, variations.png, at_1024.png and grids.json."""
    out.mkdir(parents=True, exist_ok=True)
    pipe = load_pipeline(model)
    rng = np.random.default_rng([seed, 31337])
    captions: dict[str, list[str]] = {}
    paths = []

    scenes = [sample_training_scene(rng, world) for _ in range(8)]
    captions["world"] = [caption_scene(s, rng) for s in scenes]
    paths.append(_save([[render_scene(s, SIZE) for s in scenes[:4]], [render_scene(s, SIZE) for s in scenes[4:]]], out / "world.png"))

    rows = []
    for i, prompt in enumerate(TEXT_PROMPTS):
        rows.append(_images(pipe(prompt, n=4, size=SIZE, seed=seed + i)))
    captions["text_to_image"] = list(TEXT_PROMPTS)
    paths.append(_save(rows, out / "text_to_image.png"))

    for name, make_mask in (("inpainting", _inpaint_mask), ("outpainting", _outpaint_mask)):
        rows, texts = [], []
        for i in range(3):
            scene = sample_training_scene(rng, world, n_objects=2)
            source = render_scene(scene, SIZE)
            mask = make_mask(scene, i)
            prompt = caption_scene(scene, rng, full=True)
            result = pipe(prompt, n=3, size=SIZE, seed=seed + i, image=to_pixels(source), mask=torch.from_numpy(mask)[None, None])
            shown = source.copy()
            shown[mask > 0] = (shown[mask > 0] * 0.3 + 255 * 0.7).astype(np.uint8)
            rows.append([shown, *_images(result)])
            texts.append(prompt)
        captions[name] = texts
        paths.append(_save(rows, out / f"{name}.png"))

    rows = []
    for i in range(3):
        source = render_scene(sample_training_scene(rng, world), SIZE)
        embedding = pipe.cascade.clip.encode_image(to_pixels(source))
        rows.append([source, *_images(pipe("", n=3, size=SIZE, seed=seed + i, image_embeddings=embedding))])
    paths.append(_save(rows, out / "variations.png"))
    captions["at_1024"] = []
    paths.append(_write_1024(pipe, world, rng, seed, out / "at_1024.png", captions["at_1024"]))
    (out / "grids.json").write_text(json.dumps(captions, indent=2) + "\n")
    paths.append(out / "grids.json")
    return paths


BIG = 1024


def _write_1024(pipe: object, world: WorldSpec, rng: np.random.Generator, seed: int, path: Path, texts: list[str]) -> Path:
    """One image per mode made at 1024×1024: the whole image shrunk to 256, and its centre at full resolution.

    Text to image, inpainting (the source's first object's box), outpainting (the
    right half painted) and a variation, one row each; `texts` gets each row's caption.
    """
    rows = []
    out = pipe(TEXT_PROMPTS[0], n=1, size=BIG, seed=seed)  # type: ignore[operator]
    rows.append(_images(out)[0])
    texts.append(f"text to image: {TEXT_PROMPTS[0]}")
    scene = sample_training_scene(rng, world)
    source = render_scene(scene, BIG)
    obj = scene.objects[0]
    reach = obj.half_extent + 0.06
    hole = box_mask((obj.x - reach, obj.y - reach, obj.x + reach, obj.y + reach), BIG)
    prompt = caption_scene(scene, rng)
    out = pipe(prompt, n=1, size=BIG, seed=seed, image=to_pixels(source), mask=torch.from_numpy(hole)[None, None])  # type: ignore[operator]
    rows.append(_images(out)[0])
    texts.append(f"inpainting: {prompt}")
    right = np.zeros((BIG, BIG), np.float32)
    right[:, BIG // 2 :] = 1
    out = pipe(prompt, n=1, size=BIG, seed=seed, image=to_pixels(source), mask=torch.from_numpy(right)[None, None])  # type: ignore[operator]
    rows.append(_images(out)[0])
    texts.append(f"outpainting (right half): {prompt}")
    embedding = pipe.cascade.clip.encode_image(to_pixels(render_scene(scene, SIZE)))  # type: ignore[attr-defined]
    out = pipe("", n=1, size=BIG, seed=seed, image_embeddings=embedding)  # type: ignore[operator]
    rows.append(_images(out)[0])
    texts.append("variation of the inpainting source")
    tile = 256
    canvas = Image.new("RGB", (2 * tile, len(rows) * tile), (255, 255, 255))
    lo = (BIG - tile) // 2
    for y, image in enumerate(rows):
        canvas.paste(Image.fromarray(image).resize((tile, tile), Image.Resampling.LANCZOS), (0, y * tile))
        canvas.paste(Image.fromarray(image[lo : lo + tile, lo : lo + tile]), (tile, y * tile))
    canvas.save(path, optimize=True)
    return path


def _inpaint_mask(scene: object, i: int) -> np.ndarray:
    obj = scene.objects[i % len(scene.objects)]  # type: ignore[attr-defined]
    reach = obj.half_extent + 0.06
    return box_mask((obj.x - reach, obj.y - reach, obj.x + reach, obj.y + reach), SIZE)


def _outpaint_mask(scene: object, i: int) -> np.ndarray:
    # The known part is one half of the image; the model paints the other half.
    mask = np.ones((SIZE, SIZE), np.float32)
    half = SIZE // 2
    [lambda: mask.__setitem__((slice(None), slice(0, half)), 0),
     lambda: mask.__setitem__((slice(None), slice(half, None)), 0),
     lambda: mask.__setitem__((slice(0, half),), 0)][i % 3]()
    return mask


def _images(output: object) -> list[np.ndarray]:
    return [(img.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8) for img in output.images]  # type: ignore[attr-defined]


def _save(rows: list[list[np.ndarray]], path: Path) -> Path:
    width = max(len(r) for r in rows)
    canvas = Image.new("RGB", (width * THUMB, len(rows) * THUMB), (255, 255, 255))
    for y, row in enumerate(rows):
        for x, image in enumerate(row):
            canvas.paste(Image.fromarray(image).resize((THUMB, THUMB), Image.Resampling.LANCZOS), (x * THUMB, y * THUMB))
    canvas.save(path, optimize=True)
    return path
