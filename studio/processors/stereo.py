"""Stereo width processors: overall width with mono bass, and width band by band.

Both draw "how wide each frequency comes out" (side gain relative to mid, in percent)
with ``curves(sr)``: a flat line for a plain width change, a step down to 0 % below
the mono-bass crossover, a blend between band widths around each crossover.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from studio.dsp import stereo
from studio.dsp.control import Envelope
from studio.errors import ParameterError
from studio.processors.base import Capabilities, Curve, Processor, param
from studio.text import t

__all__ = ["MultibandWidth", "StereoWidth"]


def _width_param(default: float) -> Any:
    return param(default, lo=0.0, hi=200.0, unit="%", neutral=100.0, step=1.0)


def _freqs(sr: int) -> np.ndarray:
    return np.geomspace(20.0, min(20000.0, 0.49 * sr), 400)


def _width_curves(freqs: np.ndarray, widths: np.ndarray) -> tuple[Curve, ...]:
    axes = (t("curves.axes.frequency_hz"), t("curves.axes.width_pct"))
    return (
        Curve(freqs, widths, t("curves.names.width"), *axes, x_log=True, y_range=(0.0, 210.0)),
        Curve(
            freqs, np.full_like(freqs, 100.0), t("curves.names.unchanged_width"), *axes, x_log=True
        ),
    )


@dataclass(frozen=True)
class StereoWidth(Processor):
    """Stereo width: narrow or widen the image, and keep the bass in mono.

    Width scales the side (what differs between left and right) and leaves the mid
    (what they share) alone: 0 % folds to mono, 100 % is unchanged, above 100 % widens.
    Mono below sends everything under that frequency to the centre, so the low end
    stays solid on every system (and on a vinyl cut). Listen in mono too: too much width
    makes parts vanish when the speakers are summed.

    Examples
    --------
    >>> import numpy as np
    >>> y = StereoWidth(width_pct=0.0).process(np.array([[1.0, 0.0], [0.0, 1.0]]), 48000)
    >>> y  # mono: both sides the same
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves")

    accepts_channels = (2,)

    width_pct: float = _width_param(100.0)
    mono_below_hz: float = param(
        0.0, lo=0.0, hi=500.0, unit="Hz", neutral=0.0, step=5.0, below_nyquist=True, off=0.0
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        value = self.mono_below_hz
        if isinstance(value, Envelope) and value.range[0] <= 0.0 < value.range[1]:
            raise ParameterError(
                "StereoWidth: mono below (mono_below_hz) can move over time only above 0 Hz "
                "(0 switches it off); start and end the automation at 20 Hz or more."
            )

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Scale the side (above the mono-bass crossover, when it is on)."""
        self.check_rate(sr)
        return stereo.stereo_width(samples, sr, **self.values())

    def width_at(self, freqs_hz: np.ndarray, sr: int) -> np.ndarray:
        """How wide each frequency comes out, in percent (from the filter sections)."""
        if self.mono_below_hz == 0.0:
            return stereo.side_width_pct(freqs_hz, sr, widths_pct=(self.width_pct,))
        return stereo.side_width_pct(
            freqs_hz, sr, widths_pct=(0.0, self.width_pct), crossovers_hz=(self.mono_below_hz,)
        )

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """Width per frequency, beside the unchanged 100 % line."""
        freqs = _freqs(sr)
        return _width_curves(freqs, self.width_at(freqs, sr))


@dataclass(frozen=True)
class MultibandWidth(Processor):
    """Multiband width: a different stereo width for the lows, the mids and the highs.

    Two crossovers split the sound into three bands; each band's side is scaled by its
    own width. A common master move: lows narrow (mono-safe, punchy), mids as they
    are, highs a little wider (air and space) without smearing the centre.

    Examples
    --------
    >>> mb = MultibandWidth(low_width_pct=0.0, mid_width_pct=100.0, high_width_pct=150.0)
    >>> np.round(mb.width_at(np.array([20.0, 1000.0, 16000.0]), 48000))
    array([  0., 100., 150.])
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves")

    accepts_channels = (2,)

    low_width_pct: float = _width_param(0.0)
    mid_width_pct: float = _width_param(100.0)
    high_width_pct: float = _width_param(120.0)
    low_crossover_hz: float = param(
        200.0, lo=20.0, hi=800.0, unit="Hz", scale="log", below_nyquist=True
    )
    high_crossover_hz: float = param(
        4000.0, lo=1000.0, hi=16000.0, unit="Hz", scale="log", below_nyquist=True
    )

    def _bands(self) -> dict[str, tuple[float, ...]]:
        return {
            "widths_pct": (self.low_width_pct, self.mid_width_pct, self.high_width_pct),
            "crossovers_hz": (self.low_crossover_hz, self.high_crossover_hz),
        }

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Scale each band's side by its width."""
        self.check_rate(sr)
        return stereo.multiband_width(samples, sr, **self._bands())

    def width_at(self, freqs_hz: np.ndarray, sr: int) -> np.ndarray:
        """How wide each frequency comes out, in percent (from the filter sections)."""
        self.check_rate(sr)
        return stereo.side_width_pct(freqs_hz, sr, **self._bands())

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """Width per frequency, beside the unchanged 100 % line."""
        freqs = _freqs(sr)
        return _width_curves(freqs, self.width_at(freqs, sr))
