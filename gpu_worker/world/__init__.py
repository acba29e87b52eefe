"""The synthetic world the bundled model is trained and measured on (numpy + Pillow, no torch).

- `spec`: what each stage of the world contains (`STAGE1`, `STAGE2`);
- `scene`: structured scenes and seeded sampling;
- `render`: anti-aliased drawing at any size up to 1024;
- `captions`: the caption grammar;
- `splits`: held-out combinations for evaluation;
- `negatives`: hard negatives for CLIP;
- `parser`: the deterministic scene parser that scores generated images.
"""

from gpu_worker.world.captions import caption_scene, captions_for_scene
from gpu_worker.world.negatives import hard_negative
from gpu_worker.world.parser import ParsedObject, ParsedScene, parse_scene
from gpu_worker.world.render import render_scene
from gpu_worker.world.scene import Scene, SceneObject, relations, sample_scene
from gpu_worker.world.spec import STAGE1, STAGE2, WorldSpec, get_world
from gpu_worker.world.splits import is_held_out, sample_training_scene

__all__ = [
    "STAGE1",
    "STAGE2",
    "ParsedObject",
    "ParsedScene",
    "Scene",
    "SceneObject",
    "WorldSpec",
    "caption_scene",
    "captions_for_scene",
    "get_world",
    "hard_negative",
    "is_held_out",
    "parse_scene",
    "relations",
    "render_scene",
    "sample_scene",
    "sample_training_scene",
]
