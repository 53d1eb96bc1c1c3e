"""Time-varying parameters: a number, an array, or an envelope.

Every continuous parameter of a pure DSP function accepts either a constant or a value
per sample frame, so automation (a vocal ride, a filter sweep) needs no new DSP. An
:class:`Envelope` describes a change with a few breakpoints, the way an automation
lane does, and renders to the per-frame array.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from studio.errors import ParameterError

__all__ = ["Control", "Envelope", "is_varying", "resolve"]


@dataclass(frozen=True)
class Envelope:
    """A parameter that moves over time, given as breakpoints.

    Parameters
    ----------
    times_s : sequence of float
        Breakpoint times in seconds, increasing.
    values : sequence of float
        The parameter's value at each breakpoint, in the parameter's own unit.
    shape : {"linear", "hold"}
        Straight lines between breakpoints, or steps that hold each value.

    Before the first breakpoint the first value holds; after the last, the last.

    Examples
    --------
    >>> ride = Envelope([0.0, 2.0, 2.5], [0.0, 0.0, -6.0])  # dip 6 dB after 2 s
    >>> ride.render(4, sr=1)
    array([ 0.,  0.,  0., -6.])
    """

    times_s: Sequence[float]
    values: Sequence[float]
    shape: str = "linear"

    def __post_init__(self) -> None:
        times = np.asarray(self.times_s, dtype=np.float64)
        values = np.asarray(self.values, dtype=np.float64)
        if times.ndim != 1 or times.shape != values.shape or len(times) == 0:
            raise ParameterError(
                "Envelope: times_s and values must be equally long, non-empty lists; "
                f"got {len(times)} times and {len(values)} values."
            )
        if not (np.all(np.isfinite(times)) and np.all(np.isfinite(values))):
            raise ParameterError("Envelope: times and values must be finite numbers.")
        if np.any(np.diff(times) < 0):
            raise ParameterError("Envelope: times_s must not go backwards.")
        if self.shape not in ("linear", "hold"):
            raise ParameterError(f"Envelope: shape must be 'linear' or 'hold'; got {self.shape!r}.")
        object.__setattr__(self, "times_s", tuple(times.tolist()))
        object.__setattr__(self, "values", tuple(values.tolist()))

    def render(self, n_frames: int, sr: int) -> np.ndarray:
        """The value at every sample frame, as a float64 array of ``n_frames``."""
        t = np.arange(n_frames, dtype=np.float64) / sr
        times = np.asarray(self.times_s)
        values = np.asarray(self.values)
        if self.shape == "hold":
            idx = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(values) - 1)
            return values[idx]
        return np.interp(t, times, values)

    @property
    def range(self) -> tuple[float, float]:
        """Lowest and highest value the envelope reaches."""
        return min(self.values), max(self.values)


#: What a DSP function accepts for a continuous parameter.
Control = float | np.ndarray | Envelope


def resolve(
    value: Control, n_frames: int, sr: int, *, name: str = "parameter"
) -> float | np.ndarray:
    """Turn a parameter into a float (constant) or a float64 array of ``n_frames``.

    Arrays must have exactly one value per frame; an array whose values are all equal
    comes back as a plain float, so constant automation costs nothing extra.
    """
    if isinstance(value, Envelope):
        arr = value.render(n_frames, sr)
    elif np.ndim(value) == 0:
        number = float(value)
        if not np.isfinite(number):
            raise ParameterError(f"{name} must be a finite number; got {value!r}.")
        return number
    else:
        arr = np.asarray(value, dtype=np.float64)
        if arr.ndim != 1 or len(arr) != n_frames:
            raise ParameterError(
                f"{name}: a time-varying value needs one value per frame ({n_frames}); "
                f"got shape {arr.shape}."
            )
        if not np.all(np.isfinite(arr)):
            raise ParameterError(f"{name}: the time-varying value contains NaN or Inf.")
    if len(arr) and arr.min() == arr.max():
        return float(arr[0])
    return arr


def is_varying(value: object) -> bool:
    """True when ``value`` is an array or an envelope rather than one number."""
    return isinstance(value, Envelope) or np.ndim(value) > 0
