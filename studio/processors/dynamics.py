"""The compressor: evens out a part's level so it sits steadily in the mix."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.dsp import dynamics
from studio.processors.base import Processor, param

__all__ = ["Compressor"]


@dataclass(frozen=True)
class Compressor(Processor):
    """Compressor: turns loud moments down so the part sits at a steadier level.

    Above the threshold, every ``ratio`` dB of input gives 1 dB of output; the knee
    eases that in; attack is how quickly it grabs a peak, release how quickly it lets
    go; make-up gain brings the whole part back up. What you hear: a steadier, denser
    part; too much and it goes flat and starts to pump.

    Examples
    --------
    >>> comp = Compressor(threshold_db=-20.0, ratio=4.0, knee_db=0.0)
    >>> float(comp.transfer_curve([-10.0])[0])  # 10 dB over -> 2.5 dB over
    -17.5
    """

    threshold_db: float = param(
        -18.0,
        lo=-60.0,
        hi=0.0,
        unit="dB",
        step=0.5,
        label="threshold",
        help="Level where gain reduction starts: lower it and more of the part is squeezed.",
    )
    ratio: float = param(
        4.0,
        lo=1.0,
        hi=20.0,
        unit=":1",
        scale="log",
        neutral=1.0,
        help="How hard: 2:1 is gentle, 4:1 firm, 10:1 and up is limiting.",
    )
    knee_db: float = param(
        6.0,
        lo=0.0,
        hi=24.0,
        unit="dB",
        step=0.5,
        label="knee",
        help="Soft knee: wider eases compression in around the threshold, less audible.",
    )
    attack_ms: float = param(
        10.0,
        lo=0.1,
        hi=200.0,
        unit="ms",
        scale="log",
        label="attack",
        help="How fast it grabs: fast tames peaks and dulls transients, slow lets the "
        "punch through.",
    )
    release_ms: float = param(
        120.0,
        lo=5.0,
        hi=2000.0,
        unit="ms",
        scale="log",
        label="release",
        help="How fast it lets go: too fast flutters, too slow keeps the part pushed down.",
    )
    makeup_db: float = param(
        0.0,
        lo=-12.0,
        hi=24.0,
        unit="dB",
        neutral=0.0,
        step=0.1,
        label="make-up",
        help="Gain after compression to bring the part back to its level.",
    )

    def _curve_values(self) -> dict[str, float]:
        return {"threshold_db": self.threshold_db, "ratio": self.ratio, "knee_db": self.knee_db}

    def transfer_curve(self, in_db: np.ndarray) -> np.ndarray:
        """Static curve: output level (dB) for steady input levels (dB), make-up included."""
        return dynamics.static_curve_db(in_db, **self._curve_values()) + self.makeup_db

    def gain_reduction_db(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Gain reduction over time in dB (<= 0, one value per frame), before make-up."""
        return dynamics.compressor_gain_db(
            samples,
            sr,
            attack_ms=self.attack_ms,
            release_ms=self.release_ms,
            **self._curve_values(),
        )

    def process_with_trace(self, samples: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(output, gain_reduction_db)`` from one pass (what the panel plots)."""
        return dynamics.compress(samples, sr, **self.values())

    def process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Compress ``samples`` (a new array; the input is not written to)."""
        return self.process_with_trace(samples, sr)[0]
