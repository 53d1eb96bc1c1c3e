"""Filters: high and low pass (6 to 48 dB per octave), notch, band pass and tilt EQ.

Every filter here is linear, so it exposes ``sos(sr)`` (the second-order sections it
filters with) and ``response_db(freqs_hz, sr)`` computed from those same coefficients:
the curve in the panel is exactly what the sound goes through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from studio.dsp import filters
from studio.dsp.biquad import apply_sos, band_sos, sos_response_db
from studio.dsp.filters import SLOPES_DB_PER_OCT, butterworth_sos, tilt_sos
from studio.errors import ParameterError
from studio.processors.base import Capabilities, Processor, param

__all__ = ["BandPass", "HighPass", "LowPass", "Notch", "TiltEQ"]


class _LinearFilter:
    """Mixin for the filters: response from ``sos``, filtering with ``sos``.

    Not a Processor itself (so it is not registered as one); each filter lists it
    before :class:`Processor`.
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="response")

    #: The pure function that filters with moving parameters (``samples, sr, **values``).
    moving_filter: ClassVar[Callable[..., np.ndarray]]

    def sos(self, sr: int) -> np.ndarray:
        """Second-order sections ``(n, 6)`` at rate ``sr``."""
        raise NotImplementedError

    def _fixed(self) -> None:
        """Refuse to give one set of coefficients for settings that move over time."""
        if self.moves:  # type: ignore[attr-defined]
            raise ParameterError(
                f"{type(self).__name__} moves over time, so it has no single response; "
                "take the settings at one moment with .at(t_s) first."
            )

    def response_db(self, freqs_hz: np.ndarray, sr: int) -> np.ndarray:
        """Magnitude response in dB at ``freqs_hz``, from the coefficients it filters with."""
        return sos_response_db(self.sos(sr), np.asarray(freqs_hz, dtype=np.float64), sr)

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Filter every channel (a new array of the same dtype), following any automation."""
        if self.moves:  # type: ignore[attr-defined]
            values = self.values()  # type: ignore[attr-defined]
            return type(self).moving_filter(samples, sr, **values)
        return apply_sos(samples, self.sos(sr))


def _slope_param(default: str) -> Any:
    return param(default, choices=SLOPES_DB_PER_OCT)


def _normalise_slope(proc: Processor) -> None:
    """Accept the slope as a number too (``24`` becomes the choice ``"24"``)."""
    value = proc.slope_db_per_oct  # type: ignore[attr-defined]
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and str(int(value)) in SLOPES_DB_PER_OCT:
            object.__setattr__(proc, "slope_db_per_oct", str(int(value)))


@dataclass(frozen=True)
class HighPass(_LinearFilter, Processor):
    """High pass: remove the lows below a cutoff (rumble, handling noise, mud).

    Butterworth: flat above the cutoff, exactly -3.01 dB at it, then falling by the
    chosen slope per octave (6 dB is one first-order section; each further 12 dB one
    more biquad with the Butterworth Q of that order). What you hear: a cleaner,
    lighter low end; too high and the part gets thin.

    Examples
    --------
    >>> hp = HighPass(freq_hz=100.0, slope_db_per_oct="24")
    >>> round(float(hp.response_db([100.0], 48000)[0]), 2)
    -3.01
    """

    moving_filter = staticmethod(filters.high_pass)

    #: A high pass always removes some lows and shifts phase around its cutoff: no
    #: setting is bit-transparent (switch it off instead).
    identity_when_neutral = False

    freq_hz: float = param(80.0, lo=20.0, hi=96000.0, unit="Hz", scale="log", below_nyquist=True)
    slope_db_per_oct: str = _slope_param("12")

    def __post_init__(self) -> None:
        _normalise_slope(self)
        super().__post_init__()

    def sos(self, sr: int) -> np.ndarray:
        """Butterworth sections ``(n, 6)`` at rate ``sr``."""
        self._fixed()
        self.check_rate(sr)
        return butterworth_sos("high_pass", self.freq_hz, self.slope_db_per_oct, sr)


@dataclass(frozen=True)
class LowPass(_LinearFilter, Processor):
    """Low pass: remove the highs above a cutoff (hiss, harshness, to push a part back).

    Butterworth, like :class:`HighPass` mirrored: flat below the cutoff, exactly
    -3.01 dB at it, then falling by the chosen slope per octave. What you hear: a
    darker, softer, more distant part.

    Examples
    --------
    >>> lp = LowPass(freq_hz=5000.0, slope_db_per_oct="6")
    >>> round(float(lp.response_db([5000.0], 48000)[0]), 2)
    -3.01
    """

    moving_filter = staticmethod(filters.low_pass)

    #: A low pass always removes some highs and shifts phase: never bit-transparent.
    identity_when_neutral = False

    freq_hz: float = param(12000.0, lo=20.0, hi=96000.0, unit="Hz", scale="log", below_nyquist=True)
    slope_db_per_oct: str = _slope_param("12")

    def __post_init__(self) -> None:
        _normalise_slope(self)
        super().__post_init__()

    def sos(self, sr: int) -> np.ndarray:
        """Butterworth sections ``(n, 6)`` at rate ``sr``."""
        self._fixed()
        self.check_rate(sr)
        return butterworth_sos("low_pass", self.freq_hz, self.slope_db_per_oct, sr)


@dataclass(frozen=True)
class Notch(_LinearFilter, Processor):
    """Notch: cut one narrow band right down to silence (hum, a ringing resonance).

    The RBJ cookbook notch: silence exactly at the centre frequency, 0 dB far from it,
    -3 dB at the edges of a band ``freq_hz / q`` wide. What you hear: usually little,
    which is the point; the whine or hum is gone.
    """

    moving_filter = staticmethod(filters.notch)

    #: A notch always removes its centre frequency: there is no neutral setting.
    identity_when_neutral = False

    freq_hz: float = param(60.0, lo=20.0, hi=96000.0, unit="Hz", scale="log", below_nyquist=True)
    q: float = param(8.0, lo=0.5, hi=50.0, scale="log")

    def sos(self, sr: int) -> np.ndarray:
        """One RBJ notch biquad ``(1, 6)`` at rate ``sr``."""
        self._fixed()
        self.check_rate(sr)
        return band_sos("notch", self.freq_hz, 0.0, self.q, sr)


@dataclass(frozen=True)
class BandPass(_LinearFilter, Processor):
    """Band pass: keep only a band around a frequency (the telephone or radio sound).

    The RBJ cookbook band pass with 0 dB at the centre, falling away on both sides
    (-3 dB at the edges of a band ``freq_hz / q`` wide). What you hear: a thin,
    focused sound; sweeping it finds where a part lives.
    """

    moving_filter = staticmethod(filters.band_pass)

    #: A band pass always removes everything away from its band: no neutral setting.
    identity_when_neutral = False

    freq_hz: float = param(1000.0, lo=20.0, hi=96000.0, unit="Hz", scale="log", below_nyquist=True)
    q: float = param(0.7, lo=0.1, hi=18.0, scale="log")

    def sos(self, sr: int) -> np.ndarray:
        """One RBJ band-pass biquad ``(1, 6)`` at rate ``sr``."""
        self._fixed()
        self.check_rate(sr)
        return band_sos("band_pass", self.freq_hz, 0.0, self.q, sr)


@dataclass(frozen=True)
class TiltEQ(_LinearFilter, Processor):
    """Tilt EQ: lean the whole spectrum brighter or darker around a pivot frequency.

    One gentle first-order shelving section (the low and high shelves of a classic
    tilt control moving together): exactly ``-tilt_db`` at 0 Hz, 0 dB at the pivot and
    ``+tilt_db`` at the top (Nyquist), symmetric in octaves around the pivot. A
    positive tilt lifts the treble and lowers the bass at once. What you hear: a quick,
    natural-sounding change of overall tone colour (mastering's favourite broad move).

    Examples
    --------
    >>> eq = TiltEQ(tilt_db=3.0, pivot_hz=1000.0)
    >>> [round(float(v), 2) for v in eq.response_db([1e-3, 1000.0, 23999.999], 48000)]
    [-3.0, 0.0, 3.0]
    """

    moving_filter = staticmethod(filters.tilt)

    tilt_db: float = param(0.0, lo=-6.0, hi=6.0, unit="dB", neutral=0.0, step=0.1)
    pivot_hz: float = param(
        1000.0, lo=100.0, hi=10000.0, unit="Hz", scale="log", below_nyquist=True
    )

    def sos(self, sr: int) -> np.ndarray:
        """The tilt section ``(1, 6)``; no sections at 0 dB (exactly neutral)."""
        self._fixed()
        self.check_rate(sr)
        if self.tilt_db == 0.0:
            return np.zeros((0, 6))
        return tilt_sos(self.tilt_db, self.pivot_hz, sr)
