"""The mixing console: one strip per track and bus, one player, meters that move.

A view of a :class:`~studio.mixing.project.Project`. Every strip is built from the
session's declarations, so each control is named by its path in the session (the same
path an undo step, a saved file and an automation lane use):

* a track strip: its name in its colour, what its channel strip holds (filters, EQ,
  dynamics, inserts), a level per send, pan, mute and solo, the fader beside a meter;
* a bus strip: the same for a group bus or an effect return; the master strip last;
* a VCA strip: one fader that moves its tracks.

Moving a control changes the project (one undo step per drag) and, a moment after the
last move, re-renders the preview passage: only the track that changed and the buses
after it are rendered again, everything else comes from the project's cache. The player
swaps the new mix in at the same position; the meters follow the player. "Hear alone"
adds a side with one track soloed in place (its buses and returns as in the mix),
loudness-matched against the mix: solo in context. A full-length render, with a progress
bar, is one button away; its result is :attr:`Console.result`.
"""

from __future__ import annotations

import html
import time
import uuid
from typing import Any

import ipywidgets as widgets
import numpy as np
from ipywidgets.widgets.widget_bool import ToggleButtonStyle
from ipywidgets.widgets.widget_string import HTMLStyle

from studio.audio import Audio
from studio.dsp.control import Envelope
from studio.errors import StudioError
from studio.mixing.project import Project
from studio.mixing.render import render, session_length_s
from studio.mixing.session import MASTER, Bus, Session, Strip, Track
from studio.params import ParamSpec, Path
from studio.text import t
from studio.widgets.controls import ControlKit, control_for
from studio.widgets.lifecycle import close_tree, register_view
from studio.widgets.liveplot import Axis, LivePlot, Subplot
from studio.widgets.meter import LevelMeter
from studio.widgets.panel import _is_echo
from studio.widgets.player import MAX_PREVIEW_S, Player
from studio.widgets.timing import Debouncer, Scheduler

__all__ = ["Console", "console"]

#: Side names of the console's player.
MIX, ALONE, KEPT = "mix", "alone", "kept"

_STRIP_WIDTH = "118px"
_BLOCK_S = 0.05
_FADER_FLOOR_DB = -60.0
_SPECTRUM_POINTS = 160  # log-spaced from 20 Hz to 20 kHz: smooth enough, light to send
_SPECTRUM_FLOOR_DB = -100.0


