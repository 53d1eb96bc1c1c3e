"""A processor panel: generated controls, one live plot, an A/B player, plain words.

The panel is built entirely from the processor's declarations, so every processor gets
one with no code of its own. A slider move takes two paths:

* **fast, throttled**: the processor is rebuilt with the new value (a bad value shows a
  message in the panel and changes nothing) and its curve is redrawn;
* **slow, debounced**: a moment after the last move, the preview is rendered, the
  player's B side is swapped in place (loudness-matched to A), the audio-dependent plot
  is redrawn and the settings-in-words text refreshed.
"""

from __future__ import annotations

import html
import math
import time
from typing import Any

import ipywidgets as widgets
import numpy as np

from studio.audio import Audio
from studio.errors import StudioError
from studio.processors.base import Processor
from studio.widgets.controls import control_for, control_row
from studio.widgets.player import ABPlayer
from studio.widgets.plots import Render, plot_for
from studio.widgets.timing import Debouncer, Scheduler, Throttler

__all__ = ["ProcessorPanel", "panel"]

Path = tuple[Any, ...]  # ("threshold_db",) or ("bands", 0, "gain_db")

#: A value coming back from the browser that differs from one the control already held
#: by less than this (relative, or relative to the control's range) is the browser's
#: float rounding of that value (a log slider computes 10 ** log10(x)), not a move.
_ECHO_TOLERANCE = 1e-9

#: How many recent values of each control are remembered to recognise late echoes.
_RECENT_VALUES = 8


def _is_echo(value: Any, known: Any, abs_tol: float) -> bool:
    """Whether ``value`` is a rounding of ``known``: numbers, close but not equal."""
    numbers = (int, float)
    if isinstance(value, bool) or isinstance(known, bool):
        return False
    if not (isinstance(value, numbers) and isinstance(known, numbers)):
        return False
    return value != known and math.isclose(value, known, rel_tol=_ECHO_TOLERANCE, abs_tol=abs_tol)


def _loudness_lufs(samples: np.ndarray, sr: int) -> float:
    from studio.dsp.loudness import integrated_loudness

    return float(integrated_loudness(samples, sr))


