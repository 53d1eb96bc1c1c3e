"""Shared test set-up: a deterministic hypothesis profile and small signal makers."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def sine(freq_hz: float, sr: int, seconds: float, amplitude: float = 1.0, channels: int = 1):
    """A sine tone shaped (channels, frames)."""
    t = np.arange(int(round(seconds * sr))) / sr
    tone = amplitude * np.sin(2 * np.pi * freq_hz * t)
    return np.tile(tone, (channels, 1))
