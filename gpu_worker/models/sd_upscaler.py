"""Stable Diffusion's x4 upscaler as our 256->1024 stage (Karlo preset).

It is a latent diffusion model: a `UNet2DConditionModel` (4 latent + 3 low-res
image channels, text cross-attention, the low-res noise level as `class_labels`)
denoises latents at the low-res size, and a `AutoencoderKL` decodes them at x4.
The text comes from its own CLIP text encoder (`HFClipEncoder`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn


@dataclass
class UpscalerDefaults:
    noise_level: int = 20
    guidance_scale: float = 9.0


class SDx4Upscaler(nn.Module):
    """The SD x4 upscaler's components. `pipelines.unclip` runs the sampling loop."""

    def __init__(
        self,
        *,
        unet: nn.Module,
        vae: nn.Module,
        text: nn.Module,
        scheduler: Any,
        low_res_scheduler: Any,
        max_noise_level: int = 350,
    ):
        super().__init__()
        self.unet = unet
        self.vae = vae
        self.text = text
        self.scheduler = scheduler
        self.low_res_scheduler = low_res_scheduler
        self.max_noise_level = max_noise_level
        self.defaults = UpscalerDefaults()

    @property
    def latent_channels(self) -> int:
        return int(self.vae.config.latent_channels)

    @property
    def scaling_factor(self) -> float:
        return float(self.vae.config.scaling_factor)

    def encode(self, pixels: torch.Tensor) -> torch.Tensor:
        """(B, 3, 4H, 4W) in [-1, 1] -> scaled latents (B, C, H, W); the distribution's mean, no sampling."""
        latents = self.vae.encode(pixels.to(self.vae.dtype)).latent_dist.mean
        return latents.float() * self.scaling_factor

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Scaled latents -> pixels in [-1, 1] (not clamped)."""
        return self.vae.decode((latents / self.scaling_factor).to(self.vae.dtype)).sample.float()
