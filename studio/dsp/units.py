"""Converters between decibels and linear values: the one place the formulas live.

* amplitude (a gain, a sample value): ``dB = 20 log10 |g|``, ``g = 10 ** (dB / 20)``;
* power (a mean square, an energy): ``dB = 10 log10 p``, ``p = 10 ** (dB / 10)``.

Silence reads ``-inf`` dB (never a made-up floor) and ``-inf`` dB converts back to 0.

Types follow the input: a Python number gives a Python float, a NumPy scalar a NumPy
scalar and an array an array of the same floating dtype (a float32 array stays float32;
an integer array becomes float64). Pass ``dtype=`` to choose; that is how to keep a
float32 buffer float32 when the level comes from a float64 parameter (NumPy 2 upcasts
``float32_array * float64_scalar`` to float64).

>>> round(db_to_gain(-6.0), 4), round(gain_to_db(0.5), 2), power_to_db(0.0)
(0.5012, -6.02, -inf)
"""

from __future__ import annotations

import math
from typing import Any, overload

import numpy as np

__all__ = ["SILENCE_DB", "db_to_gain", "db_to_power", "gain_to_db", "power_to_db"]

#: Level reported for exact silence; ``-inf`` rather than a made-up floor.
SILENCE_DB = -np.inf


def _float_array(value: Any, dtype: Any) -> np.ndarray:
    arr = np.asarray(value)
    if dtype is not None:
        return arr.astype(dtype, copy=False)
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


_NEPER_PER_DB = math.log(10.0) / 20.0


@overload
def db_to_gain(db: float, dtype: Any = None) -> float: ...
@overload
def db_to_gain(db: np.ndarray, dtype: Any = None) -> np.ndarray: ...
def db_to_gain(db: Any, dtype: Any = None) -> Any:
    """Amplitude factor for a level change in dB (+6.02 dB doubles the amplitude)."""
    if isinstance(db, int | float) and dtype is None:
        return 10.0 ** (db / 20.0)
    arr = _float_array(db, dtype)
    # exp(dB * ln(10) / 20): numpy's exp runs several values at once, its power does not
    # (a 3-minute gain curve: 40 ms against 200 ms), and the two agree to a unit in the
    # last place
    return np.exp(np.multiply(arr, arr.dtype.type(_NEPER_PER_DB)))


@overload
def db_to_power(db: float, dtype: Any = None) -> float: ...
@overload
def db_to_power(db: np.ndarray, dtype: Any = None) -> np.ndarray: ...
def db_to_power(db: Any, dtype: Any = None) -> Any:
    """Power factor for a level change in dB (+3.01 dB doubles the power)."""
    if isinstance(db, int | float) and dtype is None:
        return 10.0 ** (db / 10.0)
    arr = _float_array(db, dtype)
    return np.power(arr.dtype.type(10.0), arr / arr.dtype.type(10.0))


@overload
def gain_to_db(gain: float) -> float: ...
@overload
def gain_to_db(gain: np.ndarray) -> np.ndarray: ...
def gain_to_db(gain: Any) -> Any:
    """Level in dB of an amplitude factor (its magnitude); 0 gives ``-inf``, not an error."""
    with np.errstate(divide="ignore"):
        out = 20.0 * np.log10(np.abs(gain))
    return float(out) if isinstance(gain, int | float) else out


@overload
def power_to_db(power: float) -> float: ...
@overload
def power_to_db(power: np.ndarray) -> np.ndarray: ...
def power_to_db(power: Any) -> Any:
    """Level in dB of a power (mean square) value; 0 gives ``-inf``, not an error."""
    with np.errstate(divide="ignore"):
        out = 10.0 * np.log10(power)
    return float(out) if isinstance(power, int | float) else out
