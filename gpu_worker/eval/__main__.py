"""`python -m gpu_worker.eval shapes --n N --seed S [--json]`: ShapesEval on the bundled model.

Prints one line per item, then per-category accuracy and overall; with
`--json` the LAST line is the JSON summary:
{"n", "seed", "seconds", "categories": {single_object, two_objects, counting,
colors, position, color_attribution, inpainting, variations}, "overall", "world", ...}.

`python -m gpu_worker.eval grids --out DIR` writes the model card's sample grids.
The world is synthetic; the numbers are not comparable with real GenEval.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gpu_worker.train.export import BUNDLED_DIR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gpu_worker.eval", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    shapes = sub.add_parser("shapes", help="ShapesEval: GenEval-style scores on the synthetic world")
    shapes.add_argument("--n", type=int, default=64, help="number of prompts (categories in turn)")
    shapes.add_argument("--seed", type=int, default=0)
    shapes.add_argument("--json", action="store_true", help="end with the JSON summary line")
    shapes.add_argument("--model", type=Path, default=BUNDLED_DIR)
    shapes.add_argument("--world", default=None, help="world to score (default: the one the decoder was trained on)")
    shapes.add_argument("--images-per-prompt", type=int, default=4)
    shapes.add_argument("--precision", default="auto")
    grids = sub.add_parser("grids", help="sample grids of every mode for the model card")
    grids.add_argument("--out", type=Path, default=Path("docs/model"))
    grids.add_argument("--model", type=Path, default=BUNDLED_DIR)
    grids.add_argument("--seed", type=int, default=0)
    grids.add_argument("--world", default=None)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)

    from gpu_worker.world.spec import get_world

    world = get_world(args.world or _trained_world(args.model))
    if args.command == "grids":
        from gpu_worker.eval.grids import write_grids

        for path in write_grids(args.model, world, args.out, args.seed):
            print(path)
        return 0

    from gpu_worker.eval.shapes import evaluate, load_pipeline, summary_line

    pipe = load_pipeline(args.model, args.precision)
    summary, _ = evaluate(pipe, world, args.n, args.seed, args.images_per_prompt)
    print(f"ShapesEval on the synthetic world {world.name} (not comparable with real GenEval)")
    for name, value in summary["categories"].items():
        print(f"  {name:<18} {'-' if value is None else f'{value:.3f}'}")
    print(f"  {'overall':<18} {summary['overall']}")
    print(f"  {summary['seconds']} s in all; median {summary['median_seconds_per_call']} s "
          f"({summary['median_cpu_seconds_per_call']} s of CPU) per call of {args.images_per_prompt} images at 256")
    if args.json:
        print(summary_line(summary))
    return 0


def _trained_world(model: Path) -> str:
    record = model / "training.json"
    if record.is_file():
        stages = json.loads(record.read_text()).get("stages", {})
        world = stages.get("decoder", {}).get("world")
        if world:
            return str(world)
    return "stage1"


if __name__ == "__main__":
    raise SystemExit(main())
