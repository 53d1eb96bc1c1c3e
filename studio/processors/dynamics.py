"""Dynamics processors: compressor, gate, multiband compressor, transient shaper, limiter.

Each one shows two pictures of itself: its *static curve* (``transfer_curve``: output
level for a steady input level) and its *gain over time* on real audio
(``gain_reduction_db`` / ``process_with_trace``). The multiband compressor and the
transient shaper draw what they add instead (``curves``): the crossover bands, and
one drum hit before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from studio.audio import Audio
from studio.dsp import dynamics, gate, limiter, multiband, transient
from studio.dsp.biquad import apply_sos
from studio.dsp.crossover import band_responses
from studio.processors.base import Capabilities, Curve, Parametric, Processor, items, param
from studio.text import t

__all__ = [
    "Compressor",
    "Gate",
    "Limiter",
    "MultibandBand",
    "MultibandCompressor",
    "TransientShaper",
]

Key = np.ndarray | Audio | None


@dataclass(frozen=True)
class Compressor(Processor):
    """Compressor: turns loud moments down so the part sits at a steadier level.

    Above the threshold, every ``ratio`` dB of input gives 1 dB of output; the knee
    eases that in; attack is how quickly it grabs a peak, release how quickly it lets
    go; make-up gain brings the whole part back up. What you hear: a steadier, denser
    part; too much and it goes flat and starts to pump. The detector can listen for
    peaks or for average (RMS) level, ignore the low end (side-chain high-pass), look
    ahead, or listen to another track (``key=``, e.g. duck the bass under the kick);
    ``mix_pct`` below 100 blends the dry part back in (parallel compression).

    Examples
    --------
    >>> comp = Compressor(threshold_db=-20.0, ratio=4.0, knee_db=0.0)
    >>> float(comp.transfer_curve([-10.0])[0])  # 10 dB over -> 2.5 dB over
    -17.5
    """

    capabilities: ClassVar[Capabilities] = Capabilities(
        draws="transfer", trace=True, sidechain=True, blend=("mix_pct",)
    )

    threshold_db: float = param(-18.0, lo=-60.0, hi=0.0, unit="dB", step=0.5)
    ratio: float = param(4.0, lo=1.0, hi=20.0, unit=":1", scale="log", neutral=1.0)
    knee_db: float = param(6.0, lo=0.0, hi=24.0, unit="dB", step=0.5)
    attack_ms: float = param(10.0, lo=0.1, hi=200.0, unit="ms", scale="log")
    release_ms: float = param(120.0, lo=5.0, hi=2000.0, unit="ms", scale="log")
    makeup_db: float = param(0.0, lo=-12.0, hi=24.0, unit="dB", neutral=0.0, step=0.1)
    auto_makeup: bool = param(False, neutral=False)
    detector: str = param("peak", choices=dynamics.DETECTORS)
    rms_ms: float = param(10.0, lo=1.0, hi=300.0, unit="ms", scale="log")
    lookahead_ms: float = param(0.0, lo=0.0, hi=20.0, unit="ms", neutral=0.0, step=0.1)
    sidechain_hpf_hz: float = param(
        0.0,
        lo=0.0,
        hi=500.0,
        unit="Hz",
        neutral=0.0,
        step=5.0,
        below_nyquist=True,
        off=0.0,
        advanced=True,
    )
    mix_pct: float = param(100.0, lo=0.0, hi=100.0, unit="%", neutral=100.0, step=1.0)

    def _curve_values(self) -> dict[str, Any]:
        return {"threshold_db": self.threshold_db, "ratio": self.ratio, "knee_db": self.knee_db}

    def total_makeup_db(self) -> float:
        """Make-up gain actually applied: ``makeup_db`` plus the automatic part."""
        auto = dynamics.auto_makeup_db(**self._curve_values()) if self.auto_makeup else 0.0
        return self.makeup_db + float(auto)

    def transfer_curve(self, in_db: np.ndarray) -> np.ndarray:
        """Static curve: output level (dB) for steady input levels (dB), make-up included.

        This is the compressed path; with ``mix_pct`` below 100 the dry part is added.
        """
        return dynamics.static_curve_db(in_db, **self._curve_values()) + self.total_makeup_db()

    def _detector_values(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "rms_ms": self.rms_ms,
            "lookahead_ms": self.lookahead_ms,
            "sidechain_hpf_hz": self.sidechain_hpf_hz,
        }

    def gain_reduction_db(self, samples: np.ndarray, sr: int, *, key: Key = None) -> np.ndarray:
        """Gain reduction over time in dB (<= 0, one value per frame), before make-up."""
        self.check_rate(sr)
        return dynamics.compressor_gain_db(
            samples,
            sr,
            attack_ms=self.attack_ms,
            release_ms=self.release_ms,
            key=key,
            **self._curve_values(),
            **self._detector_values(),
        )

    def _process_with_trace(
        self, samples: np.ndarray, sr: int, key: Key = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(output, gain_reduction_db)`` from one pass (what the panel plots).

        ``key``: an external side-chain signal (same length and rate) for the detector.
        """
        self.check_rate(sr)
        return dynamics.compress(samples, sr, key=key, **self.values())

    def _process(self, samples: np.ndarray, sr: int, key: Key = None) -> np.ndarray:
        """Compress ``samples`` (a new array; the input is not written to)."""
        self.check_rate(sr)
        return dynamics.compress(samples, sr, key=key, keep_trace=False, **self.values())[0]

    def run_filtered(self, samples: np.ndarray, sr: int, sos: np.ndarray) -> np.ndarray:
        """``samples`` through biquad sections ``sos`` (an EQ before it), then compressed.

        The numbers of filtering, then :meth:`run`, in one pass where the compressor's
        fast path allows (see :func:`studio.dsp.dynamics.compress_filtered`).
        """
        if self.bypass:
            return apply_sos(samples, sos)
        self.check_rate(sr)
        return dynamics.compress_filtered(samples, sr, sos, **self.values())


