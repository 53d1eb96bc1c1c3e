"""Declared parameters, the processor base class, presets and chains.

A processor is a frozen dataclass whose fields are its parameters. Each field is made
with :func:`param`, which records once everything the rest of the studio needs to know
about it: range, unit, scale, default, neutral value and a one-line "what you hear".
From that single declaration come validation (with messages that name the processor,
the parameter, the range, the unit and the value received), the generated widget, the
JSON preset format, the property-based tests and the ``describe()`` text.

Processing is pure: ``proc(audio)`` returns new audio and never writes to its input.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from studio.audio import Audio, as_samples
from studio.errors import ParameterError, PresetError

__all__ = [
    "Chain",
    "Curve",
    "ParamSpec",
    "Parametric",
    "Processor",
    "items",
    "load_preset",
    "param",
    "processor_from_dict",
    "registered_processors",
]

PRESET_VERSION = 1
_SPEC_KEY = "studio.param"
_ITEMS_KEY = "studio.items"


@dataclass(frozen=True)
class ParamSpec:
    """Everything the studio knows about one parameter, declared once.

    Attributes
    ----------
    name : str
        Field name, carrying its unit (``threshold_db``, ``attack_ms``).
    default : float or str or bool
        Value a new processor starts with.
    lo, hi : float or None
        Inclusive range for numbers.
    unit : str
        Unit shown next to the value ("dB", "Hz", "ms", ":1").
    scale : str
        ``"linear"`` or ``"log"`` for numbers (log for frequencies, times, ratios);
        ``"choice"`` and ``"bool"`` for the other kinds.
    neutral : float or str or bool or None
        The value at which the parameter does nothing (None when no value is neutral).
    help : str
        One line saying what a learner hears when this parameter moves.
    label : str
        Short human name for controls and text.
    choices : tuple of str or None
        Allowed values of a choice parameter.
    step : float or None
        Slider step for linear numbers (None lets the widget choose).
    """

    name: str
    default: Any
    lo: float | None = None
    hi: float | None = None
    unit: str = ""
    scale: str = "linear"
    neutral: Any = None
    help: str = ""
    label: str = ""
    choices: tuple[str, ...] | None = None
    step: float | None = None

    @property
    def kind(self) -> str:
        """``"number"``, ``"choice"`` or ``"bool"``."""
        if self.choices is not None:
            return "choice"
        if isinstance(self.default, bool):
            return "bool"
        return "number"

    def format(self, value: Any) -> str:
        """Return ``value`` as text with its unit (``"-18.0 dB"``, ``"4.0:1"``)."""
        if self.kind != "number":
            return str(value)
        text = f"{value:.4g}" if abs(value) >= 1000 or value == 0 else f"{value:.3g}"
        if self.unit.startswith(":"):
            return f"{text}{self.unit}"
        return f"{text} {self.unit}".strip()

    def range_text(self) -> str:
        """Human-readable range, e.g. ``"between 1 and 20 :1"``."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices or ())
        if self.kind == "bool":
            return "True or False"
        return f"between {self.lo:g} and {self.hi:g} {self.unit}".rstrip()

    def check(self, value: Any, owner: str) -> Any:
        """Return ``value`` normalised, or raise a plain :class:`ParameterError`."""
        label = self.label or self.name
        where = f"{owner}: {self.name}" if label == self.name else f"{owner}: {label} ({self.name})"
        if self.kind == "choice":
            if isinstance(value, int | np.integer) and not isinstance(value, bool):
                value = str(int(value))  # numeric choices: stages=6 means "6"
            if value not in (self.choices or ()):
                raise ParameterError(f"{where} must be {self.range_text()}; got {value!r}.")
            return value
        if self.kind == "bool":
            if not isinstance(value, bool | np.bool_):
                raise ParameterError(f"{where} must be True or False; got {value!r}.")
            return bool(value)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ParameterError(f"{where} must be a number {self.range_text()}; got {value!r}.")
        number = float(value)
        if not math.isfinite(number):
            raise ParameterError(
                f"{where} must be a finite number {self.range_text()}; got {value!r}."
            )
        if (self.lo is not None and number < self.lo) or (self.hi is not None and number > self.hi):
            raise ParameterError(f"{where} must be {self.range_text()}; got {value:g}.")
        return number


