"""Widgets: the only layer that imports ipywidgets, plotly or anywidget.

``panel(processor, audio)`` builds a complete panel for any processor from its
declarations: controls, one live plot, a loudness-matched A/B player.
"""

from studio.widgets.controls import control_for, control_row
from studio.widgets.panel import ProcessorPanel, panel
from studio.widgets.player import ABPlayer

__all__ = ["ABPlayer", "ProcessorPanel", "control_for", "control_row", "panel"]
