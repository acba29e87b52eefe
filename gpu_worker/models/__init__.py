"""What each network of the cascade is, and builders from explicit configs.

Networks are diffusers' own (`PriorTransformer`, `UNet2DConditionModel`,
`UNet2DModel`) plus `TextProjection` and the CLIP wrappers in `gpu_worker.clip`.
See README.md in this folder for forward signatures and the directory layout.

Importing this module imports torch and diffusers; `import gpu_worker` does not.
"""

from gpu_worker.models.cascade import (
    Cascade,
    CascadeSpec,
    StageSpec,
    build_cascade,
    build_clip,
    build_decoder,
    build_prior,
    build_scheduler,
    build_super_res,
    build_text_proj,
)
from gpu_worker.models.configs import small_cascade_config, tiny_cascade_config
from gpu_worker.models.text_proj import TextProjection

__all__ = [
    "Cascade",
    "CascadeSpec",
    "StageSpec",
    "TextProjection",
    "build_cascade",
    "build_clip",
    "build_decoder",
    "build_prior",
    "build_scheduler",
    "build_super_res",
    "build_text_proj",
    "small_cascade_config",
    "tiny_cascade_config",
]
