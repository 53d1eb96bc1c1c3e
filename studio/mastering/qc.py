"""The quality-control and delivery report of a master: is it ready to leave the studio.

Before a master goes to a distributor, a broadcaster or a pressing plant it is measured
once more, as the receiving end will measure it. :func:`qc_report` reads a master (an
:class:`~studio.Audio`) against a delivery :class:`~studio.mastering.targets.Target` and
returns a :class:`QCReport`:

* **Loudness**: integrated (what services normalise), the loudest momentary (400 ms) and
  short-term (3 s) readings and both curves over time, the loudness range (LRA);
* **Peaks and density**: true peak (between the samples too), sample peak, the
  peak-to-loudness ratio (PLR) and the median peak-to-short-term-loudness ratio (PSR);
* **Overs**: every place a sample reaches full scale or goes above the target's ceiling
  (an *on-sample* over) and every place the rebuilt waveform goes above the ceiling
  between samples that are themselves under it (an *inter-sample* over), with its time;
* **Mono and phase**: how much loudness a fold to mono loses, the stereo correlation and
  how much of the time it is negative (out-of-phase content that cancels in mono);
* **The verdict**: the target is met when the integrated loudness lands within the
  target's tolerance and the true peak stays at or under its ceiling;
* **Playback**: for every target in :data:`~studio.mastering.targets.TARGETS`, how much
  its playback turns this master up or down (:meth:`Target.playback_gain_db`).

``print(report)`` shows it as text, a notebook shows it as HTML, ``report.to_json()``
writes it for a delivery folder (``QCReport.from_dict`` reads it back) and
:func:`studio.widgets.qc_figure.qc_figure` draws it. Every figure comes from
:func:`studio.measure`; only the places of the overs are looked up here (and the true-peak
trace only when the true peak is above the ceiling).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from studio.analysis.findings import check_rows_html, figure_rows_html, report_table_lines
from studio.analysis.meter import Measurement, measure
from studio.audio import Audio
from studio.errors import AudioDataError, ParameterError
from studio.mastering.targets import TARGETS, Target, target
from studio.text import t

__all__ = [
    "CURVE_STEP_S",
    "MAX_MONO_LOSS_LU",
    "MAX_NEGATIVE_CORRELATION_PCT",
    "MERGE_GAP_S",
    "Over",
    "QCCheck",
    "QCReport",
    "ServiceGain",
    "qc_file",
    "qc_report",
]

#: Step of the loudness curves the report keeps (s): a delivery report's resolution.
CURVE_STEP_S = 0.1
#: Overs closer together than this (s) are reported as one place.
MERGE_GAP_S = 0.1
#: A fold to mono that loses more than this (LU) is worth a look (unrelated channels: ~3).
MAX_MONO_LOSS_LU = 3.0
#: Correlation below zero for more than this share of the time (%) is worth a look.
MAX_NEGATIVE_CORRELATION_PCT = 5.0
#: Without a target, overs are counted against full scale.
FULL_SCALE_DBTP = 0.0
#: The report's format version (``to_dict()["format"]``).
FORMAT = "studio.qc/1"

_SHOWN_OVERS = 5  # overs written out in the text before "n more"
_STEP_HOPS = 10  # the meter's 10 ms hops per CURVE_STEP_S
_COLOURS = {"passed": "#2e8b57", "warning": "#d08a1c", "problem": "#c0392b", "info": "#3b82c4"}
_SEVERITY = ("passed", "info", "warning", "problem")

OverKind = Literal["sample", "inter_sample"]


# ----------------------------------------------------------------------------- parts


@dataclass(frozen=True)
class Over:
    """One place where the master goes over: on a sample, or between samples.

    Attributes
    ----------
    kind : {"sample", "inter_sample"}
        ``"sample"``: a sample reaches full scale or the ceiling. ``"inter_sample"``: the
        waveform rebuilt between the samples goes above the ceiling while the samples
        there stay under it (a DAC or a lossy encoder will clip it).
    start_s, end_s : float
        Where it is, in seconds (nearby overs merged, see :data:`MERGE_GAP_S`).
    peak_db : float
        How high it goes: dBFS for a sample over, dBTP for an inter-sample one.
    count : int
        Samples over (counted per channel) for a sample over; 10 ms stretches over for
        an inter-sample one.
    """

    kind: OverKind
    start_s: float
    end_s: float
    peak_db: float
    count: int

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "kind": self.kind,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "peak_db": _enc(self.peak_db),
            "count": self.count,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Over:
        """An over from :meth:`to_dict`'s data."""
        return cls(
            kind=data["kind"],
            start_s=float(data["start_s"]),
            end_s=float(data["end_s"]),
            peak_db=_dec(data["peak_db"]),
            count=int(data["count"]),
        )

    @property
    def line(self) -> str:
        """Where and how high, in words."""
        unit = "dBFS" if self.kind == "sample" else "dBTP"
        return t(
            f"qc.overs.{self.kind}",
            start_s=self.start_s,
            end_s=self.end_s,
            peak_db=self.peak_db,
            unit=unit,
            count=self.count,
        )


