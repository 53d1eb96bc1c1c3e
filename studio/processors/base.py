"""The processor base class, its declared capabilities, presets, and the composites.

A processor is a frozen dataclass whose fields are its parameters, declared with
:func:`~studio.params.param` (see :mod:`studio.params` for specs, paths and nesting).
Processing is pure: ``proc(audio)`` returns new audio and never writes to its input.

What a processor can do beyond processing is *declared* in its :class:`Capabilities`
(what it can draw, whether it reports its gain over time, whether it listens to a
side-chain key, whether it changes the sample rate, which of its parameters only blend
the finished wet signal), so views and the preview engine never have to guess.

Subclasses implement ``_process(samples, sr)`` (and ``_process_with_trace`` when they
declare ``trace``; both take ``key=`` when they declare ``sidechain``). The public
:meth:`Processor.process` checks the input first (finite samples, channel count,
parameters possible at this rate), honours ``bypass``, then calls them.

Two composites are processors like any other and nest freely: :class:`Chain` (stages in
series, a bypass on each) and :class:`Parallel` (branches summed, each with its own gain,
with a dry/wet amount and latency alignment).
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from studio.audio import Audio, as_samples, read_only
from studio.dsp.control import Envelope, resolve
from studio.dsp.units import db_to_gain
from studio.errors import AudioDataError, ParameterError, PresetError
from studio.params import (
    Parametric,
    ParamSpec,
    child,
    format_path,
    items,
    param,
    parametric_class,
    registered,
)
from studio.text import t

__all__ = [
    "Branch",
    "Capabilities",
    "Chain",
    "Curve",
    "ParamSpec",
    "Parallel",
    "Parametric",
    "Processor",
    "items",
    "load_preset",
    "param",
    "processor_from_dict",
    "registered_processors",
]

PRESET_VERSION = 2

#: What a processor draws about itself in a panel.
DRAWINGS = ("response", "transfer", "curves")


@dataclass(frozen=True)
class Capabilities:
    """What a processor can do besides processing, declared once per class.

    Attributes
    ----------
    draws : str or None
        ``"response"``: a frequency response (``response_db(freqs_hz, sr)``), the curve
        coming from the same coefficients as the sound; ``"transfer"``: a static curve
        (``transfer_curve(in_db)``); ``"curves"``: its own pictures (``curves(sr)``);
        None: nothing to draw.
    trace : bool
        Reports its gain change over time (``process_with_trace``), e.g. gain reduction.
    sidechain : bool
        Can listen to another signal (``key=``) instead of its own input.
    changes_rate : bool
        The output has another sample rate and length (a resampler).
    blend : tuple of str
        Parameters that only blend the finished wet signal with the dry one (a ``_pct``
        dry/wet amount, 100 = wet) and set the level after it (a ``_db`` gain):
        ``out = db_to_gain(level_db) * (mix * wet + (1 - mix) * dry)``. Moving them needs
        no new wet render, so previews reuse the wet signal (a test holds every
        declaration to the processor's own output).
    """

    draws: str | None = None
    trace: bool = False
    sidechain: bool = False
    changes_rate: bool = False
    blend: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.draws is not None and self.draws not in DRAWINGS:
            raise ValueError(f"Capabilities.draws must be one of {DRAWINGS} or None")


@dataclass(frozen=True, eq=False)
class Curve:
    """A line a processor can draw about itself (an impulse response, an LFO shape...).

    Processors that declare ``draws="curves"`` return these from ``curves(sr)``; the
    widgets draw them in one plot with the first curve's axis labels. The name and the
    labels are words a learner reads: they come from the catalogue (``curves.toml``);
    an axis label ends with its unit in brackets, ``"time (ms)"``.
    """

    x: np.ndarray
    y: np.ndarray
    name: str
    x_label: str
    y_label: str
    x_log: bool = False
    y_range: tuple[float, float] | None = None


def registered_processors() -> dict[str, type[Processor]]:
    """Every processor class the studio knows, by name (all processor modules imported)."""
    import importlib
    import pkgutil

    import studio.processors as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"studio.processors.{info.name}")
    return {
        name: cls
        for name, cls in registered().items()
        if issubclass(cls, Processor) and cls is not Processor
    }


#: The methods that draw a processor's settings; they need settings fixed in time.
DRAWING_METHODS = ("transfer_curve", "curves", "response_db", "response_parts_db")


def _fixed_settings(method: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse plainly to draw settings that move over time (a picture is of one moment)."""

    @functools.wraps(method)
    def drawn(self: Processor, *args: Any, **kwargs: Any) -> Any:
        if self.moves:
            raise ParameterError(
                f"{self.owner_label} moves over time, so it has no single picture; take "
                "the settings at one moment with .at(t_s) first."
            )
        return method(self, *args, **kwargs)

    drawn._fixed_settings = True  # type: ignore[attr-defined]
    return drawn


def add_traces(total: np.ndarray | None, gain: np.ndarray) -> np.ndarray:
    """Add one stage's gain change (dB per frame) to a running total.

    A trace with a row per band counts with its largest reduction at each frame.
    """
    row = np.min(gain, axis=0) if np.ndim(gain) > 1 else np.asarray(gain)
    return row if total is None else total + row


def _first_bad_sample(x: np.ndarray) -> tuple[int, int, int]:
    finite = np.isfinite(x)
    channel, frame = np.unravel_index(int(np.argmin(finite)), x.shape)
    return int(x.size - np.count_nonzero(finite)), int(channel), int(frame)


@dataclass(frozen=True)
class Processor(Parametric):
    """A pure audio processor with declared parameters.

    Subclasses implement ``_process`` on raw ``(channels, frames)`` arrays; calling the
    processor on an :class:`~studio.audio.Audio` returns new ``Audio``.
    """

    #: What the processor can do besides processing (see :class:`Capabilities`).
    capabilities: ClassVar[Capabilities] = Capabilities()

    #: Whether the processor with every parameter at its neutral value returns its input
    #: unchanged. A few cannot (a pan law, a high-pass filter); they say so.
    identity_when_neutral: ClassVar[bool] = True

    #: Channel counts the processor accepts (None: any). Stereo tools declare ``(2,)``.
    accepts_channels: ClassVar[tuple[int, ...] | None] = None

    #: Nested data always names the processor class (a chain holds many kinds).
    tag_in_data: ClassVar[bool] = True

    #: Too general to lend its title to a subclass without one (see ``class_title``).
    _generic: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in DRAWING_METHODS:
            method = cls.__dict__.get(name)
            if callable(method) and not getattr(method, "_fixed_settings", False):
                setattr(cls, name, _fixed_settings(method))

    bypass: bool = param(False, neutral=False, kw_only=True)

    def values(self) -> dict[str, Any]:
        """The values that shape the sound, by name (``bypass``, the on/off switch, aside).

        An envelope that never changes is handed on as its one number, so it takes the
        same (fixed-value) path through the DSP as that number would.
        """
        values = super().values()
        del values["bypass"]
        for name, value in values.items():
            if isinstance(value, Envelope) and value.range[0] == value.range[1]:
                values[name] = value.values[0]
        return values

    # -- shape of the output ----------------------------------------------------------------
    # Subclasses override the underscored versions; a bypassed processor passes its input
    # through, so it changes nothing of its shape, rate or timing.

    def output_channels(self, n_in: int) -> int:
        """Number of output channels for ``n_in`` input channels."""
        return n_in if self.bypass else self._output_channels(n_in)

    def output_rate(self, sr: int) -> int:
        """Sample rate of the output for input at ``sr``."""
        return sr if self.bypass else self._output_rate(sr)

    def output_frames(self, n_frames: int, sr: int) -> int:
        """Number of output frames for ``n_frames`` in at ``sr``."""
        return n_frames if self.bypass else self._output_frames(n_frames, sr)

    def latency_frames(self, sr: int) -> int:
        """How many frames late the output comes out (0: in time with the input).

        Every processor in the studio renders offline and removes its own delay
        (lookahead, linear-phase filters), so they report 0; a processor that cannot
        reports its delay here and :class:`Parallel` lines its branches up.
        """
        return 0 if self.bypass else self._latency_frames(sr)

    def tail_s(self) -> float:
        """How long the output keeps sounding after the input stops (a reverb's decay).

        A mixdown renders this much past the last clip so no tail is cut off; 0 for
        processors that stop when their input stops (bypassed ones included).
        """
        return 0.0 if self.bypass else self._tail_s()

    def _tail_s(self) -> float:
        return 0.0

    def changes_rate_now(self) -> bool:
        """Whether this processor, as set now, changes the rate (never when bypassed)."""
        return self.capabilities.changes_rate and not self.bypass

    def _output_channels(self, n_in: int) -> int:
        return n_in

    def _output_rate(self, sr: int) -> int:
        return sr

    def _output_frames(self, n_frames: int, sr: int) -> int:
        return n_frames

    def _latency_frames(self, sr: int) -> int:
        return 0

    # -- checks ---------------------------------------------------------------------------

    def check_rate(self, sr: int) -> None:
        """Raise a plain error when a value is impossible at sample rate ``sr``.

        Every frequency declared ``below_nyquist`` (at any depth, envelopes included) must
        stay below half the rate; the message names the whole path.
        """
        limit = sr / 2.0
        for leaf in self.leaves(words=False):  # words only if a message needs them
            spec = leaf.spec
            if not spec.below_nyquist:
                continue
            value = leaf.value
            top = max(value.values) if isinstance(value, Envelope) else value
            if spec.off is not None and not isinstance(value, Envelope) and value == spec.off:
                continue
            if top >= limit:
                where = spec.where(
                    f"{self.owner_label} {format_path(leaf.path[:-1])}".rstrip()
                    if len(leaf.path) > 1
                    else self.owner_label
                )
                raise ParameterError(
                    f"{where} of {top:g} Hz must be below the Nyquist frequency "
                    f"({limit:g} Hz) of {sr} Hz audio."
                )

    def check_input(self, samples: np.ndarray, sr: int, key: Any = None) -> np.ndarray:
        """Check what is about to be processed; return it as a 2-D float array.

        Refuses, with a plain message naming this processor: samples that are NaN or
        infinite, a channel count the processor cannot take, parameters impossible at
        this rate, and a side-chain key given to a processor that does not listen to one.
        """
        x = as_samples(samples, what=self.owner_label)
        with np.errstate(invalid="ignore", over="ignore"):
            # one pass: a NaN or an infinity makes the sum so; a sum that overflows on
            # huge finite samples is looked at again (the range is finite then)
            finite = not x.size or bool(np.isfinite(x.sum()))
            finite = finite or bool(np.isfinite(x.max() - x.min()))
        if not finite:
            count, channel, frame = _first_bad_sample(x)
            raise AudioDataError(
                f"{self.owner_label}: the input has {count} samples that are NaN or infinite "
                f"(the first in channel {channel} at {frame / sr:.3f} s); a processor needs "
                "finite samples. Find where they came from (a file, an earlier step) first."
            )
        if self.accepts_channels is not None and x.shape[0] not in self.accepts_channels:
            names = {1: "mono", 2: "stereo"}
            allowed = " or ".join(names.get(c, f"{c}-channel") for c in self.accepts_channels)
            raise AudioDataError(
                f"{self.owner_label} takes {allowed} audio; got {x.shape[0]} channels."
            )
        if key is not None and not self.capabilities.sidechain:
            raise ParameterError(
                f"{self.owner_label} does not listen to a side-chain key; only processors "
                "that follow a level (a compressor, a gate) can."
            )
        self.check_rate(sr)
        if not x.flags.c_contiguous:
            # A slice of a longer array (x[:, a:b] of stereo audio) has rows apart in
            # memory; compiled loops are built for rows laid end to end, and would compile
            # a variant of their own for it (a second or so, the first time). A copy of
            # the slice costs far less.
            x = read_only(np.ascontiguousarray(x))
        return x

    # -- processing -------------------------------------------------------------------------

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Subclasses: return processed samples (a new array of the same dtype).

        Processors that declare ``sidechain`` add a ``key=None`` argument.
        """
        if self.capabilities.trace:
            return self._process_with_trace(samples, sr)[0]
        raise NotImplementedError(f"{self.owner_label} does not implement _process")

    def _process_with_trace(self, samples: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
        """Subclasses declaring ``trace``: return ``(output, gain_change_db per frame)``."""
        raise NotImplementedError(f"{self.owner_label} does not report a trace")

    def run(
        self, x: np.ndarray, sr: int, key: Any = None, *, trace: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Process already-checked samples (composites call this for their elements).

        Honours ``bypass`` (an unchanged copy) and returns ``(output, trace or None)``.
        """
        if self.bypass:
            return np.array(x, copy=True), None
        kwargs: dict[str, Any] = {"key": key} if key is not None else {}
        if trace and self.capabilities.trace:
            out, gain = self._process_with_trace(x, sr, **kwargs)
            return out, gain
        return self._process(x, sr, **kwargs), None

    def process(self, samples: np.ndarray, sr: int, *, key: Any = None) -> np.ndarray:
        """Return processed samples (same dtype); never writes to ``samples``.

        Parameters
        ----------
        samples : numpy.ndarray
            ``(channels, frames)`` floating-point samples (1-D is taken as mono).
        sr : int
            Sample rate in Hz.
        key : numpy.ndarray or Audio, optional
            A side-chain signal for processors that declare ``sidechain``.
        """
        x = self.check_input(samples, sr, key)
        return self.run(x, sr, key)[0]

    def process_with_trace(
        self, samples: np.ndarray, sr: int, *, key: Any = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Return ``(output, gain change in dB per frame)``.

        The trace is None when the processor declares none (or is bypassed).
        """
        x = self.check_input(samples, sr, key)
        return self.run(x, sr, key, trace=True)

    def gain_change_db(self, samples: np.ndarray, sr: int, *, key: Any = None) -> np.ndarray:
        """The gain change over time in dB, one value per frame (processors with a trace).

        Zeros while bypassed.
        """
        if not self.capabilities.trace:
            raise ParameterError(
                f"{self.owner_label} does not report a gain change over time; only "
                "processors that follow a level (a compressor, a gate, a limiter) do."
            )
        out, trace = self.process_with_trace(samples, sr, key=key)
        return np.zeros(out.shape[-1]) if trace is None else trace

    def __call__(self, audio: Audio, *, key: Any = None) -> Audio:
        """Process ``audio`` and return the result as new :class:`Audio`."""
        if not isinstance(audio, Audio):
            raise TypeError(
                f"{self.owner_label} expects a studio.Audio; got {type(audio).__name__}. "
                "For raw arrays use .process(samples, sr)."
            )
        out = self.process(audio.samples, audio.sr, key=key)
        return Audio(out, self.output_rate(audio.sr), audio.name)

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """Lines that picture the current settings (for ``draws="curves"``)."""
        return ()

    def response_parts_db(self, freqs_hz: np.ndarray, sr: int) -> list[np.ndarray]:
        """For ``draws="response"``: the parts drawn thin under the total (an EQ's bands).

        None by default; the total is ``response_db(freqs_hz, sr)``.
        """
        return []

    # -- words ------------------------------------------------------------------------------

    def headline(self) -> str:
        """What this is, in a few words; says so when it is bypassed."""
        text = super().headline()
        return t("describe.bypassed", title=text) if self.bypass else text

    # -- presets ------------------------------------------------------------------------------

    def tagged_dict(self) -> dict[str, Any]:
        """Plain data naming the processor: ``{"processor": ..., "params": ...}``."""
        return {"processor": type(self).__name__, "params": self.to_dict()}

    def to_preset(self) -> dict[str, Any]:
        """Return a JSON-ready preset: processor name, parameters and format version."""
        return {"studio_preset": PRESET_VERSION, **self.tagged_dict()}

    @classmethod
    def from_preset(cls, preset: Mapping[str, Any]) -> Any:
        """Build a processor from a preset dict made by :meth:`to_preset`."""
        proc = processor_from_dict(preset)
        if not isinstance(proc, cls):
            raise PresetError(f"the preset is for {type(proc).__name__}, not {cls.__name__}.")
        return proc

    def save_preset(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the preset as JSON (atomically; refuses to replace unless ``overwrite``)."""
        target = Path(path)
        if target.exists() and not overwrite:
            raise PresetError(f"'{target}' already exists; pass overwrite=True to replace it.")
        text = json.dumps(self.to_preset(), indent=2)
        fd, tmp = tempfile.mkstemp(prefix=".preset-", suffix=".tmp", dir=target.parent or ".")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target


def processor_from_dict(preset: Mapping[str, Any]) -> Processor:
    """Build any registered processor, nested composites included, from its preset dict."""
    if not isinstance(preset, Mapping) or "processor" not in preset:
        raise PresetError("a preset must be a dict with a 'processor' name and 'params'.")
    name = preset["processor"]
    try:
        cls = parametric_class(str(name))
    except ParameterError:
        known = ", ".join(sorted(registered_processors()))
        raise PresetError(f"unknown processor {name!r} in preset; known: {known}.") from None
    if not issubclass(cls, Processor):
        raise PresetError(f"{name!r} in the preset is not a processor.")
    params = preset.get("params", {})
    if not isinstance(params, Mapping):
        raise PresetError(f"preset for {name}: 'params' must be a dict; got {params!r}.")
    try:
        return cls.from_dict(params)
    except ParameterError as exc:
        raise PresetError(f"preset for {name}: {exc}") from None


def load_preset(path: str | os.PathLike[str]) -> Processor:
    """Read a JSON preset file written by :meth:`Processor.save_preset`."""
    target = Path(path)
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PresetError(f"preset file '{target.resolve()}' does not exist.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PresetError(f"'{target}' is not a readable JSON preset ({exc}).") from None
    return processor_from_dict(data)


# --------------------------------------------------------------------------- composites


def _fit_channels(x: np.ndarray, n_channels: int, what: str) -> np.ndarray:
    """Bring ``x`` to ``n_channels``: mono is copied to every channel, others must match."""
    if x.shape[0] == n_channels:
        return x
    if x.shape[0] == 1:
        return np.repeat(x, n_channels, axis=0)
    raise AudioDataError(
        f"{what} gives {x.shape[0]} channels where {n_channels} are needed; only mono "
        "parts can be spread to more channels."
    )


@dataclass(frozen=True, init=False)
class Chain(Processor):
    """Chain: processors in series, the output of each feeding the next.

    A chain is itself a processor, so chains nest (a channel strip, a bus and a
    mastering rack are chains). Every stage has its own ``bypass``: switch one off to
    hear what it adds, and the rest carries on.

    Examples
    --------
    >>> from studio.processors.dynamics import Compressor
    >>> from studio.processors.eq import ParametricEQ
    >>> chain = Chain(ParametricEQ(), Compressor())
    >>> chain.replace(("processors", 1, "ratio"), 2.0).get(("processors", 1, "ratio"))
    2.0
    """

    capabilities: ClassVar[Capabilities] = Capabilities(trace=True, sidechain=True)

    processors: tuple[Processor, ...] = items(Processor, ())

    def __init__(
        self,
        *stages: Processor | Iterable[Processor],
        processors: Iterable[Any] = (),
        bypass: bool = False,
    ) -> None:
        flat: list[Any] = list(processors)
        for p in stages:
            if isinstance(p, Processor | Mapping):
                flat.append(p)
            elif isinstance(p, Iterable) and not isinstance(p, str | bytes):
                flat.extend(p)
            else:
                flat.append(p)
        for i, p in enumerate(flat):
            if not isinstance(p, Processor | Mapping):
                raise ParameterError(f"Chain: every stage must be a processor; stage {i} is {p!r}.")
        object.__setattr__(self, "processors", tuple(flat))
        object.__setattr__(self, "bypass", bypass)
        self.__post_init__()

    @property
    def changes_rate(self) -> bool:
        """True when any active stage changes the sample rate and length."""
        return any(p.changes_rate_now() for p in self.processors)

    @property
    def active(self) -> tuple[Processor, ...]:
        """The stages that are not bypassed."""
        return tuple(p for p in self.processors if not p.bypass)

    def _tail_s(self) -> float:
        return sum(p.tail_s() for p in self.processors)

    def _process_with_trace(
        self, samples: np.ndarray, sr: int, key: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run every stage in order; the trace is the sum of the stages' gain changes.

        A stage whose trace has a row per band (a multiband compressor) counts with its
        largest reduction at each frame; after a sample-rate change only the stages at the
        new rate count (the output's frames).
        """
        out = samples
        total: np.ndarray | None = None
        for p in self.processors:
            stage_key = key if p.capabilities.sidechain else None
            out, gain = p.run(out, sr, stage_key, trace=True)
            if p.changes_rate_now():
                total = None  # earlier traces count frames at the old rate
            elif gain is not None:
                total = add_traces(total, gain)
            sr = p.output_rate(sr)  # a resampler mid-chain hands its new rate on
        if out is samples:  # no stages: a new array, like every processor returns
            out = np.array(samples, copy=True)
        if total is None:
            total = np.zeros(out.shape[-1])
        return out, total

    def _process(self, samples: np.ndarray, sr: int, key: Any = None) -> np.ndarray:
        out = samples
        for p in self.processors:
            out = p.run(out, sr, key if p.capabilities.sidechain else None)[0]
            sr = p.output_rate(sr)
        return np.array(samples, copy=True) if out is samples else out

    def check_rate(self, sr: int) -> None:
        """Check every stage at the rate it will receive (after any resampler before it)."""
        for i, p in enumerate(self.processors):
            try:
                p.check_rate(sr)
            except ParameterError as exc:
                raise ParameterError(f"Chain stage {i} ({type(p).__name__}): {exc}") from None
            sr = p.output_rate(sr)

    def _output_rate(self, sr: int) -> int:
        """The rate after every stage."""
        for p in self.processors:
            sr = p.output_rate(sr)
        return sr

    def _output_frames(self, n_frames: int, sr: int) -> int:
        """The length after every stage."""
        for p in self.processors:
            n_frames, sr = p.output_frames(n_frames, sr), p.output_rate(sr)
        return n_frames

    def _output_channels(self, n_in: int) -> int:
        """The channel count after every stage."""
        for p in self.processors:
            n_in = p.output_channels(n_in)
        return n_in

    def _latency_frames(self, sr: int) -> int:
        """The stages' delays added up."""
        total = 0
        for p in self.processors:
            total += p.latency_frames(sr)
            sr = p.output_rate(sr)
        return total

    def describe(self) -> str:
        """Describe every stage in order."""
        if not self.processors:
            return t("describe.chain.empty")
        heading = "describe.chain.heading_bypassed" if self.bypass else "describe.chain.heading"
        parts = [t(heading, n=len(self.processors))]
        for i, p in enumerate(self.processors, start=1):
            parts.append(f"{i}. " + p.describe().replace("\n", "\n   "))
        return "\n".join(parts)

    def __len__(self) -> int:
        return len(self.processors)


@dataclass(frozen=True)
class Branch(Parametric):
    """One branch of a parallel processor: a processor and the gain it is summed at."""

    processor: Processor = child(Processor, Chain())
    gain_db: float = param(0.0, lo=-60.0, hi=12.0, unit="dB", neutral=0.0, step=0.1)
    mute: bool = param(False, neutral=False)

    def summary(self) -> str:
        """One line: the branch's processor and level."""
        key = "describe.branch.summary_muted" if self.mute else "describe.branch.summary"
        level = self.spec("gain_db").format(self.gain_db)
        return t(key, processor=type(self.processor).class_name(), level=level)


@dataclass(frozen=True)
class Parallel(Processor):
    """Parallel: the same input through several branches at once, summed.

    Each branch has its own level; ``mix_pct`` sets how much of the summed branches is
    heard against the untouched input (0 = only the dry input, 100 = only the branches).
    What you hear: parallel compression (a squashed copy under the natural one keeps the
    punch and adds density), or a send to a reverb whose return sits under the dry part.

    Branches that come out late (a declared ``latency_frames``) are lined up with the
    slowest one, and the result is moved back in time, so the sum never smears. Parts
    with fewer channels (a mono dry part beside a stereo reverb) are spread to all.

    Examples
    --------
    >>> import numpy as np
    >>> from studio.processors.utility import Gain
    >>> par = Parallel(branches=[Branch(Gain(gain_db=-6.0206)), Branch(Gain(gain_db=-6.0206))])
    >>> round(float(par.process(np.ones((1, 3)), 48000)[0, 0]), 6)  # two halves make a whole
    1.0
    """

    capabilities: ClassVar[Capabilities] = Capabilities(sidechain=True)

    branches: tuple[Branch, ...] = items(Branch, ())
    mix_pct: float = param(100.0, lo=0.0, hi=100.0, unit="%", neutral=0.0, step=1.0)

    def _live(self) -> list[Branch]:
        return [b for b in self.branches if not b.mute]

    def _tail_s(self) -> float:
        return max((b.processor.tail_s() for b in self._live()), default=0.0)

    def _output_channels(self, n_in: int) -> int:
        """The most channels any part gives (mono parts are spread)."""
        counts = [n_in] + [b.processor.output_channels(n_in) for b in self.branches]
        return max(counts)

    def _latency_frames(self, sr: int) -> int:
        """0: branches are lined up and the sum is moved back in time."""
        return 0

    def check_rate(self, sr: int) -> None:
        """Check every branch; refuse branches that change the rate or length."""
        for i, b in enumerate(self.branches):
            if b.processor.changes_rate_now():
                raise ParameterError(
                    f"Parallel branch {i}: {type(b.processor).__name__} changes the sample "
                    "rate, so it cannot be summed with the other branches."
                )
            try:
                b.processor.check_rate(sr)
            except ParameterError as exc:
                raise ParameterError(f"Parallel branch {i}: {exc}") from None

    def _process(self, samples: np.ndarray, sr: int, key: Any = None) -> np.ndarray:
        x = samples
        n_ch, n = x.shape
        out_ch = self.output_channels(n_ch)
        live = self._live()
        delays = [b.processor.latency_frames(sr) for b in live]
        top = max(delays, default=0)
        dtype = x.dtype
        total = np.zeros((out_ch, n), dtype=dtype)
        mix = resolve(self.mix_pct, n, sr, name="mix_pct")
        mix = np.asarray(mix, dtype=dtype) / np.asarray(100.0, dtype=dtype)
        for branch, delay in zip(live, delays, strict=True):
            proc = branch.processor
            wet = proc.run(x, sr, key if proc.capabilities.sidechain else None)[0]
            wet = _fit_channels(wet, out_ch, f"Parallel branch {type(proc).__name__}")
            # line up with the slowest branch, then move the sum back by that much: a
            # branch `delay` late is read `delay` frames further on
            shift = delay
            level = resolve(branch.gain_db, n, sr, name="gain_db")
            gain = mix * np.asarray(db_to_gain(level), dtype=dtype)
            if gain.ndim:  # moving: one gain per frame, read where this branch is read
                gain = gain[: n - shift]
            total[:, : n - shift] += gain * wet[:, shift:]
        del top  # every branch was moved to time zero directly
        if np.any(mix < 1.0):
            dry = _fit_channels(x, out_ch, "the dry part")  # prose: ok (for an error message)
            total += (1.0 - mix) * dry
        return total

    def describe(self) -> str:
        """The mix, then every branch: its level and its processor described in full."""
        lines = [self.headline(), *self._param_lines()]
        item = type(self).item_label("branches")
        for i, b in enumerate(self.branches, start=1):
            inner = b.processor.describe().replace("\n", "\n    ")
            level = b.spec("gain_db").format(b.gain_db)
            key = "describe.parallel.branch_muted" if b.mute else "describe.parallel.branch"
            lines.append("  " + t(key, item=item, number=i, level=level, description=inner))
        return "\n".join(lines)
