"""Our unCLIP pipeline: text (or an image embedding) -> 64x64 -> 256 -> 1024, with inpainting.

One `__call__` serves every mode; the modes differ only in conditioning:

- text to image: `prompt`;
- variations: `image_embeddings` (the prior is skipped), usually with prompt "";
- inpainting / outpainting: `image` + `mask` (1 = repaint) at the output size;
- interpolation: `image_embeddings` holding the blends, `generators` all seeded alike.

Randomness comes only from `generators`, one CPU `torch.Generator` per image,
each consumed in the same order as diffusers' `UnCLIPPipeline` consumes its own,
so a request reproduces bit for bit on the same device, an image does not depend
on how many others share its batch, and with Karlo's components and schedulers
the images equal the reference pipeline's.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from gpu_worker.errors import Cancelled
from gpu_worker.models.cascade import Cascade, StageSpec

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]
CancelCheck = Callable[[], bool]
SIZES = (256, 512, 1024)


@dataclass
class SamplingOptions:
    """Step counts and guidance per stage; None means the cascade's default."""

    prior_steps: int | None = None
    decoder_steps: int | None = None
    super_res_steps: int | None = None
    super_res_1024_steps: int | None = None
    prior_guidance_scale: float | None = None
    decoder_guidance_scale: float | None = None
    upscaler_guidance_scale: float | None = None
    upscaler_noise_level: int | None = None
    # Image embeddings the prior draws per image; the one nearest the prompt's CLIP text
    # embedding (highest cosine) is kept, as the DALL·E 2 paper did with two (1 = one draw).
    prior_candidates: int | None = None
    # Extra RePaint jumps per step for stages without inpainting channels (1 = plain
    # replacement of the known region; >1 only with stateless schedulers).
    repaint_resample: int = 1

    def resolved(self, defaults: dict[str, Any]) -> SamplingOptions:
        out = copy.copy(self)
        fallback = {
            "prior_steps": 25,
            "decoder_steps": 25,
            "super_res_steps": 7,
            "super_res_1024_steps": 7,
            "prior_guidance_scale": 4.0,
            "decoder_guidance_scale": 8.0,
            "prior_candidates": 1,
        }
        for key, value in fallback.items():
            if getattr(out, key) is None:
                setattr(out, key, defaults.get(key, value))
        return out


