"""Live plots for processor panels: one plotly FigureWidget per panel, updated in place.

Which plot a processor gets follows from what it can tell, not from its class:

* a processor with ``response_db(freqs_hz, sr)`` (EQ, filters) gets its frequency
  response, each band drawn thin under the total;
* a processor with ``transfer_curve(in_db)`` (dynamics) gets its static curve beside
  its gain-reduction trace over the preview.

Every FigureWidget ships plotly's whole script to the browser (about 5 MB), so a panel
owns exactly one figure (subplots, not several figures) and updates it with
``batch_update`` instead of drawing a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

__all__ = [
    "CurvePlot",
    "DynamicsPlot",
    "Render",
    "ResponsePlot",
    "envelope_for_plot",
    "loudness_figure",
    "plot_for",
    "show",
]

_HEIGHT_PX = 320
_MARGIN = {"l": 60, "r": 20, "t": 36, "b": 46}
_DASHES = ("solid", "dash", "dot", "dashdot")
#: The plotly toolbar stands upright at the right edge, clear of subplot titles.
_MODEBAR = {"orientation": "v"}


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

    Each bin keeps its minimum (``keep="min"``, so no gain reduction is hidden) or its
    maximum; returns ``(times_s, values)``.
    """
    n = len(values)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    bins = min(n_points, n)
    edges = np.linspace(0, n, bins + 1).astype(int)
    reduce = np.minimum if keep == "min" else np.maximum
    binned = reduce.reduceat(values, edges[:-1])
    times = (edges[:-1] + edges[1:]) / 2.0 / sr
    return times, binned


class ResponsePlot:
    """Frequency response of a linear processor, each band under the total."""

    def __init__(self, processor: Any, sr: int) -> None:
        self.sr = sr
        top = min(20000.0, 0.49 * sr)
        self.freqs_hz = np.geomspace(20.0, top, 400)
        n_bands = len(getattr(processor, "bands", ()))
        fig = go.FigureWidget()
        for i in range(n_bands):
            fig.add_scatter(
                x=self.freqs_hz,
                y=np.zeros_like(self.freqs_hz),
                mode="lines",
                name=f"band {i + 1}",
                line={"width": 1, "dash": "dot"},
                hoverinfo="skip",
            )
        fig.add_scatter(
            x=self.freqs_hz,
            y=np.zeros_like(self.freqs_hz),
            mode="lines",
            name="EQ total",
            line={"width": 3, "color": "#1f77b4"},
            hovertemplate="%{x:.0f} Hz: %{y:+.1f} dB<extra></extra>",
        )
        fig.update_layout(
            modebar=_MODEBAR,
            height=_HEIGHT_PX,
            margin=_MARGIN,
            title={"text": "Frequency response", "x": 0.02},
            legend={"orientation": "h", "y": -0.25},
            showlegend=n_bands > 0,
            uirevision="keep",
        )
        fig.update_xaxes(
            type="log", title_text="frequency (Hz)", range=[np.log10(20), np.log10(top)]
        )
        fig.update_yaxes(title_text="gain (dB)", range=[-25, 25], zeroline=True)
        self.figure = fig
        self.update_fast(processor)

    def _grid(self, processor: Any) -> np.ndarray:
        """The drawing grid plus the processor's own frequencies.

        A narrow notch or peak is then drawn at its true depth, not between two points.
        """
        own = [getattr(processor, "freq_hz", None)]
        own += [getattr(band, "freq_hz", None) for band in getattr(processor, "bands", ())]
        extra = [
            f for f in own if isinstance(f, float) and self.freqs_hz[0] < f < self.freqs_hz[-1]
        ]
        return np.union1d(self.freqs_hz, extra) if extra else self.freqs_hz

    def update_fast(self, processor: Any) -> None:
        """Redraw the curves from the processor's coefficients (cheap; every move)."""
        grid = self._grid(processor)
        total = processor.response_db(grid, self.sr)
        bands = (
            processor.band_responses_db(grid, self.sr)
            if hasattr(processor, "band_responses_db")
            else []
        )
        x = np.round(grid, 2)
        with self.figure.batch_update():
            for trace, y in zip(self.figure.data[:-1], bands, strict=False):
                trace.x, trace.y = x, np.round(y, 3)
            self.figure.data[-1].x = x
            self.figure.data[-1].y = np.round(np.maximum(total, -200.0), 3)

    def update_slow(self, processor: Any, render: Render) -> None:
        """Nothing audio-dependent to draw for a response curve."""