@dataclass(frozen=True)
class Gate(Processor):
    """Gate: turns the part down when it goes quiet, so bleed and noise drop away.

    Below the threshold every dB under it becomes ``ratio`` dB under (2:1 is a gentle
    expander, 10:1 and up a gate), by at most ``range_db``. Attack is how fast it
    opens, hold how long it stays open after the level drops, release how fast it
    closes. What you hear: tighter drums, no hiss between phrases; too much and the
    starts and tails of notes get chopped.

    Examples
    --------
    >>> g = Gate(threshold_db=-40.0, ratio=2.0, range_db=60.0)
    >>> float(g.transfer_curve([-50.0])[0])  # 10 dB under -> 20 dB under
    -60.0
    """

    capabilities: ClassVar[Capabilities] = Capabilities(
        draws="transfer", trace=True, sidechain=True
    )

    threshold_db: float = param(-40.0, lo=-80.0, hi=0.0, unit="dB", step=0.5)
    ratio: float = param(10.0, lo=1.0, hi=100.0, unit=":1", scale="log", neutral=1.0)
    range_db: float = param(40.0, lo=0.0, hi=80.0, unit="dB", neutral=0.0, step=1.0)
    attack_ms: float = param(0.5, lo=0.05, hi=50.0, unit="ms", scale="log")
    hold_ms: float = param(50.0, lo=0.0, hi=500.0, unit="ms", step=1.0)
    release_ms: float = param(100.0, lo=5.0, hi=2000.0, unit="ms", scale="log")

    def _curve_values(self) -> dict[str, Any]:
        return {"threshold_db": self.threshold_db, "ratio": self.ratio, "range_db": self.range_db}

    def transfer_curve(self, in_db: np.ndarray) -> np.ndarray:
        """Static curve: output level (dB) for steady input levels (dB)."""
        x = np.asarray(in_db, dtype=np.float64)
        return x + gate.expander_gain_db(x, **self._curve_values())

    def gain_reduction_db(self, samples: np.ndarray, sr: int, *, key: Key = None) -> np.ndarray:
        """Gain reduction over time in dB (<= 0, one value per frame)."""
        return gate.gate_gain_db(samples, sr, key=key, **self.values())

    def _process_with_trace(
        self, samples: np.ndarray, sr: int, key: Key = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(output, gain_reduction_db)``; ``key`` opens the gate instead."""
        return gate.gate(samples, sr, key=key, **self.values())

    def _process(self, samples: np.ndarray, sr: int, key: Key = None) -> np.ndarray:
        """Gate ``samples`` (a new array)."""
        return self._process_with_trace(samples, sr, key=key)[0]


@dataclass(frozen=True)
class MultibandBand(Parametric):
    """One band of a multiband compressor: its own threshold, ratio, times and make-up."""

    threshold_db: float = param(-24.0, lo=-60.0, hi=0.0, unit="dB", step=0.5)
    ratio: float = param(2.0, lo=1.0, hi=20.0, unit=":1", scale="log", neutral=1.0)
    attack_ms: float = param(20.0, lo=0.1, hi=200.0, unit="ms", scale="log")
    release_ms: float = param(200.0, lo=5.0, hi=2000.0, unit="ms", scale="log")
    makeup_db: float = param(0.0, lo=-12.0, hi=12.0, unit="dB", neutral=0.0, step=0.1)


def _default_mb_bands() -> tuple[MultibandBand, ...]:
    return (
        MultibandBand(-24.0, 2.0, 30.0, 250.0, 0.0),
        MultibandBand(-24.0, 2.0, 20.0, 200.0, 0.0),
        MultibandBand(-24.0, 2.0, 10.0, 150.0, 0.0),
    )


@dataclass(frozen=True)
class MultibandCompressor(Processor):
    """Multiband compressor: a compressor per frequency band, low, mid and high.

    Linkwitz-Riley crossovers (24 dB/octave) split the sound at two frequencies; each
    band has its own compressor; the bands are added back together. What you hear: one
    band that misbehaves (a boomy low end, a harsh upper mid) is controlled without
    pumping the rest of the mix.
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves", trace=True)

    # Neutral bands add up to the input through the crossovers' allpass: the same
    # magnitude at every frequency, but the phase turns around each crossover, so the
    # samples are not identical to the input (it sounds the same; the test compares
    # with the allpass-filtered input instead).
    identity_when_neutral: ClassVar[bool] = False

    low_split_hz: float = param(200.0, lo=30.0, hi=800.0, unit="Hz", scale="log")
    high_split_hz: float = param(
        3000.0, lo=1000.0, hi=16000.0, unit="Hz", scale="log", below_nyquist=True
    )
    knee_db: float = param(6.0, lo=0.0, hi=24.0, unit="dB", step=0.5)
    bands: tuple[MultibandBand, ...] = items(MultibandBand, _default_mb_bands(), count=(3, 3))

    @classmethod
    def neutral(cls) -> MultibandCompressor:
        """Every band at ratio 1:1 and 0 dB make-up: only the crossovers' allpass remains."""
        return cls(bands=tuple(MultibandBand.neutral() for _ in range(3)))

    @property
    def crossovers_hz(self) -> tuple[float, float]:
        """The two crossover frequencies."""
        return (self.low_split_hz, self.high_split_hz)

    def _band_settings(self) -> list[dict[str, float]]:
        return [band.values() for band in self.bands]

    def _process_with_trace(self, samples: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(output, gain_reduction_db)``; the trace is ``(3, frames)``, one per band."""
        self.check_rate(sr)
        return multiband.compress_multiband(
            samples,
            sr,
            crossovers_hz=self.crossovers_hz,
            bands=self._band_settings(),
            knee_db=self.knee_db,
        )

    def gain_reduction_db(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Each band's gain reduction over time, ``(3, frames)`` in dB (<= 0)."""
        return self.gain_change_db(samples, sr)

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Compress ``samples`` band by band (a new array)."""
        return self._process_with_trace(samples, sr)[0]

    def band_transfer_curve(self, band: int, in_db: np.ndarray) -> np.ndarray:
        """Static curve of band ``band`` (1 = low, 2 = mid, 3 = high), make-up included."""
        b = self.bands[band - 1]
        curve = dynamics.static_curve_db(
            in_db, threshold_db=b.threshold_db, ratio=b.ratio, knee_db=self.knee_db
        )
        return curve + b.makeup_db

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """The crossover bands' responses (with make-up) and their sum, for quiet input.

        The picture a multiband compressor adds to a compressor's: where the bands split
        and how each is raised or lowered. (Each band's own static curve is an ordinary
        compressor curve: :meth:`band_transfer_curve`.)
        """
        self.check_rate(sr)
        top = min(20000.0, 0.49 * sr)
        freqs = np.geomspace(20.0, top, 300)
        responses = band_responses(self.crossovers_hz, freqs, sr)
        out = []
        total = np.zeros(len(freqs), dtype=complex)
        axes = (t("curves.axes.frequency_hz"), t("curves.axes.gain_db"))
        names = ("low_band", "mid_band", "high_band")
        for name, band, h in zip(names, self.bands, responses, strict=True):
            h = h * 10.0 ** (band.makeup_db / 20.0)
            total += h
            out.append(
                Curve(
                    freqs,
                    20 * np.log10(np.maximum(np.abs(h), 1e-6)),
                    t(f"curves.names.{name}"),
                    *axes,
                    x_log=True,
                    y_range=(-36.0, 15.0),
                )
            )
        out.append(
            Curve(
                freqs,
                20 * np.log10(np.maximum(np.abs(total), 1e-6)),
                t("curves.names.all_bands"),
                *axes,
                x_log=True,
                y_range=(-36.0, 15.0),
            )
        )
        return tuple(out)


#: The drum hit the transient shaper draws itself on (``TransientShaper.curves``).
_HIT_S = 0.4


def _test_hit(sr: int) -> np.ndarray:
    """A snare-like hit at -20 dBFS: 20 ms silence, a sharp onset, a decaying tail."""
    n = int(_HIT_S * sr)
    times = np.arange(n) / sr - 0.02
    on = times >= 0
    noise = np.random.default_rng(3).uniform(-1.0, 1.0, n)
    body = np.sin(2 * np.pi * 190.0 * np.maximum(times, 0.0))
    hit = (
        on
        * (0.6 * noise * np.exp(-np.maximum(times, 0) / 0.05) + 0.4 * body)
        * np.exp(-np.maximum(times, 0) / 0.12)
    )
    return (0.1 * hit / np.max(np.abs(hit)))[np.newaxis, :]


def _envelope_db(x: np.ndarray, sr: int, bin_ms: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    width = max(1, int(bin_ms * 1e-3 * sr))
    n = x.shape[1] // width * width
    peaks = np.abs(x[:, :n]).max(axis=0).reshape(-1, width).max(axis=1)
    times_ms = (np.arange(len(peaks)) + 0.5) * width / sr * 1e3
    return times_ms, 20 * np.log10(np.maximum(peaks, 1e-5))


@dataclass(frozen=True)
class TransientShaper(Processor):
    """Transient shaper: punchier or softer hits, longer or shorter tails.

    It follows the level with a fast and a slow envelope: where the fast one leads (the
    first tens of milliseconds of a hit) ``attack_db`` applies; where the level falls
    faster than a slow envelope (the decay) ``sustain_db`` applies. Steady sounds are
    left alone, whatever their level. What you hear: snappier or softer drums, a
    drier or roomier tail, without a threshold to set.
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves", trace=True)

    attack_db: float = param(6.0, lo=-24.0, hi=24.0, unit="dB", neutral=0.0, step=0.5)
    sustain_db: float = param(0.0, lo=-24.0, hi=24.0, unit="dB", neutral=0.0, step=0.5)

    def transfer_curve(self, in_db: np.ndarray) -> np.ndarray:
        """Static curve: the 1:1 line, since steady levels pass unchanged at any level.

        What a transient shaper changes is the shape of a hit over time: see
        :meth:`curves` and :meth:`gain_reduction_db`.
        """
        return np.array(in_db, dtype=np.float64)

    def gain_reduction_db(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Gain change over time in dB (positive where it boosts)."""
        return transient.transient_gain_db(samples, sr, **self.values())

    def _process_with_trace(self, samples: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(output, gain_db)`` from one pass."""
        return transient.shape_transients(samples, sr, **self.values())

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Shape the transients of ``samples`` (a new array)."""
        return self._process_with_trace(samples, sr)[0]

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """One snare-like hit's level over time before and after (the plot).

        A transient shaper has no static curve to speak of (steady levels pass
        unchanged); what it does is change the shape of a hit over time.
        """
        hit = _test_hit(sr)
        wet = self.process(hit, sr)
        t_in, dry_db = _envelope_db(hit, sr)
        t_out, wet_db = _envelope_db(wet, sr)
        axes = (t("curves.axes.time_ms"), t("curves.axes.level_db"))
        return (
            Curve(t_in, dry_db, t("curves.names.hit_before"), *axes, y_range=(-70.0, 10.0)),
            Curve(t_out, wet_db, t("curves.names.hit_after"), *axes, y_range=(-70.0, 10.0)),
        )


@dataclass(frozen=True)
class Limiter(Processor):
    """Limiter: a true-peak brickwall that makes the master louder without ever clipping.

    The drive (``gain_db``) pushes the master into the limiter; the ceiling is the
    highest true peak (between the samples too) the output may reach; lookahead lets it
    turn down smoothly just before each peak; release is how fast it recovers. What you
    hear: a louder master; too much drive and it goes flat, dull and distorted, and
    streaming services turn it back down anyway.
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="transfer", trace=True)

    # A limiter always acts on peaks above its ceiling: no setting passes every signal
    # unchanged (below the ceiling it is exactly transparent; the tests check that).
    identity_when_neutral: ClassVar[bool] = False

    ceiling_dbtp: float = param(-1.0, lo=-12.0, hi=0.0, unit="dBTP", step=0.1)
    gain_db: float = param(0.0, lo=0.0, hi=24.0, unit="dB", neutral=0.0, step=0.1)
    release_ms: float = param(100.0, lo=1.0, hi=1000.0, unit="ms", scale="log")
    lookahead_ms: float = param(5.0, lo=1.0, hi=10.0, unit="ms", step=0.1)

    def transfer_curve(self, in_db: np.ndarray) -> np.ndarray:
        """Static curve: the drive, then a brickwall at the ceiling."""
        x = np.asarray(in_db, dtype=np.float64)
        return np.minimum(x + self.gain_db, self.ceiling_dbtp)

    def _process_with_trace(self, samples: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(output, gain_reduction_db)``; the output is aligned with the input."""
        return limiter.limit(samples, sr, **self.values())

    def gain_reduction_db(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Gain reduction over time in dB (<= 0; the drive is not included)."""
        return self.gain_change_db(samples, sr)

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Limit ``samples`` (a new array; never above the ceiling, true peak)."""
        return self._process_with_trace(samples, sr)[0]