def param(
    default: Any,
    *,
    lo: float | None = None,
    hi: float | None = None,
    unit: str = "",
    scale: str = "linear",
    neutral: Any = None,
    help: str = "",
    label: str | None = None,
    choices: Iterable[str] | None = None,
    step: float | None = None,
) -> Any:
    """Declare a processor parameter: a dataclass field that carries its metadata.

    Parameters
    ----------
    default
        Starting value.
    lo, hi : float, optional
        Inclusive range (required for numbers).
    unit : str
        Unit shown with the value.
    scale : {"linear", "log"}
        How a slider should move through the range.
    neutral : optional
        The value at which this parameter leaves the sound unchanged.
    help : str
        One line: what the learner hears when it moves.
    label : str, optional
        Short human name; derived from the field name when omitted.
    choices : iterable of str, optional
        Allowed values for a choice parameter.
    step : float, optional
        Slider step for linear numbers.
    """
    choice_tuple = tuple(choices) if choices is not None else None
    if choice_tuple is None and not isinstance(default, bool):
        if lo is None or hi is None or not lo <= default <= hi:
            raise ValueError(f"param(): numeric default {default!r} needs lo <= default <= hi")
        if scale == "log" and lo <= 0:
            raise ValueError("param(): a log-scaled parameter needs lo > 0")
    pending = ParamSpec(
        name="",
        default=default,
        lo=None if lo is None else float(lo),
        hi=None if hi is None else float(hi),
        unit=unit,
        scale="choice" if choice_tuple else ("bool" if isinstance(default, bool) else scale),
        neutral=neutral,
        help=help,
        label=label or "",
        choices=choice_tuple,
        step=step,
    )
    return field(default=default, metadata={_SPEC_KEY: pending})


def items(item_type: type[Parametric], default: Iterable[Parametric], *, help: str = "") -> Any:
    """Declare a field holding a tuple of parameter objects (the bands of an EQ)."""
    default_tuple = tuple(default)
    return field(
        default_factory=lambda: default_tuple,
        metadata={_ITEMS_KEY: item_type, "help": help},
    )


