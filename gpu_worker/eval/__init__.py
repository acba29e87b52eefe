"""Evaluations of the bundled model: `python -m gpu_worker.eval shapes --n N --seed S --json`."""
