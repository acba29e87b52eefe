"""Stage `clip`: a small open_clip CLIP trained with open_clip's contrastive loss and hard negatives.

The architecture is the registered config `easel-shapes-clip`
(`open_clip_configs/easel-shapes-clip.json`, created with
`open_clip.create_model`). Half of each batch is (scene, one-attribute twin)
pairs with full captions (see `data.clip_batch`), which makes the InfoNCE loss
(`open_clip.loss.ClipLoss`) punish an embedding that does not bind colours and
places to objects. Checkpoint: `<root>/clip/latest.pt`.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import torch

from gpu_worker.train.common import (
    Checkpointer,
    StopFlag,
    Throughput,
    autocast,
    count_parameters,
    learning_rate,
    restore_optimizer,
    step_rng,
)
from gpu_worker.train.data import clip_batch, training_negative
from gpu_worker.world.captions import caption_scene
from gpu_worker.world.render import render_scene
from gpu_worker.world.spec import get_world
from gpu_worker.world.splits import sample_training_scene

logger = logging.getLogger("gpu_worker.train.clip")

CONFIG_DIR = Path(__file__).parent / "open_clip_configs"
MODEL_NAME = "easel-shapes-clip"


def clip_model_config() -> dict[str, Any]:
    return json.loads((CONFIG_DIR / f"{MODEL_NAME}.json").read_text())


def build_clip_encoder(config: dict[str, Any] | None = None) -> Any:
    """An `OpenClipEncoder` around a fresh open_clip model of the registered config (or `config`)."""
    import open_clip

    from gpu_worker.clip import OpenClipEncoder

    if config is None:
        open_clip.add_model_config(CONFIG_DIR)
        model = open_clip.create_model(MODEL_NAME, pretrained=None)
        config = clip_model_config()
    else:
        from open_clip.model import CLIP

        model = CLIP(**config)
    return OpenClipEncoder(model, config, MODEL_NAME)


def frozen_clip_path(root: Path | None = None) -> Path:
    """`<root>/clip/frozen.pt`: the CLIP every later stage was trained against."""
    return Checkpointer("clip", root).dir / "frozen.pt"


def load_trained_clip(root: Path | None = None, *, freeze: bool = True) -> Any:
    """The frozen CLIP (eval mode) that the prior, decoder and export share.

    The first call freezes the latest CLIP checkpoint by copying it to
    `clip/frozen.pt`; later calls read that copy, so CLIP training may go on
    without changing what the other stages condition on. Delete `frozen.pt`
    (and retrain prior and decoder) to adopt a newer CLIP. With `freeze=False`
    (export) the latest checkpoint is read when nothing is frozen yet, and
    nothing is frozen. RuntimeError when no CLIP checkpoint exists.
    """
    import shutil

    ckpt = Checkpointer("clip", root)
    frozen = frozen_clip_path(root)
    if not frozen.is_file():
        if not ckpt.exists():
            raise RuntimeError(f"no CLIP checkpoint at {ckpt.path}: run `python -m gpu_worker.train clip` first")
        if not freeze:
            return _encoder_from_state(ckpt.load())
        tmp = frozen.with_suffix(".tmp")
        shutil.copyfile(ckpt.path, tmp)
        tmp.replace(frozen)
        logger.info("froze CLIP checkpoint %s as %s", ckpt.path, frozen)
    return _encoder_from_state(torch.load(frozen, map_location="cpu", weights_only=False))


def _encoder_from_state(state: dict[str, Any]) -> Any:
    encoder = build_clip_encoder(state["config"])
    encoder.model.load_state_dict(state["model"])
    encoder.eval().requires_grad_(False)
    return encoder


def train(args: argparse.Namespace) -> int:
    from open_clip.loss import ClipLoss

    from gpu_worker.clip import preprocess_pixels

    world = get_world(args.world)
    ckpt = Checkpointer("clip", args.checkpoint_root)
    state = ckpt.load() if ckpt.exists() else None
    if state:
        encoder = build_clip_encoder(state["config"])
    else:
        from gpu_worker.train.config import tiny_config

        encoder = build_clip_encoder(None if args.arch == "bundled" else tiny_config()["clip"])
    model = encoder.model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.1)
    step = 0
    if state:
        model.load_state_dict(state["model"])
        step = state["step"]
        logger.info("resumed clip at step %d", step)
    warm_from = restore_optimizer(optimizer, state)
    logger.info("clip: %.1fM parameters, world %s, batch %d", count_parameters(model) / 1e6, world.name, args.batch_size)
    loss_fn = ClipLoss()
    stop = StopFlag(args.max_rss_gb)
    probe = _probe_set(world, args.seed, encoder.image_size)
    speed = Throughput()
    last_save = time.monotonic()

    def save() -> None:
        ckpt.save({"stage": "clip", "step": step, "config": encoder.config, "model": model.state_dict(),
                   "optimizer": optimizer.state_dict(), "world": world.name, "args": vars(args)})

    while step < args.steps and not stop.requested:
        rng = step_rng(args.seed, step)
        images, captions = clip_batch(rng, world, args.batch_size, step, encoder.image_size)
        tokens = encoder.tokenizer(captions)
        lr = learning_rate(args.lr, args.warmup, step, warm_from)
        for group in optimizer.param_groups:
            group["lr"] = lr
        with autocast(args.bf16):
            image_features, text_features, logit_scale = model(preprocess_pixels(images, encoder.image_size), tokens)
            loss = loss_fn(image_features.float(), text_features.float(), logit_scale.float())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        with torch.no_grad():
            # open_clip clamps the temperature at 100 (logit_scale = ln 100).
            model.logit_scale.clamp_(0, 4.6052)
        step += 1
        speed.add(len(captions))
        if step % args.log_every == 0:
            pair_acc, top1 = _probe(encoder, probe)
            logger.info("clip step %d loss %.4f scale %.1f lr %.2e pair_acc %.3f top1 %.3f %.1f samples/s",
                        step, loss.item(), logit_scale.item(), lr, pair_acc, top1, speed.rate())
        if time.monotonic() - last_save > args.save_every:
            save()
            last_save = time.monotonic()
    save()
    stop.restore()
    logger.info("clip stopped at step %d (checkpoint %s)", step, ckpt.path)
    return stop.exit_code


def _probe_set(world: Any, seed: int, size: int, n: int = 64) -> dict[str, Any]:
    """A fixed set of scenes with their hard negatives, to watch binding while training."""
    rng = step_rng(seed + 7919, 0)
    scenes = [sample_training_scene(rng, world, n_objects=1 + i % world.max_objects) for i in range(n)]
    negatives = [training_negative(s, rng, world) for s in scenes]
    from gpu_worker.train.data import to_tensor

    return {
        "images": to_tensor([render_scene(s, size) for s in scenes]),
        "captions": [caption_scene(s, rng, full=True) for s in scenes],
        "negative_captions": [caption_scene(s, rng, full=True) for s in negatives],
    }


@torch.no_grad()
def _probe(encoder: Any, probe: dict[str, Any]) -> tuple[float, float]:
    """(how often an image prefers its caption to its twin's, caption->image top-1 in the probe set)."""
    encoder.eval()
    img = torch.nn.functional.normalize(encoder.encode_image(probe["images"]), dim=-1)
    pos = torch.nn.functional.normalize(encoder.encode_text(probe["captions"]).pooled, dim=-1)
    neg = torch.nn.functional.normalize(encoder.encode_text(probe["negative_captions"]).pooled, dim=-1)
    encoder.model.train()
    pair_acc = ((img * pos).sum(-1) > (img * neg).sum(-1)).float().mean().item()
    top1 = ((pos @ img.T).argmax(-1) == torch.arange(len(img))).float().mean().item()
    return pair_acc, top1
