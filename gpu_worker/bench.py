"""Benchmarks (not tests): seconds per request, and our pipeline against diffusers' UnCLIPPipeline.

    python -m gpu_worker.bench compare --size 256 --json
        A Karlo-layout cascade at the bundled model's sizes (random weights), 4 images,
        the same components, steps, schedulers and generators through our pipeline and
        diffusers' deprecated UnCLIPPipeline, runs alternating; the LAST line printed is
        {"ours_s": <median>, "diffusers_s": <median>, "ratio": <diffusers_s/ours_s>, "same_images": true|false}.
    python -m gpu_worker.bench requests --sizes 256 512 1024
        Seconds per engine request (4 images, text to image) with the bundled model.
    python -m gpu_worker.bench batching --size 256 --requests 4
        Cross-request batching: 4 one-image requests one after another against the
        same 4 as one batch (engine.generate_batch), runs alternating; images per second.
    python -m gpu_worker.bench all --out docs/benchmarks.md
        All three, written as Markdown tables with the command and the machine
        (between this tool's markers: the file's other sections are kept).

Run the CPU numbers with jemalloc preloaded (`make bench` does): FACTS.md measured
2-6x faster large convolutions with it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The compare's sampling schedule: Karlo's own step counts would take minutes per
# run on 2 cores with the reference pipeline; these keep every stage exercised.
COMPARE_STEPS = {"prior": 10, "decoder": 5, "super_res": 3}


def load_reference_pipeline(directory: str | Path) -> Any:
    """diffusers' deprecated `UnCLIPPipeline` read from a Karlo-layout directory (the reference we measure against)."""
    import diffusers
    from diffusers.pipelines.deprecated.unclip import UnCLIPPipeline
    from diffusers.pipelines.deprecated.unclip.text_proj import UnCLIPTextProjModel

    # from_pretrained looks the text_proj class up on the diffusers package, which
    # no longer exports it (FACTS.md).
    if not hasattr(diffusers, "UnCLIPTextProjModel"):
        diffusers.UnCLIPTextProjModel = UnCLIPTextProjModel
    pipe = UnCLIPPipeline.from_pretrained(directory)
    pipe.set_progress_bar_config(disable=True)
    return pipe


@dataclass
class CompareResult:
    ours_s: float
    diffusers_s: float
    same_images: bool
    ours_runs: list[float] = field(default_factory=list)
    diffusers_runs: list[float] = field(default_factory=list)
    precision: str = "fp32"
    max_abs_diff: float = 0.0
    fp32_same_images: bool | None = None

    @property
    def ratio(self) -> float:
        return self.diffusers_s / self.ours_s

    def line(self) -> str:
        return json.dumps(
            {"ours_s": round(self.ours_s, 3), "diffusers_s": round(self.diffusers_s, 3), "ratio": round(self.ratio, 3), "same_images": self.same_images}
        )


