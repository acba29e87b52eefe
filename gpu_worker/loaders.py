"""Read and write cascades on disk: our bundled format, Karlo's diffusers layout, the SD x4 upscaler.

Every component is a `save_pretrained`-style folder (config JSON + safetensors).
All failures surface as `gpu_worker.errors.ModelLoadError` naming the component
and the reason (missing, corrupt, foreign config, mismatched shapes); nothing is
ever downloaded here (see `gpu_worker.download` for the operator command).

Bundled layout (`save_cascade` / `load_cascade`):

    model_index.json        {"_class_name": "EaselUnCLIPCascade", "_easel_format": 1,
                             "name": ..., "cascade": CascadeSpec, "components": {...}}
    clip/                   open_clip_config.json + model.safetensors
    prior/ text_proj/ decoder/ super_res_first/ [super_res_last/] [super_res_1024/]
                            config.json + diffusion_pytorch_model.safetensors
    prior_scheduler/ decoder_scheduler/ super_res_scheduler/ [super_res_1024_scheduler/]
                            scheduler_config.json

Karlo layout (`load_karlo`): diffusers' `UnCLIPPipeline` folders (prior, decoder,
text_proj, super_res_first, super_res_last, text_encoder, tokenizer, three
UnCLIPScheduler folders) plus `image_encoder/` from Karlo's image-variations repo.
SD x4 upscaler layout (`load_sd_upscaler`): unet, vae, text_encoder, tokenizer,
scheduler, low_res_scheduler, model_index.json (max_noise_level).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch
from torch import nn

from gpu_worker.errors import ModelLoadError
from gpu_worker.models.cascade import (
    SCHEDULER_CLASSES,
    Cascade,
    CascadeSpec,
    StageSpec,
    build_scheduler,
)
from gpu_worker.models.text_proj import TextProjection

logger = logging.getLogger(__name__)

FORMAT_CLASS = "EaselUnCLIPCascade"
FORMAT_VERSION = 1

# Component folder -> the config `_class_name`s we accept there (Karlo's text_proj
# was saved by diffusers' deprecated UnCLIPTextProjModel, same parameters as ours).
MODEL_CLASSES: dict[str, tuple[str, ...]] = {
    "prior": ("PriorTransformer",),
    "text_proj": ("TextProjection", "UnCLIPTextProjModel"),
    "decoder": ("UNet2DConditionModel",),
    "super_res_first": ("UNet2DModel",),
    "super_res_last": ("UNet2DModel",),
    "super_res_1024": ("UNet2DModel",),
}
SCHEDULER_FOLDERS = ("prior_scheduler", "decoder_scheduler", "super_res_scheduler", "super_res_1024_scheduler")


# -- the bundled format -------------------------------------------------------------------------


def save_cascade(cascade: Cascade, directory: str | Path) -> Path:
    """Write `cascade` in the bundled format; returns the directory. Overwrites files in place."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    components: dict[str, str] = {"clip": type(cascade.clip).__name__}
    cascade.clip.save_pretrained(directory / "clip")
    for name in MODEL_CLASSES:
        module = getattr(cascade, name)
        if module is not None:
            module.save_pretrained(directory / name, safe_serialization=True)
            components[name] = type(module).__name__
    for folder in SCHEDULER_FOLDERS:
        scheduler = getattr(cascade, folder)
        if scheduler is not None:
            scheduler.save_pretrained(directory / folder)
            components[folder] = type(scheduler).__name__
    index = {
        "_class_name": FORMAT_CLASS,
        "_easel_format": FORMAT_VERSION,
        "name": cascade.spec.name,
        "cascade": cascade.spec.to_dict(),
        "components": components,
    }
    (directory / "model_index.json").write_text(json.dumps(index, indent=2))
    return directory


