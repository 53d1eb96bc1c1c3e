"""Converters between decibels and linear values."""

from __future__ import annotations

import numpy as np

__all__ = ["db_to_gain", "gain_to_db", "power_to_db"]

#: Level reported for exact silence; ``-inf`` rather than a made-up floor.
SILENCE_DB = -np.inf


def db_to_gain(db: float | np.ndarray) -> float | np.ndarray:
    """Amplitude factor for a level change in dB (+6.02 dB doubles the amplitude)."""
    return np.power(10.0, np.asarray(db) / 20.0) if np.ndim(db) else 10.0 ** (db / 20.0)


def gain_to_db(gain: float | np.ndarray) -> float | np.ndarray:
    """Level in dB of an amplitude factor; 0 gives ``-inf`` (silence), not an error."""
    with np.errstate(divide="ignore"):
        out = 20.0 * np.log10(np.abs(gain))
    return float(out) if np.ndim(out) == 0 else out


def power_to_db(power: float | np.ndarray) -> float | np.ndarray:
    """Level in dB of a power (mean square) value; 0 gives ``-inf``."""
    with np.errstate(divide="ignore"):
        out = 10.0 * np.log10(power)
    return float(out) if np.ndim(out) == 0 else out