@dataclass(frozen=True)
class ServiceGain:
    """What one target's playback does to this master's level.

    Attributes
    ----------
    key : str
        The target's key (``"spotify"``).
    gain_db : float
        The gain playback applies (negative: turned down).
    wanted_db : float
        The gain that would bring the master to the target's reference level (0 when
        the target normalises nothing); larger than ``gain_db`` when the raise is held
        back by the true peak or the target never raises.
    lufs_after : float
        The loudness the listener hears.
    true_peak_after_dbtp : float
        The master's true peak after the gain.
    """

    key: str
    gain_db: float
    wanted_db: float
    lufs_after: float
    true_peak_after_dbtp: float

    @property
    def name(self) -> str:
        """The target's name in words."""
        return target(self.key).name

    @property
    def held_back(self) -> bool:
        """True when the service would raise the master further but does not."""
        return self.wanted_db - self.gain_db > 0.05

    @property
    def line(self) -> str:
        """What the listener gets, in words."""
        fields = {
            "gain_db": self.gain_db,
            "lufs_after": self.lufs_after,
            "true_peak_after_dbtp": self.true_peak_after_dbtp,
            "wanted_db": self.wanted_db,
        }
        if not math.isfinite(self.lufs_after):
            return t("qc.playback.silent")
        if abs(self.gain_db) < 0.05 and not self.held_back:
            return t("qc.playback.unchanged", **fields)
        key = "down" if self.gain_db < 0 else "up"
        line = t(f"qc.playback.{key}", **fields)
        if self.held_back:
            line += " " + t("qc.playback.held_back", **fields)
        return line

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "key": self.key,
            "gain_db": _enc(self.gain_db),
            "wanted_db": _enc(self.wanted_db),
            "lufs_after": _enc(self.lufs_after),
            "true_peak_after_dbtp": _enc(self.true_peak_after_dbtp),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServiceGain:
        """A service gain from :meth:`to_dict`'s data."""
        return cls(
            key=str(data["key"]),
            gain_db=_dec(data["gain_db"]),
            wanted_db=_dec(data["wanted_db"]),
            lufs_after=_dec(data["lufs_after"]),
            true_peak_after_dbtp=_dec(data["true_peak_after_dbtp"]),
        )


def service_gain(tgt: Target, integrated_lufs: float, true_peak_dbtp: float) -> ServiceGain:
    """What ``tgt``'s playback does to a master measuring these figures."""
    gain = tgt.playback_gain_db(integrated_lufs, true_peak_dbtp)
    if tgt.normalisation == "none" or not math.isfinite(integrated_lufs):
        wanted = 0.0
    else:
        wanted = tgt.reference_lufs - integrated_lufs
    return ServiceGain(
        key=tgt.key,
        gain_db=gain,
        wanted_db=wanted,
        lufs_after=integrated_lufs + gain,
        true_peak_after_dbtp=true_peak_dbtp + gain,
    )


@dataclass(frozen=True)
class QCCheck:
    """One check of the report: its status and the catalogue line that says what it found.

    Attributes
    ----------
    name : str
        ``"loudness"``, ``"true_peak"``, ``"overs"``, ``"mono"`` or ``"phase"``.
    status : {"passed", "info", "warning", "problem"}
        A *problem* fails the delivery; a *warning* is worth a look.
    key : str
        The line's key under ``qc.lines``.
    fields : Mapping[str, Any]
        The values the line needs (plain numbers and strings).
    """

    name: str
    status: str
    key: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in _SEVERITY:
            raise ParameterError(
                f"QCCheck: status must be one of {', '.join(_SEVERITY)}, not {self.status!r}."
            )
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    def __reduce__(self) -> tuple[Any, ...]:
        # A read-only mapping does not pickle; a report travels to and from worker
        # processes, so it is rebuilt from a plain dict.
        return (QCCheck, (self.name, self.status, self.key, dict(self.fields)))

    @property
    def label(self) -> str:
        """The check's name in words."""
        return t(f"qc.checks.{self.name}")

    @property
    def status_text(self) -> str:
        """``fine``, ``note``, ``warning`` or ``problem`` in words."""
        return t(f"qc.status.{self.status}")

    @property
    def colour(self) -> str:
        """The colour of its status in a report."""
        return _COLOURS[self.status]

    @property
    def line(self) -> str:
        """What the check found, in one line."""
        return t(f"qc.lines.{self.key}", **self.fields)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (the line included, in the current language)."""
        return {
            "name": self.name,
            "status": self.status,
            "key": self.key,
            "fields": {k: _enc(v) if isinstance(v, float) else v for k, v in self.fields.items()},
            "line": self.line,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QCCheck:
        """A check from :meth:`to_dict`'s data."""
        fields = {
            k: _dec(v) if isinstance(v, str) and v in _NON_FINITE else v
            for k, v in dict(data.get("fields", {})).items()
        }
        return cls(str(data["name"]), str(data["status"]), str(data["key"]), fields)


