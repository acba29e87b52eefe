"""The process-wide engine: loads one cascade once and turns `GenerationRequest`s into signed PNGs.

Configured from the environment:

- `EASEL_MODEL_PRESET`: `bundled` (default; `gpu_worker/weights/bundled/`, or a small
  random-weight cascade with a logged warning while trained weights do not exist yet),
  `karlo` (Karlo v1 alpha + the SD x4 upscaler from `EASEL_MODELS_DIR`), or
  `tiny-random` (a tiny seeded random cascade built in memory, for tests).
- `EASEL_MODELS_DIR`: where `karlo` reads `karlo-v1-alpha/` and `stable-diffusion-x4-upscaler/`.
- `EASEL_DEVICE`: `auto` (CUDA when available), `cpu` or `cuda`.
- `EASEL_PRECISION`: `auto` (bf16 autocast on a bf16 CPU, fp16 on CUDA), `fp32`, `bf16`, `fp16`.

Every failure leaves as `GenerationError` (or a subclass); a request either
returns all its images or none.
"""

from __future__ import annotations

import io
import logging
import math
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from gpu_worker.errors import GenerationError, InvalidInput, ModelLoadError
from gpu_worker.interface import (
    MAX_N,
    MODES,
    SIZES,
    CancelCheck,
    GenerationRequest,
    GenerationResult,
    ProgressCallback,
    batch_key,
)
from gpu_worker.signature import apply_signature

logger = logging.getLogger(__name__)

PRESETS = ("bundled", "karlo", "tiny-random")
BUNDLED_DIR = Path(__file__).parent / "weights" / "bundled"
OPTION_KEYS = {
    "prior_steps": int,
    "decoder_steps": int,
    "super_res_steps": int,
    "super_res_1024_steps": int,
    "prior_guidance_scale": float,
    "decoder_guidance_scale": float,
    "upscaler_guidance_scale": float,
    "upscaler_noise_level": int,
    "repaint_resample": int,
    "prior_candidates": int,
}
MAX_STEPS = 1000
MAX_PRIOR_CANDIDATES = 16
# Cross-request batching: the most images one batch holds (a full request is 10).
MAX_BATCH_IMAGES = 16

_engine: Engine | None = None
_engine_lock = threading.Lock()


