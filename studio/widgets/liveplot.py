"""A light live plot: SVG line charts drawn in the browser by a small widget of our own.

Why not plotly's ``FigureWidget``: each one ships plotly's whole ~5 MB library to the
browser (and into the saved notebook), and it raises hidden kernel-side errors when the
browser sends its deltas back. A console of many strips needs live plots that cost a
few kilobytes each. This one draws:

* several subplots side by side in one widget, each with its own title and axes;
* per axis a label with its unit, a linear or log scale and a **fixed range** (the axes
  never rescale by themselves, so before and after stay comparable), with readable
  ticks (a log frequency axis reads 20, 50, 100, 200, 500, 1k, 2k, 5k, 10k, 20k);
* lines with colour, width and dash, optionally filled to zero;
* labelled horizontal and vertical reference lines (a -14 LUFS target, the 0 dB line),
  their labels placed where they do not sit on a curve;
* a legend, and a readout with units under the pointer.

Each trace is its own small widget model holding its points as float32 binary buffers,
so updating one curve sends that curve alone. The page shows what it drew in data
attributes for tests: every trace path carries ``data-trace`` (its name) and
``data-points``, and the widget's element a ``data-version`` that goes up on each redraw.
"""

from __future__ import annotations

import math
import pathlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import anywidget
import numpy as np
import traitlets
from ipywidgets import Widget, widget_serialization

from studio.errors import ParameterError
from studio.widgets.lifecycle import register_view

__all__ = ["PALETTE", "Axis", "LivePlot", "RefLine", "Subplot", "Trace"]

_HERE = pathlib.Path(__file__).parent

#: Line colours, in order of use: distinct in colour and in lightness.
PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
)

_DASHES = ("solid", "dash", "dot", "dashdot")


@dataclass(frozen=True)
class Axis:
    """One axis: what it measures, its unit, its scale and its fixed range.

    Parameters
    ----------
    label : str
        What the axis measures, e.g. ``"frequency"``.
    unit : str
        Its unit, shown after the label and in the readout (``"Hz"``, ``"dB"``).
    scale : {"linear", "log"}
        Log for frequency and other ratios.
    range : (float, float), optional
        The fixed range shown. Without it the axis spans the data of its subplot (use
        that only for drawings made once: a live curve should have a fixed range).
    """

    label: str
    unit: str = ""
    scale: Literal["linear", "log"] = "linear"
    range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.scale not in ("linear", "log"):
            raise ParameterError(f"Axis {self.label!r}: scale must be 'linear' or 'log'.")
        if self.range is not None:
            lo, hi = (float(v) for v in self.range)
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise ParameterError(
                    f"Axis {self.label!r}: range must be two finite numbers, low < high; "
                    f"got {self.range!r}."
                )
            if self.scale == "log" and lo <= 0.0:
                raise ParameterError(f"Axis {self.label!r}: a log axis needs a range above 0.")
            object.__setattr__(self, "range", (lo, hi))

    def to_json(self) -> dict[str, Any]:
        """The axis as the browser reads it."""
        return {
            "label": self.label,
            "unit": self.unit,
            "scale": self.scale,
            "range": list(self.range) if self.range is not None else None,
        }


@dataclass(frozen=True)
class RefLine:
    """A labelled reference line: horizontal at ``y=value`` or vertical at ``x=value``.

    The label is placed at one end of the line, above or below it (left or right of a
    vertical one), wherever it covers the fewest points of the curves.
    """

    axis: Literal["x", "y"]
    value: float
    label: str = ""
    color: str = "#666666"
    dash: str = "dash"

    def to_json(self) -> dict[str, Any]:
        """The line as the browser reads it."""
        if self.axis not in ("x", "y") or not math.isfinite(self.value):
            raise ParameterError(f"RefLine {self.label!r}: axis 'x' or 'y' and a finite value.")
        return {
            "axis": self.axis,
            "value": float(self.value),
            "label": self.label,
            "color": self.color,
            "dash": self.dash,
        }


