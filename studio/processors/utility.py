"""Utility processors: gain, polarity, mute, pan and stereo balance.

The plain tools on every channel strip. Each is a few multiplications (no filtering),
and each draws a picture of what it does: gain its flat frequency response, polarity
and mute a test waveform before and after, pan and balance the gain of each side
across the whole range of positions with the current one marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from studio.dsp.control import Envelope
from studio.dsp.pan import (
    PAN_LAWS,
    POLARITY_CHOICES,
    apply_balance,
    apply_gain,
    apply_pan,
    balance_gains,
    centre_gain_db,
    invert_polarity,
    pan_gains,
)
from studio.dsp.units import db_to_gain
from studio.processors.base import Capabilities, Curve, Processor, param
from studio.text import t

__all__ = ["Balance", "Fader", "Gain", "Mute", "Pan", "Polarity"]

_FLOOR_DB = -60.0  # where silence is drawn on the pan-law plots


def _copy(samples: np.ndarray) -> np.ndarray:
    x = np.asarray(samples)
    return np.array(x, dtype=x.dtype if x.dtype in (np.float32, np.float64) else np.float64)


def _test_wave(sr: int) -> tuple[np.ndarray, np.ndarray]:
    """A short kick-like test shape (a decaying, falling sine) for the waveform plots."""
    times = np.arange(int(0.04 * sr)) / sr
    phase = 2.0 * np.pi * (55.0 * times + 60.0 * (1.0 - np.exp(-times / 0.01)) * 0.01)
    return times * 1e3, np.exp(-times / 0.012) * np.sin(phase)


def _law_text(law: str) -> str:
    return "  " + t("describe.pan.law", law=law.replace("_", " "), centre_db=centre_gain_db(law))


@dataclass(frozen=True)
class Gain(Processor):
    """Gain: turn the whole sound up or down by a number of dB (trim).

    +6 dB doubles the amplitude, -6 dB halves it; nothing else changes (the frequency
    response is flat). Use it to set a healthy level before other processors
    (gain staging) and to compare settings at matched loudness.

    Examples
    --------
    >>> import numpy as np
    >>> Gain(gain_db=-6.0206).process(np.ones((1, 2)), 48000).round(3)
    array([[0.5, 0.5]])
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="response")

    gain_db: float = param(0.0, lo=-60.0, hi=24.0, unit="dB", neutral=0.0, step=0.1)

    def response_db(self, freqs_hz: np.ndarray, sr: int) -> np.ndarray:
        """A flat line at ``gain_db``: every frequency moves by the same amount."""
        return np.full(np.shape(freqs_hz), self.gain_db, dtype=np.float64)

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Scale every sample by ``10 ** (gain_db / 20)``."""
        if self.gain_db == 0.0:
            return _copy(samples)
        return apply_gain(samples, sr, gain_db=self.gain_db)


@dataclass(frozen=True)
class Polarity(Processor):
    """Polarity: flip the waveform upside down, on every channel or on one side.

    Alone, a flipped signal sounds the same. Against another signal it matters: two
    microphones on one drum that push and pull against each other sound thin and
    hollow, and flipping one brings the low end back. ``left``/``right`` flip only
    channel 1 or 2 of a stereo signal (a mono signal needs ``all``).
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves")

    invert: str = param("all", choices=POLARITY_CHOICES, neutral="none")

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """A test waveform before and after, for each side."""
        t_ms, wave = _test_wave(sr)
        flip_left = self.invert in ("all", "left")
        flip_right = self.invert in ("all", "right")
        axes = (t("curves.axes.time_ms"), t("curves.axes.amplitude"))
        return (
            Curve(t_ms, wave, t("curves.names.input"), *axes, y_range=(-1.1, 1.1)),
            Curve(t_ms, -wave if flip_left else wave, t("curves.names.left_output"), *axes),
            Curve(t_ms, -wave if flip_right else wave, t("curves.names.right_output"), *axes),
        )

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Multiply the chosen channels by -1."""
        return invert_polarity(samples, channels=self.invert)


@dataclass(frozen=True)
class Mute(Processor):
    """Mute: silence the sound completely (and hear what the mix is without it).

    Muting a part for a moment is the quickest test of whether it earns its place:
    if the mix sounds no worse without it, it may not need to be there.
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves")

    muted: bool = param(True, neutral=False)

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """A test waveform before and after."""
        t_ms, wave = _test_wave(sr)
        out = np.zeros_like(wave) if self.muted else wave
        axes = (t("curves.axes.time_ms"), t("curves.axes.amplitude"))
        return (
            Curve(t_ms, wave, t("curves.names.input"), *axes, y_range=(-1.1, 1.1)),
            Curve(t_ms, out, t("curves.names.output"), *axes),
        )

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Zeros when muted, an unchanged copy otherwise."""
        out = _copy(samples)
        if self.muted:
            out[...] = 0.0
        return out


def _position_curves(
    gains: tuple[np.ndarray, np.ndarray],
    positions: np.ndarray,
    current: float,
    label: str,
    *,
    n_source_channels: int = 1,
) -> tuple[Curve, ...]:
    """Left, right and total power across positions.

    Total power is relative to the source's own: one channel for a panned mono sound,
    two for a balanced stereo one, so "0 dB" always means "as loud as it came in".
    """
    left, right = (np.asarray(g) for g in gains)
    with np.errstate(divide="ignore"):
        left_db = np.maximum(20.0 * np.log10(left), _FLOOR_DB)
        right_db = np.maximum(20.0 * np.log10(right), _FLOOR_DB)
        power_db = 10.0 * np.log10((left**2 + right**2) / n_source_channels)
    axes = (t("curves.axes.position", control=label), t("curves.axes.gain_db"))
    now = np.array([current, current]), np.array([-30.0, 4.0])
    return (
        Curve(positions, left_db, t("curves.names.left_gain"), *axes, y_range=(-30.0, 4.0)),
        Curve(positions, right_db, t("curves.names.right_gain"), *axes),
        Curve(positions, power_db, t("curves.names.total_power"), *axes),
        Curve(*now, t("curves.names.now"), *axes),
    )


@dataclass(frozen=True)
class Pan(Processor):
    """Pan: place a sound between the left and right speakers.

    A mono input comes out as stereo, spread by the pan law. Why a centred sound is
    not 0 dB per side: the two speakers add up in the room, so a sound at full level
    in both would jump about 3 dB louder whenever it passed the centre. The
    constant-power law puts -3.01 dB in each side at the centre, so the loudness stays
    steady wherever the sound goes; the linear law (-6.02 dB) keeps the *mono sum*
    steady instead, and sounds a little quieter in the middle of a stereo mix; the
    compromise law (-4.52 dB) sits halfway. At the ends every law gives 0 dB on one
    side and silence on the other.

    A stereo input keeps its two channels and is positioned like a balance control:
    the side you pan towards stays at 0 dB and the other side fades along the same law
    (the law's centre value halfway, silence at the end); in the centre it passes
    unchanged. See :class:`Balance`.
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves")

    #: A mono input becomes two channels, each at the law's centre level (-3.01 dB for
    #: the default law) when centred: not the input unchanged, by design.
    identity_when_neutral = False
    accepts_channels = (1, 2)

    pan: float = param(0.0, lo=-1.0, hi=1.0, neutral=0.0, step=0.01)
    law: str = param("constant_power_-3dB", choices=PAN_LAWS)

    def _output_channels(self, n_in: int) -> int:
        """Always stereo: mono is spread to two channels, stereo stays stereo."""
        return 2

    def gains(self) -> tuple[float, float]:
        """Left and right gains (linear) this pan gives a mono sound."""
        return pan_gains(self.pan, self.law)  # type: ignore[return-value]

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """Gain of each side (dB) across every pan position, the current one marked."""
        positions = np.linspace(-1.0, 1.0, 201)
        left, right = pan_gains(positions, self.law)
        gains = (np.asarray(left), np.asarray(right))
        return _position_curves(gains, positions, self.pan, self.spec("pan").label)

    def describe(self) -> str:
        """Settings in words, with the pan law explained."""
        return super().describe() + "\n" + _law_text(self.law)

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Mono -> stereo with the pan law; stereo -> stereo positioned like a balance."""
        return apply_pan(samples, sr, pan=self.pan, law=self.law)


@dataclass(frozen=True)
class Fader(Processor):
    """Fader: a track's level and its place between the speakers, the static balance.

    The one fader of the studio: a mixing desk's channel fader (gain in dB, 0 = unity)
    and pan pot in one step, as the mixdown and the demo session use it. The gain is
    applied first, then the pan: a mono track is spread to stereo by the pan law (so a
    centred mono track sits at the law's centre level in each speaker), a stereo track is
    positioned like a balance control. Both may move over time (fader rides, pan moves).

    Examples
    --------
    >>> import numpy as np
    >>> Fader(gain_db=-6.0206, pan=-1.0).process(np.ones((1, 2)), 48000).round(3)
    array([[0.5, 0.5],
           [0. , 0. ]])
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves")

    #: A mono input becomes two channels: not the input unchanged, by design.
    identity_when_neutral = False
    accepts_channels = (1, 2)

    gain_db: float = param(0.0, lo=-120.0, hi=24.0, unit="dB", neutral=0.0, step=0.1)
    pan: float = param(0.0, lo=-1.0, hi=1.0, neutral=0.0, step=0.01)
    law: str = param("constant_power_-3dB", choices=PAN_LAWS)

    def _output_channels(self, n_in: int) -> int:
        """Always stereo: a mix bus has two sides."""
        return 2

    def gains(self, n_channels: int = 1) -> tuple[float, float]:
        """Left and right gains (linear) for a mono (or, with 2, a stereo) source."""
        level = float(db_to_gain(self.gain_db))
        place = pan_gains if n_channels == 1 else balance_gains
        left, right = place(self.pan, self.law)
        return level * float(left), level * float(right)

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """Gain of each side (dB) across every pan position, the fader's level included."""
        positions = np.linspace(-1.0, 1.0, 201)
        level = float(db_to_gain(self.gain_db))
        left, right = pan_gains(positions, self.law)
        gains = (level * np.asarray(left), level * np.asarray(right))
        return _position_curves(gains, positions, self.pan, self.spec("pan").label)

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Level, then place: mono is panned to stereo, stereo is balanced.

        Settings that do not move are one multiplication per sample (level and place
        folded into one gain per side); moving ones take the per-sample path.
        """
        if not isinstance(self.gain_db, Envelope) and not isinstance(self.pan, Envelope):
            left, right = self.gains(samples.shape[0])
            sides = np.array([[left], [right]], dtype=samples.dtype)
            return np.multiply(samples, sides, dtype=samples.dtype)
        x = samples if self.gain_db == 0.0 else apply_gain(samples, sr, gain_db=self.gain_db)
        return apply_pan(x, sr, pan=self.pan, law=self.law)


@dataclass(frozen=True)
class Balance(Processor):
    """Balance: shift a stereo sound towards one side by turning the other side down.

    The side you move towards stays at 0 dB; the far side fades along the chosen law:
    halfway (+-0.5) it is at the law's centre value (-3.01, -4.52 or -6.02 dB), at the
    end it is silent. In the centre nothing changes. Unlike a pan on a mono sound,
    balance never moves the left channel's content to the right speaker.
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves")

    accepts_channels = (2,)

    balance: float = param(0.0, lo=-1.0, hi=1.0, neutral=0.0, step=0.01)
    law: str = param("constant_power_-3dB", choices=PAN_LAWS)

    def gains(self) -> tuple[float, float]:
        """Left and right gains (linear) at this balance."""
        return balance_gains(self.balance, self.law)  # type: ignore[return-value]

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """Gain of each side (dB) across every balance position, the current one marked."""
        positions = np.linspace(-1.0, 1.0, 201)
        left, right = balance_gains(positions, self.law)
        gains = (np.asarray(left), np.asarray(right))
        label = self.spec("balance").label
        return _position_curves(gains, positions, self.balance, label, n_source_channels=2)

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Turn the far side down; at 0 an unchanged copy."""
        if self.balance == 0.0:
            return _copy(samples)
        return apply_balance(samples, sr, balance=self.balance, law=self.law)