def load_cascade(directory: str | Path, *, dtype: torch.dtype = torch.float32) -> Cascade:
    """Read a bundled-format cascade; raises `ModelLoadError` for anything missing, corrupt or foreign."""
    directory = Path(directory)
    index = read_json(directory / "model_index.json", component="model_index.json")
    if index.get("_class_name") != FORMAT_CLASS:
        raise ModelLoadError(
            f"{directory} holds a {index.get('_class_name')!r} model, not an Easel cascade ({FORMAT_CLASS})"
        )
    if index.get("_easel_format") != FORMAT_VERSION:
        raise ModelLoadError(f"{directory}: unsupported Easel format version {index.get('_easel_format')!r}")
    components = index.get("components", {})
    try:
        spec = CascadeSpec.from_dict(str(index["name"]), index["cascade"])
    except (KeyError, TypeError) as exc:
        raise ModelLoadError(f"{directory}/model_index.json: bad cascade entry ({exc})") from exc

    def optional(name: str) -> Any:
        return name in components

    cascade = Cascade(
        spec=spec,
        clip=load_open_clip(directory / "clip"),
        prior=load_model(directory / "prior", "prior", dtype=dtype),
        prior_scheduler=load_scheduler(directory / "prior_scheduler", "prior_scheduler"),
        text_proj=load_model(directory / "text_proj", "text_proj", dtype=dtype),
        decoder=load_model(directory / "decoder", "decoder", dtype=dtype),
        decoder_scheduler=load_scheduler(directory / "decoder_scheduler", "decoder_scheduler"),
        super_res_first=load_model(directory / "super_res_first", "super_res_first", dtype=dtype),
        super_res_scheduler=load_scheduler(directory / "super_res_scheduler", "super_res_scheduler"),
        super_res_last=(
            load_model(directory / "super_res_last", "super_res_last", dtype=dtype) if optional("super_res_last") else None
        ),
        super_res_1024=(
            load_model(directory / "super_res_1024", "super_res_1024", dtype=dtype) if optional("super_res_1024") else None
        ),
        super_res_1024_scheduler=(
            load_scheduler(directory / "super_res_1024_scheduler", "super_res_1024_scheduler")
            if optional("super_res_1024_scheduler")
            else None
        ),
    )
    check_cascade(cascade)
    return cascade.eval()


# -- Karlo and the SD x4 upscaler -----------------------------------------------------------------


def load_karlo(directory: str | Path, *, dtype: torch.dtype = torch.float32, upscaler: Any = None) -> Cascade:
    """Read Karlo v1 alpha from diffusers' UnCLIP layout (plus `image_encoder/`, optional).

    `upscaler` (an `SDx4Upscaler`, see `load_sd_upscaler`) becomes the 256->1024 stage;
    without one the cascade stops at 256.
    """
    from gpu_worker.clip import HFClipEncoder

    directory = Path(directory)
    index = read_json(directory / "model_index.json", component="model_index.json")
    if index.get("_class_name") not in ("UnCLIPPipeline", "UnCLIPImageVariationPipeline"):
        raise ModelLoadError(f"{directory} holds a {index.get('_class_name')!r} pipeline, not Karlo's UnCLIPPipeline")
    text_encoder = load_transformers(directory / "text_encoder", "text_encoder", "CLIPTextModelWithProjection", dtype)
    image_encoder = None
    if (directory / "image_encoder").exists():
        image_encoder = load_transformers(directory / "image_encoder", "image_encoder", "CLIPVisionModelWithProjection", dtype)
    else:
        logger.warning("%s has no image_encoder/: variations and interpolation are unavailable", directory)
    tokenizer = load_tokenizer(directory / "tokenizer", "tokenizer")
    decoder = load_model(directory / "decoder", "decoder", dtype=dtype)
    super_res_first = load_model(directory / "super_res_first", "super_res_first", dtype=dtype)
    spec = CascadeSpec(
        name="karlo-v1-alpha" + ("+sd-x4-upscaler" if upscaler is not None else ""),
        decoder=StageSpec(image_size=int(decoder.config.sample_size)),
        super_res=StageSpec(image_size=int(super_res_first.config.sample_size)),
        # Karlo's published sampling defaults (diffusers' UnCLIPPipeline).
        defaults={
            "prior_steps": 25,
            "decoder_steps": 25,
            "super_res_steps": 7,
            "super_res_1024_steps": 20,
            "prior_guidance_scale": 4.0,
            "decoder_guidance_scale": 8.0,
        },
    )
    cascade = Cascade(
        spec=spec,
        clip=HFClipEncoder(text_encoder, tokenizer, image_encoder),
        prior=load_model(directory / "prior", "prior", dtype=dtype),
        prior_scheduler=load_scheduler(directory / "prior_scheduler", "prior_scheduler"),
        text_proj=load_model(directory / "text_proj", "text_proj", dtype=dtype),
        decoder=decoder,
        decoder_scheduler=load_scheduler(directory / "decoder_scheduler", "decoder_scheduler"),
        super_res_first=super_res_first,
        super_res_last=load_model(directory / "super_res_last", "super_res_last", dtype=dtype),
        super_res_scheduler=load_scheduler(directory / "super_res_scheduler", "super_res_scheduler"),
        upscaler=upscaler,
    )
    check_cascade(cascade)
    return cascade.eval()


