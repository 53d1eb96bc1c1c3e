"""Hear a master through other speakers: a playback system to pick, an A/B player, curves.

A master has to *translate*: sound right on earbuds, a phone, a car and a club, not only
on the studio's monitors. :class:`TranslationView` plays a passage of the master beside
the same passage through one simulated system (:mod:`studio.mastering.translation`),
loudness-matched and in step, so what changes is the tone and the limits, not the level;
the plot draws every system's frequency response with the chosen one on top, and a line
says what the system models and what to listen for.

Only the chosen system's audio travels to the page (one side at a time): picking another
system replaces side B in place and the player keeps its position.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np

from studio.audio import Audio
from studio.dsp.loudness import integrated_loudness
from studio.errors import ParameterError
from studio.mastering.translation import SYSTEMS, response_curves, translate
from studio.preview import loudness_offset_db
from studio.text import t
from studio.widgets.lifecycle import register_view
from studio.widgets.liveplot import Axis, LivePlot, Subplot
from studio.widgets.player import MAX_PREVIEW_S, Player

__all__ = ["TranslationView"]

#: The response plot's level range (dB): deep cuts are drawn at the floor.
_FLOOR_DB = -40.0
#: Points per response curve (log-spaced, 20 Hz to 20 kHz).
_POINTS = 160
_GREY = "#bdc3c7"
_CHOSEN = "#d35400"


def _lufs(audio: Audio) -> float:
    return float(integrated_loudness(audio.samples, audio.sr))


class TranslationView(widgets.VBox):
    """A passage of a master through one playback system at a time, A/B with the master.

    Parameters
    ----------
    master : Audio
        The master (stereo or mono).
    start_s, duration_s : float
        The passage heard (a chorus says most about translation).
    system : str
        The system chosen first (a key of :data:`studio.mastering.translation.SYSTEMS`).

    Attributes
    ----------
    choice : ipywidgets.Dropdown
        The playback system.
    player : Player
        Side A the master, side B the master through the system (loudness-matched).
    plot : LivePlot
        Every system's frequency response; the chosen one in colour.
    """

    def __init__(
        self,
        master: Audio,
        *,
        start_s: float = 0.0,
        duration_s: float = 8.0,
        system: str = "phone",
    ) -> None:
        if not isinstance(master, Audio):
            raise ParameterError(f"TranslationView takes a studio.Audio; got {type(master)}.")
        if system not in SYSTEMS:
            raise ParameterError(
                f"TranslationView: unknown system {system!r}; the systems are {', '.join(SYSTEMS)}."
            )
        length = master.n_frames / master.sr
        start = float(min(max(0.0, start_s), max(0.0, length - 0.5)))
        stop = min(length, start + min(float(duration_s), MAX_PREVIEW_S - 0.5))
        self.passage = master.segment(start_s=start, stop_s=stop)
        self._master_lufs = _lufs(self.passage)
        self.choice = widgets.Dropdown(
            options=[(s.name, key) for key, s in SYSTEMS.items()],
            value=system,
            description=t("translation_view.system"),
            style={"description_width": "initial"},
            layout=widgets.Layout(width="320px"),
        )
        self.choice.add_class("studio-translation-system")
        self.about = widgets.HTML()
        self.player = Player(
            {"master": self.passage, "system": None},
            labels={"master": t("translation_view.master"), "system": SYSTEMS[system].name},
        )
        self.player.time_origin_s = start
        self.plot = LivePlot(
            [
                Subplot(
                    x=Axis(t("translation_view.axis_x"), "Hz", "log", (20.0, 20000.0)),
                    y=Axis(t("translation_view.axis_y"), "dB", "linear", (_FLOOR_DB, 10.0)),
                    title=t("translation_view.plot_title"),
                )
            ],
            height_px=240,
        )
        curves = response_curves(
            master.sr, np.geomspace(20.0, min(20000.0, 0.499 * master.sr), _POINTS)
        )
        self._curves = {k: (f, np.maximum(db, _FLOOR_DB)) for k, (f, db) in curves.items()}
        for key, (freqs, db) in self._curves.items():
            self.plot.line(key, freqs, db, label=SYSTEMS[key].name, color=_GREY, width=1.0)
        freqs, db = self._curves[system]
        self.plot.line("chosen", freqs, db, label=SYSTEMS[system].name, color=_CHOSEN, width=2.5)
        self.choice.observe(lambda change: self.show(change["new"]), names="value")
        super().__init__([self.choice, self.about, self.player, self.plot])
        self.add_class("studio-translation")
        self.show(system)
        register_view(self)

    def show(self, system: str) -> None:
        """Put ``system`` on side B (and on top of the plot), keeping the player's place."""
        chosen = SYSTEMS[system]
        heard = translate(self.passage, system)
        louder_db = -loudness_offset_db(self._master_lufs, _lufs(heard))
        self.player.set_side("system", heard, loudness_db=louder_db)
        self.player.sides[1].label = chosen.name
        freqs, db = self._curves[system]
        self.plot.update("chosen", freqs, db)
        self.plot.trace("chosen").label = chosen.name
        self.about.value = (
            f"<div style='max-width:760px'><b>{html.escape(chosen.name)}</b>: "
            f"{html.escape(chosen.models)}<br><i>{html.escape(t('translation_view.listen'))}</i> "
            f"{html.escape(chosen.listen_for)}</div>"
        )
