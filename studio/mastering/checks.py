"""Input checks: what a mixdown brings with it when it arrives for mastering.

Before anything is processed, a mastering engineer listens and looks at what came in:
damage that cannot be undone (clipping, a lossy source), work that was done too early
(a limiter on the mix), small faults that are easy to fix now (DC offset, too little
headroom) and faults of the stereo image (an inverted channel, a mix that loses much of
its loudness in mono). :func:`check_input` runs those checks on a stereo (or mono)
:class:`~studio.audio.Audio` and returns an :class:`InputReport`: the figures, one line
per check and a plain-words :class:`~studio.analysis.findings.Finding` for every check
that did not pass::

    report = check_input(mix)
    report            # readable HTML in a notebook
    print(report)     # the same as text
    report.ok         # True when nothing is a problem
    report.findings   # the findings alone

The checks and where their limits come from:

* **Clipping.** Samples above full scale (``|x| > 1``, possible in a float file) and
  *flat tops*: :data:`MIN_FLAT_RUN` or more equal samples in a row at the file's peak
  level, which is what a clipped mix looks like once it has been stored. Where: time
  ranges, runs closer than :data:`MERGE_GAP_S` merged.
* **Already limited.** A limiter pins the peaks to its ceiling, so the 400 ms stretches
  of a song (about a beat each, nearly all holding a transient) all peak at the same
  level. The share of loud stretches (peaking within :data:`LOUD_HOP_DB` of the file's
  peak) whose peak sits within :data:`PINNED_DB` of it is ``pinned_pct``: a mix with
  open dynamics reaches its top only now and then (a few %, up to a fifth for very
  even material), a limited one in most stretches. It counts as limited when
  ``pinned_pct`` reaches :data:`PINNED_LIMIT_PCT`, or when the median
  peak-to-short-term-loudness ratio (PSR) is below :data:`SQUASHED_PSR_DB` whatever
  the peaks do (8-10 dB is usual for a finished, loud master; a mix sits well above).
* **Headroom.** The sample peak above :data:`HOT_PEAK_DBFS` leaves mastering little
  room (the usual hand-over is around -6 dBFS); a silent file is a problem.
* **DC offset.** A channel whose mean sits further from zero than :data:`DC_LIMIT`
  (0.1 % of full scale, -60 dBFS) carries a DC offset.
* **Lossy source.** Lossy encoders (MP3, AAC, Vorbis at modest bit rates) low-pass the
  audio at 16-20 kHz so that their bits go where hearing is most sensitive; what comes
  back has a sharp shelf: content up to a frequency, then next to nothing. The
  long-term spectrum is searched for a drop of at least :data:`CUTOFF_DROP_DB` between
  the bands just below and just above a frequency between :data:`CUTOFF_LOW_HZ` and
  :data:`CUTOFF_HIGH_HZ`, with nothing coming back above it. A natural mix falls off
  gradually (a few dB per octave) and never trips it.
* **Sample rate.** Below 44.1 kHz the top of the spectrum is gone; a rate outside the
  usual family (44.1/48 kHz and their multiples) is odd and usually a mistake on export.
* **Phase and mono.** Overall correlation of left and right below
  :data:`OUT_OF_PHASE_CORRELATION` (unrelated channels read about 0): one channel is
  (largely) upside down, and the mix collapses in mono. Otherwise, a fold to mono that
  loses more than :data:`MONO_LOSS_LIMIT_LU` of loudness, or stretches where the
  correlation stays below that limit, are worth a look.

A *problem* needs fixing before mastering (``report.ok`` is False); a *warning* is worth
a look; a *note* is for information.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from studio.analysis.findings import (
    PASS_COLOUR,
    SEVERITIES,
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
from studio.errors import AudioDataError
from studio.text import t

__all__ = [
    "CHECKS",
    "CUTOFF_DROP_DB",
    "CUTOFF_HIGH_HZ",
    "CUTOFF_LOW_HZ",
    "DC_LIMIT",
    "HOT_PEAK_DBFS",
    "MERGE_GAP_S",
    "MIN_FLAT_RUN",
    "MONO_LOSS_LIMIT_LU",
    "OUT_OF_PHASE_CORRELATION",
    "PINNED_DB",
    "PINNED_LIMIT_PCT",
    "SQUASHED_PSR_DB",
    "STANDARD_RATES_HZ",
    "InputCheck",
    "InputReport",
    "check_input",
    "spectral_cutoff_hz",
]

#: Peaks above this (dBFS) leave too little headroom for mastering.
HOT_PEAK_DBFS = -3.0
#: A channel mean further from zero than this (linear, 0.1 % of full scale) is DC.
DC_LIMIT = 1e-3
#: Equal samples in a row at the peak level that make a flat top.
MIN_FLAT_RUN = 3
#: How close (relative) to the peak a sample must be to count as "at the peak".
FLAT_TOLERANCE = 1e-3
#: Overs or flat tops closer together than this (s) are reported as one range.
MERGE_GAP_S = 0.1
#: Length of the stretches whose peaks are compared in the limiter check (s): about a
#: beat, so that nearly every stretch of a song holds a transient.
PEAK_HOP_S = 0.4
#: A stretch whose peak is within this of the file's peak (dB) is pinned there.
PINNED_DB = 0.5
#: Only stretches peaking within this of the file's peak (dB) are loud enough to count.
LOUD_HOP_DB = 20.0
#: Pinned in this share of the loud stretches (%): limited.
PINNED_LIMIT_PCT = 50.0
#: Median PSR below this (dB) is squashed, pinned or not.
SQUASHED_PSR_DB = 7.0
#: The lossy cut-off is searched between these frequencies (Hz).
CUTOFF_LOW_HZ = 11000.0
CUTOFF_HIGH_HZ = 20000.0
#: A shelf at least this deep (dB) between the bands either side of the cut-off.
CUTOFF_DROP_DB = 30.0
#: The bands compared either side of a candidate cut-off start this far from it (Hz)...
_CUTOFF_GAP_HZ = 300.0
#: ... and are this wide (Hz).
_CUTOFF_BAND_HZ = 1200.0
#: A fold to mono losing more than this (LU) is worth a look (unrelated channels: 3 LU).
MONO_LOSS_LIMIT_LU = 3.5
#: Overall correlation below this is out of phase (unrelated channels read about 0).
OUT_OF_PHASE_CORRELATION = -0.1
#: Correlation below zero for more than this share of the time (%) is worth a look.
NEGATIVE_TIME_LIMIT_PCT = 10.0
#: The sample rates of the 44.1 kHz and 48 kHz families (Hz).
STANDARD_RATES_HZ = (44100, 48000, 88200, 96000, 176400, 192000, 352800, 384000)
#: The checks, in the order the report shows them.
CHECKS = ("clipping", "limited", "headroom", "dc", "lossy", "sample_rate", "phase")

_LESSONS = {
    "clipping": "mastering.measure",
    "limited": "mastering.loudness",
    "headroom": "mastering.measure",
    "dc": "mastering.eq",
    "lossy": "mastering.delivery",
    "sample_rate": "mastering.delivery",
    "phase": "mastering.translation",
}
_SHOWN_PLACES = 3

Regions = tuple[tuple[float, float], ...]


# ------------------------------------------------------------------------------ checks


class InputCheck(NamedCheck):
    """One check of the report: what it found, or the line it shows when it passed.

    Its name is one of :data:`CHECKS`; its words are in ``input_checks.toml``. See
    :class:`~studio.analysis.findings.NamedCheck`.
    """

    catalogue: ClassVar[str] = "input_checks"
    names: ClassVar[tuple[str, ...]] = CHECKS


def _passed(name: str, key: str, **fields: Any) -> InputCheck:
    return InputCheck(name, key=f"input_checks.passed.{key}", fields=fields)


def _found(name: str, *found: Finding) -> InputCheck:
    return InputCheck(name, Findings(found))


def _finding(
    check: str,
    kind: str,
    *,
    severity: str = "warning",
    regions: Regions = (),
    low_hz: float | None = None,
    high_hz: float | None = None,
    **fields: Any,
) -> Finding:
    return Finding(
        kind=kind,
        key=f"input_checks.findings.{kind}",
        fields=fields,
        start_s=regions[0][0] if regions else None,
        end_s=regions[-1][1] if regions else None,
        low_hz=low_hz,
        high_hz=high_hz,
        severity=severity,
        lesson=_LESSONS[check],
    )


@dataclass(frozen=True)
class _Places:
    """Time ranges in words, looked up when shown: the first few, then how many more."""

    regions: Regions

    def __str__(self) -> str:
        shown = [
            t("input_checks.places.range", start_s=a, end_s=b)
            for a, b in self.regions[:_SHOWN_PLACES]
        ]
        if len(self.regions) > _SHOWN_PLACES:
            shown.append(t("input_checks.places.more", n=len(self.regions) - _SHOWN_PLACES))
        return ", ".join(shown)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


# ------------------------------------------------------------------------------ report


@dataclass(frozen=True, eq=False)
class InputReport(CheckedReport):
    """What a mixdown brings with it: figures, one line per check, plain-words findings.

    Attributes
    ----------
    name : str or None
        The audio's name.
    sr : int
        Sample rate in Hz.
    n_channels : int
        Number of channels.
    duration_s : float
        Length in seconds.
    sample_peak_dbfs, true_peak_dbtp, integrated_lufs : float
        Peaks and loudness (``-inf`` for silence).
    median_psr_db : float
        Typical peak-to-short-term-loudness ratio (NaN when too short or silent).
    crest_factor_db : float
        Sample peak minus RMS over the whole file.
    pinned_pct : float
        Share of the loud 400 ms stretches whose peak sits within :data:`PINNED_DB` of
        the file's peak (%).
    clipped_samples : int
        Samples above full scale, per channel.
    clipping_regions_s, flat_top_regions_s : tuple of (float, float)
        Where the overs and the flat tops are (seconds).
    flat_top_runs : int
        Runs of equal samples at the peak level, per channel.
    dc_offset : float
        The largest channel mean (signed, full scale = 1).
    cutoff_hz : float or None
        The frequency where a lossy encoder's shelf was found, if any.
    correlation : float
        Correlation of left and right (+1 for mono; NaN if a channel is silent).
    mono_loss_lu : float
        Loudness lost by the fold to mono (LU).
    negative_correlation_pct : float
        Share of the time the 400 ms correlation is below
        :data:`OUT_OF_PHASE_CORRELATION` (%).
    checks : tuple of InputCheck
        Every check, in the order of :data:`CHECKS`.
    measurement : Measurement
        The full loudness and peak measurement.
    """

    name: str | None
    sr: int
    n_channels: int
    duration_s: float
    sample_peak_dbfs: float
    true_peak_dbtp: float
    integrated_lufs: float
    median_psr_db: float
    crest_factor_db: float
    pinned_pct: float
    clipped_samples: int
    clipping_regions_s: Regions
    flat_top_runs: int
    flat_top_regions_s: Regions
    dc_offset: float
    cutoff_hz: float | None
    correlation: float
    mono_loss_lu: float
    negative_correlation_pct: float
    checks: tuple[InputCheck, ...]
    measurement: Measurement = field(repr=False)

    def check(self, name: str) -> InputCheck:
        """One check by name (``"clipping"``)."""
        found: InputCheck = super().check(name)
        return found

    @property
    def verdict(self) -> str:
        """One line: fit to master, fit with things worth a look, or problems first."""
        problems, warnings = self._severity_counts()
        if problems:
            return t(
                f"input_checks.verdict.problems_{'one' if problems == 1 else 'many'}", n=problems
            )
        if warnings:
            return t(
                f"input_checks.verdict.warnings_{'one' if warnings == 1 else 'many'}", n=warnings
            )
        return t("input_checks.verdict.fine")

    @property
    def heading(self) -> str:
        """First line: name, channels, length and rate."""
        fields = {"channels": self.n_channels, "duration_s": self.duration_s, "sr": self.sr}
        if self.name:
            return t("input_checks.heading.named", name=repr(self.name), **fields)
        return t("input_checks.heading.unnamed", **fields)

    def _figures(self) -> list[tuple[str, str, str]]:
        cutoff = (
            _number(self.cutoff_hz / 1000.0) if self.cutoff_hz else t("input_checks.figures.none")
        )
        rows = [
            ("sample_peak", _number(self.sample_peak_dbfs, sign=True), "dBFS"),
            ("true_peak", _number(self.true_peak_dbtp, sign=True), "dBTP"),
            ("loudness", _number(self.integrated_lufs, sign=True), "LUFS"),
            ("psr", _number(self.median_psr_db), "dB"),
            ("crest", _number(self.crest_factor_db), "dB"),
            ("pinned", _number(self.pinned_pct, 0), "%"),
            ("dc", _number(100.0 * self.dc_offset, 2, sign=True), "%"),
            ("cutoff", cutoff, "kHz" if self.cutoff_hz else ""),
            ("correlation", _number(self.correlation, 2, sign=True), ""),
            ("mono_loss", _number(self.mono_loss_lu), "LU"),
            ("sample_rate", str(self.sr), "Hz"),
        ]
        return [(t(f"input_checks.figures.{row}"), value, unit) for row, value, unit in rows]

    def summary(self) -> str:
        """The report as text: verdict, figures, one line per check, then the findings."""
        lines = [self.heading, self.verdict, ""]
        lines += report_table_lines(self._figures(), self.checks)
        if self.findings:
            lines += ["", str(self.findings)]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        name = f"{self.name!r}, " if self.name else ""
        return f"InputReport({name}ok={self.ok}, findings={len(self.findings)})"

    def _repr_html_(self) -> str:
        findings = self.findings
        status = max((f.severity for f in findings), key=SEVERITIES.index, default="")
        colour = SEVERITY_COLOURS.get(status, PASS_COLOUR) if status != "info" else PASS_COLOUR
        figure_rows = figure_rows_html(self._figures())
        check_rows = check_rows_html(self.checks)
        parts = [
            f'<div style="font-weight:600">{html.escape(self.heading)}</div>',
            f'<div style="color:{colour};font-weight:600;margin:2px 0 6px 0">'
            f"{html.escape(self.verdict)}</div>",
            f'<table style="border-collapse:collapse;margin:0 0 6px 0">{figure_rows}</table>',
            f'<table style="border-collapse:collapse;margin:0 0 8px 0">{check_rows}</table>',
        ]
        if findings:
            parts.append(findings._repr_html_())
        return (
            '<div class="studio-input-report" style="font-family:var(--jp-ui-font-family,'
            "system-ui,sans-serif);font-size:var(--jp-ui-font-size1,13px);line-height:1.45;"
            f'max-width:56em">{"".join(parts)}</div>'
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (non-finite figures as ``None``)."""

        def finite(value: float | None) -> float | None:
            return value if value is not None and math.isfinite(value) else None

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
            "median_psr_db": finite(self.median_psr_db),
            "crest_factor_db": finite(self.crest_factor_db),
            "pinned_pct": self.pinned_pct,
            "clipped_samples": self.clipped_samples,
            "clipping_regions_s": [list(r) for r in self.clipping_regions_s],
            "flat_top_runs": self.flat_top_runs,
            "flat_top_regions_s": [list(r) for r in self.flat_top_regions_s],
            "dc_offset": self.dc_offset,
            "cutoff_hz": self.cutoff_hz,
            "correlation": finite(self.correlation),
            "mono_loss_lu": finite(self.mono_loss_lu),
            "negative_correlation_pct": self.negative_correlation_pct,
            "checks": [{"name": c.name, "status": c.status, "line": c.line} for c in self.checks],
            "findings": [f.to_dict() for f in self.findings],
        }


