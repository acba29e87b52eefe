"""Measure the moderation checks on our evaluation sets.

    DATABASE_URL=... .venv/bin/python -m moderation.eval.run prompts [moderation/eval/heldout.tsv] [--show-misses]
    DATABASE_URL=... .venv/bin/python -m moderation.eval.run images

Prompts come from moderation/eval/prompts.tsv (category<TAB>prompt, "allowed"
for those that must pass) and go through `check_prompt`, the site's own path,
on the lists in the database. Images are faces and non-faces that ship inside
scikit-image (its LFW subset and sample photos) plus images drawn here.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _setup_django() -> None:
    sys.path.insert(0, str(HERE.parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django

    django.setup()


def load_prompts(path: Path = HERE / "prompts.tsv") -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        category, _, prompt = line.partition("\t")
        rows.append((category, prompt))
    return rows


def evaluate_prompts(show_misses: bool, path: Path) -> None:
    from moderation.services import check_prompt

    rows = load_prompts(path)
    check_prompt("warm up the compiled lists")
    blocked = defaultdict(int)
    right_category = defaultdict(int)
    total = defaultdict(int)
    times = []
    misses = []
    for category, prompt in rows:
        t = time.perf_counter()
        verdict = check_prompt(prompt)
        times.append((time.perf_counter() - t) * 1000)
        total[category] += 1
        refused = not verdict.allowed
        if category == "allowed":
            if refused:
                blocked[category] += 1
                misses.append(f"FALSE BLOCK ({verdict.category}, {verdict.details}): {prompt}")
        else:
            if refused:
                blocked[category] += 1
                right_category[category] += verdict.category == category
                if verdict.category != category:
                    misses.append(f"OTHER CATEGORY ({category} → {verdict.category}, {verdict.details}): {prompt}")
            else:
                misses.append(f"MISSED ({category}): {prompt}")
    print(f"{len(rows)} prompts")
    print("| category | prompts | blocked | recall | same category |")
    print("|---|---|---|---|---|")
    disallowed = [c for c in total if c != "allowed"]
    for c in sorted(disallowed):
        print(f"| {c} | {total[c]} | {blocked[c]} | {blocked[c] / total[c]:.3f} | {right_category[c] / total[c]:.3f} |")
    all_bad = sum(total[c] for c in disallowed)
    print(f"| all disallowed | {all_bad} | {sum(blocked[c] for c in disallowed)} | "
          f"{sum(blocked[c] for c in disallowed) / all_bad:.3f} | |")
    print(f"\nfalse blocks on allowed prompts: {blocked['allowed']}/{total['allowed']} = "
          f"{blocked['allowed'] / total['allowed']:.3%}")
    times.sort()
    print(f"latency per prompt: median {statistics.median(times):.3f} ms, "
          f"p95 {times[int(len(times) * 0.95)]:.3f} ms, max {times[-1]:.3f} ms")
    if show_misses:
        print("\n" + "\n".join(misses))


def image_sets():
    """(name, is_face, PNG bytes) for every image of the set."""
    import numpy as np
    from PIL import Image, ImageDraw
    from skimage import data

    def png(arr) -> bytes:
        buf = io.BytesIO()
        Image.fromarray(arr).save(buf, "PNG")
        return buf.getvalue()

    lfw = data.lfw_subset()  # 100 faces then 100 non-faces, 25×25 grey floats
    for i, crop in enumerate(lfw):
        arr = (crop * 255).astype("uint8")
        yield f"lfw_{'face' if i < 100 else 'nonface'}_{i}", i < 100, png(arr)
    # Full-size sample photos: astronaut (a face), camera (a ¾ face), the rest not faces.
    for name, is_face in [("astronaut", True), ("camera", True), ("coffee", False), ("chelsea", False),
                          ("rocket", False), ("horse", False), ("coins", False), ("moon", False),
                          ("page", False), ("text", False), ("clock", False), ("immunohistochemistry", False),
                          ("hubble_deep_field", False), ("retina", False), ("grass", False), ("gravel", False),
                          ("brick", False), ("cell", False), ("colorwheel", False), ("logo", False),
                          ("motorcycle_left", False), ("cat", False), ("rocket", False)]:
        try:
            arr = getattr(data, name)()
        except Exception:  # noqa: BLE001 - some need pooch downloads; skip those
            continue
        if arr.dtype != np.uint8:
            arr = (np.clip(arr, 0, 1) * 255).astype("uint8") if arr.max() <= 1 else arr.astype("uint8")
        if arr.ndim == 3 and arr.shape[2] == 4:
            arr = arr[:, :, :3]
        yield f"sample_{name}", is_face, png(arr)
    # Harder non-faces: square crops of the sample photos at three scales (textures,
    # coins, text, a cat's face), where a cascade is most tempted.
    for name in ["coffee", "chelsea", "rocket", "horse", "coins", "moon", "page", "text", "clock",
                 "immunohistochemistry", "hubble_deep_field", "retina", "grass", "gravel", "brick",
                 "cell", "colorwheel", "logo", "motorcycle_left", "cat"]:
        try:
            arr = getattr(data, name)()
        except Exception:  # noqa: BLE001
            continue
        if arr.dtype != np.uint8:
            arr = (np.clip(arr, 0, 1) * 255).astype("uint8") if arr.max() <= 1 else arr.astype("uint8")
        if arr.ndim == 2:
            arr = np.stack([arr] * 3, -1)
        arr = arr[:, :, :3]
        h, w = arr.shape[:2]
        for frac in (1.0, 0.6, 0.35):
            s = int(min(h, w) * frac)
            for y, x in {(0, 0), (h - s, w - s), ((h - s) // 2, (w - s) // 2), (0, w - s)}:
                yield f"crop_{name}_{frac}_{y}_{x}", False, png(np.ascontiguousarray(arr[y : y + s, x : x + s]))
    # Drawn images, like the bundled model's world: shapes on plain and gradient backgrounds.
    rng = np.random.default_rng(0)
    for i in range(40):
        size = int(rng.choice([256, 512]))
        im = Image.new("RGB", (size, size), tuple(int(v) for v in rng.integers(0, 255, 3)))
        draw = ImageDraw.Draw(im)
        for _ in range(int(rng.integers(1, 6))):
            x, y = rng.integers(0, size, 2)
            r = int(rng.integers(size // 16, size // 4))
            box = [int(x - r), int(y - r), int(x + r), int(y + r)]
            colour = tuple(int(v) for v in rng.integers(0, 255, 3))
            [draw.ellipse, draw.rectangle][int(rng.integers(0, 2))](box, fill=colour)
        yield f"drawn_{i}", False, png(np.asarray(im))
    # A smiley drawn with circles: a cartoon face, not a realistic one.
    im = Image.new("RGB", (256, 256), "white")
    d = ImageDraw.Draw(im)
    d.ellipse([28, 28, 228, 228], fill="yellow", outline="black", width=4)
    d.ellipse([80, 80, 110, 110], fill="black")
    d.ellipse([146, 80, 176, 110], fill="black")
    d.arc([70, 100, 186, 190], 20, 160, fill="black", width=6)
    yield "drawn_smiley", False, png(np.asarray(im))


def evaluate_images() -> None:
    from moderation.lib import images as lib
    from moderation.services import check_output, check_upload

    lib.warm_up()
    rows = list(image_sets())
    stats = {k: defaultdict(int) for k in ("haar", "nudenet", "union")}
    upload_ms, output_ms = [], []
    nudity_fp = 0
    wrong = []
    for name, is_face, data in rows:
        im = lib.open_still_image(data, max_bytes=50 * 2**20, require_square=False)
        rgb = lib.to_rgb_array(im)
        haar = bool(lib.detect_faces_haar(rgb))
        nn = [d for d in lib._nudenet_detect(rgb) if d["class"] in lib.FACE_CLASSES and d["score"] >= lib.FACE_SCORE]
        for key, hit in (("haar", haar), ("nudenet", bool(nn)), ("union", haar or bool(nn))):
            stats[key]["tp" if is_face and hit else "fn" if is_face else "fp" if hit else "tn"] += 1
        t = time.perf_counter()
        verdict = check_upload(data, max_bytes=50 * 2**20, require_square=False, context="studio")
        upload_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        out = check_output(data)
        output_ms.append((time.perf_counter() - t) * 1000)
        nudity_fp += not out.allowed
        refused_face = verdict.category == "face"
        if refused_face != is_face:
            wrong.append(f"{'MISSED FACE' if is_face else 'FALSE FACE'}: {name} {verdict.details.get('faces')}")
    faces = sum(1 for r in rows if r[1])
    print(f"{len(rows)} images: {faces} faces, {len(rows) - faces} non-faces")
    print("| detector | face recall | false positives on non-faces |")
    print("|---|---|---|")
    for key, s in stats.items():
        print(f"| {key} | {s['tp'] / (s['tp'] + s['fn']):.3f} ({s['tp']}/{s['tp'] + s['fn']}) | "
              f"{s['fp'] / (s['fp'] + s['tn']):.3f} ({s['fp']}/{s['fp'] + s['tn']}) |")
    print(f"\nnudity false positives (check_output) on all {len(rows)} images: {nudity_fp}")
    for label, ms in (("check_upload (faces + nudity)", upload_ms), ("check_output (nudity)", output_ms)):
        ms.sort()
        print(f"{label}: median {statistics.median(ms):.1f} ms, p95 {ms[int(len(ms) * 0.95)]:.1f} ms, max {ms[-1]:.1f} ms")
    big = [ms for (n, _f, _d), ms in zip(rows, upload_ms, strict=True) if not n.startswith("lfw_")]
    print(f"check_upload on full-size images only ({len(big)}): median {statistics.median(big):.1f} ms")
    if wrong:
        print("\n" + "\n".join(wrong[:40]))


if __name__ == "__main__":
    _setup_django()
    what = sys.argv[1] if len(sys.argv) > 1 else "prompts"
    if what == "prompts":
        files = [a for a in sys.argv[2:] if not a.startswith("--")]
        evaluate_prompts("--show-misses" in sys.argv, Path(files[0]) if files else HERE / "prompts.tsv")
    elif what == "images":
        evaluate_images()
    else:
        sys.exit("usage: python -m moderation.eval.run prompts|images [--show-misses]")
