"""The cascade's components held together, and builders from explicit config dicts.

A `Cascade` is plain data: the modules, their schedulers, and a `CascadeSpec`
(how each stage is run: its resolution, pixel-unshuffle factor, whether it has
inpainting input channels). Pipelines read it; loaders fill it; training
scripts build it with `build_cascade(config)`.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn

from gpu_worker.models.text_proj import TextProjection

SCHEDULER_CLASSES = ("UnCLIPScheduler", "DDPMScheduler", "DDIMScheduler", "DPMSolverMultistepScheduler")


@dataclass
class StageSpec:
    """How one image stage runs.

    - `image_size`: the stage's output side in pixels.
    - `pixel_unshuffle`: the UNet sees `F.pixel_unshuffle(input, f)` and its output is
      pixel-shuffled back, so it runs at image_size / f (cheaper, FACTS.md).
    - `inpaint_channels`: the UNet takes masked image (3) + mask (1) after its usual input.
    - `noise_aug_level`: super-res only: the low-res conditioning image is noised to
      this training timestep and the level is passed as `class_labels` when the UNet
      has a class embedding (0 = clean, no embedding: Karlo).
    """

    image_size: int
    pixel_unshuffle: int = 1
    inpaint_channels: bool = False
    noise_aug_level: int = 0


@dataclass
class CascadeSpec:
    """The cascade-level facts saved as `model_index.json`'s "cascade" entry."""

    name: str
    decoder: StageSpec
    super_res: StageSpec
    super_res_1024: StageSpec | None = None
    defaults: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> CascadeSpec:
        sr1024 = data.get("super_res_1024")
        return cls(
            name=name,
            decoder=StageSpec(**data["decoder"]),
            super_res=StageSpec(**data["super_res"]),
            super_res_1024=StageSpec(**sr1024) if sr1024 else None,
            defaults=dict(data.get("defaults", {})),
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("name")
        if self.super_res_1024 is None:
            out.pop("super_res_1024")
        return out


@dataclass
class Cascade:
    """Every component of one unCLIP cascade, ready to run.

    `super_res_last` may be None (then `super_res_first` runs every step, as in our
    bundled model); Karlo has both. The 256->1024 stage is either our pixel-space
    `super_res_1024` UNet or `upscaler`, a `gpu_worker.models.sd_upscaler.SDx4Upscaler`.
    """

    spec: CascadeSpec
    clip: nn.Module
    prior: nn.Module
    prior_scheduler: Any
    text_proj: TextProjection
    decoder: nn.Module
    decoder_scheduler: Any
    super_res_first: nn.Module
    super_res_scheduler: Any
    super_res_last: nn.Module | None = None
    super_res_1024: nn.Module | None = None
    super_res_1024_scheduler: Any = None
    upscaler: Any = None
    config: dict[str, Any] = field(default_factory=dict)

    def modules(self) -> dict[str, nn.Module]:
        """The torch modules by component name (None entries left out)."""
        names = ("clip", "prior", "text_proj", "decoder", "super_res_first", "super_res_last", "super_res_1024")
        found = {n: getattr(self, n) for n in names if getattr(self, n) is not None}
        if self.upscaler is not None:
            found["upscaler"] = self.upscaler
        return found

    def to(self, device: torch.device | str) -> Cascade:
        for module in self.modules().values():
            module.to(device)
        return self

    def eval(self) -> Cascade:
        for module in self.modules().values():
            module.eval()
            module.requires_grad_(False)
        return self


def build_scheduler(config: dict[str, Any]) -> Any:
    """A diffusers scheduler from its config dict (`_class_name` picks the class)."""
    import diffusers

    kind = config.get("_class_name")
    if kind not in SCHEDULER_CLASSES:
        raise ValueError(f"unsupported scheduler {kind!r}; expected one of {SCHEDULER_CLASSES}")
    if kind == "UnCLIPScheduler":
        from diffusers.schedulers.scheduling_unclip import UnCLIPScheduler

        cls: Any = UnCLIPScheduler
    else:
        cls = getattr(diffusers, kind)
    return cls.from_config(config)


def build_clip(config: dict[str, Any], name: str = "easel-clip") -> nn.Module:
    from gpu_worker.clip import OpenClipEncoder

    return OpenClipEncoder.from_config(copy.deepcopy(config), model_name=name)


def build_prior(config: dict[str, Any]) -> nn.Module:
    """A diffusers `PriorTransformer`: (noisy image embedding, t, pooled text, token states, mask) -> image embedding."""
    from diffusers import PriorTransformer

    return PriorTransformer(**config)


def build_text_proj(config: dict[str, Any]) -> TextProjection:
    return TextProjection(**config)


def build_decoder(config: dict[str, Any]) -> nn.Module:
    """A diffusers `UNet2DConditionModel` (class_embed_type "identity", cross-attention on tokens)."""
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(**config)


def build_super_res(config: dict[str, Any]) -> nn.Module:
    """A diffusers `UNet2DModel` without attention, conditioned on the upsampled low-res image."""
    from diffusers import UNet2DModel

    return UNet2DModel(**config)


def build_cascade(config: dict[str, Any], seed: int = 0) -> Cascade:
    """A randomly initialised cascade from a `configs.py`-style dict, same weights for the same seed.

    The global RNG is left as it was: initialisation draws from a forked generator.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        cascade = Cascade(
            spec=CascadeSpec.from_dict(config["name"], config["cascade"]),
            clip=build_clip(config["clip"], name=f"{config['name']}-clip"),
            prior=build_prior(config["prior"]),
            prior_scheduler=build_scheduler(config["prior_scheduler"]),
            text_proj=build_text_proj(config["text_proj"]),
            decoder=build_decoder(config["decoder"]),
            decoder_scheduler=build_scheduler(config["decoder_scheduler"]),
            super_res_first=build_super_res(config["super_res_first"]),
            super_res_scheduler=build_scheduler(config["super_res_scheduler"]),
            super_res_last=build_super_res(config["super_res_last"]) if config.get("super_res_last") else None,
            super_res_1024=build_super_res(config["super_res_1024"]) if config.get("super_res_1024") else None,
            super_res_1024_scheduler=(
                build_scheduler(config["super_res_1024_scheduler"]) if config.get("super_res_1024_scheduler") else None
            ),
            config=copy.deepcopy(config),
        )
    return cascade.eval()