# ------------------------------------------------------------------------------ report


@dataclass(frozen=True, eq=False)
class QCReport:
    """The quality-control report of one master against one delivery target.

    Attributes
    ----------
    name : str or None
        The master's name (its file name when read from a file).
    target_key : str or None
        The target judged against (None: figures only, overs against full scale).
    sr, n_channels, duration_s
        Sample rate (Hz), channels, length (s).
    integrated_lufs, lra_lu, max_momentary_lufs, max_short_term_lufs : float
        Loudness figures (``-inf`` where there is nothing to measure).
    true_peak_dbtp, sample_peak_dbfs, plr_db, median_psr_db, min_psr_db : float
        Peak and density figures (PSR NaN where no window is above the gate).
    correlation, mono_loss_lu, negative_correlation_pct : float
        Stereo figures: overall correlation, loudness lost in a mono fold, share of
        the time the correlation is below zero.
    ceiling_dbtp : float
        The ceiling overs are judged against (the target's, or 0 dBTP).
    momentary_lufs, short_term_lufs : numpy.ndarray
        Loudness curves every :data:`CURVE_STEP_S` seconds, ...
    momentary_times_s, short_term_times_s : numpy.ndarray
        ... at these times (the end of each window).
    overs : tuple of Over
        Every over, on-sample and inter-sample, in time order.
    checks : tuple of QCCheck
        Loudness, true peak, overs, mono and phase.
    services : tuple of ServiceGain
        What every target's playback does to the master.
    path : str or None
        The file the report was measured from, if any.
    subtype : str or None
        The file's encoding (soundfile subtype), if read from a file.
    """

    name: str | None
    target_key: str | None
    sr: int
    n_channels: int
    duration_s: float
    integrated_lufs: float
    lra_lu: float
    max_momentary_lufs: float
    max_short_term_lufs: float
    true_peak_dbtp: float
    sample_peak_dbfs: float
    plr_db: float
    median_psr_db: float
    min_psr_db: float
    correlation: float
    mono_loss_lu: float
    negative_correlation_pct: float
    ceiling_dbtp: float
    momentary_lufs: np.ndarray = field(repr=False)
    momentary_times_s: np.ndarray = field(repr=False)
    short_term_lufs: np.ndarray = field(repr=False)
    short_term_times_s: np.ndarray = field(repr=False)
    overs: tuple[Over, ...] = ()
    checks: tuple[QCCheck, ...] = ()
    services: tuple[ServiceGain, ...] = ()
    path: str | None = None
    subtype: str | None = None

    # ----------------------------------------------------------------------- verdict

    @property
    def target(self) -> Target | None:
        """The target judged against, or None."""
        return None if self.target_key is None else target(self.target_key)

    @property
    def loudness_ok(self) -> bool | None:
        """Integrated loudness within the target's tolerance (None without a target)."""
        tgt = self.target
        if tgt is None:
            return None
        return bool(abs(self.integrated_lufs - tgt.integrated_lufs) <= tgt.tolerance_lu + 1e-9)

    @property
    def ceiling_ok(self) -> bool:
        """True peak at or under the ceiling."""
        return bool(self.true_peak_dbtp <= self.ceiling_dbtp + 1e-6)

    @property
    def target_met(self) -> bool | None:
        """Loudness within tolerance and the ceiling held (None without a target)."""
        loud = self.loudness_ok
        return None if loud is None else loud and self.ceiling_ok

    @property
    def ok(self) -> bool:
        """No check is a problem (the target met, no overs)."""
        return not any(c.status == "problem" for c in self.checks)

    @property
    def sample_overs(self) -> tuple[Over, ...]:
        """The on-sample overs."""
        return tuple(o for o in self.overs if o.kind == "sample")

    @property
    def inter_sample_overs(self) -> tuple[Over, ...]:
        """The inter-sample overs."""
        return tuple(o for o in self.overs if o.kind == "inter_sample")

    def check(self, name: str) -> QCCheck:
        """One check by name (``"overs"``)."""
        for c in self.checks:
            if c.name == name:
                return c
        names = ", ".join(c.name for c in self.checks)
        raise ParameterError(f"QCReport: no check {name!r}; the checks are {names}.")

    def service(self, key: str) -> ServiceGain:
        """What one target's playback does (``report.service("spotify").gain_db``)."""
        wanted = target(key).key
        for s in self.services:
            if s.key == wanted:
                return s
        raise ParameterError(f"QCReport: no playback figures for {key!r}.")

    # ------------------------------------------------------------------------- words

    @property
    def heading(self) -> str:
        """First line: what was measured."""
        minutes, seconds = divmod(round(self.duration_s, 1), 60.0)
        fields = {
            "name": repr(self.name),
            "channels": self.n_channels,
            "duration": f"{int(minutes)}:{seconds:04.1f}",
            "sr": self.sr,
        }
        return t("qc.heading.named" if self.name else "qc.heading.unnamed", **fields)

    @property
    def verdict(self) -> str:
        """One line: the target met or missed, and why."""
        tgt = self.target
        fields: dict[str, Any] = {
            "integrated_lufs": self.integrated_lufs,
            "true_peak_dbtp": self.true_peak_dbtp,
            "ceiling_dbtp": self.ceiling_dbtp,
        }
        if tgt is None:
            return t("qc.verdict.no_target", **fields)
        fields.update(
            target=tgt.name,
            target_lufs=tgt.integrated_lufs,
            tolerance_lu=tgt.tolerance_lu,
            off_lu=self.integrated_lufs - tgt.integrated_lufs,
        )
        if self.target_met:
            return t("qc.verdict.met", **fields)
        if not self.loudness_ok and not self.ceiling_ok:
            return t("qc.verdict.missed_both", **fields)
        if not self.loudness_ok:
            return t("qc.verdict.missed_loudness", **fields)
        return t("qc.verdict.missed_ceiling", **fields)

    def _figures(self) -> list[tuple[str, str, str]]:
        rows = [
            ("integrated", self.integrated_lufs, "LUFS", 1),
            ("lra", self.lra_lu, "LU", 1),
            ("max_momentary", self.max_momentary_lufs, "LUFS", 1),
            ("max_short_term", self.max_short_term_lufs, "LUFS", 1),
            ("true_peak", self.true_peak_dbtp, "dBTP", 2),
            ("sample_peak", self.sample_peak_dbfs, "dBFS", 2),
            ("plr", self.plr_db, "dB", 1),
            ("median_psr", self.median_psr_db, "dB", 1),
            ("correlation", self.correlation, "", 2),
            ("mono_loss", self.mono_loss_lu, "LU", 1),
        ]
        out = [(t(f"qc.figures.{row}"), _number(v, d), unit) for row, v, unit, d in rows]
        if self.subtype:
            out.append((t("qc.figures.encoding"), self.subtype, ""))
        return out

    def _over_lines(self) -> list[str]:
        lines = [o.line for o in self.overs[:_SHOWN_OVERS]]
        if len(self.overs) > _SHOWN_OVERS:
            lines.append(t("qc.overs.more", n=len(self.overs) - _SHOWN_OVERS))
        return lines

    def summary(self) -> str:
        """The report as text: heading, verdict, figures, checks, overs, playback."""
        lines = [self.heading, self.verdict, ""]
        lines += report_table_lines(self._figures(), self.checks)
        if self.overs:
            lines += ["", t("qc.overs.heading", n=len(self.overs))]
            lines += [f"  {line}" for line in self._over_lines()]
        if self.services:
            lines += ["", t("qc.playback.heading")]
            name_width = max(len(s.name) for s in self.services) + 2
            for s in self.services:
                gain = _number(s.gain_db, 1, sign=True)
                lines.append(f"  {s.name:<{name_width}}{gain:>6} dB  {s.line}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        name = f"{self.name!r}, " if self.name else ""
        return (
            f"QCReport({name}target={self.target_key!r}, met={self.target_met}, "
            f"integrated_lufs={self.integrated_lufs:.1f}, "
            f"true_peak_dbtp={self.true_peak_dbtp:.2f}, overs={len(self.overs)})"
        )

    def _repr_html_(self) -> str:
        worst = max((c.status for c in self.checks), key=_SEVERITY.index, default="passed")
        figure_rows = figure_rows_html(self._figures())
        check_rows = check_rows_html(self.checks)
        parts = [
            f'<div style="font-weight:600">{html.escape(self.heading)}</div>',
            f'<div style="color:{_COLOURS[worst]};font-weight:600;margin:2px 0 6px 0">'
            f"{html.escape(self.verdict)}</div>",
            f'<table style="border-collapse:collapse;margin:0 0 6px 0">{figure_rows}</table>',
            f'<table style="border-collapse:collapse;margin:0 0 6px 0">{check_rows}</table>',
        ]
        if self.overs:
            items = "".join(f"<li>{html.escape(line)}</li>" for line in self._over_lines())
            parts.append(
                f"<div>{html.escape(t('qc.overs.heading', n=len(self.overs)))}</div>"
                f'<ul style="margin:0 0 6px 0">{items}</ul>'
            )
        if self.services:
            rows = figure_rows_html(
                (s.name, f"{_number(s.gain_db, 1, sign=True)} dB", s.line) for s in self.services
            )
            parts.append(
                f"<div>{html.escape(t('qc.playback.heading'))}</div>"
                f'<table style="border-collapse:collapse">{rows}</table>'
            )
        return (
            '<div class="studio-qc-report" style="font-family:var(--jp-ui-font-family,'
            "system-ui,sans-serif);font-size:var(--jp-ui-font-size1,13px);line-height:1.45;"
            f'max-width:60em">{"".join(parts)}</div>'
        )

    # -------------------------------------------------------------------------- JSON

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: figures, curves, overs, checks, playback, verdict.

        Infinite and NaN figures are written as the strings ``"-inf"``, ``"inf"`` and
        ``"nan"`` (JSON has no numbers for them); :meth:`from_dict` reads them back.
        """
        scalars = {
            name: _enc(getattr(self, name))
            for name in (
                "integrated_lufs",
                "lra_lu",
                "max_momentary_lufs",
                "max_short_term_lufs",
                "true_peak_dbtp",
                "sample_peak_dbfs",
                "plr_db",
                "median_psr_db",
                "min_psr_db",
                "correlation",
                "mono_loss_lu",
                "negative_correlation_pct",
                "ceiling_dbtp",
            )
        }
        return {
            "format": FORMAT,
            "name": self.name,
            "path": self.path,
            "subtype": self.subtype,
            "target": self.target_key,
            "target_met": self.target_met,
            "loudness_ok": self.loudness_ok,
            "ceiling_ok": self.ceiling_ok,
            "ok": self.ok,
            "verdict": self.verdict,
            "sr": self.sr,
            "n_channels": self.n_channels,
            "duration_s": self.duration_s,
            **scalars,
            "curves": {
                "step_s": CURVE_STEP_S,
                "momentary_times_s": _enc_array(self.momentary_times_s),
                "momentary_lufs": _enc_array(self.momentary_lufs),
                "short_term_times_s": _enc_array(self.short_term_times_s),
                "short_term_lufs": _enc_array(self.short_term_lufs),
            },
            "overs": [o.to_dict() for o in self.overs],
            "checks": [c.to_dict() for c in self.checks],
            "services": [s.to_dict() for s in self.services],
        }

    def to_json(self, path: str | Path | None = None, *, indent: int | None = 1) -> str:
        """The report as JSON text; also written to ``path`` when one is given."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False)
        if path is not None:
            Path(path).expanduser().write_text(text + "\n", encoding="utf-8")
        return text

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QCReport:
        """A report from :meth:`to_dict`'s data (or the parsed JSON of :meth:`to_json`).

        Raises
        ------
        ParameterError
            If the data are not a QC report of this format.
        """
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, Mapping) else type(data).__name__
            raise ParameterError(
                f"QCReport.from_dict: expected data with format {FORMAT!r}, got {found!r}."
            )
        curves = data["curves"]
        return cls(
            name=data.get("name"),
            target_key=data.get("target"),
            sr=int(data["sr"]),
            n_channels=int(data["n_channels"]),
            duration_s=float(data["duration_s"]),
            integrated_lufs=_dec(data["integrated_lufs"]),
            lra_lu=_dec(data["lra_lu"]),
            max_momentary_lufs=_dec(data["max_momentary_lufs"]),
            max_short_term_lufs=_dec(data["max_short_term_lufs"]),
            true_peak_dbtp=_dec(data["true_peak_dbtp"]),
            sample_peak_dbfs=_dec(data["sample_peak_dbfs"]),
            plr_db=_dec(data["plr_db"]),
            median_psr_db=_dec(data["median_psr_db"]),
            min_psr_db=_dec(data["min_psr_db"]),
            correlation=_dec(data["correlation"]),
            mono_loss_lu=_dec(data["mono_loss_lu"]),
            negative_correlation_pct=_dec(data["negative_correlation_pct"]),
            ceiling_dbtp=_dec(data["ceiling_dbtp"]),
            momentary_lufs=_dec_array(curves["momentary_lufs"]),
            momentary_times_s=_dec_array(curves["momentary_times_s"]),
            short_term_lufs=_dec_array(curves["short_term_lufs"]),
            short_term_times_s=_dec_array(curves["short_term_times_s"]),
            overs=tuple(Over.from_dict(o) for o in data.get("overs", ())),
            checks=tuple(QCCheck.from_dict(c) for c in data.get("checks", ())),
            services=tuple(ServiceGain.from_dict(s) for s in data.get("services", ())),
            path=data.get("path"),
            subtype=data.get("subtype"),
        )

    @classmethod
    def from_json(cls, text_or_path: str | Path) -> QCReport:
        """A report from JSON text or a ``.json`` file written by :meth:`to_json`."""
        text = str(text_or_path)
        if not text.lstrip().startswith("{"):
            text = Path(text_or_path).expanduser().read_text(encoding="utf-8")
        return cls.from_dict(json.loads(text))


