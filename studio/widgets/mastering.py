"""The mastering rack: the chain's modules as controls, meters that read the master, A/B/C.

A view of a :class:`~studio.mastering.chain.MasteringChain` on one stereo mixdown. Every
control is generated from the chain's declarations and named by its path by module name,
the same path :meth:`~studio.params.Parametric.replace`, a preset and an undo step use::

    rack = MasteringRack(mix, target="spotify", reference=ref)
    rack.set(("modules", "glue", "processor", "ratio"), 2.5)
    rack.set(("modules", "limiter", "bypass"), False)

What it shows:

* one collapsible section per module (in signal order) with its bypass switch, its
  amount and its processor's settings; the whole rack's amount and bypass on top;
* a loudness-matched player: A the mixdown, B the master, C a reference track (when one
  is given), all on one passage, switched in place, each side's level offset in the line
  under the buttons;
* meters of the passage: integrated (as it builds up), short-term and momentary loudness
  over time against the target's line, the gain reduction of every dynamics module,
  the spectrum before and after, a vectorscope; and a table of integrated loudness,
  true peak, loudness range (LRA), peak-to-loudness ratio (PLR) and correlation for A,
  B and C, with the target met or not.

A move re-renders the preview passage a moment after the last change (debounced): the
chain's resolved stages are rendered by the preview engine, which reuses every module
before the one that changed. The whole song is rendered on request, with a progress bar
(:meth:`MasteringRack.render_full`); its figures join the table and its verdict is the
one that counts for delivery.
"""

from __future__ import annotations

import html
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import numpy as np
from ipywidgets.widgets.widget_string import HTMLStyle

from studio.analysis.meter import Measurement, measure
from studio.audio import Audio
from studio.dsp.control import Envelope
from studio.errors import AudioDataError, StudioError
from studio.mastering.chain import MasteringChain, Module
from studio.mastering.loudness import LoudnessTarget
from studio.mastering.targets import TARGETS, Target
from studio.mastering.targets import target as find_target
from studio.params import Parametric, ParamSpec, Path, format_path
from studio.preview import Preview, Take, render_full
from studio.processors.base import Processor
from studio.processors.dynamics import Limiter
from studio.text import has, t
from studio.widgets.controls import ControlKit, control_for, control_row
from studio.widgets.lifecycle import close_tree, register_view
from studio.widgets.liveplot import PALETTE, Axis, LivePlot, RefLine, Subplot
from studio.widgets.panel import _ECHO_TOLERANCE, _is_echo
from studio.widgets.player import MAX_PREVIEW_S, Player
from studio.widgets.timing import Debouncer, Scheduler

__all__ = ["MIX", "MASTER", "REFERENCE", "MasteringRack", "RackMeters", "mastering_rack"]

#: Side names of the rack's player (A, B and C).
MIX, MASTER, REFERENCE = "mix", "master", "reference"

#: Curves over time are drawn every this many seconds (a 10 s passage: 200 points).
PLOT_STEP_S = 0.05
#: Points of the vectorscope per side (each a short dash: three values).
SCOPE_POINTS = 700
_SCOPE_DASH = 0.02  # length of a vectorscope dot, in full-scale units
_SPECTRUM_POINTS = 160
_SPECTRUM_FRAME = 8192
_SPECTRUM_FLOOR_DB = -100.0
_LOUDNESS_RANGE = (-48.0, 0.0)
_GR_RANGE = (-12.0, 0.5)
_GATE_LUFS = -70.0
_BLOCK_HOP_S = 0.1  # BS.1770 gating blocks: 400 ms every 100 ms


# ---------------------------------------------------------------------------------------
# Pure helpers: what the meters show, from measurements (no widgets)
# ---------------------------------------------------------------------------------------