def _label_from_name(name: str) -> str:
    for suffix in ("_db", "_dbfs", "_dbtp", "_lufs", "_lu", "_hz", "_ms", "_s", "_pct"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name.replace("_", " ")


class Parametric:
    """Base for frozen objects whose fields are declared with :func:`param`.

    Subclasses are frozen dataclasses. This base validates every declared field on
    construction and offers :meth:`replace`, :meth:`values`, :meth:`specs`,
    :meth:`to_dict` and :meth:`describe`.
    """

    _specs_cache: ClassVar[dict[type, tuple[ParamSpec, ...]]] = {}

    @classmethod
    def specs(cls) -> tuple[ParamSpec, ...]:
        """Return the parameter declarations of this class, in field order."""
        cached = Parametric._specs_cache.get(cls)
        if cached is None:
            out = []
            for f in dataclasses.fields(cls):  # type: ignore[arg-type]
                pending = f.metadata.get(_SPEC_KEY)
                if pending is not None:
                    out.append(
                        dataclasses.replace(
                            pending, name=f.name, label=pending.label or _label_from_name(f.name)
                        )
                    )
            cached = Parametric._specs_cache[cls] = tuple(out)
        return cached

    @classmethod
    def spec(cls, name: str) -> ParamSpec:
        """Return the declaration of parameter ``name``."""
        for s in cls.specs():
            if s.name == name:
                return s
        raise ParameterError(
            f"{cls.__name__} has no parameter {name!r}; "
            f"its parameters are {', '.join(s.name for s in cls.specs())}."
        )

    @classmethod
    def item_fields(cls) -> dict[str, type[Parametric]]:
        """Return the fields that hold tuples of parameter objects, with their type."""
        return {
            f.name: f.metadata[_ITEMS_KEY]
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if _ITEMS_KEY in f.metadata
        }

    @property
    def owner_label(self) -> str:
        """Name used in messages (the class name)."""
        return type(self).__name__

    def __post_init__(self) -> None:
        for spec in self.specs():
            value = spec.check(getattr(self, spec.name), self.owner_label)
            object.__setattr__(self, spec.name, value)
        for name, item_type in self.item_fields().items():
            raw = getattr(self, name)
            if isinstance(raw, Mapping) or not isinstance(raw, Iterable):
                raise ParameterError(
                    f"{self.owner_label}: {name} must be a list of {item_type.__name__}; "
                    f"got {raw!r}."
                )
            converted = []
            for i, item in enumerate(raw):
                if isinstance(item, Mapping):
                    try:
                        item = item_type(**item)
                    except TypeError as exc:
                        raise ParameterError(
                            f"{self.owner_label}: {name}[{i}] is not a valid "
                            f"{item_type.__name__}: {exc}"
                        ) from None
                if not isinstance(item, item_type):
                    raise ParameterError(
                        f"{self.owner_label}: {name}[{i}] must be a {item_type.__name__}; "
                        f"got {item!r}."
                    )
                converted.append(item)
            object.__setattr__(self, name, tuple(converted))

    def replace(self, **changes: Any) -> Any:
        """Return a copy with some parameters changed (the original is untouched).

        Examples
        --------
        >>> from studio.processors.dynamics import Compressor
        >>> Compressor().replace(ratio=2.0).ratio
        2.0
        """
        known = {f.name for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ParameterError(
                f"{self.owner_label} has no parameter {unknown[0]!r}; its parameters are "
                f"{', '.join(sorted(known))}."
            )
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def values(self) -> dict[str, Any]:
        """Return the declared parameter values as a dict (name -> value)."""
        return {s.name: getattr(self, s.name) for s in self.specs()}

    def to_dict(self) -> dict[str, Any]:
        """Return the parameters as plain JSON-ready data (nested items included)."""
        data: dict[str, Any] = dict(self.values())
        for name in self.item_fields():
            data[name] = [item.to_dict() for item in getattr(self, name)]
        return data

    @classmethod
    def neutral(cls) -> Any:
        """Return an instance whose parameters are all at their neutral values."""
        kwargs = {s.name: s.neutral for s in cls.specs() if s.neutral is not None}
        return cls(**kwargs)

    def is_neutral(self) -> bool:
        """True when every parameter that has a neutral value is at it."""
        own = all(getattr(self, s.name) == s.neutral for s in self.specs() if s.neutral is not None)
        nested = all(
            item.is_neutral() for name in self.item_fields() for item in getattr(self, name)
        )
        return own and nested

    def describe_lines(self, indent: str = "  ") -> list[str]:
        """Return one line per parameter: value with unit, then what it does."""
        lines = []
        for s in self.specs():
            value = getattr(self, s.name)
            note = " (neutral)" if s.neutral is not None and value == s.neutral else ""
            lines.append(f"{indent}{s.label}: {s.format(value)}{note} - {s.help}".rstrip(" -"))
        for name in self.item_fields():
            for i, item in enumerate(getattr(self, name), start=1):
                lines.append(
                    f"{indent}{name[:-1] if name.endswith('s') else name} {i}: {item.summary()}"
                )
        return lines

    def summary(self) -> str:
        """One-line summary of the values, e.g. ``"peak 400 Hz, +3 dB, Q 1"``."""
        return ", ".join(f"{s.label} {s.format(getattr(self, s.name))}" for s in self.specs())

    def describe(self) -> str:
        """Plain-words description: what this is and what every parameter is set to."""
        doc = (type(self).__doc__ or "").strip().splitlines()
        headline = doc[0] if doc else type(self).__name__
        return "\n".join([headline, *self.describe_lines()])


@dataclass(frozen=True, eq=False)
class Curve:
    """A line a processor can draw about itself (an impulse response, an LFO shape...).

    Processors whose picture is neither a frequency response (``response_db``) nor a
    dynamics transfer curve (``transfer_curve``) return these from ``curves(sr)``; the
    widgets draw them in one plot with the first curve's axis labels.
    """

    x: np.ndarray
    y: np.ndarray
    name: str
    x_label: str
    y_label: str
    x_log: bool = False
    y_range: tuple[float, float] | None = None


_REGISTRY: dict[str, type[Processor]] = {}


class Processor(Parametric):
    """A pure audio processor with declared parameters.

    Subclasses implement :meth:`process` on raw ``(channels, frames)`` arrays; calling
    the processor on an :class:`~studio.audio.Audio` returns new ``Audio``.
    """

    #: Whether the processor with every parameter at its neutral value returns its input
    #: unchanged. A few cannot (a pan law, a high-pass filter); they say so.
    identity_when_neutral: ClassVar[bool] = True

    #: Channel counts the processor accepts (None: any). Stereo tools declare ``(2,)``.
    accepts_channels: ClassVar[tuple[int, ...] | None] = None

    #: True for processors whose output has another length and rate (a resampler).
    changes_length: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.__name__] = cls

    def output_channels(self, n_in: int) -> int:
        """Number of output channels for ``n_in`` input channels (the same by default)."""
        return n_in

    def output_rate(self, sr: int) -> int:
        """Sample rate of the output for input at ``sr`` (the same by default)."""
        return sr

    def output_frames(self, n_frames: int, sr: int) -> int:
        """Number of output frames for ``n_frames`` in at ``sr`` (the same by default)."""
        return n_frames

    def process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Return processed samples (same shape and dtype); never writes to ``samples``."""
        raise NotImplementedError

    def __call__(self, audio: Audio) -> Audio:
        """Process ``audio`` and return the result as new :class:`Audio`."""
        if not isinstance(audio, Audio):
            raise TypeError(
                f"{self.owner_label} expects a studio.Audio; got {type(audio).__name__}. "
                "For raw arrays use .process(samples, sr)."
            )
        out = self.process(audio.samples, audio.sr)
        return Audio(out, self.output_rate(audio.sr), audio.name)

    def check_rate(self, sr: int) -> None:
        """Raise a plain error when a parameter is impossible at sample rate ``sr``.

        The base accepts every rate; processors with frequencies override it.
        """

    def curves(self, sr: int) -> tuple[Curve, ...]:
        """Lines that picture the current settings (none by default).

        Override in processors that have neither ``response_db`` nor ``transfer_curve``.
        """
        return ()

    def to_preset(self) -> dict[str, Any]:
        """Return a JSON-ready preset: processor name, parameters and format version."""
        return {
            "studio_preset": PRESET_VERSION,
            "processor": type(self).__name__,
            "params": self.to_dict(),
        }

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


def registered_processors() -> dict[str, type[Processor]]:
    """Every processor class the studio knows, by name (all processor modules imported)."""
    import importlib
    import pkgutil

    import studio.processors as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"studio.processors.{info.name}")
    return dict(_REGISTRY)


def processor_from_dict(preset: Mapping[str, Any]) -> Processor:
    """Build any registered processor from its preset dict."""
    if not isinstance(preset, Mapping) or "processor" not in preset:
        raise PresetError("a preset must be a dict with a 'processor' name and 'params'.")
    name = preset["processor"]
    cls = _REGISTRY.get(name)
    if cls is None:
        raise PresetError(
            f"unknown processor {name!r} in preset; known: {', '.join(sorted(_REGISTRY))}."
        )
    if cls is Chain:
        return Chain(tuple(processor_from_dict(p) for p in preset.get("processors", ())))
    params = preset.get("params", {})
    if not isinstance(params, Mapping):
        raise PresetError(f"preset for {name}: 'params' must be a dict; got {params!r}.")
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(params) - known)
    if unknown:
        raise PresetError(f"preset for {name}: unknown parameter {unknown[0]!r}.")
    return cls(**params)


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


@dataclass(frozen=True, init=False)
class Chain(Processor):
    """Processors in series: the output of each feeds the next.

    A chain is itself a processor, so chains nest (a bus is a chain, a mastering rack is
    a chain).
    """

    processors: tuple[Processor, ...] = ()

    @property
    def changes_length(self) -> bool:  # type: ignore[override]
        """True when any stage changes length and rate."""
        return any(p.changes_length for p in self.processors)

    def __init__(self, *processors: Processor | Iterable[Processor]) -> None:
        flat: list[Any] = []
        for p in processors:
            if isinstance(p, Processor):
                flat.append(p)
            elif isinstance(p, Iterable):
                flat.extend(p)
            else:
                flat.append(p)
        for p in flat:
            if not isinstance(p, Processor):
                raise ParameterError(f"Chain: every stage must be a processor; got {p!r}.")
        object.__setattr__(self, "processors", tuple(flat))

    def process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        """Run every stage in order."""
        out = as_samples(samples)
        if not self.processors:
            return out.copy()  # a new array, like every processor returns
        for p in self.processors:
            out = p.process(out, sr)
            sr = p.output_rate(sr)  # a resampler mid-chain hands its new rate on
        return out

    def output_rate(self, sr: int) -> int:
        """The rate after every stage."""
        for p in self.processors:
            sr = p.output_rate(sr)
        return sr

    def output_frames(self, n_frames: int, sr: int) -> int:
        """The length after every stage."""
        for p in self.processors:
            n_frames, sr = p.output_frames(n_frames, sr), p.output_rate(sr)
        return n_frames

    def output_channels(self, n_in: int) -> int:
        """The channel count after every stage."""
        for p in self.processors:
            n_in = p.output_channels(n_in)
        return n_in

    def check_rate(self, sr: int) -> None:
        """Check every stage for sample rate ``sr``."""
        for p in self.processors:
            p.check_rate(sr)

    def is_neutral(self) -> bool:
        """True when every stage is neutral."""
        return all(p.is_neutral() for p in self.processors)

    def to_preset(self) -> dict[str, Any]:
        """Preset of the whole chain (a list of stage presets)."""
        return {
            "studio_preset": PRESET_VERSION,
            "processor": "Chain",
            "processors": [p.to_preset() for p in self.processors],
        }

    def describe(self) -> str:
        """Describe every stage in order."""
        if not self.processors:
            return "Chain: empty (passes audio through unchanged)"
        parts = [f"Chain of {len(self.processors)} stages:"]
        for i, p in enumerate(self.processors, start=1):
            parts.append(f"{i}. " + p.describe().replace("\n", "\n   "))
        return "\n".join(parts)

    def __len__(self) -> int:
        return len(self.processors)