# --------------------------------------------------------------------------- building


def qc_report(
    audio: Audio,
    target: str | Target | None = "spotify",
    *,
    measurement: Measurement | None = None,
    path: str | Path | None = None,
    subtype: str | None = None,
) -> QCReport:
    """Measure a master and judge it against a delivery target.

    Parameters
    ----------
    audio : Audio
        The master (mono or stereo; surround is measured, its mono check left out).
    target : str, Target or None
        The delivery target (``"spotify"``, ``"ebu_r128"``...; see
        :data:`~studio.mastering.targets.TARGETS`). None reports the figures and the
        overs against full scale, with no verdict.
    measurement : Measurement, optional
        ``studio.measure(audio)`` if you already have it (it is not measured again).
    path, subtype : str, optional
        The file the master was read from and its encoding, shown in the report.

    Returns
    -------
    QCReport

    Raises
    ------
    AudioDataError
        If ``audio`` is not an :class:`~studio.Audio`, is empty or holds NaN/Inf.
    ParameterError
        If there is no target of that name.

    Examples
    --------
    >>> import numpy as np
    >>> from studio import Audio
    >>> x = 10 ** (-14 / 20) * np.sin(2 * np.pi * 997 * np.arange(5 * 48000) / 48000)
    >>> r = qc_report(Audio(np.stack([x, x]), 48000, "tone"), "spotify")
    >>> r.target_met, round(r.integrated_lufs, 1)
    (True, -14.0)
    """
    if not isinstance(audio, Audio):
        raise AudioDataError(
            f"qc_report() takes a studio.Audio, got {type(audio).__name__}; wrap samples "
            "with studio.Audio(samples, sr)."
        )
    from studio.mastering.targets import target as find_target

    tgt = None if target is None else find_target(target)
    m = measure(audio) if measurement is None else measurement
    ceiling = FULL_SCALE_DBTP if tgt is None else tgt.true_peak_dbtp
    overs = _sample_overs(audio, ceiling) + _inter_sample_overs(audio, m, ceiling)
    overs = tuple(sorted(overs, key=lambda o: (o.start_s, o.kind)))
    negative_pct = _negative_pct(m.correlation_over_time)
    checks = _checks(m, tgt, ceiling, overs, negative_pct)
    services = tuple(service_gain(s, m.integrated_lufs, m.true_peak_dbtp) for s in TARGETS.values())
    return QCReport(
        name=audio.name,
        target_key=None if tgt is None else tgt.key,
        sr=m.sr,
        n_channels=m.n_channels,
        duration_s=m.duration_s,
        integrated_lufs=m.integrated_lufs,
        lra_lu=m.lra_lu,
        max_momentary_lufs=m.max_momentary_lufs,
        max_short_term_lufs=m.max_short_term_lufs,
        true_peak_dbtp=m.true_peak_dbtp,
        sample_peak_dbfs=m.sample_peak_dbfs,
        plr_db=m.plr_db,
        median_psr_db=m.median_psr_db,
        min_psr_db=m.min_psr_db,
        correlation=m.correlation,
        mono_loss_lu=m.mono_loss_lu,
        negative_correlation_pct=negative_pct,
        ceiling_dbtp=ceiling,
        momentary_lufs=_thin(m.momentary_lufs),
        momentary_times_s=_thin(m.momentary_times_s),
        short_term_lufs=_thin(m.short_term_lufs),
        short_term_times_s=_thin(m.short_term_times_s),
        overs=overs,
        checks=checks,
        services=services,
        path=None if path is None else str(path),
        subtype=subtype,
    )