def compare(*, size: int = 256, runs: int = 3, n: int = 4, seed: int = 0, precision: str = "auto", log: Any = None) -> CompareResult:
    """Time our pipeline and diffusers' on the same Karlo-layout components, alternating runs.

    `same_images` is true when the images we time equal the reference's byte for
    byte (8-bit); with bf16 autocast (our CPU default where it pays) they differ
    slightly, so a fp32 run of ours is also compared and reported.
    """
    import numpy as np
    import torch

    from gpu_worker.loaders import load_karlo
    from gpu_worker.models.karlo_layout import save_karlo_layout
    from gpu_worker.pipelines import SamplingOptions, UnCLIPPipeline

    if size != 256:
        raise ValueError("the comparison runs at 256: diffusers' UnCLIPPipeline stops at its 256 upsampler")
    say = log or (lambda *_: None)
    with tempfile.TemporaryDirectory() as tmp:
        directory = save_karlo_layout(Path(tmp) / "karlo-small", scale="small", seed=seed)
        reference = load_reference_pipeline(directory)
        ours = UnCLIPPipeline(load_karlo(directory), precision=precision, batch_size=n)
        ours_fp32 = UnCLIPPipeline(load_karlo(directory), precision="fp32", batch_size=n)
    options = SamplingOptions(
        prior_steps=COMPARE_STEPS["prior"], decoder_steps=COMPARE_STEPS["decoder"], super_res_steps=COMPARE_STEPS["super_res"]
    )

    def generators() -> list[torch.Generator]:
        return [torch.Generator().manual_seed(seed + i) for i in range(n)]

    def run_ours(pipe: Any = ours) -> np.ndarray:
        out = pipe("a red circle above a blue square", n=n, size=size, generators=generators(), options=options)
        return out.images.permute(0, 2, 3, 1).numpy()

    def run_reference() -> np.ndarray:
        return reference(
            "a red circle above a blue square",
            num_images_per_prompt=n,
            prior_num_inference_steps=COMPARE_STEPS["prior"],
            decoder_num_inference_steps=COMPARE_STEPS["decoder"],
            super_res_num_inference_steps=COMPARE_STEPS["super_res"],
            generator=generators(),
            output_type="np",
        ).images

    # Warm-up (one-off allocations, oneDNN kernel selection) is not timed.
    ours_images, ref_images = run_ours(), run_reference()
    fp32_images = run_ours(ours_fp32) if ours.precision != "fp32" else ours_images
    ours_runs: list[float] = []
    ref_runs: list[float] = []
    for i in range(runs):
        # Alternate which goes first so drift in the machine's load hits both alike.
        order = (("ours", run_ours), ("ref", run_reference)) if i % 2 == 0 else (("ref", run_reference), ("ours", run_ours))
        for name, fn in order:
            started = time.perf_counter()
            fn()
            elapsed = time.perf_counter() - started
            (ours_runs if name == "ours" else ref_runs).append(elapsed)
            say(f"run {i + 1}/{runs} {name}: {elapsed:.2f} s")
    to8 = lambda a: (a * 255).round().astype("uint8")  # noqa: E731 - diffusers' own PIL conversion
    return CompareResult(
        ours_s=statistics.median(ours_runs),
        diffusers_s=statistics.median(ref_runs),
        same_images=bool(np.array_equal(to8(ours_images), to8(ref_images))),
        ours_runs=ours_runs,
        diffusers_runs=ref_runs,
        precision=ours.precision,
        max_abs_diff=float(np.abs(ours_images - ref_images).max()),
        fp32_same_images=bool(np.array_equal(to8(fp32_images), to8(ref_images))),
    )


def time_requests(*, sizes: list[int], runs: int = 3, n: int = 4, preset: str = "bundled", log: Any = None) -> dict[int, list[float]]:
    """Seconds per text-to-image request of `n` images at each size, through the engine."""
    from gpu_worker.engine import Engine, EngineConfig
    from gpu_worker.interface import GenerationRequest
    from gpu_worker.train.common import resident_bytes

    say = log or (lambda *_: None)
    engine = Engine.from_config(EngineConfig(preset=preset, device=os.environ.get("EASEL_DEVICE", "auto")))
    results: dict[int, list[float]] = {}
    # One untimed request warms up allocations and kernel selection for every size.
    engine.generate(GenerationRequest(mode="generate", prompt="warm-up", size=min(sizes), n=n, seed=0))
    for size in sizes:
        request = GenerationRequest(mode="generate", prompt="a red circle above a blue square", size=size, n=n, seed=0)
        results[size] = []
        for i in range(runs):
            started = time.perf_counter()
            engine.generate(request)
            results[size].append(time.perf_counter() - started)
            say(f"{size}px run {i + 1}/{runs}: {results[size][-1]:.2f} s, RSS {resident_bytes() / 2**20:.0f} MB")
    say(f"model: {engine.model_name}, precision {engine.pipeline.precision}")
    return results


BATCH_PROMPTS = (
    "a red circle above a blue square",
    "a green triangle on the left",
    "a yellow square in the middle",
    "a purple circle on the right",
    "an orange triangle below a white circle",
    "a cyan square at the top",
)


@dataclass
class BatchingResult:
    size: int
    requests: int
    sequential_runs: list[float]
    batched_runs: list[float]
    max_pixel_diff: int

    @property
    def sequential_s(self) -> float:
        return statistics.median(self.sequential_runs)

    @property
    def batched_s(self) -> float:
        return statistics.median(self.batched_runs)

    @property
    def gain(self) -> float:
        return self.sequential_s / self.batched_s

    def line(self) -> str:
        return json.dumps({
            "size": self.size, "requests": self.requests,
            "sequential_images_per_s": round(self.requests / self.sequential_s, 3),
            "batched_images_per_s": round(self.requests / self.batched_s, 3),
            "gain": round(self.gain, 3), "max_pixel_diff": self.max_pixel_diff,
        })