def running_integrated_lufs(
    momentary_lufs: np.ndarray, momentary_times_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Integrated loudness as it builds up: the gated mean of every block so far.

    The BS.1770 gating blocks (400 ms every 100 ms) are the momentary values at the
    ends of 100 ms hops; at each block the absolute (-70 LUFS) and relative (-10 LU)
    gates are applied to the blocks up to it, as an integrating meter does live.

    Returns
    -------
    times_s, lufs : numpy.ndarray
        The end of each block and the integrated loudness up to it (``-inf`` before
        anything passed the gates).
    """
    times = np.asarray(momentary_times_s, dtype=np.float64)
    lufs = np.asarray(momentary_lufs, dtype=np.float64)
    if times.size == 0:
        return times, lufs
    hops = (times - times[0]) / _BLOCK_HOP_S
    pick = np.abs(hops - np.round(hops)) < 1e-6
    times, lufs = times[pick], lufs[pick]
    with np.errstate(over="ignore"):
        power = np.where(lufs > _GATE_LUFS, 10.0 ** ((lufs + 0.691) / 10.0), 0.0)
    kept = power > 0.0
    out = np.full(times.size, -np.inf)
    count = np.cumsum(kept)
    total = np.cumsum(power)
    for k in np.flatnonzero(count):
        mean = total[k] / count[k]
        threshold = mean * 0.1  # -10 LU
        gated = power[: k + 1]
        gated = gated[gated > threshold]
        if gated.size:
            out[k] = -0.691 + 10.0 * math.log10(float(gated.mean()))
    return times, out


def every(times_s: np.ndarray, values: np.ndarray, step_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Every value ``step_s`` apart (a curve measured every 10 ms, drawn every 50 ms)."""
    times = np.asarray(times_s, dtype=np.float64)
    if times.size < 2:
        return times, np.asarray(values, dtype=np.float64)
    hop = float(times[1] - times[0])
    stride = max(1, int(round(step_s / hop))) if hop > 0 else 1
    return times[::stride], np.asarray(values, dtype=np.float64)[::stride]


def gain_reduction_blocks(
    trace_db: np.ndarray | None, sr: int, step_s: float = PLOT_STEP_S
) -> tuple[np.ndarray, np.ndarray]:
    """A per-frame gain trace reduced to its deepest value in each ``step_s`` block.

    The deepest value keeps a limiter's short grabs visible at a few hundred points.
    Returns block start times (s) and levels (dB); an empty trace gives empty arrays.
    """
    if trace_db is None or len(trace_db) == 0:
        return np.zeros(0), np.zeros(0)
    trace = np.asarray(trace_db, dtype=np.float64)
    block = max(1, int(round(step_s * sr)))
    starts = np.arange(0, trace.size, block)
    return starts / sr, np.minimum.reduceat(trace, starts)


def scope_dots(side: np.ndarray, mid: np.ndarray, dash: float = _SCOPE_DASH) -> tuple[Any, Any]:
    """Vectorscope points as short dashes for a line plot: ``x, x + dash, gap`` each."""
    n = len(side)
    x = np.empty(3 * n)
    y = np.empty(3 * n)
    x[0::3], x[1::3], x[2::3] = side, np.asarray(side) + dash, np.nan
    y[0::3], y[1::3], y[2::3] = mid, mid, np.nan
    return x, y


def spectrum_points(samples: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """A long-term spectrum of the channels' average on log-spaced points (dBFS, smoothed).

    Welch's average of 8192-point Hann frames overlapping by half (about 6 Hz apart at
    48 kHz), averaged over a sixth of an octave around each of 160 log-spaced points
    from 20 Hz to 20 kHz: the tonal balance the ear follows, to compare before with
    after (a level per analysis bin, so a lone sine reads below its own level); silence
    reads the floor.
    """
    import scipy.fft

    freqs = np.geomspace(20.0, min(20000.0, 0.49 * sr), _SPECTRUM_POINTS)
    mono = np.asarray(samples, dtype=np.float32)
    mono = mono.mean(axis=0, dtype=np.float32) if mono.ndim == 2 else mono
    if not np.any(mono):
        return freqs, np.full_like(freqs, _SPECTRUM_FLOOR_DB)
    n = int(min(_SPECTRUM_FRAME, 2 ** int(math.log2(max(mono.size, 2)))))
    hop = n // 2
    count = 1 + (mono.size - n) // hop
    frames = np.lib.stride_tricks.sliding_window_view(mono, n)[::hop][:count]
    window = np.hanning(n).astype(np.float32)
    spectra = scipy.fft.rfft(frames * window, axis=1)
    power = np.mean(spectra.real**2 + spectra.imag**2, axis=0, dtype=np.float64)
    power *= 4.0 / float(np.sum(window, dtype=np.float64)) ** 2  # a sine's peak reads its power
    f = np.fft.rfftfreq(n, 1.0 / sr)
    cumulative = np.concatenate([[0.0], np.cumsum(power)])
    lo = np.searchsorted(f, freqs * 2.0 ** (-1.0 / 12.0))
    hi = np.minimum(np.maximum(np.searchsorted(f, freqs * 2.0 ** (1.0 / 12.0)), lo + 1), f.size)
    lo = np.minimum(lo, hi - 1)
    band = (cumulative[hi] - cumulative[lo]) / (hi - lo)
    with np.errstate(divide="ignore"):
        level = 10.0 * np.log10(band / 2.0)  # a sine's mean square is half its peak squared
    level = np.nan_to_num(level, nan=_SPECTRUM_FLOOR_DB, neginf=_SPECTRUM_FLOOR_DB)
    return freqs, np.clip(level, _SPECTRUM_FLOOR_DB, 0.0)


def loudest_start_s(audio: Audio, length_s: float, m: Measurement | None = None) -> float:
    """Where the loudest ``length_s`` of ``audio`` starts (by its momentary loudness)."""
    if audio.duration_s <= length_s:
        return 0.0
    m = measure(audio) if m is None else m
    with np.errstate(over="ignore"):
        power = np.where(
            np.isfinite(m.momentary_lufs), 10.0 ** (np.asarray(m.momentary_lufs) / 10.0), 0.0
        )
    if power.size < 2 or not power.any():
        return 0.0
    hop = float(m.momentary_times_s[1] - m.momentary_times_s[0])
    window = max(1, int(round(length_s / hop)))
    if window >= power.size:
        return 0.0
    sums = np.convolve(power, np.ones(window), mode="valid")
    end_s = float(m.momentary_times_s[int(np.argmax(sums)) + window - 1])
    return float(min(max(0.0, end_s - length_s), audio.duration_s - length_s))


@dataclass(frozen=True)
class RackMeters:
    """What the rack's meters read for one rendering of the passage (and the whole song).

    Attributes
    ----------
    mix, master, reference : Measurement or None
        The passage of each side measured (reference only when one was given).
    full : Measurement or None
        The whole master, after :meth:`MasteringRack.render_full`.
    target : Target
        The delivery target the verdict is for.
    """

    mix: Measurement
    master: Measurement
    reference: Measurement | None
    full: Measurement | None
    target: Target

    def met(self, which: str = "full") -> bool:
        """Whether the whole song (``"full"``) meets the target.

        Met: integrated loudness within the target's tolerance and true peak at or under
        its ceiling. Loudness is a property of the whole song: a passage is a slice of
        the master, as loud as that part of the song is (a verse below the target, a
        chorus above it), so ``"master"`` (the passage) is judged on its ceiling only.
        """
        if which != "full":
            return self.ceiling_held(which)
        if self.full is None:
            raise StudioError("There is no whole-song master yet: call rack.render_full() first.")
        return target_met(self.target, self.full)

    def ceiling_held(self, which: str = "master") -> bool:
        """Whether the passage (``"master"``) or the whole song (``"full"``) holds the ceiling."""
        m = self.full if which == "full" else self.master
        if m is None:
            raise StudioError("There is no whole-song master yet: call rack.render_full() first.")
        return bool(m.true_peak_dbtp <= self.target.true_peak_dbtp + 1e-3)


def target_met(goal: Target, m: Measurement) -> bool:
    """Integrated loudness within ``goal.tolerance_lu`` and true peak under the ceiling."""
    ceiling_ok = m.true_peak_dbtp <= goal.true_peak_dbtp + 1e-3
    if not math.isfinite(m.integrated_lufs):
        return False
    return ceiling_ok and abs(m.integrated_lufs - goal.integrated_lufs) <= goal.tolerance_lu


# ---------------------------------------------------------------------------------------
# The view
# ---------------------------------------------------------------------------------------


class MasteringRack(widgets.VBox):
    """The mastering chain as a rack: generated controls, meters and an A/B/C player.

    Parameters
    ----------
    mix : Audio
        The stereo (or mono) mixdown to master.
    chain : MasteringChain, optional
        The starting rack; ``MasteringChain.default(target)`` when omitted.
    target : str or Target
        The delivery target the meters and the verdict are for (``"spotify"``,
        ``"ebu_r128"``...). A chain that is given keeps its own loudness settings.
    reference : Audio, optional
        A finished track to compare with (side C): its loudest ``preview_s`` seconds,
        converted to the mix's sample rate if needed.
    start_s : float, optional
        Where the preview passage starts; by default the loudest ``preview_s`` seconds
        of the mix (where the limiter and the loudness matter most).
    preview_s : float
        Length of the preview passage in seconds.
    scheduler : Scheduler, optional
        Clock for the debounce (tests pass a manual one).
    debounce_s : float
        Quiet time after the last move before the passage is rendered.

    Attributes
    ----------
    chain : MasteringChain
        The current settings (a new frozen object after every accepted move).
    controls : dict
        Every control by its path, by module name:
        ``("modules", "glue", "processor", "ratio")``, ``("modules", "limiter", "bypass")``,
        ``("modules", "glue", "amount_pct")``, ``("amount_pct",)``.
    player : Player
        Sides ``"mix"`` (A), ``"master"`` (B) and ``"reference"`` (C, with a reference).
    take : Take
        The latest rendering of the passage (``take.audio`` is the master passage).
    meters : RackMeters
        What the meters read now.
    result : Audio or None
        The whole master, after :meth:`render_full`.
    """

    def __init__(
        self,
        mix: Audio,
        chain: MasteringChain | None = None,
        *,
        target: str | Target = "spotify",
        reference: Audio | None = None,
        start_s: float | None = None,
        preview_s: float = 10.0,
        scheduler: Scheduler | None = None,
        debounce_s: float = 0.25,
    ) -> None:
        if not isinstance(mix, Audio):
            raise AudioDataError(
                f"MasteringRack needs the mixdown as a studio.Audio, got {type(mix).__name__}; "
                "load it with studio.load('mix.wav')."
            )
        if mix.n_channels > 2:
            raise AudioDataError(
                f"MasteringRack masters a stereo or mono mixdown; {mix.name or 'the mix'} has "
                f"{mix.n_channels} channels. Fold it to stereo first."
            )
        if chain is not None and not isinstance(chain, MasteringChain):
            raise StudioError(
                "MasteringRack needs a MasteringChain (e.g. MasteringChain.default('spotify') "
                f"or studio.mastering.presets.genre('pop').chain()); got {type(chain).__name__}."
            )
        self.goal = find_target(target)
        self._chain = chain if chain is not None else MasteringChain.default(self.goal)
        self._chain.check_rate(mix.sr)
        self.mix = mix
        self.sr = mix.sr
        length = max(0.5, min(float(preview_s), mix.duration_s, MAX_PREVIEW_S - 0.5))
        self._mix_full = measure(mix)
        if start_s is None:
            start_s = loudest_start_s(mix, length, self._mix_full)
        self.start_s = float(min(max(0.0, start_s), max(0.0, mix.duration_s - length)))
        self.preview_s = length
        self.preview = Preview(mix, self.start_s, length)
        self._mix_meter = measure(self.preview.dry)
        self.reference = self._reference_passage(reference) if reference is not None else None
        self._ref_meter = measure(self.reference) if self.reference is not None else None
        self.controls: dict[Path, widgets.ValueWidget] = {}
        self._recent: dict[Path, list[Any]] = {}
        self._echo_abs_tol: dict[Path, float] = {}
        self._syncing = False
        self._kit = ControlKit()
        self._plain = widgets.Layout()  # one layout and one style for every box and text
        self._html_style = HTMLStyle()
        self.take: Take | None = None
        self.result: Audio | None = None
        self._full_meter: Measurement | None = None
        self._full_for: MasteringChain | None = None
        self.meters: RackMeters | None = None
        self.last_render_ms = 0.0
        self.timings_ms: dict[str, float] = {}
        self._spectra: dict[str, tuple[tuple[np.ndarray, np.ndarray], float]] = {}

        self.title = self._html(f"<b>{html.escape(t('mastering_rack.title'))}</b>")
        self.title.add_class("studio-rack-title")
        self.message = self._html("")
        self.message.add_class("studio-message")
        self.status = self._html("")
        self.status.add_class("studio-rack-status")
        self.verdict = self._html("")
        self.verdict.add_class("studio-rack-verdict")
        self.table = self._html("")
        self.table.add_class("studio-rack-meters")

        self.target_choice = widgets.Dropdown(
            options=[(g.name, key) for key, g in TARGETS.items()],
            value=self.goal.key if self.goal.key in TARGETS else None,
            description=t("mastering_rack.target_label"),
            tooltip=t("mastering_rack.target_tooltip"),
            style=self._kit.style("choice"),
            layout=widgets.Layout(width="340px"),
        )
        self.target_choice.add_class("studio-rack-target")
        self.target_choice.observe(self._on_target, names="value")

        sides: dict[str, Audio | None] = {MIX: self.preview.dry, MASTER: None}
        labels = {MIX: t("mastering_rack.side_mix"), MASTER: t("mastering_rack.side_master")}
        levels: dict[str, float] = {}
        if self.reference is not None:
            sides[REFERENCE] = self.reference
            labels[REFERENCE] = t("mastering_rack.side_reference")
            levels[REFERENCE] = self._relative(self._ref_meter)
        self.player = Player(sides, labels=labels, loudness_db=levels)
        self.player.add_class("studio-rack-player")

        self.full_button = widgets.Button(
            description=t("mastering_rack.full_button"),
            tooltip=t("mastering_rack.full_tooltip"),
            icon="play-circle",
            layout=widgets.Layout(width="auto"),
        )
        self.full_button.add_class("studio-rack-full")
        self.full_button.on_click(lambda _: self._guarded(self.render_full))
        self.progress = widgets.IntProgress(
            value=0, min=0, max=1, layout=widgets.Layout(width="160px", display="none")
        )
        self.progress.add_class("studio-rack-progress")

        self.time_plot = self._make_time_plot()
        self.look_plot = self._make_look_plot()

        self.modules_box = widgets.Accordion(children=[], selected_index=None)
        self.modules_box.add_class("studio-rack-modules")
        self._build_controls()
        top = self._chain_controls()
        controls = widgets.VBox(
            [top, self.modules_box],
            layout=widgets.Layout(
                flex="1 1 0%", min_width="320px", max_height="720px", overflow="auto"
            ),
        )
        controls.add_class("studio-rack-controls")
        actions = widgets.HBox(
            [self.target_choice, self.full_button, self.progress],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        view = widgets.VBox(
            [self.player, actions, self.verdict, self.table, self.status],
            layout=widgets.Layout(flex="1.3 1 0%", min_width="360px"),
        )
        view.add_class("studio-rack-view")
        body = widgets.HBox(
            [controls, view], layout=widgets.Layout(align_items="flex-start", width="100%")
        )
        super().__init__(children=[self.title, self.message, body, self.time_plot, self.look_plot])
        self.add_class("studio-rack")
        self._slow = Debouncer(self._render_guarded, debounce_s, scheduler)
        self._draw_mix()
        self._render_guarded()
        register_view(self)

    # -- the audio to compare ----------------------------------------------------------

    def _reference_passage(self, reference: Audio) -> Audio:
        if not isinstance(reference, Audio):
            raise AudioDataError(
                f"MasteringRack: the reference must be a studio.Audio, got "
                f"{type(reference).__name__}; load it with studio.load('reference.wav')."
            )
        if reference.n_channels > 2:
            raise AudioDataError(
                f"MasteringRack: the reference {reference.name or ''!r} has "
                f"{reference.n_channels} channels; give a stereo or mono track."
            )
        if reference.sr != self.sr:
            from studio.dsp.resample import resample

            samples = resample(reference.samples, reference.sr, target_sr=self.sr)
            reference = Audio(samples.astype(np.float32), self.sr, reference.name)
        start = loudest_start_s(reference, self.preview_s)
        passage = reference.segment(start, start + self.preview_s)
        return Audio(passage.samples, passage.sr, reference.name or "reference")

    def _relative(self, m: Measurement | None) -> float:
        """A side's loudness relative to the mix passage (dB), for the player."""
        if m is None:
            return 0.0
        mix, other = self._mix_meter.integrated_lufs, m.integrated_lufs
        if not (math.isfinite(mix) and math.isfinite(other)):
            return 0.0
        return float(np.clip(other - mix, -60.0, 60.0))

    # -- building the controls ---------------------------------------------------------

    def _chain_controls(self) -> widgets.Widget:
        chain_cls = type(self._chain)
        rows = [
            self._row(chain_cls.spec("amount_pct"), self._chain.amount_pct, ("amount_pct",)),
            self._row(chain_cls.spec("bypass"), self._chain.bypass, ("bypass",)),
        ]
        box = self._vbox(rows)
        box.add_class("studio-rack-whole")
        return box

    def _build_controls(self) -> None:
        """One section per module: its bypass and amount, then its processor's settings."""
        old = list(self.modules_box.children)
        for path in [p for p in self.controls if p[:1] == ("modules",)]:
            del self.controls[path]
        pages, titles = [], []
        for module in self._chain.modules:
            base: Path = ("modules", module.name)
            spec_cls = type(module)
            head = [
                self._row(spec_cls.spec("bypass"), module.bypass, (*base, "bypass")),
                self._row(spec_cls.spec("amount_pct"), module.amount_pct, (*base, "amount_pct")),
            ]
            inner = self._section(module.processor, (*base, "processor"))
            page = self._vbox(
                [
                    self._html(f"<small>{html.escape(_module_why(module))}</small>"),
                    *head,
                    inner,
                ]
            )
            page.add_class("studio-rack-module")
            page.add_class(f"studio-rack-module-{module.name}")
            pages.append(page)
            titles.append(self._module_title(module))
        selected = self.modules_box.selected_index
        self.modules_box.children = pages
        for i, title in enumerate(titles):
            self.modules_box.set_title(i, title)
        self.modules_box.selected_index = (
            selected if selected is not None and selected < len(pages) else None
        )
        shared = [self._kit.control_layout, self._kit.row_layout, self._kit.reset_layout]
        shared += [*self._kit._styles.values(), self._plain, self._html_style]
        for page in old:
            close_tree(page, keep=shared)

    def _vbox(self, children: list[widgets.Widget]) -> widgets.VBox:
        return widgets.VBox(children, layout=self._plain)

    def _html(self, value: str) -> widgets.HTML:
        return widgets.HTML(value, layout=self._plain, style=self._html_style)

    def _module_title(self, module: Module) -> str:
        if module.bypass:
            return t("mastering_rack.module_off", name=module.title)
        return t("mastering_rack.module_on", name=module.title, amount_pct=module.amount_pct)

    def _section(self, obj: Parametric, path: Path) -> widgets.Widget:
        """Controls for one object from its declarations: values, then nested objects."""
        rows: list[widgets.Widget] = []
        advanced: list[widgets.Widget] = []
        for spec in type(obj).specs():
            if spec.name == "bypass":
                continue  # a module is switched off by the module's own switch
            row = self._row(spec, getattr(obj, spec.name), (*path, spec.name))
            (advanced if spec.advanced else rows).append(row)
        parts: list[widgets.Widget] = [self._vbox(rows)] if rows else []
        if advanced:
            fold = widgets.Accordion(
                children=[self._vbox(advanced)], selected_index=None, layout=self._plain
            )
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
                pages.append(self._section(item, (*path, field_name, i)))
                label = cls.item_label(field_name).capitalize()
                titles.append(t("panel.item_tab", item=label, number=i + 1))
            tab = widgets.Tab(children=pages, layout=self._plain)
            for i, text in enumerate(titles):
                tab.set_title(i, text)
            tab.add_class(f"studio-{cls.item_label(field_name)}-tabs")
            parts.append(tab)
        for field_name in cls.child_fields():
            child = getattr(obj, field_name)
            parts.append(
                self._vbox(
                    [
                        self._html(f"<b>{html.escape(type(child).class_name())}</b>"),
                        self._section(child, (*path, field_name)),
                    ]
                )
            )
        return self._vbox(parts)

    def _row(self, spec: ParamSpec, value: Any, path: Path) -> widgets.Widget:
        if isinstance(value, Envelope):
            text = t("panel.automation", label=spec.label, value=spec.format(value))
            note = self._html(f"<i>{html.escape(text)}</i>")
            note.add_class("studio-automated")
            return note
        control = control_for(spec, value, sr=self.sr, kit=self._kit)
        if path[-1] == "bypass":
            control.add_class("studio-rack-bypass")
        self.controls[path] = control
        self._recent[path] = [value]
        lo, hi = spec.range_at(self.sr) if spec.kind == "number" else (0.0, 0.0)
        self._echo_abs_tol[path] = _ECHO_TOLERANCE * abs(hi - lo)
        control.observe(lambda change, p=path: self._on_change(p, change["new"]), names="value")
        return control_row(spec, control, self._kit)

    # -- plots ---------------------------------------------------------------------------

    def _make_time_plot(self) -> LivePlot:
        length = self.preview_s
        goal = self.goal
        plot = LivePlot(
            [
                Subplot(
                    x=Axis(t("mastering_rack.time_axis"), "s", "linear", (0.0, length)),
                    y=Axis(t("mastering_rack.loudness_axis"), "LUFS", "linear", _LOUDNESS_RANGE),
                    title=t("mastering_rack.loudness_title"),
                    width=1.4,
                    refs=(self._target_line(goal),),
                ),
                Subplot(
                    x=Axis(t("mastering_rack.time_axis"), "s", "linear", (0.0, length)),
                    y=Axis(t("mastering_rack.reduction_axis"), "dB", "linear", _GR_RANGE),
                    title=t("mastering_rack.reduction_title"),
                ),
            ],
            height_px=230,
        )
        plot.add_class("studio-rack-time")
        empty = np.zeros(0)
        lines: tuple[tuple[str, str, dict[str, Any]], ...] = (
            ("momentary", "#aab7c4", {"width": 1.0}),
            ("short_term", PALETTE[0], {"width": 1.8}),
            ("integrated", PALETTE[1], {"width": 2.4}),
            ("mix_short_term", "#7f8c8d", {"dash": "dot"}),
        )
        for name, colour, style in lines:
            plot.line(name, empty, empty, label=t(f"mastering_rack.{name}"), color=colour, **style)
        for i, module in enumerate(m for m in self._chain.modules if _has_trace(m)):
            plot.line(
                f"gr_{module.name}",
                empty,
                empty,
                subplot=1,
                label=module.title,
                color=PALETTE[(i + 2) % len(PALETTE)],
                width=1.6,
            )
        return plot

    def _target_line(self, goal: Target) -> RefLine:
        return RefLine(
            "y",
            goal.integrated_lufs,
            t("mastering_rack.target_line", name=goal.name, lufs=goal.integrated_lufs),
            color="#c0392b",
        )

    def _make_look_plot(self) -> LivePlot:
        plot = LivePlot(
            [
                Subplot(
                    x=Axis(t("mastering_rack.frequency_axis"), "Hz", "log", (20.0, 20000.0)),
                    y=Axis(t("mastering_rack.level_axis"), "dB", "linear", (-90.0, 0.0)),
                    title=t("mastering_rack.spectrum_title"),
                    width=1.6,
                ),
                Subplot(
                    x=Axis(t("mastering_rack.side_axis"), "", "linear", (-1.0, 1.0)),
                    y=Axis(t("mastering_rack.mid_axis"), "", "linear", (-1.0, 1.0)),
                    title=t("mastering_rack.scope_title"),
                ),
            ],
            height_px=240,
        )
        plot.add_class("studio-rack-look")
        empty = np.zeros(0)
        plot.line("spectrum_mix", empty, empty, label=t("mastering_rack.side_mix"), color="#7f8c8d")
        if self.reference is not None:
            plot.line(
                "spectrum_reference",
                empty,
                empty,
                label=t("mastering_rack.side_reference"),
                color=PALETTE[2],
                dash="dash",
            )
        plot.line(
            "spectrum_master",
            empty,
            empty,
            label=t("mastering_rack.side_master"),
            color=PALETTE[3],
            width=2.0,
        )
        plot.line(
            "scope_mix",
            empty,
            empty,
            subplot=1,
            label=t("mastering_rack.side_mix"),
            color="#bdc3c7",
            width=2.0,
            hover=False,
        )
        plot.line(
            "scope_master",
            empty,
            empty,
            subplot=1,
            label=t("mastering_rack.side_master"),
            color=PALETTE[3],
            width=2.0,
            hover=False,
        )
        return plot

    def _draw_mix(self) -> None:
        """The mix's curves: drawn once, the master's are drawn over them."""
        dry = self.preview.dry
        m = self._mix_meter
        self.time_plot.update(
            "mix_short_term", *every(m.short_term_times_s, m.short_term_lufs, PLOT_STEP_S)
        )
        self._spectra = {MIX: (spectrum_points(dry.samples, self.sr), m.integrated_lufs)}
        if self.reference is not None and self._ref_meter is not None:
            ref = spectrum_points(self.reference.samples, self.sr)
            self._spectra[REFERENCE] = (ref, self._ref_meter.integrated_lufs)
        from studio.analysis.stereo import vectorscope

        scope = vectorscope(dry, max_points=SCOPE_POINTS)
        self.look_plot.update("scope_mix", *scope_dots(scope.side, scope.mid))

    # -- moves -----------------------------------------------------------------------------

    @property
    def chain(self) -> MasteringChain:
        """The current settings."""
        return self._chain

    def _on_change(self, path: Path, value: Any) -> None:
        if self._syncing:
            return
        current = self._chain.get(path)
        tol = self._echo_abs_tol.get(path, 0.0)
        if _is_echo(value, current, tol):
            return
        if any(_is_echo(value, old, tol) for old in self._recent.get(path, ())):
            self._sync_controls()  # a stale echo from the page: show the value in use
            return
        try:
            candidate = self._chain.replace(path, value)
            candidate.check_rate(self.sr)
        except StudioError as exc:
            self._show_error(str(exc))
            return
        self._show_error("")
        if candidate == self._chain:
            return
        self._chain = candidate
        self._recent[path] = [*self._recent.get(path, [])[-7:], value]
        self._refresh_titles()
        self._hint(path)
        self._slow()

    def set(self, path: Path, value: Any) -> None:
        """Move a control from code, exactly as a user would (by its path)."""
        path = tuple(path)
        if path not in self.controls:
            raise StudioError(
                f"the mastering rack has no control {format_path(path)!r}; e.g. "
                "('modules', 'glue', 'processor', 'ratio'); see rack.controls."
            )
        self.controls[path].value = value

    def set_chain(self, chain: MasteringChain) -> None:
        """Show and hear other settings (an assistant's suggestion, a preset loaded)."""
        if not isinstance(chain, MasteringChain):
            raise StudioError(f"set_chain() needs a MasteringChain, got {type(chain).__name__}.")
        chain.check_rate(self.sr)
        layout_changed = [m.name for m in chain.modules] != [m.name for m in self._chain.modules]
        kinds_changed = [type(m.processor) for m in chain.modules] != [
            type(m.processor) for m in self._chain.modules
        ]
        items_changed = any(
            len(getattr(a.processor, f, ())) != len(getattr(b.processor, f, ()))
            for a, b in zip(chain.modules, self._chain.modules, strict=False)
            for f in type(a.processor).item_fields()
        )
        self._chain = chain
        if layout_changed or kinds_changed or items_changed:
            self._build_controls()
            self._rebuild_traces()
        self._sync_controls()
        self._refresh_titles()
        self._slow()

    def set_target(self, key: str | Target) -> None:
        """Deliver to another target: the loudness module and limiter follow its figures."""
        goal = find_target(key)
        chain = self._chain
        for module in chain.modules:
            proc = module.processor
            if isinstance(proc, LoudnessTarget):
                moved = proc.replace(
                    target_lufs=goal.integrated_lufs, ceiling_dbtp=goal.true_peak_dbtp
                )
                chain = chain.with_processor(module.name, moved)
            elif isinstance(proc, Limiter):
                chain = chain.with_processor(
                    module.name, proc.replace(ceiling_dbtp=goal.true_peak_dbtp)
                )
        self.goal = goal
        self.time_plot.set_refs(0, [self._target_line(goal)])
        if self.target_choice.value != goal.key and goal.key in TARGETS:
            self._syncing = True
            try:
                self.target_choice.value = goal.key
            finally:
                self._syncing = False
        self.set_chain(chain)

    def _on_target(self, change: dict[str, Any]) -> None:
        if self._syncing or change["new"] is None:
            return
        try:
            self.set_target(change["new"])
        except StudioError as exc:
            self._show_error(str(exc))

    def _sync_controls(self) -> None:
        self._syncing = True
        try:
            for path, control in self.controls.items():
                try:
                    value = self._chain.get(path)
                except StudioError:
                    continue
                if isinstance(value, Envelope):
                    continue
                if control.value != value:
                    control.value = value
                    self._recent[path] = [value]
        finally:
            self._syncing = False

    def _refresh_titles(self) -> None:
        for i, module in enumerate(self._chain.modules):
            title = self._module_title(module)
            if self.modules_box.get_title(i) != title:
                self.modules_box.set_title(i, title)

    def _rebuild_traces(self) -> None:
        """The modules changed: one gain-reduction line per dynamics module again."""
        names = {f"gr_{m.name}" for m in self._chain.modules if _has_trace(m)}
        keep = [
            tr for tr in self.time_plot.traces if not tr.name.startswith("gr_") or tr.name in names
        ]
        for tr in self.time_plot.traces:
            if tr not in keep:
                tr.close()
        self.time_plot.traces = keep
        have = {tr.name for tr in keep}
        empty = np.zeros(0)
        for i, module in enumerate(m for m in self._chain.modules if _has_trace(m)):
            if f"gr_{module.name}" not in have:
                self.time_plot.line(
                    f"gr_{module.name}",
                    empty,
                    empty,
                    subplot=1,
                    label=module.title,
                    color=PALETTE[(i + 2) % len(PALETTE)],
                    width=1.6,
                )

    def _hint(self, path: Path) -> None:
        """Say so when a control of a switched-off module moves (nothing will be heard)."""
        if len(path) >= 3 and path[0] == "modules" and path[2] != "bypass":
            module = self._chain.module(str(path[1]))
            if module.bypass:
                self._show_note(t("mastering_rack.bypassed_hint", name=module.title))
                return
        if self._chain.bypass and path != ("bypass",):
            self._show_note(t("mastering_rack.rack_off_hint"))

    def _show_error(self, text: str) -> None:
        self.message.value = (
            f'<span style="color:#c0392b">&#9888; {html.escape(text)}</span>' if text else ""
        )

    def _show_note(self, text: str) -> None:
        self.message.value = f'<span style="color:#7f6000">{html.escape(text)}</span>'

    # -- sound and meters ------------------------------------------------------------------

    def _render_guarded(self) -> None:
        self._guarded(self.render_now)

    def _guarded(self, work: Any) -> None:
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - a view must never take the kernel down
            self._show_error(t("mastering_rack.render_failed", error=exc))

    def render_now(self) -> None:
        """Render the passage with the current settings; refresh player, meters and plots.

        The master passage is measured on a second thread while the player's audio, the
        spectrum, the vectorscope and the gain traces are prepared on this one (the
        meters' compiled loops release Python's lock), so two cores share the work.
        """
        if self.comm is None:  # closed: a late timer has nothing to draw on
            return
        started = time.perf_counter()
        take, resolved, names = self.render_take()
        rendered = time.perf_counter()
        pending = _meter_pool().submit(measure, take.audio)
        try:
            # the take's loudness is the mix passage's reference: matched in one message
            self.player.set_side(MASTER, take.audio, loudness_db=take.loudness_db)
            self._draw_reduction(resolved, names)
            self._draw_look(take)
        finally:
            master = pending.result()
        self._draw_loudness(master)
        self.meters = RackMeters(
            mix=self._mix_meter,
            master=master,
            reference=self._ref_meter,
            full=self._full_meter if self._full_for == self._chain else None,
            target=self.goal,
        )
        self._draw_table()
        done = time.perf_counter()
        self.last_render_ms = (done - started) * 1e3
        self.timings_ms = {"render": (rendered - started) * 1e3, "meters": (done - rendered) * 1e3}
        self.status.value = (
            "<small>"
            + html.escape(
                t(
                    "mastering_rack.status",
                    start_s=self.start_s,
                    end_s=self.start_s + self.preview_s,
                    ms=self.last_render_ms,
                    reused=_reused_words(take.reused, names),
                )
            )
            + "</small>"
        )

    def render_take(self) -> tuple[Take, Processor, tuple[str, ...]]:
        """The passage through the current chain (reusing unchanged modules).

        Returns the take, the resolved chain that made it and the names of its stages.
        """
        resolved = self._chain.resolved()
        names = tuple(name for name, _ in self._chain.effective())
        take = self.preview.render(resolved)
        self.take = take
        return take, resolved, names

    def _draw_loudness(self, master: Measurement) -> None:
        plot = self.time_plot
        plot.update(
            "momentary", *every(master.momentary_times_s, master.momentary_lufs, PLOT_STEP_S)
        )
        plot.update(
            "short_term", *every(master.short_term_times_s, master.short_term_lufs, PLOT_STEP_S)
        )
        plot.update(
            "integrated", *running_integrated_lufs(master.momentary_lufs, master.momentary_times_s)
        )

    def _draw_reduction(self, resolved: Processor, names: tuple[str, ...]) -> None:
        """Each dynamics module's gain change, as it works inside the chain (from the cache)."""
        for module in self._chain.modules:
            if not _has_trace(module):
                continue
            trace = None
            if module.name in names and not self._chain.bypass:
                trace = self.preview.trace_at(resolved, ("processors", names.index(module.name)))
            x, y = gain_reduction_blocks(trace, self.sr)
            if trace is None:  # switched off: a flat line at 0 dB
                x, y = np.array([0.0, self.preview_s]), np.zeros(2)
            self.time_plot.update(f"gr_{module.name}", x, y)

    def _draw_look(self, take: Take) -> None:
        from studio.analysis.stereo import vectorscope

        self.look_plot.update("spectrum_master", *spectrum_points(take.audio.samples, self.sr))
        for side, ((freqs, level_db), lufs) in self._spectra.items():
            # drawn as loud as the master, as the player plays them: the tonal change shows
            shift = take.lufs - lufs if math.isfinite(take.lufs) and math.isfinite(lufs) else 0.0
            self.look_plot.update(f"spectrum_{side}", freqs, level_db + round(shift, 2))
        scope = vectorscope(take.audio, max_points=SCOPE_POINTS)
        self.look_plot.update("scope_master", *scope_dots(scope.side, scope.mid))

    def _draw_table(self) -> None:
        meters = self.meters
        if meters is None:
            return
        gains = self.player.playback_gains_db()
        columns: list[tuple[str, Measurement, str]] = [
            (t("mastering_rack.col_mix"), meters.mix, MIX),
            (t("mastering_rack.col_master"), meters.master, MASTER),
        ]
        if meters.reference is not None:
            columns.append((t("mastering_rack.col_reference"), meters.reference, REFERENCE))
        if meters.full is not None:  # the whole song: data-side 'mix_song' and 'master_song'
            columns.append((t("mastering_rack.col_full_mix"), self._mix_full, "mix_song"))
            columns.append((t("mastering_rack.col_full"), meters.full, "master_song"))
        rows = [
            ("integrated", "LUFS", lambda m: m.integrated_lufs, 1),
            ("short_term_max", "LUFS", lambda m: m.max_short_term_lufs, 1),
            ("momentary_max", "LUFS", lambda m: m.max_momentary_lufs, 1),
            ("true_peak", "dBTP", lambda m: m.true_peak_dbtp, 1),
            ("lra", "LU", lambda m: m.lra_lu, 1),
            ("plr", "dB", lambda m: m.plr_db, 1),
            ("correlation", "", lambda m: m.correlation, 2),
        ]
        head = "".join(f"<th>{html.escape(name)}</th>" for name, _, _ in columns)
        body = []
        for key, unit, get, decimals in rows:
            cells = "".join(
                f"<td data-side='{side}' data-row='{key}'>{_fmt(get(m), decimals)}</td>"
                for _, m, side in columns
            )
            label = t(f"mastering_rack.rows.{key}")
            body.append(f"<tr><th>{html.escape(label)} <small>{unit}</small></th>{cells}</tr>")
        offsets = "".join(
            f"<td data-side='{side}' data-row='played_at'>"
            f"{_fmt(gains[side], 1, signed=True) if side in gains else ''}</td>"
            for _, _, side in columns
        )
        body.append(
            f"<tr><th>{html.escape(t('mastering_rack.rows.played_at'))} <small>dB</small></th>"
            f"{offsets}</tr>"
        )
        self.table.value = (
            "<table style='border-collapse:collapse;font-size:12px' class='studio-rack-table'>"
            f"<tr><th></th>{head}</tr>{''.join(body)}</table>"
        )
        self._draw_verdict()

    def _draw_verdict(self) -> None:
        meters = self.meters
        if meters is None:
            return
        goal = meters.target
        parts = []
        m = meters.master  # the passage: a slice of the master, judged on its ceiling
        held = meters.ceiling_held("master")
        words = t(
            "mastering_rack.verdict_passage_line",
            lufs=m.integrated_lufs,
            dbtp=m.true_peak_dbtp,
            ceiling_dbtp=goal.true_peak_dbtp,
        )
        hint = "" if meters.full is not None else t("mastering_rack.verdict_render_hint")
        colour = "#555" if held else "#c0392b"
        mark = "&#10004;" if held else "&#10008;"
        parts.append(
            f"<div class='studio-rack-verdict-passage' data-ceiling='{str(held).lower()}' "
            f"style='color:{colour}'>{mark} {html.escape(words)} "
            f"<small style='color:#555'>{html.escape(hint)}</small></div>"
        )
        if meters.full is not None:
            m = meters.full
            met = target_met(goal, m)
            gain = goal.playback_gain_db(m.integrated_lufs, m.true_peak_dbtp)
            words = t(
                f"mastering_rack.verdict_{'met' if met else 'not_met'}",
                what=t("mastering_rack.verdict_full"),
                name=goal.name,
                target_lufs=goal.integrated_lufs,
                ceiling_dbtp=goal.true_peak_dbtp,
                lufs=m.integrated_lufs,
                dbtp=m.true_peak_dbtp,
            )
            plays = t(
                "mastering_rack.plays_at", name=goal.name, db=gain if abs(gain) >= 0.05 else 0.0
            )
            colour = "#1e8449" if met else "#c0392b"
            mark = "&#10004;" if met else "&#10008;"
            parts.append(
                f"<div class='studio-rack-verdict-full' data-met='{str(met).lower()}' "
                f"style='color:{colour}'>{mark} {html.escape(words)} "
                f"<small style='color:#555'>{html.escape(plays)}</small></div>"
            )
        self.verdict.value = "".join(parts)

    def flush(self) -> None:
        """Run a waiting preview render now."""
        self._slow.flush()

    def render_full(self) -> Audio:
        """Master the whole song with the current settings, showing progress.

        The result is kept as :attr:`result` (and reused while nothing changes); its
        figures join the meters' table and the verdict for the whole song.
        """
        chain = self._chain
        if self.result is not None and self._full_for == chain:
            return self.result
        bar = self.progress
        names = [name for name, _ in chain.effective()]

        def report(done: int, total: int, label: str) -> None:
            bar.layout.display = None
            bar.max, bar.value = total, done
            bar.description = ""
            bar.tooltip = names[done] if done < len(names) else label

        started = time.perf_counter()
        try:
            master = render_full(chain.resolved(), self.mix, progress=report)
        finally:
            bar.layout.display = "none"
        self.result = Audio(master.samples, master.sr, self.mix.name)
        self._full_meter = measure(self.result)
        self._full_for = chain
        self.status.value = (
            "<small>"
            + html.escape(
                t(
                    "mastering_rack.full_done",
                    seconds=self.result.duration_s,
                    took_s=time.perf_counter() - started,
                )
            )
            + "</small>"
        )
        if self.meters is not None:
            self.meters = RackMeters(
                mix=self.meters.mix,
                master=self.meters.master,
                reference=self.meters.reference,
                full=self._full_meter,
                target=self.goal,
            )
            self._draw_table()
        return self.result

    @property
    def mix_measurement(self) -> Measurement:
        """The whole mixdown measured (as it arrived)."""
        return self._mix_full

    def close(self) -> None:
        """Close the rack with its controls, plots and player, and let go of the audio."""
        slow = getattr(self, "_slow", None)
        if slow is not None:
            slow.cancel()
        close_tree(self, keep=[self])
        preview = getattr(self, "preview", None)
        if preview is not None:
            preview.clear()
        self.take = None
        self.result = None
        super().close()


_POOL: ThreadPoolExecutor | None = None
_POOL_PID = 0  # the process that made the thread: a forked child has none of its threads


def _meter_pool() -> ThreadPoolExecutor:
    """One thread that measures while the rack's own thread prepares the other views."""
    global _POOL, _POOL_PID
    if _POOL is None or _POOL_PID != os.getpid():
        _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="studio-rack-meter")
        _POOL_PID = os.getpid()
    return _POOL


def _module_why(module: Module) -> str:
    """What a module is for (its catalogue line), else what its processor is."""
    key = f"chain.modules.{module.name}.why"
    return t(key) if has(key) else module.processor.headline()


def _has_trace(module: Module) -> bool:
    """Whether a module reports a gain change over time (compressors, limiters...)."""
    return bool(module.processor.capabilities.trace)


def _reused_words(reused: str, names: tuple[str, ...]) -> str:
    if reused == "cache":
        return t("mastering_rack.reused_all")
    if reused.startswith("prefix "):
        n = int(reused.split()[1])
        return t("mastering_rack.reused_prefix", n=n, names=", ".join(names[:n]))
    return t("mastering_rack.reused_none")


def _fmt(value: float, decimals: int = 1, *, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if math.isfinite(value) and round(value, decimals) == 0.0:
        value = 0.0  # never "-0.0"
    if math.isinf(value):
        return "-∞" if value < 0 else "∞"
    text = f"{value:+.{decimals}f}" if signed else f"{value:.{decimals}f}"
    return text.replace("-", "−")


def mastering_rack(
    mix: Audio, chain: MasteringChain | None = None, **options: Any
) -> MasteringRack:
    """Build a :class:`MasteringRack` for a mixdown (see its parameters)."""
    return MasteringRack(mix, chain, **options)
