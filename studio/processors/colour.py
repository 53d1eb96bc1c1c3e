"""Colour: saturation and the exciter, tone you hear as warmth, density and air."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from studio.dsp import saturation
from studio.processors.base import Capabilities, Curve, Processor, param
from studio.text import t

__all__ = ["Exciter", "Saturation"]

_AMPLITUDES = np.linspace(-1.0, 1.0, 401)


@dataclass(frozen=True)
class Saturation(Processor):
    """Saturation: drives the sound into a gently bending curve for warmth and density.

    Loud moments are rounded off instead of passing straight; the rounding adds
    harmonics (whole multiples of each note's frequency). Tape is smooth and soft,
    tube adds octave-related (even) harmonics, soft clip flattens peaks firmly. It runs
    at 8x the sample rate, so the new harmonics do not fold back as harsh aliasing.
    What you hear: a part that feels thicker and more forward at the same level; too
    much and it turns fuzzy.

    Examples
    --------
    >>> sat = Saturation(drive_db=20.0, character="soft_clip", auto_gain=False)
    >>> round(float(sat.static_curve([0.1])[0]), 4)  # 10x drive: 1 - 4/27
    0.8519
    """

    capabilities: ClassVar[Capabilities] = Capabilities(
        draws="curves", blend=("mix_pct", "output_db")
    )

    drive_db: float = param(6.0, lo=0.0, hi=24.0, unit="dB", step=0.5)
    character: str = param("tape", choices=saturation.CHARACTERS)
    auto_gain: bool = param(True)
    output_db: float = param(0.0, lo=-24.0, hi=12.0, unit="dB", neutral=0.0, step=0.1)
    mix_pct: float = param(100.0, lo=0.0, hi=100.0, unit="%", neutral=0.0, step=1.0)

    def static_curve(self, amplitude: np.ndarray) -> np.ndarray:
        """Output amplitude for steady input amplitudes (the curve the plot draws)."""
        return saturation.static_curve(
            amplitude,
            drive_db=self.drive_db,
            character=self.character,
            mix_pct=self.mix_pct,
            output_db=self.output_db,
            auto_gain_on=self.auto_gain,
        )

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """The waveshaper curve beside the straight line of a clean signal."""
        axes = (t("curves.axes.input_amplitude"), t("curves.axes.output_amplitude"))
        return (
            Curve(_AMPLITUDES, self.static_curve(_AMPLITUDES), t("curves.names.saturation"), *axes),
            Curve(_AMPLITUDES, _AMPLITUDES.copy(), t("curves.names.clean"), *axes),
        )

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Saturate ``samples`` (a new array of the same shape and dtype)."""
        return saturation.saturate(
            samples,
            sr,
            drive_db=self.drive_db,
            character=self.character,
            mix_pct=self.mix_pct,
            output_db=self.output_db,
            auto_gain_on=self.auto_gain,
        )


@dataclass(frozen=True)
class Exciter(Processor):
    """Exciter: adds new harmonics made from the highs, for presence and air.

    Only the part of the sound above the frequency feeds a gently driven curve; what
    the curve adds (new harmonics, not a louder copy) is blended in. Unlike an EQ
    boost, it can add brightness a dull recording never had. What you hear: a
    clearer, more present top end; too much and it turns brittle and hissy.

    Examples
    --------
    >>> Exciter(amount_pct=0.0).is_neutral()
    True
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves", blend=("amount_pct",))

    freq_hz: float = param(
        3000.0, lo=1000.0, hi=16000.0, unit="Hz", scale="log", below_nyquist=True
    )
    drive_db: float = param(12.0, lo=0.0, hi=24.0, unit="dB", step=0.5)
    amount_pct: float = param(30.0, lo=0.0, hi=100.0, unit="%", neutral=0.0, step=1.0)

    def harmonics_curve(self, amplitude: np.ndarray) -> np.ndarray:
        """What the curve adds to a band of steady amplitude, scaled by the amount."""
        a = np.asarray(amplitude, dtype=np.float64)
        g = 10.0 ** (self.drive_db / 20.0)
        return self.amount_pct / 100.0 * (saturation.shape(g * a, "tube") / g - a)

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """The high band before and after the harmonics are added, and what is added."""
        axes = (t("curves.axes.high_band_amplitude"), t("curves.axes.output_amplitude"))
        added = self.harmonics_curve(_AMPLITUDES)
        return (
            Curve(_AMPLITUDES, _AMPLITUDES + added, t("curves.names.with_harmonics"), *axes),
            Curve(_AMPLITUDES, added, t("curves.names.added"), *axes),
            Curve(_AMPLITUDES, _AMPLITUDES.copy(), t("curves.names.clean"), *axes),
        )

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Add the harmonics (a new array of the same shape and dtype)."""
        self.check_rate(sr)
        return saturation.excite(
            samples,
            sr,
            freq_hz=self.freq_hz,
            drive_db=self.drive_db,
            amount_pct=self.amount_pct,
        )
