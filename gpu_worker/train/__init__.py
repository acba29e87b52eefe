"""Training scripts for the bundled cascade: `python -m gpu_worker.train STAGE` (see __main__.py)."""
