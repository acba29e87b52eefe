"""Fixtures for the model package's tests: tiny seeded cascades built from explicit configs.

These tests need no Django. Run alone with `-p no:django`, the autouse fixtures
of tests/conftest.py still ask for pytest-django's `settings`; a stand-in that
accepts any attribute is registered then, so they run as no-ops.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


class _SettingsStandIn:
    """Takes any attribute; reads of unset ones give None (no Django in this folder)."""

    def __getattr__(self, name: str) -> Any:
        return None


class _NoDjangoPlugin:
    @pytest.fixture
    def settings(self) -> _SettingsStandIn:
        return _SettingsStandIn()


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.hasplugin("django"):
        config.pluginmanager.register(_NoDjangoPlugin(), "easel-gpu-worker-no-django")


@pytest.fixture(scope="session")
def tiny_cascade():
    from gpu_worker.models import build_cascade, tiny_cascade_config

    return build_cascade(tiny_cascade_config(), seed=0)


@pytest.fixture(scope="session")
def tiny_pipeline(tiny_cascade):
    from gpu_worker.pipelines import UnCLIPPipeline

    return UnCLIPPipeline(tiny_cascade, precision="fp32")


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    """An EASEL_MODELS_DIR holding tiny random models in Karlo's and the x4 upscaler's layouts."""
    from gpu_worker.models.karlo_layout import save_karlo_layout, save_sd_upscaler_layout

    root = tmp_path_factory.mktemp("models")
    save_karlo_layout(root / "karlo-v1-alpha", scale="tiny", seed=0)
    save_sd_upscaler_layout(root / "stable-diffusion-x4-upscaler", seed=0)
    return root


@pytest.fixture(scope="session")
def karlo_dir(models_dir) -> Path:
    return models_dir / "karlo-v1-alpha"


@pytest.fixture(scope="session")
def upscaler_dir(models_dir) -> Path:
    return models_dir / "stable-diffusion-x4-upscaler"


@pytest.fixture
def two_steps():
    """Two sampling steps per stage: enough to exercise every code path."""
    from gpu_worker.pipelines import SamplingOptions

    return SamplingOptions(prior_steps=2, decoder_steps=2, super_res_steps=2, super_res_1024_steps=2)