@dataclass
class UnCLIPOutput:
    """`images`: (n, 3, size, size) float32 in [0, 1] on the CPU; `image_embeddings`: (n, D)."""

    images: torch.Tensor
    image_embeddings: torch.Tensor
    stages: list[str] = field(default_factory=list)

    def to_pil(self) -> list[Any]:
        from PIL import Image

        arrays = (self.images * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
        return [Image.fromarray(a, mode="RGB") for a in arrays]


class UnCLIPPipeline:
    """Run a `Cascade` on one device.

    `precision`: "fp32"; "bf16" (CPU autocast on the UNets, about 2x faster at
    batch >= 2 on CPUs with bf16, FACTS.md); "fp16" (CUDA autocast); "auto" picks
    bf16 on a bf16 CPU and fp16 on CUDA. Latents, schedulers and CLIP stay float32.
    Only "fp32" with the default memory layout reproduces diffusers' reference
    pipeline bit for bit; every precision reproduces itself bit for bit.
    """

    def __init__(
        self,
        cascade: Cascade,
        *,
        device: str | torch.device = "cpu",
        precision: str = "auto",
        batch_size: int = 4,
        channels_last: bool | None = None,
    ):
        self.cascade = cascade
        self.device = torch.device(device)
        self.precision = _resolve_precision(precision, self.device)
        self.batch_size = batch_size
        cascade.to(self.device)
        if channels_last is None:
            # channels_last pays on CUDA and, with bf16 autocast, on the CPU (oneDNN's
            # blocked kernels); in fp32 on the CPU it measured no faster, and only the
            # default layout gives results bit-identical to diffusers' reference.
            channels_last = self.device.type == "cuda" or self.precision == "bf16"
        if channels_last:
            for name in ("decoder", "super_res_first", "super_res_last", "super_res_1024"):
                module = getattr(cascade, name)
                if module is not None:
                    module.to(memory_format=torch.channels_last)
        self.channels_last = channels_last

    # -- checks ----------------------------------------------------------------------------------

    def check_inputs(
        self,
        *,
        prompt: str | list[str] | None,
        n: int,
        size: int,
        image_embeddings: torch.Tensor | None,
        image: torch.Tensor | None,
        mask: torch.Tensor | None,
        generators: list[torch.Generator],
    ) -> None:
        """Raise `ValueError` naming what is wrong; the pipeline does no work before this passes."""
        if size not in SIZES:
            raise ValueError(f"size must be one of {SIZES}, got {size}")
        if size > self.cascade.spec.super_res.image_size and not self.has_1024_stage:
            raise ValueError(f"this model stops at {self.cascade.spec.super_res.image_size}px; size {size} needs a 1024 stage")
        if not 1 <= n:
            raise ValueError(f"n must be at least 1, got {n}")
        if len(generators) != n:
            raise ValueError(f"need one generator per image: {len(generators)} for n={n}")
        if prompt is None and image_embeddings is None:
            raise ValueError("give a prompt or image embeddings")
        if isinstance(prompt, list):
            if len(prompt) != n or not all(isinstance(p, str) for p in prompt):
                raise ValueError(f"a list of prompts needs one string per image: {len(prompt)} for n={n}")
            if image is not None or mask is not None:
                raise ValueError("per-image prompts are for text to image; an edit has one prompt")
        if image_embeddings is not None:
            if image_embeddings.ndim != 2 or image_embeddings.shape[0] not in (1, n):
                raise ValueError(f"image_embeddings must be (1 or n, D), got {tuple(image_embeddings.shape)}")
            if image_embeddings.shape[1] != self.cascade.clip.embed_dim:
                raise ValueError(f"image_embeddings must have {self.cascade.clip.embed_dim} dims")
        if (image is None) != (mask is None):
            raise ValueError("inpainting needs both image and mask")
        if image is not None and mask is not None:
            if image.ndim != 4 or image.shape[1] != 3 or tuple(image.shape[-2:]) != (size, size):
                raise ValueError(f"image must be (1, 3, {size}, {size}) in [-1, 1], got {tuple(image.shape)}")
            if mask.ndim != 4 or mask.shape[1] != 1 or tuple(mask.shape[-2:]) != (size, size):
                raise ValueError(f"mask must be (1, 1, {size}, {size}), got {tuple(mask.shape)}")
            if image.shape[0] != 1 or mask.shape[0] != 1:
                raise ValueError("one image and one mask per request")

    def _check_steps(self, opts: SamplingOptions) -> None:
        from diffusers.schedulers.scheduling_unclip import UnCLIPScheduler

        cascade = self.cascade
        stages = [
            ("prior_steps", cascade.prior_scheduler, opts.prior_steps),
            ("decoder_steps", cascade.decoder_scheduler, opts.decoder_steps),
            ("super_res_steps", cascade.super_res_scheduler, opts.super_res_steps),
            ("super_res_1024_steps", cascade.super_res_1024_scheduler, opts.super_res_1024_steps),
        ]
        for name, scheduler, count in stages:
            if count is not None and count < 1:
                raise ValueError(f"{name} must be at least 1")
            # UnCLIPScheduler spaces its timesteps by (T - 1) / (steps - 1).
            if isinstance(scheduler, UnCLIPScheduler) and count is not None and count < 2:
                raise ValueError(f"{name} must be at least 2 with UnCLIPScheduler")
        if opts.repaint_resample < 1:
            raise ValueError("repaint_resample must be at least 1")

    @property
    def has_1024_stage(self) -> bool:
        return self.cascade.super_res_1024 is not None or self.cascade.upscaler is not None

    # -- the recipe ------------------------------------------------------------------------------

    @torch.no_grad()
    def __call__(
        self,
        prompt: str | list[str] | None = "",
        *,
        n: int = 1,
        size: int = 256,
        generators: list[torch.Generator] | None = None,
        seed: int = 0,
        image_embeddings: torch.Tensor | None = None,
        image: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        options: SamplingOptions | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelCheck | None = None,
    ) -> UnCLIPOutput:
        """Make `n` images of `size`.

        `image`/`mask` are (1, 3, size, size) in [-1, 1] and (1, 1, size, size) with
        1 = repaint; the returned images equal `image` wherever the mask, widened by
        a feathered band, is 0. Without `generators`, image i uses seed + i.
        `prompt` may be a list of n prompts, one per image: several requests run as
        one batch (cross-request batching), each image still drawn from its own
        generator, so it matches the image its request would get alone.
        """
        cascade = self.cascade
        opts = (options or SamplingOptions()).resolved(cascade.spec.defaults)
        if generators is None:
            generators = [torch.Generator("cpu").manual_seed(seed + i) for i in range(n)]
        # 1. Check everything before any work.
        self.check_inputs(
            prompt=prompt, n=n, size=size, image_embeddings=image_embeddings, image=image, mask=mask, generators=generators
        )
        self._check_steps(opts)
        steps = _Stepper(progress, cancel)
        if image is not None and mask is not None:
            image = image.to(self.device, torch.float32)
            mask = (mask.to(self.device, torch.float32) > 0.5).float()

        # 2. Encode the prompt and the empty prompt (the unconditional half of guidance).
        cond, uncond = self._encode_text(prompt or "", n)

        # 3. Prior: text -> CLIP image embedding (skipped when one is given).
        stages: list[str] = []
        if image_embeddings is None:
            image_embeddings = self._run_prior(cond, uncond, generators, opts, steps)
            stages.append("prior")
        else:
            image_embeddings = image_embeddings.to(self.device, torch.float32).expand(n, -1)

        # 4. Decoder: 64x64 from the image embedding and the text.
        low = self._run_decoder(image_embeddings, cond, uncond, generators, opts, steps, image, mask)

        # 5. Upsample to 256, then (for 512 and 1024) to 1024.
        high = self._run_super_res(low, generators, opts, steps, image, mask)
        stages += ["decoder", "super_res_256"]
        if size > high.shape[-1]:
            high = self._run_1024(high, prompt or "", generators, opts, steps, image, mask)
            stages.append("super_res_1024")

        # 6. To the requested size; keep the known pixels outside a feathered band.
        # The same arithmetic as diffusers' post-processing, so equal latents give equal bytes.
        out = (high.float() * 0.5 + 0.5).clamp(0, 1)
        if out.shape[-1] != size:
            out = F.interpolate(out, size=(size, size), mode="bicubic", antialias=True, align_corners=False).clamp(0, 1)
        if image is not None and mask is not None:
            out = composite_known(out, (image + 1) / 2, mask)
        return UnCLIPOutput(images=out.cpu(), image_embeddings=image_embeddings.cpu(), stages=stages)

    @torch.no_grad()
    def text_to_image_embedding(
        self,
        prompt: str,
        *,
        seed: int = 0,
        options: SamplingOptions | None = None,
        cancel: CancelCheck | None = None,
    ) -> torch.Tensor:
        """The prior alone: one CLIP image embedding (1, D) for `prompt` (interpolation's text end)."""
        opts = (options or SamplingOptions()).resolved(self.cascade.spec.defaults)
        cond, uncond = self._encode_text(prompt, 1)
        generators = [torch.Generator("cpu").manual_seed(seed)]
        return self._run_prior(cond, uncond, generators, opts, _Stepper(None, cancel))

    # -- stages ----------------------------------------------------------------------------------

    def _encode_text(self, prompt: str | list[str], n: int) -> tuple[Any, Any]:
        clip = self.cascade.clip
        # Batches of one, not one batch: the reference pipeline encodes the prompt and
        # the empty prompt apart, and a different GEMM shape can change the last bits.
        uncond = _repeat(clip.encode_text([""]), n)
        if isinstance(prompt, str):
            return _repeat(clip.encode_text([prompt]), n), uncond
        encoded = {p: clip.encode_text([p]) for p in dict.fromkeys(prompt)}
        return _concat([encoded[p] for p in prompt]), uncond

    def _run_prior(self, cond: Any, uncond: Any, generators: list[torch.Generator], opts: SamplingOptions, steps: _Stepper) -> torch.Tensor:
        from diffusers.utils.torch_utils import randn_tensor

        prior = self.cascade.prior
        scheduler = copy.deepcopy(self.cascade.prior_scheduler)
        scheduler.set_timesteps(opts.prior_steps, device=self.device)
        timesteps = scheduler.timesteps
        k = max(1, int(opts.prior_candidates or 1))
        if k > 1:
            # k draws per image, each image's from its own generator (so a batch still
            # gives each image what it would get alone); keep the draw nearest the text.
            text_embeds = cond.pooled
            cond, uncond = _repeat(cond, k), _repeat(uncond, k)
            generators = [g for g in generators for _ in range(k)]
        guided = opts.prior_guidance_scale > 1.0
        n = cond.pooled.shape[0]
        pooled = torch.cat([uncond.pooled, cond.pooled]) if guided else cond.pooled
        tokens = torch.cat([uncond.tokens, cond.tokens]) if guided else cond.tokens
        mask = torch.cat([uncond.mask, cond.mask]) if guided else cond.mask
        latents = randn_tensor((n, prior.config.embedding_dim), generator=generators, device=self.device, dtype=torch.float32)
        latents = latents * scheduler.init_noise_sigma
        for i, t in enumerate(timesteps):
            steps.before("prior", i, len(timesteps))
            model_input = torch.cat([latents] * 2) if guided else latents
            pred = prior(model_input, timestep=t, proj_embedding=pooled, encoder_hidden_states=tokens, attention_mask=mask).predicted_image_embedding
            if guided:
                pred_uncond, pred_text = pred.chunk(2)
                pred = pred_uncond + opts.prior_guidance_scale * (pred_text - pred_uncond)
            latents = _step(scheduler, pred, t, latents, timesteps, i, generators)
            steps.after("prior", i, len(timesteps))
        embeddings = prior.post_process_latents(latents)
        if k > 1:
            candidates = embeddings.view(-1, k, embeddings.shape[-1])
            scores = F.cosine_similarity(candidates, text_embeds[:, None, :].to(candidates.dtype), dim=-1)
            best = scores.argmax(dim=1)
            embeddings = candidates[torch.arange(candidates.shape[0], device=candidates.device), best]
        return embeddings

    def _run_decoder(
        self,
        image_embeddings: torch.Tensor,
        cond: Any,
        uncond: Any,
        generators: list[torch.Generator],
        opts: SamplingOptions,
        steps: _Stepper,
        image: torch.Tensor | None,
        mask: torch.Tensor | None,
    ) -> torch.Tensor:
        from diffusers.utils.torch_utils import randn_tensor

        cascade = self.cascade
        spec = cascade.spec.decoder
        decoder, text_proj = cascade.decoder, cascade.text_proj
        n = image_embeddings.shape[0]
        guided = opts.decoder_guidance_scale > 1.0
        # 4a. Conditioning: extra context tokens + additive time embedding (unconditional
        # half uses the learned "no image" embedding and the empty prompt, as Karlo).
        if guided:
            embeds = torch.cat([text_proj.unconditional_image_embeddings(n), image_embeddings])
            pooled = torch.cat([uncond.pooled, cond.pooled])
            tokens = torch.cat([uncond.tokens, cond.tokens])
            text_mask = torch.cat([uncond.mask, cond.mask])
        else:
            embeds, pooled, tokens, text_mask = image_embeddings, cond.pooled, cond.tokens, cond.mask
        hidden, additive = text_proj(embeds, pooled, tokens)
        attn_mask = F.pad(text_mask, (text_proj.clip_extra_context_tokens, 0), value=True)

        scheduler = copy.deepcopy(cascade.decoder_scheduler)
        scheduler.set_timesteps(opts.decoder_steps, device=self.device)
        timesteps = scheduler.timesteps
        size = spec.image_size
        latents = randn_tensor((n, 3, size, size), generator=generators, device=self.device, dtype=torch.float32)
        latents = latents * scheduler.init_noise_sigma
        known = _Known.at(image, mask, size, n) if image is not None and mask is not None else None
        extra = _inpaint_channels(spec, known, n, size, self.device)
        keep_variance = _uses_learned_variance(scheduler)

        def predict(latents: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            model_input = scheduler.scale_model_input(latents, t)
            if extra is not None:
                model_input = torch.cat([model_input, extra], dim=1)
            if guided:
                model_input = torch.cat([model_input] * 2)
            with self._autocast():
                out = _run_unet(
                    decoder, spec, model_input, t, self.channels_last,
                    encoder_hidden_states=hidden, class_labels=additive, attention_mask=attn_mask,
                )
            out = out.float()
            if guided:
                # Guidance on the prediction only; a learned variance (Karlo) comes from the text half.
                out_uncond, out_text = out.chunk(2)
                eps_uncond, eps_text = out_uncond[:, :3], out_text[:, :3]
                eps = eps_uncond + opts.decoder_guidance_scale * (eps_text - eps_uncond)
                out = torch.cat([eps, out_text[:, 3:]], dim=1)
            return out if keep_variance else out[:, :3]

        repaint = known if extra is None else None
        for i in range(len(timesteps)):
            steps.before("decoder", i, len(timesteps))
            latents = _denoise(scheduler, predict, latents, timesteps, i, generators, repaint, opts.repaint_resample)
            steps.after("decoder", i, len(timesteps))
        latents = latents.clamp(-1, 1)
        if known is not None:
            latents = known.paste(latents)
        return latents

    def _run_super_res(
        self,
        low: torch.Tensor,
        generators: list[torch.Generator],
        opts: SamplingOptions,
        steps: _Stepper,
        image: torch.Tensor | None,
        mask: torch.Tensor | None,
    ) -> torch.Tensor:
        cascade = self.cascade
        stage = _UpsamplerStage("super_res_256", cascade.spec.super_res, cascade.super_res_first, cascade.super_res_last,
                                cascade.super_res_scheduler, opts.super_res_steps, opts.repaint_resample)
        return self._run_pixel_upsampler(stage, low, generators, steps, image, mask)

    def _run_1024(
        self,
        low: torch.Tensor,
        prompt: str | list[str],
        generators: list[torch.Generator],
        opts: SamplingOptions,
        steps: _Stepper,
        image: torch.Tensor | None,
        mask: torch.Tensor | None,
    ) -> torch.Tensor:
        cascade = self.cascade
        if cascade.upscaler is not None:
            return self._run_sd_upscaler(low, prompt, generators, opts, steps, image, mask)
        assert cascade.spec.super_res_1024 is not None and cascade.super_res_1024 is not None
        stage = _UpsamplerStage("super_res_1024", cascade.spec.super_res_1024, cascade.super_res_1024, None,
                                cascade.super_res_1024_scheduler, opts.super_res_1024_steps, opts.repaint_resample)
        return self._run_pixel_upsampler(stage, low, generators, steps, image, mask)

    def _run_pixel_upsampler(
        self,
        stage: _UpsamplerStage,
        low: torch.Tensor,
        generators: list[torch.Generator],
        steps: _Stepper,
        image: torch.Tensor | None,
        mask: torch.Tensor | None,
    ) -> torch.Tensor:
        """A pixel-space UNet conditioned on the (optionally noised) bicubic-upsampled low-res image.

        Chunks of `batch_size` images run one after the other: at 1024 a whole
        request does not fit in a CPU cache-friendly batch, and each chunk's noise
        comes from its own images' generators so results do not depend on chunking.
        """
        n = low.shape[0]
        results = []
        total = stage.num_steps * _chunks_count(n, self.batch_size)
        for c, chunk in enumerate(_chunks(n, self.batch_size)):
            chunk_generators = [generators[j] for j in range(chunk.start, chunk.stop)]
            results.append(self._upsample_chunk(stage, low[chunk], chunk_generators, steps, image, mask, offset=c * stage.num_steps, total=total))
        return torch.cat(results)

    def _upsample_chunk(
        self,
        stage: _UpsamplerStage,
        low: torch.Tensor,
        generators: list[torch.Generator],
        steps: _Stepper,
        image: torch.Tensor | None,
        mask: torch.Tensor | None,
        *,
        offset: int,
        total: int,
    ) -> torch.Tensor:
        from diffusers.utils.torch_utils import randn_tensor

        spec, first, last = stage.spec, stage.first, stage.last
        size = spec.image_size
        n = low.shape[0]
        scheduler = copy.deepcopy(stage.scheduler)
        scheduler.set_timesteps(stage.num_steps, device=self.device)
        timesteps = scheduler.timesteps
        latents = randn_tensor((n, 3, size, size), generator=generators, device=self.device, dtype=torch.float32)
        latents = latents * scheduler.init_noise_sigma
        upscaled = F.interpolate(low, size=(size, size), mode="bicubic", align_corners=False, antialias=True)
        class_labels = None
        if first.config.class_embed_type is not None:
            level = spec.noise_aug_level
            if level > 0:
                # Noise augmentation (Imagen/DALL-E 2): the stage was trained on noised
                # low-res inputs, so it sees the same kind at inference.
                noise = randn_tensor(upscaled.shape, generator=generators, device=self.device, dtype=torch.float32)
                upscaled = _q_sample(scheduler, upscaled, noise, level)
            class_labels = torch.full((n,), level, device=self.device, dtype=torch.long)
        known = _Known.at(image, mask, size, n) if image is not None and mask is not None else None
        extra = _inpaint_channels(spec, known, n, size, self.device)
        kwargs = {"class_labels": class_labels} if class_labels is not None else {}

        def predict(latents: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            unet = last if (last is not None and t == timesteps[-1]) else first
            model_input = torch.cat([scheduler.scale_model_input(latents, t), upscaled], dim=1)
            if extra is not None:
                model_input = torch.cat([model_input, extra], dim=1)
            with self._autocast():
                out = _run_unet(unet, spec, model_input, t, self.channels_last, **kwargs).float()
            return out if _uses_learned_variance(scheduler) else out[:, :3]

        repaint = known if extra is None else None
        for i in range(len(timesteps)):
            steps.before(stage.name, offset + i, total)
            latents = _denoise(scheduler, predict, latents, timesteps, i, generators, repaint, stage.resample)
            steps.after(stage.name, offset + i, total)
        if known is not None:
            latents = known.paste(latents.clamp(-1, 1))
        return latents

    def _run_sd_upscaler(
        self,
        low: torch.Tensor,
        prompt: str | list[str],
        generators: list[torch.Generator],
        opts: SamplingOptions,
        steps: _Stepper,
        image: torch.Tensor | None,
        mask: torch.Tensor | None,
    ) -> torch.Tensor:
        """Stable Diffusion x4 upscaling (latent space), chunked like the pixel upsamplers."""
        from diffusers.utils.torch_utils import randn_tensor

        up = self.cascade.upscaler
        guidance = opts.upscaler_guidance_scale if opts.upscaler_guidance_scale is not None else up.defaults.guidance_scale
        level = opts.upscaler_noise_level if opts.upscaler_noise_level is not None else up.defaults.noise_level
        if not 0 <= level <= up.max_noise_level:
            raise ValueError(f"upscaler noise level must be in [0, {up.max_noise_level}]")
        guided = guidance > 1.0
        n_all = low.shape[0]
        prompts = prompt if isinstance(prompt, list) else [prompt] * n_all
        distinct = list(dict.fromkeys(prompts))
        encoded = up.text.encode_text([*distinct, ""])
        row = {p: i for i, p in enumerate(distinct)}
        num_steps = opts.super_res_1024_steps
        total = num_steps * _chunks_count(n_all, self.batch_size)
        out_chunks = []
        for c, chunk in enumerate(_chunks(n_all, self.batch_size)):
            gens = [generators[j] for j in range(chunk.start, chunk.stop)]
            lowc = low[chunk].float()
            n = lowc.shape[0]
            cond_tokens = encoded.tokens[[row[prompts[j]] for j in range(chunk.start, chunk.stop)]]
            uncond_tokens = encoded.tokens[-1:].expand(n, -1, -1)
            hidden = torch.cat([uncond_tokens, cond_tokens]) if guided else cond_tokens
            noise = randn_tensor(lowc.shape, generator=gens, device=self.device, dtype=torch.float32)
            levels = torch.full((n,), level, dtype=torch.long, device=self.device)
            noised_low = up.low_res_scheduler.add_noise(lowc, noise, levels)
            scheduler = copy.deepcopy(up.scheduler)
            scheduler.set_timesteps(num_steps, device=self.device)
            timesteps = scheduler.timesteps
            h, w = lowc.shape[-2:]
            latents = randn_tensor((n, up.latent_channels, h, w), generator=gens, device=self.device, dtype=torch.float32)
            latents = latents * scheduler.init_noise_sigma
            known = None
            if image is not None and mask is not None:
                # RePaint in latent space: the known image's latents, noised to each step's level.
                image_1024 = F.interpolate(image, size=(4 * h, 4 * w), mode="bicubic", antialias=True, align_corners=False)
                known_latents = up.encode(image_1024.clamp(-1, 1)).expand(n, -1, -1, -1)
                latent_mask = (F.interpolate(mask, size=(h, w), mode="area") > 0).float().expand(n, -1, -1, -1)
                known = _Known(known_latents, latent_mask)
            class_labels = torch.cat([levels] * 2) if guided else levels

            # Defaults bind this chunk's tensors (the function is used only inside this iteration).
            def predict(
                latents: torch.Tensor, t: torch.Tensor, scheduler: Any = scheduler, noised_low: torch.Tensor = noised_low,
                hidden: torch.Tensor = hidden, class_labels: torch.Tensor = class_labels,
            ) -> torch.Tensor:
                model_input = torch.cat([scheduler.scale_model_input(latents, t), noised_low], dim=1)
                if guided:
                    model_input = torch.cat([model_input] * 2)
                with self._autocast():
                    out = up.unet(
                        model_input.to(up.unet.dtype), t, encoder_hidden_states=hidden.to(up.unet.dtype), class_labels=class_labels
                    ).sample.float()
                if guided:
                    out_uncond, out_text = out.chunk(2)
                    out = out_uncond + guidance * (out_text - out_uncond)
                return out

            for i in range(len(timesteps)):
                steps.before("super_res_1024", c * num_steps + i, total)
                latents = _denoise(scheduler, predict, latents, timesteps, i, gens, known, opts.repaint_resample)
                steps.after("super_res_1024", c * num_steps + i, total)
            with self._autocast():
                out_chunks.append(up.decode(latents).clamp(-1, 1))
        return torch.cat(out_chunks)

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.precision == "bf16":
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        if self.precision == "fp16":
            return torch.autocast(self.device.type, dtype=torch.float16)
        return contextlib.nullcontext()


# -- helpers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _UpsamplerStage:
    """One pixel-space upsampler stage as the sampler needs it: its UNets, schedule and settings."""

    name: str  # the progress callback's stage name
    spec: StageSpec
    first: Any  # the UNet for every step ...
    last: Any  # ... but the last, when the weights have a separate one (Karlo's super_res_last)
    scheduler: Any
    num_steps: int
    resample: int  # RePaint jumps per step where the known region is pasted back


class _Stepper:
    """Progress reports and cancellation checks, between sampling steps."""

    def __init__(self, progress: ProgressCallback | None, cancel: CancelCheck | None):
        self.progress = progress
        self.cancel = cancel

    def before(self, stage: str, step: int, total: int) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled(f"cancelled before {stage} step {step + 1} of {total}")

    def after(self, stage: str, step: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, step + 1, total)


@dataclass
class _Known:
    """The known pixels (or latents) of an inpainting request at one stage's resolution."""

    image: torch.Tensor  # (n, C, H, W) in the stage's space
    mask: torch.Tensor  # (n, 1, H, W), 1 = repaint

    @classmethod
    def at(cls, image: torch.Tensor, mask: torch.Tensor, size: int, n: int) -> _Known:
        img = image if image.shape[-1] == size else F.interpolate(image, size=(size, size), mode="bicubic", antialias=True, align_corners=False)
        # A low-res pixel that touches the hole at all is repainted: known pixels
        # must never be blended with the unknown ones at this resolution.
        m = mask if mask.shape[-1] == size else (F.interpolate(mask, size=(size, size), mode="area") > 0).float()
        return cls(img.clamp(-1, 1).expand(n, -1, -1, -1), m.expand(n, -1, -1, -1))

    def replace(self, latents: torch.Tensor, scheduler: Any, timesteps: torch.Tensor, i: int, generators: list[torch.Generator]) -> torch.Tensor:
        """RePaint's known-region step: outside the hole, x_{t-1} is the known image noised to t-1."""
        from diffusers.utils.torch_utils import randn_tensor

        if i + 1 < len(timesteps):
            noise = randn_tensor(self.image.shape, generator=generators, device=self.image.device, dtype=torch.float32)
            known_t = _q_sample(scheduler, self.image, noise, int(timesteps[i + 1]))
        else:
            known_t = self.image
        return self.mask * latents + (1 - self.mask) * known_t

    def paste(self, latents: torch.Tensor) -> torch.Tensor:
        return self.mask * latents + (1 - self.mask) * self.image


def composite_known(out: torch.Tensor, known: torch.Tensor, mask: torch.Tensor, band: int | None = None) -> torch.Tensor:
    """Blend generated `out` into `known` (both [0, 1]) over the hole plus a feathered band.

    Inside the hole the result is `out`; it fades to `known` over `band` pixels
    (size/64 by default) and equals `known` exactly beyond them.
    """
    size = out.shape[-1]
    band = band if band is not None else max(2, size // 64)
    hole = mask.float()
    weight = hole.clone()
    # Chebyshev distance to the hole by repeated 3x3 dilation: ring k gets weight
    # 1 - k/(band+1), and everything beyond `band` rings stays exactly 0.
    grown = hole
    for k in range(1, band + 1):
        wider = F.max_pool2d(grown, kernel_size=3, stride=1, padding=1)
        weight = weight + (wider - grown) * (1 - k / (band + 1))
        grown = wider
    weight = weight.clamp(0, 1).expand_as(out)
    known = known.to(out.device).expand_as(out)
    blended = weight * out + (1 - weight) * known
    return torch.where(weight == 0, known, blended)


def _inpaint_channels(spec: StageSpec, known: _Known | None, n: int, size: int, device: torch.device) -> torch.Tensor | None:
    """Masked image (3) + mask (1) for UNets trained with them; all-repaint when not inpainting."""
    if not spec.inpaint_channels:
        return None
    if known is None:
        return torch.cat([torch.zeros(n, 3, size, size, device=device), torch.ones(n, 1, size, size, device=device)], dim=1)
    return torch.cat([known.image * (1 - known.mask), known.mask], dim=1)


def _run_unet(unet: Any, spec: StageSpec, x: torch.Tensor, t: torch.Tensor, channels_last: bool, **kwargs: Any) -> torch.Tensor:
    f = spec.pixel_unshuffle
    if f > 1:
        x = F.pixel_unshuffle(x, f)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    out = unet(x.to(unet.dtype), t, **kwargs).sample
    if f > 1:
        out = F.pixel_shuffle(out, f)
    return out


def _denoise(
    scheduler: Any,
    predict: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    latents: torch.Tensor,
    timesteps: torch.Tensor,
    i: int,
    generators: list[torch.Generator],
    known: _Known | None,
    resample: int,
) -> torch.Tensor:
    """One sampling step x_t -> x_prev; with `known`, RePaint: replace the known region, and resample.

    RePaint (Lugmayr et al. 2022) re-noises x_prev back to x_t and denoises again
    `resample - 1` more times so the painted region agrees with the known one.
    Multistep solvers keep a history that a jump back would corrupt, so they get
    replacement only.
    """
    t = timesteps[i]
    jumps = resample if known is not None and i + 1 < len(timesteps) and _is_stateless(scheduler) else 1
    for jump in range(jumps):
        prev = _step(scheduler, predict(latents, t), t, latents, timesteps, i, generators)
        if known is not None:
            prev = known.replace(prev, scheduler, timesteps, i, generators)
        if jump + 1 < jumps:
            latents = _renoise(scheduler, prev, int(timesteps[i + 1]), int(t), generators)
    return prev


def _is_stateless(scheduler: Any) -> bool:
    from diffusers import DDIMScheduler, DDPMScheduler
    from diffusers.schedulers.scheduling_unclip import UnCLIPScheduler

    return isinstance(scheduler, (UnCLIPScheduler, DDPMScheduler, DDIMScheduler))


def _renoise(scheduler: Any, x_prev: torch.Tensor, t_prev: int, t: int, generators: list[torch.Generator]) -> torch.Tensor:
    """Sample q(x_t | x_prev) between two (possibly non-adjacent) timesteps."""
    from diffusers.utils.torch_utils import randn_tensor

    alphas = scheduler.alphas_cumprod
    ratio = (alphas[t] / alphas[t_prev]).to(x_prev.device, torch.float32)
    noise = randn_tensor(x_prev.shape, generator=generators, device=x_prev.device, dtype=torch.float32)
    return ratio.sqrt() * x_prev + (1 - ratio).sqrt() * noise


def _step(scheduler: Any, out: torch.Tensor, t: torch.Tensor, latents: torch.Tensor, timesteps: torch.Tensor, i: int, generators: list[torch.Generator]) -> torch.Tensor:
    from diffusers.schedulers.scheduling_unclip import UnCLIPScheduler

    kwargs: dict[str, Any] = {"generator": generators}
    if isinstance(scheduler, UnCLIPScheduler):
        kwargs["prev_timestep"] = None if i + 1 == len(timesteps) else timesteps[i + 1]
    return scheduler.step(out, t, latents, **kwargs).prev_sample


def _uses_learned_variance(scheduler: Any) -> bool:
    return getattr(scheduler.config, "variance_type", None) in ("learned", "learned_range")


def _q_sample(scheduler: Any, x0: torch.Tensor, noise: torch.Tensor, t: int) -> torch.Tensor:
    alpha = scheduler.alphas_cumprod[int(t)].to(x0.device, torch.float32)
    return alpha.sqrt() * x0 + (1 - alpha).sqrt() * noise


def _repeat(encoding: Any, n: int) -> Any:
    from gpu_worker.clip import TextEncoding

    return TextEncoding(
        pooled=encoding.pooled.repeat_interleave(n, dim=0),
        tokens=encoding.tokens.repeat_interleave(n, dim=0),
        mask=encoding.mask.repeat_interleave(n, dim=0),
    )


def _concat(encodings: list[Any]) -> Any:
    from gpu_worker.clip import TextEncoding

    return TextEncoding(
        pooled=torch.cat([e.pooled for e in encodings]),
        tokens=torch.cat([e.tokens for e in encodings]),
        mask=torch.cat([e.mask for e in encodings]),
    )


def _chunks(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def _chunks_count(n: int, size: int) -> int:
    return (n + size - 1) // size


def _resolve_precision(precision: str, device: torch.device) -> str:
    if precision not in ("auto", "fp32", "bf16", "fp16"):
        raise ValueError(f"precision must be auto, fp32, bf16 or fp16, got {precision!r}")
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "fp16"
    return "bf16" if cpu_has_bf16() else "fp32"


def cpu_has_bf16() -> bool:
    """True when this CPU runs bf16 matmuls natively (AVX512-BF16 / AMX), where autocast pays."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False
