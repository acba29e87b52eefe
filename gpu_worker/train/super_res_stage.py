"""Stages `super_res_first` (64->256) and `super_res_1024` (256->1024): upsamplers trained on ground truth.

They need no other stage: the low-res input is the world drawn at the lower
size (what the decoder learns to draw), bicubic-upsampled, noise-augmented to a
random level (passed as `class_labels`), and the target is the same scene
drawn at the higher size. Both UNets are fully convolutional, so they train on
random crops (`--crop`, default 128 px for 256 and 256 px for 1024) and run on
whole images. Inpainting channels (masked image + mask) are trained with the
same random masks as the decoder. Checkpoint: `<root>/<stage>/latest.pt`.
"""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any

import torch
import torch.nn.functional as F

from gpu_worker.train.common import (
    EMA,
    Checkpointer,
    StopFlag,
    Throughput,
    autocast,
    count_parameters,
    learning_rate,
    restore_optimizer,
    step_generator,
    step_rng,
)
from gpu_worker.train.config import initial_config, training_scheduler
from gpu_worker.train.data import random_masks, to_tensor, training_scenes
from gpu_worker.world.render import render_scene
from gpu_worker.world.spec import get_world

logger = logging.getLogger("gpu_worker.train.super_res")

MAX_AUG_LEVEL = 250  # training draws noise-augmentation levels in [0, this]; sampling uses the spec's


def stage_settings(stage: str, config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], int, int]:
    """(UNet config, stage spec, low-res size, high-res size) for `stage`."""
    if stage == "super_res_first":
        return config["super_res_first"], config["cascade"]["super_res"], config["cascade"]["decoder"]["image_size"], 256
    return config["super_res_1024"], config["cascade"]["super_res_1024"], 256, 1024


def train(args: argparse.Namespace) -> int:
    from gpu_worker.models import build_super_res

    world = get_world(args.world)
    ckpt = Checkpointer(args.stage, args.checkpoint_root)
    state = ckpt.load() if ckpt.exists() else None
    config = state["config"] if state else initial_config(args.arch)
    unet_cfg, spec, low_size, high_size = stage_settings(args.stage, config)
    f = spec["pixel_unshuffle"]
    crop = getattr(args, "crop", None) or (128 if high_size == 256 else 256)
    unet = build_super_res(unet_cfg).train()
    ema = EMA(unet, decay=0.999)
    optimizer = torch.optim.AdamW(unet.parameters(), lr=args.lr, weight_decay=0.0)
    step = 0
    if state:
        unet.load_state_dict(state["model"])
        ema.module.load_state_dict(state["ema"])
        step = state["step"]
        logger.info("resumed %s at step %d", args.stage, step)
    warm_from = restore_optimizer(optimizer, state)
    logger.info("%s: %.1fM parameters, crops of %d px, batch %d", args.stage, count_parameters(unet) / 1e6, crop, args.batch_size)
    scheduler = training_scheduler("image")
    alphas = scheduler.alphas_cumprod
    stop = StopFlag(args.max_rss_gb)
    speed = Throughput()
    last_save = time.monotonic()

    def save() -> None:
        ckpt.save({"stage": args.stage, "step": step, "config": config, "model": unet.state_dict(), "ema": ema.module.state_dict(),
                   "optimizer": optimizer.state_dict(), "world": world.name, "args": vars(args)})

    while step < args.steps and not stop.requested:
        rng = step_rng(args.seed, step)
        gen = step_generator(args.seed, step)
        scenes = training_scenes(rng, world, args.batch_size, step)
        high = to_tensor([render_scene(s, high_size) for s in scenes])
        low = to_tensor([render_scene(s, low_size) for s in scenes])
        # Crop first, then upsample only the matching low-res window (plus a margin
        # for the bicubic kernel), which keeps 1024-px batches cheap.
        scale = high_size // low_size
        lc = crop // scale
        ox = int(rng.integers(0, (low_size - lc) + 1))
        oy = int(rng.integers(0, (low_size - lc) + 1))
        pad = 2
        x0, y0 = max(0, ox - pad), max(0, oy - pad)
        x1, y1 = min(low_size, ox + lc + pad), min(low_size, oy + lc + pad)
        up = F.interpolate(low[:, :, y0:y1, x0:x1], scale_factor=scale, mode="bicubic", align_corners=False, antialias=True)
        up = up[:, :, (oy - y0) * scale : (oy - y0) * scale + crop, (ox - x0) * scale : (ox - x0) * scale + crop]
        target = high[:, :, oy * scale : oy * scale + crop, ox * scale : ox * scale + crop]
        b = target.shape[0]
        levels = torch.randint(0, MAX_AUG_LEVEL + 1, (b,), generator=gen)
        a = alphas[levels].view(b, 1, 1, 1)
        up = a.sqrt() * up + (1 - a).sqrt() * torch.randn(up.shape, generator=gen)
        t = torch.randint(0, scheduler.config.num_train_timesteps, (b,), generator=gen)
        noise = torch.randn(target.shape, generator=gen)
        noisy = scheduler.add_noise(target, noise, t)
        v = scheduler.get_velocity(target, noise, t)
        parts = [noisy, up.clamp(-1.5, 1.5)]
        if spec["inpaint_channels"]:
            mask = random_masks(rng, b, crop, p_mask=0.5)
            parts += [target * (1 - mask), mask]
        x = torch.cat(parts, dim=1)
        lr = learning_rate(args.lr, args.warmup, step, warm_from)
        for group in optimizer.param_groups:
            group["lr"] = lr
        with autocast(args.bf16):
            out = unet(F.pixel_unshuffle(x, f), t, class_labels=levels).sample
        pred = F.pixel_shuffle(out.float(), f)
        loss = F.mse_loss(pred, v)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        optimizer.step()
        ema.update(unet, step)
        step += 1
        speed.add(b)
        if step % args.log_every == 0:
            logger.info("%s step %d loss %.4f lr %.2e %.1f samples/s", args.stage, step, loss.item(), lr, speed.rate())
        if time.monotonic() - last_save > args.save_every:
            save()
            last_save = time.monotonic()
    save()
    stop.restore()
    logger.info("%s stopped at step %d (checkpoint %s)", args.stage, step, ckpt.path)
    return stop.exit_code
