"""The ready-for-mastering report: whether a mixdown is fit to hand over to mastering.

The last step of mixing is to render the stereo mix and check it before it leaves: peaks
well below full scale (around -6 dBFS), nothing on the master bus that squashes it, full
resolution (24-bit or 32-bit float), the sample rate it was mixed at, no clipping and no
dither yet. :func:`ready_for_mastering` runs those checks on a rendered mix and returns a
:class:`MixReport`: the figures (with their units in their names), one line per check,
and a :class:`~studio.analysis.findings.Finding` in plain words for every check that did
not pass, each pointing at the mixdown lesson::

    report = ready_for_mastering(mix, master=master_chain, subtype="PCM_24")
    report            # readable HTML in a notebook, coloured by severity
    print(report)     # the same as text
    report.ok         # True when nothing blocks the hand-over

The checks, and where their limits come from:

* **Headroom** (sample peak, dBFS). Peaks around -6 dBFS are the usual hand-over level;
  above -3 dBFS is too hot (mastering's EQ, make-up gain and limiter drive need room),
  below -20 dBFS is suspiciously quiet (harmless at 24-bit, but usually faders pulled too
  far down). ``headroom_db`` is ``-sample_peak_dbfs``.
* **True peak** (dBTP, ITU-R BS.1770 oversampling, from :func:`studio.analysis.measure`):
  peaks between the samples above 0 dBTP.
* **Loudness** (integrated LUFS): reported, never judged; loudness is mastering's job.
* **Clipping.** In a float mix, samples above full scale (``|x| > 1``): how many (counted
  per channel), the worst overshoot in dB and where (runs of overs closer than
  :data:`MERGE_GAP_S` are merged into one range). In a mix clipped before it got here
  (a fixed-point bounce, a clipper, a track over full scale): *flat tops*, runs of
  :data:`MIN_FLAT_RUN` or more equal samples at the mix's peak level (within
  :data:`FLAT_TOLERANCE`), counted per channel. A flat top near full scale is a problem;
  one well below it (a clipped mix turned down, or a synth's square wave heard alone) is
  worth a look. A low, pure tone stored at 16 bits can hold a few equal samples at its
  crest too: the check reads what is in the samples.
* **Master bus.** Every stage that is heard (not bypassed, not in a bypassed chain or a
  muted branch), found by walking nested composites with ``.nested()``. A limiter (any
  class named ``...Limiter``) is a teaching warning. A compressor (a
  :class:`~studio.processors.dynamics.Compressor` or
  :class:`~studio.processors.dynamics.MultibandCompressor`) is heavy when its ratio
  reaches :data:`HEAVY_RATIO` or when its own gain trace, run on the mix, takes off
  :data:`HEAVY_MAX_REDUCTION_DB` at its peak or :data:`HEAVY_MEAN_REDUCTION_DB` on
  average. That trace is an estimate: the compressor sees the finished mix, not the
  exact signal that reached it inside the chain. Dither and a sample-rate converter on
  the master bus are reported under their own checks.
* **Resolution.** The export subtype (soundfile's names): 24-bit or more, or float, is
  full resolution; 16- or 20-bit is a warning, 8-bit and lossy or companded encodings
  (Vorbis, Opus, MP3, u-law...) a problem; none given is a note.
* **Dither.** On for the export, or a dither stage on the master bus: a warning, because
  dither belongs to mastering.
* **Sample rate.** Reported; a master bus that converts it, or a rate below 44.1 kHz, is a
  warning.

A *problem* blocks the hand-over (``report.ok`` is False); a *warning* is worth a look; a
*note* is for information.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import soundfile as sf

from studio.analysis.findings import (
    PASS_COLOUR,
    SEVERITY_COLOURS,
    CheckedReport,
    Finding,
    Findings,
    NamedCheck,
    check_rows_html,
    figure_rows_html,
    report_table_lines,
)
from studio.analysis.meter import Measurement, measure
from studio.audio import Audio
from studio.dsp.control import Envelope
from studio.errors import AudioDataError, ParameterError
from studio.params import Path, format_path
from studio.processors.base import Branch, Chain, Parallel, Processor
from studio.processors.delivery import Dither
from studio.processors.dynamics import Compressor, MultibandCompressor
from studio.text import t

__all__ = [
    "CHECKS",
    "FLAT_TOLERANCE",
    "HEAVY_MAX_REDUCTION_DB",
    "HEAVY_MEAN_REDUCTION_DB",
    "HEAVY_RATIO",
    "HOT_PEAK_DBFS",
    "LOW_SAMPLE_RATE_HZ",
    "MERGE_GAP_S",
    "MIN_FLAT_RUN",
    "QUIET_PEAK_DBFS",
    "TARGET_PEAK_DBFS",
    "Check",
    "MixReport",
    "ready_for_mastering",
]

#: Where the peaks of a mix handed to mastering usually sit.
TARGET_PEAK_DBFS = -6.0
#: Peaks above this leave too little headroom.
HOT_PEAK_DBFS = -3.0
#: Peaks below this are suspiciously quiet.
QUIET_PEAK_DBFS = -20.0
#: A compressor on the master bus at this ratio or more is heavy.
HEAVY_RATIO = 4.0
#: ... and so is one that takes off this much at its peak (dB) ...
HEAVY_MAX_REDUCTION_DB = 6.0
#: ... or this much on average over the whole mix (dB); glue compression takes 1-2 dB.
HEAVY_MEAN_REDUCTION_DB = 3.0
#: Overs or flat tops closer together than this (s) are reported as one range.
MERGE_GAP_S = 0.1
#: Equal samples in a row at the peak level that make a flat top.
MIN_FLAT_RUN = 3
#: How close to the peak (relative) a sample must be to sit "at the peak": 0.009 dB, so
#: a 16-bit file's positive clip (32767/32768) counts with its negative one (-1.0).
FLAT_TOLERANCE = 1e-3
#: A flat top at or above this level (dBFS) was clipped at full scale: a problem.
FLAT_PROBLEM_DBFS = -1.0
#: Below this sample rate (Hz) the top octave is lost.
LOW_SAMPLE_RATE_HZ = 44100
#: Bit depth of full resolution for a fixed-point export.
FULL_RESOLUTION_BITS = 24
#: The lesson every finding of the report points to.
LESSON = "mixing.mixdown"
#: The checks, in the order the report shows them.
CHECKS = (
    "headroom",
    "true_peak",
    "loudness",
    "clipping",
    "master_bus",
    "resolution",
    "dither",
    "sample_rate",
)

_SHOWN_PLACES = 3  # time ranges written out before "n more"
_FLOAT_BITS = {"FLOAT": 32, "DOUBLE": 64}
_INTEGER_SUBTYPE = re.compile(r"^(?:PCM_[SU]?|ALAC_|DWVW_|DPCM_)(\d+)$")

Regions = tuple[tuple[float, float], ...]


# ----------------------------------------------------------------------------- checks


class Check(NamedCheck):
    """One check of the report: what it found, or the line it shows when it passed.

    Its name is one of :data:`CHECKS`; its words are in ``report.toml``. See
    :class:`~studio.analysis.findings.NamedCheck`.
    """

    catalogue: ClassVar[str] = "report"
    names: ClassVar[tuple[str, ...]] = CHECKS


def _passed(name: str, key: str, **fields: Any) -> Check:
    return Check(name, key=f"report.passed.{key}", fields=fields)


def _finding(
    kind: str,
    *,
    key: str = "",
    severity: str = "warning",
    fields: Mapping[str, Any] | None = None,
    regions: Regions = (),
) -> Finding:
    """A finding of the report, its words under ``report.findings.<key or kind>``.

    ``regions`` (time ranges) give it a span: from the first one's start to the last end.
    """
    return Finding(
        kind=kind,
        key=f"report.findings.{key or kind}",
        fields=fields or {},
        start_s=regions[0][0] if regions else None,
        end_s=regions[-1][1] if regions else None,
        severity=severity,
        lesson=LESSON,
    )


# ------------------------------------------------------------------------------ report


@dataclass(frozen=True, eq=False)
class MixReport(CheckedReport):
    """Whether a mixdown is ready for mastering: its figures, its checks, its findings.

    ``print(report)`` and the notebook's HTML show the verdict, the figures, one line per
    check and then every finding in full (what, where, why it matters, what to try).

    Attributes
    ----------
    name : str or None
        The mix's name.
    sr : int
        Sample rate in Hz.
    n_channels : int
        Number of channels.
    duration_s : float
        Length in seconds.
    sample_peak_dbfs : float
        Highest sample, in dB relative to full scale (``-inf`` for silence).
    true_peak_dbtp : float
        Highest peak of the rebuilt waveform, between the samples too (BS.1770).
    integrated_lufs : float
        Integrated loudness (BS.1770 gating; ``-inf`` when there is nothing to measure).
    headroom_db : float
        How far the highest sample sits below full scale: ``-sample_peak_dbfs``
        (negative when the mix goes over).
    clipped_samples : int
        Samples above full scale, counted per channel (a frame over in both channels
        counts twice).
    worst_over_db : float
        How far the highest sample goes above full scale, in dB (0 when none does).
    clipping_regions_s : tuple of (float, float)
        Where samples go over: (start, end) in seconds, nearby runs merged.
    flat_top_runs : int
        Runs of equal samples at the peak level, per channel (a mix clipped earlier).
    flat_top_samples : int
        Samples in those runs.
    flat_top_regions_s : tuple of (float, float)
        Where the flat tops are, in seconds, nearby runs merged.
    limiter_paths : tuple of paths
        Where limiters sit on the master bus (``()`` is the master bus itself).
    heavy_compression_paths : tuple of paths
        Where heavy compressors sit on the master bus.
    max_gain_reduction_db : float
        The most any compressor on the master bus takes off the mix, in dB (0 if none).
    subtype : str or None
        The export format checked (soundfile subtype), None if none was given.
    dithered : bool
        Whether dither is on (for the export or on the master bus).
    checks : tuple of Check
        Every check in the order of :data:`CHECKS`.
    measurement : Measurement
        The full loudness and peak measurement of the mix (curves included).
    """

    name: str | None
    sr: int
    n_channels: int
    duration_s: float
    sample_peak_dbfs: float
    true_peak_dbtp: float
    integrated_lufs: float
    headroom_db: float
    clipped_samples: int
    worst_over_db: float
    clipping_regions_s: Regions
    flat_top_runs: int
    flat_top_samples: int
    flat_top_regions_s: Regions
    limiter_paths: tuple[Path, ...]
    heavy_compression_paths: tuple[Path, ...]
    max_gain_reduction_db: float
    subtype: str | None
    dithered: bool
    checks: tuple[Check, ...]
    measurement: Measurement = field(repr=False)

    def check(self, name: str) -> Check:
        """One check by name (``"clipping"``)."""
        found: Check = super().check(name)
        return found

    # ------------------------------------------------------------------------- words

    @property
    def verdict(self) -> str:
        """One line: ready, ready with things worth a look, or not ready yet."""
        problems, warnings = self._severity_counts()
        if problems:
            key = "not_ready_one" if problems == 1 else "not_ready_many"
            return t(f"report.verdict.{key}", n=problems)
        if warnings:
            key = "ready_notes_one" if warnings == 1 else "ready_notes_many"
            return t(f"report.verdict.{key}", n=warnings)
        return t("report.verdict.ready")

    @property
    def heading(self) -> str:
        """The first line: the mix's name, channels, length and rate."""
        fields = {"channels": self.n_channels, "duration_s": self.duration_s, "sr": self.sr}
        if self.name:
            return t("report.heading.named", name=repr(self.name), **fields)
        return t("report.heading.unnamed", **fields)

    def _figures(self) -> list[tuple[str, str, str]]:
        """(label, value, unit) rows of the figures table."""
        export = self.subtype or t("report.figures.not_chosen")
        if self.dithered:
            export = f"{export}, {t('report.figures.dither_on')}"
        rows = [
            ("sample_peak", _number(self.sample_peak_dbfs, sign=True), "dBFS"),
            ("true_peak", _number(self.true_peak_dbtp, sign=True), "dBTP"),
            ("loudness", _number(self.integrated_lufs, sign=True), "LUFS"),
            ("headroom", _number(self.headroom_db), "dB"),
            ("over_full_scale", str(self.clipped_samples), ""),
        ]
        if self.clipped_samples:
            rows.append(("worst_over", _number(self.worst_over_db, sign=True), "dB"))
        rows += [
            ("flat_tops", str(self.flat_top_runs), ""),
            ("sample_rate", str(self.sr), "Hz"),
            ("export", export, ""),
        ]
        return [(t(f"report.figures.{row}"), value, unit) for row, value, unit in rows]

    def summary(self) -> str:
        """The report as text: verdict, figures, one line per check, then the findings."""
        lines = [self.heading, self.verdict, ""]
        lines += report_table_lines(self._figures(), self.checks)
        findings = self.findings
        if findings:
            lines += ["", str(findings)]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        name = f"{self.name!r}, " if self.name else ""
        return (
            f"MixReport({name}ok={self.ok}, sample_peak_dbfs={self.sample_peak_dbfs:.1f}, "
            f"true_peak_dbtp={self.true_peak_dbtp:.1f}, "
            f"integrated_lufs={self.integrated_lufs:.1f}, findings={len(self.findings)})"
        )

    def _repr_html_(self) -> str:
        findings = self.findings
        if any(f.severity == "problem" for f in findings):
            verdict_colour = SEVERITY_COLOURS["problem"]
        elif any(f.severity == "warning" for f in findings):
            verdict_colour = SEVERITY_COLOURS["warning"]
        else:
            verdict_colour = PASS_COLOUR
        figure_rows = figure_rows_html(self._figures())
        check_rows = check_rows_html(self.checks)
        parts = [
            f'<div style="font-weight:600">{html.escape(self.heading)}</div>',
            f'<div style="color:{verdict_colour};font-weight:600;margin:2px 0 6px 0">'
            f"{html.escape(self.verdict)}</div>",
            f'<table style="border-collapse:collapse;margin:0 0 6px 0">{figure_rows}</table>',
            f'<table style="border-collapse:collapse;margin:0 0 8px 0">{check_rows}</table>',
        ]
        if findings:
            parts.append(findings._repr_html_())
        return (
            '<div class="studio-mix-report" style="font-family:var(--jp-ui-font-family,'
            "system-ui,sans-serif);font-size:var(--jp-ui-font-size1,13px);line-height:1.45;"
            f'max-width:56em">{"".join(parts)}</div>'
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: the figures, each check's status and line, the findings.

        Infinite figures (silence) are given as ``None``.
        """

        def finite(value: float) -> float | None:
            return value if math.isfinite(value) else None

        return {
            "name": self.name,
            "ok": self.ok,
            "verdict": self.verdict,
            "sr": self.sr,
            "n_channels": self.n_channels,
            "duration_s": self.duration_s,
            "sample_peak_dbfs": finite(self.sample_peak_dbfs),
            "true_peak_dbtp": finite(self.true_peak_dbtp),
            "integrated_lufs": finite(self.integrated_lufs),
            "headroom_db": finite(self.headroom_db),
            "clipped_samples": self.clipped_samples,
            "worst_over_db": self.worst_over_db,
            "clipping_regions_s": [list(r) for r in self.clipping_regions_s],
            "flat_top_runs": self.flat_top_runs,
            "flat_top_samples": self.flat_top_samples,
            "flat_top_regions_s": [list(r) for r in self.flat_top_regions_s],
            "limiter_paths": [format_path(p) for p in self.limiter_paths],
            "heavy_compression_paths": [format_path(p) for p in self.heavy_compression_paths],
            "max_gain_reduction_db": self.max_gain_reduction_db,
            "subtype": self.subtype,
            "dithered": self.dithered,
            "checks": [{"name": c.name, "status": c.status, "line": c.line} for c in self.checks],
            "findings": [f.to_dict() for f in self.findings],
        }


def _number(value: float, decimals: int = 1, *, sign: bool = False) -> str:
    """A figure for the table: ``-inf`` as such, no ``-0.0``, ``+`` above 0 if ``sign``."""
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    text = f"{value:.{decimals}f}"
    if float(text) == 0.0:
        return text.lstrip("-")
    return f"+{text}" if sign and value > 0 else text


# ------------------------------------------------------------------- sample analysis


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the runs of True in a 1-D mask."""
    edges = np.diff(np.concatenate(([0], mask.view(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _regions(starts: np.ndarray, ends: np.ndarray, sr: int) -> Regions:
    """Runs (frame indices, end exclusive) as time ranges, runs closer than the gap merged."""
    if not len(starts):
        return ()
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], np.maximum.accumulate(ends[order])
    gap = int(round(MERGE_GAP_S * sr))
    breaks = np.flatnonzero(starts[1:] - ends[:-1] > gap)
    first = np.concatenate(([0], breaks + 1))
    last = np.concatenate((breaks, [len(starts) - 1]))
    return tuple(
        (float(starts[a]) / sr, float(ends[b]) / sr) for a, b in zip(first, last, strict=True)
    )


@dataclass(frozen=True)
class _Overs:
    count: int
    worst_db: float
    regions: Regions


def _overs(x: np.ndarray, sr: int, peak: float) -> _Overs:
    """Samples above full scale: how many, how far over at worst, and where."""
    if peak <= 1.0:
        return _Overs(0, 0.0, ())
    over = np.abs(x) > 1.0
    count = int(np.count_nonzero(over))
    starts, ends = _runs(np.any(over, axis=0))
    return _Overs(count, 20.0 * math.log10(peak), _regions(starts, ends, sr))


@dataclass(frozen=True)
class _FlatTops:
    runs: int
    samples: int
    regions: Regions


def _flat_tops(x: np.ndarray, sr: int, peak: float) -> _FlatTops:
    """Runs of :data:`MIN_FLAT_RUN` or more equal samples at the peak level, per channel.

    Only the samples at the peak level are looked at (few, unless the mix is clipped), so
    the check costs one pass over the samples.
    """
    if peak <= 0.0 or x.shape[1] < MIN_FLAT_RUN:
        return _FlatTops(0, 0, ())
    level = peak * (1.0 - FLAT_TOLERANCE)
    all_starts, all_ends = [], []
    runs = samples = 0
    for row in x:
        at = np.flatnonzero((row >= level) | (row <= -level))
        if len(at) < MIN_FLAT_RUN:
            continue
        values = row[at]
        # pair k joins samples at[k] and at[k + 1]: neighbours in time with equal values
        pairs = (np.diff(at) == 1) & (values[1:] == values[:-1])
        first, last = _runs(pairs)  # pairs first..last-1 join samples at[first]..at[last]
        long = (last - first) >= MIN_FLAT_RUN - 1
        first, last = first[long], last[long]
        runs += len(first)
        samples += int(np.sum(last - first + 1))
        all_starts.append(at[first])
        all_ends.append(at[last] + 1)
    if not runs:
        return _FlatTops(0, 0, ())
    regions = _regions(np.concatenate(all_starts), np.concatenate(all_ends), sr)
    return _FlatTops(runs, samples, regions)


@dataclass(frozen=True)
class _Words:
    """Words looked up when a finding's text is filled in, not when the finding is made.

    A finding holds numbers and looks its sentences up each time it is shown, so it
    follows the language of the moment; the words that go inside a sentence (a place, a
    processor's name, a list of time ranges) are held the same way, as one of these.
    """

    key: str
    fields: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        return t(self.key, **dict(self.fields))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _words(key: str, **fields: Any) -> _Words:
    return _Words(f"report.{key}", tuple(fields.items()))


@dataclass(frozen=True)
class _Name:
    """A processor class's short name in the language of the moment (``"Compressor"``)."""

    cls: type[Processor]

    def __str__(self) -> str:
        return self.cls.class_name()

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


@dataclass(frozen=True)
class _Places:
    """Time ranges in words: the first few, then how many more."""

    regions: Regions

    def __str__(self) -> str:
        shown = [
            t("report.places.range", start_s=start, end_s=end)
            for start, end in self.regions[:_SHOWN_PLACES]
        ]
        if len(self.regions) > _SHOWN_PLACES:
            shown.append(t("report.places.more", n=len(self.regions) - _SHOWN_PLACES))
        return ", ".join(shown)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


# ------------------------------------------------------------------------ master bus


def _heard_stages(master: Processor) -> Iterator[tuple[Path, Processor]]:
    """Every processor nested in ``master`` that is heard, with its path (depth first).

    Skipped: a bypassed processor and everything inside it, a muted branch, and the
    branches of a parallel processor whose ``mix_pct`` is 0 (only its dry input is heard).
    """
    found = dict(master.nested())
    for path, obj in found.items():
        if not isinstance(obj, Processor):
            continue
        heard = True
        for depth in range(len(path) + 1):
            above = found.get(path[:depth])
            if isinstance(above, Processor) and above.bypass:
                heard = False
            elif isinstance(above, Branch) and above.mute:
                heard = False
            elif depth < len(path) and isinstance(above, Parallel) and above.mix_pct == 0.0:
                heard = False
        if heard:
            yield path, obj


def _is_limiter(proc: Processor) -> bool:
    """A limiter of any kind: a class (or a base class) whose name ends in ``Limiter``."""
    return any(klass.__name__.endswith("Limiter") for klass in type(proc).__mro__)


def _highest(value: Any) -> float:
    """The highest value a setting reaches (an automated one moves)."""
    return float(value.range[1]) if isinstance(value, Envelope) else float(value)


@dataclass(frozen=True)
class _Compression:
    path: Path
    proc: Processor
    ratio: float
    max_reduction_db: float
    mean_reduction_db: float

    @property
    def heavy(self) -> bool:
        return (
            self.ratio >= HEAVY_RATIO
            or self.max_reduction_db >= HEAVY_MAX_REDUCTION_DB
            or self.mean_reduction_db >= HEAVY_MEAN_REDUCTION_DB
        )


def _compression(path: Path, proc: Processor, mix: Audio) -> _Compression | None:
    """A compressor's ratio and what its own gain trace takes off the mix (None if none)."""
    if isinstance(proc, Compressor):
        ratio = _highest(proc.ratio)
    elif isinstance(proc, MultibandCompressor):
        ratio = max((_highest(band.ratio) for band in proc.bands), default=1.0)
    else:
        return None
    max_reduction = mean_reduction = 0.0
    if proc.capabilities.trace and mix.n_frames:
        trace = np.asarray(proc.gain_change_db(mix.samples, mix.sr), dtype=np.float64)
        if trace.ndim > 1:  # a row per band: the largest reduction at each frame
            trace = np.min(trace, axis=0)
        if trace.size:
            max_reduction = max(0.0, -float(np.min(trace)))
            mean_reduction = max(0.0, -float(np.mean(trace)))
    return _Compression(path, proc, ratio, max_reduction, mean_reduction)


def _place(path: Path) -> _Words:
    """Where a processor sits on the master bus, in words."""
    if not path:
        return _words("places.itself")
    return _words("places.stage", path=format_path(path))


# ------------------------------------------------------------------------ resolution


def _resolution(subtype: str) -> tuple[str, int]:
    """``("float" | "integer" | "lossy", bits)`` of a soundfile subtype (0 bits if lossy)."""
    if subtype in _FLOAT_BITS:
        return "float", _FLOAT_BITS[subtype]
    match = _INTEGER_SUBTYPE.match(subtype)
    if match:
        return "integer", int(match.group(1))
    return "lossy", 0


def _checked_subtype(subtype: Any) -> str | None:
    if subtype is None:
        return None
    known = sf.available_subtypes()
    choice = subtype.upper() if isinstance(subtype, str) else None
    if choice not in known:
        raise ParameterError(
            "ready_for_mastering(): subtype must be a soundfile subtype such as 'PCM_24', "
            f"'FLOAT' or 'PCM_16' (the export format you chose); got {subtype!r}."
        )
    return choice


# ------------------------------------------------------------------------------- the call


def ready_for_mastering(
    mix: Audio,
    *,
    master: Processor | None = None,
    subtype: str | None = None,
    dithered: bool = False,
) -> MixReport:
    """Check a rendered mix before it goes to mastering, in plain words.

    Measures the peaks (sample and true peak), the loudness and the headroom, looks for
    clipping (samples over full scale in a float mix, flat tops in a mix clipped
    earlier), walks what sits on the master bus (a limiter or heavy compression is a
    teaching warning), and checks the export format (24-bit or float), dither (none yet)
    and the sample rate. See the module text for every limit and why.

    Parameters
    ----------
    mix : Audio
        The rendered mix, as it will be exported (the master bus already applied).
    master : Processor, optional
        What sits on the master bus (usually a :class:`~studio.processors.base.Chain`;
        nested composites are walked). None: nothing.
    subtype : str, optional
        The export format chosen, as a soundfile subtype (``"PCM_24"``, ``"FLOAT"``,
        ``"PCM_16"``...). None: not chosen yet (a note).
    dithered : bool
        Whether dither is on for the export.

    Returns
    -------
    MixReport
        The figures, one check per line and a finding for every check that did not
        pass; ``report.ok`` is True when nothing blocks the hand-over.

    Raises
    ------
    AudioDataError
        If ``mix`` is not Audio, has no samples, or holds NaN or infinite values.
    ParameterError
        If ``master`` is not a processor, ``subtype`` is not a soundfile subtype or
        ``dithered`` is not True or False.

    Examples
    --------
    >>> import numpy as np
    >>> from studio import Audio
    >>> n = np.arange(48000)
    >>> tone = 0.5 * np.sin(2 * np.pi * 997 * n / 48000)
    >>> report = ready_for_mastering(Audio(np.stack([tone, tone]), 48000), subtype="PCM_24")
    >>> report.ok, round(report.headroom_db, 1), len(report.findings)
    (True, 6.0, 0)
    """
    if not isinstance(mix, Audio):
        raise AudioDataError(
            f"ready_for_mastering() takes the mix as a studio.Audio, got {type(mix).__name__}; "
            "wrap samples with studio.Audio(samples, sr)."
        )
    if master is not None and not isinstance(master, Processor):
        raise ParameterError(
            "ready_for_mastering(): master must be what sits on the master bus, a studio "
            f"processor such as a Chain (or None for nothing); got {master!r}."
        )
    if not isinstance(dithered, bool | np.bool_):
        raise ParameterError(
            f"ready_for_mastering(): dithered must be True or False; got {dithered!r}."
        )
    chosen = _checked_subtype(subtype)
    measured = measure(mix)  # refuses an empty mix and NaN or infinite samples, by name
    x, sr = mix.samples, mix.sr
    peak_dbfs = measured.sample_peak_dbfs
    peak = max(float(np.max(x)), -float(np.min(x)))
    overs = _overs(x, sr, peak)
    flats = _flat_tops(x, sr, peak)
    stages = list(_heard_stages(master)) if master is not None else []
    compressions = [c for path, proc in stages if (c := _compression(path, proc, mix))]
    limiters = [(path, proc) for path, proc in stages if _is_limiter(proc)]
    dither_stages = [(path, proc) for path, proc in stages if isinstance(proc, Dither)]
    converters = [(path, proc) for path, proc in stages if proc.changes_rate_now()]

    checks = (
        _headroom_check(peak_dbfs),
        _true_peak_check(peak_dbfs, measured.true_peak_dbtp),
        _loudness_check(measured.integrated_lufs),
        _clipping_check(overs, flats, peak),
        _master_check(stages, limiters, compressions),
        _resolution_check(chosen),
        _dither_check(bool(dithered), dither_stages),
        _sample_rate_check(sr, converters),
    )
    return MixReport(
        name=mix.name,
        sr=sr,
        n_channels=mix.n_channels,
        duration_s=mix.duration_s,
        sample_peak_dbfs=peak_dbfs,
        true_peak_dbtp=measured.true_peak_dbtp,
        integrated_lufs=measured.integrated_lufs,
        headroom_db=-peak_dbfs,
        clipped_samples=overs.count,
        worst_over_db=overs.worst_db,
        clipping_regions_s=overs.regions,
        flat_top_runs=flats.runs,
        flat_top_samples=flats.samples,
        flat_top_regions_s=flats.regions,
        limiter_paths=tuple(path for path, _ in limiters),
        heavy_compression_paths=tuple(c.path for c in compressions if c.heavy),
        max_gain_reduction_db=max((c.max_reduction_db for c in compressions), default=0.0),
        subtype=chosen,
        dithered=bool(dithered) or bool(dither_stages),
        checks=checks,
        measurement=measured,
    )


# ---------------------------------------------------------------------- one per check


def _headroom_check(peak_dbfs: float) -> Check:
    headroom = {"sample_peak_dbfs": peak_dbfs, "headroom_db": -peak_dbfs}
    if peak_dbfs == -math.inf:
        return Check("headroom", Findings([_finding("silent", severity="problem")]))
    cut = {"cut_db": peak_dbfs - TARGET_PEAK_DBFS}
    if peak_dbfs > 0.0:
        found = _finding("too_hot", key="over_full_scale", fields={**headroom, **cut})
    elif peak_dbfs > HOT_PEAK_DBFS:
        found = _finding("too_hot", fields={**headroom, **cut})
    elif peak_dbfs < QUIET_PEAK_DBFS:
        boost = {"boost_db": TARGET_PEAK_DBFS - peak_dbfs}
        found = _finding("too_quiet", fields={**headroom, **boost})
    else:
        return _passed("headroom", "headroom", **headroom)
    return Check("headroom", Findings([found]))


def _true_peak_check(peak_dbfs: float, true_peak_dbtp: float) -> Check:
    fields = {"sample_peak_dbfs": peak_dbfs, "true_peak_dbtp": true_peak_dbtp}
    if true_peak_dbtp > 0.0:
        return Check("true_peak", Findings([_finding("true_peak_over", fields=fields)]))
    return _passed("true_peak", "true_peak", **fields)


def _loudness_check(integrated_lufs: float) -> Check:
    if math.isfinite(integrated_lufs):
        return _passed("loudness", "loudness", integrated_lufs=integrated_lufs)
    return _passed("loudness", "loudness_unmeasured")


def _clipping_check(overs: _Overs, flats: _FlatTops, peak: float) -> Check:
    found = []
    if overs.count:
        fields = {
            "clipped_samples": overs.count,
            "worst_over_db": overs.worst_db,
            "cut_db": overs.worst_db - TARGET_PEAK_DBFS,
            "places": _Places(overs.regions),
        }
        found.append(_finding("clipping", severity="problem", fields=fields, regions=overs.regions))
    if flats.runs:
        peak_dbfs = 20.0 * math.log10(peak)
        fields = {
            "runs": flats.runs,
            "samples": flats.samples,
            "peak_dbfs": peak_dbfs,
            "places": _Places(flats.regions),
        }
        severity = "problem" if peak_dbfs >= FLAT_PROBLEM_DBFS else "warning"
        found.append(_finding("flat_tops", severity=severity, fields=fields, regions=flats.regions))
    if found:
        return Check("clipping", Findings(found))
    return _passed("clipping", "clipping")


def _master_check(
    stages: Sequence[tuple[Path, Processor]],
    limiters: Sequence[tuple[Path, Processor]],
    compressions: Sequence[_Compression],
) -> Check:
    found = [
        _finding("limiter", fields={"name": _Name(type(proc)), "place": _place(path)})
        for path, proc in limiters
    ]
    for c in compressions:
        if c.heavy:
            fields = {
                "name": _Name(type(c.proc)),
                "place": _place(c.path),
                "ratio": round(c.ratio, 2),
                "max_reduction_db": c.max_reduction_db,
                "mean_reduction_db": c.mean_reduction_db,
            }
            found.append(_finding("heavy_compression", fields=fields))
    if found:
        return Check("master_bus", Findings(found))
    if compressions:
        top = max(c.max_reduction_db for c in compressions)
        return _passed("master_bus", "master_gentle", max_reduction_db=top)
    working = [proc for _, proc in stages if not isinstance(proc, Chain | Parallel)]
    return _passed("master_bus", "master_clean" if working else "master_empty")


def _resolution_check(subtype: str | None) -> Check:
    if subtype is None:
        found = _finding("resolution_unknown", severity="info")
        return Check("resolution", Findings([found]))
    kind, bits = _resolution(subtype)
    depth = _words(f"depth.{'float' if kind == 'float' else 'integer'}", bits=bits)
    if kind == "lossy":
        found = _finding("lossy", severity="problem", fields={"subtype": subtype})
    elif kind == "integer" and bits < FULL_RESOLUTION_BITS:
        severity = "problem" if bits < 16 else "warning"
        fields = {"subtype": subtype, "depth": depth}
        found = _finding("low_resolution", severity=severity, fields=fields)
    else:
        return _passed("resolution", "resolution", subtype=subtype, depth=depth)
    return Check("resolution", Findings([found]))


def _dither_check(dithered: bool, dither_stages: Sequence[tuple[Path, Processor]]) -> Check:
    found = []
    if dithered:
        found.append(_finding("dither", fields={"where": _words("findings.dither.where.export")}))
    for path, proc in dither_stages:
        where = _words("findings.dither.where.master", name=_Name(type(proc)), place=_place(path))
        found.append(_finding("dither", fields={"where": where}))
    if found:
        return Check("dither", Findings(found))
    return _passed("dither", "dither")


def _sample_rate_check(sr: int, converters: Sequence[tuple[Path, Processor]]) -> Check:
    found = []
    for path, proc in converters:
        fields = {
            "name": _Name(type(proc)),
            "place": _place(path),
            "target_sr": proc.output_rate(sr),
        }
        found.append(_finding("sample_rate_changed", fields=fields))
    if sr < LOW_SAMPLE_RATE_HZ:
        fields = {"sr": sr, "nyquist_khz": sr / 2000.0}
        found.append(_finding("low_sample_rate", fields=fields))
    if found:
        return Check("sample_rate", Findings(found))
    return _passed("sample_rate", "sample_rate", sr=sr)
