"""Widgets: the only layer that imports ipywidgets, plotly or anywidget.

``panel(processor, audio)`` builds a complete panel for any processor from its
declarations: controls, one live plot, a loudness-matched A/B player. ``Player`` is the
one transport of N named sides, ``LivePlot`` the light live plot, and
``register_view`` lets any view be closed when its cell runs again. ``console(project)``
is the mixing desk: a strip per track and bus, one player, meters that follow it;
``ArrangementView`` shows its tracks and clips on a timeline with the loop region, and
``AutomationEditor`` draws and edits its automation lanes. For mastering,
``MasteringRack`` is the rack (a section per module, meters, the mix, master and
reference at matched loudness), ``TranslationView`` plays a master through simulated
playback systems and ``qc_figure`` draws a quality-control report.
"""

from studio.widgets.arrangement import ArrangementView
from studio.widgets.assist import BalanceAssistant
from studio.widgets.automation import AutomationEditor
from studio.widgets.console import Console, console
from studio.widgets.controls import control_for, control_row
from studio.widgets.figures import (
    correlation_figure,
    spectrogram_figure,
    spectrum_figure,
    vectorscope_figure,
)
from studio.widgets.lifecycle import register_view
from studio.widgets.listen import TrackPlayer, listen
from studio.widgets.liveplot import LivePlot
from studio.widgets.masking import MaskingView
from studio.widgets.mastering import MasteringRack, mastering_rack
from studio.widgets.panel import ProcessorPanel, panel
from studio.widgets.player import ABPlayer, Player
from studio.widgets.plots import loudness_figure, show
from studio.widgets.qc_figure import qc_figure
from studio.widgets.translation import TranslationView

__all__ = [
    "ABPlayer",
    "ArrangementView",
    "AutomationEditor",
    "BalanceAssistant",
    "Console",
    "LivePlot",
    "MaskingView",
    "MasteringRack",
    "Player",
    "ProcessorPanel",
    "TrackPlayer",
    "TranslationView",
    "console",
    "control_for",
    "control_row",
    "correlation_figure",
    "listen",
    "mastering_rack",
    "loudness_figure",
    "panel",
    "qc_figure",
    "register_view",
    "show",
    "spectrogram_figure",
    "spectrum_figure",
    "vectorscope_figure",
]
