"""The parametric equaliser: any number of RBJ-cookbook bands in series."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.dsp.biquad import BAND_KINDS, apply_sos, band_sos, sos_response_db
from studio.errors import ParameterError
from studio.processors.base import Parametric, Processor, items, param

__all__ = ["EQBand", "ParametricEQ"]

#: Band shapes whose gain at 0 dB leaves the sound untouched.
_GAIN_KINDS = ("peak", "low_shelf", "high_shelf")


@dataclass(frozen=True)
class EQBand(Parametric):
    """One band of a parametric EQ: a shape, a frequency, a gain and a width."""

    kind: str = param(
        "peak",
        choices=BAND_KINDS,
        help="Shape: a bell (peak), a shelf lifting or lowering everything above/below, "
        "or a filter removing lows/highs.",
    )
    freq_hz: float = param(
        1000.0,
        lo=20.0,
        hi=20000.0,
        unit="Hz",
        scale="log",
        label="frequency",
        help="Where the band acts: low values move the bass, high values the air.",
    )
    gain_db: float = param(
        0.0,
        lo=-24.0,
        hi=24.0,
        unit="dB",
        neutral=0.0,
        step=0.1,
        label="gain",
        help="Boost (+) or cut (-) at the frequency; cuts before boosts.",
    )
    q: float = param(
        1.0,
        lo=0.1,
        hi=18.0,
        scale="log",
        label="Q",
        help="Width: low Q is a broad, gentle move; high Q a narrow, surgical one.",
    )

    def is_neutral(self) -> bool:
        """Whether the band leaves the sound untouched (a 0 dB bell or shelf)."""
        return self.kind in _GAIN_KINDS and self.gain_db == 0.0

    def summary(self) -> str:
        """One line, e.g. ``"peak at 400 Hz, -4 dB, Q 1.4"``."""
        text = f"{self.kind.replace('_', ' ')} at {self.freq_hz:.4g} Hz"
        if self.kind in _GAIN_KINDS:
            text += f", {self.gain_db:+.1f} dB"
        return text + f", Q {self.q:.2g}"

    def sos(self, sr: int) -> np.ndarray:
        """The band's biquad as a ``(1, 6)`` second-order section at rate ``sr``."""
        return band_sos(self.kind, self.freq_hz, self.gain_db, self.q, sr)


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

    Examples
    --------
    >>> eq = ParametricEQ(bands=[EQBand("high_pass", 80.0, 0.0, 0.707),
    ...                          EQBand("peak", 350.0, -4.0, 1.4)])
    >>> round(float(eq.response_db([350.0], 48000)[0]), 1)
    -4.0
    """

    bands: tuple[EQBand, ...] = items(
        EQBand, _default_bands(), help="The bands, applied one after another."
    )

    def check_rate(self, sr: int) -> None:
        """Refuse bands at or above Nyquist for this sample rate, naming the band."""
        for i, band in enumerate(self.bands, start=1):
            if band.freq_hz >= sr / 2.0:
                raise ParameterError(
                    f"ParametricEQ band {i}: frequency ({band.freq_hz:g} Hz) must be below "
                    f"the Nyquist frequency ({sr / 2:g} Hz) of {sr} Hz audio."
                )

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

    def band_responses_db(self, freqs_hz: np.ndarray, sr: int) -> list[np.ndarray]:
        """Each band's own response in dB (for drawing the bands under the total)."""
        self.check_rate(sr)
        freqs = np.asarray(freqs_hz, dtype=np.float64)
        return [sos_response_db(band.sos(sr), freqs, sr) for band in self.bands]

    def process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Filter ``samples`` through every active band."""
        return apply_sos(samples, self.sos(sr))
