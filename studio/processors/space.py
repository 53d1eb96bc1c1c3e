"""Space: reverb and delay, which place a sound in a room and give it depth.

All three are mono-or-stereo in, stereo out: a mono vocal sent to a reverb comes back
as a wide stereo tail. At ``mix_pct = 0`` a stereo input comes back unchanged (bit for
bit) and a mono input comes back as the same signal on both sides.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from studio.dsp import delay as delay_dsp
from studio.dsp import impulses
from studio.dsp import reverb as reverb_dsp
from studio.dsp.control import Envelope
from studio.errors import ParameterError
from studio.io import load_impulse_response
from studio.processors.base import Capabilities, Curve, Processor, param
from studio.text import t

__all__ = ["ConvolutionReverb", "Delay", "Reverb", "decay_curves"]

#: Points per curve sent to a plot (enough to look smooth, small to send).
_CURVE_POINTS = 400
_FLOOR_DB = -80.0


def _top(value: Any) -> float:
    """The largest value a setting takes (an envelope's highest point)."""
    return float(max(value.values)) if isinstance(value, Envelope) else float(value)


def decay_curves(ir: np.ndarray, sr: int) -> tuple[Curve, ...]:
    """Energy decay (Schroeder) of an impulse response: overall, around 1 kHz and 8 kHz.

    The straight-line slope of each curve is the decay rate: where it crosses -60 dB is
    the RT60. Damping shows as the 8 kHz curve falling faster than the 1 kHz one.
    """
    from scipy.signal import butter, sosfilt

    stride = max(1, ir.shape[-1] // _CURVE_POINTS)
    times = np.arange(0, ir.shape[-1], stride) / sr
    labels: dict[str, Any] = {
        "x_label": t("curves.axes.time_s"),
        "y_label": t("curves.axes.energy_to_come_db"),
    }
    out = []
    bands = (("all_frequencies", None), ("around_1khz", 1000.0), ("around_8khz", 8000.0))
    for name, centre in bands:
        h = ir
        if centre is not None:
            if centre * np.sqrt(2.0) >= sr / 2.0:
                continue
            edges = [centre / np.sqrt(2.0), centre * np.sqrt(2.0)]
            h = sosfilt(butter(3, edges, "bandpass", fs=sr, output="sos"), ir, axis=-1)
        db = np.maximum(reverb_dsp.energy_decay_db(h)[::stride], _FLOOR_DB)
        out.append(Curve(times, db, t(f"curves.names.{name}"), y_range=(_FLOOR_DB, 0.0), **labels))
    return tuple(out)


@lru_cache(maxsize=16)
def _reverb_curves(values: tuple[Any, ...], sr: int) -> tuple[Curve, ...]:
    character, pre_delay_ms, decay_s, damping_pct, width_pct = values
    ir = reverb_dsp.reverb_impulse_response(
        sr,
        character=character,
        decay_s=decay_s,
        damping_pct=damping_pct,
        width_pct=width_pct,
        pre_delay_ms=pre_delay_ms,
    )
    return decay_curves(ir, sr)


class _StereoOut:
    """Mixin: mono or stereo in, stereo out (see the module text)."""

    accepts_channels: ClassVar[tuple[int, ...] | None] = (1, 2)

    def _output_channels(self, n_in: int) -> int:
        """Always two: left and right."""
        return 2


@dataclass(frozen=True)
class Reverb(_StereoOut, Processor):
    """Reverb: places the sound in a room, a hall or a plate, with a tail that dies away.

    A network of eight feedback delay lines builds the tail; early reflections and
    diffusion shape the start. What you hear: depth (the sound moves back, away from
    you) and space around it; too much and the mix goes washy and the words blur.

    Examples
    --------
    >>> Reverb(mix_pct=0.0).is_neutral()
    True
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves", blend=("mix_pct",))

    character: str = param("hall", choices=tuple(reverb_dsp.CHARACTERS))
    pre_delay_ms: float = param(20.0, lo=0.0, hi=250.0, unit="ms", step=1.0)
    decay_s: float = param(1.8, lo=0.2, hi=12.0, unit="s", scale="log")
    damping_pct: float = param(40.0, lo=0.0, hi=100.0, unit="%", step=1.0)
    width_pct: float = param(100.0, lo=0.0, hi=100.0, unit="%", step=1.0)
    mix_pct: float = param(25.0, lo=0.0, hi=100.0, unit="%", neutral=0.0, step=1.0)

    def _tail_s(self) -> float:
        """Pre-delay, then the decay down to about -80 dB (4/3 of the 60 dB time)."""
        return _top(self.pre_delay_ms) * 1e-3 + _top(self.decay_s) * 4.0 / 3.0

    def impulse_response(self, sr: int) -> np.ndarray:
        """The reverb's wet response to a click, ``(2, frames)`` (mix ignored)."""
        return reverb_dsp.reverb_impulse_response(
            sr,
            character=self.character,
            decay_s=self.decay_s,
            damping_pct=self.damping_pct,
            width_pct=self.width_pct,
            pre_delay_ms=self.pre_delay_ms,
        )

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """The tail's energy decay over time (cached per setting)."""
        key = (self.character, self.pre_delay_ms, self.decay_s, self.damping_pct, self.width_pct)
        return _reverb_curves(key, int(sr))

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Add the reverb (mono or stereo in, a new stereo array out)."""
        return reverb_dsp.reverb(samples, sr, **self.values())


@dataclass(frozen=True)
class ConvolutionReverb(_StereoOut, Processor):
    """Convolution reverb: plays the sound through the recorded echo of a real space.

    An impulse response (a space's answer to a single click) is convolved with the
    sound, so every sample sets off that space's whole reflection pattern. Built-in
    responses are made in code (small room, hall, plate, spring); set ``ir_path`` to
    use a file of your own (mono or stereo, any sample rate) instead. What you hear:
    the character of that exact space around the sound.

    Examples
    --------
    >>> ConvolutionReverb(ir="plate").ir
    'plate'
    """

    capabilities: ClassVar[Capabilities] = Capabilities(
        draws="curves", blend=("mix_pct", "output_db")
    )

    ir: str = param("hall", choices=impulses.IR_NAMES)
    pre_delay_ms: float = param(0.0, lo=0.0, hi=250.0, unit="ms", step=1.0)
    mix_pct: float = param(25.0, lo=0.0, hi=100.0, unit="%", neutral=0.0, step=1.0)
    output_db: float = param(0.0, lo=-24.0, hi=12.0, unit="dB", neutral=0.0, step=0.1)
    #: Your own impulse response file; when set it replaces the built-in ``ir``.
    ir_path: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.ir_path is None:
            return
        if not isinstance(self.ir_path, str | os.PathLike):
            raise ParameterError(
                f"ConvolutionReverb: ir_path must be a file path; got {self.ir_path!r}."
            )
        path = Path(self.ir_path)
        if not path.is_file():
            raise ParameterError(
                f"ConvolutionReverb: ir_path '{path}' does not exist or is not a file."
            )
        object.__setattr__(self, "ir_path", str(path))

    def to_dict(self) -> dict[str, Any]:
        """Parameters as JSON-ready data, including ``ir_path`` when one is set."""
        data = super().to_dict()
        if self.ir_path is not None:
            data["ir_path"] = self.ir_path
        return data

    def describe_lines(self, indent: str = "  ") -> list[str]:
        """One line per parameter, plus the IR file when one replaces the built-in IR."""
        lines = super().describe_lines(indent)
        if self.ir_path is not None:
            file = Path(self.ir_path).name
            lines.append(indent + t("describe.convolution.ir_file", file=file, ir=repr(self.ir)))
        return lines

    def _tail_s(self) -> float:
        """Pre-delay plus the impulse response's length."""
        frames = self.impulse_response(48000).shape[-1]
        return _top(self.pre_delay_ms) * 1e-3 + frames / 48000.0

    def impulse_response(self, sr: int) -> np.ndarray:
        """The IR in use at rate ``sr`` (unit energy, ``(2, frames)`` float32, read-only)."""
        if self.ir_path is not None:
            return load_impulse_response(self.ir_path, sr)
        return impulses.impulse_response(self.ir, sr)

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """The IR's energy decay over time, pre-delay included."""
        ir = self.impulse_response(sr)
        pad = round(self.pre_delay_ms * 1e-3 * sr)
        if pad:
            ir = np.concatenate([np.zeros((2, pad), dtype=ir.dtype), ir], axis=1)
        return decay_curves(ir, sr)

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Convolve with the IR and mix (mono or stereo in, a new stereo array out)."""
        return reverb_dsp.convolution_reverb(
            samples,
            sr,
            self.impulse_response(sr),
            pre_delay_ms=self.pre_delay_ms,
            mix_pct=self.mix_pct,
            output_db=self.output_db,
        )


@dataclass(frozen=True)
class Delay(_StereoOut, Processor):
    """Delay: repeats the sound as echoes that fade, optionally bouncing left and right.

    Set the time in ms, or lock it to the song's tempo with a note value (a dotted
    eighth is the classic). Feedback makes more repeats; the filters make each repeat
    darker and thinner, so the echoes sit behind the dry sound. What you hear: space
    and rhythm; too much feedback and the echoes pile up into a wash.

    Examples
    --------
    >>> Delay(sync="1/8 dotted", tempo_bpm=120.0).delay_ms()
    375.0
    """

    capabilities: ClassVar[Capabilities] = Capabilities(draws="curves", blend=("mix_pct",))

    time_ms: float = param(350.0, lo=1.0, hi=2000.0, unit="ms", scale="log")
    sync: str = param("off", choices=delay_dsp.SYNC_CHOICES)
    tempo_bpm: float = param(120.0, lo=40.0, hi=240.0, unit="BPM", step=0.5)
    feedback_pct: float = param(35.0, lo=0.0, hi=95.0, unit="%", step=1.0)
    low_cut_hz: float = param(150.0, lo=20.0, hi=2000.0, unit="Hz", scale="log", below_nyquist=True)
    high_cut_hz: float = param(
        6000.0, lo=1000.0, hi=20000.0, unit="Hz", scale="log", below_nyquist=True
    )
    ping_pong: bool = param(False)
    mix_pct: float = param(25.0, lo=0.0, hi=100.0, unit="%", neutral=0.0, step=1.0)

    def _tail_s(self) -> float:
        """Echoes until they have fallen 80 dB (each repeat ``feedback_pct`` of the last)."""
        fb = _top(self.feedback_pct) / 100.0
        repeats = 1 if fb <= 0.0 else int(np.ceil(np.log(1e-4) / np.log(fb))) + 1
        slowest_ms = _top(self.time_ms) if self.sync == "off" else self.delay_ms()
        return min(60.0, repeats * slowest_ms * 1e-3)

    def delay_ms(self) -> float:
        """The echo time in ms: ``time_ms``, or the synced note value at the tempo."""
        if self.sync == "off":
            return self.time_ms
        return float(delay_dsp.note_ms(self.sync, self.tempo_bpm))

    def impulse_response(self, sr: int, seconds: float | None = None) -> np.ndarray:
        """The echoes of a single click, ``(2, frames)`` (wet only)."""
        self.check_rate(sr)
        d_s = self.delay_ms() / 1000.0
        fb = self.feedback_pct / 100.0
        repeats = 1 if fb == 0.0 else min(60, int(np.ceil(np.log(1e-3) / np.log(fb))) + 1)
        length = seconds if seconds is not None else min(12.0, (repeats + 0.5) * d_s)
        click = np.zeros((1, max(2, round(length * sr))))
        click[0, 0] = 1.0
        settings = dataclasses.replace(self, mix_pct=100.0)
        return settings.process(click, sr)

    def echo_levels_db(self, sr: int, freq_hz: float = 1000.0) -> tuple[np.ndarray, np.ndarray]:
        """When the echoes come and how loud they are, from the delay's own coefficients.

        Echo ``k`` (1, 2, ...) arrives ``k`` delay times after the sound, at
        ``mix * feedback**(k-1) * |H(freq_hz)|**k`` of a centred input's level, ``H``
        being the repeats' filters (each echo passes them once more). In ping-pong the
        odd echoes are on the left, the even ones on the right.

        Returns
        -------
        times_s : numpy.ndarray
            Arrival time of each echo (until it falls below -60 dB, at most 60).
        levels_db : numpy.ndarray
            ``(2, repeats)`` level per channel in dB (``-inf`` where a channel is silent).
        """
        from studio.dsp.biquad import sos_response

        self.check_rate(sr)
        low, high = np.asarray(self.low_cut_hz), np.asarray(self.high_cut_hz)
        coefs = delay_dsp.feedback_sos(low, high, sr)[0]
        sos = np.insert(coefs, 3, 1.0, axis=1)  # (b0, b1, b2, 1, a1, a2) per section
        loss_db = 20.0 * np.log10(abs(sos_response(sos, np.array([freq_hz]), sr)[0]))
        fb = self.feedback_pct / 100.0
        step_db = loss_db + (20.0 * np.log10(fb) if fb > 0.0 else -np.inf)
        with np.errstate(divide="ignore"):
            first_db = 20.0 * np.log10(self.mix_pct / 100.0) + loss_db
        k = np.arange(1, 61)
        levels = first_db + np.where(k > 1, (k - 1) * step_db, 0.0)
        keep = k * self.delay_ms() <= 12000.0
        keep &= (levels >= -60.0) | (k == 1)
        k, levels = k[keep], levels[keep]
        both = np.vstack([levels, levels])
        if self.ping_pong:
            both[1, k % 2 == 1] = -np.inf
            both[0, k % 2 == 0] = -np.inf
        return k * self.delay_ms() / 1000.0, both

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """The echo pattern: the dry sound at 0 s, then one spike per echo at its level."""
        times, levels = self.echo_levels_db(sr)
        floor = -60.0
        with np.errstate(divide="ignore"):
            dry_db = 20.0 * np.log10(1.0 - self.mix_pct / 100.0)
        labels: dict[str, Any] = {
            "x_label": t("curves.axes.time_s"),
            "y_label": t("curves.axes.level_1khz_db"),
        }
        x = np.repeat(np.concatenate([[0.0], times]), 3)
        out = []
        for ch, name in enumerate((t("curves.names.left"), t("curves.names.right"))):
            y = np.full(len(x), floor)
            y[1::3] = np.maximum(np.concatenate([[dry_db], levels[ch]]), floor)
            out.append(Curve(x, y, name, y_range=(floor, 3.0), **labels))
        return tuple(out)

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Add the echoes (mono or stereo in, a new stereo array out)."""
        self.check_rate(sr)
        return delay_dsp.echo(
            samples,
            sr,
            time_ms=self.delay_ms(),
            feedback_pct=self.feedback_pct,
            low_cut_hz=self.low_cut_hz,
            high_cut_hz=self.high_cut_hz,
            ping_pong=self.ping_pong,
            mix_pct=self.mix_pct,
        )
