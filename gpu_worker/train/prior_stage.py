"""Stage `prior`: text embedding (pooled + token states) -> CLIP image embedding.

A diffusers `PriorTransformer` predicting x0 in normalised embedding space
(sampled by `UnCLIPScheduler(prediction_type="sample")`). `clip_mean` and
`clip_std` are set once, from 2048 training images, and not trained:
`post_process_latents` maps predictions back to CLIP's scale. 10 % of prompts
are replaced by "" for classifier-free guidance. Checkpoint: `<root>/prior/latest.pt`.
"""

from __future__ import annotations

import argparse
import logging
import time

import torch
import torch.nn.functional as F

from gpu_worker.train.clip_stage import load_trained_clip
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
from gpu_worker.train.data import scenes_and_captions, to_tensor, training_scenes
from gpu_worker.world.render import render_scene
from gpu_worker.world.spec import get_world

logger = logging.getLogger("gpu_worker.train.prior")

P_DROP_TEXT = 0.1
DEFAULT_SINGLE_OBJECT_STEPS = 500


@torch.no_grad()
def embedding_statistics(clip: torch.nn.Module, world: object, seed: int, n: int = 2048) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-dimension mean and std of CLIP image embeddings of `n` training scenes."""
    rng = step_rng(seed + 104729, 0)
    embeddings = []
    for start in range(0, n, 256):
        scenes = training_scenes(rng, world, min(256, n - start), step=10**9)
        embeddings.append(clip.encode_image(to_tensor([render_scene(s, clip.image_size) for s in scenes])))
    stacked = torch.cat(embeddings)
    return stacked.mean(0, keepdim=True), stacked.std(0, keepdim=True).clamp_min(1e-4)


def train(args: argparse.Namespace) -> int:
    from gpu_worker.models import build_prior

    world = get_world(args.world)
    ckpt = Checkpointer("prior", args.checkpoint_root)
    state = ckpt.load() if ckpt.exists() else None
    config = state["config"] if state else initial_config(args.arch)
    clip = load_trained_clip(args.checkpoint_root)
    prior = build_prior(config["prior"]).train()
    prior.clip_mean.requires_grad_(False)
    prior.clip_std.requires_grad_(False)
    step = 0
    if state:
        prior.load_state_dict(state["model"])
        step = state["step"]
    else:
        mean, std = embedding_statistics(clip, world, args.seed, n=max(256, 32 * args.batch_size))
        prior.clip_mean.data.copy_(mean)
        prior.clip_std.data.copy_(std)
    ema = EMA(prior, decay=0.999)
    optimizer = torch.optim.AdamW([p for p in prior.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.0)
    if state:
        ema.module.load_state_dict(state["ema"])
        logger.info("resumed prior at step %d", step)
    warm_from = restore_optimizer(optimizer, state)
    single_steps = DEFAULT_SINGLE_OBJECT_STEPS if args.single_object_steps is None else args.single_object_steps
    logger.info("prior: %.1fM parameters, batch %d", count_parameters(prior) / 1e6, args.batch_size)
    scheduler = training_scheduler("prior")
    empty = clip.encode_text([""])
    stop = StopFlag(args.max_rss_gb)
    speed = Throughput()
    last_save = time.monotonic()

    def save() -> None:
        ckpt.save({"stage": "prior", "step": step, "config": config, "model": prior.state_dict(), "ema": ema.module.state_dict(),
                   "optimizer": optimizer.state_dict(), "world": world.name, "args": vars(args)})

    while step < args.steps and not stop.requested:
        rng = step_rng(args.seed, step)
        gen = step_generator(args.seed, step)
        _, images, captions = scenes_and_captions(rng, world, args.batch_size, step, clip.image_size, single_steps)
        b = images.shape[0]
        with torch.no_grad():
            text = clip.encode_text(captions)
            x0 = (clip.encode_image(images) - prior.clip_mean) / prior.clip_std
        drop = torch.from_numpy(rng.random(b) < P_DROP_TEXT)
        pooled = torch.where(drop[:, None], empty.pooled.expand(b, -1), text.pooled)
        tokens = torch.where(drop[:, None, None], empty.tokens.expand(b, -1, -1), text.tokens)
        mask = torch.where(drop[:, None], empty.mask.expand(b, -1), text.mask)
        t = torch.randint(0, scheduler.config.num_train_timesteps, (b,), generator=gen)
        noisy = scheduler.add_noise(x0, torch.randn(x0.shape, generator=gen), t)
        lr = learning_rate(args.lr, args.warmup, step, warm_from)
        for group in optimizer.param_groups:
            group["lr"] = lr
        with autocast(args.bf16):
            pred = prior(noisy, timestep=t, proj_embedding=pooled, encoder_hidden_states=tokens, attention_mask=mask).predicted_image_embedding
        loss = F.mse_loss(pred.float(), x0)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(prior.parameters(), 1.0)
        optimizer.step()
        ema.update(prior, step)
        step += 1
        speed.add(b)
        if step % args.log_every == 0:
            logger.info("prior step %d loss %.4f lr %.2e %.1f samples/s", step, loss.item(), lr, speed.rate())
        if time.monotonic() - last_save > args.save_every:
            save()
            last_save = time.monotonic()
    save()
    stop.restore()
    logger.info("prior stopped at step %d (checkpoint %s)", step, ckpt.path)
    return stop.exit_code
