"""Time-varying parameters: a number, an array, or an envelope.

Every continuous parameter of a pure DSP function accepts either a constant or a value
per sample frame, so automation (a vocal ride, a filter sweep) needs no new DSP. An
:class:`Envelope` describes a change with a few breakpoints, the way an automation
lane does, and renders to the per-frame array.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from studio import buffers
from studio.errors import ParameterError

__all__ = ["SHAPES", "Control", "Envelope", "is_varying", "resolve", "value_range"]

#: Segments shorter than this (seconds) are jumps: far below one sample at any rate.
_SHORTEST_SEGMENT_S = 1e-9

#: How an envelope travels between breakpoints (see :class:`Envelope`).
SHAPES = ("linear", "hold", "smooth", "exponential")


@dataclass(frozen=True)
class Envelope:
    """A parameter that moves over time, given as breakpoints (an automation lane's line).

    Parameters
    ----------
    times_s : sequence of float
        Breakpoint times in seconds, never going backwards (two equal times make a jump).
    values : sequence of float
        The parameter's value at each breakpoint, in the parameter's own unit.
    shape : str or sequence of str
        How the value travels from one breakpoint to the next: one shape for every
        segment, or one per segment (``len(times_s) - 1`` of them). See :data:`SHAPES`:

        * ``"linear"``: a straight line (a fader ride);
        * ``"hold"``: a step that keeps the value until the next breakpoint;
        * ``"smooth"``: an S-curve (raised cosine) that leaves and arrives gently, so a
          move starts and ends without a corner (reverb-send throws, slow swells);
        * ``"exponential"``: equal ratios in equal times, a straight line on a log
          scale: the shape for frequency sweeps and times (positive values only).

    Before the first breakpoint the first value holds; after the last, the last.

    Examples
    --------
    >>> ride = Envelope([0.0, 2.0, 2.5], [0.0, 0.0, -6.0])  # dip 6 dB after 2 s
    >>> ride.render(4, sr=1)
    array([ 0.,  0.,  0., -6.])
    >>> sweep = Envelope([0.0, 2.0], [100.0, 400.0], shape="exponential")
    >>> float(sweep.value_at(1.0))  # halfway in time is halfway in octaves
    200.0
    """

    times_s: Sequence[float]
    values: Sequence[float]
    shape: str | Sequence[str] = "linear"

    def __post_init__(self) -> None:
        times = np.asarray(self.times_s, dtype=np.float64)
        values = np.asarray(self.values, dtype=np.float64)
        if times.ndim != 1 or times.shape != values.shape or len(times) == 0:
            raise ParameterError(
                "Envelope: times_s and values must be equally long, non-empty lists; "
                f"got {np.size(times)} times and {np.size(values)} values."
            )
        if not (np.all(np.isfinite(times)) and np.all(np.isfinite(values))):
            raise ParameterError("Envelope: times and values must be finite numbers.")
        if np.any(np.diff(times) < 0):
            raise ParameterError("Envelope: times_s must not go backwards.")
        shapes = _segment_shapes(self.shape, len(times))
        if "exponential" in shapes:
            for k, shape in enumerate(shapes):
                if shape == "exponential" and min(values[k], values[k + 1]) <= 0.0:
                    raise ParameterError(
                        f"Envelope: segment {k + 1} is exponential, which needs values above "
                        f"0; got {values[k]:g} -> {values[k + 1]:g}. Use 'linear' or 'smooth'."
                    )
        object.__setattr__(self, "times_s", tuple(times.tolist()))
        object.__setattr__(self, "values", tuple(values.tolist()))
        # one shape for all segments stays a plain string (readable presets)
        single = isinstance(self.shape, str) or len(set(shapes)) <= 1
        if single:
            one = self.shape if isinstance(self.shape, str) else (shapes[0] if shapes else "linear")
            object.__setattr__(self, "shape", one)
        else:
            object.__setattr__(self, "shape", shapes)

    @property
    def shapes(self) -> tuple[str, ...]:
        """The shape of every segment (``len(times_s) - 1`` of them)."""
        return _segment_shapes(self.shape, len(self.times_s))

    def value_at(self, t_s: float | np.ndarray) -> float | np.ndarray:
        """The value at time(s) ``t_s`` in seconds."""
        t = np.asarray(t_s, dtype=np.float64)
        out = self._evaluate(np.atleast_1d(t))
        return float(out[0]) if t.ndim == 0 else out

    def render(
        self,
        n_frames: int,
        sr: int,
        *,
        fn: Callable[[np.ndarray], np.ndarray] | None = None,
        dtype: Any = np.float64,
    ) -> np.ndarray:
        """The value at every sample frame, as an array of ``n_frames``.

        Computed one segment at a time (the flat parts before the first and after the
        last breakpoint, and segments between equal values, are simply filled), so a
        three-minute lane costs its output and little more; every frame gets exactly
        the value :meth:`value_at` gives at ``frame / sr``.

        Parameters
        ----------
        n_frames, sr : int
            How many frames, at which sample rate.
        fn : callable, optional
            Applied to the values (an array in, an array out, element by element), so
            ``render(n, sr, fn=to_gain)`` equals ``to_gain(render(n, sr))``; a flat
            stretch is converted once, not frame by frame (a fader lane in dB becomes
            gains at the cost of its moves only).
        dtype : numpy dtype
            Of the result (float64 unless asked).
        """
        out = buffers.empty(n_frames, dtype)
        if n_frames == 0:
            return out

        def mapped(values: np.ndarray) -> np.ndarray:
            return values if fn is None else fn(values)

        def constant(value: float) -> Any:
            return value if fn is None else mapped(np.array([value]))[0]

        times = self.times_s
        first, last = _first_frame_at(times[0], sr), _first_frame_at(times[-1], sr)
        lo, hi = min(first, n_frames), min(last, n_frames)
        out[:lo] = constant(self.values[0])
        out[max(hi, lo) :] = constant(self.values[-1])
        values, shapes = self.values, self.shapes
        all_linear = set(shapes) == {"linear"}
        step = 1 << 16  # frames per piece: bounded temporaries for long segments
        for k, shape in enumerate(shapes):  # segment k: times[k] <= t < times[k + 1]
            a_frame = max(lo, _first_frame_at(times[k], sr))
            b_frame = min(hi, _first_frame_at(times[k + 1], sr))
            t0, span = times[k], times[k + 1] - times[k]
            a, b = values[k], values[k + 1]
            if a_frame >= b_frame:
                continue
            if span <= _SHORTEST_SEGMENT_S or a == b:  # a jump (the later value) or flat
                out[a_frame:b_frame] = constant(b)
                continue
            for start in range(a_frame, b_frame, step):
                end = min(b_frame, start + step)
                t = np.arange(start, end, dtype=np.float64) / sr
                if all_linear:  # as value_at computes it: numpy's interpolation
                    piece = np.interp(t, (t0, times[k + 1]), (a, b))
                else:
                    piece = _shaped(shape, np.clip((t - t0) / span, 0.0, 1.0), a, b)
                out[start:end] = mapped(piece)
        return out

    def _evaluate(self, t: np.ndarray) -> np.ndarray:
        times = np.asarray(self.times_s)
        values = np.asarray(self.values)
        shapes = self.shapes
        if not shapes:  # one breakpoint: a constant
            return np.full(t.shape, values[0])
        if len(set(shapes)) == 1 and shapes[0] == "linear":
            return np.interp(t, times, values)
        # segment k runs from times[k] to times[k + 1]; a jump (equal times) takes the later
        k = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
        t0, t1 = times[k], times[k + 1]
        v0, v1 = values[k], values[k + 1]
        span = t1 - t0
        real = span > _SHORTEST_SEGMENT_S  # shorter than this is a jump
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            u = np.where(real, (t - t0) / np.where(real, span, 1.0), 1.0)
        u = np.clip(u, 0.0, 1.0)
        # a segment between equal values holds it, whatever its shape (every formula
        # below gives exactly ``a`` there): only the moving segments are computed
        out = np.array(v0, dtype=np.float64)
        moving = v0 != v1
        kinds = _shape_codes(shapes)[k]
        for code, shape in enumerate(_SHAPE_ORDER):
            if shape not in shapes:
                continue
            sel = (kinds == code) & moving
            if not np.any(sel):
                continue
            uu, a, b = u[sel], v0[sel], v1[sel]
            if shape == "hold":
                out[sel] = np.where(uu >= 1.0, b, a)
            elif shape == "smooth":
                out[sel] = a + (b - a) * (0.5 - 0.5 * np.cos(np.pi * uu))
            elif shape == "exponential":
                out[sel] = a * np.power(b / a, uu)
            else:
                out[sel] = a + (b - a) * uu
        out[t < times[0]] = values[0]
        out[t >= times[-1]] = values[-1]
        return out

    @property
    def range(self) -> tuple[float, float]:
        """Lowest and highest value the envelope reaches."""
        return min(self.values), max(self.values)

    @property
    def start_value(self) -> float:
        """The value before and at the first breakpoint."""
        return self.values[0]

    def shifted(self, offset_s: float) -> Envelope:
        """The same line moved ``offset_s`` seconds later (negative: earlier).

        A preview of the song from 8 s hears the automation of 8 s onwards when the
        envelope is shifted by -8 s, because processing counts time from the first
        sample it is given.
        """
        return Envelope([t + offset_s for t in self.times_s], self.values, self.shape)

    def map_values(self, fn: Callable[[float], float]) -> Envelope:
        """The same times and shapes with every value passed through ``fn``."""
        return Envelope(self.times_s, [fn(v) for v in self.values], self.shape)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready data: ``{"times_s": [...], "values": [...], "shape": ...}``."""
        shape = self.shape if isinstance(self.shape, str) else list(self.shape)
        return {"times_s": list(self.times_s), "values": list(self.values), "shape": shape}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Envelope:
        """Build an envelope from :meth:`to_dict` data (a plain error when malformed)."""
        if not isinstance(data, Mapping) or not {"times_s", "values"} <= set(data):
            raise ParameterError(
                "Envelope: expected a dict with 'times_s' and 'values' (and an optional "
                f"'shape'); got {data!r}."
            )
        extra = sorted(set(data) - {"times_s", "values", "shape"})
        if extra:
            raise ParameterError(f"Envelope: unknown key {extra[0]!r} in {data!r}.")
        return cls(data["times_s"], data["values"], data.get("shape", "linear"))  # type: ignore[arg-type]


def _segment_shapes(shape: str | Sequence[str], n_points: int) -> tuple[str, ...]:
    n_segments = max(0, n_points - 1)
    if isinstance(shape, str):
        shapes: tuple[str, ...] = (shape,) * n_segments
        named: tuple[str, ...] = (shape,)
    else:
        shapes = tuple(shape)
        named = shapes
        if len(shapes) != n_segments:
            raise ParameterError(
                f"Envelope: {n_points} breakpoints make {n_segments} segments, so give one "
                f"shape or {n_segments} shapes; got {len(shapes)}."
            )
    for s in named:
        if s not in SHAPES:
            raise ParameterError(f"Envelope: shape must be one of {', '.join(SHAPES)}; got {s!r}.")
    return shapes


#: What a DSP function accepts for a continuous parameter.
Control = float | np.ndarray | Envelope


_SHAPE_ORDER = SHAPES  # the order of the codes below


def _shaped(shape: str, u: np.ndarray, a: float, b: float) -> np.ndarray:
    """The value a fraction ``u`` (0..1) along a segment from ``a`` to ``b``."""
    if shape == "hold":
        return np.where(u >= 1.0, b, a)
    if shape == "smooth":
        return a + (b - a) * (0.5 - 0.5 * np.cos(np.pi * u))
    if shape == "exponential":
        return a * np.power(b / a, u)
    return a + (b - a) * u


def _shape_codes(shapes: tuple[str, ...]) -> np.ndarray:
    """Each segment's shape as a small integer (indexing these is cheap per frame)."""
    return np.array([_SHAPE_ORDER.index(s) for s in shapes], dtype=np.int8)


def _first_frame_at(t_s: float, sr: int) -> int:
    """The first frame ``i >= 0`` with ``i / sr >= t_s`` (exactly as numpy divides)."""
    if t_s <= 0.0:
        return 0
    i = int(np.ceil(t_s * sr))
    while i > 0 and (i - 1) / sr >= t_s:
        i -= 1
    while i / sr < t_s:
        i += 1
    return i


def resolve(
    value: Control, n_frames: int, sr: int, *, name: str = "parameter"
) -> float | np.ndarray:
    """Turn a parameter into a float (constant) or a float64 array of ``n_frames``.

    Arrays must have exactly one value per frame; an array whose values are all equal
    comes back as a plain float, so constant automation costs nothing extra.
    """
    if isinstance(value, Envelope):
        arr = value.render(n_frames, sr)
    elif np.ndim(value) == 0:
        number = float(value)
        if not np.isfinite(number):
            raise ParameterError(f"{name} must be a finite number; got {value!r}.")
        return number
    else:
        arr = np.asarray(value, dtype=np.float64)
        if arr.ndim != 1 or len(arr) != n_frames:
            raise ParameterError(
                f"{name}: a time-varying value needs one value per frame ({n_frames}); "
                f"got shape {arr.shape}."
            )
        if not np.all(np.isfinite(arr)):
            raise ParameterError(f"{name}: the time-varying value contains NaN or Inf.")
    if len(arr) and arr.min() == arr.max():
        return float(arr[0])
    return arr


def value_range(value: Control) -> tuple[float, float]:
    """Lowest and highest value a parameter takes: a number, an envelope or an array."""
    if isinstance(value, Envelope):
        return value.range
    if np.ndim(value) == 0:
        number = float(value)
        return number, number
    arr = np.asarray(value, dtype=np.float64)
    return float(arr.min()), float(arr.max())


def is_varying(value: object) -> bool:
    """True when ``value`` is an array or an envelope rather than one number."""
    return isinstance(value, Envelope) or np.asarray(value).ndim > 0