def load_sd_upscaler(directory: str | Path, *, dtype: torch.dtype = torch.float32) -> Any:
    """Read the Stable Diffusion x4 upscaler (diffusers' StableDiffusionUpscalePipeline layout)."""
    from gpu_worker.clip import HFClipEncoder
    from gpu_worker.models.sd_upscaler import SDx4Upscaler

    directory = Path(directory)
    index = read_json(directory / "model_index.json", component="model_index.json")
    if index.get("_class_name") != "StableDiffusionUpscalePipeline":
        raise ModelLoadError(
            f"{directory} holds a {index.get('_class_name')!r} pipeline, not a StableDiffusionUpscalePipeline"
        )
    unet = load_model(directory / "unet", "unet", dtype=dtype, classes=("UNet2DConditionModel",))
    vae = load_model(directory / "vae", "vae", dtype=dtype, classes=("AutoencoderKL",))
    text_encoder = load_transformers(directory / "text_encoder", "text_encoder", "CLIPTextModel", dtype)
    tokenizer = load_tokenizer(directory / "tokenizer", "tokenizer")
    upscaler = SDx4Upscaler(
        unet=unet,
        vae=vae,
        text=HFClipEncoder(text_encoder, tokenizer),
        scheduler=load_scheduler(directory / "scheduler", "scheduler"),
        low_res_scheduler=load_scheduler(directory / "low_res_scheduler", "low_res_scheduler"),
        max_noise_level=int(index.get("max_noise_level", 350)),
    )
    expected = 4 + 3
    if unet.config.in_channels != expected:
        raise ModelLoadError(f"{directory}/unet: in_channels {unet.config.in_channels}, expected {expected}")
    return upscaler.eval()


# -- one component at a time ----------------------------------------------------------------------


def read_json(path: Path, *, component: str) -> dict[str, Any]:
    if not path.is_file():
        raise ModelLoadError(f"missing component {component!r}: {path} does not exist")
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"corrupt component {component!r}: {path} is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ModelLoadError(f"corrupt component {component!r}: {path} is not a JSON object")
    return data


def _model_class(name: str) -> type[nn.Module]:
    if name in ("TextProjection", "UnCLIPTextProjModel"):
        return TextProjection
    import diffusers

    return getattr(diffusers, name)


def load_model(
    directory: Path,
    component: str,
    *,
    dtype: torch.dtype = torch.float32,
    classes: tuple[str, ...] | None = None,
) -> nn.Module:
    """A diffusers-style model folder -> module, with every failure as `ModelLoadError`."""
    config = read_json(directory / "config.json", component=component)
    allowed = classes or MODEL_CLASSES[component]
    kind = config.get("_class_name")
    if kind not in allowed:
        raise ModelLoadError(f"component {component!r} in {directory} is a {kind!r}, expected {' or '.join(allowed)}")
    weights = [directory / n for n in ("diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin")]
    if not any(w.is_file() for w in weights):
        raise ModelLoadError(f"missing component {component!r}: no weights file in {directory}")
    cls = _model_class(kind)
    try:
        # low_cpu_mem_usage=False makes diffusers raise on missing or unexpected keys and
        # on shape mismatches instead of leaving parameters uninitialised.
        model = cls.from_pretrained(directory, torch_dtype=dtype, low_cpu_mem_usage=False)
    except Exception as exc:  # noqa: BLE001 - diffusers raises many types; the caller needs one
        raise ModelLoadError(f"could not load component {component!r} from {directory}: {exc}") from exc
    return model


def load_scheduler(directory: Path, component: str) -> Any:
    config = read_json(directory / "scheduler_config.json", component=component)
    if config.get("_class_name") not in SCHEDULER_CLASSES:
        raise ModelLoadError(f"component {component!r} in {directory} is a {config.get('_class_name')!r} scheduler")
    try:
        return build_scheduler(config)
    except Exception as exc:  # noqa: BLE001
        raise ModelLoadError(f"could not build scheduler {component!r} from {directory}: {exc}") from exc


