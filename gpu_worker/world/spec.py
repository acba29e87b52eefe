"""What the synthetic world may contain, stage by stage.

The world is grown in stages (issue 4): stage 1 is the smallest world in which
binding colour, shape and position to the right object can be learned and
measured; stage 2 widens every axis. A `WorldSpec` is plain data so training,
captions, splits and the scene parser all read the same lists.

Geometry is in normalised image coordinates: x to the right, y downwards, both
in [0, 1]; an object's `size` is its half-extent (the radius of its bounding circle).
"""

from __future__ import annotations

from dataclasses import dataclass

# Ten well-separated sRGB colours. Anti-aliased edges blend neighbours (red on
# blue gives a purple fringe), which is why the parser opens each colour mask.
PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "orange": (245, 140, 20),
    "yellow": (245, 220, 40),
    "green": (40, 160, 60),
    "blue": (40, 90, 220),
    "purple": (140, 60, 190),
    "white": (245, 245, 245),
    "black": (25, 25, 25),
    "pink": (245, 140, 200),
    "brown": (125, 80, 40),
}

# Anchor centres of the named positions; objects are jittered around them.
POSITIONS: dict[str, tuple[float, float]] = {
    "centre": (0.5, 0.5),
    "left": (0.2, 0.5),
    "right": (0.8, 0.5),
    "top": (0.5, 0.2),
    "bottom": (0.5, 0.8),
    "top left": (0.2, 0.2),
    "top right": (0.8, 0.2),
    "bottom left": (0.2, 0.8),
    "bottom right": (0.8, 0.8),
}

# Half-extents as a fraction of the image side.
SIZES: dict[str, float] = {"small": 0.08, "medium": 0.12, "large": 0.17}

ALL_SHAPES = ("circle", "square", "triangle", "star", "heart", "ring")

# Relations between two objects, as words; "left_of" reads "A to the left of B".
RELATIONS = ("left_of", "right_of", "above", "below")


@dataclass(frozen=True)
class WorldSpec:
    """One stage of the world: which colours, shapes, positions, sizes and counts occur.

    `jitter` is the largest offset (each axis) of an object from its position's anchor.
    `gradient_backgrounds` adds two-colour linear gradients to the solid ones.
    """

    name: str
    colors: tuple[str, ...]
    shapes: tuple[str, ...]
    positions: tuple[str, ...]
    sizes: tuple[str, ...]
    max_objects: int
    gradient_backgrounds: bool = False
    jitter: float = 0.03

    def rgb(self, color: str) -> tuple[int, int, int]:
        return PALETTE[color]


STAGE1 = WorldSpec(
    name="stage1",
    colors=("red", "orange", "yellow", "green", "blue", "purple", "white", "black"),
    shapes=("circle", "square", "triangle"),
    positions=("centre", "left", "right", "top", "bottom"),
    sizes=("medium",),
    max_objects=2,
)

STAGE2 = WorldSpec(
    name="stage2",
    colors=tuple(PALETTE),
    shapes=ALL_SHAPES,
    positions=tuple(POSITIONS),
    sizes=tuple(SIZES),
    max_objects=4,
    gradient_backgrounds=True,
)

WORLDS: dict[str, WorldSpec] = {w.name: w for w in (STAGE1, STAGE2)}


def get_world(name: str) -> WorldSpec:
    """The stage called `name` ("stage1", "stage2"); ValueError for anything else."""
    try:
        return WORLDS[name]
    except KeyError:
        raise ValueError(f"unknown world {name!r}; expected one of {sorted(WORLDS)}") from None
