"""Widgets: the only layer that imports ipywidgets, plotly or anywidget.

``panel(processor, audio)`` builds a complete panel for any processor from its
declarations: controls, one live plot, a loudness-matched A/B player.
"""

from studio.widgets.controls import control_for, control_row
from studio.widgets.figures import (
    correlation_figure,
    spectrogram_figure,
    spectrum_figure,
    vectorscope_figure,
)
from studio.widgets.listen import TrackPlayer, listen
from studio.widgets.panel import ProcessorPanel, panel
from studio.widgets.player import ABPlayer
from studio.widgets.plots import loudness_figure, show

__all__ = [
    "ABPlayer",
    "ProcessorPanel",
    "TrackPlayer",
    "control_for",
    "control_row",
    "correlation_figure",
    "listen",
    "loudness_figure",
    "panel",
    "show",
    "spectrogram_figure",
    "spectrum_figure",
    "vectorscope_figure",
]