def batching(*, size: int = 256, requests: int = 4, runs: int = 3, preset: str = "bundled", log: Any = None) -> BatchingResult:
    """One-image text-to-image requests run one by one, then as one batch, alternating; the same engine."""
    import io

    import numpy as np
    from PIL import Image

    from gpu_worker.engine import Engine, EngineConfig
    from gpu_worker.interface import GenerationRequest

    say = log or (lambda *_: None)
    engine = Engine.from_config(EngineConfig(preset=preset, device=os.environ.get("EASEL_DEVICE", "auto")))
    batch = [
        GenerationRequest(mode="generate", prompt=BATCH_PROMPTS[i % len(BATCH_PROMPTS)], size=size, n=1, seed=100 + i)
        for i in range(requests)
    ]

    def one_by_one() -> list[bytes]:
        return [engine.generate(r).images[0] for r in batch]

    def together() -> list[bytes]:
        return [r.images[0] for r in engine.generate_batch(batch)]

    alone, batched = one_by_one(), together()  # warm-up, and the images to compare
    pixels = lambda png: np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)  # noqa: E731
    diff = max(int(np.abs(pixels(a) - pixels(b)).max()) for a, b in zip(alone, batched, strict=True))
    seq_runs: list[float] = []
    bat_runs: list[float] = []
    for i in range(runs):
        order = ((seq_runs, one_by_one), (bat_runs, together)) if i % 2 == 0 else ((bat_runs, together), (seq_runs, one_by_one))
        for bucket, fn in order:
            started = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - started)
        say(f"run {i + 1}/{runs}: one by one {seq_runs[-1]:.2f} s, batched {bat_runs[-1]:.2f} s")
    return BatchingResult(size=size, requests=requests, sequential_runs=seq_runs, batched_runs=bat_runs, max_pixel_diff=diff)


def machine() -> str:
    """One line naming the CPU, its cores, torch, and whether jemalloc is preloaded."""
    import torch

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    jemalloc = "jemalloc" in os.environ.get("LD_PRELOAD", "")
    return (
        f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"{'jemalloc' if jemalloc else 'glibc malloc'}, load average {os.getloadavg()[0]:.1f} at start"
    )


MARK_START = "<!-- gpu_worker.bench: start (make bench rewrites what lies between these marks) -->"
MARK_END = "<!-- gpu_worker.bench: end -->"


