"""The quality-control report drawn: loudness over time against the target, peaks and overs.

:func:`qc_figure` takes a :class:`~studio.mastering.qc.QCReport` (or one read back from
its JSON) and returns a static plotly figure in two rows: on top the momentary and
short-term loudness over time with the integrated loudness, the target line and its
tolerance band; below, the true-peak ceiling, the master's true peak and every over
marked where it happens (on-sample overs and inter-sample overs in their own colours).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from studio.text import t

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["qc_figure"]

_HEIGHT_PX = 460
_MARGIN = {"l": 60, "r": 20, "t": 40, "b": 46}
_FLOOR_LUFS = -60.0
_TARGET_COLOUR = "#2e8b57"
_CEILING_COLOUR = "#c0392b"
_OVER_COLOURS = {"sample": "#c0392b", "inter_sample": "#d08a1c"}


def _curve(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(v), np.round(v, 2), np.nan)


def qc_figure(report: Any, title: str | None = None) -> go.Figure:
    """Draw a QC report: loudness over time with the target line, peaks with the overs.

    Parameters
    ----------
    report : QCReport
        The report (:func:`studio.mastering.qc.qc_report`).
    title : str, optional
        Replaces the default title.

    Returns
    -------
    plotly.graph_objects.Figure
        Two rows sharing the time axis; show it with :func:`studio.widgets.show`.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35])
    fig.add_trace(
        go.Scatter(
            x=np.round(report.momentary_times_s, 2),
            y=_curve(report.momentary_lufs),
            mode="lines",
            name=t("qc.figure.momentary"),
            line={"width": 1},
            opacity=0.6,
            hovertemplate="%{x:.1f} s: %{y:.1f} LUFS<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=np.round(report.short_term_times_s, 2),
            y=_curve(report.short_term_lufs),
            mode="lines",
            name=t("qc.figure.short_term"),
            line={"width": 2},
            hovertemplate="%{x:.1f} s: %{y:.1f} LUFS<extra></extra>",
        ),
        row=1,
        col=1,
    )
    end_s = float(report.duration_s)
    if np.isfinite(report.integrated_lufs):
        fig.add_trace(
            go.Scatter(
                x=[0.0, end_s],
                y=[round(report.integrated_lufs, 2)] * 2,
                mode="lines",
                line={"dash": "dot", "color": "#555"},
                name=t("qc.figure.integrated", lufs=report.integrated_lufs),
            ),
            row=1,
            col=1,
        )
    tgt = report.target
    if tgt is not None:
        fig.add_hrect(
            y0=tgt.integrated_lufs - tgt.tolerance_lu,
            y1=tgt.integrated_lufs + tgt.tolerance_lu,
            fillcolor=_TARGET_COLOUR,
            opacity=0.12,
            line_width=0,
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=[0.0, end_s],
                y=[tgt.integrated_lufs] * 2,
                mode="lines",
                line={"color": _TARGET_COLOUR, "width": 2},
                name=t("qc.figure.target", lufs=tgt.integrated_lufs),
            ),
            row=1,
            col=1,
        )
    # Peaks: the ceiling, the true peak, and every over where it happens.
    fig.add_trace(
        go.Scatter(
            x=[0.0, end_s],
            y=[report.ceiling_dbtp] * 2,
            mode="lines",
            line={"color": _CEILING_COLOUR, "dash": "dash"},
            name=t("qc.figure.ceiling", ceiling_dbtp=report.ceiling_dbtp),
        ),
        row=2,
        col=1,
    )
    if np.isfinite(report.true_peak_dbtp):
        fig.add_trace(
            go.Scatter(
                x=[0.0, end_s],
                y=[round(report.true_peak_dbtp, 2)] * 2,
                mode="lines",
                line={"color": "#555", "dash": "dot"},
                name=t("qc.figure.true_peak", true_peak_dbtp=report.true_peak_dbtp),
            ),
            row=2,
            col=1,
        )
    for kind, overs in (
        ("sample", report.sample_overs),
        ("inter_sample", report.inter_sample_overs),
    ):
        if not overs:
            continue
        fig.add_trace(
            go.Scatter(
                x=[round(0.5 * (o.start_s + o.end_s), 3) for o in overs],
                y=[round(o.peak_db, 2) for o in overs],
                mode="markers",
                marker={"color": _OVER_COLOURS[kind], "size": 8, "symbol": "triangle-up"},
                name=t(f"qc.figure.{kind}_overs"),
                hovertemplate="%{x:.2f} s: %{y:+.2f} dB<extra></extra>",
            ),
            row=2,
            col=1,
        )
    lows = [-40.0 if tgt is None else tgt.integrated_lufs - 6.0]
    shown = _curve(report.short_term_lufs)
    if np.isfinite(shown).any():
        lows.append(float(np.nanmin(shown)) - 3.0)
    bottom = max(_FLOOR_LUFS, min(lows))
    fig.update_layout(
        height=_HEIGHT_PX,
        margin=_MARGIN,
        title={"text": title or t("qc.figure.title"), "x": 0.02},
        legend={"orientation": "h", "y": -0.18},
    )
    fig.update_yaxes(title_text=t("qc.figure.loudness_lufs"), range=[bottom, 0.0], row=1, col=1)
    fig.update_yaxes(title_text=t("qc.figure.peak_db"), row=2, col=1)
    fig.update_xaxes(title_text=t("qc.figure.time_s"), row=2, col=1)
    return fig
