"""The parametric equaliser (any number of RBJ-cookbook bands) and the dynamic EQ band.

:class:`ParametricEQ` filters with the bands' biquads in series (``phase="minimum"``,
like an analogue EQ) or, for mastering, with one linear-phase FIR filter that has the
same magnitude response (``phase="linear"``). :class:`DynamicEQ` is one band whose gain
follows the level in that band.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from studio.dsp.biquad import BAND_KINDS, apply_sos, band_sos, sos_response_db
from studio.dsp.filters import (
    DYNAMIC_KINDS,
    DYNAMIC_MODES,
    convolve_aligned,
    dynamic_eq,
    dynamic_eq_gain_db,
    eq_band,
    linear_phase_taps,
)
from studio.errors import ParameterError
from studio.processors.base import Capabilities, Parametric, Processor, items, param
from studio.text import t

__all__ = ["DynamicEQ", "EQBand", "ParametricEQ"]

#: How a ParametricEQ filters: biquads (minimum phase) or one linear-phase FIR.
PHASE_MODES = ("minimum", "linear")

#: Band shapes whose gain at 0 dB leaves the sound untouched.
_GAIN_KINDS = ("peak", "low_shelf", "high_shelf")


@dataclass(frozen=True)
class EQBand(Parametric):
    """One band of a parametric EQ: a shape, a frequency, a gain and a width."""

    kind: str = param("peak", choices=BAND_KINDS)
    freq_hz: float = param(1000.0, lo=20.0, hi=96000.0, unit="Hz", scale="log", below_nyquist=True)
    gain_db: float = param(0.0, lo=-24.0, hi=24.0, unit="dB", neutral=0.0, step=0.1)
    q: float = param(1.0, lo=0.1, hi=18.0, scale="log")

    def is_neutral(self) -> bool:
        """Whether the band leaves the sound untouched (a 0 dB bell or shelf)."""
        return self.kind in _GAIN_KINDS and self.gain_db == 0.0

    def summary(self) -> str:
        """One line, e.g. ``"peak at 400 Hz, -4 dB, Q 1.4"``."""
        kind = self.kind.replace("_", " ")
        if self.moves:  # every value with its label (the moving ones say how they move)
            values = super().summary().split(", ", 1)[1]
            return t("describe.eq_band.summary_moving", kind=kind, values=values)
        key = "summary" if self.kind in _GAIN_KINDS else "summary_no_gain"
        return t(
            f"describe.eq_band.{key}",
            kind=kind,
            freq=f"{self.freq_hz:.4g} Hz",
            gain=f"{self.gain_db:+.1f} dB",
            q=f"{self.q:.2g}",
        )

    def sos(self, sr: int) -> np.ndarray:
        """The band's biquad as a ``(1, 6)`` second-order section at rate ``sr``."""
        if self.moves:
            raise ParameterError(
                "EQBand moves over time, so it has no single set of coefficients; take the "
                "settings at one moment with .at(t_s) first."
            )
        return band_sos(self.kind, self.freq_hz, self.gain_db, self.q, sr)

    def filter(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Filter through this band alone, following any automation of its values."""
        return eq_band(
            samples, sr, kind=self.kind, freq_hz=self.freq_hz, gain_db=self.gain_db, q=self.q
        )


def _default_bands() -> tuple[EQBand, ...]:
    return (
        EQBand("low_shelf", 100.0, 0.0, 0.707),
        EQBand("peak", 400.0, 0.0, 1.0),
        EQBand("peak", 2500.0, 0.0, 1.0),
        EQBand("high_shelf", 8000.0, 0.0, 0.707),
    )


@dataclass(frozen=True)
class ParametricEQ(Processor):
    """Parametric EQ: shape the tone with bells, shelves and filters, band by band.

    Bands run in series. What you hear: a cut of a few dB where two instruments fight
    makes room for both; a broad boost lifts a range; a high-pass removes rumble that
    only muddies the low end.

    ``phase="minimum"`` (the default) filters with the bands' biquads, like an
    analogue EQ: each band shifts the timing of the frequencies it touches a little.
    ``phase="linear"`` (mastering mode) filters with one symmetric FIR filter that has
    exactly the same magnitude response (``response_db`` is the same curve) and delays
    every frequency by the same amount; that delay is removed, so the output lines up
    with the input. The price is pre-ringing: the filter rings before a transient as
    well as after it, which a narrow or low, deep band can make audible as a soft
    pre-echo ahead of drum hits. The FIR is as long as the slowest band needs to ring
    out (at 48 kHz from 4095 taps, 85 ms, for gentle moves up to 131071 taps, 2.7 s,
    for a very narrow low bell; see :func:`studio.dsp.filters.fir_length`).

    Examples
    --------
    >>> eq = ParametricEQ(bands=[EQBand("high_pass", 80.0, 0.0, 0.707),
    ...                          EQBand("peak", 350.0, -4.0, 1.4)])
    >>> round(float(eq.response_db([350.0], 48000)[0]), 1)
    -4.0
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="response")

    bands: tuple[EQBand, ...] = items(EQBand, _default_bands())
    phase: str = param("minimum", choices=PHASE_MODES)

    def sos(self, sr: int) -> np.ndarray:
        """All active bands as second-order sections ``(n_active, 6)``.

        Bands at 0 dB (bells and shelves) are left out: they are exactly neutral.
        """
        self.check_rate(sr)
        active = [band.sos(sr) for band in self.bands if not band.is_neutral()]
        return np.concatenate(active) if active else np.zeros((0, 6))

    def response_db(self, freqs_hz: np.ndarray, sr: int) -> np.ndarray:
        """Magnitude response in dB at ``freqs_hz``, from the same coefficients as the sound."""
        return sos_response_db(self.sos(sr), np.asarray(freqs_hz, dtype=np.float64), sr)

    def response_parts_db(self, freqs_hz: np.ndarray, sr: int) -> list[np.ndarray]:
        """Each band's own response in dB, drawn thin under the total."""
        return self.band_responses_db(freqs_hz, sr)

    def band_responses_db(self, freqs_hz: np.ndarray, sr: int) -> list[np.ndarray]:
        """Each band's own response in dB (for drawing the bands under the total)."""
        self.check_rate(sr)
        freqs = np.asarray(freqs_hz, dtype=np.float64)
        return [sos_response_db(band.sos(sr), freqs, sr) for band in self.bands]

    def fir_taps(self, sr: int) -> np.ndarray:
        """The linear-phase FIR (odd length, symmetric) used when ``phase="linear"``."""
        sos = np.ascontiguousarray(self.sos(sr), dtype=np.float64)
        return _linear_phase_taps_cached(sos.tobytes(), len(sos), sr)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.phase == "linear" and self.moves:
            raise ParameterError(
                "ParametricEQ: a linear-phase EQ cannot move over time (its one long filter "
                "is designed for fixed settings); use phase='minimum' for automated bands."
            )

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Filter ``samples`` through every active band (biquads or the linear-phase FIR)."""
        if self.moves:
            return self._process_moving(samples, sr)
        sos = self.sos(sr)
        if self.phase == "minimum" or len(sos) == 0:
            return apply_sos(samples, sos)
        return convolve_aligned(samples, self.fir_taps(sr))

    def _process_moving(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Bands in series: runs of fixed bands as one cascade, moving bands one by one."""
        out = samples
        fixed: list[np.ndarray] = []
        for band in self.bands:
            if band.moves:
                if fixed:
                    out = apply_sos(out, np.concatenate(fixed))
                    fixed = []
                out = band.filter(out, sr)
            elif not band.is_neutral():
                fixed.append(band.sos(sr))
        if fixed or out is samples:
            out = apply_sos(out, np.concatenate(fixed) if fixed else np.zeros((0, 6)))
        return out