def qc_file(path: str | Path, target: str | Target | None = "spotify") -> QCReport:
    """Load a master from a file and report on it (as it was written, its encoding shown).

    Raises
    ------
    AudioFileError
        If the file cannot be read.
    AudioDataError
        If it holds NaN/Inf or no samples.
    """
    import soundfile as sf

    from studio.io import load

    file = Path(path).expanduser()
    audio = load(file, dtype="float64")
    try:
        subtype: str | None = sf.info(str(file)).subtype
    except (sf.SoundFileError, RuntimeError):  # pragma: no cover - load() read it already
        subtype = None
    return qc_report(audio, target, path=file, subtype=subtype)


def _thin(values: np.ndarray) -> np.ndarray:
    """Every tenth value of a 10 ms curve (from the first): one every :data:`CURVE_STEP_S`."""
    out = np.array(values[::_STEP_HOPS], dtype=np.float64)
    out.flags.writeable = False
    return out


def _negative_pct(series: np.ndarray) -> float:
    valid = series[np.isfinite(series)]
    if not valid.size:
        return 0.0
    return float(100.0 * np.count_nonzero(valid < 0.0) / valid.size)


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of each run of True in a 1-D mask."""
    edges = np.diff(np.concatenate(([0], mask.view(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _merge(starts: np.ndarray, ends: np.ndarray, gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Runs closer than ``gap`` joined: (first, last) indices into ``starts``/``ends``."""
    breaks = np.flatnonzero(starts[1:] - ends[:-1] > gap)
    first = np.concatenate(([0], breaks + 1))
    last = np.concatenate((breaks, [len(starts) - 1]))
    return first, last


