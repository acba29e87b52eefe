"""The one exception type the model package raises to its callers."""

from __future__ import annotations


class GenerationError(Exception):
    """A request could not be turned into images.

    `permanent` is False for faults worth retrying (out of GPU memory, a busy
    device) and True for everything that would fail again the same way (bad
    input, missing or corrupt weights).
    """

    def __init__(self, message: str, *, permanent: bool = True, param: str | None = None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.param = param


class InvalidInput(GenerationError):
    """The request itself is wrong: an image mode, a mask size, n out of range."""


class ModelLoadError(GenerationError):
    """A model directory is missing a component, or holds a corrupt or foreign one."""


class Cancelled(GenerationError):
    def __init__(self, message: str = "cancelled"):
        super().__init__(message, permanent=True)
