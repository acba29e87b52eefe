"""Step `seed`: start training from the committed weights when no checkpoint exists.

Checkpoints live outside git (`$EASEL_CHECKPOINT_DIR`), so a new machine starts
without them; without this step it would train every stage again from random
weights and throw away everything the committed snapshot learned. `seed` reads
`gpu_worker/weights/bundled/` (or `--out`), and for every stage that
`training.json` lists as trained and that has no checkpoint yet, writes one:
model and EMA both set to the committed (fp16, averaged) weights in fp32, the
step count from `training.json`, and no optimiser state. A stage resumed from
such a checkpoint builds a fresh optimiser and warms its learning rate up again
(`common.learning_rate`), so Adam's first steps do not jolt the weights.

The CLIP is written both as the clip stage's checkpoint and as `clip/frozen.pt`:
the committed prior and decoder were trained against exactly that CLIP.
Stages that already have a checkpoint are left alone (they are newer).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

import torch

from gpu_worker.train.clip_stage import frozen_clip_path
from gpu_worker.train.common import Checkpointer
from gpu_worker.train.config import initial_config
from gpu_worker.train.export import BUNDLED_DIR

logger = logging.getLogger("gpu_worker.train.seed")

# stage -> {prefix in the checkpoint's state dict: attribute of the loaded cascade}
STAGE_MODULES: dict[str, dict[str, str]] = {
    "prior": {"": "prior"},
    "decoder": {"decoder.": "decoder", "text_proj.": "text_proj"},
    "super_res_first": {"": "super_res_first"},
    "super_res_1024": {"": "super_res_1024"},
}


def _fp32_state(module: torch.nn.Module, prefix: str = "") -> dict[str, torch.Tensor]:
    return {prefix + k: v.detach().float().clone() for k, v in module.state_dict().items()}


def seed(args: argparse.Namespace) -> list[str]:
    """Write checkpoints from the committed weights for the stages that have none; returns the stages written."""
    from gpu_worker.loaders import load_cascade

    source = Path(args.out) if args.out else BUNDLED_DIR
    record_path = source / "training.json"
    if not record_path.is_file():
        logger.info("no %s: nothing to seed from", record_path)
        return []
    record: dict[str, Any] = json.loads(record_path.read_text())
    trained = record.get("stages", {})
    root = args.checkpoint_root
    cascade = load_cascade(source, dtype=torch.float32)
    config = initial_config(args.arch)
    written: list[str] = []

    if "clip" in trained and not Checkpointer("clip", root).exists():
        state = {"stage": "clip", "step": int(trained["clip"]["step"]), "config": cascade.clip.config,
                 "model": _fp32_state(cascade.clip.model), "optimizer": None, "world": trained["clip"].get("world"),
                 "seeded_from": str(source)}
        Checkpointer("clip", root).save(state)
        frozen = frozen_clip_path(root)
        if not frozen.is_file():
            torch.save(state, frozen.with_suffix(".tmp"))
            frozen.with_suffix(".tmp").replace(frozen)
        written.append("clip")

    for stage, attributes in STAGE_MODULES.items():
        if stage not in trained or Checkpointer(stage, root).exists():
            continue
        weights: dict[str, torch.Tensor] = {}
        for prefix, attribute in attributes.items():
            weights.update(_fp32_state(getattr(cascade, attribute), prefix))
        info = trained[stage]
        Checkpointer(stage, root).save({
            "stage": stage, "step": int(info["step"]), "config": config, "model": weights,
            "ema": {k: v.clone() for k, v in weights.items()}, "optimizer": None,
            "world": info.get("world"), "seeded_from": str(source),
        })
        written.append(stage)
    for stage in written:
        logger.info("seeded %s from %s at step %s", stage, source, trained[stage]["step"])
    return written