class ProcessorPanel(widgets.VBox):
    """Controls, plot, A/B player and settings text for any processor.

    Parameters
    ----------
    processor : Processor
        The starting settings.
    audio : Audio, optional
        What to hear it on. Without audio the panel shows controls and curve only.
    start_s, preview_s : float
        The preview passage: ``preview_s`` seconds from ``start_s`` (a loop of a few
        seconds keeps every move quick to hear).
    title : str, optional
        Heading; the processor's first docstring line by default.
    scheduler : Scheduler, optional
        Clock for throttle/debounce (tests pass a manual one).
    throttle_s, debounce_s : float
        Minimum interval between curve redraws; quiet time before an audio render.

    Attributes
    ----------
    processor : Processor
        The current settings (a new frozen object after every accepted move).
    controls : dict
        Control widget for each parameter path, e.g. ``("ratio",)`` or
        ``("bands", 0, "gain_db")``.
    """

    def __init__(
        self,
        processor: Processor,
        audio: Audio | None = None,
        *,
        start_s: float = 0.0,
        preview_s: float = 10.0,
        title: str | None = None,
        scheduler: Scheduler | None = None,
        throttle_s: float = 0.05,
        debounce_s: float = 0.25,
    ) -> None:
        self._processor = processor
        self.sr = audio.sr if audio is not None else 48000
        self.preview = audio.segment(start_s, start_s + preview_s) if audio is not None else None
        self.render_ms: float | None = None
        self.controls: dict[Path, widgets.ValueWidget] = {}
        self._recent: dict[Path, list[Any]] = {}  # values each control held, newest last
        self._echo_abs_tol: dict[Path, float] = {}
        name = type(processor).__name__

        doc = (type(processor).__doc__ or name).strip().splitlines()[0]
        heading = widgets.HTML(f"<b>{html.escape(title or doc)}</b>")
        self.message = widgets.HTML("")
        self.message.add_class("studio-message")
        self.status = widgets.HTML("")
        self.settings_text = widgets.HTML("")

        processor.check_rate(self.sr)
        self.plot = plot_for(processor, self.sr)
        self.player: ABPlayer | None = None
        if self.preview is not None:
            label = self.preview.name or "the preview"
            self.player = ABPlayer(
                self.preview,
                None,
                label_a="Original",
                label_b=f"With {name}",
            )
            self.status.value = (
                f"<small>Preview: {label}, {start_s:.1f}-"
                f"{start_s + self.preview.duration_s:.1f} s</small>"
            )

        children: list[widgets.Widget] = [heading, self._build_controls(), self.message]
        if self.plot is not None:
            children.append(self.plot.figure)
        if self.player is not None:
            children += [self.player, self.status]
        children.append(self.settings_text)
        super().__init__(children=children)
        self.add_class("studio-panel")
        self.add_class(f"studio-panel-{name}")

        self._fast = Throttler(self._update_curve, throttle_s, scheduler)
        self._slow = Debouncer(self._render_guarded, debounce_s, scheduler)
        self.render_now()

    # -- building ---------------------------------------------------------------------
    def _build_controls(self) -> widgets.Widget:
        proc = self._processor
        rows = [self._row(spec, getattr(proc, spec.name), (spec.name,)) for spec in proc.specs()]
        groups: list[widgets.Widget] = [widgets.VBox(rows)] if rows else []
        for field_name in proc.item_fields():
            columns = []
            for i, item in enumerate(getattr(proc, field_name)):
                item_rows = [
                    self._row(spec, getattr(item, spec.name), (field_name, i, spec.name))
                    for spec in item.specs()
                ]
                header = widgets.HTML(f"<b>{field_name[:-1].capitalize()} {i + 1}</b>")
                box = widgets.VBox([header, *item_rows])
                box.add_class(f"studio-{field_name[:-1]}")
                columns.append(box)
            groups.append(
                widgets.GridBox(
                    columns, layout=widgets.Layout(grid_template_columns="repeat(auto-fill, 470px)")
                )
            )
        return widgets.VBox(groups)

    def _row(self, spec: Any, value: Any, path: Path) -> widgets.Widget:
        control = control_for(spec, value)
        self.controls[path] = control
        self._recent[path] = [value]
        span = (spec.hi - spec.lo) if spec.hi is not None and spec.lo is not None else 0.0
        self._echo_abs_tol[path] = _ECHO_TOLERANCE * abs(span)
        control.observe(lambda change, p=path: self._on_change(p, change["new"]), names="value")
        return control_row(spec, control)

    # -- the two paths ----------------------------------------------------------------
    @property
    def processor(self) -> Processor:
        """The current settings."""
        return self._processor

    def _with_value(self, path: Path, value: Any) -> Processor:
        proc = self._processor
        if len(path) == 1:
            return proc.replace(**{path[0]: value})
        field_name, index, name = path
        group = list(getattr(proc, field_name))
        group[index] = group[index].replace(**{name: value})
        return proc.replace(**{field_name: tuple(group)})

    def _value_at(self, path: Path) -> Any:
        if len(path) == 1:
            return getattr(self._processor, path[0])
        field_name, index, name = path
        return getattr(getattr(self._processor, field_name)[index], name)

    def _on_change(self, path: Path, value: Any) -> None:
        # The browser writes a slider's value back when it draws it, rounded (a log
        # slider computes 10 ** log10(x)); during Run All such echoes reach the kernel
        # after later cells ran, possibly of a value code has replaced since. Neither
        # is a move: re-rendering for it would resend the audio for nothing.
        current = self._value_at(path)
        tol = self._echo_abs_tol.get(path, 0.0)
        if _is_echo(value, current, tol):
            return
        if any(_is_echo(value, old, tol) for old in self._recent.get(path, ())):
            self.controls[path].value = current  # a stale echo: show the value in use
            return
        try:
            candidate = self._with_value(path, value)
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

    def set(self, name: str, value: Any, *, band: int | None = None) -> None:
        """Move a control from code, exactly as a user would (``band`` counts from 1)."""
        path: Path = (name,) if band is None else ("bands", band - 1, name)
        if path not in self.controls:
            raise StudioError(
                f"{type(self._processor).__name__} panel has no control {name!r}"
                + (f" in band {band}" if band else "")
                + "."
            )
        self.controls[path].value = value

    def _show_error(self, text: str) -> None:
        self.message.value = (
            f'<span style="color:#c0392b">&#9888; {html.escape(text)}</span>' if text else ""
        )

    def _update_curve(self) -> None:
        if self.plot is not None:
            self.plot.update_fast(self._processor)

    def _render_guarded(self) -> None:
        try:
            self.render_now()
        except Exception as exc:  # noqa: BLE001 - a panel must never take the kernel down
            self._show_error(f"Could not render the preview: {exc}")

    def render_now(self) -> None:
        """Render the preview with the current settings and refresh player, plot and text."""
        started = time.perf_counter()
        proc = self._processor
        self.settings_text.value = (
            "<details><summary>Settings in words</summary><pre style='white-space:pre-wrap'>"
            f"{html.escape(proc.describe())}</pre></details>"
        )
        if self.preview is None:
            return
        dry = self.preview.samples
        trace = None
        if hasattr(proc, "process_with_trace"):
            wet, trace = proc.process_with_trace(dry, self.sr)
        elif proc.changes_length and hasattr(proc, "round_trip"):
            # a resampler: play what survives the conversion, at the preview's own rate
            wet = proc.round_trip(dry, self.sr)
        else:
            wet = proc.process(dry, self.sr)
        if self.player is not None:
            dry_lufs = self._dry_lufs()
            wet_lufs = _loudness_lufs(wet, self.sr)
            finite = np.isfinite(dry_lufs) and np.isfinite(wet_lufs)
            offset = float(dry_lufs - wet_lufs) if finite else 0.0
            # samples and offset travel in one message, so B never plays at a stale level
            self.player.set_b(self.preview.with_samples(wet), b_offset_db=offset)
        if self.plot is not None:
            self.plot.update_slow(proc, Render(dry, wet, self.sr, trace))
        self.render_ms = (time.perf_counter() - started) * 1e3

    def _dry_lufs(self) -> float:
        if not hasattr(self, "_dry_lufs_cache"):
            self._dry_lufs_cache = _loudness_lufs(self.preview.samples, self.sr)
        return self._dry_lufs_cache

    def flush(self) -> None:
        """Run any waiting curve redraw and audio render now."""
        self._fast.flush()
        self._slow.flush()

    def processed(self, audio: Audio | None = None) -> Audio:
        """Process a whole piece of audio with the current settings (full length)."""
        if audio is None:
            raise StudioError(
                "processed(): pass the audio to process, e.g. panel.processed(track)."
            )
        return self._processor(audio)


def panel(processor: Processor, audio: Audio | None = None, **options: Any) -> ProcessorPanel:
    """Build a :class:`ProcessorPanel` for any processor (see its parameters)."""
    return ProcessorPanel(processor, audio, **options)