def _sample_overs(audio: Audio, ceiling_dbtp: float) -> tuple[Over, ...]:
    """Samples at full scale or above the ceiling, as merged places in time."""
    limit = 10.0 ** (ceiling_dbtp / 20.0)
    x = audio.samples
    frame_peak = np.max(np.abs(x), axis=0)
    over = (frame_peak > limit) | (frame_peak >= 1.0)
    if not over.any():
        return ()
    per_channel = (np.abs(x) > limit) | (np.abs(x) >= 1.0)
    starts, ends = _runs(over)
    first, last = _merge(starts, ends, int(round(MERGE_GAP_S * audio.sr)))
    counts = np.concatenate(([0], np.cumsum(np.count_nonzero(per_channel, axis=0))))
    out = []
    for a, b in zip(first, last, strict=True):
        s, e = int(starts[a]), int(ends[b])
        peak = float(np.max(frame_peak[s:e]))
        out.append(
            Over(
                kind="sample",
                start_s=s / audio.sr,
                end_s=e / audio.sr,
                peak_db=20.0 * math.log10(peak),
                count=int(counts[e] - counts[s]),
            )
        )
    return tuple(out)


def _inter_sample_overs(audio: Audio, m: Measurement, ceiling_dbtp: float) -> tuple[Over, ...]:
    """10 ms stretches whose true peak is above the ceiling while their samples are not.

    Only looked for when the measured true peak is above the ceiling: the true-peak
    trace costs as much as the true peak itself.
    """
    if not m.true_peak_dbtp > ceiling_dbtp + 1e-6:
        return ()
    from studio.dsp.loudness import SERIES_HOP_S
    from studio.dsp.truepeak import peak_envelope

    env = peak_envelope(audio.samples, audio.sr, hop_s=SERIES_HOP_S, what=audio.name or "audio")
    true_hop = np.max(env.true_peak_dbtp, axis=0, initial=-np.inf)
    sample_hop = np.max(env.sample_peak_dbfs, axis=0, initial=-np.inf)
    sample_limit = min(ceiling_dbtp, 0.0)
    mask = (true_hop > ceiling_dbtp + 1e-6) & (sample_hop <= sample_limit)
    if not mask.any():
        return ()
    starts, ends = _runs(mask)
    first, last = _merge(starts, ends, int(round(MERGE_GAP_S / SERIES_HOP_S)))
    out = []
    for a, b in zip(first, last, strict=True):
        s, e = int(starts[a]), int(ends[b])
        stretch = mask[s:e]
        out.append(
            Over(
                kind="inter_sample",
                start_s=s * SERIES_HOP_S,
                end_s=e * SERIES_HOP_S,
                peak_db=float(np.max(true_hop[s:e][stretch])),
                count=int(np.count_nonzero(stretch)),
            )
        )
    return tuple(out)