@lru_cache(maxsize=16)
def _linear_phase_taps_cached(sos_bytes: bytes, n_sections: int, sr: int) -> np.ndarray:
    sos = np.frombuffer(sos_bytes, dtype=np.float64).reshape(n_sections, 6)
    taps = linear_phase_taps(sos, sr)
    taps.setflags(write=False)  # shared between calls: nobody may change it
    return taps


@dataclass(frozen=True)
class DynamicEQ(Processor):
    """Dynamic EQ: one band that cuts only when that band gets loud (or lifts when quiet).

    A bell or shelf whose gain follows the level *in its own band*: a detector listens
    through a band pass at the band's frequency and Q (a low/high pass for the
    shelves), and the band compresses what it hears. In ``cut_when_loud`` mode the
    band is cut by ``1 - 1/ratio`` dB for every dB the band rises above the threshold,
    at most ``range_db``; in ``boost_when_quiet`` mode it is lifted by the same rule
    for every dB below the threshold. Attack and release set how fast the gain moves.
    What you hear: harsh "s" sounds or a boomy note tamed only when they happen, the
    rest of the time the band is left alone.

    Examples
    --------
    >>> deess = DynamicEQ(freq_hz=6500.0, threshold_db=-30.0, ratio=4.0, range_db=12.0)
    >>> float(deess.transfer_curve([-10.0])[0])  # 20 dB over: 15 dB cut, capped at 12
    -22.0
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="transfer", trace=True)

    kind: str = param("peak", choices=DYNAMIC_KINDS)
    freq_hz: float = param(3000.0, lo=20.0, hi=96000.0, unit="Hz", scale="log", below_nyquist=True)
    q: float = param(2.0, lo=0.1, hi=18.0, scale="log")
    threshold_db: float = param(-30.0, lo=-60.0, hi=0.0, unit="dB", step=0.5)
    ratio: float = param(3.0, lo=1.0, hi=20.0, unit=":1", scale="log", neutral=1.0)
    range_db: float = param(6.0, lo=0.0, hi=24.0, unit="dB", neutral=0.0, step=0.5)
    attack_ms: float = param(5.0, lo=0.1, hi=200.0, unit="ms", scale="log")
    release_ms: float = param(120.0, lo=5.0, hi=2000.0, unit="ms", scale="log")
    mode: str = param("cut_when_loud", choices=DYNAMIC_MODES)

    def static_gain_db(self, level_db: np.ndarray) -> np.ndarray:
        """Band gain (dB) for steady band levels (dB): 0, cut (-) or boost (+)."""
        return dynamic_eq_gain_db(
            level_db,
            threshold_db=self.threshold_db,
            ratio=self.ratio,
            range_db=self.range_db,
            mode=self.mode,
        )

    def transfer_curve(self, in_db: np.ndarray) -> np.ndarray:
        """Static curve: output band level (dB) for a steady band level (dB) going in."""
        level = np.asarray(in_db, dtype=np.float64)
        return level + self.static_gain_db(level)

    def band_response_db(self, freqs_hz: np.ndarray, sr: int, gain_db: float) -> np.ndarray:
        """Frequency response (dB) of the band when its gain is ``gain_db``."""
        self.check_rate(sr)
        sos = band_sos(self.kind, self.freq_hz, gain_db, self.q, sr)
        return sos_response_db(sos, np.asarray(freqs_hz, dtype=np.float64), sr)

    def _process_with_trace(self, samples: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(output, band_gain_db)``: the band's gain at every frame."""
        self.check_rate(sr)
        values = self.values()
        return dynamic_eq(samples, sr, **values)

    def gain_reduction_db(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Band gain over time (dB; negative cut, positive boost), one value per frame."""
        return self.gain_change_db(samples, sr)

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Apply the dynamic band (a new array; the input is not written to)."""
        return self._process_with_trace(samples, sr)[0]
