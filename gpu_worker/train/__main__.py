"""`python -m gpu_worker.train STAGE [options]`: train (or resume) one stage of the bundled cascade.

Stages: clip, prior, decoder, super_res_first (64->256), super_res_1024 (256->1024;
`super_res_last` is accepted for it), export (fp16 weights, no optimiser
state, into `gpu_worker/weights/bundled/`) and seed (checkpoints from those
committed weights for the stages that have none: a new machine carries on from
the snapshot instead of from random weights). Each stage resumes from
`$EASEL_CHECKPOINT_DIR/<stage>/latest.pt` and runs until `--steps` in total.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gpu_worker.train.common import checkpoint_root, cpu_bf16, setup

STAGES = ("clip", "prior", "decoder", "super_res_first", "super_res_1024", "export", "seed")

# Per-stage defaults, sized for a 2-core CPU (FACTS.md); every one can be overridden.
DEFAULTS: dict[str, dict[str, float | int]] = {
    "clip": {"steps": 4000, "batch_size": 64, "lr": 5e-4, "warmup": 200},
    "prior": {"steps": 20000, "batch_size": 64, "lr": 3e-4, "warmup": 200},
    "decoder": {"steps": 200000, "batch_size": 32, "lr": 2e-4, "warmup": 500},
    "super_res_first": {"steps": 20000, "batch_size": 8, "lr": 2e-4, "warmup": 200},
    "super_res_1024": {"steps": 20000, "batch_size": 4, "lr": 2e-4, "warmup": 200},
    "export": {"steps": 0, "batch_size": 0, "lr": 0.0, "warmup": 0},
    "seed": {"steps": 0, "batch_size": 0, "lr": 0.0, "warmup": 0},
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m gpu_worker.train", description=__doc__)
    parser.add_argument("stage", choices=(*STAGES, "super_res_last"))
    parser.add_argument("--steps", type=int, help="train until this many optimiser steps in total")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--warmup", type=int)
    parser.add_argument("--arch", default="bundled", choices=("bundled", "tiny"), help="architecture for a fresh start (a checkpoint keeps its own)")
    parser.add_argument("--world", default="stage1", help="which world to train on (stage1, stage2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the machine is shared)")
    parser.add_argument("--checkpoint-root", type=Path, default=None, help="default $EASEL_CHECKPOINT_DIR or ~/.cache/easel/checkpoints")
    parser.add_argument("--save-every", type=float, default=600.0, help="seconds between checkpoints")
    parser.add_argument("--log-every", type=int, default=50)
    parser.add_argument("--max-rss-gb", type=float, default=None,
                        help="save and exit with code 75 once resident memory passes this (the lane restarts the stage)")
    parser.add_argument("--no-bf16", dest="bf16", action="store_false", help="train in float32")
    parser.add_argument("--single-object-steps", type=int, default=None, help="decoder/prior curriculum: one object per scene until this step")
    parser.add_argument("--out", type=Path, default=None, help="export: target directory; seed: source directory (default gpu_worker/weights/bundled)")
    args = parser.parse_args(argv)
    if args.stage == "super_res_last":
        args.stage = "super_res_1024"
    for key, value in DEFAULTS[args.stage].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.checkpoint_root is None:
        args.checkpoint_root = checkpoint_root()
    if args.bf16 and not cpu_bf16():
        args.bf16 = False
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    setup(args.threads, args.seed)
    if args.stage == "clip":
        from gpu_worker.train import clip_stage

        return clip_stage.train(args)
    elif args.stage == "prior":
        from gpu_worker.train import prior_stage

        return prior_stage.train(args)
    elif args.stage == "decoder":
        from gpu_worker.train import decoder_stage

        return decoder_stage.train(args)
    elif args.stage == "super_res_first" or args.stage == "super_res_1024":
        from gpu_worker.train import super_res_stage

        return super_res_stage.train(args)
    elif args.stage == "seed":
        from gpu_worker.train import seed

        seed.seed(args)
    else:
        from gpu_worker.train import export

        export.export(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