def _checks(
    m: Measurement,
    tgt: Target | None,
    ceiling: float,
    overs: Sequence[Over],
    negative_pct: float,
) -> tuple[QCCheck, ...]:
    checks = []
    lufs = m.integrated_lufs
    if not math.isfinite(lufs):
        checks.append(QCCheck("loudness", "problem", "loudness_silent"))
    elif tgt is None:
        checks.append(QCCheck("loudness", "info", "loudness_no_target", {"lufs": lufs}))
    else:
        fields = {
            "lufs": lufs,
            "target_lufs": tgt.integrated_lufs,
            "tolerance_lu": tgt.tolerance_lu,
            "off_lu": lufs - tgt.integrated_lufs,
        }
        if abs(lufs - tgt.integrated_lufs) <= tgt.tolerance_lu + 1e-9:
            checks.append(QCCheck("loudness", "passed", "loudness_met", fields))
        else:
            key = "loudness_loud" if lufs > tgt.integrated_lufs else "loudness_quiet"
            checks.append(QCCheck("loudness", "problem", key, fields))
    tp_fields = {"true_peak_dbtp": m.true_peak_dbtp, "ceiling_dbtp": ceiling}
    if m.true_peak_dbtp <= ceiling + 1e-6:
        checks.append(QCCheck("true_peak", "passed", "true_peak_held", tp_fields))
    else:
        checks.append(QCCheck("true_peak", "problem", "true_peak_over", tp_fields))
    n_sample = sum(o.kind == "sample" for o in overs)
    n_inter = len(overs) - n_sample
    over_fields = {"sample": n_sample, "inter_sample": n_inter, "ceiling_dbtp": ceiling}
    if overs:
        checks.append(QCCheck("overs", "problem", "overs_found", over_fields))
    else:
        checks.append(QCCheck("overs", "passed", "overs_none", over_fields))
    loss = m.mono_loss_lu
    if m.n_channels == 1:
        checks.append(QCCheck("mono", "passed", "mono_is_mono"))
    elif math.isnan(loss):
        checks.append(QCCheck("mono", "info", "mono_unmeasured"))
    elif math.isinf(loss):
        checks.append(QCCheck("mono", "problem", "mono_cancels"))
    elif loss > MAX_MONO_LOSS_LU:
        checks.append(QCCheck("mono", "warning", "mono_loss", {"loss_lu": loss}))
    else:
        checks.append(QCCheck("mono", "passed", "mono_fine", {"loss_lu": loss}))
    corr_fields = {"correlation": m.correlation, "negative_pct": negative_pct}
    if m.n_channels == 1:
        checks.append(QCCheck("phase", "passed", "phase_mono"))
    elif math.isnan(m.correlation):
        checks.append(QCCheck("phase", "info", "phase_unmeasured"))
    elif m.correlation < 0.0:
        checks.append(QCCheck("phase", "problem", "phase_inverted", corr_fields))
    elif negative_pct > MAX_NEGATIVE_CORRELATION_PCT:
        checks.append(QCCheck("phase", "warning", "phase_negative_at_times", corr_fields))
    else:
        checks.append(QCCheck("phase", "passed", "phase_fine", corr_fields))
    return tuple(checks)


# ------------------------------------------------------------------------------ JSON


_NON_FINITE = {"-inf": -math.inf, "inf": math.inf, "nan": math.nan}


def _enc(value: float) -> float | str:
    v = float(value)
    if math.isfinite(v):
        return v
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def _dec(value: Any) -> float:
    if isinstance(value, str):
        return _NON_FINITE[value]
    if value is None:
        return math.nan
    return float(value)


def _enc_array(values: np.ndarray) -> list[float | str]:
    arr = np.round(np.asarray(values, dtype=np.float64), 4)
    if np.all(np.isfinite(arr)):
        return [float(v) for v in arr.tolist()]
    return [_enc(v) for v in arr.tolist()]


def _dec_array(values: Sequence[Any]) -> np.ndarray:
    out = np.array([_dec(v) for v in values], dtype=np.float64)
    out.flags.writeable = False
    return out


def _number(value: float, decimals: int = 1, *, sign: bool = False) -> str:
    if math.isnan(value):
        return t("qc.not_available")
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    text = f"{value:.{decimals}f}"
    if float(text) == 0.0:
        return text.lstrip("-")
    return f"+{text}" if sign and value > 0 else text
