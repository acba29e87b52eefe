"""Step `export`: the trained stages' EMA weights, in fp16 and without optimiser state, as a bundled cascade.

Reads the latest checkpoint of every stage under the checkpoint root and writes
`gpu_worker/weights/bundled/` (or `--out`) in the format of
`gpu_worker.loaders.save_cascade`, plus `training.json` recording each stage's
step count and world. A stage that has no checkpoint yet keeps its seeded
random initialisation and is listed under "untrained" (the model card says so).
The directory is written beside the target and swapped in, so a serving
process never reads a half-written model.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

import torch

from gpu_worker.train.clip_stage import frozen_clip_path, load_trained_clip
from gpu_worker.train.common import Checkpointer
from gpu_worker.train.config import initial_config

logger = logging.getLogger("gpu_worker.train.export")

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "weights" / "bundled"


def export(args: argparse.Namespace) -> Path:
    from gpu_worker.loaders import save_cascade
    from gpu_worker.models import build_cascade

    root = args.checkpoint_root
    out = Path(args.out) if args.out else BUNDLED_DIR
    decoder_ckpt = Checkpointer("decoder", root)
    config = decoder_ckpt.load()["config"] if decoder_ckpt.exists() else initial_config(args.arch)
    cascade = build_cascade(config, seed=args.seed)
    record: dict[str, Any] = {"exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "stages": {}, "untrained": []}

    if frozen_clip_path(root).is_file() or Checkpointer("clip", root).exists():
        # Never freeze here: exporting mid-training must not pick the CLIP the decoder will use.
        cascade.clip = load_trained_clip(root, freeze=False)
        frozen = frozen_clip_path(root)
        state = torch.load(frozen if frozen.is_file() else Checkpointer("clip", root).path, map_location="cpu", weights_only=False)
        record["stages"]["clip"] = {"step": state["step"], "world": state.get("world"), "frozen": frozen.is_file()}
    else:
        record["untrained"].append("clip")

    for stage, attributes in (
        ("prior", {"": "prior"}),
        ("decoder", {"decoder.": "decoder", "text_proj.": "text_proj"}),
        ("super_res_first", {"": "super_res_first"}),
        ("super_res_1024", {"": "super_res_1024"}),
    ):
        ckpt = Checkpointer(stage, root)
        if not ckpt.exists():
            record["untrained"].extend(attributes.values())
            continue
        state = ckpt.load()
        for prefix, attribute in attributes.items():
            weights = {k[len(prefix) :]: v for k, v in state["ema"].items() if k.startswith(prefix)}
            getattr(cascade, attribute).load_state_dict(weights)
        record["stages"][stage] = {"step": state["step"], "world": state.get("world"),
                                   "batch_size": state.get("args", {}).get("batch_size")}
    for module in cascade.modules().values():
        module.half()

    staging = out.with_name(out.name + ".staging")
    if staging.exists():
        shutil.rmtree(staging)
    save_cascade(cascade, staging)
    (staging / "training.json").write_text(json.dumps(record, indent=2) + "\n")
    if out.exists():
        old = out.with_name(out.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        out.rename(old)
        staging.rename(out)
        shutil.rmtree(old)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(out)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    logger.info("exported %s (%.1f MB): %s; untrained: %s", out, size / 1e6, record["stages"], record["untrained"] or "none")
    return out
