"""The one entry the web side calls: a request in, signed PNG bytes out.

The Django task (`generation/tasks.py`) builds a `GenerationRequest`, calls
`generate()`, and stores what comes back. It never sees tensors, devices or
which weights are loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

MODES = ("generate", "edit", "variation", "interpolate")
SIZES = (256, 512, 1024)
MAX_N = 10

# progress(stage, step, total): stage is "prior", "decoder", "super_res_256",
# "super_res_1024", ...; called between sampling steps.
ProgressCallback = Callable[[str, int, int], None]
# cancel() -> True asks the pipeline to stop between steps (raises Cancelled).
CancelCheck = Callable[[], bool]


@dataclass(frozen=True)
class GenerationRequest:
    """What to make.

    - `image`: PNG bytes, for edit, variation and interpolate.
    - `mask`: PNG bytes the size of `image` whose fully transparent pixels mark
      where to repaint (OpenAI's convention). For an edit without a mask, the
      image's own transparent pixels are the mask.
    - `image2` / `prompt2`: the other end of an interpolation (an image or a text).
    """

    mode: str
    prompt: str = ""
    size: int = 1024
    n: int = 4
    seed: int = 0
    image: bytes | None = None
    mask: bytes | None = None
    image2: bytes | None = None
    prompt2: str = ""
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class GenerationResult:
    images: list[bytes]  # PNG bytes, `size`×`size`, with the visible signature
    model: str  # the model's name, e.g. "easel-bundled-shapes-v1"
    seconds: float


def generate(
    request: GenerationRequest,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> GenerationResult:
    """Run `request` on this process's loaded model (loaded once, on first use).

    Raises `gpu_worker.errors.GenerationError` (or a subclass) for every failure.
    """
    from gpu_worker.engine import get_engine

    return get_engine().generate(request, progress=progress, cancel=cancel)


def generate_batch(
    requests: list[GenerationRequest],
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> list[GenerationResult]:
    """Run text-to-image requests of one shape (equal `batch_key`) as one batch, one result each.

    Raises `gpu_worker.errors.GenerationError` (or a subclass) for every failure; all or nothing.
    """
    from gpu_worker.engine import get_engine

    return get_engine().generate_batch(requests, progress=progress, cancel=cancel)


def batch_key(request: GenerationRequest) -> tuple | None:
    """Requests with equal keys may run as one batch (`generate_batch`); None: run it alone.

    Text to image only (edits, variations and interpolations carry their own
    images and conditioning), at one size, with one set of sampling options.
    """
    if request.mode != "generate" or not isinstance(request.options, dict):
        return None
    try:
        options = tuple(sorted((str(k), repr(v)) for k, v in request.options.items()))
    except TypeError:
        return None
    return ("generate", request.size, options)
