"""Live plots for processor panels, drawn by :class:`~studio.widgets.liveplot.LivePlot`.

Which plot a processor gets follows from what it can tell:

* a processor with ``response_db(freqs_hz, sr)`` (EQ, filters) gets its frequency
  response, each band drawn thin under the total;
* a processor that draws its own picture (``curves(sr)``) gets those curves;
* a processor with ``transfer_curve(in_db)`` (dynamics) gets its static curve beside
  its gain change over the preview, on a fixed axis so before and after compare.

Every plot keeps its axes fixed between updates and sends only the curves that changed.
The static, drawn-once figure :func:`loudness_figure` is a plotly figure shown with
:func:`show` (JupyterLab's plotly renderer loads plotly.js once per page).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from studio.text import t
from studio.widgets.liveplot import PALETTE, Axis, LivePlot, RefLine, Subplot

__all__ = [
    "CurvePlot",
    "DynamicsPlot",
    "Render",
    "ResponsePlot",
    "envelope_for_plot",
    "gain_change_range_db",
    "loudness_figure",
    "plot_for",
    "show",
]

_HEIGHT_PX = 260
_DASHES = ("solid", "dash", "dot", "dashdot")

#: Gain range (dB) of a frequency-response plot: wide enough for any EQ move.
RESPONSE_RANGE_DB = (-24.0, 24.0)

#: Input range (dB) of a static curve.
STATIC_IN_DB = (-60.0, 0.0)


@dataclass(frozen=True)
class Render:
    """What the slow path produced for the plot: the preview before and after."""

    dry: np.ndarray
    wet: np.ndarray
    sr: int
    gain_reduction_db: np.ndarray | None = None


def envelope_for_plot(
    values: np.ndarray, sr: int, n_points: int = 1200, *, keep: str = "min"
) -> tuple[np.ndarray, np.ndarray]:
    """Shrink a long per-sample series to ``n_points`` bins for drawing.

    Each bin keeps its minimum (``keep="min"``, so no gain reduction is hidden), its
    maximum (``"max"``) or, for a series that both cuts and boosts, the value furthest
    from zero (``"extreme"``); returns ``(times_s, values)``.
    """
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    bins = min(n_points, n)
    edges = np.linspace(0, n, bins + 1).astype(int)
    if keep == "extreme":
        low = np.minimum.reduceat(values, edges[:-1])
        high = np.maximum.reduceat(values, edges[:-1])
        binned = np.where(-low >= high, low, high)
    else:
        reduce = np.minimum if keep == "min" else np.maximum
        binned = reduce.reduceat(values, edges[:-1])
    times = (edges[:-1] + edges[1:]) / 2.0 / sr
    return times, binned


def _nice_ceiling(value: float) -> float:
    """The next of 3, 6, 12, 24, 48, 96 dB at or above ``value``."""
    for step in (3.0, 6.0, 12.0, 24.0, 48.0, 96.0):
        if value <= step + 1e-9:
            return step
    return float(math.ceil(value / 24.0) * 24.0)


def gain_change_range_db(processor: Any) -> tuple[float, float]:
    """The fixed range (dB) of a processor's gain-change-over-time axis.

    It does not follow the audio, so the trace before and after a change is drawn on
    the same scale. It follows from the declared parameters: cuts down to the largest
    ``range_db`` (a gate's or a dynamic EQ's depth) or 24 dB, and boosts up to the largest gain a
    parameter can add (a transient shaper's attack and sustain, a dynamic EQ that boosts
    quiet passages) or 3 dB of headroom above zero. Make-up gain is not counted: the
    traces show the gain change before it.
    """
    specs = {spec.name: spec for spec in processor.specs()}
    cut_db, boost_db = 24.0, 3.0
    depth = specs.get("range_db")
    if depth is not None and depth.hi is not None:
        cut_db = max(cut_db, float(depth.hi))
        choices = getattr(specs.get("mode"), "choices", None) or ()
        if any("boost" in str(choice) for choice in choices):
            boost_db = max(boost_db, float(depth.hi))
    for spec in specs.values():
        if "makeup" in spec.name:  # make-up gain is applied after: not part of the trace
            continue
        if spec.unit == "dB" and spec.neutral == 0.0 and spec.lo is not None and spec.hi:
            if spec.lo < 0.0 < spec.hi:  # a gain that both cuts and boosts
                boost_db = max(boost_db, float(spec.hi))
                cut_db = max(cut_db, -float(spec.lo))
    return (-_nice_ceiling(cut_db), _nice_ceiling(boost_db) if boost_db > 3.0 else 3.0)


class ResponsePlot:
    """Frequency response of a linear processor, each band thin under the total."""

    def __init__(self, processor: Any, sr: int) -> None:
        self.sr = sr
        top = min(20000.0, 0.49 * sr)
        self.freqs_hz = np.geomspace(20.0, top, 400)
        self.figure = LivePlot(
            [
                Subplot(
                    Axis(t("plots.axis.frequency"), "Hz", "log", (20.0, top)),
                    Axis(t("plots.axis.gain"), "dB", range=RESPONSE_RANGE_DB),
                    t("plots.response.title"),
                    refs=(RefLine("y", 0.0, t("plots.response.unchanged"), color="#888888"),),
                )
            ],
            height_px=_HEIGHT_PX,
        )
        total_x, total_y, band_curves = self._curves(processor)
        n_bands = len(band_curves)
        for i, (band_x, band_y) in enumerate(band_curves):
            self.figure.line(
                f"band{i + 1}",
                band_x,
                band_y,
                label=t("plots.response.band", number=i + 1),
                color=PALETTE[(i + 1) % len(PALETTE)],
                width=1.2,
                dash="dot",
                hover=False,
            )
        self.figure.line(
            "total",
            total_x,
            total_y,
            label=t("plots.response.total" if n_bands else "plots.response.response"),
            color=PALETTE[0],
            width=3.0,
        )

    def _grid(self, freqs: list[Any]) -> np.ndarray:
        """The drawing grid plus the given frequencies inside it.

        A narrow notch or peak is then drawn at its true depth, not between two points.
        """
        lo, hi = self.freqs_hz[0], self.freqs_hz[-1]
        extra = [f for f in freqs if isinstance(f, float) and lo < f < hi]
        return np.union1d(self.freqs_hz, extra) if extra else self.freqs_hz

    def _curves(
        self, processor: Any
    ) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """The total response and its parts (an EQ's bands), on one grid.

        The grid holds every frequency the settings name, so a narrow notch is drawn at
        its true depth.
        """
        own = [
            leaf.value
            for leaf in processor.leaves()
            if leaf.spec.unit == "Hz" and isinstance(leaf.value, float)
        ]
        grid = self._grid(own)
        total = np.maximum(processor.response_db(grid, self.sr), -200.0)
        parts = processor.response_parts_db(grid, self.sr)
        return grid, total, [(grid, np.maximum(part, -200.0)) for part in parts]

    def update_fast(self, processor: Any) -> None:
        """Redraw the curves from the processor's coefficients (cheap; every move).

        Only curves whose points changed are sent: moving one band's gain sends that
        band and the total.
        """
        total_x, total_y, band_curves = self._curves(processor)
        self.figure.update("total", x=total_x, y=total_y)
        for i, (band_x, band_y) in enumerate(band_curves):
            self.figure.update(f"band{i + 1}", x=band_x, y=band_y)

    def update_slow(self, processor: Any, render: Render) -> None:
        """Nothing audio-dependent to draw for a response curve."""


class DynamicsPlot:
    """Static curve (left) and gain change over the preview (right).

    The gain-change axis has a fixed range (:func:`gain_change_range_db`), so two
    renders are drawn on the same scale and boosts stay visible above zero.
    """

    def __init__(self, processor: Any, sr: int) -> None:
        self.sr = sr
        self.in_db = np.linspace(*STATIC_IN_DB, 241)
        self.gain_range_db = gain_change_range_db(processor)
        self.figure = LivePlot(
            [
                Subplot(
                    Axis(t("plots.axis.input_level"), "dB", range=STATIC_IN_DB),
                    Axis(t("plots.axis.output_level"), "dB", range=(STATIC_IN_DB[0], 12.0)),
                    t("plots.dynamics.static_title"),
                    width=0.42,
                ),
                Subplot(
                    Axis(t("plots.axis.time"), "s"),
                    Axis(t("plots.axis.gain_change"), "dB", range=self.gain_range_db),
                    t("plots.dynamics.gain_title"),
                    width=0.58,
                    refs=(RefLine("y", 0.0, "", color="#888888", dash="solid"),),
                ),
            ],
            height_px=_HEIGHT_PX,
        )
        self.figure.line(
            "unity",
            self.in_db,
            self.in_db,
            label=t("plots.dynamics.unity"),
            color="#888888",
            width=1.0,
            dash="dash",
            hover=False,
        )
        self.figure.line(
            "static",
            self.in_db,
            processor.transfer_curve(self.in_db),
            label=t("plots.dynamics.output_level"),
            color=PALETTE[1],
            width=3.0,
        )
        self.figure.line(
            "gain",
            [0.0],
            [0.0],
            subplot=1,
            label=t("plots.dynamics.gain_change"),
            color=PALETTE[3],
            width=1.5,
            fill=True,
        )

    def update_fast(self, processor: Any) -> None:
        """Redraw the static curve (cheap; every move)."""
        self.figure.update("static", y=processor.transfer_curve(self.in_db))

    def update_slow(self, processor: Any, render: Render) -> None:
        """Draw the gain-change trace of the latest preview render (axis unchanged)."""
        gr = render.gain_reduction_db
        if gr is None:  # bypassed, or nothing reported: no change to draw
            gr = np.zeros(np.shape(render.wet)[-1])
        times, values = envelope_for_plot(np.asarray(gr), render.sr, keep="extreme")
        duration_s = len(gr) / render.sr
        sub = self.figure.subplot(1)
        if duration_s > 0 and sub.x.range != (0.0, duration_s):
            # the preview's length: the time axis spans it exactly (no padding)
            time_axis = Axis(sub.x.label, sub.x.unit, sub.x.scale, (0.0, duration_s))
            self.figure.set_subplot(1, replace(sub, x=time_axis))
        self.figure.update("gain", x=times, y=values)


_UNIT = re.compile(r"^(?P<label>.*\S)\s*\((?P<unit>[^()\s]{1,6})\)$")


def _axis_from_label(text: str, scale: str, value_range: tuple[float, float] | None) -> Axis:
    """An Axis from a label such as ``"time (ms)"``: label "time", unit "ms"."""
    match = _UNIT.match(text)
    label, unit = (match["label"], match["unit"]) if match else (text, "")
    return Axis(label, unit, "log" if scale == "log" else "linear", value_range)


def _span(arrays: list[np.ndarray], *, positive: bool = False) -> tuple[float, float] | None:
    """Finite min and max over ``arrays`` (above zero only for a log axis), or None."""
    parts = [np.asarray(a, dtype=np.float64).ravel() for a in arrays]
    values = np.concatenate(parts) if parts else np.zeros(0)
    values = values[np.isfinite(values)]
    if positive:
        values = values[values > 0]
    if values.size == 0:
        return None
    return float(values.min()), float(values.max())


def _padded(span: tuple[float, float] | None, log: bool) -> tuple[float, float] | None:
    """A range around ``span`` with a little room (a flat line gets +-1)."""
    if span is None:
        return None
    lo, hi = span
    if log:
        return (lo, hi) if hi > lo else (lo / 2.0, hi * 2.0)
    if hi == lo:
        return (lo - 1.0, hi + 1.0)
    pad = 0.06 * (hi - lo)
    return (lo - pad, hi + pad)


class CurvePlot:
    """The processor's own curves (``curves(sr)``), e.g. an impulse response or an LFO.

    The y range is the first curve's declared ``y_range``; without one it is fitted to
    the first drawing and afterwards only ever grows, so a change never shrinks the
    scale under the listener's eyes.
    """

    def __init__(self, processor: Any, sr: int) -> None:
        self.sr = sr
        curves = processor.curves(sr)
        first = curves[0]
        x_log = bool(first.x_log)
        x_span = _span([c.x for c in curves], positive=x_log)
        self._x_range = (
            x_span if x_span is None or x_span[1] > x_span[0] else _padded(x_span, x_log)
        )
        self._y_fixed = first.y_range is not None
        y_range = (
            tuple(first.y_range)
            if first.y_range is not None
            else _padded(_span([c.y for c in curves]), False)
        )
        self._y_range = y_range
        self.figure = LivePlot(
            [
                Subplot(
                    _axis_from_label(first.x_label, "log" if x_log else "linear", self._x_range),
                    _axis_from_label(first.y_label, "linear", y_range),
                )
            ],
            height_px=_HEIGHT_PX,
        )
        for i, c in enumerate(curves):
            # a curve lying exactly on another (left = right, this setting = reference)
            # still shows through the dashes of the one drawn over it
            self.figure.line(
                f"curve{i + 1}",
                c.x,
                c.y,
                label=c.name,
                width=3.0 if i == 0 else 2.0,
                dash=_DASHES[i % len(_DASHES)],
            )

    def update_fast(self, processor: Any) -> None:
        """Redraw every curve from the new settings (changed curves only are sent)."""
        curves = processor.curves(self.sr)
        for trace, c in zip(self.figure.data, curves, strict=False):
            self.figure.update(trace.name, x=c.x, y=c.y)
        if not self._y_fixed and self._y_range is not None:
            span = _span([c.y for c in curves])
            if span is not None and (span[0] < self._y_range[0] or span[1] > self._y_range[1]):
                grown = _padded(
                    (min(span[0], self._y_range[0]), max(span[1], self._y_range[1])), False
                )
                assert grown is not None
                self._y_range = grown
                sub = self.figure.subplot(0)
                y = Axis(sub.y.label, sub.y.unit, sub.y.scale, grown)
                self.figure.set_subplot(0, replace(sub, y=y))

    def update_slow(self, processor: Any, render: Render) -> None:
        """Nothing audio-dependent to draw."""


def plot_for(processor: Any, sr: int) -> ResponsePlot | DynamicsPlot | CurvePlot | None:
    """Choose the plot a processor declares it can feed (None when it draws nothing).

    ``capabilities.draws`` says which: ``"response"`` (``response_db``, with
    ``response_parts_db`` thin underneath), ``"curves"`` (its own ``curves(sr)``) or
    ``"transfer"`` (a static curve beside the gain change over the preview).
    """
    draws = processor.capabilities.draws
    if draws == "response":
        return ResponsePlot(processor, sr)
    if draws == "curves" and processor.curves(sr):
        return CurvePlot(processor, sr)
    if draws == "transfer":
        return DynamicsPlot(processor, sr)
    return None


# ---------------------------------------------------------------------------------------
# Static figures (plotly, drawn once, shown through JupyterLab's renderer)
# ---------------------------------------------------------------------------------------

_STATIC_HEIGHT_PX = 340
_STATIC_MARGIN = {"l": 60, "r": 20, "t": 40, "b": 46}


def loudness_figure(
    measurement: Any,
    title: str | None = None,
    *,
    target_lufs: float | None = None,
    target_label: str | None = None,
) -> Any:
    """Momentary and short-term loudness over time, the integrated level and a target.

    A static figure (drawn once, no live widget): show it with :func:`show`. The
    integrated level is a dashed line and the optional target (``target_lufs``, say -14
    for streaming) a dotted one; both are labelled in the right margin, beside the end
    of their line, so no label ever sits on a curve. The y axis has a fixed range in
    6 LU steps, from a little under the quietest short-term value (momentary dips into
    silence are cut off, not allowed to squash the picture) to a little over the loudest
    value or line.

    Parameters
    ----------
    measurement : Measurement
        A result of :func:`studio.measure`.
    title : str
        The figure's title.
    target_lufs : float, optional
        A loudness target to draw, e.g. -14.0 (LUFS).
    target_label : str, optional
        Its label; ``"target -14 LUFS"`` by default.

    Raises
    ------
    ParameterError
        If ``target_lufs`` is not a finite number.
    """
    import plotly.graph_objects as go

    from studio.errors import ParameterError

    if target_lufs is not None and not math.isfinite(float(target_lufs)):
        raise ParameterError(f"loudness_figure: target_lufs must be finite, got {target_lufs}.")
    m = measurement
    fig = go.Figure()
    curves = (
        (t("plots.loudness.momentary"), m.momentary_times_s, m.momentary_lufs, 1.0, "#9ecae1"),
        (t("plots.loudness.short_term"), m.short_term_times_s, m.short_term_lufs, 2.5, "#1f77b4"),
    )
    for name, times, values, width, color in curves:
        shown = np.asarray(values, dtype=np.float64)
        shown = np.where(np.isfinite(shown), shown, np.nan)
        fig.add_scatter(
            x=np.round(np.asarray(times, dtype=np.float64), 3),
            y=np.round(shown, 2),
            mode="lines",
            name=name,
            line={"width": width, "color": color},
            hovertemplate="%{x:.1f} s: %{y:.1f} LUFS<extra></extra>",
        )

    lines: list[tuple[float, str, str, str]] = []  # (level, text, colour, dash)
    if np.isfinite(m.integrated_lufs):
        text = t("plots.loudness.integrated", lufs=float(m.integrated_lufs))
        lines.append((float(m.integrated_lufs), text, "#444444", "dash"))
    if target_lufs is not None:
        text = target_label or t("plots.loudness.target", lufs=float(target_lufs))
        lines.append((float(target_lufs), text, "#2ca02c", "dot"))
    for i, (level, text, color, dash) in enumerate(lines):
        fig.add_hline(y=level, line={"dash": dash, "color": color, "width": 1.5})
        # Two labels closer than a line of text apart are pushed apart vertically.
        shift = 0
        if len(lines) == 2 and abs(lines[0][0] - lines[1][0]) < 2.0:
            other = lines[1 - i][0]
            shift = 8 if level > other or (level == other and i == 1) else -8
        fig.add_annotation(
            x=1.0,
            xref="paper",
            xanchor="left",
            y=level,
            yref="y",
            yshift=shift,
            text=text,
            showarrow=False,
            font={"color": color, "size": 12},
        )

    short = np.asarray(m.short_term_lufs, dtype=np.float64)
    short = short[np.isfinite(short)]
    every = np.concatenate(
        [np.asarray(v, dtype=np.float64).ravel() for v in (m.momentary_lufs, m.short_term_lufs)]
    )
    every = every[np.isfinite(every)]
    levels = [level for level, *_ in lines]
    hi = max([float(every.max()) if every.size else -20.0, *levels]) + 2.0
    lo = min([float(short.min()) if short.size else hi - 30.0, *levels]) - 4.0
    lo = max(lo, hi - 60.0)
    y_range = [6.0 * math.floor(lo / 6.0), 6.0 * math.ceil(hi / 6.0)]

    fig.update_layout(
        height=_STATIC_HEIGHT_PX,
        margin={**_STATIC_MARGIN, "r": 170 if lines else _STATIC_MARGIN["r"]},
        title={"text": title or t("plots.loudness.title"), "x": 0.02},
        legend={"orientation": "h", "y": -0.22},
        hovermode="x unified",
    )
    fig.update_xaxes(title_text=f"{t('plots.axis.time')} (s)", rangemode="tozero")
    fig.update_yaxes(title_text=f"{t('plots.axis.loudness')} (LUFS)", range=y_range, dtick=6)
    return fig


def show(fig: Any) -> None:
    """Display a static plotly figure through JupyterLab's plotly renderer.

    Only the figure's data travels (plotly's script is already part of JupyterLab's
    plotly extension), unlike a FigureWidget, which ships the whole library each time.
    """
    import json

    from IPython.display import display

    figure = json.loads(fig.to_json())
    # a drawing to read, not to edit: no toolbar over the title and the labels
    figure["config"] = {"displayModeBar": False, "responsive": True}
    bundle = {
        "application/vnd.plotly.v1+json": figure,
        "text/plain": f"<plotly figure: {fig.layout.title.text or 'untitled'}>",
    }
    display(bundle, raw=True)
