"""Operator command: fetch the real open weights into EASEL_MODELS_DIR (needs a network).

    python -m gpu_worker.download --dest "$EASEL_MODELS_DIR"

writes the layout the `karlo` preset reads:

    $EASEL_MODELS_DIR/karlo-v1-alpha/                 kakaobrain/karlo-v1-alpha (prior, decoder,
                                                      text_proj, super_res_first/last, text_encoder,
                                                      tokenizer, schedulers) + image_encoder/ and
                                                      feature_extractor/ from kakaobrain/karlo-v1-alpha-image-variations
    $EASEL_MODELS_DIR/stable-diffusion-x4-upscaler/   stabilityai/stable-diffusion-x4-upscaler

The workers never download: they read these folders (`EASEL_MODEL_PRESET=karlo`).
Only safetensors, JSON and tokenizer text files are fetched (no pickled .bin
weights unless a repository has nothing else: pass --allow-bin).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

KARLO = "kakaobrain/karlo-v1-alpha"
KARLO_VARIATIONS = "kakaobrain/karlo-v1-alpha-image-variations"
UPSCALER = "stabilityai/stable-diffusion-x4-upscaler"
TEXT_FILES = ["*.json", "*.txt"]


def download(dest: Path, *, allow_bin: bool = False, revision: str | None = None) -> None:
    """Fetch the three repositories into `dest` with huggingface_hub (resumable; skips what is there)."""
    from huggingface_hub import snapshot_download

    weights = ["*.safetensors"] + (["*.bin"] if allow_bin else [])
    karlo = dest / "karlo-v1-alpha"
    snapshot_download(KARLO, local_dir=karlo, allow_patterns=TEXT_FILES + weights, revision=revision)
    snapshot_download(
        KARLO_VARIATIONS,
        local_dir=karlo,
        allow_patterns=[f"{folder}/{pattern}" for folder in ("image_encoder", "feature_extractor") for pattern in TEXT_FILES + weights],
        revision=revision,
    )
    snapshot_download(
        UPSCALER,
        local_dir=dest / "stable-diffusion-x4-upscaler",
        allow_patterns=TEXT_FILES + weights,
        # The fp16 copies duplicate the fp32 weights; workers cast at run time.
        ignore_patterns=["*.fp16.*"],
        revision=revision,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gpu_worker.download", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dest", type=Path, default=Path(os.environ["EASEL_MODELS_DIR"]) if os.environ.get("EASEL_MODELS_DIR") else None)
    parser.add_argument("--allow-bin", action="store_true", help="also fetch pickled .bin weights")
    parser.add_argument("--check", action="store_true", help="only load what is in --dest, download nothing")
    args = parser.parse_args(argv)
    if args.dest is None:
        parser.error("give --dest or set EASEL_MODELS_DIR")
    if not args.check:
        download(args.dest, allow_bin=args.allow_bin)
    from gpu_worker.loaders import load_karlo, load_sd_upscaler

    load_karlo(args.dest / "karlo-v1-alpha", upscaler=load_sd_upscaler(args.dest / "stable-diffusion-x4-upscaler"))
    print(f"Karlo v1 alpha and the x4 upscaler load from {args.dest}; set EASEL_MODEL_PRESET=karlo EASEL_MODELS_DIR={args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
