"""What every training stage shares: checkpoints, clean stops, threads, seeding, logging.

Contracts every stage keeps (issue 4):
- resumable: `Checkpointer.load()` restores model, EMA, optimiser, step and the
  stage's config; a stage asked to run to step N continues from where it stopped;
- seeded: the batch of step k is drawn from `step_rng(seed, k)` and noise from
  `step_generator(seed, k)`, so a resumed run sees the same data as an unbroken one;
- stops cleanly: SIGTERM/SIGINT set a flag; the loop saves and exits at the end
  of the current step; so does a process whose resident memory passes
  `--max-rss-gb`, exiting with `EXIT_RESTART` so its lane starts it afresh
  (a decoder run once grew to 18 GB in 1 h 45 min and thrashed the machine);
- checkpoints live under `$EASEL_CHECKPOINT_DIR` (default `~/.cache/easel/checkpoints`),
  outside git, one folder per stage, written atomically.
"""

from __future__ import annotations

import copy
import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

logger = logging.getLogger("gpu_worker.train")


def checkpoint_root() -> Path:
    return Path(os.environ.get("EASEL_CHECKPOINT_DIR") or Path.home() / ".cache" / "easel" / "checkpoints")


def setup(threads: int, seed: int) -> None:
    """Limit torch to `threads` (the machine is shared) and seed the global RNGs."""
    torch.set_num_threads(max(1, threads))
    torch.manual_seed(seed)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")


def step_rng(seed: int, step: int) -> np.random.Generator:
    """The numpy generator for one step's data: a function of (seed, step) only."""
    return np.random.default_rng([seed, step])


def step_generator(seed: int, step: int) -> torch.Generator:
    """The torch generator for one step's noise: a function of (seed, step) only."""
    return torch.Generator().manual_seed(seed * 1_000_003 + step)


EXIT_RESTART = 75  # EX_TEMPFAIL: saved and stopped for memory; run the stage again to carry on


def resident_bytes() -> int:
    """This process's resident set size (Linux /proc; 0 where it cannot be read)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class StopFlag:
    """When the training loop should save and exit.

    Set by SIGTERM or SIGINT, or (when `max_rss_gb` is given) once the process's
    resident memory passes that many GiB, checked at most every `check_every`
    seconds. A memory stop makes `exit_code` EXIT_RESTART, so the lane that ran
    the stage starts it again from the checkpoint with a fresh heap.
    """

    def __init__(self, max_rss_gb: float | None = None, check_every: float = 30.0) -> None:
        self.signalled = False
        self.out_of_memory = False
        self.max_rss = int(max_rss_gb * 2**30) if max_rss_gb else 0
        self.check_every = check_every
        self._last_check = float("-inf")
        self._previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGTERM, signal.SIGINT)}

    @property
    def requested(self) -> bool:
        if self.signalled or self.out_of_memory:
            return True
        if self.max_rss and time.monotonic() - self._last_check >= self.check_every:
            self._last_check = time.monotonic()
            rss = resident_bytes()
            if rss > self.max_rss:
                logger.info("resident memory %.1f GiB is over the %.1f GiB limit: saving and stopping for a restart",
                            rss / 2**30, self.max_rss / 2**30)
                self.out_of_memory = True
        return self.out_of_memory

    @property
    def exit_code(self) -> int:
        return EXIT_RESTART if self.out_of_memory and not self.signalled else 0

    def restore(self) -> None:
        """Put back the handlers that were installed before (a caller in-process gets its Ctrl-C back)."""
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, _frame: Any) -> None:
        logger.info("signal %s: stopping after this step", signum)
        self.signalled = True


class EMA:
    """Exponential moving average of a module's parameters (what gets exported)."""

    def __init__(self, module: nn.Module, decay: float):
        self.decay = decay
        self.module = copy.deepcopy(module).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, module: nn.Module, step: int) -> None:
        # Warm-up: a short run's EMA should not be dominated by the random init.
        decay = min(self.decay, (1 + step) / (10 + step))
        for ema_p, p in zip(self.module.parameters(), module.parameters(), strict=True):
            ema_p.lerp_(p.detach(), 1 - decay)
        for ema_b, b in zip(self.module.buffers(), module.buffers(), strict=True):
            ema_b.copy_(b)


class Checkpointer:
    """`<root>/<stage>/latest.pt`: everything needed to resume, replaced atomically."""

    def __init__(self, stage: str, root: Path | None = None):
        self.dir = (root or checkpoint_root()) / stage
        self.path = self.dir / "latest.pt"

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self) -> dict[str, Any]:
        return torch.load(self.path, map_location="cpu", weights_only=False)

    def save(self, state: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        torch.save(state, tmp)
        # rename is atomic: a kill mid-save leaves the previous checkpoint intact.
        os.replace(tmp, self.path)


def autocast(enabled: bool) -> Any:
    """bf16 autocast on the CPU (about 2x on bf16 CPUs, FACTS.md); a no-op when disabled."""
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled)


def cpu_bf16() -> bool:
    from gpu_worker.pipelines.unclip import cpu_has_bf16

    return cpu_has_bf16()


class Throughput:
    """Samples per second over the last logging window."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.samples = 0

    def add(self, n: int) -> None:
        self.samples += n

    def rate(self) -> float:
        now = time.monotonic()
        rate = self.samples / max(1e-9, now - self.start)
        self.start, self.samples = now, 0
        return rate


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def restore_optimizer(optimizer: torch.optim.Optimizer, state: dict[str, Any] | None) -> int:
    """Load the checkpoint's optimiser state; returns the step the learning-rate warm-up counts from.

    A checkpoint seeded from the committed weights (`gpu_worker.train.seed`) has no
    optimiser state: the fresh optimiser warms up again from the checkpoint's step.
    """
    if state is None:
        return 0
    if state.get("optimizer") is None:
        logger.info("%s: no optimiser state (seeded from %s): warming up again from step %d",
                    state.get("stage"), state.get("seeded_from", "weights"), state["step"])
        return int(state["step"])
    optimizer.load_state_dict(state["optimizer"])
    return 0


def learning_rate(base: float, warmup: int, step: int, warm_from: int = 0) -> float:
    """Linear warm-up over `warmup` steps counted from `warm_from`, then constant."""
    return base * min(1.0, (step - warm_from + 1) / max(1, warmup))
