"""CLIP behind one small interface: text -> (pooled embedding, token states), image -> embedding.

Two implementations share it:

- `OpenClipEncoder` wraps an open_clip `CLIP` model: the bundled model's small
  registered config, or an OpenAI/LAION checkpoint (e.g. ViT-L-14) read from a
  local file. open_clip bundles its BPE vocabulary, so tokenizing needs no files.
- `HFClipEncoder` wraps transformers' `CLIPTextModelWithProjection` (and
  optionally `CLIPVisionModelWithProjection`) for weights shipped in that format:
  Karlo's ViT-L/14, the x4 upscaler's text encoder. Its tokenizer is read from
  the model directory (`vocab.json` + `merges.txt`); nothing is fetched.

The cascade only ever calls `encode_text`, `encode_image` and reads
`embed_dim`, `context_length` and `token_width`.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
import torch.nn.functional as F
from torch import nn

# OpenAI CLIP's pixel statistics, used by every CLIP we load (open_clip and Karlo's ViT-L/14).
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)

OPEN_CLIP_CONFIG_DIR = Path(__file__).parent / "models" / "open_clip_configs"


@dataclass
class TextEncoding:
    """What the cascade needs from a prompt batch.

    - `pooled`: (B, embed_dim) the projected text embedding (CLIP's text_embeds), not normalised.
    - `tokens`: (B, L, token_width) final-layer token states (after the final layer norm).
    - `mask`: (B, L) bool, True on real tokens (start, words, end), False on padding.
    """

    pooled: torch.Tensor
    tokens: torch.Tensor
    mask: torch.Tensor


class ClipEncoder(Protocol):
    """The interface the pipeline uses; both implementations are `nn.Module`s."""

    embed_dim: int
    context_length: int
    token_width: int
    image_size: int

    def encode_text(self, prompts: list[str]) -> TextEncoding: ...

    def encode_image(self, pixels: torch.Tensor) -> torch.Tensor: ...


def preprocess_pixels(pixels: torch.Tensor, image_size: int) -> torch.Tensor:
    """(B, 3, H, W) in [-1, 1] -> CLIP's normalised input at `image_size` (square inputs only)."""
    x = (pixels.float().clamp(-1, 1) + 1) / 2
    if x.shape[-1] != image_size or x.shape[-2] != image_size:
        x = F.interpolate(x, size=(image_size, image_size), mode="bicubic", antialias=True, align_corners=False)
    mean = torch.tensor(CLIP_MEAN, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(CLIP_STD, device=x.device).view(1, 3, 1, 1)
    return (x - mean) / std


@functools.lru_cache(maxsize=4)
def _open_clip_tokenizer(context_length: int) -> Any:
    """open_clip's BPE tokenizer; cached because parsing its bundled vocabulary takes seconds."""
    from open_clip.tokenizer import SimpleTokenizer

    return SimpleTokenizer(context_length=context_length)


def register_open_clip_configs() -> None:
    """Make our shipped open_clip configs (e.g. `easel-clip-small`) known to `open_clip.create_model`."""
    import open_clip

    open_clip.add_model_config(OPEN_CLIP_CONFIG_DIR)


class OpenClipEncoder(nn.Module):
    """An open_clip `CLIP` model seen through `ClipEncoder`.

    Build it from a model config dict (`from_config`), a registered name with a
    local checkpoint (`from_local`), or an Easel `clip/` directory (`from_pretrained`).
    """

    def __init__(self, model: nn.Module, config: dict[str, Any], model_name: str = "custom"):
        super().__init__()
        self.model = model
        self.config = config
        self.model_name = model_name
        self.embed_dim = int(config["embed_dim"])
        self.context_length = int(config["text_cfg"].get("context_length", 77))
        self.token_width = int(config["text_cfg"]["width"])
        self.image_size = int(config["vision_cfg"]["image_size"])
        self.tokenizer = _open_clip_tokenizer(self.context_length)

    @classmethod
    def from_config(cls, config: dict[str, Any], model_name: str = "custom") -> OpenClipEncoder:
        """A randomly initialised model from an open_clip model config (embed_dim, vision_cfg, text_cfg)."""
        from open_clip.model import CLIP

        model = CLIP(**config)
        model.eval()
        return cls(model, config, model_name)

    @classmethod
    def from_local(cls, model_name: str, checkpoint: str | Path) -> OpenClipEncoder:
        """A named open_clip architecture (e.g. "ViT-L-14") with weights from a local file; no download."""
        import open_clip

        register_open_clip_configs()
        config = open_clip.get_model_config(model_name)
        if config is None:
            raise ValueError(f"unknown open_clip model {model_name!r}")
        model = open_clip.create_model(model_name, pretrained=str(checkpoint), load_weights=True)
        model.eval()
        return cls(model, config, model_name)

    def save_pretrained(self, directory: str | Path) -> None:
        """Write `open_clip_config.json` (name + model config) and `model.safetensors`."""
        from safetensors.torch import save_file

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "open_clip_config.json").write_text(
            json.dumps({"_class_name": "OpenClipEncoder", "model_name": self.model_name, "model_cfg": self.config}, indent=2)
        )
        state = {k: v.contiguous() for k, v in self.model.state_dict().items()}
        save_file(state, str(directory / "model.safetensors"))

    @torch.no_grad()
    def encode_text(self, prompts: list[str]) -> TextEncoding:
        ids = self.tokenizer(prompts).to(self._device())
        captured: dict[str, torch.Tensor] = {}
        # open_clip's encode_text pools internally; a hook on the final layer norm
        # gives us the per-token states without re-implementing its forward.
        handle = self.model.ln_final.register_forward_hook(lambda _m, _i, out: captured.__setitem__("tokens", out))
        try:
            pooled = self.model.encode_text(ids)
        finally:
            handle.remove()
        tokens = captured["tokens"]
        # open_clip pads with 0 after the end token; every position before it is real.
        eot = ids.argmax(dim=-1)
        positions = torch.arange(ids.shape[1], device=ids.device)
        mask = positions[None, :] <= eot[:, None]
        return TextEncoding(pooled=pooled.float(), tokens=tokens.float(), mask=mask)

    @torch.no_grad()
    def encode_image(self, pixels: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) in [-1, 1] -> (B, embed_dim), not normalised."""
        x = preprocess_pixels(pixels.to(self._device()), self.image_size)
        return self.model.encode_image(x).float()

    def _device(self) -> torch.device:
        return next(self.model.parameters()).device


class HFClipEncoder(nn.Module):
    """transformers' CLIP classes seen through `ClipEncoder` (Karlo's ViT-L/14 layout).

    `text_encoder` is a `CLIPTextModelWithProjection`, `image_encoder` an optional
    `CLIPVisionModelWithProjection`, `tokenizer` a `CLIPTokenizer` read from disk.
    """

    def __init__(self, text_encoder: nn.Module, tokenizer: Any, image_encoder: nn.Module | None = None):
        super().__init__()
        self.text_encoder = text_encoder
        self.image_encoder = image_encoder
        self.tokenizer = tokenizer
        # CLIPTextModel (the x4 upscaler's) has no projection: its pooled output is the embedding.
        has_projection = hasattr(text_encoder, "text_projection")
        self.embed_dim = int(text_encoder.config.projection_dim if has_projection else text_encoder.config.hidden_size)
        self.context_length = int(tokenizer.model_max_length)
        self.token_width = int(text_encoder.config.hidden_size)
        self.image_size = int(image_encoder.config.image_size) if image_encoder is not None else 224

    @torch.no_grad()
    def encode_text(self, prompts: list[str]) -> TextEncoding:
        device = next(self.text_encoder.parameters()).device
        batch = self.tokenizer(
            prompts, padding="max_length", max_length=self.context_length, truncation=True, return_tensors="pt"
        )
        out = self.text_encoder(batch.input_ids.to(device))
        pooled = out.text_embeds if hasattr(out, "text_embeds") else out.pooler_output
        return TextEncoding(
            pooled=pooled.float(),
            tokens=out.last_hidden_state.float(),
            mask=batch.attention_mask.bool().to(device),
        )

    @torch.no_grad()
    def encode_image(self, pixels: torch.Tensor) -> torch.Tensor:
        if self.image_encoder is None:
            raise ValueError("this CLIP has no image encoder; variations and interpolation need one")
        device = next(self.image_encoder.parameters()).device
        x = preprocess_pixels(pixels.to(device), self.image_size)
        return self.image_encoder(x.to(self.image_encoder.dtype)).image_embeds.float()