@dataclass(frozen=True)
class Subplot:
    """One chart of a :class:`LivePlot`: a title, two axes, reference lines."""

    x: Axis
    y: Axis
    title: str = ""
    width: float = 1.0  # share of the widget's width, relative to the other subplots
    refs: tuple[RefLine, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """The subplot as the browser reads it."""
        return {
            "title": self.title,
            "width": float(self.width),
            "x": self.x.to_json(),
            "y": self.y.to_json(),
            "refs": [ref.to_json() for ref in self.refs],
        }


def _float32_bytes(values: Any) -> tuple[bytes, int]:
    """Values as little-endian float32 bytes; not finite becomes NaN (a gap in the line)."""
    array = np.asarray(values, dtype=np.float64).ravel()
    with np.errstate(over="ignore"):
        floats = array.astype("<f4")
    floats[~np.isfinite(floats)] = np.nan
    return floats.tobytes(), floats.size


class Trace(Widget):
    """One line of a :class:`LivePlot`: its points and its style (a data-only model).

    Every trace is its own widget model so that a new curve sends only its own points.
    Points are float32; NaN (and anything not finite) leaves a gap in the line.
    """

    name = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    subplot = traitlets.Int(0).tag(sync=True)
    x_data = traitlets.Bytes(b"").tag(sync=True)
    y_data = traitlets.Bytes(b"").tag(sync=True)
    color = traitlets.Unicode(PALETTE[0]).tag(sync=True)
    width = traitlets.Float(1.5).tag(sync=True)
    dash = traitlets.Unicode("solid").tag(sync=True)
    fill = traitlets.Bool(False).tag(sync=True)
    legend = traitlets.Bool(True).tag(sync=True)
    hover = traitlets.Bool(True).tag(sync=True)
    version = traitlets.Int(0).tag(sync=True)

    @property
    def x(self) -> np.ndarray:
        """The x values the browser draws (float32)."""
        return np.frombuffer(self.x_data, dtype="<f4")

    @property
    def y(self) -> np.ndarray:
        """The y values the browser draws (float32)."""
        return np.frombuffer(self.y_data, dtype="<f4")

    def set_points(self, x: Any | None = None, y: Any | None = None) -> bool:
        """Replace the points (x, y or both), sent in one message.

        Points equal to those already drawn send nothing. Returns whether they changed.
        """
        x_data, n_x = _float32_bytes(x) if x is not None else (self.x_data, self.x.size)
        y_data, n_y = _float32_bytes(y) if y is not None else (self.y_data, self.y.size)
        if n_x != n_y:
            raise ParameterError(
                f"Trace {self.name!r}: x has {n_x} values but y has {n_y}; one y per x."
            )
        if x_data == self.x_data and y_data == self.y_data:
            return False
        with self.hold_sync():
            self.x_data, self.y_data = x_data, y_data
            self.version += 1
        return True


class LivePlot(anywidget.AnyWidget):
    """Line charts side by side, updated in place, a few kilobytes on the wire.

    Parameters
    ----------
    subplots : sequence of Subplot
        The charts, left to right.
    title : str
        A heading over all of them (optional; each subplot has its own title too).
    height_px : int
        Height of the charts in pixels; the width follows the notebook.

    Examples
    --------
    >>> import numpy as np
    >>> f = np.geomspace(20, 20000, 200)
    >>> plot = LivePlot([Subplot(Axis("frequency", "Hz", "log", (20, 20000)),
    ...                          Axis("gain", "dB", range=(-24, 24)), "Response")])
    >>> total = plot.line("total", f, np.zeros_like(f), label="EQ total", width=3)
    >>> plot.update("total", y=np.full_like(f, 3.0))  # sends the new points only
    True
    >>> float(plot.trace("total").y[0])
    3.0
    """

    _esm = _HERE / "liveplot.js"
    _css = _HERE / "liveplot.css"

    title = traitlets.Unicode("").tag(sync=True)
    height_px = traitlets.Int(260).tag(sync=True)
    subplots = traitlets.List(traitlets.Dict()).tag(sync=True)
    traces = traitlets.List(traitlets.Instance(Trace)).tag(sync=True, **widget_serialization)

    def __init__(self, subplots: Sequence[Subplot], *, title: str = "", height_px: int = 260):
        if not subplots:
            raise ParameterError("LivePlot needs at least one Subplot.")
        self._layout = list(subplots)
        super().__init__(
            title=title, height_px=int(height_px), subplots=[s.to_json() for s in subplots]
        )
        register_view(self)

    # -- traces ------------------------------------------------------------------------

    def line(
        self,
        name: str,
        x: Any,
        y: Any,
        *,
        subplot: int = 0,
        label: str | None = None,
        color: str | None = None,
        width: float = 1.5,
        dash: str = "solid",
        fill: bool = False,
        legend: bool = True,
        hover: bool = True,
    ) -> Trace:
        """Add a line; ``name`` identifies it for :meth:`update` (and in the page).

        Parameters
        ----------
        name : str
            Unique within this plot.
        x, y : array-like
            The points (same length). NaN leaves a gap.
        subplot : int
            Which chart, counting from 0 at the left.
        label : str, optional
            The legend and readout text (``name`` by default).
        color, width, dash : optional
            Line style: a CSS colour (the next palette colour by default), pixels, and
            ``"solid"``, ``"dash"``, ``"dot"`` or ``"dashdot"``.
        fill : bool
            Shade the area between the line and zero.
        legend, hover : bool
            Whether the line appears in the legend and in the pointer readout.
        """
        if any(trace.name == name for trace in self.traces):
            raise ParameterError(f"LivePlot: there is already a trace named {name!r}.")
        if not 0 <= subplot < len(self._layout):
            raise ParameterError(
                f"LivePlot: subplot {subplot} does not exist (0..{len(self._layout) - 1})."
            )
        if dash not in _DASHES:
            raise ParameterError(f"LivePlot: dash must be one of {_DASHES}, got {dash!r}.")
        x_data, n_x = _float32_bytes(x)
        y_data, n_y = _float32_bytes(y)
        if n_x != n_y:
            raise ParameterError(
                f"Trace {name!r}: x has {n_x} values but y has {n_y}; one y per x."
            )
        trace = Trace(  # the points travel with the model's creation: one message
            name=name,
            x_data=x_data,
            y_data=y_data,
            version=1,
            label=label if label is not None else name,
            subplot=subplot,
            color=color or PALETTE[len(self.traces) % len(PALETTE)],
            width=float(width),
            dash=dash,
            fill=fill,
            legend=legend,
            hover=hover,
        )
        self.traces = [*self.traces, trace]
        return trace

    def trace(self, name: str) -> Trace:
        """The trace called ``name``."""
        for trace in self.traces:
            if trace.name == name:
                return trace
        names = [trace.name for trace in self.traces]
        raise ParameterError(f"LivePlot: there is no trace {name!r}; traces: {names}.")

    def update(self, name: str, x: Any | None = None, y: Any | None = None) -> bool:
        """Replace a trace's points; only this trace's message is sent (none if equal).

        Returns whether the points changed.
        """
        return self.trace(name).set_points(x, y)

    @property
    def data(self) -> tuple[Trace, ...]:
        """The traces in drawing order (later ones are drawn on top)."""
        return tuple(self.traces)

    # -- layout ------------------------------------------------------------------------

    def subplot(self, index: int) -> Subplot:
        """The layout of chart ``index``."""
        return self._layout[index]

    def set_subplot(self, index: int, subplot: Subplot) -> None:
        """Replace one chart's layout (axes, title, reference lines)."""
        layout = list(self._layout)
        layout[index] = subplot
        self._layout = layout
        self.subplots = [s.to_json() for s in layout]

    def set_refs(self, index: int, refs: Iterable[RefLine]) -> None:
        """Replace the reference lines of chart ``index``."""
        self.set_subplot(index, replace(self._layout[index], refs=tuple(refs)))

    def close(self) -> None:
        """Close the plot and its trace models."""
        for trace in self.traces:
            trace.close()
        super().close()