class DynamicsPlot:
    """Static transfer curve (left) and gain reduction over the preview (right)."""

    def __init__(self, processor: Any, sr: int) -> None:
        self.sr = sr
        self.in_db = np.linspace(-60.0, 0.0, 241)
        fig = go.FigureWidget(
            make_subplots(
                rows=1,
                cols=2,
                column_widths=[0.38, 0.62],
                horizontal_spacing=0.1,
                subplot_titles=("Transfer curve", "Gain reduction over time"),
            )
        )
        fig.add_scatter(
            x=self.in_db,
            y=self.in_db,
            mode="lines",
            name="1:1 (no change)",
            line={"width": 1, "dash": "dash", "color": "grey"},
            hoverinfo="skip",
            row=1,
            col=1,
        )
        fig.add_scatter(
            x=self.in_db,
            y=self.in_db,
            mode="lines",
            name="output level",
            line={"width": 3, "color": "#d62728"},
            hovertemplate="in %{x:.1f} dB -> out %{y:.1f} dB<extra></extra>",
            row=1,
            col=1,
        )
        fig.add_scatter(
            x=[0.0],
            y=[0.0],
            mode="lines",
            name="gain reduction",
            line={"width": 1.5, "color": "#9467bd"},
            fill="tozeroy",
            hovertemplate="%{x:.2f} s: %{y:.1f} dB<extra></extra>",
            row=1,
            col=2,
        )
        fig.update_layout(
            modebar=_MODEBAR,
            height=_HEIGHT_PX,
            margin=_MARGIN,
            showlegend=False,
            uirevision="keep",
        )
        fig.update_xaxes(title_text="input level (dB)", range=[-60, 0], row=1, col=1)
        fig.update_yaxes(title_text="output level (dB)", range=[-60, 6], row=1, col=1)
        fig.update_xaxes(title_text="time (s)", row=1, col=2)
        fig.update_yaxes(title_text="gain change (dB)", range=[-6, 1], row=1, col=2)
        self.figure = fig
        self.update_fast(processor)

    def update_fast(self, processor: Any) -> None:
        """Redraw the static curve (cheap; every move)."""
        self.figure.data[1].y = np.round(processor.transfer_curve(self.in_db), 3)

    def update_slow(self, processor: Any, render: Render) -> None:
        """Draw the gain-reduction trace of the latest preview render."""
        gr = render.gain_reduction_db
        if gr is None:
            gr = processor.gain_reduction_db(render.dry, render.sr)
        times, values = envelope_for_plot(gr, render.sr)
        low = float(values.min()) if len(values) else 0.0
        high = float(values.max()) if len(values) else 0.0
        with self.figure.batch_update():
            self.figure.data[2].x = np.round(times, 4)
            self.figure.data[2].y = np.round(values, 3)
            # boosts (an expander's or a dynamic EQ's upward moves) must stay visible
            self.figure.layout.yaxis2.range = [min(-6.0, low - 1.0), max(1.0, high + 1.0)]


class CurvePlot:
    """The processor's own curves (``curves(sr)``), e.g. an impulse response or an LFO."""

    def __init__(self, processor: Any, sr: int) -> None:
        self.sr = sr
        curves = processor.curves(sr)
        first = curves[0]
        fig = go.FigureWidget()
        for i, c in enumerate(curves):
            # a curve lying exactly on another (left = right, this setting = reference)
            # still shows through the dashes of the one drawn over it
            fig.add_scatter(
                x=c.x,
                y=c.y,
                mode="lines",
                name=c.name,
                line={"width": 3 if i == 0 else 2, "dash": _DASHES[i % len(_DASHES)]},
            )
        fig.update_layout(
            modebar=_MODEBAR,
            height=_HEIGHT_PX,
            margin=_MARGIN,
            showlegend=len(curves) > 1,
            uirevision="keep",
            legend={"orientation": "h", "y": -0.25},
        )
        fig.update_xaxes(title_text=first.x_label, type="log" if first.x_log else "linear")
        fig.update_yaxes(title_text=first.y_label)
        if first.y_range is not None:
            fig.update_yaxes(range=list(first.y_range))
        self.figure = fig

    def update_fast(self, processor: Any) -> None:
        """Redraw every curve from the new settings."""
        curves = processor.curves(self.sr)
        with self.figure.batch_update():
            for trace, c in zip(self.figure.data, curves, strict=False):
                trace.x = np.round(np.asarray(c.x, dtype=np.float64), 5)
                trace.y = np.round(np.asarray(c.y, dtype=np.float64), 4)

    def update_slow(self, processor: Any, render: Render) -> None:
        """Nothing audio-dependent to draw."""


def plot_for(processor: Any, sr: int) -> ResponsePlot | DynamicsPlot | CurvePlot | None:
    """Choose the plot a processor can feed (None when it offers no curve).

    A frequency response (``response_db``) wins, then the processor's own picture
    (``curves(sr)``, when it draws one), then a dynamics transfer curve
    (``transfer_curve``).
    """
    if hasattr(processor, "response_db"):
        return ResponsePlot(processor, sr)
    if hasattr(processor, "curves") and processor.curves(sr):
        return CurvePlot(processor, sr)
    if hasattr(processor, "transfer_curve"):
        return DynamicsPlot(processor, sr)
    return None


def loudness_figure(measurement: Any, title: str = "Loudness over time") -> go.Figure:
    """Momentary and short-term loudness over time, with the integrated level marked.

    A static figure (drawn once, no live widget): show it with :func:`show`.
    """
    m = measurement
    fig = go.Figure()
    for name, times, values, width in (
        ("momentary (400 ms)", m.momentary_times_s, m.momentary_lufs, 1),
        ("short-term (3 s)", m.short_term_times_s, m.short_term_lufs, 2.5),
    ):
        shown = np.where(np.isfinite(values), values, np.nan)
        fig.add_scatter(
            x=np.round(times, 3),
            y=np.round(shown, 2),
            mode="lines",
            name=name,
            line={"width": width},
        )
    if np.isfinite(m.integrated_lufs):
        fig.add_hline(
            y=m.integrated_lufs,
            line_dash="dash",
            annotation_text=f"integrated {m.integrated_lufs:.1f} LUFS",
        )
    fig.update_layout(
        height=_HEIGHT_PX,
        margin=_MARGIN,
        title={"text": title, "x": 0.02},
        legend={"orientation": "h", "y": -0.25},
    )
    fig.update_xaxes(title_text="time (s)")
    fig.update_yaxes(title_text="loudness (LUFS)")
    return fig


def show(fig: go.Figure) -> None:
    """Display a static plotly figure through JupyterLab's plotly renderer.

    Only the figure's data travels (plotly's script is already part of JupyterLab's
    plotly extension), unlike a FigureWidget, which ships the whole library each time.
    """
    import json

    from IPython.display import display

    bundle = {
        "application/vnd.plotly.v1+json": json.loads(fig.to_json()),
        "text/plain": f"<plotly figure: {fig.layout.title.text or 'untitled'}>",
    }
    display(bundle, raw=True)