def load_open_clip(directory: Path) -> nn.Module:
    """Our `clip/` folder: an open_clip model config + safetensors weights."""
    from safetensors.torch import load_file

    from gpu_worker.clip import OpenClipEncoder

    meta = read_json(directory / "open_clip_config.json", component="clip")
    if meta.get("_class_name") != "OpenClipEncoder" or "model_cfg" not in meta:
        raise ModelLoadError(f"component 'clip' in {directory} is not an open_clip config")
    weights = directory / "model.safetensors"
    if not weights.is_file():
        raise ModelLoadError(f"missing component 'clip': {weights} does not exist")
    try:
        encoder = OpenClipEncoder.from_config(meta["model_cfg"], model_name=str(meta.get("model_name", "custom")))
        encoder.model.load_state_dict(load_file(str(weights)), strict=True)
    except Exception as exc:  # noqa: BLE001
        raise ModelLoadError(f"could not load component 'clip' from {directory}: {exc}") from exc
    return encoder


def load_transformers(directory: Path, component: str, class_name: str, dtype: torch.dtype) -> nn.Module:
    import transformers

    config = read_json(directory / "config.json", component=component)
    architectures = config.get("architectures") or []
    if class_name not in architectures:
        raise ModelLoadError(f"component {component!r} in {directory} is {architectures}, expected {class_name}")
    try:
        model = getattr(transformers, class_name).from_pretrained(directory, dtype=dtype, local_files_only=True)
    except Exception as exc:  # noqa: BLE001
        raise ModelLoadError(f"could not load component {component!r} from {directory}: {exc}") from exc
    return model.eval()


def load_tokenizer(directory: Path, component: str) -> Any:
    from transformers import CLIPTokenizer

    for name in ("vocab.json", "merges.txt"):
        if not (directory / name).is_file():
            raise ModelLoadError(f"missing component {component!r}: {directory / name} does not exist")
    try:
        return CLIPTokenizer.from_pretrained(directory, local_files_only=True)
    except Exception as exc:  # noqa: BLE001
        raise ModelLoadError(f"could not load tokenizer from {directory}: {exc}") from exc


def check_cascade(cascade: Cascade) -> None:
    """Raise `ModelLoadError` when components that load one by one do not fit together.

    Catches a component taken from another model: every check is a shape the
    pipeline would otherwise fail on mid-request.
    """
    clip = cascade.clip
    prior_cfg = cascade.prior.config
    problems: list[str] = []
    if prior_cfg.embedding_dim != clip.embed_dim:
        problems.append(f"prior embedding_dim {prior_cfg.embedding_dim} != CLIP embed_dim {clip.embed_dim}")
    if prior_cfg.num_embeddings != clip.context_length:
        problems.append(f"prior num_embeddings {prior_cfg.num_embeddings} != CLIP context length {clip.context_length}")
    tp = cascade.text_proj.config
    if tp.clip_embeddings_dim != clip.embed_dim:
        problems.append(f"text_proj clip_embeddings_dim {tp.clip_embeddings_dim} != CLIP embed_dim {clip.embed_dim}")
    dec = cascade.decoder.config
    if dec.cross_attention_dim != tp.cross_attention_dim:
        problems.append(f"decoder cross_attention_dim {dec.cross_attention_dim} != text_proj {tp.cross_attention_dim}")
    if dec.block_out_channels[0] * 4 != tp.time_embed_dim:
        problems.append(f"decoder time embedding {dec.block_out_channels[0] * 4} != text_proj {tp.time_embed_dim}")
    spec = cascade.spec
    f = spec.decoder.pixel_unshuffle
    want = (3 + (4 if spec.decoder.inpaint_channels else 0)) * f * f
    if dec.in_channels != want:
        problems.append(f"decoder in_channels {dec.in_channels} != {want} for this cascade spec")
    if dec.sample_size * f != spec.decoder.image_size:
        problems.append(f"decoder sample_size {dec.sample_size} x {f} != image_size {spec.decoder.image_size}")
    stages = [("super_res_first", cascade.super_res_first, spec.super_res), ("super_res_last", cascade.super_res_last, spec.super_res)]
    if cascade.super_res_1024 is not None and spec.super_res_1024 is not None:
        stages.append(("super_res_1024", cascade.super_res_1024, spec.super_res_1024))
    for name, unet, stage in stages:
        if unet is None:
            continue
        f = stage.pixel_unshuffle
        want = (6 + (4 if stage.inpaint_channels else 0)) * f * f
        if unet.config.in_channels != want:
            problems.append(f"{name} in_channels {unet.config.in_channels} != {want} for this cascade spec")
    if cascade.super_res_1024 is not None and cascade.super_res_1024_scheduler is None:
        problems.append("super_res_1024 has no scheduler")
    if problems:
        raise ModelLoadError("components do not fit together: " + "; ".join(problems))
