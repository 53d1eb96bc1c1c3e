"""Streaming normalisation preview: the master as a listener hears it on each service.

Every streaming service measures a song's integrated loudness and plays it back at its
own reference level. A master louder than the reference is turned down, so the loudness
bought with limiting is lost and only its side effects (flattened transients, less
punch) remain; a quieter master is turned up by the services that raise (Spotify, Apple
Music, the broadcast rules) but only while its true peak stays under their limit, so a
quiet master with high peaks stays quieter than the rest of the playlist.

:func:`normalisation_preview` works this out for every target (or those you name) from
one measurement (:func:`studio.measure`) and each target's rule
(:meth:`~studio.mastering.targets.Target.playback_gain_db`): the gain, the loudness the
listener hears, the peak after the gain, and the audio itself, scaled by that gain, to
play against the others::

    preview = normalisation_preview(master)
    preview               # a table in a notebook
    preview.audio("spotify")   # the master as Spotify plays it (an Audio)

The audio is made when asked for (one copy per service would be a lot of memory for a
whole song). Only the level changes: a service's own limiter (Spotify's loud mode) and
its codec are not simulated here.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from studio.analysis.meter import Measurement, measure
from studio.audio import Audio
from studio.errors import AudioDataError, ParameterError
from studio.mastering.qc import ServiceGain, service_gain
from studio.mastering.targets import TARGETS, Target, target
from studio.text import t

__all__ = ["NormalisationPreview", "normalisation_preview"]


@dataclass(frozen=True, eq=False)
class NormalisationPreview:
    """What each service's loudness normalisation does to one master.

    Attributes
    ----------
    master : Audio
        The master as delivered.
    integrated_lufs, true_peak_dbtp : float
        Its figures, as the services measure them.
    services : tuple of ServiceGain
        One row per target: gain, loudness after, true peak after.
    """

    master: Audio
    integrated_lufs: float
    true_peak_dbtp: float
    services: tuple[ServiceGain, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """The targets in the preview, in order."""
        return tuple(s.key for s in self.services)

    def service(self, key: str | Target) -> ServiceGain:
        """One target's row (``preview.service("spotify").gain_db``)."""
        wanted = target(key).key
        for s in self.services:
            if s.key == wanted:
                return s
        raise ParameterError(
            f"normalisation preview: {wanted!r} is not in it; it has {', '.join(self.keys)}."
        )

    def gain_db(self, key: str | Target) -> float:
        """The gain (dB) a target's playback applies."""
        return self.service(key).gain_db

    def audio(self, key: str | Target, start_s: float = 0.0, stop_s: float | None = None) -> Audio:
        """The master as a listener of ``key`` hears it (only the level changes).

        Parameters
        ----------
        key : str or Target
            The target (``"spotify"``).
        start_s, stop_s : float, optional
            Only this stretch (seconds), for a short preview.
        """
        row = self.service(key)
        part = self.master.segment(start_s, stop_s)
        scale = 10.0 ** (row.gain_db / 20.0)
        name = t("normalisation.audio_name", name=self.master.name or "", service=row.name)
        dtype = part.samples.dtype if part.samples.dtype.kind == "f" else np.dtype(np.float64)
        return Audio(part.samples * dtype.type(scale), part.sr, name.strip())

    def audios(self, start_s: float = 0.0, stop_s: float | None = None) -> dict[str, Audio]:
        """Every target's version of the master, by key (pass a stretch for a preview)."""
        return {key: self.audio(key, start_s, stop_s) for key in self.keys}

    def rows(self) -> list[dict[str, Any]]:
        """The table as plain data: one dict per target."""
        return [
            {
                "key": s.key,
                "name": s.name,
                "rule": target(s.key).rule_text,
                "gain_db": s.gain_db,
                "wanted_db": s.wanted_db,
                "lufs_after": s.lufs_after,
                "true_peak_after_dbtp": s.true_peak_after_dbtp,
                "held_back": s.held_back,
            }
            for s in self.services
        ]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (non-finite figures as ``None``)."""

        def finite(v: float) -> float | None:
            return v if math.isfinite(v) else None

        rows = []
        for row in self.rows():
            rows.append({k: finite(v) if isinstance(v, float) else v for k, v in row.items()})
        return {
            "name": self.master.name,
            "integrated_lufs": finite(self.integrated_lufs),
            "true_peak_dbtp": finite(self.true_peak_dbtp),
            "services": rows,
        }

    def _cells(self) -> list[tuple[str, str, str, str, str]]:
        out = []
        for s in self.services:
            out.append(
                (
                    s.name,
                    _number(s.gain_db, sign=True),
                    _number(s.lufs_after),
                    _number(s.true_peak_after_dbtp),
                    s.line,
                )
            )
        return out

    def _headings(self) -> tuple[str, str, str, str, str]:
        return (
            t("normalisation.columns.service"),
            t("normalisation.columns.gain"),
            t("normalisation.columns.loudness"),
            t("normalisation.columns.peak"),
            t("normalisation.columns.what"),
        )

    @property
    def heading(self) -> str:
        """The first line: the master's figures."""
        return t(
            "normalisation.heading",
            name=repr(self.master.name) if self.master.name else "",
            integrated_lufs=self.integrated_lufs,
            true_peak_dbtp=self.true_peak_dbtp,
        )

    def table(self) -> str:
        """The preview as a text table."""
        rows = [self._headings(), *self._cells()]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = [self.heading, ""]
        for r in rows:
            name = f"{r[0]:<{widths[0]}}"
            nums = "  ".join(f"{r[i]:>{widths[i]}}" for i in (1, 2, 3))
            lines.append(f"  {name}  {nums}  {r[4]}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return (
            f"NormalisationPreview({self.master.name!r}, "
            f"integrated_lufs={self.integrated_lufs:.1f}, services={len(self.services)})"
        )

    def _repr_html_(self) -> str:
        cell = "padding:1px 12px 1px 0;text-align:left"
        num = f"{cell};text-align:right;font-variant-numeric:tabular-nums"
        head = "".join(
            f'<th style="{num if 0 < i < 4 else cell}">{html.escape(h)}</th>'
            for i, h in enumerate(self._headings())
        )
        body = "".join(
            "<tr>"
            + "".join(
                f'<td style="{num if 0 < i < 4 else cell}">{html.escape(c)}</td>'
                for i, c in enumerate(row)
            )
            + "</tr>"
            for row in self._cells()
        )
        return (
            '<div class="studio-normalisation" style="font-family:var(--jp-ui-font-family,'
            'system-ui,sans-serif);font-size:var(--jp-ui-font-size1,13px)">'
            f'<div style="font-weight:600">{html.escape(self.heading)}</div>'
            f'<table style="border-collapse:collapse"><tr>{head}</tr>{body}</table></div>'
        )