def get_engine() -> Engine:
    """This process's engine, loaded from the environment on first use (thread-safe, loaded once)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = Engine.from_env()
        return _engine


@dataclass
class EngineConfig:
    preset: str = "bundled"
    models_dir: Path | None = None
    device: str = "auto"
    precision: str = "auto"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> EngineConfig:
        env = dict(os.environ if env is None else env)
        preset = env.get("EASEL_MODEL_PRESET", "bundled") or "bundled"
        if preset not in PRESETS:
            raise ModelLoadError(f"EASEL_MODEL_PRESET must be one of {PRESETS}, got {preset!r}")
        device = env.get("EASEL_DEVICE", "auto") or "auto"
        if device not in ("auto", "cpu", "cuda"):
            raise ModelLoadError(f"EASEL_DEVICE must be auto, cpu or cuda, got {device!r}")
        models_dir = env.get("EASEL_MODELS_DIR")
        return cls(
            preset=preset,
            models_dir=Path(models_dir) if models_dir else None,
            device=device,
            precision=env.get("EASEL_PRECISION", "auto") or "auto",
        )


class Engine:
    """One loaded cascade and the request handling around it (decoding inputs, modes, PNGs)."""

    def __init__(self, pipeline: Any, model_name: str):
        self.pipeline = pipeline
        self.model_name = model_name
        # One request at a time: schedulers are copied per call, but two requests
        # sharing the CPU's two cores would only slow each other down.
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls) -> Engine:
        return cls.from_config(EngineConfig.from_env())

    @classmethod
    def from_config(cls, config: EngineConfig) -> Engine:
        import torch

        from gpu_worker.pipelines import UnCLIPPipeline

        device = config.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if device == "cuda" and not torch.cuda.is_available():
            raise ModelLoadError("EASEL_DEVICE=cuda but no CUDA device is available")
        cascade = load_preset(config)
        pipeline = UnCLIPPipeline(cascade, device=device, precision=config.precision)
        logger.info("loaded %s on %s (%s)", cascade.spec.name, device, pipeline.precision)
        return cls(pipeline, cascade.spec.name)

    # -- the request ----------------------------------------------------------------------------

    def generate(
        self,
        request: GenerationRequest,
        progress: ProgressCallback | None = None,
        cancel: CancelCheck | None = None,
    ) -> GenerationResult:
        """Run one request; every failure is a `GenerationError`, and no images come back with one."""
        started = time.monotonic()
        call = self._prepare(request)
        images = self._guarded(lambda: self._run(request, call, progress, cancel))
        pngs = [_encode_png(apply_signature(im)) for im in images]
        return GenerationResult(images=pngs, model=self.model_name, seconds=time.monotonic() - started)

    def generate_batch(
        self,
        requests: list[GenerationRequest],
        progress: ProgressCallback | None = None,
        cancel: CancelCheck | None = None,
    ) -> list[GenerationResult]:
        """Run several text-to-image requests of one shape (`batch_key`) as one batch.

        Each image keeps its own request's prompt and generator (seed + i), so it is
        the image that request would get alone, up to the last bits of a larger
        matrix product in reduced precision. All or nothing, like `generate`.
        """
        started = time.monotonic()
        if not requests:
            return []
        keys = {batch_key(r) for r in requests}
        if None in keys or len(keys) != 1:
            raise InvalidInput("only text-to-image requests of one size and one set of options run as a batch", param="mode")
        total = sum(r.n for r in requests) if all(isinstance(r.n, int) for r in requests) else 0
        if total > MAX_BATCH_IMAGES:
            raise InvalidInput(f"a batch holds at most {MAX_BATCH_IMAGES} images, got {total}", param="n")
        calls = [self._prepare(r) for r in requests]
        images = self._guarded(lambda: self._run_batch(requests, calls[0]["options"], progress, cancel))
        seconds = time.monotonic() - started
        results, start = [], 0
        for r in requests:
            pngs = [_encode_png(apply_signature(im)) for im in images[start : start + r.n]]
            results.append(GenerationResult(images=pngs, model=self.model_name, seconds=seconds))
            start += r.n
        return results

    def _guarded(self, run: Any) -> list[Image.Image]:
        """Run the model alone on this engine; every failure leaves as a `GenerationError`."""
        with self._lock:
            try:
                return run()
            except GenerationError:
                raise
            except ValueError as exc:
                raise InvalidInput(str(exc)) from exc
            except Exception as exc:  # noqa: BLE001 - the caller gets one documented type
                raise _as_generation_error(exc) from exc

    def _run_batch(self, requests: list[GenerationRequest], options: Any, progress: ProgressCallback | None, cancel: CancelCheck | None) -> list[Image.Image]:
        import torch

        prompts = [r.prompt for r in requests for _ in range(r.n)]
        generators = [torch.Generator("cpu").manual_seed(r.seed + i) for r in requests for i in range(r.n)]
        out = self.pipeline(prompts, n=len(prompts), size=requests[0].size, generators=generators, options=options, progress=progress, cancel=cancel)
        return out.to_pil()

    def _prepare(self, request: GenerationRequest) -> dict[str, Any]:
        """Check and decode everything before any model work (InvalidInput on the first problem)."""
        if request.mode not in MODES:
            raise InvalidInput(f"mode must be one of {MODES}, got {request.mode!r}", param="mode")
        if request.size not in SIZES:
            raise InvalidInput(f"size must be one of {SIZES}, got {request.size!r}", param="size")
        if isinstance(request.n, bool) or not isinstance(request.n, int) or not 1 <= request.n <= MAX_N:
            raise InvalidInput(f"n must be an integer from 1 to {MAX_N}, got {request.n!r}", param="n")
        if isinstance(request.seed, bool) or not isinstance(request.seed, int) or not 0 <= request.seed < 2**63 - MAX_N:
            raise InvalidInput("seed must be a non-negative integer", param="seed")
        call: dict[str, Any] = {"options": _parse_options(request.options)}
        size = request.size
        if request.mode == "generate":
            if not request.prompt.strip():
                raise InvalidInput("a prompt is required", param="prompt")
        elif request.mode == "edit":
            if not request.prompt.strip():
                raise InvalidInput("a prompt is required", param="prompt")
            rgba = decode_image(request.image, "image")
            call["image"] = _to_rgb_array(rgba, size)
            if request.mask is not None:
                mask_im = decode_image(request.mask, "mask")
                if mask_im.size != rgba.size:
                    raise InvalidInput(f"mask is {mask_im.size[0]}x{mask_im.size[1]}, image is {rgba.size[0]}x{rgba.size[1]}", param="mask")
                hole = _transparent(mask_im, "mask")
            else:
                hole = _transparent(rgba, "image")
            call["mask"] = _resize_mask(hole, size)
        elif request.mode == "variation":
            call["image"] = _to_rgb_array(decode_image(request.image, "image"), size)
        else:  # interpolate
            call["image"] = _to_rgb_array(decode_image(request.image, "image"), size)
            if request.image2 is not None:
                call["image2"] = _to_rgb_array(decode_image(request.image2, "image2"), size)
            elif not request.prompt2.strip():
                raise InvalidInput("interpolation needs image2 or prompt2", param="image2")
        return call

    def _run(self, request: GenerationRequest, call: dict[str, Any], progress: ProgressCallback | None, cancel: CancelCheck | None) -> list[Image.Image]:
        import torch

        pipe = self.pipeline
        n, size, seed = request.n, request.size, request.seed
        common = {"n": n, "size": size, "options": call["options"], "progress": progress, "cancel": cancel}
        if request.mode == "generate":
            out = pipe(request.prompt, seed=seed, **common)
        elif request.mode == "edit":
            image = _to_tensor(call["image"])
            mask = torch.from_numpy(call["mask"]).float()[None, None]
            out = pipe(request.prompt, seed=seed, image=image, mask=mask, **common)
        elif request.mode == "variation":
            embedding = pipe.cascade.clip.encode_image(_to_tensor(call["image"]).to(pipe.device))
            out = pipe("", seed=seed, image_embeddings=embedding, **common)
        else:
            start = pipe.cascade.clip.encode_image(_to_tensor(call["image"]).to(pipe.device))
            if "image2" in call:
                end = pipe.cascade.clip.encode_image(_to_tensor(call["image2"]).to(pipe.device))
            else:
                end = pipe.text_to_image_embedding(request.prompt2, seed=seed, options=call["options"], cancel=cancel)
            ts = torch.linspace(0, 1, n) if n > 1 else torch.tensor([0.5])
            blends = torch.cat([slerp(start[0], end[0], float(t))[None] for t in ts])
            # One seed for every blend: the strip then differs only by the embedding.
            generators = [torch.Generator("cpu").manual_seed(seed) for _ in range(n)]
            out = pipe("", generators=generators, image_embeddings=blends, **common)
        return out.to_pil()


# -- images in --------------------------------------------------------------------------------------


def decode_image(data: bytes | None, param: str) -> Image.Image:
    """PNG (or any Pillow-readable) bytes -> an RGBA image; every mode Pillow reads is accepted.

    Palette, greyscale, 16-bit, CMYK, with or without alpha: all become 8-bit RGBA;
    transparency (palette or channel) is kept as alpha.
    """
    if not data:
        raise InvalidInput(f"{param} is required for this mode", param=param)
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidInput(f"{param} is not a readable image", param=param) from exc
    if image.width < 1 or image.height < 1:
        raise InvalidInput(f"{param} is empty", param=param)
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # 16-bit and 32-bit greyscale: scale the real range to 8 bits (Pillow's own
        # convert would clip everything above 255 to white).
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or values.max(initial=0) > 255 else 255.0
        grey = np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(grey, mode="L").convert("RGBA")
    if mode == "P" or mode == "PA":
        return image.convert("RGBA")
    if mode in ("RGBA", "LA", "La", "RGBa"):
        return image.convert("RGBA")
    if mode == "1":
        return image.convert("L").convert("RGBA")
    return image.convert("RGB").convert("RGBA")


def _transparent(image: Image.Image, param: str) -> np.ndarray:
    """Bool array, True where alpha == 0 (OpenAI's "repaint here"); rejects masks that select nothing or everything."""
    hole = np.asarray(image.getchannel("A")) == 0
    if not hole.any():
        raise InvalidInput(f"{param} has no fully transparent pixels, so nothing would be edited", param=param)
    if hole.all():
        raise InvalidInput(f"{param} is fully transparent, so nothing of the image would be kept", param=param)
    return hole


def _resize_mask(hole: np.ndarray, size: int) -> np.ndarray:
    """Resize a bool hole mask to size x size; a pixel touching the hole at all is hole."""
    if hole.shape == (size, size):
        return hole.astype(np.float32)
    im = Image.fromarray(hole.astype(np.uint8) * 255, mode="L").resize((size, size), Image.Resampling.BOX)
    return (np.asarray(im) > 0).astype(np.float32)


def _to_rgb_array(image: Image.Image, size: int) -> np.ndarray:
    """RGBA -> (size, size, 3) uint8; transparent pixels keep their colour (they are masked anyway)."""
    rgb = image.convert("RGB")
    if rgb.size != (size, size):
        rgb = rgb.resize((size, size), Image.Resampling.LANCZOS)
    return np.asarray(rgb, dtype=np.uint8)


def _to_tensor(array: np.ndarray) -> Any:
    import torch

    return torch.from_numpy(array.copy()).permute(2, 0, 1)[None].float() / 127.5 - 1.0


def _parse_options(options: dict[str, Any]) -> Any:
    from gpu_worker.pipelines import SamplingOptions

    if not isinstance(options, dict):
        raise InvalidInput("options must be a dict", param="options")
    parsed: dict[str, Any] = {}
    for key, value in options.items():
        kind = OPTION_KEYS.get(key)
        if kind is None:
            raise InvalidInput(f"unknown option {key!r}; known: {sorted(OPTION_KEYS)}", param=key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not float(value).is_integer()):
            raise InvalidInput(f"option {key} must be a number", param=key)
        value = kind(value)
        if (
            not math.isfinite(value)
            or value < 0
            or (key.endswith("_steps") and not 1 <= value <= MAX_STEPS)
            or (key == "prior_candidates" and not 1 <= value <= MAX_PRIOR_CANDIDATES)
        ):
            raise InvalidInput(f"option {key} is out of range", param=key)
        parsed[key] = value
    return SamplingOptions(**parsed)


# -- images out -------------------------------------------------------------------------------------


def _encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def slerp(a: Any, b: Any, t: float) -> Any:
    """Spherical interpolation of directions, linear of norms (CLIP embeddings are not unit length)."""
    import torch

    na, nb = a.norm(), b.norm()
    ua, ub = a / na, b / nb
    omega = torch.arccos((ua * ub).sum().clamp(-1 + 1e-7, 1 - 1e-7))
    if omega.abs() < 1e-4:
        direction = (1 - t) * ua + t * ub
    else:
        direction = (torch.sin((1 - t) * omega) * ua + torch.sin(t * omega) * ub) / torch.sin(omega)
    return direction * ((1 - t) * na + t * nb)


def _as_generation_error(exc: Exception) -> GenerationError:
    import torch

    if isinstance(exc, torch.OutOfMemoryError) or "out of memory" in str(exc).lower():
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        return GenerationError("the GPU ran out of memory; try fewer images or a smaller size", permanent=False)
    return GenerationError(f"generation failed: {type(exc).__name__}: {exc}", permanent=False)


# -- presets ----------------------------------------------------------------------------------------


def load_preset(config: EngineConfig) -> Any:
    """The cascade for `config.preset` (see the module docstring)."""
    from gpu_worker import loaders
    from gpu_worker.models import build_cascade, small_cascade_config, tiny_cascade_config

    if config.preset == "tiny-random":
        return build_cascade(tiny_cascade_config(), seed=0)
    if config.preset == "bundled":
        if not BUNDLED_DIR.exists():
            logger.warning(
                "%s does not exist yet: serving a random-weight cascade of the bundled architecture "
                "(images are noise until the trained weights are in place)",
                BUNDLED_DIR,
            )
            cascade = build_cascade(small_cascade_config(), seed=0)
            cascade.spec.name = "easel-bundled-random"
            return cascade
        return loaders.load_cascade(BUNDLED_DIR)
    if config.models_dir is None:
        raise ModelLoadError("EASEL_MODEL_PRESET=karlo needs EASEL_MODELS_DIR (see `python -m gpu_worker.download`)")
    upscaler_dir = config.models_dir / "stable-diffusion-x4-upscaler"
    upscaler = loaders.load_sd_upscaler(upscaler_dir) if upscaler_dir.exists() else None
    if upscaler is None:
        logger.warning("%s is missing: the karlo preset serves 256x256 only", upscaler_dir)
    return loaders.load_karlo(config.models_dir / "karlo-v1-alpha", upscaler=upscaler)
