"""Static figures for analysis results: spectra, spectrograms, vectorscope, stereo.

These draw once (no live widget) and are shown with :func:`studio.widgets.show`, so
only the figure's data travels to the browser (JupyterLab's plotly renderer loads
plotly.js once per page). Each takes the frozen result of a function in
:mod:`studio.analysis` and returns a plotly ``Figure``. plotly is imported only when a
figure is drawn, so live views never load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from studio.text import t

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["correlation_figure", "spectrogram_figure", "spectrum_figure", "vectorscope_figure"]

_HEIGHT_PX = 340
_MARGIN = {"l": 60, "r": 20, "t": 40, "b": 46}


def _finite(values: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(values), np.round(values, 2), np.nan)


def spectrum_figure(*spectra: Any, fraction: int = 6, title: str | None = None) -> go.Figure:
    """Long-term spectra (``long_term_spectrum`` results) overlaid, 1/N-octave smoothed.

    Smoothing to 1/6 octave shows the tonal balance the ear follows rather than every
    harmonic; pass ``fraction=0`` for the raw spectrum.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    for i, spec in enumerate(spectra):
        shown = spec.smoothed(fraction) if fraction else spec
        mask = shown.freqs_hz >= 20.0
        fig.add_scatter(
            x=np.round(shown.freqs_hz[mask], 2),
            y=_finite(shown.level_dbfs[mask]),
            mode="lines",
            name=spec.name or t("plots.figures.signal", number=i + 1),
            hovertemplate="%{x:.0f} Hz: %{y:.1f} dB<extra></extra>",
        )
    fig.update_layout(
        height=_HEIGHT_PX,
        margin=_MARGIN,
        title={"text": title or t("plots.figures.spectrum"), "x": 0.02},
        legend={"orientation": "h", "y": -0.25},
    )
    fig.update_xaxes(
        type="log",
        title_text=f"{t('plots.axis.frequency')} (Hz)",
        range=[np.log10(20), np.log10(20000)],
    )
    fig.update_yaxes(title_text=f"{t('plots.axis.level_mean_square')} (dB)")
    return fig


def spectrogram_figure(
    spec: Any, *, floor_db: float = -90.0, title: str | None = None
) -> go.Figure:
    """A ``spectrogram`` result as a heat map: time across, frequency up (log)."""
    import plotly.graph_objects as go

    z = np.maximum(_finite(np.asarray(spec.level_dbfs)), floor_db)
    fig = go.Figure(
        go.Heatmap(
            x=np.round(spec.times_s, 3),
            y=np.round(spec.freqs_hz, 1),
            z=z,
            colorscale="Magma",
            colorbar={"title": "dB"},
            hovertemplate="%{x:.2f} s, %{y:.0f} Hz: %{z:.1f} dB<extra></extra>",
        )
    )
    fig.update_layout(
        height=_HEIGHT_PX + 60,
        margin=_MARGIN,
        title={"text": title or t("plots.figures.spectrogram", name=spec.name or ""), "x": 0.02},
    )
    fig.update_xaxes(title_text=f"{t('plots.axis.time')} (s)")
    fig.update_yaxes(type="log", title_text=f"{t('plots.axis.frequency')} (Hz)")
    return fig


def vectorscope_figure(scope: Any, title: str | None = None) -> go.Figure:
    """Vectorscope (goniometer): side across, mid up; a vertical line is mono.

    A wide, round cloud is a wide stereo image; a cloud leaning to the side axis means
    left and right are out of phase and the mix will thin out in mono.
    """
    import plotly.graph_objects as go

    limit = (
        float(
            max(
                np.max(np.abs(scope.mid), initial=0.0),
                np.max(np.abs(scope.side), initial=0.0),
                1e-3,
            )
        )
        * 1.05
    )
    fig = go.Figure(
        go.Scattergl(
            x=np.round(scope.side, 4),
            y=np.round(scope.mid, 4),
            mode="markers",
            marker={"size": 2, "opacity": 0.4},
            hoverinfo="skip",
        )
    )
    fig.update_layout(
        height=_HEIGHT_PX + 60,
        width=_HEIGHT_PX + 80,
        margin=_MARGIN,
        title={
            "text": title or t("plots.figures.vectorscope", correlation=scope.correlation),
            "x": 0.02,
        },
    )
    fig.update_xaxes(title_text=t("plots.axis.side"), range=[-limit, limit], zeroline=True)
    fig.update_yaxes(
        title_text=t("plots.axis.mid"),
        range=[-limit, limit],
        zeroline=True,
        scaleanchor="x",
        scaleratio=1,
    )
    return fig


def correlation_figure(measurement: Any, title: str | None = None) -> go.Figure:
    """Correlation over time (top) and peak-to-short-term loudness ratio (bottom).

    Correlation near +1 is close to mono, near 0 wide, below 0 a phase problem; a PSR
    that sinks below about 8 dB is a sign of a squashed, over-limited master.
    """
    from plotly.subplots import make_subplots

    m = measurement
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    fig.add_scatter(
        x=np.round(m.correlation_times_s, 3),
        y=_finite(m.correlation_over_time),
        mode="lines",
        name=t("plots.axis.correlation"),
        row=1,
        col=1,
    )
    fig.add_scatter(
        x=np.round(m.short_term_times_s, 3),
        y=_finite(m.psr_over_time_db),
        mode="lines",
        name=t("plots.axis.psr"),
        row=2,
        col=1,
    )
    fig.update_layout(
        height=_HEIGHT_PX + 80,
        margin=_MARGIN,
        title={"text": title or t("plots.figures.correlation_title"), "x": 0.02},
        showlegend=False,
    )
    fig.update_yaxes(title_text=t("plots.axis.correlation"), range=[-1.05, 1.05], row=1, col=1)
    fig.update_yaxes(title_text=f"{t('plots.axis.psr')} (dB)", row=2, col=1)
    fig.update_xaxes(title_text=f"{t('plots.axis.time')} (s)", row=2, col=1)
    return fig
