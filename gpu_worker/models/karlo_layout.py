"""Random-weight models saved in exactly Karlo's and the SD x4 upscaler's on-disk layouts.

The directories are written by diffusers' own `UnCLIPPipeline.save_pretrained`
and `StableDiffusionUpscalePipeline.save_pretrained` (plus Karlo's separate
`image_encoder/`), so our loaders are tested against the real layouts, and the
benchmark can run the same components through both pipelines. Sizes: "tiny"
(tests: seconds) and "small" (the bundled model's sizes: 64x64 decoder, 256 upsampler).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import torch


def write_clip_tokenizer(directory: str | Path, model_max_length: int = 77) -> Path:
    """Write a transformers `CLIPTokenizer` (vocab.json + merges.txt) built from open_clip's bundled BPE.

    The token ids equal OpenAI CLIP's, so tokenizing needs no download.
    """
    from open_clip.tokenizer import bytes_to_unicode, default_bpe

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    lines = gzip.open(default_bpe()).read().decode("utf-8").split("\n")
    merges = lines[1 : 49152 - 256 - 2 + 1]
    vocab = list(bytes_to_unicode().values())
    vocab = vocab + [v + "</w>" for v in vocab] + ["".join(m.split()) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    (directory / "vocab.json").write_text(json.dumps({tok: i for i, tok in enumerate(vocab)}, ensure_ascii=False))
    (directory / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")
    (directory / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "CLIPTokenizer",
                "model_max_length": model_max_length,
                "bos_token": "<|startoftext|>",
                "eos_token": "<|endoftext|>",
                "unk_token": "<|endoftext|>",
                "pad_token": "<|endoftext|>",
                "do_lower_case": True,
            }
        )
    )
    return directory


def karlo_configs(scale: str = "tiny") -> dict[str, Any]:
    """Component configs with Karlo's structure (learned-variance decoder, two upsamplers, ViT CLIP)."""
    if scale == "tiny":
        d, layers, dec_ch, sr_ch, dec_size, sr_size = 32, 1, (16, 32), (8, 16), 32, 256
        heads, head_dim, prior_layers, vision_size, patch = 2, 8, 1, 32, 8
    elif scale == "small":
        d, layers, dec_ch, sr_ch, dec_size, sr_size = 128, 4, (64, 128, 256), (64, 96, 128), 64, 256
        heads, head_dim, prior_layers, vision_size, patch = 4, 64, 6, 64, 8
    else:
        raise ValueError(f"scale must be tiny or small, got {scale!r}")
    n_dec = len(dec_ch)
    return {
        "text": {"vocab_size": 49408, "hidden_size": d, "intermediate_size": 4 * d, "num_hidden_layers": layers,
                 "num_attention_heads": max(1, d // 32), "max_position_embeddings": 77, "projection_dim": d},
        "vision": {"hidden_size": d, "intermediate_size": 4 * d, "num_hidden_layers": layers,
                   "num_attention_heads": max(1, d // 32), "image_size": vision_size, "patch_size": patch, "projection_dim": d},
        "prior": {"num_attention_heads": heads, "attention_head_dim": head_dim, "num_layers": prior_layers,
                  "embedding_dim": d, "num_embeddings": 77, "additional_embeddings": 4},
        "text_proj": {"clip_extra_context_tokens": 4, "clip_embeddings_dim": d, "time_embed_dim": dec_ch[0] * 4,
                      "cross_attention_dim": dec_ch[-1]},
        "decoder": {
            "sample_size": dec_size, "in_channels": 3, "out_channels": 6,
            "down_block_types": ["ResnetDownsampleBlock2D"] + ["SimpleCrossAttnDownBlock2D"] * (n_dec - 1),
            "up_block_types": ["SimpleCrossAttnUpBlock2D"] * (n_dec - 1) + ["ResnetUpsampleBlock2D"],
            "mid_block_type": "UNetMidBlock2DSimpleCrossAttn", "block_out_channels": list(dec_ch),
            "layers_per_block": 1 if scale == "tiny" else 2, "norm_num_groups": 8 if scale == "tiny" else 32,
            "cross_attention_dim": dec_ch[-1], "attention_head_dim": 8 if scale == "tiny" else 32,
            "class_embed_type": "identity", "resnet_time_scale_shift": "scale_shift",
        },
        "super_res": {
            "sample_size": sr_size, "in_channels": 6, "out_channels": 3,
            "down_block_types": ["ResnetDownsampleBlock2D"] * len(sr_ch), "up_block_types": ["ResnetUpsampleBlock2D"] * len(sr_ch),
            "block_out_channels": list(sr_ch), "layers_per_block": 1, "norm_num_groups": 8 if scale == "tiny" else 32,
            "add_attention": False, "resnet_time_scale_shift": "scale_shift",
        },
    }


def save_karlo_layout(directory: str | Path, *, scale: str = "tiny", seed: int = 0, image_encoder: bool = True) -> Path:
    """Write a random-weight cascade in Karlo v1 alpha's diffusers layout (+ `image_encoder/`)."""
    from diffusers import PriorTransformer, UNet2DConditionModel, UNet2DModel
    from diffusers.pipelines.deprecated.unclip import UnCLIPPipeline
    from diffusers.pipelines.deprecated.unclip.text_proj import UnCLIPTextProjModel
    from diffusers.schedulers.scheduling_unclip import UnCLIPScheduler
    from transformers import (
        CLIPImageProcessor,
        CLIPTextConfig,
        CLIPTextModelWithProjection,
        CLIPTokenizer,
        CLIPVisionConfig,
        CLIPVisionModelWithProjection,
    )

    directory = Path(directory)
    cfg = karlo_configs(scale)
    tok_dir = write_clip_tokenizer(directory / "tokenizer")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        pipe = UnCLIPPipeline(
            prior=PriorTransformer(**cfg["prior"]),
            decoder=UNet2DConditionModel(**cfg["decoder"]),
            text_encoder=CLIPTextModelWithProjection(CLIPTextConfig(**cfg["text"])),
            tokenizer=CLIPTokenizer.from_pretrained(tok_dir),
            text_proj=UnCLIPTextProjModel(**cfg["text_proj"]),
            super_res_first=UNet2DModel(**cfg["super_res"]),
            super_res_last=UNet2DModel(**cfg["super_res"]),
            # Karlo's three schedulers (its scheduler_config.json files).
            prior_scheduler=UnCLIPScheduler(variance_type="fixed_small_log", prediction_type="sample", clip_sample_range=5.0, num_train_timesteps=1000),
            decoder_scheduler=UnCLIPScheduler(variance_type="learned_range", prediction_type="epsilon", clip_sample_range=1.0, num_train_timesteps=1000),
            super_res_scheduler=UnCLIPScheduler(variance_type="fixed_small_log", prediction_type="epsilon", clip_sample_range=1.0, num_train_timesteps=1000),
        )
        pipe.save_pretrained(directory, safe_serialization=True)
        if image_encoder:
            CLIPVisionModelWithProjection(CLIPVisionConfig(**cfg["vision"])).save_pretrained(
                directory / "image_encoder", safe_serialization=True
            )
            size = cfg["vision"]["image_size"]
            CLIPImageProcessor(size={"shortest_edge": size}, crop_size={"height": size, "width": size}).save_pretrained(
                directory / "feature_extractor"
            )
    return directory


def save_sd_upscaler_layout(directory: str | Path, *, seed: int = 0) -> Path:
    """Write a tiny random-weight model in the Stable Diffusion x4 upscaler's layout."""
    from diffusers import AutoencoderKL, DDIMScheduler, DDPMScheduler, UNet2DConditionModel
    from diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion_upscale import (
        StableDiffusionUpscalePipeline,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    directory = Path(directory)
    tok_dir = write_clip_tokenizer(directory / "tokenizer")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        unet = UNet2DConditionModel(
            sample_size=64, in_channels=7, out_channels=4, layers_per_block=1, block_out_channels=(8, 16, 16, 32),
            # Cross-attention only at the lowest resolution keeps the tiny model fast at 256x256 latents.
            down_block_types=("DownBlock2D", "DownBlock2D", "DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D", "UpBlock2D", "UpBlock2D"),
            cross_attention_dim=32, attention_head_dim=8, norm_num_groups=8, num_class_embeds=1000,
        )
        vae = AutoencoderKL(
            in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(4, 4, 4), layers_per_block=1,
            down_block_types=("DownEncoderBlock2D",) * 3, up_block_types=("UpDecoderBlock2D",) * 3, norm_num_groups=2,
            scaling_factor=0.08333, mid_block_add_attention=False,
        )
        text = CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                            num_attention_heads=2, max_position_embeddings=77, projection_dim=32))
        pipe = StableDiffusionUpscalePipeline(
            vae=vae, text_encoder=text, tokenizer=CLIPTokenizer.from_pretrained(tok_dir), unet=unet,
            low_res_scheduler=DDPMScheduler(beta_schedule="scaled_linear", beta_start=0.0001, beta_end=0.02),
            scheduler=DDIMScheduler(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012, prediction_type="v_prediction",
                                    clip_sample=False, set_alpha_to_one=False, steps_offset=1),
            max_noise_level=350,
        )
        pipe.save_pretrained(directory, safe_serialization=True)
    return directory