def write_markdown(
    path: Path,
    *,
    command: str,
    machine_line: str,
    requests: dict[int, list[float]],
    model: str,
    result: CompareResult | None,
    batched: BatchingResult | None = None,
) -> None:
    """Rewrite this tool's sections of `path`, between its marks; everything else in the file stays."""
    lines = [
        MARK_START,
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with `{command}`.",
        "",
        f"Machine: {machine_line}.",
        "",
        f"## Seconds per request (4 images, text to image, model `{model}`)",
        "",
        "| size | median s | runs (s) | target |",
        "|---|---|---|---|",
    ]
    targets = {256: "≤ 10 s", 512: "—", 1024: "≤ 60 s"}
    for size, runs in requests.items():
        runs_text = ", ".join(f"{r:.2f}" for r in runs)
        lines.append(f"| {size} | {statistics.median(runs):.2f} | {runs_text} | {targets.get(size, '')} |")
    if result is not None:
        steps = ", ".join(f"{k} {v}" for k, v in COMPARE_STEPS.items())
        lines += [
            "",
            "## Our pipeline against diffusers' UnCLIPPipeline (256, 4 images)",
            "",
            f"Karlo-layout cascade at the bundled model's sizes (random weights), steps {steps}, "
            "UnCLIPScheduler for every stage in both, the same per-image generators, runs alternating.",
            "",
            "| pipeline | median s | runs (s) |",
            "|---|---|---|",
            f"| ours ({result.precision}) | {result.ours_s:.2f} | {', '.join(f'{r:.2f}' for r in result.ours_runs)} |",
            f"| diffusers UnCLIPPipeline (fp32) | {result.diffusers_s:.2f} | {', '.join(f'{r:.2f}' for r in result.diffusers_runs)} |",
            "",
            f"Ratio diffusers / ours: **{result.ratio:.2f}x**. "
            f"Images identical to the reference (8-bit): timed configuration {result.same_images} "
            f"(max abs difference {result.max_abs_diff:.4f}); ours in fp32: {result.fp32_same_images}.",
            "",
            "```",
            result.line(),
            "```",
        ]
    if batched is not None:
        lines += [
            "",
            f"## Cross-request batching ({batched.requests} one-image requests at {batched.size}, model `{model}`)",
            "",
            "The same requests (different prompts and seeds) one after another through `Engine.generate`, and as one "
            "batch through `Engine.generate_batch`, runs alternating.",
            "",
            "| how | median s | images/s | runs (s) |",
            "|---|---|---|---|",
            f"| one by one | {batched.sequential_s:.2f} | {batched.requests / batched.sequential_s:.3f} | {', '.join(f'{r:.2f}' for r in batched.sequential_runs)} |",
            f"| one batch | {batched.batched_s:.2f} | {batched.requests / batched.batched_s:.3f} | {', '.join(f'{r:.2f}' for r in batched.batched_runs)} |",
            "",
            f"Gain: **{batched.gain:.2f}x** images per second; largest difference of any pixel between an image made "
            f"alone and in the batch: {batched.max_pixel_diff}/255.",
            "",
            "```",
            batched.line(),
            "```",
        ]
    lines += ["", MARK_END]
    section = "\n".join(lines)
    old = path.read_text() if path.exists() else "# Benchmarks\n\n"
    if MARK_START in old and MARK_END in old:
        head, rest = old.split(MARK_START, 1)
        tail = rest.split(MARK_END, 1)[1]
        text = head + section + tail
    else:
        text = old.rstrip("\n") + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gpu_worker.bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    cmp_p = sub.add_parser("compare", help="ours vs diffusers' UnCLIPPipeline")
    cmp_p.add_argument("--size", type=int, default=256)
    cmp_p.add_argument("--runs", type=int, default=3)
    cmp_p.add_argument("--precision", default="auto")
    cmp_p.add_argument("--json", action="store_true", help="print the result as one JSON line, last")
    req_p = sub.add_parser("requests", help="seconds per 4-image request")
    req_p.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    req_p.add_argument("--runs", type=int, default=3)
    req_p.add_argument("--preset", default="bundled")
    bat_p = sub.add_parser("batching", help="one-image requests one by one against one batch")
    bat_p.add_argument("--size", type=int, default=256)
    bat_p.add_argument("--requests", type=int, default=4)
    bat_p.add_argument("--runs", type=int, default=3)
    bat_p.add_argument("--preset", default="bundled")
    all_p = sub.add_parser("all", help="requests + compare + batching, written to Markdown")
    all_p.add_argument("--out", type=Path, default=Path("docs/benchmarks.md"))
    all_p.add_argument("--runs", type=int, default=3)
    all_p.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.command == "compare":
        result = compare(size=args.size, runs=args.runs, precision=args.precision, log=log)
        log(f"ours ({result.precision}) runs {result.ours_runs}; diffusers runs {result.diffusers_runs}; "
            f"fp32 identical: {result.fp32_same_images}; max abs diff {result.max_abs_diff:.4f}")
        print(result.line() if args.json else f"ours {result.ours_s:.2f} s, diffusers {result.diffusers_s:.2f} s, ratio {result.ratio:.2f}, same images {result.same_images}")
        return 0
    if args.command == "batching":
        batched = batching(size=args.size, requests=args.requests, runs=args.runs, preset=args.preset, log=log)
        print(batched.line())
        return 0
    if args.command == "requests":
        for size, runs in time_requests(sizes=args.sizes, runs=args.runs, preset=args.preset, log=log).items():
            print(f"{size}: median {statistics.median(runs):.2f} s over {runs}")
        return 0
    machine_line = machine()
    from gpu_worker.engine import BUNDLED_DIR

    model = "easel-bundled-shapes-v1" if BUNDLED_DIR.exists() else "easel-bundled-random (bundled architecture, random weights)"
    requests = time_requests(sizes=args.sizes, runs=args.runs, log=log)
    result = compare(runs=args.runs, log=log)
    batched = batching(runs=args.runs, log=log)
    command = "make bench"
    write_markdown(args.out, command=command, machine_line=machine_line, requests=requests, model=model, result=result, batched=batched)
    print(result.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
