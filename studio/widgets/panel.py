"""A processor panel: generated controls beside one live plot and a loudness-matched player.

The panel is a *view* of the widget-free :class:`~studio.preview.Preview` engine and is
built entirely from declarations, so every processor gets one with no code of its own,
composites included: a :class:`~studio.processors.base.Chain` shows one tab per stage
(each with its bypass switch), a :class:`~studio.processors.base.Parallel` one tab per
branch, an EQ one tab per band. Every control is named by its path, the same path that
:meth:`~studio.params.Parametric.replace` takes.

A control move takes two paths:

* **fast, throttled**: the settings are rebuilt with the new value (a bad value shows a
  message in the panel and changes nothing) and the curve in view is redrawn;
* **slow, debounced**: a moment after the last move the engine renders the passage
  (reusing whatever did not change), the player's "processed" side is swapped in place,
  loudness-matched, and the gain trace and the settings in words are refreshed.

The layout keeps the plot and the player beside the controls (they wrap below on a
narrow page); rarely needed controls are folded away under "More settings".
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from studio.audio import Audio
from studio.dsp.control import Envelope
from studio.errors import StudioError
from studio.params import Parametric, ParamSpec, Path, format_path
from studio.preview import Preview, Take, render_full
from studio.processors.base import Processor
from studio.text import t
from studio.widgets.controls import ControlKit, control_for, control_row
from studio.widgets.lifecycle import close_tree, register_view
from studio.widgets.player import Player
from studio.widgets.plots import Render, plot_for
from studio.widgets.timing import Debouncer, Scheduler, Throttler

__all__ = ["ProcessorPanel", "panel"]

#: A value coming back from the browser that differs from one the control already held
#: by less than this (relative, or relative to the control's range) is the browser's
#: float rounding of that value (a log slider computes 10 ** log10(x)), not a move.
_ECHO_TOLERANCE = 1e-9

#: How many recent values of each control are remembered to recognise late echoes.
_RECENT_VALUES = 8

#: Side names of the panel's player.
ORIGINAL, PROCESSED, KEPT = "original", "processed", "kept"


def _is_echo(value: Any, known: Any, abs_tol: float) -> bool:
    """Whether ``value`` is a rounding of ``known``: numbers, close but not equal."""
    numbers = (int, float)
    if isinstance(value, bool) or isinstance(known, bool):
        return False
    if not (isinstance(value, numbers) and isinstance(known, numbers)):
        return False
    return value != known and math.isclose(value, known, rel_tol=_ECHO_TOLERANCE, abs_tol=abs_tol)


def _title(obj: Parametric) -> str:
    """A short title for a nested object: its class name in words."""
    return type(obj).class_name()


class ProcessorPanel(widgets.VBox):
    """Controls, live plot, player and settings in words for any processor.

    Parameters
    ----------
    processor : Processor
        The starting settings (any processor, composites included).
    audio : Audio, optional
        What to hear it on. Without audio the panel shows controls and curve only.
    start_s, preview_s : float
        The preview passage: ``preview_s`` seconds from ``start_s`` (a loop of a few
        seconds keeps every move quick to hear).
    title : str, optional
        Heading; the processor's own title by default.
    compare : mapping of str to Audio, optional
        More sides for the player (e.g. ``{"reference": ref}``), loudness-matched too.
    sr : int, optional
        The sample rate to draw for when there is no audio (48000 by default).
    scheduler : Scheduler, optional
        Clock for throttle/debounce (tests pass a manual one).
    throttle_s, debounce_s : float
        Minimum interval between curve redraws; quiet time before an audio render.

    Attributes
    ----------
    processor : Processor
        The current settings (a new frozen object after every accepted move).
    controls : dict
        The control of every value, by path: ``("ratio",)``, ``("bands", 1, "gain_db")``,
        ``("processors", 2, "bypass")``.
    preview : Preview or None
        The engine that renders the passage.
    player : Player or None
        Sides ``"original"``, ``"processed"`` and ``"kept"`` (plus any ``compare``).
    take : Take or None
        The latest rendering of the passage.
    """

    def __init__(
        self,
        processor: Processor,
        audio: Audio | None = None,
        *,
        start_s: float = 0.0,
        preview_s: float = 10.0,
        title: str | None = None,
        compare: Mapping[str, Audio] | None = None,
        sr: int | None = None,
        scheduler: Scheduler | None = None,
        throttle_s: float = 0.05,
        debounce_s: float = 0.25,
    ) -> None:
        if not isinstance(processor, Processor):
            raise StudioError(
                f"panel() needs a processor, e.g. studio.Compressor(); got {processor!r}."
            )
        self._processor = processor
        self.preview = Preview(audio, start_s, preview_s) if audio is not None else None
        self.sr = audio.sr if audio is not None else (sr or 48000)
        self.start_s = float(start_s)
        processor.check_rate(self.sr)
        self.take: Take | None = None
        self.result: Audio | None = None
        self._full_audio = audio
        self._full_cache: dict[Processor, Audio] = {}
        self.controls: dict[Path, widgets.ValueWidget] = {}
        self._recent: dict[Path, list[Any]] = {}
        self._echo_abs_tol: dict[Path, float] = {}
        self._tabs: dict[Path, widgets.Tab] = {}
        self._plots: dict[Path, Any] = {}
        self._kit = ControlKit()
        name = type(processor).__name__

        heading = widgets.HTML(f"<b>{html.escape(title or processor.headline())}</b>")
        heading.add_class("studio-panel-title")
        self.message = widgets.HTML("")
        self.message.add_class("studio-message")
        self.status = widgets.HTML("")
        self.settings_text = widgets.HTML("")
        self.settings_text.add_class("studio-settings-text")

        self._focus: Path = self._first_drawable(processor, ())
        self.plot_area = widgets.Box(layout=widgets.Layout(width="100%"))
        self.plot_caption = widgets.HTML("")
        self.plot_caption.add_class("studio-plot-caption")
        self._show_plot()

        self.player: Player | None = None
        right: list[widgets.Widget] = [self.plot_caption, self.plot_area]
        if self.preview is not None:
            dry = self.preview.dry
            sides: dict[str, Audio | None] = {ORIGINAL: dry, PROCESSED: None, KEPT: None}
            labels = {
                ORIGINAL: t("panel.original"),
                PROCESSED: t("panel.processed", name=type(processor).class_name()),
                KEPT: t("panel.kept"),
            }
            levels: dict[str, float] = {}
            for key, other in (compare or {}).items():
                passage = other.segment(start_s, start_s + preview_s)
                sides[key] = passage
                labels[key] = key.replace("_", " ").capitalize()
                levels[key] = -self.preview.offset_db(passage)  # matched like the others
            self.player = Player(sides, labels=labels, loudness_db=levels)
            self.keep_button = widgets.Button(
                description=t("panel.keep_button"),
                tooltip=t("panel.keep_tooltip"),
                icon="thumb-tack",
                layout=widgets.Layout(width="auto"),
            )
            self.keep_button.on_click(lambda _: self.keep())
            self.full_button = widgets.Button(
                description=t("panel.full_button"),
                tooltip=t("panel.full_tooltip"),
                icon="play-circle",
                layout=widgets.Layout(width="auto"),
            )
            self.full_button.on_click(lambda _: self.render_full())
            self.progress = widgets.IntProgress(
                value=0, min=0, max=1, layout=widgets.Layout(width="160px", visibility="hidden")
            )
            end_s = start_s + dry.duration_s
            label = dry.name or t("panel.the_audio")
            preview_line = t("panel.preview", label=label, start_s=start_s, end_s=end_s)
            self.status.value = f"<small>{html.escape(preview_line)}</small>"
            actions = widgets.HBox(
                [self.keep_button, self.full_button, self.progress],
                layout=widgets.Layout(flex_flow="row wrap", width="100%"),
            )
            right += [self.player, actions, self.status]
        right.append(self.settings_text)

        # Two columns side by side down to a narrow notebook (about 830 px of output
        # beside JupyterLab's file browser at 1280x720): controls scroll in their own
        # column, so the plot and the player stay in view while a slider moves.
        left = widgets.VBox(
            [self._section(processor, ())],
            layout=widgets.Layout(
                flex="1.25 1 0%", min_width="320px", max_height="560px", overflow="auto"
            ),
        )
        left.add_class("studio-panel-controls")
        right_box = widgets.VBox(right, layout=widgets.Layout(flex="1 1 0%", min_width="340px"))
        right_box.add_class("studio-panel-view")
        body = widgets.HBox(
            [left, right_box],
            layout=widgets.Layout(align_items="flex-start", width="100%"),
        )
        title_row = widgets.HBox(
            [heading, self._header_switch((), processor, whole=True)],
            layout=widgets.Layout(align_items="center", justify_content="space-between"),
        )
        super().__init__(children=[title_row, self.message, body])
        self.add_class("studio-panel")
        self.add_class(f"studio-panel-{name}")

        self._fast = Throttler(self._update_curve, throttle_s, scheduler)
        self._slow = Debouncer(self._render_guarded, debounce_s, scheduler)
        self.render_now()
        register_view(self)

    # -- building the controls ------------------------------------------------------------

    def _header_switch(self, path: Path, obj: Parametric, *, whole: bool = False) -> widgets.Widget:
        """The bypass switch of a processor (nothing for other objects).

        The panel's own processor has its switch in the title row, named for what it
        switches off (all of a chain's stages, or the one processor).
        """
        if not isinstance(obj, Processor):
            return widgets.HTML("")
        spec = type(obj).spec("bypass")
        if whole:
            holds_processors = any(
                issubclass(item, Processor) for item in type(obj).item_fields().values()
            )
            key = "panel.bypass_whole" if holds_processors else "panel.bypass_one"
            label = t(key, name=type(obj).class_name())
            spec = dataclasses.replace(spec, label=label, unit="")
        control = self._bind(spec, obj.bypass, (*path, "bypass"))
        return control_row(spec, control, self._kit)

    def _section(self, obj: Parametric, path: Path) -> widgets.Widget:
        """Controls for one object: its values, then its nested objects."""
        rows: list[widgets.Widget] = []
        advanced: list[widgets.Widget] = []
        for spec in type(obj).specs():
            if spec.name == "bypass":
                continue  # shown as the switch at the top of the object's section
            row = self._row(spec, getattr(obj, spec.name), (*path, spec.name))
            (advanced if spec.advanced else rows).append(row)
        parts: list[widgets.Widget] = [widgets.VBox(rows)] if rows else []
        if advanced:
            fold = widgets.Accordion(children=[widgets.VBox(advanced)], selected_index=None)
            fold.set_title(0, t("panel.more_settings"))
            fold.add_class("studio-advanced")
            parts.append(fold)
        cls = type(obj)
        for field_name in cls.item_fields():
            group = getattr(obj, field_name)
            if not group:
                continue
            pages, titles = [], []
            for i, item in enumerate(group):
                item_path = (*path, field_name, i)
                pages.append(self._item_page(item, item_path))
                item = cls.item_label(field_name).capitalize()
                titles.append(t("panel.item_tab", item=item, number=i + 1))
            tab = widgets.Tab(children=pages)
            for i, text in enumerate(titles):
                tab.set_title(i, text)
            tab.add_class(f"studio-{cls.item_label(field_name)}-tabs")
            self._tabs[(*path, field_name)] = tab
            tab.observe(
                lambda change, p=(*path, field_name): self._on_tab(p, change["new"]),
                names="selected_index",
            )
            parts.append(tab)
        for field_name in cls.child_fields():
            child_obj = getattr(obj, field_name)
            child_path = (*path, field_name)
            box = widgets.VBox(
                [
                    widgets.HTML(f"<b>{html.escape(_title(child_obj))}</b>"),
                    self._header_switch(child_path, child_obj),
                    self._section(child_obj, child_path),
                ]
            )
            parts.append(box)
        return widgets.VBox(parts)

    def _item_page(self, item: Parametric, path: Path) -> widgets.Widget:
        parts: list[widgets.Widget] = []
        if isinstance(item, Processor):
            parts.append(widgets.HTML(f"<b>{html.escape(item.headline())}</b>"))
            parts.append(self._header_switch(path, item))
        parts.append(self._section(item, path))
        page = widgets.VBox(parts)
        page.add_class("studio-item")
        return page

    def _row(self, spec: ParamSpec, value: Any, path: Path) -> widgets.Widget:
        if isinstance(value, Envelope):
            text = t("panel.automation", label=spec.label, value=spec.format(value))
            note = widgets.HTML(f"<i>{html.escape(text)}</i>")
            note.add_class("studio-automated")
            return note
        control = self._bind(spec, value, path)
        return control_row(spec, control, self._kit)

    def _bind(self, spec: ParamSpec, value: Any, path: Path) -> widgets.ValueWidget:
        control = control_for(spec, value, sr=self.sr, kit=self._kit)
        self.controls[path] = control
        self._recent[path] = [value]
        lo, hi = spec.range_at(self.sr) if spec.kind == "number" else (0.0, 0.0)
        self._echo_abs_tol[path] = _ECHO_TOLERANCE * abs(hi - lo)
        control.observe(lambda change, p=path: self._on_change(p, change["new"]), names="value")
        return control

    # -- which plot is in view --------------------------------------------------------------

    @staticmethod
    def _first_drawable(obj: Parametric, path: Path) -> Path:
        """The path of the object whose picture is shown first: this one if it draws."""
        for sub_path, sub in obj.nested(path):
            if isinstance(sub, Processor) and sub.capabilities.draws:
                return sub_path
        return path

    def _focused(self) -> Parametric:
        return self._processor.get(self._focus) if self._focus else self._processor

    def _on_tab(self, tab_path: Path, index: int | None) -> None:
        if index is None:
            return
        item = self._processor.get((*tab_path, index))
        if isinstance(item, Processor) or any(isinstance(o, Processor) for _, o in item.nested()):
            self._focus = self._first_drawable(item, (*tab_path, index))
            self._show_plot()
            if self.take is not None:
                self._update_plot_slow(self.take)

    def _show_plot(self) -> None:
        obj = self._focused()
        plot = self._plots.get(self._focus)
        if plot is None and isinstance(obj, Processor) and obj.capabilities.draws:
            plot = plot_for(obj.at(self.start_s), self.sr)
            self._plots[self._focus] = plot
        caption = ""
        if plot is not None and self._focus:  # a stage of a composite: say which is drawn
            where = " · ".join(self._stage_words(self._focus))
            caption = f"<small>{html.escape(t('panel.showing', what=where))}</small>"
        self.plot_caption.value = caption
        self.plot_area.children = [plot.figure] if plot is not None else []

    def _stage_words(self, path: Path) -> list[str]:
        """Name each nested item on the way to ``path``: stage number, then what it is."""
        words, owner = [], self._processor
        for i in range(0, len(path) - 1):
            field_name, index = path[i], path[i + 1]
            if isinstance(field_name, str) and isinstance(index, int):
                item = owner.get((field_name, index))
                label = type(owner).item_label(field_name).capitalize()
                words.append(t("panel.item_tab", item=label, number=index + 1))
                inner = item.get("processor") if "processor" in type(item).child_fields() else item
                words.append(type(inner).class_name())
                owner = item
        return words or [type(self._focused()).class_name()]

    # -- the two paths --------------------------------------------------------------------

    @property
    def processor(self) -> Processor:
        """The current settings."""
        return self._processor

    def _on_change(self, path: Path, value: Any) -> None:
        # The browser writes a slider's value back when it draws it, rounded (a log
        # slider computes 10 ** log10(x)); during Run All such echoes reach the kernel
        # after later cells ran, possibly of a value code has replaced since. Neither
        # is a move: re-rendering for it would resend the audio for nothing.
        current = self._processor.get(path)
        tol = self._echo_abs_tol.get(path, 0.0)
        if _is_echo(value, current, tol):
            return
        if any(_is_echo(value, old, tol) for old in self._recent.get(path, ())):
            self.controls[path].value = current  # a stale echo: show the value in use
            return
        try:
            candidate = self._processor.replace(path, value)
            candidate.check_rate(self.sr)
        except StudioError as exc:
            self._show_error(str(exc))
            return
        self._show_error("")
        if candidate == self._processor:  # e.g. a value set again: nothing to redo
            return
        self._processor = candidate
        self._recent[path] = [*self._recent.get(path, [])[-(_RECENT_VALUES - 1) :], value]
        self._fast()
        self._slow()

    def set(self, path: Path | str, value: Any, *, band: int | None = None) -> None:
        """Move a control from code, exactly as a user would.

        ``path`` is a path (``("processors", 1, "ratio")``) or a parameter name of the
        processor itself; ``band`` (counting from 1) picks an EQ band for a name.
        """
        if isinstance(path, str):
            path = (path,) if band is None else ("bands", band - 1, path)
        if path not in self.controls:
            raise StudioError(
                f"{type(self._processor).__name__} panel has no control {format_path(path)!r}; "
                f"its controls are {', '.join(format_path(p) for p in self.controls)}."
            )
        self.controls[path].value = value

    def _show_error(self, text: str) -> None:
        self.message.value = (
            f'<span style="color:#c0392b">&#9888; {html.escape(text)}</span>' if text else ""
        )

    def _update_curve(self) -> None:
        plot = self._plots.get(self._focus)
        if plot is not None:
            try:
                plot.update_fast(self._focused().at(self.start_s))
            except StudioError as exc:
                self._show_error(str(exc))

    def _render_guarded(self) -> None:
        try:
            self.render_now()
        except Exception as exc:  # noqa: BLE001 - a panel must never take the kernel down
            self._show_error(t("panel.render_failed", error=exc))

    def render_now(self) -> None:
        """Render the preview with the current settings; refresh player, plot and text."""
        proc = self._processor
        if self.comm is None:  # closed: a late timer has nothing to draw on
            return
        self.settings_text.value = _settings_html(proc)
        if self.preview is None or self.player is None:
            return
        take = self.preview.render(proc)
        self.take = take
        # samples and level travel in one message, so the new take never plays at a stale level
        self.player.set_side(PROCESSED, take.audio, loudness_db=take.loudness_db)
        self._update_plot_slow(take)

    def _update_plot_slow(self, take: Take) -> None:
        plot = self._plots.get(self._focus)
        if plot is None or self.preview is None:
            return
        if self._focus:
            trace = self.preview.trace_at(self._processor, self._focus)
        else:
            trace = take.trace_db
        render = Render(self.preview.dry.samples, take.audio.samples, self.sr, trace)
        try:
            plot.update_slow(self._focused().at(self.start_s), render)
        except StudioError as exc:
            self._show_error(str(exc))

    def flush(self) -> None:
        """Run any waiting curve redraw and audio render now."""
        self._fast.flush()
        self._slow.flush()

    # -- comparing and finishing ------------------------------------------------------------

    def keep(self) -> None:
        """Store what the processed side plays now as side C, to compare later moves with."""
        if self.player is None or self.take is None:
            return
        self.flush()
        assert self.take is not None
        self.player.set_side(KEPT, self.take.audio, loudness_db=self.take.loudness_db)

    def render_full(self, audio: Audio | None = None) -> Audio:
        """Process the whole track (or ``audio``) with the current settings, with progress.

        The result is kept as :attr:`result` and cached by the settings, so asking again
        without a change is instant.
        """
        source = audio if audio is not None else self._full_audio
        if source is None:
            raise StudioError(
                "render_full(): this panel has no audio; pass it, e.g. panel.render_full(track)."
            )
        proc = self._processor
        cached = self._full_cache.get(proc) if audio is None else None
        if cached is None:
            bar = getattr(self, "progress", None)

            def report(done: int, total: int, label: str) -> None:
                if bar is not None:
                    bar.layout.visibility = "visible"
                    bar.max, bar.value, bar.description = total, done, ""
                    bar.tooltip = label

            cached = render_full(proc, source, progress=report)
            if audio is None:
                self._full_cache = {proc: cached}
        self.result = cached
        return cached

    def processed(self, audio: Audio | None = None) -> Audio:
        """Process a whole piece of audio with the current settings (full length)."""
        return self.render_full(audio)

    def close(self) -> None:
        """Close the panel with every plot it made (shown or not) and let go of audio.

        Re-running the cell that made the panel calls this. An output history
        (``Out[n]``) may keep the closed panel object alive; it then holds no audio.
        """
        close_tree(self, keep=[self])  # every control, box, tab and shared layout
        for timer in (getattr(self, "_fast", None), getattr(self, "_slow", None)):
            if timer is not None:  # absent when building the panel failed half way
                timer.cancel()
        for plot in getattr(self, "_plots", {}).values():
            close_tree(plot.figure)  # with its traces and layout, shown or not
        if getattr(self, "player", None) is not None:
            close_tree(self.player)
        preview = getattr(self, "preview", None)
        if preview is not None:
            preview.clear()
        self.preview = None
        self.take = None
        self.result = None
        self._full_cache = {}
        self._full_audio = None
        super().close()


def _settings_html(proc: Processor) -> str:
    """The settings in words, as readable HTML (wrapping at words, not monospace)."""
    lines = proc.describe().splitlines()
    head, rest = lines[0], lines[1:]
    items = "".join(f"<li>{html.escape(line.strip())}</li>" for line in rest if line.strip())
    return (
        f"<details class='studio-settings'><summary>{html.escape(t('panel.settings_in_words'))}"
        "</summary>"
        f"<p>{html.escape(head)}</p><ul>{items}</ul></details>"
    )


def panel(processor: Processor, audio: Audio | None = None, **options: Any) -> ProcessorPanel:
    """Build a :class:`ProcessorPanel` for any processor (see its parameters)."""
    return ProcessorPanel(processor, audio, **options)
