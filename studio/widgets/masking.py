"""The masking map as a view: who hides whom, where; a suggested carve heard before/after.

A view of a :class:`~studio.mixing.project.Project` over one passage. It shows the map
(every colliding pair, the worst first, as a heat map), lets you pick a collision, says
which track should give way and why (a carve: a modest EQ cut on one of the two), and
plays the mix before and after that carve, loudness-matched, *before* you decide.
"Carve it" puts the cut into the track's EQ as one undo step; "Undo" takes it back. The
map is measured again after each, so the next collision moves up.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from studio.errors import StudioError
from studio.mixing.carve import Carve, suggest_carve
from studio.mixing.project import Project
from studio.mixing.render import render, session_length_s
from studio.text import t
from studio.widgets.lifecycle import close_tree, register_view
from studio.widgets.player import Player

__all__ = ["MaskingView"]

BEFORE, AFTER = "before", "after"
_SHOWN = 6  # collisions offered in the list


def _lufs(samples: Any, sr: int) -> float:
    from studio.dsp.loudness import integrated_loudness

    return float(integrated_loudness(samples, sr))


class MaskingView(widgets.VBox):
    """The masking map of a project's passage, with carves to hear and apply.

    Parameters
    ----------
    project : Project
        The session to look at.
    start_s, duration_s : float
        The passage measured and played (a chorus, where everything plays at once).

    Attributes
    ----------
    map : MaskingMap
        The latest map.
    carve : Carve or None
        The carve suggested for the collision picked in the list.
    player : Player
        Sides ``"before"`` and ``"after"`` the carve, loudness-matched.
    """

    def __init__(self, project: Project, *, start_s: float = 0.0, duration_s: float = 10.0) -> None:
        if not isinstance(project, Project):
            raise StudioError(f"MaskingView needs a studio.mixing.Project; got {project!r}.")
        self.project = project
        length = session_length_s(project.session, project.sources)
        self.start_s = float(min(max(0.0, start_s), max(0.0, length - 1.0)))
        self.duration_s = float(max(1.0, min(duration_s, length - self.start_s)))
        self.carve: Carve | None = None
        self.map_html = widgets.HTML("")
        self.map_html.add_class("studio-masking-map")
        self.choice = widgets.Dropdown(
            options=[],
            description=t("masking_view.choose"),
            style={"description_width": "initial"},
            layout=widgets.Layout(width="100%", max_width="760px"),
        )
        self.choice.add_class("studio-masking-choice")
        self.carve_html = widgets.HTML("")
        self.carve_html.add_class("studio-masking-carve")
        self.player = Player(
            {BEFORE: None, AFTER: None},
            labels={BEFORE: t("masking_view.before"), AFTER: t("masking_view.after")},
        )
        self.apply_button = widgets.Button(
            description=t("masking_view.apply"),
            tooltip=t("masking_view.apply_tooltip"),
            icon="cut",
            layout=widgets.Layout(width="auto"),
        )
        self.apply_button.add_class("studio-masking-apply")
        self.undo_button = widgets.Button(
            description=t("masking_view.undo"),
            tooltip=t("masking_view.undo_tooltip"),
            icon="undo",
            layout=widgets.Layout(width="auto"),
        )
        self.status = widgets.HTML("")
        self.apply_button.on_click(lambda _: self.apply())
        self.undo_button.on_click(lambda _: self.undo())
        self.choice.observe(lambda change: self._pick(change["new"]), names="value")
        buttons = widgets.HBox(
            [self.apply_button, self.undo_button, self.status],
            layout=widgets.Layout(align_items="center"),
        )
        super().__init__([self.map_html, self.choice, self.carve_html, self.player, buttons])
        self.add_class("studio-masking-view")
        self.refresh()
        register_view(self)

    def refresh(self) -> None:
        """Measure the map again and offer its worst collisions."""
        self.map = self.project.masking_map(start_s=self.start_s, duration_s=self.duration_s)
        self.map_html.value = self.map._repr_html_()
        worst = self.map.worst(_SHOWN)
        options = [(c.summary(), i) for i, c in enumerate(worst)]
        self._worst = worst
        self._picks = 0
        self.choice.options = options  # picks the first collision (once) when it changes
        if options:
            if self.choice.value != 0:
                self.choice.value = 0
            if self._picks == 0:
                self._pick(0)
        else:
            self.carve = None
            self.carve_html.value = html.escape(t("masking_view.none"))
            self.player.set_sides({BEFORE: None, AFTER: None})

    def _pick(self, index: int | None) -> None:
        if index is None or not self._worst:
            return
        self._picks += 1
        self.carve = suggest_carve(self._worst[index])
        self.carve_html.value = self.carve._repr_html_()
        self._play_both()

    def _passage(self, session: Any) -> Any:
        return render(
            session,
            self.project.sources,
            start_s=self.start_s,
            duration_s=self.duration_s,
            cache=self.project.cache,
        )

    def _play_both(self) -> None:
        """The mix now, and the mix with the picked carve, at matched loudness."""
        session = self.project.session
        before = self._passage(session)
        after_session = session
        if self.carve is not None:
            for path, value in self.carve.changes(eq=session.get(self.carve.eq_path)):
                after_session = after_session.replace(path, value)
        after = self._passage(after_session)
        offset = _lufs(after.samples, after.sr) - _lufs(before.samples, before.sr)
        self.player.set_sides({BEFORE: before, AFTER: after}, loudness_db={AFTER: offset})

    def apply(self) -> None:
        """Put the picked carve into its track's EQ (one undo step), then measure again."""
        if self.carve is None:
            return
        label = self.project.apply_carve(self.carve)
        self.status.value = f"<small>{html.escape(t('masking_view.applied', what=label))}</small>"
        self.refresh()

    def undo(self) -> None:
        """Take back the last edit of the project, then measure again."""
        label = self.project.undo()
        text = t("masking_view.undone", what=label) if label else t("masking_view.nothing")
        self.status.value = f"<small>{html.escape(text)}</small>"
        self.refresh()

    def close(self) -> None:
        """Close the map, the list, the player and the buttons."""
        close_tree(self, keep=[self])
        super().close()
