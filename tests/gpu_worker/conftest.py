"""Fixtures for the model package's tests: tiny seeded cascades built from explicit configs.

These tests need no Django: the two autouse fixtures of tests/conftest.py that
touch Django settings are replaced here by no-ops, so the folder also runs with
`-p no:django`.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_media_dir():
    """No media files here (overrides the Django fixture of the same name)."""


@pytest.fixture(autouse=True)
def _run_tasks_eagerly():
    """No Celery here (overrides the Django fixture of the same name)."""


@pytest.fixture(scope="session")
def tiny_cascade():
    from gpu_worker.models import build_cascade, tiny_cascade_config

    return build_cascade(tiny_cascade_config(), seed=0)


@pytest.fixture(scope="session")
def tiny_pipeline(tiny_cascade):
    from gpu_worker.pipelines import UnCLIPPipeline

    return UnCLIPPipeline(tiny_cascade, precision="fp32")


@pytest.fixture(scope="session")
def karlo_dir(tmp_path_factory) -> Path:
    from gpu_worker.models.karlo_layout import save_karlo_layout

    return save_karlo_layout(tmp_path_factory.mktemp("models") / "karlo-v1-alpha", scale="tiny", seed=0)


@pytest.fixture(scope="session")
def upscaler_dir(tmp_path_factory) -> Path:
    from gpu_worker.models.karlo_layout import save_sd_upscaler_layout

    return save_sd_upscaler_layout(tmp_path_factory.mktemp("models") / "stable-diffusion-x4-upscaler", seed=0)


@pytest.fixture
def two_steps():
    """Two sampling steps per stage: enough to exercise every code path."""
    from gpu_worker.pipelines import SamplingOptions

    return SamplingOptions(prior_steps=2, decoder_steps=2, super_res_steps=2, super_res_1024_steps=2)
