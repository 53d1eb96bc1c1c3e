"""Declared parameters at any depth: specs, paths, nesting, validation and the registry.

Everything the studio can set (a compressor's ratio, the gain of an EQ's third band, the
send level of a track in a session) is a field of a frozen *parametric object*. Fields
come in three kinds, each declared once:

* :func:`param` - a value: a number (which may also move over time as an
  :class:`~studio.dsp.control.Envelope`), a choice or a switch, with its range, unit,
  scale, default and neutral value;
* :func:`items` - a tuple of parametric objects (the bands of an EQ, the stages of a
  chain);
* :func:`child` - one parametric object (the processor inside a parallel branch).

Every value anywhere has a **path** from the object it is read from, a tuple of field
names and item indices, e.g. ``("bands", 2, "gain_db")``. :meth:`Parametric.get` and
:meth:`Parametric.replace` work by path at any depth, validation messages name the
whole path, :meth:`Parametric.leaves` lists every value with its path and spec, and
:meth:`Parametric.to_dict` / the constructors round-trip any nesting through plain
JSON-ready data. Widgets, presets, automation lanes, undo steps and error messages all
name values by the same paths.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from studio.dsp.control import Envelope
from studio.errors import ParameterError
from studio.text import cache_key, has, processor_name, processor_title, t

__all__ = [
    "Leaf",
    "ParamSpec",
    "Parametric",
    "Path",
    "child",
    "format_path",
    "items",
    "param",
    "parametric_class",
    "registered",
    "text",
]

#: A path to a value: field names and item indices from the object it is read from.
Path = tuple[str | int, ...]

_SPEC_KEY = "studio.param"
_ITEMS_KEY = "studio.items"
_CHILD_KEY = "studio.child"
_TEXT_KEY = "studio.text"

#: A number within this relative distance of a range end is that end (a log slider
#: sends ``10 ** log10(20)``, which is 20.000000000000004).
_SNAP_REL = 1e-9

#: The highest frequency a below-Nyquist parameter may be set to, as a fraction of the
#: sample rate (just under one half, so a slider's top end is a valid value).
NYQUIST_FRACTION = 0.499


def format_path(path: Path) -> str:
    """Write a path the way code reads it: ``bands[2].gain_db``.

    Examples
    --------
    >>> format_path(("processors", 1, "bands", 0, "gain_db"))
    'processors[1].bands[0].gain_db'
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass(frozen=True)
class ParamSpec:
    """Everything the studio knows about one parameter, declared once.

    Attributes
    ----------
    name : str
        Field name, carrying its unit (``threshold_db``, ``attack_ms``).
    default : float or str or bool
        Value a new object starts with.
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
        One line saying what a learner hears when this parameter moves. The specs a
        class gives (:meth:`Parametric.specs`) carry the catalogue's words
        (``studio/text/<language>/params.toml``) in the current language; what the
        declaration itself says is the fallback for a class the catalogue does not know.
    label : str
        Short human name for controls and text (from the catalogue, like ``help``).
    choices : tuple of str or None
        Allowed values of a choice parameter.
    step : float or None
        Slider step for linear numbers (None lets the widget choose).
    automatable : bool
        Whether the value may be an :class:`~studio.dsp.control.Envelope` (numbers only;
        a few numbers cannot move while the sound plays, e.g. a filter length).
    below_nyquist : bool
        A frequency that must stay below half the sample rate. The declared ``hi`` is
        the limit at the highest rate the studio supports; :meth:`range_at` gives the
        range at a given rate.
    off : float or None
        A value that switches the parameter off and is exempt from the Nyquist rule
        (0 Hz for an optional side-chain filter).
    advanced : bool
        Folded away in generated panels until asked for.
    owner : str
        Name of the class that declares it (filled in by :meth:`Parametric.specs`).
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
    automatable: bool = True
    below_nyquist: bool = False
    off: float | None = None
    advanced: bool = False
    owner: str = ""

    @property
    def kind(self) -> str:
        """``"number"``, ``"choice"`` or ``"bool"``."""
        if self.choices is not None:
            return "choice"
        if isinstance(self.default, bool):
            return "bool"
        return "number"

    @property
    def can_move(self) -> bool:
        """Whether this parameter accepts an envelope (a number that may be automated)."""
        return self.kind == "number" and self.automatable

    def range_at(self, sr: int | None) -> tuple[float, float]:
        """The range of a number at sample rate ``sr`` (below Nyquist where declared)."""
        lo, hi = float(self.lo), float(self.hi)  # type: ignore[arg-type]
        if self.below_nyquist and sr:
            hi = min(hi, NYQUIST_FRACTION * sr)
        return lo, hi

    def choice_label(self, value: Any) -> str:
        """The words a learner reads for a choice value (``"low shelf"`` for ``"low_shelf"``).

        From the catalogue (``choices.<parameter>.<value>``); a value it does not know,
        such as a number, is shown as it is.
        """
        key = f"choices.{self.name}.{str(value).replace('.', '_')}"
        return t(key) if has(key) else str(value)

    def format(self, value: Any) -> str:
        """Return ``value`` as text with its unit (``"-18.0 dB"``, ``"4.0:1"``).

        An envelope is said in words: where it starts and ends, its extremes, when and
        how it moves (``"moves from -30 dB to -20 dB over 1-3 s, 2 points, linear"``).
        """
        if isinstance(value, Envelope):
            return self._envelope_text(value)
        if self.kind == "choice":
            return self.choice_label(value)
        if self.kind != "number":
            return str(value)
        text = f"{value:.4g}" if abs(value) >= 1000 or value == 0 else f"{value:.3g}"
        if self.unit.startswith(":"):
            return f"{text}{self.unit}"
        return f"{text} {self.unit}".strip()

    def _envelope_text(self, envelope: Envelope) -> str:
        first, last = envelope.values[0], envelope.values[-1]
        low, high = envelope.range
        shapes = "/".join(
            t(f"describe.automation.shapes.{shape}")
            if has(f"describe.automation.shapes.{shape}")
            else shape
            for shape in dict.fromkeys(envelope.shapes)
        )
        wider = low < min(first, last) or high > max(first, last)
        return t(
            "describe.automation.moves_between" if wider else "describe.automation.moves",
            first=self.format(first),
            last=self.format(last),
            low=self.format(low),
            high=self.format(high),
            start_s=envelope.times_s[0],
            end_s=envelope.times_s[-1],
            points=len(envelope.values),
            shapes=shapes or t("describe.automation.constant"),
        )

    # Error messages are for whoever called the code, in English by design.
    def range_text(self) -> str:
        """The range in an error message, e.g. ``"between 1 and 20 :1"``."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices or ())
        if self.kind == "bool":
            return "True or False"  # prose: ok (error messages only, English by design)
        return f"between {self.lo:g} and {self.hi:g} {self.unit}".rstrip()

    def where(self, owner: str) -> str:
        """How messages name this parameter: ``"EQBand: frequency (freq_hz)"``.

        A spec without its words (as declared) takes its label from the catalogue.
        """
        label = self.label or _label_now(self)
        return f"{owner}: {self.name}" if label == self.name else f"{owner}: {label} ({self.name})"

    def _number(self, value: Any, owner: str, point: int = 0) -> float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ParameterError(
                f"{self._where(owner, point)} must be a number {self.range_text()}; got {value!r}."
            )
        number = float(value)
        if not math.isfinite(number):
            raise ParameterError(
                f"{self._where(owner, point)} must be a finite number {self.range_text()}; "
                f"got {value!r}."
            )
        lo, hi = self.lo, self.hi
        if lo is not None and math.isclose(number, lo, rel_tol=_SNAP_REL):
            number = lo
        if hi is not None and math.isclose(number, hi, rel_tol=_SNAP_REL):
            number = hi
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            raise ParameterError(
                f"{self._where(owner, point)} must be {self.range_text()}; got {number:g}."
            )
        return number

    def _where(self, owner: str, point: int = 0) -> str:
        where = self.where(owner)
        return f"{where} (envelope point {point})" if point else where

    def check(self, value: Any, owner: str) -> Any:
        """Return ``value`` normalised, or raise a plain :class:`ParameterError`.

        ``owner`` names the object (and the path to it) in the message. A number that
        differs from an end of the range only by float rounding is taken as that end.
        """
        if self.kind == "choice":
            if isinstance(value, int | np.integer) and not isinstance(value, bool):
                value = str(int(value))  # numeric choices: stages=6 means "6"
            if value not in (self.choices or ()):
                raise ParameterError(
                    f"{self.where(owner)} must be {self.range_text()}; got {value!r}."
                )
            return value
        if self.kind == "bool":
            if not isinstance(value, bool | np.bool_):
                raise ParameterError(f"{self.where(owner)} must be True or False; got {value!r}.")
            return bool(value)
        if isinstance(value, Mapping) and "times_s" in value:
            value = Envelope.from_dict(value)
        if isinstance(value, Envelope):
            if not self.automatable:
                raise ParameterError(
                    f"{self.where(owner)} cannot move over time; give one number "
                    f"{self.range_text()}."
                )
            checked = [self._number(v, owner, i + 1) for i, v in enumerate(value.values)]
            if checked != list(value.values):
                value = Envelope(value.times_s, checked, value.shape)
            return value
        return self._number(value, owner)


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
    automatable: bool = True,
    below_nyquist: bool = False,
    off: float | None = None,
    advanced: bool = False,
    kw_only: bool = False,
) -> Any:
    """Declare a parameter: a dataclass field that carries its metadata.

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
        One line: what the learner hears when it moves. The studio's own classes leave
        it out: their words live in the text catalogue (``params.toml``), which wins over
        what a declaration says, except in a class the catalogue does not know (a
        learner's own processor), whose declared words are shown.
    label : str, optional
        Short human name (the same rules as ``help``); derived from the field name when
        omitted.
    choices : iterable of str, optional
        Allowed values for a choice parameter.
    step : float, optional
        Slider step for linear numbers.
    automatable : bool
        Whether a number may move over time (hold an envelope). Default True.
    below_nyquist : bool
        A frequency that must stay below half the sample rate (checked per rate).
    off : float, optional
        The value that switches this frequency off (exempt from the Nyquist rule).
    advanced : bool
        Fold this control away in generated panels.
    kw_only : bool
        Make the field keyword-only (for fields declared on a base class).
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
        automatable=automatable and choice_tuple is None and not isinstance(default, bool),
        below_nyquist=below_nyquist,
        off=off,
        advanced=advanced,
    )
    return field(default=default, metadata={_SPEC_KEY: pending}, kw_only=kw_only)


def items(
    item_type: type[Parametric],
    default: Iterable[Parametric] = (),
    *,
    help: str = "",
    item_label: str = "",
    count: tuple[int, int | None] = (0, None),
) -> Any:
    """Declare a field holding a tuple of parametric objects (the bands of an EQ).

    ``item_type`` may be a base class (``Processor``): the items may then be of any
    registered subclass, and presets record each item's class. ``count`` is the
    smallest and largest number of items allowed (None: no limit).
    """
    default_tuple = tuple(default)
    return field(
        default_factory=lambda: default_tuple,
        metadata={_ITEMS_KEY: item_type, "help": help, "item_label": item_label, "count": count},
    )


def child(item_type: type[Parametric], default: Parametric | None = None, *, help: str = "") -> Any:
    """Declare a field holding one parametric object (the processor in a branch)."""
    if default is None:
        return field(default_factory=item_type, metadata={_CHILD_KEY: item_type, "help": help})
    return field(default_factory=lambda: default, metadata={_CHILD_KEY: item_type, "help": help})


def _label_from_name(name: str) -> str:
    for suffix in ("_db", "_dbfs", "_dbtp", "_lufs", "_lu", "_hz", "_ms", "_s", "_pct"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name.replace("_", " ")


def _label_now(spec: ParamSpec) -> str:
    """The label of a spec that carries none (as declared), looked up for a message."""
    cls = _REGISTRY.get(spec.owner)
    if cls is not None:
        for worded in cls.specs():
            if worded.name == spec.name:
                return worded.label
    return _label_from_name(spec.name)


def _catalogued(cls: type, name: str, entry: str) -> str | None:
    """Entry ``entry`` of field ``name`` of ``cls`` in the catalogue (None: it has none).

    The class and its bases are searched, most specific first, down to the class that
    declares the field: a field that a class the catalogue does not know declares
    itself (in a learner's own processor) keeps the words of its declaration.
    """
    for klass in cls.__mro__:
        if klass is object:
            break
        key = f"params.{klass.__name__}.{name}.{entry}"
        if has(key):
            return t(key)
        if name in vars(klass).get("__annotations__", {}):
            break
    return None


# ----------------------------------------------------------------------------- registry

_REGISTRY: dict[str, type[Parametric]] = {}


def _register(cls: type[Parametric]) -> None:
    name = cls.__name__
    if name.startswith("_"):
        return
    known = _REGISTRY.get(name)
    if known is not None and known is not cls:
        same_place = (known.__module__, known.__qualname__) == (cls.__module__, cls.__qualname__)
        if not same_place:  # a module re-imported (reload) may redefine its own classes
            raise TypeError(
                f"two parametric classes are both named {name!r} "
                f"({known.__module__}.{known.__qualname__} and {cls.__module__}."
                f"{cls.__qualname__}); presets name classes, so names must be unique."
            )
    _REGISTRY[name] = cls


def registered() -> dict[str, type[Parametric]]:
    """Every parametric class defined so far, by name."""
    return dict(_REGISTRY)


def parametric_class(name: str) -> type[Parametric]:
    """The registered class called ``name`` (importing every processor module first)."""
    cls = _REGISTRY.get(name)
    if cls is None:
        import studio.processors  # noqa: F401 - registers every processor class

        cls = _REGISTRY.get(name)
    if cls is None:
        raise ParameterError(f"unknown class {name!r}; known: {', '.join(sorted(_REGISTRY))}.")
    return cls


# -------------------------------------------------------------------------------- leaves


def text(default: str | None = "", *, optional: bool = False, kw_only: bool = False) -> Any:
    """Declare a plain text field: a name, a colour, a file path, the bus a track feeds.

    Text is not a control: it has no range and never moves over time, but it belongs to
    the object's data (presets and saved sessions keep it) and is checked to be a string
    (or None when ``optional``).
    """
    return field(default=default, metadata={_TEXT_KEY: optional}, kw_only=kw_only)


@dataclass(frozen=True)
class Leaf:
    """One value found by :meth:`Parametric.leaves`: where it is, what it is, its value."""

    path: Path
    spec: ParamSpec
    value: Any
    owner: Parametric


class Parametric:
    """Base for frozen objects declared with :func:`param`, :func:`items` and :func:`child`.

    Subclasses are frozen dataclasses. This base validates every declared field on
    construction (converting plain data such as dicts and lists into nested objects),
    and offers access by path at any depth, plain-data round trips and plain words.

    The words (labels, help lines, the title, the layout of :meth:`describe`) come from
    the text catalogue (:mod:`studio.text`) in the current language; a class the
    catalogue does not know shows what it declares (``label=``, ``help=``, the first
    line of its docstring).
    """

    # class -> its declarations as written (no words looked up): what validation needs.
    _declared_cache: ClassVar[dict[type, tuple[ParamSpec, ...]]] = {}
    # (class, language, revision) -> its specs with their words: what people read.
    _specs_cache: ClassVar[dict[tuple[type, str, int], tuple[ParamSpec, ...]]] = {}
    # (class, what, language, revision) -> a title, a name or a field's words.
    _words_cache: ClassVar[dict[tuple[Any, ...], Any]] = {}

    #: A base too general to lend its title to a subclass that has none of its own
    #: (read from the class itself only, never inherited).
    _generic: ClassVar[bool] = True

    #: Whether nested data always records the class (True where subclasses are many,
    #: as for processors in a chain).
    tag_in_data: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _register(cls)

    # -- declarations ---------------------------------------------------------------------

    @classmethod
    def _declared_specs(cls) -> tuple[ParamSpec, ...]:
        """The declarations as written, in field order, without looking up any words.

        Validation, presets and processing need only these, so building an object
        never reads the text catalogue.
        """
        cached = Parametric._declared_cache.get(cls)
        if cached is None:
            out = []
            for f in dataclasses.fields(cls):  # type: ignore[arg-type]
                pending = f.metadata.get(_SPEC_KEY)
                if pending is not None:
                    out.append(dataclasses.replace(pending, name=f.name, owner=cls.__name__))
            out.sort(key=lambda s: s.name == "bypass")  # the on/off switch goes last
            cached = Parametric._declared_cache[cls] = tuple(out)
        return cached

    @classmethod
    def specs(cls) -> tuple[ParamSpec, ...]:
        """Return the parameter declarations of this class, in field order.

        Each carries its label and help line in the current language (see
        :mod:`studio.text`); they are looked up once per class and language.
        """
        key = (cls, *cache_key())
        cached = Parametric._specs_cache.get(key)
        if cached is None:
            cached = Parametric._specs_cache[key] = tuple(
                dataclasses.replace(
                    s,
                    label=_catalogued(cls, s.name, "label") or s.label or _label_from_name(s.name),
                    help=_catalogued(cls, s.name, "help") or s.help,
                )
                for s in cls._declared_specs()
            )
        return cached

    @classmethod
    def spec(cls, name: str) -> ParamSpec:
        """Return the declaration of parameter ``name`` (with its words)."""
        for s in cls.specs():
            if s.name == name:
                return s
        raise ParameterError(
            f"{cls.__name__} has no parameter {name!r}; "
            f"its parameters are {', '.join(s.name for s in cls._declared_specs())}."
        )

    @classmethod
    def _marked(cls, key: str) -> dict[str, Any]:
        """The fields declared with ``key`` in their metadata, with what it holds."""
        return {
            f.name: f.metadata[key]
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if key in f.metadata
        }

    @classmethod
    def item_fields(cls) -> dict[str, type[Parametric]]:
        """The fields that hold tuples of parametric objects, with their item type."""
        return cls._marked(_ITEMS_KEY)

    @classmethod
    def child_fields(cls) -> dict[str, type[Parametric]]:
        """The fields that hold one parametric object, with its type."""
        return cls._marked(_CHILD_KEY)

    @classmethod
    def text_fields(cls) -> dict[str, bool]:
        """The plain text fields (name -> whether None is allowed)."""
        return cls._marked(_TEXT_KEY)

    @classmethod
    def item_count(cls, field_name: str) -> tuple[int, int | None]:
        """The smallest and largest number of items an items field allows."""
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name == field_name and _ITEMS_KEY in f.metadata:
                return f.metadata.get("count", (0, None))
        raise ParameterError(f"{cls.__name__} has no list of items called {field_name!r}.")

    @classmethod
    def _cached_words(cls, what: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        key = (cls, *what, *cache_key())
        if key not in Parametric._words_cache:
            Parametric._words_cache[key] = make()
        return Parametric._words_cache[key]

    @classmethod
    def item_label(cls, field_name: str) -> str:
        """What one item of an items field is called in words ("band", "stage")."""

        def make() -> str:
            found = _catalogued(cls, field_name, "item")
            if found is not None:
                return found
            for f in dataclasses.fields(cls):  # type: ignore[arg-type]
                if f.name == field_name and f.metadata.get("item_label"):
                    return str(f.metadata["item_label"])
            return field_name[:-1] if field_name.endswith("s") else field_name

        return cls._cached_words(("item", field_name), make)

    @classmethod
    def field_words(cls, name: str) -> tuple[str, str]:
        """Label and help line of any field: a parameter, a list of items or a child.

        Examples
        --------
        >>> from studio.processors.eq import ParametricEQ
        >>> ParametricEQ.field_words("bands")[0]
        'bands'
        """

        def make() -> tuple[str, str]:
            for s in cls.specs():
                if s.name == name:
                    return s.label, s.help
            declared = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
            if name not in declared:
                raise ParameterError(f"{cls.__name__} has no field {name!r}.")
            label = _catalogued(cls, name, "label") or _label_from_name(name)
            help_ = _catalogued(cls, name, "help") or declared[name].metadata.get("help", "")
            return label, str(help_)

        return cls._cached_words(("field", name), make)

    @classmethod
    def class_title(cls) -> str:
        """The line that opens :meth:`describe`, e.g. ``"Gain: turn the whole ..."``.

        From the catalogue (``processors.toml``); a class it does not know gives the
        first line of its own docstring, else its name.
        """

        def make() -> str:
            for klass in cls.__mro__:
                if klass is object or (vars(klass).get("_generic") and klass is not cls):
                    break
                found = processor_title(klass.__name__, None)
                if found is not None:
                    return str(found)
                doc = vars(klass).get("__doc__") or ""
                if doc.strip() and not doc.startswith(f"{klass.__name__}("):  # not dataclass's
                    return doc.strip().splitlines()[0]
            return cls.__name__

        return cls._cached_words(("title",), make)

    @classmethod
    def class_name(cls) -> str:
        """A short name for headings and lists, e.g. ``"Parametric EQ"`` (else the class name)."""

        def make() -> str:
            for klass in cls.__mro__:
                if klass is object or (vars(klass).get("_generic") and klass is not cls):
                    break
                found = processor_name(klass.__name__, None)
                if found is not None:
                    return str(found)
            return cls.__name__

        return cls._cached_words(("name",), make)

    @property
    def owner_label(self) -> str:
        """Name used in messages (the class name)."""
        return type(self).__name__

    # -- construction -----------------------------------------------------------------------

    def __post_init__(self) -> None:
        owner = self.owner_label
        for name, optional in self.text_fields().items():
            value = getattr(self, name)
            if isinstance(value, os.PathLike):
                value = os.fspath(value)
                object.__setattr__(self, name, value)
            if not (isinstance(value, str) or (optional and value is None)):
                raise ParameterError(f"{owner}: {name} must be text; got {value!r}.")
        for spec in self._declared_specs():
            value = spec.check(getattr(self, spec.name), owner)
            object.__setattr__(self, spec.name, value)
        for name, item_type in self.item_fields().items():
            raw = getattr(self, name)
            if isinstance(raw, Mapping | str | bytes) or not isinstance(raw, Iterable):
                raise ParameterError(
                    f"{owner}: {name} must be a list of {item_type.__name__}; got {raw!r}."
                )
            converted = tuple(
                _coerce(item, item_type, f"{owner} {name}[{i}]") for i, item in enumerate(raw)
            )
            low, high = self.item_count(name)
            if len(converted) < low or (high is not None and len(converted) > high):
                wanted = (
                    f"exactly {low}"
                    if low == high
                    else (f"at least {low}" if high is None else f"between {low} and {high}")
                )
                raise ParameterError(
                    f"{owner}: {name} must be {wanted} {type(self).item_label(name)}s; "
                    f"got {len(converted)}."
                )
            object.__setattr__(self, name, converted)
        for name, item_type in self.child_fields().items():
            value = _coerce(getattr(self, name), item_type, f"{owner} {name}")
            object.__setattr__(self, name, value)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """Build an object from :meth:`to_dict` data (nested objects and envelopes too)."""
        if not isinstance(data, Mapping):
            raise ParameterError(f"{cls.__name__}: expected a dict of values; got {data!r}.")
        known = {f.name for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
        unknown = sorted(set(data) - known)
        if unknown:
            raise ParameterError(
                f"{cls.__name__} has no parameter {unknown[0]!r}; its parameters are "
                f"{', '.join(sorted(known))}."
            )
        return cls(**dict(data))

    # -- reading ------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """Return the declared parameter values of this object (name -> value)."""
        return {s.name: getattr(self, s.name) for s in self._declared_specs()}

    def get(self, path: Path | str) -> Any:
        """The value (or nested object) at ``path``.

        Examples
        --------
        >>> from studio.processors.eq import ParametricEQ
        >>> ParametricEQ().get(("bands", 1, "freq_hz"))
        400.0
        """
        target: Any = self
        steps = _as_path(path)
        for depth, part in enumerate(steps):
            target = _step(target, part, self.owner_label, steps[: depth + 1])
        return target

    def spec_at(self, path: Path | str) -> ParamSpec:
        """The declaration of the value at ``path`` (a parameter, not a nested object)."""
        steps = _as_path(path)
        if not steps:
            raise ParameterError(f"{self.owner_label}: an empty path names no parameter.")
        owner = self.get(steps[:-1]) if len(steps) > 1 else self
        if not isinstance(owner, Parametric) or not isinstance(steps[-1], str):
            raise ParameterError(f"{self.owner_label}: {format_path(steps)} is not a parameter.")
        return type(owner).spec(steps[-1])

    def leaves(self, prefix: Path = (), *, words: bool = True) -> Iterator[Leaf]:
        """Every declared value at any depth, with its path, spec and owning object.

        ``words=False`` gives the specs as declared, without looking up their label and
        help (what checks and processing need; it never reads the text catalogue).

        Examples
        --------
        >>> from studio.processors.eq import ParametricEQ
        >>> [leaf.path for leaf in ParametricEQ().leaves()][:3]
        [('phase',), ('bypass',), ('bands', 0, 'kind')]
        """
        for spec in self.specs() if words else self._declared_specs():
            yield Leaf((*prefix, spec.name), spec, getattr(self, spec.name), self)
        for name in self.item_fields():
            for i, item in enumerate(getattr(self, name)):
                yield from item.leaves((*prefix, name, i), words=words)
        for name in self.child_fields():
            yield from getattr(self, name).leaves((*prefix, name), words=words)

    def nested(self, prefix: Path = ()) -> Iterator[tuple[Path, Parametric]]:
        """Yield this object and every object nested in it, with their paths (depth first)."""
        yield prefix, self
        for name in self.item_fields():
            for i, item in enumerate(getattr(self, name)):
                yield from item.nested((*prefix, name, i))
        for name in self.child_fields():
            yield from getattr(self, name).nested((*prefix, name))

    @property
    def moves(self) -> bool:
        """Whether any value at any depth is an envelope (automation)."""
        return any(isinstance(leaf.value, Envelope) for leaf in self.leaves(words=False))

    # -- changing -----------------------------------------------------------------------

    def replace(self, path: Path | str | None = None, value: Any = None, /, **changes: Any) -> Any:
        """Return a copy with some values changed (the original is untouched).

        Either by name, ``replace(ratio=2.0)``, or by path at any depth,
        ``replace(("bands", 1, "gain_db"), -6.0)``. A bad value raises a
        :class:`ParameterError` naming the whole path.

        Examples
        --------
        >>> from studio.processors.dynamics import Compressor
        >>> Compressor().replace(ratio=2.0).ratio
        2.0
        >>> from studio.processors.eq import ParametricEQ
        >>> ParametricEQ().replace(("bands", 1, "gain_db"), -6.0).bands[1].gain_db
        -6.0
        """
        if path is not None:
            if changes:
                raise TypeError("replace(): give a path and a value, or names=values, not both")
            return _replace_at(self, _as_path(path), value, self.owner_label, ())
        known = {f.name for f in dataclasses.fields(self) if f.init}  # type: ignore[arg-type]
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ParameterError(
                f"{self.owner_label} has no parameter {unknown[0]!r}; its parameters are "
                f"{', '.join(sorted(known))}."
            )
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def map_values(self, fn: Callable[[Leaf], Any]) -> Any:
        """A copy with every declared value at any depth replaced by ``fn(leaf)``.

        Objects whose values do not change are kept as they are (not copied). The
        leaves' specs are as declared (no label or help looked up).
        """
        changes: dict[str, Any] = {}
        for spec in self._declared_specs():
            old = getattr(self, spec.name)
            new = fn(Leaf((spec.name,), spec, old, self))
            if new is not old:
                changes[spec.name] = new
        for name in self.item_fields():
            old_items = getattr(self, name)
            new_items = tuple(item.map_values(fn) for item in old_items)
            if any(a is not b for a, b in zip(old_items, new_items, strict=True)):
                changes[name] = new_items
        for name in self.child_fields():
            old_child = getattr(self, name)
            new_child = old_child.map_values(fn)
            if new_child is not old_child:
                changes[name] = new_child
        return dataclasses.replace(self, **changes) if changes else self  # type: ignore[type-var]

    def at(self, t_s: float = 0.0) -> Any:
        """A copy with every envelope frozen at its value at ``t_s`` seconds.

        What the settings are at one moment: plots of a static curve or a frequency
        response draw this.
        """

        def freeze(leaf: Leaf) -> Any:
            value = leaf.value
            return float(value.value_at(t_s)) if isinstance(value, Envelope) else value

        return self.map_values(freeze)

    def shifted(self, offset_s: float) -> Any:
        """A copy with every envelope moved ``offset_s`` seconds (``-start_s`` for a passage).

        Processing counts time from the first sample it is given; to process the part of
        a song that starts at ``start_s`` with the song's automation, use
        ``proc.shifted(-start_s)``.
        """
        if offset_s == 0.0:
            return self

        def move(leaf: Leaf) -> Any:
            value = leaf.value
            return value.shifted(offset_s) if isinstance(value, Envelope) else value

        return self.map_values(move)

    # -- plain data ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the values as plain JSON-ready data (nested objects and envelopes too)."""
        data: dict[str, Any] = {name: getattr(self, name) for name in self.text_fields()}
        for spec in self._declared_specs():
            value = getattr(self, spec.name)
            data[spec.name] = value.to_dict() if isinstance(value, Envelope) else value
        for name, item_type in self.item_fields().items():
            data[name] = [_item_data(item, item_type) for item in getattr(self, name)]
        for name, item_type in self.child_fields().items():
            data[name] = _item_data(getattr(self, name), item_type)
        return data

    def tagged_dict(self) -> dict[str, Any]:
        """Plain data that also names the class: ``{"class": ..., "params": ...}``."""
        return {"class": type(self).__name__, "params": self.to_dict()}

    # -- neutral ------------------------------------------------------------------------

    @classmethod
    def neutral(cls) -> Any:
        """Return an instance whose parameters are all at their neutral values."""
        kwargs = {s.name: s.neutral for s in cls._declared_specs() if s.neutral is not None}
        return cls(**kwargs)

    def is_neutral(self) -> bool:
        """True when every parameter that has a neutral value is at it (nested too)."""
        own = all(
            getattr(self, s.name) == s.neutral
            for s in self._declared_specs()
            if s.neutral is not None
        )
        nested = all(
            item.is_neutral() for name in self.item_fields() for item in getattr(self, name)
        ) and all(getattr(self, name).is_neutral() for name in self.child_fields())
        return own and nested

    # -- words ------------------------------------------------------------------------

    def _param_lines(self, indent: str = "  ") -> list[str]:
        """One line per parameter (the on/off switch aside): label, value, what it does."""
        lines = []
        for s in self.specs():
            if s.name == "bypass":
                continue  # said in the headline when on
            value = getattr(self, s.name)
            text = s.format(value)
            if s.neutral is not None and not isinstance(value, Envelope) and value == s.neutral:
                text = t("describe.neutral", value=text)
            key = "describe.line" if s.help else "describe.line_plain"
            lines.append(indent + t(key, label=s.label, value=text, help=s.help))
        return lines

    def describe_lines(self, indent: str = "  ") -> list[str]:
        """Return one line per parameter: value with unit, then what it does."""
        lines = self._param_lines(indent)
        cls = type(self)
        for name in self.item_fields():
            for i, item in enumerate(getattr(self, name), start=1):
                line = t(
                    "describe.item", item=cls.item_label(name), number=i, summary=item.summary()
                )
                lines.append(indent + line)
        for name in self.child_fields():
            inner = getattr(self, name).describe().replace("\n", "\n" + indent)
            lines.append(
                indent + t("describe.child", label=cls.field_words(name)[0], description=inner)
            )
        return lines

    def summary(self) -> str:
        """One-line summary of the values, e.g. ``"peak 400 Hz, +3 dB, Q 1"``."""
        return ", ".join(
            t("describe.summary_part", label=s.label, value=s.format(getattr(self, s.name)))
            for s in self.specs()
            if s.name != "bypass"
        )

    def headline(self) -> str:
        """What this is, in a few words (its title: see :meth:`class_title`)."""
        return type(self).class_title()

    def describe(self) -> str:
        """Plain-words description: what this is and what every parameter is set to."""
        return "\n".join([self.headline(), *self.describe_lines()])


# ------------------------------------------------------------------------------ helpers


def _as_path(path: Path | str) -> Path:
    if isinstance(path, str):
        return (path,)
    if isinstance(path, tuple):
        return path
    if isinstance(path, list):
        return tuple(path)
    raise ParameterError(f"a path is a tuple of names and indices; got {path!r}.")


def _step(target: Any, part: str | int, root: str, so_far: Path) -> Any:
    """One step along a path: a field of an object, or an item of a tuple."""
    if isinstance(target, tuple):
        return target[_item_index(target, part, root, so_far)]
    if isinstance(target, Parametric) and isinstance(part, str):
        names = [f.name for f in dataclasses.fields(target) if f.init]  # type: ignore[arg-type]
        if part not in names:
            raise ParameterError(
                f"{root}: {format_path(so_far)} does not exist; {type(target).__name__} has "
                f"{', '.join(names)}."
            )
        return getattr(target, part)
    raise ParameterError(f"{root}: {format_path(so_far)} does not exist.")


def _item_index(items: tuple[Any, ...], part: str | int, root: str, so_far: Path) -> int:
    """The position of an item named by its number or, for named items, by its name."""
    if isinstance(part, str):
        names = [getattr(item, "name", None) for item in items]
        if part in names:
            return names.index(part)
        known = [n for n in names if isinstance(n, str)]
        if known:
            raise ParameterError(
                f"{root}: {format_path(so_far)} does not exist; the names are "
                f"{', '.join(map(repr, known))}."
            )
        raise ParameterError(f"{root}: {format_path(so_far)} needs an item number.")
    if isinstance(part, bool) or not isinstance(part, int):
        raise ParameterError(f"{root}: {format_path(so_far)} needs an item number.")
    if not -len(items) <= part < len(items):
        raise ParameterError(
            f"{root}: {format_path(so_far)} does not exist; there are "
            f"{len(items)} items (numbered from 0)."
        )
    return part if part >= 0 else len(items) + part


def _replace_at(obj: Any, path: Path, value: Any, root: str, done: Path) -> Any:
    """Rebuild ``obj`` with ``value`` at ``path``; errors name the whole path."""
    if not path:
        return value
    part, rest = path[0], path[1:]
    here = (*done, part)
    current = _step(obj, part, root, here)
    new_value = _replace_at(current, rest, value, root, here)
    if isinstance(obj, tuple):
        index = _item_index(obj, part, root, here)
        return (*obj[:index], new_value, *obj[index + 1 :])
    if not rest:  # the leaf itself: check it here so the message names the whole path
        for spec in type(obj)._declared_specs():
            if spec.name == part:
                where_owner = f"{root} {format_path(done)}".rstrip() if done else root
                new_value = spec.check(new_value, where_owner)
    try:
        return dataclasses.replace(obj, **{part: new_value})  # type: ignore[arg-type]
    except ParameterError as exc:
        if not done:
            raise
        raise ParameterError(f"{root} {format_path(done)}: {exc}") from None


def _coerce(value: Any, item_type: type[Parametric], where: str) -> Parametric:
    """Turn plain data (a dict, a preset) into an object of ``item_type``, or refuse."""
    if isinstance(value, Mapping):
        # a class tag is a name; a field that happens to be called "processor" is not
        tags = [value.get(k) for k in ("processor", "class")]
        name = next((tag for tag in tags if isinstance(tag, str)), None)
        cls: type[Parametric] = item_type
        data: Mapping[str, Any] = value
        if name is not None:
            found = parametric_class(str(name))
            if not issubclass(found, item_type):
                raise ParameterError(f"{where}: {name!r} is not a {item_type.__name__}.")
            cls = found
            data = value.get("params", {})
        try:
            value = cls.from_dict(data)
        except ParameterError as exc:
            raise ParameterError(f"{where}: {exc}") from None
        except TypeError as exc:
            raise ParameterError(f"{where} is not a valid {cls.__name__}: {exc}") from None
    if not isinstance(value, item_type):
        raise ParameterError(f"{where} must be a {item_type.__name__}; got {value!r}.")
    return value


def _item_data(item: Parametric, declared: type[Parametric]) -> dict[str, Any]:
    """Plain data of a nested object; its class is recorded unless it is the declared one."""
    if type(item) is declared and not declared.tag_in_data:
        return item.to_dict()
    return item.tagged_dict()
