"""How the stages are chained: our unCLIP pipeline (imports torch)."""

from gpu_worker.pipelines.unclip import (
    SamplingOptions,
    UnCLIPOutput,
    UnCLIPPipeline,
    composite_known,
)

__all__ = ["SamplingOptions", "UnCLIPOutput", "UnCLIPPipeline", "composite_known"]