def normalisation_preview(
    master: Audio,
    targets: Iterable[str | Target] | None = None,
    *,
    measurement: Measurement | None = None,
) -> NormalisationPreview:
    """How much each service turns ``master`` up or down, and how it then sounds.

    Parameters
    ----------
    master : Audio
        The master as delivered.
    targets : iterable of str or Target, optional
        The targets to preview (default: every target in
        :data:`~studio.mastering.targets.TARGETS`).
    measurement : Measurement, optional
        ``studio.measure(master)`` if you have it already.

    Returns
    -------
    NormalisationPreview

    Raises
    ------
    AudioDataError
        If ``master`` is not an :class:`~studio.Audio` (or is empty, or holds NaN).
    ParameterError
        If a target is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> from studio import Audio
    >>> x = 10 ** (-8 / 20) * np.sin(2 * np.pi * 997 * np.arange(5 * 48000) / 48000)
    >>> p = normalisation_preview(Audio(np.stack([x, x]), 48000), ["spotify", "cd_club"])
    >>> round(p.gain_db("spotify"), 1), p.gain_db("cd_club")
    (-6.0, 0.0)
    """
    if not isinstance(master, Audio):
        raise AudioDataError(
            f"normalisation_preview() takes a studio.Audio, got {type(master).__name__}."
        )
    chosen = list(TARGETS.values()) if targets is None else [target(k) for k in targets]
    if not chosen:
        raise ParameterError("normalisation_preview(): give at least one target.")
    m = measure(master) if measurement is None else measurement
    services = tuple(service_gain(tg, m.integrated_lufs, m.true_peak_dbtp) for tg in chosen)
    return NormalisationPreview(master, m.integrated_lufs, m.true_peak_dbtp, services)


def _number(value: float, *, sign: bool = False) -> str:
    if math.isnan(value):
        return t("normalisation.not_available")
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    text = f"{value:.1f}"
    if float(text) == 0.0:
        return text.lstrip("-")
    return f"+{text}" if sign and value > 0 else text