def spectrum_points(samples: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """A long-term spectrum on log-spaced points, 1/6-octave smoothed (dBFS).

    What a console's analyser shows: the tonal balance the ear follows, not every
    harmonic. Silent input reads the floor.
    """
    from studio.analysis.spectrum import long_term_spectrum

    freqs = np.geomspace(20.0, min(20000.0, 0.49 * sr), _SPECTRUM_POINTS)
    if not np.any(samples):
        return freqs, np.full_like(freqs, _SPECTRUM_FLOOR_DB)
    spec = long_term_spectrum(Audio(samples, sr), resolution_hz=10.0).smoothed(6)
    level = np.interp(np.log(freqs), np.log(np.maximum(spec.freqs_hz, 1e-3)), spec.level_dbfs)
    return freqs, np.clip(
        np.nan_to_num(level, nan=_SPECTRUM_FLOOR_DB, neginf=_SPECTRUM_FLOOR_DB),
        _SPECTRUM_FLOOR_DB,
        0.0,
    )


def _lufs(audio: Audio) -> float:
    from studio.dsp.loudness import integrated_loudness

    return float(integrated_loudness(audio.samples, audio.sr))


def _strip_summary(strip: Strip, sr: int) -> list[str]:
    """What a strip holds, in a few words per active stage (its insert slots)."""
    words = []
    if strip.trim_db != 0.0 and not isinstance(strip.trim_db, Envelope):
        words.append(t("console.slot_trim", db=strip.trim_db))
    if strip.invert:
        words.append(t("console.slot_polarity"))
    for stage in (strip.high_pass, strip.low_pass, strip.eq, strip.dynamics):
        if not stage.bypass and not (stage.identity_when_neutral and stage.is_neutral()):
            words.append(type(stage).class_name())
    for stage in strip.inserts.processors:
        name = type(stage).class_name()
        words.append(t("console.slot_bypassed", name=name) if stage.bypass else name)
    return words or [t("console.slot_empty")]


class _StripLook:
    """The layouts and styles every strip shares.

    Each ipywidgets layout or style is a widget model of its own that travels to the
    browser: made fresh for every control, the demo's eleven strips sent some 190 of
    them; shared, a handful.
    """

    def __init__(self) -> None:
        self.strip = widgets.Layout(
            width=_STRIP_WIDTH,
            min_width=_STRIP_WIDTH,
            border="1px solid #d5d8dc",
            padding="4px",
            margin="0 4px 0 0",
            overflow="hidden",  # never a scroll bar inside a strip
        )
        self.plain = widgets.Layout()
        self.slider = widgets.Layout(width="100%")
        # 120 px of fader: a whole strip, player above it, fits a 720-pixel-high screen
        self.fader = widgets.Layout(height="120px", width="56px")
        self.fader_row = widgets.Layout(height="128px")
        self.toggle = widgets.Layout(width="48px", padding="0")
        self.slider_style = widgets.SliderStyle(description_width="initial")
        self.toggle_style = ToggleButtonStyle()
        self.html_style = HTMLStyle()


class Console(widgets.VBox):
    """Strips, a shared player and meters for a whole mixing session.

    Parameters
    ----------
    project : Project
        The session with its audio (``studio.demo.session().project()``, or
        ``Project.load(...)``).
    start_s, preview_s : float
        The preview passage: ``preview_s`` seconds from ``start_s``.
    scheduler : Scheduler, optional
        Clock for the render's debounce (tests pass a manual one).
    debounce_s : float
        Quiet time after the last move before the preview is rendered.

    Attributes
    ----------
    controls : dict
        Every control by its path in the session, e.g.
        ``("tracks", "voice", "strip", "fader", "gain_db")``.
    player : Player
        Sides ``"mix"``, ``"alone"`` (one track soloed in place) and ``"kept"``.
    meters : dict
        The level meter of every strip by name (tracks, buses, ``"master"``).
    result : Audio or None
        The last full-length render.
    """

    def __init__(
        self,
        project: Project,
        *,
        start_s: float = 0.0,
        preview_s: float = 10.0,
        scheduler: Scheduler | None = None,
        debounce_s: float = 0.25,
    ) -> None:
        if not isinstance(project, Project):
            raise StudioError(
                "console() needs a studio.mixing.Project, e.g. studio.demo.session().project(); "
                f"got {type(project).__name__}."
            )
        self.project = project
        self.sr = project.session.sr
        length = session_length_s(project.session, project.sources)
        self.start_s = float(min(max(0.0, start_s), max(0.0, length - 0.5)))
        self.preview_s = float(max(0.5, min(preview_s, length - self.start_s or preview_s)))
        self.preview_s = min(self.preview_s, MAX_PREVIEW_S - 0.5)  # what the player takes
        self.controls: dict[Path, widgets.ValueWidget] = {}
        self.meters: dict[str, LevelMeter] = {}
        self._slot_views: dict[Path, widgets.HTML] = {}
        self._labels: dict[Path, str] = {}  # each labelled control's own words
        self.result: Audio | None = None
        self.alone: str | None = None
        self._kit = ControlKit()
        self._look = _StripLook()
        self._syncing = False
        self._lufs: dict[str, float] = {}
        self._transport_id = f"console-{uuid.uuid4().hex[:12]}"

        self.title = widgets.HTML(
            f"<b>{html.escape(t('console.title', name=project.session.name))}</b>"
        )
        self.message = widgets.HTML("")
        self.message.add_class("studio-message")
        self.status = widgets.HTML("")
        self.status.add_class("studio-console-status")

        self.player = Player(
            {MIX: None, ALONE: None, KEPT: None},
            labels={
                MIX: t("console.side_mix"),
                ALONE: t("console.side_alone"),
                KEPT: t("console.side_kept"),
            },
        )
        self.player.transport_id = self._transport_id
        names = [tr.name for tr in project.session.tracks]
        self.alone_choice = widgets.Dropdown(
            options=[(t("console.alone_none"), "")] + [(n, n) for n in names],
            value="",
            description=t("console.alone_label"),
            tooltip=t("console.alone_tooltip"),
            style=self._kit.style("choice"),
            layout=widgets.Layout(width="260px"),
        )
        self.alone_choice.add_class("studio-console-alone")
        self.alone_choice.observe(lambda c: self._on_alone(c["new"]), names="value")
        self.undo_button = self._button("console.undo", "undo", self._undo)
        self.redo_button = self._button("console.redo", "repeat", self._redo)
        self.keep_button = self._button("console.keep", "thumb-tack", self.keep)
        self.full_button = self._button(
            "console.full", "play-circle", lambda: self._guarded(self.render_full)
        )
        self.progress = widgets.IntProgress(
            value=0, min=0, max=1, layout=widgets.Layout(width="160px", display="none")
        )
        tools = widgets.HBox(
            [
                self.alone_choice,
                self.keep_button,
                self.undo_button,
                self.redo_button,
                self.full_button,
                self.progress,
            ],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )

        self.spectrum = LivePlot(
            [
                Subplot(
                    x=Axis(t("console.spectrum_x"), "Hz", "log", (20.0, 20000.0)),
                    y=Axis(t("console.spectrum_y"), "dB", "linear", (_SPECTRUM_FLOOR_DB, 0.0)),
                    title=t("console.spectrum_title"),
                )
            ],
            height_px=220,
        )
        freqs = np.geomspace(20.0, 20000.0, _SPECTRUM_POINTS)
        floor = np.full_like(freqs, _SPECTRUM_FLOOR_DB)
        self.spectrum.line(MIX, freqs, floor, label=t("console.side_mix"), color="#7f8c8d")
        self.spectrum.line("strip", freqs, floor, label="", color="#d35400", width=2.0)
        strip_names = [tr.name for tr in project.session.tracks]
        strip_names += [b.name for b in project.session.buses] + [MASTER]
        self.spectrum_choice = widgets.Dropdown(
            options=strip_names,
            value=strip_names[0],
            description=t("console.spectrum_of"),
            tooltip=t("console.spectrum_tooltip"),
            style=self._kit.style("choice"),
            layout=widgets.Layout(width="260px"),
        )
        self.spectrum_choice.add_class("studio-console-spectrum-of")
        self.spectrum_choice.observe(lambda c: self._update_spectrum(), names="value")
        self._outputs: dict[str, np.ndarray] = {}

        self._layout = _layout_of(project.session)
        self.strips = widgets.HBox(
            self._build_strips(project.session),
            layout=widgets.Layout(overflow="auto", width="100%", align_items="stretch"),
        )
        self.strips.add_class("studio-console-strips")
        look = widgets.VBox([self.spectrum_choice, self.spectrum])
        look.add_class("studio-console-spectrum")
        super().__init__(
            children=[self.title, self.message, self.player, tools, self.strips, self.status, look]
        )
        self.add_class("studio-console")
        self._slow = Debouncer(self._render_guarded, debounce_s, scheduler)
        self._render_guarded()  # a first render that fails shows why, in the message line
        project.observe(self._on_project)  # only once built: a failed build leaves nothing
        register_view(self)

    def _build_strips(self, session: Session) -> list[widgets.Widget]:
        """One strip per track, bus and VCA, the master last (registering their controls)."""
        strips = [self._track_strip(tr, session) for tr in session.tracks]
        strips += [self._bus_strip(b, ("buses", b.name)) for b in session.buses]
        strips += [self._vca_strip(v.name) for v in session.vcas]
        strips.append(self._bus_strip(session.master, ("master",)))
        return strips

    def _rebuild(self, session: Session) -> None:
        """Tracks, buses or VCAs came or went: build the strips and the lists again."""
        old = list(self.strips.children)
        self.controls, self.meters, self._slot_views = {}, {}, {}
        self.strips.children = self._build_strips(session)
        shared = [self._kit.control_layout, self._kit.row_layout, self._kit.reset_layout]
        shared += [*self._kit._styles.values(), getattr(self, "_narrow", None)]
        shared += [w for w in vars(self._look).values() if isinstance(w, widgets.Widget)]
        for box in old:  # the old strips go; the layouts and styles they share stay
            close_tree(box, keep=[w for w in shared if w is not None])
        self._layout = _layout_of(session)
        names = [tr.name for tr in session.tracks]
        if self.alone not in names:
            self.alone = None
        self.alone_choice.options = [(t("console.alone_none"), "")] + [(n, n) for n in names]
        self.alone_choice.value = self.alone or ""
        looks = names + [b.name for b in session.buses] + [MASTER]
        keep = self.spectrum_choice.value if self.spectrum_choice.value in looks else looks[0]
        self.spectrum_choice.options = looks
        self.spectrum_choice.value = keep

    # -- building -----------------------------------------------------------------------

    def _button(self, key: str, icon: str, action: Any) -> widgets.Button:
        button = widgets.Button(
            description=t(f"{key}_button"),
            tooltip=t(f"{key}_tooltip"),
            icon=icon,
            layout=widgets.Layout(width="auto"),
        )
        button.add_class(f"studio-{key.replace('.', '-')}")
        button.on_click(lambda _: action())
        return button

    def _bind(self, path: Path, *, vertical: bool = False, short: str | None = None) -> Any:
        session = self.project.session
        spec: ParamSpec = session.spec_at(path)
        value = session.get(path)
        if spec.kind == "bool":
            control: Any = widgets.ToggleButton(
                value=bool(value),
                description=short or spec.label,
                tooltip=spec.help,
                layout=self._look.toggle,
                style=self._look.toggle_style,
            )
        else:
            automated = isinstance(value, Envelope)
            control = control_for(spec, self._shown(path, value), sr=self.sr, kit=self._kit)
            control.disabled = automated
            if vertical:
                control.orientation = "vertical"
                control.description = ""
                control.layout = self._look.fader
                # a fader's useful travel: -60..+24 dB over its height (about 0.5 dB a
                # pixel), lower only for a value already below it (typed values reach the
                # whole declared range in code)
                low = min(_FADER_FLOOR_DB, self._shown(path, value))
                if control.min < low:
                    control.min = low
            else:
                self._labels[path] = short if short is not None else spec.label
                control.description = self._label(path, automated)
                control.style = self._look.slider_style
                control.layout = self._look.slider
                control.readout = True
        control.add_class("studio-control")
        control.add_class("studio-console-" + "-".join(str(p) for p in path[-2:]))
        self.controls[path] = control
        control.observe(lambda change, p=path: self._on_change(p, change["new"]), names="value")
        return control

    def _shown(self, path: Path, value: Any) -> Any:
        """What a control shows: the value, or an automated value where the passage starts."""
        if not isinstance(value, Envelope):
            return value
        lo, hi = self.project.session.spec_at(path).range_at(self.sr)
        return float(np.clip(value.value_at(self.start_s), lo, hi))

    def _label(self, path: Path, automated: bool) -> str:
        words = self._labels.get(path, "")
        return t("console.automated", name=words) if automated and words else words

    def _header(self, name: str, colour: str, kind: str) -> widgets.HTML:
        label = html.escape(name)
        box = widgets.HTML(
            f"<div title='{html.escape(kind)}' style='border-top:6px solid {html.escape(colour)};"
            f"font-weight:bold;padding-top:2px;white-space:nowrap;overflow:hidden;"
            f"text-overflow:ellipsis'>{label}</div><div style='font-size:11px;color:#777'>"
            f"{html.escape(kind)}</div>",
            layout=self._look.plain,
            style=self._look.html_style,
        )
        box.add_class("studio-strip-name")
        return box

    def _slots(self, strip: Strip, base: Path) -> widgets.HTML:
        slots = widgets.HTML(
            self._slots_html(strip), layout=self._look.plain, style=self._look.html_style
        )
        slots.add_class("studio-strip-slots")
        self._slot_views[base] = slots
        return slots

    def _slots_html(self, strip: Strip) -> str:
        items = "".join(
            f"<div style='font-size:11px;background:#eef2f5;margin:1px 0;padding:0 3px;"
            f"border-radius:2px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis'>"
            f"{html.escape(w)}</div>"
            for w in _strip_summary(strip, self.sr)
        )
        return f"<div>{items}</div>"

    def _fader_row(self, name: str, colour: str, path: Path) -> widgets.HBox:
        meter = LevelMeter(self._transport_id, colour, layout=self._look.plain)
        self.meters[name] = meter
        fader = self._bind(path, vertical=True)
        return widgets.HBox([meter, fader], layout=self._look.fader_row)

    def _box(self, parts: list[widgets.Widget], name: str) -> widgets.VBox:
        box = widgets.VBox(parts, layout=self._look.strip)
        box.add_class("studio-strip")
        box.add_class(f"studio-strip-{_css_name(name)}")
        return box

    def _track_strip(self, track: Track, session: Session) -> widgets.VBox:
        base: Path = ("tracks", track.name)
        parts: list[widgets.Widget] = [
            self._header(track.name, track.colour, t(f"console.kind_{track.layout}")),
            self._slots(track.strip, base),
        ]
        for send in track.sends:
            parts.append(self._bind((*base, "sends", send.bus, "level_db"), short=send.bus))
        parts.append(self._bind((*base, "strip", "fader", "pan"), short=t("console.pan")))
        parts.append(
            widgets.HBox(
                [
                    self._bind((*base, "mute"), short=t("console.mute_short")),
                    self._bind((*base, "solo"), short=t("console.solo_short")),
                ],
                layout=self._look.plain,
            )
        )
        parts.append(
            self._fader_row(track.name, track.colour, (*base, "strip", "fader", "gain_db"))
        )
        return self._box(parts, track.name)

    def _bus_strip(self, bus: Bus, base: Path) -> widgets.VBox:
        kind = t("console.kind_master") if bus.name == MASTER else t(f"console.kind_{bus.kind}")
        parts: list[widgets.Widget] = [
            self._header(bus.name, bus.colour, kind),
            self._slots(bus.strip, base),
        ]
        for send in bus.sends:
            parts.append(self._bind((*base, "sends", send.bus, "level_db"), short=send.bus))
        parts.append(self._bind((*base, "strip", "fader", "pan"), short=t("console.balance")))
        if bus.name != MASTER:
            parts.append(
                widgets.HBox(
                    [
                        self._bind((*base, "mute"), short=t("console.mute_short")),
                        self._bind((*base, "solo"), short=t("console.solo_short")),
                    ],
                    layout=self._look.plain,
                )
            )
        parts.append(self._fader_row(bus.name, bus.colour, (*base, "strip", "fader", "gain_db")))
        return self._box(parts, bus.name)

    def _vca_strip(self, name: str) -> widgets.VBox:
        base: Path = ("vcas", name)
        parts = [
            self._header(name, "#34495e", t("console.kind_vca")),
            self._bind((*base, "mute"), short=t("console.mute_short")),
            self._bind((*base, "gain_db"), vertical=True),
        ]
        return self._box(parts, name)

    # -- moves --------------------------------------------------------------------------

    def _on_change(self, path: Path, value: Any) -> None:
        if self._syncing:
            return
        current = self.project.get(path)
        if isinstance(current, Envelope):
            # Automated: the control is locked and shows the lane's value; anything that
            # arrives is the page echoing it back (a slider rounds to its step), never a
            # reason to replace the lane with one number.
            return
        spec = self.project.session.spec_at(path)
        lo, hi = spec.range_at(self.sr) if spec.kind == "number" else (0.0, 0.0)
        if _is_echo(value, current, 1e-9 * abs(hi - lo)):
            return
        try:
            self.project.set(path, value, join=True)
        except StudioError as exc:
            self._show_error(str(exc))
            self._sync_controls(self.project.session)  # show the value in use
            return
        self._show_error("")
        self._slow()

    def set(self, path: Path, value: Any) -> None:
        """Move a control from code, exactly as a user would (by its path)."""
        if path not in self.controls:
            raise StudioError(
                f"the console has no control for {path!r}; it has {len(self.controls)} "
                "controls (see console.controls)."
            )
        self.controls[path].value = value

    def _on_project(self, session: Session) -> None:
        """The project changed (a move here, an undo, another view): show it, re-render."""
        if _layout_of(session) != self._layout:
            self._rebuild(session)
        self._sync_controls(session)
        for base, view in self._slot_views.items():
            try:
                view.value = self._slots_html(session.get((*base, "strip")))
            except StudioError:
                continue  # the track or bus is gone
        self._slow()

    def _sync_controls(self, session: Session) -> None:
        self._syncing = True
        try:
            for path, control in self.controls.items():
                try:
                    value = session.get(path)
                except StudioError:
                    control.disabled = True  # the track or send is gone
                    continue
                automated = isinstance(value, Envelope)
                control.disabled = automated
                shown = self._shown(path, value)
                if control.value != shown:
                    control.value = shown
                if path in self._labels:
                    control.description = self._label(path, automated)
        finally:
            self._syncing = False

    def _undo(self) -> None:
        label = self.project.undo()
        self.status.value = _small(
            t("console.undone", what=label) if label else t("console.nothing")
        )

    def _redo(self) -> None:
        label = self.project.redo()
        self.status.value = _small(
            t("console.redone", what=label) if label else t("console.nothing")
        )

    def _on_alone(self, name: str) -> None:
        self.alone = name or None
        self._slow()

    def _show_error(self, text: str) -> None:
        self.message.value = (
            f'<span style="color:#c0392b">&#9888; {html.escape(text)}</span>' if text else ""
        )

    # -- sound --------------------------------------------------------------------------

    def _render_guarded(self) -> None:
        self._guarded(self.render_now)

    def _guarded(self, work: Any) -> None:
        """Run ``work``; a failure is shown in the message line, never lost in a callback."""
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - a view must never take the kernel down
            self._show_error(t("console.render_failed", error=exc))

    def render_now(self) -> None:
        """Render the preview passage now; refresh the player, meters and status."""
        if self.comm is None:  # closed: a late timer has nothing to draw on
            return
        project = self.project
        cache = project.cache
        hits, misses = cache.hits, cache.misses
        start = time.perf_counter()
        levels: dict[str, np.ndarray] = {}
        self._outputs = {}
        mix = render(
            project.session,
            project.sources,
            start_s=self.start_s,
            duration_s=self.preview_s,
            cache=cache,
            meters=levels,
            meter_block_s=_BLOCK_S,
            name=t("console.side_mix"),
            outputs=self._outputs,
        )
        took_ms = 1000 * (time.perf_counter() - start)
        reused, rendered = cache.hits - hits, cache.misses - misses
        self.mix = mix
        self._lufs[MIX] = _lufs(mix)
        self.player.time_origin_s = self.start_s  # the player shows song time
        self.player.set_side(MIX, mix, loudness_db=0.0)
        for name, meter in self.meters.items():
            if name in levels:
                meter.set_levels(levels[name], _BLOCK_S)
        self._render_alone()
        self._update_spectrum()
        for side in (ALONE, KEPT):
            if side in self._lufs and self.player.audio(side) is not None:
                self.player.set_loudness(side, self._offset(side))
        project.end_join()  # the drag that led here is over: the next is an undo of its own
        self.status.value = _small(
            t(
                "console.status",
                start_s=self.start_s,
                end_s=self.start_s + self.preview_s,
                ms=took_ms,
                rendered=rendered,
                reused=reused,
            )
        )

    def _update_spectrum(self) -> None:
        """Draw the chosen strip's spectrum over the mix's (what it adds, and where)."""
        if not self._outputs:
            return
        name = self.spectrum_choice.value
        freqs, mix_db = spectrum_points(self._outputs[MASTER], self.sr)
        self.spectrum.update(MIX, freqs, mix_db)
        strip = self._outputs.get(name)
        silent = np.zeros((2, 1), dtype=np.float32)
        _, strip_db = spectrum_points(strip if strip is not None else silent, self.sr)
        self.spectrum.update("strip", freqs, strip_db)
        self.spectrum.trace("strip").label = name

    def _offset(self, side: str) -> float:
        mix, other = self._lufs.get(MIX, -np.inf), self._lufs.get(side, -np.inf)
        if not (np.isfinite(mix) and np.isfinite(other)):
            return 0.0
        return float(np.clip(other - mix, -60.0, 60.0))

    def _render_alone(self) -> None:
        if self.alone is None:
            self.player.set_side(ALONE, None)
            self._lufs.pop(ALONE, None)
            return
        session = self.project.session
        soloed = session.replace(
            tracks=tuple(tr.replace(solo=tr.name == self.alone) for tr in session.tracks),
            buses=tuple(b.replace(solo=False) for b in session.buses),
        )
        audio = render(
            soloed,
            self.project.sources,
            start_s=self.start_s,
            duration_s=self.preview_s,
            cache=self.project.cache,
            name=self.alone,
        )
        self._lufs[ALONE] = _lufs(audio)
        self.player.set_side(ALONE, audio, loudness_db=self._offset(ALONE))

    def flush(self) -> None:
        """Run a waiting preview render now."""
        self._slow.flush()

    def keep(self) -> None:
        """Keep what the mix side plays now as side C, to compare later moves with."""
        self.flush()
        self._lufs[KEPT] = self._lufs.get(MIX, -np.inf)
        self.player.set_side(KEPT, self.mix, loudness_db=0.0)

    def set_region(self, start_s: float, preview_s: float) -> None:
        """Move the preview passage (e.g. to the chorus) and render it.

        A passage longer than the player takes is shortened to what it takes, and the
        message line says so.
        """
        start, length = max(0.0, float(start_s)), float(preview_s)
        longest = MAX_PREVIEW_S - 0.5
        note = ""
        if length > longest:
            note = t("console.region_shortened", seconds=longest)
            length = longest
        if not length > 0.1:
            self._show_error(t("console.region_too_short"))
            return
        self.start_s, self.preview_s = start, length
        self._sync_controls(self.project.session)  # automated values where it starts now
        self.player.set_side(KEPT, None)
        self._lufs.pop(KEPT, None)
        self._show_error(note)
        self._render_guarded()

    def render_full(self) -> Audio:
        """Mix the whole song (with its effect tails), showing progress; kept as ``result``."""
        bar = self.progress

        def report(done: int, total: int, label: str) -> None:
            bar.layout.display = None  # shown while the render runs
            bar.max, bar.value = total, done
            bar.tooltip = label

        start = time.perf_counter()
        try:
            self.result = self.project.mixdown(progress=report)
        finally:
            bar.layout.display = "none"  # done: the status line says so (and no empty line)
        self.status.value = _small(
            t(
                "console.full_done",
                seconds=self.result.duration_s,
                took_s=time.perf_counter() - start,
            )
        )
        return self.result

    def close(self) -> None:
        """Close every strip, meter and the player, and stop following the project."""
        self.project.unobserve(self._on_project)
        slow = getattr(self, "_slow", None)
        if slow is not None:
            slow.cancel()
        close_tree(self, keep=[self])
        self.result = None
        super().close()


def _layout_of(session: Session) -> tuple[tuple[str, ...], ...]:
    """What the strips are built from: the names of tracks, buses, VCAs and sends."""
    return (
        tuple(tr.name for tr in session.tracks),
        tuple(b.name for b in session.buses),
        tuple(v.name for v in session.vcas),
        tuple(f"{tr.name}>{x.bus}" for tr in session.tracks for x in tr.sends),
        tuple(f"{b.name}>{x.bus}" for b in session.buses for x in b.sends),
    )


def _css_name(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower())


def _small(text: str) -> str:
    return f"<small>{html.escape(text)}</small>"


def console(project: Project, **options: Any) -> Console:
    """Build a :class:`Console` for a project (see its parameters)."""
    return Console(project, **options)
