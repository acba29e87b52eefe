"""The bundled model's architecture as trained: `small_cascade_config()` with a CPU-sized decoder.

Differences from `gpu_worker.models.small_cascade_config()` and why:
- CLIP is the registered open_clip config `easel-shapes-clip` (same numbers);
- the decoder sees the 64x64 image 4x4 pixel-unshuffled (16x16 x 112 channels)
  with blocks of 128 and 256 channels and cross-attention at 8x8 and in the
  middle block: ~19M parameters at ~16 samples/s per core with bf16 (measured
  2026-11-23, batch 32), against ~11 for the 2x2 unshuffled 3-level UNet. Issue 4
  expects millions of samples before objects bind, so speed per sample wins;
- `text_proj.time_embed_dim` follows the decoder's first width (4 x 128).
"""

from __future__ import annotations

import copy
from typing import Any

DECODER_UNSHUFFLE = 4


def bundled_config() -> dict[str, Any]:
    """The full cascade config dict (the format of `gpu_worker.models.build_cascade`)."""
    from gpu_worker.models import small_cascade_config
    from gpu_worker.train.clip_stage import clip_model_config

    config = copy.deepcopy(small_cascade_config())
    config["name"] = "easel-bundled-shapes-v1"
    config["clip"] = clip_model_config()
    f = DECODER_UNSHUFFLE
    width = 128
    config["decoder"] = {
        "sample_size": 64 // f,
        "in_channels": 7 * f * f,
        "out_channels": 3 * f * f,
        "down_block_types": ["ResnetDownsampleBlock2D", "SimpleCrossAttnDownBlock2D"],
        "mid_block_type": "UNetMidBlock2DSimpleCrossAttn",
        "up_block_types": ["SimpleCrossAttnUpBlock2D", "ResnetUpsampleBlock2D"],
        "block_out_channels": [width, 2 * width],
        "layers_per_block": 2,
        "norm_num_groups": 32,
        "cross_attention_dim": 192,
        "attention_head_dim": 32,
        "class_embed_type": "identity",
        "resnet_time_scale_shift": "scale_shift",
    }
    config["text_proj"] = {
        "clip_extra_context_tokens": 4,
        "clip_embeddings_dim": config["clip"]["embed_dim"],
        "time_embed_dim": 4 * width,
        "cross_attention_dim": 192,
    }
    config["cascade"]["decoder"]["pixel_unshuffle"] = f
    return config


def tiny_config() -> dict[str, Any]:
    """A cascade small enough for tests to train every stage for a few steps in seconds."""
    from gpu_worker.models import tiny_cascade_config

    config = copy.deepcopy(tiny_cascade_config())
    config["name"] = "easel-tiny-trained"
    return config


def initial_config(arch: str) -> dict[str, Any]:
    """The config a stage starts from when it has no checkpoint: "bundled" or "tiny"."""
    if arch == "bundled":
        return bundled_config()
    if arch == "tiny":
        return tiny_config()
    raise ValueError(f"unknown architecture {arch!r}; expected bundled or tiny")


def training_scheduler(kind: str) -> Any:
    """The noise schedule a stage trains with (the same betas its sampling scheduler uses).

    kind "prior": UnCLIP's squaredcos schedule (the prior predicts x0);
    kind "image": squaredcos with v-prediction (decoder and upsamplers).
    """
    from diffusers import DDPMScheduler

    if kind == "prior":
        return DDPMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2", prediction_type="sample")
    return DDPMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2", prediction_type="v_prediction")