def _number(value: float, decimals: int = 1, *, sign: bool = False) -> str:
    """A figure for the table: ``-inf`` as such, ``n/a`` for NaN, no ``-0.0``."""
    if math.isnan(value):
        return t("input_checks.figures.not_available")
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    text = f"{value:.{decimals}f}"
    if float(text) == 0.0:
        return text.lstrip("-")
    return f"+{text}" if sign and value > 0 else text


# ------------------------------------------------------------------- sample analysis


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of the runs of True in a 1-D mask."""
    edges = np.diff(np.concatenate(([0], mask.view(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _regions(starts: np.ndarray, ends: np.ndarray, rate: float, gap_s: float) -> Regions:
    """Runs (indices at ``rate`` per second, end exclusive) as merged time ranges."""
    if not len(starts):
        return ()
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], np.maximum.accumulate(ends[order])
    gap = gap_s * rate
    breaks = np.flatnonzero(starts[1:] - ends[:-1] > gap)
    first = np.concatenate(([0], breaks + 1))
    last = np.concatenate((breaks, [len(starts) - 1]))
    return tuple(
        (float(starts[a]) / rate, float(ends[b]) / rate) for a, b in zip(first, last, strict=True)
    )


def _overs(x: np.ndarray, sr: int) -> tuple[int, float, Regions]:
    """Samples above full scale: how many (per channel), the worst (dB over) and where."""
    over = np.abs(x) > 1.0
    count = int(np.count_nonzero(over))
    if not count:
        return 0, 0.0, ()
    starts, ends = _runs(np.any(over, axis=0))
    worst_db = 20.0 * math.log10(float(np.max(np.abs(x))))
    return count, worst_db, _regions(starts, ends, sr, MERGE_GAP_S)


def _flat_tops(x: np.ndarray, sr: int, peak: float) -> tuple[int, Regions]:
    """Runs of :data:`MIN_FLAT_RUN` or more equal samples at the peak level, per channel."""
    if peak <= 0.0 or x.shape[1] < MIN_FLAT_RUN:
        return 0, ()
    level = peak * (1.0 - FLAT_TOLERANCE)
    starts, ends = [], []
    for row in x:
        at = np.flatnonzero(np.abs(row) >= level)
        if len(at) < MIN_FLAT_RUN:
            continue
        values = row[at]
        pairs = (np.diff(at) == 1) & (values[1:] == values[:-1])
        first, last = _runs(pairs)
        long = (last - first) >= MIN_FLAT_RUN - 1
        starts.append(at[first[long]])
        ends.append(at[last[long]] + 1)
    if not starts:
        return 0, ()
    all_starts, all_ends = np.concatenate(starts), np.concatenate(ends)
    return len(all_starts), _regions(all_starts, all_ends, sr, MERGE_GAP_S)


def _pinned_pct(x: np.ndarray, sr: int, peak: float) -> float:
    """Share (%) of the loud 400 ms stretches whose peak is within PINNED_DB of ``peak``."""
    hop = max(1, int(round(PEAK_HOP_S * sr)))
    n_hops = x.shape[1] // hop
    if n_hops == 0 or peak <= 0.0:
        return 0.0
    blocks = np.abs(x[:, : n_hops * hop]).reshape(x.shape[0], n_hops, hop)
    hop_peaks = blocks.max(axis=(0, 2))
    loud = hop_peaks >= peak * 10.0 ** (-LOUD_HOP_DB / 20.0)
    pinned = hop_peaks >= peak * 10.0 ** (-PINNED_DB / 20.0)
    return 100.0 * float(np.count_nonzero(pinned)) / max(1, int(np.count_nonzero(loud)))


def _welch(x: np.ndarray, sr: int, n_fft: int) -> tuple[np.ndarray, np.ndarray]:
    """Welch's power spectral density of each channel: ``(freqs, power (channels, bins))``.

    Hann-windowed segments of ``n_fft`` frames overlapping by half, each with its mean
    removed, one-sided, as density; the average over segments. What
    ``scipy.signal.welch`` computes with its defaults, without importing scipy.signal
    (most of a second, the first time, in a learner's notebook).
    """
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)  # periodic Hann
    segments = np.lib.stride_tricks.sliding_window_view(x, n_fft, axis=-1)[..., :: n_fft // 2, :]
    total = np.zeros((x.shape[0], n_fft // 2 + 1))
    for first in range(0, segments.shape[-2], 64):  # a few segments at a time: bounded memory
        some = segments[..., first : first + 64, :]
        some = some - some.mean(axis=-1, keepdims=True)
        total += (np.abs(np.fft.rfft(some * window, axis=-1)) ** 2).sum(axis=-2)
    power = total / (segments.shape[-2] * sr * float(np.sum(window**2)))
    power[..., 1 : n_fft // 2 + (n_fft % 2)] *= 2.0  # one-sided: every bin but DC and Nyquist
    return np.fft.rfftfreq(n_fft, 1.0 / sr), power


def spectral_cutoff_hz(audio: Audio) -> float | None:
    """The frequency where the spectrum falls off a shelf, as lossy encoders leave it.

    The long-term spectrum (Welch's average, all channels) is searched for the
    frequency between :data:`CUTOFF_LOW_HZ` and :data:`CUTOFF_HIGH_HZ` with the deepest
    drop between a band just below it and one just above; it counts when the drop is at
    least :data:`CUTOFF_DROP_DB`, nothing above comes back to within that much of the
    band below, and the band below holds real content (within 60 dB of the loudest part
    of the spectrum above 1 kHz).

    Returns
    -------
    float or None
        The cut-off in Hz (where the spectrum has fallen 6 dB, to about 100 Hz), or None.
    """
    x, sr = audio.samples, audio.sr
    nyquist = sr / 2.0
    top = min(CUTOFF_HIGH_HZ, nyquist - _CUTOFF_GAP_HZ - 0.5 * _CUTOFF_BAND_HZ)
    if top <= CUTOFF_LOW_HZ or x.shape[1] < 4096:
        return None
    n_fft = 1 << int(round(math.log2(sr / 8.0)))  # bins of about 8 Hz
    n_fft = min(n_fft, 1 << int(math.log2(x.shape[1])))
    freqs, power = _welch(x, sr, n_fft)
    spectrum_db = 10.0 * np.log10(np.mean(power, axis=0) + 1e-30)
    bin_hz = freqs[1]
    cumulative = np.concatenate(([0.0], np.cumsum(spectrum_db)))

    def band_mean(lo_hz: np.ndarray, hi_hz: np.ndarray) -> np.ndarray:
        lo = np.clip(np.round(lo_hz / bin_hz).astype(int), 0, len(freqs) - 1)
        hi = np.clip(np.round(hi_hz / bin_hz).astype(int), 1, len(freqs))
        hi = np.maximum(hi, lo + 1)
        return (cumulative[hi] - cumulative[lo]) / (hi - lo)

    edges = np.arange(CUTOFF_LOW_HZ, top + 1.0, 50.0)
    below = band_mean(edges - _CUTOFF_GAP_HZ - _CUTOFF_BAND_HZ, edges - _CUTOFF_GAP_HZ)
    above = band_mean(edges + _CUTOFF_GAP_HZ, edges + _CUTOFF_GAP_HZ + _CUTOFF_BAND_HZ)
    drop = below - above
    best = int(np.argmax(drop))
    if drop[best] < CUTOFF_DROP_DB:
        return None
    edge = float(edges[best])
    rest = spectrum_db[(freqs >= edge + _CUTOFF_GAP_HZ) & (freqs <= 0.98 * nyquist)]
    content = spectrum_db[freqs >= 1000.0]
    if rest.size and float(np.max(rest)) > below[best] - CUTOFF_DROP_DB + 10.0:
        return None  # something comes back above: not a shelf
    if below[best] < float(np.max(content)) - 60.0:
        return None  # nothing much below either: a dark mix, not a cut-off
    # The shelf starts where the spectrum (smoothed over ~100 Hz) first falls 6 dB below
    # its level in the band before the search span (clear of the slope itself).
    width = max(1, int(round(100.0 / bin_hz)))
    smooth = np.convolve(spectrum_db, np.ones(width) / width, mode="same")
    start = edge - _CUTOFF_GAP_HZ - _CUTOFF_BAND_HZ
    before = float(band_mean(np.array([start - _CUTOFF_BAND_HZ]), np.array([start]))[0])
    span = (freqs >= start) & (freqs <= edge + _CUTOFF_GAP_HZ)
    falling = np.flatnonzero(span & (smooth < before - 6.0))
    return float(freqs[falling[0]]) if falling.size else edge


# ------------------------------------------------------------------------------ the call


def check_input(audio: Audio) -> InputReport:
    """Check a mixdown as it arrives for mastering, in plain words.

    Looks for clipping (where), a mix that is already limited, too little headroom, a DC
    offset, a lossy source (the spectral shelf an encoder leaves), an odd or low sample
    rate, and phase and mono problems. See the module text for every limit and why.

    Parameters
    ----------
    audio : Audio
        The mixdown: stereo (or mono), any rate, float samples.

    Returns
    -------
    InputReport
        The figures, one line per check and a finding for every check that did not
        pass; ``report.ok`` is False when a finding is a problem.

    Raises
    ------
    AudioDataError
        If ``audio`` is not Audio, has no samples or holds NaN or infinite values.

    Examples
    --------
    >>> import numpy as np
    >>> from studio import Audio
    >>> rng = np.random.default_rng(1)
    >>> mix = 0.1 * rng.standard_normal((2, 4 * 48000))
    >>> report = check_input(Audio(mix, 48000))
    >>> report.ok, report.check("phase").status
    (True, 'passed')
    """
    if not isinstance(audio, Audio):
        raise AudioDataError(
            f"check_input() takes the mixdown as a studio.Audio, got {type(audio).__name__}; "
            "wrap samples with studio.Audio(samples, sr) or load a file with studio.load()."
        )
    if not audio.samples.flags.c_contiguous:  # the compiled meters want rows in memory order
        audio = audio.with_samples(np.ascontiguousarray(audio.samples))
    measured = measure(audio)  # refuses empty audio and NaN or infinite samples, by name
    x, sr = audio.samples, audio.sr
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    overs, worst_db, over_regions = _overs(x, sr)
    flat_runs, flat_regions = _flat_tops(x, sr, peak)
    pinned = _pinned_pct(x, sr, peak)
    dc = np.asarray(np.mean(x, axis=1, dtype=np.float64))
    dc_channel = int(np.argmax(np.abs(dc)))
    cutoff = spectral_cutoff_hz(audio) if peak > 0.0 else None
    stereo = x.shape[0] == 2
    corr = measured.correlation_over_time
    valid = corr[np.isfinite(corr)]
    negative_pct = (
        100.0 * float(np.mean(valid < OUT_OF_PHASE_CORRELATION)) if stereo and valid.size else 0.0
    )

    checks = (
        _clipping_check(overs, worst_db, over_regions, flat_runs, flat_regions, peak),
        _limited_check(pinned, measured),
        _headroom_check(measured.sample_peak_dbfs),
        _dc_check(float(dc[dc_channel]), dc_channel, x.shape[0]),
        _lossy_check(cutoff, sr),
        _sample_rate_check(sr),
        _phase_check(measured, stereo, negative_pct),
    )
    return InputReport(
        name=audio.name,
        sr=sr,
        n_channels=audio.n_channels,
        duration_s=audio.duration_s,
        sample_peak_dbfs=measured.sample_peak_dbfs,
        true_peak_dbtp=measured.true_peak_dbtp,
        integrated_lufs=measured.integrated_lufs,
        median_psr_db=measured.median_psr_db,
        crest_factor_db=measured.crest_factor_db,
        pinned_pct=pinned,
        clipped_samples=overs,
        clipping_regions_s=over_regions,
        flat_top_runs=flat_runs,
        flat_top_regions_s=flat_regions,
        dc_offset=float(dc[dc_channel]),
        cutoff_hz=cutoff,
        correlation=measured.correlation,
        mono_loss_lu=measured.mono_loss_lu,
        negative_correlation_pct=negative_pct,
        checks=checks,
        measurement=measured,
    )


# ---------------------------------------------------------------------- one per check


def _clipping_check(
    overs: int,
    worst_db: float,
    over_regions: Regions,
    flat_runs: int,
    flat_regions: Regions,
    peak: float,
) -> InputCheck:
    found = []
    if overs:
        found.append(
            _finding(
                "clipping",
                "over_full_scale",
                severity="problem",
                regions=over_regions,
                samples=overs,
                worst_over_db=worst_db,
                places=_Places(over_regions),
            )
        )
    if flat_runs:
        peak_dbfs = 20.0 * math.log10(peak)
        found.append(
            _finding(
                "clipping",
                "clipped",
                severity="problem" if peak_dbfs >= -1.0 else "warning",
                regions=flat_regions,
                runs=flat_runs,
                peak_dbfs=peak_dbfs,
                places=_Places(flat_regions),
            )
        )
    return _found("clipping", *found) if found else _passed("clipping", "clipping")


def _limited_check(pinned_pct: float, m: Measurement) -> InputCheck:
    psr = m.median_psr_db
    if math.isnan(psr):
        return _passed("limited", "limited_unmeasured")
    if pinned_pct >= PINNED_LIMIT_PCT or psr < SQUASHED_PSR_DB:
        found = _finding(
            "limited",
            "already_limited",
            pinned_pct=pinned_pct,
            psr_db=psr,
            peak_dbfs=m.sample_peak_dbfs,
            crest_db=m.crest_factor_db,
        )
        return _found("limited", found)
    return _passed("limited", "limited", psr_db=psr, pinned_pct=pinned_pct)


def _headroom_check(peak_dbfs: float) -> InputCheck:
    if peak_dbfs == -math.inf:
        return _found("headroom", _finding("headroom", "silent", severity="problem"))
    if peak_dbfs > HOT_PEAK_DBFS:
        kind = "no_headroom" if peak_dbfs > 0.0 else "little_headroom"
        found = _finding(
            "headroom", kind, peak_dbfs=peak_dbfs, headroom_db=-peak_dbfs, cut_db=peak_dbfs + 6.0
        )
        return _found("headroom", found)
    return _passed("headroom", "headroom", peak_dbfs=peak_dbfs, headroom_db=-peak_dbfs)


def _dc_check(dc: float, channel: int, n_channels: int) -> InputCheck:
    if abs(dc) > DC_LIMIT:
        which = t("input_checks.channels.mono") if n_channels == 1 else None
        if which is None:
            names = ("left", "right")
            which = t(f"input_checks.channels.{names[channel]}") if channel < 2 else str(channel)
        found = _finding(
            "dc",
            "dc_offset",
            dc_pct=100.0 * dc,
            dc_dbfs=20.0 * math.log10(abs(dc)),
            channel=which,
        )
        return _found("dc", found)
    return _passed("dc", "dc")


def _lossy_check(cutoff_hz: float | None, sr: int) -> InputCheck:
    if cutoff_hz is None:
        return _passed("lossy", "lossy")
    found = _finding(
        "lossy",
        "lossy_source",
        low_hz=cutoff_hz,
        high_hz=sr / 2.0,
        cutoff_khz=cutoff_hz / 1000.0,
    )
    return _found("lossy", found)


def _sample_rate_check(sr: int) -> InputCheck:
    if sr < 44100:
        found = _finding("sample_rate", "low_sample_rate", sr=sr, nyquist_khz=sr / 2000.0)
        return _found("sample_rate", found)
    if sr not in STANDARD_RATES_HZ:
        return _found("sample_rate", _finding("sample_rate", "odd_sample_rate", sr=sr))
    return _passed("sample_rate", "sample_rate", sr=sr)


def _phase_check(m: Measurement, stereo: bool, negative_pct: float) -> InputCheck:
    if not stereo:
        return _passed("phase", "phase_mono")
    corr, loss = m.correlation, m.mono_loss_lu
    if math.isnan(corr):
        return _passed("phase", "phase_unmeasured")
    if corr < OUT_OF_PHASE_CORRELATION:
        found = _finding(
            "phase", "out_of_phase", severity="problem", correlation=corr, loss_lu=loss
        )
        return _found("phase", found)
    found_list = []
    if math.isfinite(loss) and loss > MONO_LOSS_LIMIT_LU:
        found_list.append(_finding("phase", "mono_loss", loss_lu=loss, correlation=corr))
    if negative_pct > NEGATIVE_TIME_LIMIT_PCT:
        regions = _negative_regions(m)
        found_list.append(
            _finding(
                "phase",
                "negative_at_times",
                regions=regions,
                negative_pct=negative_pct,
                places=_Places(regions),
            )
        )
    if found_list:
        return _found("phase", *found_list)
    return _passed("phase", "phase", correlation=corr, loss_lu=loss)


def _negative_regions(m: Measurement) -> Regions:
    """Where the 400 ms correlation stays below the limit (merged over 0.5 s gaps)."""
    corr = np.nan_to_num(m.correlation_over_time, nan=1.0)
    starts, ends = _runs(corr < OUT_OF_PHASE_CORRELATION)
    if not len(starts):
        return ()
    times = m.correlation_times_s
    hop = float(times[1] - times[0]) if len(times) > 1 else 0.01
    # a window ends at its time: it started 400 ms earlier
    first = np.maximum(times[starts] - 0.4, 0.0)
    last = times[ends - 1]
    regions = _regions(np.round(first / hop), np.round(last / hop), 1.0 / hop, 0.5)
    return regions
