"""Stage `decoder`: the 64x64 decoder and its text_proj, conditioned on CLIP image embedding + text tokens.

Per step: scenes from the training split (one object per scene during the
`--single-object-steps` curriculum), one caption each, CLIP (frozen, see
`clip_stage.load_trained_clip`) encodes the caption (pooled + token states) and
the image (the image embedding the decoder reconstructs from). Classifier-free
guidance dropout: 10 % of samples lose both conditions (the learned "no image"
embedding and the empty prompt, exactly the pipeline's unconditional half),
25 % lose only the text (variations run on the image embedding with an empty
prompt) and 5 % lose only the image embedding. Random masks (boxes, borders,
strokes) give half the samples known pixels through the inpainting channels.

The loss is v-prediction MSE with object pixels weighted 5x: a 37-minute trial
(FACTS.md) learned backgrounds perfectly and objects not at all, and objects
cover under a tenth of the image. Checkpoint: `<root>/decoder/latest.pt`
(decoder and text_proj together, with their EMA).
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

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
from gpu_worker.train.data import random_masks, scenes_and_captions
from gpu_worker.world.render import background_array
from gpu_worker.world.spec import get_world

logger = logging.getLogger("gpu_worker.train.decoder")

P_DROP_BOTH = 0.10
P_DROP_TEXT = 0.25
P_DROP_IMAGE = 0.05
OBJECT_WEIGHT = 5.0
DEFAULT_SINGLE_OBJECT_STEPS = 2000


class DecoderPair(nn.Module):
    """The decoder UNet and its text_proj, trained (and averaged) as one module."""

    def __init__(self, decoder: nn.Module, text_proj: nn.Module):
        super().__init__()
        self.decoder = decoder
        self.text_proj = text_proj


def foreground_weights(scenes: list, images: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) loss weights: OBJECT_WEIGHT on object pixels, 1 on the background."""
    size = images.shape[-1]
    backgrounds = torch.from_numpy(np.stack([background_array(s, size) for s in scenes])).permute(0, 3, 1, 2).float() / 127.5 - 1
    foreground = ((images - backgrounds).abs().sum(dim=1, keepdim=True) > 0.08).float()
    return 1 + (OBJECT_WEIGHT - 1) * foreground


def train(args: argparse.Namespace) -> int:
    from gpu_worker.models import build_decoder, build_text_proj

    world = get_world(args.world)
    ckpt = Checkpointer("decoder", args.checkpoint_root)
    state = ckpt.load() if ckpt.exists() else None
    config = state["config"] if state else initial_config(args.arch)
    f = config["cascade"]["decoder"]["pixel_unshuffle"]
    size = config["cascade"]["decoder"]["image_size"]
    clip = load_trained_clip(args.checkpoint_root)
    pair = DecoderPair(build_decoder(config["decoder"]), build_text_proj(config["text_proj"])).train()
    ema = EMA(pair, decay=0.9995)
    optimizer = torch.optim.AdamW(pair.parameters(), lr=args.lr, weight_decay=0.0)
    step = 0
    if state:
        pair.load_state_dict(state["model"])
        ema.module.load_state_dict(state["ema"])
        step = state["step"]
        logger.info("resumed decoder at step %d", step)
    warm_from = restore_optimizer(optimizer, state)
    single_steps = DEFAULT_SINGLE_OBJECT_STEPS if args.single_object_steps is None else args.single_object_steps
    logger.info("decoder: %.1fM parameters (+%.1fM text_proj), %dx%d unshuffle, batch %d, one object until step %d",
                count_parameters(pair.decoder) / 1e6, count_parameters(pair.text_proj) / 1e6, f, f, args.batch_size, single_steps)
    scheduler = training_scheduler("image")
    empty = clip.encode_text([""])
    k = config["text_proj"]["clip_extra_context_tokens"]
    stop = StopFlag(args.max_rss_gb)
    speed = Throughput()
    last_save = time.monotonic()
    running = {"cond": 0.0, "uncond": 0.0}

    def save() -> None:
        ckpt.save({"stage": "decoder", "step": step, "config": config, "model": pair.state_dict(), "ema": ema.module.state_dict(),
                   "optimizer": optimizer.state_dict(), "world": world.name, "args": vars(args)})

    while step < args.steps and not stop.requested:
        rng = step_rng(args.seed, step)
        gen = step_generator(args.seed, step)
        scenes, x0, captions = scenes_and_captions(rng, world, args.batch_size, step, size, single_steps)
        b = x0.shape[0]
        with torch.no_grad():
            text = clip.encode_text(captions)
            image_embeddings = clip.encode_image(x0)
        r = torch.from_numpy(rng.random(b)).float()
        drop_image = (r < P_DROP_BOTH) | ((r >= P_DROP_BOTH + P_DROP_TEXT) & (r < P_DROP_BOTH + P_DROP_TEXT + P_DROP_IMAGE))
        drop_text = r < P_DROP_BOTH + P_DROP_TEXT
        uncond_image = pair.text_proj.unconditional_image_embeddings(b)
        embeds = torch.where(drop_image[:, None], uncond_image, image_embeddings)
        pooled = torch.where(drop_text[:, None], empty.pooled.expand(b, -1), text.pooled)
        tokens = torch.where(drop_text[:, None, None], empty.tokens.expand(b, -1, -1), text.tokens)
        text_mask = torch.where(drop_text[:, None], empty.mask.expand(b, -1), text.mask)
        attn_mask = F.pad(text_mask, (k, 0), value=True)

        t = torch.randint(0, scheduler.config.num_train_timesteps, (b,), generator=gen)
        noise = torch.randn(x0.shape, generator=gen)
        noisy = scheduler.add_noise(x0, noise, t)
        v = scheduler.get_velocity(x0, noise, t)
        mask = random_masks(rng, b, size, p_mask=0.5)
        x = torch.cat([noisy, x0 * (1 - mask), mask], dim=1)
        weights = foreground_weights(scenes, x0)

        lr = learning_rate(args.lr, args.warmup, step, warm_from)
        for group in optimizer.param_groups:
            group["lr"] = lr
        with autocast(args.bf16):
            hidden, additive = pair.text_proj(embeds, pooled, tokens)
            out = pair.decoder(F.pixel_unshuffle(x, f), t, encoder_hidden_states=hidden, class_labels=additive, attention_mask=attn_mask).sample
        pred = F.pixel_shuffle(out.float(), f)
        per_sample = (weights * (pred - v) ** 2).mean(dim=(1, 2, 3))
        loss = per_sample.mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(pair.parameters(), 1.0)
        optimizer.step()
        ema.update(pair, step)
        step += 1
        speed.add(b)
        with torch.no_grad():
            # The gap between conditioned and unconditioned loss shows whether the
            # decoder uses its conditioning at all (it was zero in the failed trial).
            full = ~(drop_image | drop_text)
            both = drop_image & drop_text
            if full.any():
                running["cond"] = 0.98 * running["cond"] + 0.02 * per_sample[full].mean().item()
            if both.any():
                running["uncond"] = 0.98 * running["uncond"] + 0.02 * per_sample[both].mean().item()
        if step % args.log_every == 0:
            logger.info("decoder step %d loss %.4f cond %.4f uncond %.4f lr %.2e %.1f samples/s",
                        step, loss.item(), running["cond"], running["uncond"], lr, speed.rate())
        if time.monotonic() - last_save > args.save_every:
            save()
            last_save = time.monotonic()
    save()
    stop.restore()
    logger.info("decoder stopped at step %d (checkpoint %s)", step, ckpt.path)
    return stop.exit_code
