"""Modulation processors: tremolo, auto-pan, vibrato, chorus, flanger and phaser.

Each one moves something slowly with an LFO (rate, depth and wave shape) and draws its
movement with ``curves(sr)``: the gain, the pan, the pitch or the delay over two LFO
cycles, or for the phaser the notches at the bottom, middle and top of its sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from studio.dsp import modulation as mod
from studio.dsp.control import value_range
from studio.dsp.lfo import LFO_SHAPES
from studio.errors import ParameterError
from studio.processors.base import Capabilities, Curve, Processor, param
from studio.text import t

__all__ = ["AutoPan", "Chorus", "Flanger", "Phaser", "Tremolo", "Vibrato"]

_CYCLES_SHOWN = 2
_POINTS = 600


def _rate(default: float, lo: float, hi: float) -> Any:
    return param(default, lo=lo, hi=hi, unit="Hz", scale="log")


def _depth(default: float, neutral: float | None = None) -> Any:
    return param(default, lo=0.0, hi=100.0, unit="%", neutral=neutral, step=1.0)


def _shape() -> Any:
    return param("sine", choices=LFO_SHAPES)


def _mix(default: float) -> Any:
    return param(default, lo=0.0, hi=100.0, unit="%", neutral=0.0, step=1.0)


def _cycles_sr(rate_hz: float) -> tuple[int, int]:
    """Frame count and a drawing rate that show two LFO cycles in ``_POINTS`` points."""
    return _POINTS, max(1, round(_POINTS * rate_hz / _CYCLES_SHOWN))


def _time_axis(n: int, sr: int) -> np.ndarray:
    return np.arange(n) / sr


@dataclass(frozen=True)
class Tremolo(Processor):
    """Tremolo: the level pulses up and down, like a guitar amp's tremolo.

    The gain swings between unchanged and ``1 - depth`` along the LFO: at 100 % depth
    down to silence, at 50 % down to half (-6 dB). A sine pulses smoothly, a square
    chops; sync the rate to the song's tempo (see ``studio.dsp.lfo.sync_rate_hz``).

    Examples
    --------
    >>> import numpy as np
    >>> y = Tremolo(rate_hz=1.0, depth_pct=100.0).process(np.ones((1, 4)), 4)
    >>> np.round(y, 6)  # gain 0.5, 1, 0.5, 0 over one cycle
    array([[0.5, 1. , 0.5, 0. ]])
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves", blend=("depth_pct",))

    rate_hz: float = _rate(5.0, 0.1, 20.0)
    depth_pct: float = _depth(50.0, neutral=0.0)
    shape: str = _shape()

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Apply the moving gain to every channel."""
        return mod.tremolo(samples, sr, **self.values())

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """The gain over two LFO cycles."""
        n, plot_sr = _cycles_sr(self.rate_hz)
        gain = mod.tremolo_gain(n, plot_sr, **self.values())
        axes = (t("curves.axes.time_s"), t("curves.axes.gain_x"))
        return (
            Curve(_time_axis(n, plot_sr), gain, t("curves.names.gain"), *axes, y_range=(0, 1.05)),
        )


@dataclass(frozen=True)
class AutoPan(Processor):
    """Auto-pan: the sound sweeps between the left and right speakers.

    The pan follows the LFO with the equal-power law, so the sound keeps its loudness
    as it travels; depth sets how far it goes (100 % = all the way to each speaker).
    Mono input comes out as stereo.

    Examples
    --------
    >>> import numpy as np
    >>> AutoPan().process(np.zeros((1, 10)), 48000).shape  # mono in, stereo out
    (2, 10)
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves")

    # Not identity at neutral: mono input always comes out as two channels (for stereo
    # input, depth 0 does leave the sound untouched; tests/test_modulation.py checks it).
    identity_when_neutral = False
    accepts_channels = (1, 2)

    rate_hz: float = _rate(0.5, 0.05, 10.0)
    depth_pct: float = _depth(100.0, neutral=0.0)
    shape: str = _shape()

    def _output_channels(self, n_in: int) -> int:
        """Always two (stereo)."""
        return 2

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Pan mono or stereo input along the LFO; stereo out."""
        if np.shape(samples)[0] not in (1, 2):
            raise ParameterError(
                f"AutoPan takes mono or stereo audio; got {np.shape(samples)[0]} channels."
            )
        return mod.autopan(samples, sr, **self.values())

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """Left and right gains over two LFO cycles (equal power: gL² + gR² = 2)."""
        n, plot_sr = _cycles_sr(self.rate_hz)
        gains = mod.autopan_gains(n, plot_sr, **self.values())
        times = _time_axis(n, plot_sr)
        axes = (t("curves.axes.time_s"), t("curves.axes.gain_x"))
        return (
            Curve(times, gains[0], t("curves.names.left_gain"), *axes, y_range=(0, 1.5)),
            Curve(times, gains[1], t("curves.names.right_gain"), *axes, y_range=(0, 1.5)),
        )


@dataclass(frozen=True)
class Vibrato(Processor):
    """Vibrato: the pitch wavers up and down, like a singer's or a string player's vibrato.

    A delay that grows and shrinks plays the sound slower and faster (the Doppler
    effect); nothing dry is mixed in. Depth is the peak rise in cents (100 cents = a
    semitone); singers use about 20-50 cents at 5-7 Hz.

    Examples
    --------
    >>> v = Vibrato(rate_hz=5.0, depth_cents=30.0)
    >>> round(float(max(v.curves(48000)[0].y)), 1)  # peak rise in cents
    30.0
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves")

    rate_hz: float = _rate(5.5, 0.1, 12.0)
    depth_cents: float = param(20.0, lo=0.0, hi=100.0, unit="cents", neutral=0.0, step=1.0)
    shape: str = _shape()

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Read the input through the moving delay (fully wet)."""
        if self.depth_cents == 0.0:
            return np.array(samples, copy=True)
        return mod.vibrato(samples, sr, **self.values())

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """The pitch change in cents over two LFO cycles (from the delay's speed)."""
        n, plot_sr = _cycles_sr(self.rate_hz)
        fine = 16  # differentiate on a finer grid than drawn
        delay_s = 1e-3 * mod.vibrato_delay_ms(n * fine, plot_sr * fine, **self.values())
        speed = np.gradient(delay_s, 1.0 / (plot_sr * fine))[::fine]
        cents = 1200.0 * np.log2(np.maximum(1.0 - speed, 1e-6))
        axes = (t("curves.axes.time_s"), t("curves.axes.pitch_cents"))
        return (Curve(_time_axis(n, plot_sr), cents, t("curves.names.pitch"), *axes),)


@dataclass(frozen=True)
class Chorus(Processor):
    """Chorus: a few slightly detuned copies thicken the sound into an ensemble.

    Each voice is a copy delayed by about ``delay_ms`` (7-30 ms), its delay swinging
    slowly so its pitch drifts a little; the voices move out of step, and on stereo
    audio the right side's voices move between the left side's (``spread``), which
    widens the image. Mix blends them with the dry sound.

    Examples
    --------
    >>> c = Chorus(delay_ms=15.0, depth_pct=100.0)
    >>> c.delay_range_ms()  # every voice reads between these delays
    (12.0, 18.0)
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves", blend=("mix_pct",))

    rate_hz: float = _rate(0.8, 0.05, 5.0)
    depth_pct: float = _depth(50.0)
    delay_ms: float = param(15.0, lo=7.0, hi=30.0, unit="ms", step=0.5)
    voices: str = param("2", choices=("1", "2", "3", "4"))
    spread_pct: float = param(100.0, lo=0.0, hi=100.0, unit="%", step=1.0)
    mix_pct: float = _mix(50.0)
    shape: str = _shape()

    def delay_range_ms(self) -> tuple[float, float]:
        """Shortest and longest delay any voice reads, in ms."""
        swing = mod.CHORUS_SWING_MS * self.depth_pct / 100.0
        return self.delay_ms - swing, self.delay_ms + swing

    def _kwargs(self) -> dict[str, Any]:
        values = self.values()
        values["voices"] = int(self.voices)
        return values

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Add the moving voices to the dry sound."""
        return mod.chorus(samples, sr, **self._kwargs())

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """The delay every voice reads over two LFO cycles, left and right channel."""
        n, plot_sr = _cycles_sr(self.rate_hz)
        kwargs = self._kwargs()
        kwargs.pop("mix_pct")
        delays = mod.chorus_delays_ms(n, plot_sr, n_channels=2, **kwargs)
        times = _time_axis(n, plot_sr)
        gap = [np.nan]  # one line per voice, drawn as a single curve per side

        def joined(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            xs = np.concatenate([np.concatenate([times, gap]) for _ in rows])
            ys = np.concatenate([np.concatenate([r, gap]) for r in rows])
            return xs, ys

        left, right = joined(delays[0]), joined(delays[1])
        axes = (t("curves.axes.time_s"), t("curves.axes.delay_ms"))
        return (
            Curve(*left, t("curves.names.left_voices"), *axes),
            Curve(*right, t("curves.names.right_voices"), *axes),
        )


@dataclass(frozen=True)
class Flanger(Processor):
    """Flanger: a sweeping comb filter, the "jet plane" whoosh.

    The dry sound plus one copy through a very short delay (0.5-10 ms) cancels evenly
    spaced frequencies (notches at odd multiples of ``1 / (2 * delay)``); the LFO sweeps
    the delay and with it the notches. Feedback sharpens them into a metallic ring.

    Examples
    --------
    >>> Flanger(delay_ms=4.0, depth_pct=100.0).delay_range_ms()  # three octaves of sweep
    (0.5, 4.0)
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves", blend=("mix_pct",))

    rate_hz: float = _rate(0.2, 0.02, 5.0)
    depth_pct: float = _depth(70.0)
    delay_ms: float = param(5.0, lo=1.0, hi=10.0, unit="ms", scale="log")
    feedback_pct: float = param(50.0, lo=-95.0, hi=95.0, unit="%", step=1.0)
    mix_pct: float = _mix(50.0)
    shape: str = _shape()

    def delay_range_ms(self) -> tuple[float, float]:
        """Shortest and longest delay of the sweep, in ms (over any automation too)."""
        shortest, longest = value_range(self.delay_ms)
        deepest = value_range(self.depth_pct)[1]
        return mod.flanger_delay_range_ms(shortest, deepest)[0], longest

    def check_rate(self, sr: int) -> None:
        """Refuse rates at which the shortest delay is not over 2 samples."""
        super().check_rate(sr)
        low = self.delay_range_ms()[0] * sr / 1000.0
        if low <= 2.0:
            raise ParameterError(
                f"Flanger: at {sr} Hz the shortest delay ({self.delay_range_ms()[0]:g} ms) is "
                f"only {low:.2f} samples; it needs more than 2. Use a higher sample rate."
            )

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Mix the dry sound with the swept, fed-back copy."""
        return mod.flanger(samples, sr, **self.values())

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """The delay over two LFO cycles."""
        n, plot_sr = _cycles_sr(self.rate_hz)
        delay = mod.flanger_delay_ms(
            n,
            plot_sr,
            rate_hz=self.rate_hz,
            depth_pct=self.depth_pct,
            delay_ms=self.delay_ms,
            shape=self.shape,
        )
        axes = (t("curves.axes.time_s"), t("curves.axes.delay_ms"))
        return (Curve(_time_axis(n, plot_sr), delay, t("curves.names.delay"), *axes),)


@dataclass(frozen=True)
class Phaser(Processor):
    """Phaser: soft notches sweep up and down the spectrum, a swirling, vocal sound.

    A copy of the sound goes through a chain of all-pass stages that shift its phase
    without changing its level; mixed with the dry sound it cancels where the shift
    reaches 180 degrees (one notch per two stages). The LFO sweeps them around the
    centre frequency; feedback makes them sharper and more resonant.

    Examples
    --------
    >>> len(Phaser(stages="8").notch_frequencies_hz(800.0, 48000))  # stages / 2 notches
    4
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves", blend=("mix_pct",))

    rate_hz: float = _rate(0.5, 0.02, 10.0)
    depth_pct: float = _depth(60.0)
    center_hz: float = param(800.0, lo=100.0, hi=5000.0, unit="Hz", scale="log", below_nyquist=True)
    stages: str = param("4", choices=tuple(str(s) for s in mod.PHASER_STAGES))
    feedback_pct: float = param(0.0, lo=-90.0, hi=90.0, unit="%", step=1.0)
    mix_pct: float = _mix(50.0)
    shape: str = _shape()

    def _kwargs(self) -> dict[str, Any]:
        values = self.values()
        values["stages"] = int(self.stages)
        return values

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Mix the dry sound with the swept all-pass copy."""
        self.check_rate(sr)
        return mod.phaser(samples, sr, **self._kwargs())

    def sweep_hz(self, sr: int) -> tuple[float, float, float]:
        """Break frequency at the bottom, middle and top of the sweep, in Hz."""
        octaves = self.depth_pct / 100.0 * mod.PHASER_SWEEP_OCTAVES / 2.0
        top = mod.PHASER_TOP_FRACTION * sr
        return tuple(min(self.center_hz * 2.0**o, top) for o in (-octaves, 0.0, octaves))

    def response_at(self, freqs_hz: np.ndarray, sr: int, break_hz: float) -> np.ndarray:
        """Level in dB with the sweep held at ``break_hz`` (same coefficients as the audio)."""
        h = mod.phaser_response(
            freqs_hz,
            sr,
            break_hz=break_hz,
            stages=int(self.stages),
            feedback_pct=self.feedback_pct,
            mix_pct=self.mix_pct,
        )
        with np.errstate(divide="ignore"):
            return 20.0 * np.log10(np.abs(h))

    def notch_frequencies_hz(self, break_hz: float, sr: int) -> np.ndarray:
        """Where the chain's phase is an odd multiple of 180 degrees (the notches at 50 %).

        A first-order all-pass turns the phase by ``2 atan(tan(pi f / sr) / tan(pi fb / sr))``
        (0 at DC, 90 degrees at its break ``fb``, 180 at Nyquist); ``stages`` of them make
        ``stages / 2`` notches, at ``tan(pi f / sr) = tan(pi fb / sr) tan(pi (2k + 1) / (2
        stages))`` for ``k = 0 .. stages / 2 - 1``.
        """
        n = int(self.stages)
        k = np.arange(n // 2)
        tb = np.tan(np.pi * break_hz / sr)
        return sr / np.pi * np.arctan(tb * np.tan(np.pi * (2 * k + 1) / (2 * n)))

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """The response at the bottom, middle and top of the sweep: watch the notches move."""
        top = min(20000.0, 0.49 * sr)
        freqs = np.geomspace(20.0, top, 500)
        names = ("sweep_bottom", "sweep_middle", "sweep_top")
        return tuple(
            Curve(
                freqs,
                np.maximum(self.response_at(freqs, sr, f), -60.0),
                t(f"curves.names.{name}"),
                t("curves.axes.frequency_hz"),
                t("curves.axes.level_db"),
                x_log=True,
                y_range=(-40.0, 20.0),
            )
            for name, f in zip(names, self.sweep_hz(sr), strict=True)
        )
