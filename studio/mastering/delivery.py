"""Delivery: the master written as the receiving end asks for it, and checked as written.

The last steps of mastering, in the order they must happen:

1. **Sample rate** (optional): convert with :class:`~studio.processors.SampleRateConverter`
   (a 48 kHz master to 44.1 kHz for CD). Conversion changes the samples, so it comes
   before the last quantisation and the measurement.
2. **Bit depth**: ``"16"`` or ``"24"``-bit integer files are dithered with
   :class:`~studio.processors.Dither` (TPDF, optionally noise-shaped) and land exactly on
   the file's grid, so writing changes nothing more; ``"float"`` keeps every sample as it
   is (32-bit float WAV) and is never dithered.
3. **Write** with :func:`studio.save`: WAV or FLAC by the file's extension, to a temporary
   file renamed into place (never half a file), refusing to replace an existing file
   unless ``overwrite=True`` and refusing to clip.
4. **Check**: every file written is read back and measured
   (:func:`studio.mastering.qc.qc_file`), so the report is of what was delivered, with the
   conversion, the dither and the encoding in it.

``deliver(master, "out/song.wav", target="spotify", sample_rate=44100, bit_depth="16")``
returns a :class:`Delivery` with the path(s) and the report(s).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.audio import Audio
from studio.errors import AudioDataError, ParameterError
from studio.mastering.qc import QCReport, qc_file
from studio.mastering.targets import Target
from studio.text import t

__all__ = ["BIT_DEPTHS", "FORMATS", "Delivery", "deliver"]

#: Bit depths a master is delivered at, and the file subtype each is written as.
BIT_DEPTHS = {"16": "PCM_16", "24": "PCM_24", "float": "FLOAT"}
#: File formats a master is delivered in, by extension.
FORMATS = {".wav": "WAV", ".flac": "FLAC"}


@dataclass(frozen=True, eq=False)
class Delivery:
    """What was delivered: the files and the report measured from each.

    Attributes
    ----------
    paths : tuple of pathlib.Path
        The files written (absolute).
    reports : tuple of QCReport
        One report per file, measured from the file as written.
    source_sr, sr : int
        The master's sample rate and the delivered one.
    bit_depth : str
        ``"16"``, ``"24"`` or ``"float"``.
    dithered : bool
        Whether dither was applied (integer depths only).
    noise_shaping : str
        The dither's noise shaping (``"none"`` for plain TPDF).
    """

    paths: tuple[Path, ...]
    reports: tuple[QCReport, ...]
    source_sr: int
    sr: int
    bit_depth: str
    dithered: bool
    noise_shaping: str

    @property
    def path(self) -> Path:
        """The (first) file written."""
        return self.paths[0]

    @property
    def report(self) -> QCReport:
        """The report of the (first) file written."""
        return self.reports[0]

    @property
    def ok(self) -> bool:
        """Every file written meets its target with no over."""
        return all(r.ok for r in self.reports)

    def lines(self) -> list[str]:
        """One line per file: what was written, how."""
        kind = "float" if self.bit_depth == "float" else "integer"
        depth = t(f"delivery.depth.{kind}", bits=self.bit_depth)
        if self.dithered:
            depth += ", " + t(
                "delivery.dither", shaping=t(f"delivery.shaping.{self.noise_shaping}")
            )
        rate = t("delivery.rate", sr=self.sr)
        if self.sr != self.source_sr:
            rate = t("delivery.converted", sr=self.sr, source_sr=self.source_sr)
        return [
            t("delivery.wrote", name=p.name, folder=str(p.parent), depth=depth, rate=rate)
            for p in self.paths
        ]

    def __str__(self) -> str:
        parts = ["\n".join(self.lines())]
        parts += [str(r) for r in self.reports]
        return "\n\n".join(parts)

    def __repr__(self) -> str:
        names = ", ".join(p.name for p in self.paths)
        return f"Delivery({names}, sr={self.sr}, bit_depth={self.bit_depth!r}, ok={self.ok})"

    def _repr_html_(self) -> str:
        import html

        lines = "".join(f"<div>{html.escape(line)}</div>" for line in self.lines())
        return lines + "".join(r._repr_html_() for r in self.reports)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: the files, how they were made, and their reports."""
        return {
            "paths": [str(p) for p in self.paths],
            "source_sr": self.source_sr,
            "sr": self.sr,
            "bit_depth": self.bit_depth,
            "dithered": self.dithered,
            "noise_shaping": self.noise_shaping,
            "reports": [r.to_dict() for r in self.reports],
        }


def deliver(
    master: Audio,
    path: str | Path | Sequence[str | Path],
    *,
    target: str | Target | None = "spotify",
    sample_rate: int | None = None,
    bit_depth: str = "24",
    noise_shaping: str = "none",
    overwrite: bool = False,
) -> Delivery:
    """Convert, dither and write a master, then report on the file(s) as written.

    Parameters
    ----------
    master : Audio
        The finished master (float, any rate).
    path : str, Path or sequence of them
        Where to write: ``.wav`` or ``.flac``. Several paths write the same delivery in
        several formats (``["song.wav", "song.flac"]``).
    target : str, Target or None
        The target the report judges against.
    sample_rate : int, optional
        Deliver at this rate (44100, 48000, 88200, 96000, 176400, 192000); default:
        the master's own.
    bit_depth : {"16", "24", "float"}
        Integer depths are dithered; ``"float"`` (WAV only) is written as it is.
    noise_shaping : str
        The dither's noise shaping (see :class:`~studio.processors.Dither`).
    overwrite : bool
        Replace files that exist (otherwise an existing file is an error and nothing
        is written over it).

    Returns
    -------
    Delivery

    Raises
    ------
    ParameterError
        Unknown bit depth, rate, format or noise shaping; float asked of FLAC.
    AudioFileError
        A file exists (without ``overwrite``), or the folder is missing.
    AudioDataError
        The master is not an Audio, is empty, holds NaN/Inf, or goes over full scale
        (it would clip in an integer file: lower the limiter's ceiling).
    """
    from studio.dsp import dither as dsp_dither
    from studio.io import save
    from studio.processors.delivery import TARGET_RATES, Dither, SampleRateConverter

    if not isinstance(master, Audio):
        raise AudioDataError(f"deliver() takes a studio.Audio, got {type(master).__name__}.")
    depth = str(bit_depth).lower()
    if depth not in BIT_DEPTHS:
        raise ParameterError(
            f"deliver(): bit_depth must be one of {', '.join(BIT_DEPTHS)}, not {bit_depth!r}."
        )
    if noise_shaping not in dsp_dither.NOISE_SHAPINGS:
        raise ParameterError(
            f"deliver(): noise_shaping must be one of {', '.join(dsp_dither.NOISE_SHAPINGS)}, "
            f"not {noise_shaping!r}."
        )
    raw = [path] if isinstance(path, str | Path) else list(path)
    if not raw:
        raise ParameterError("deliver(): give at least one path to write.")
    paths = [Path(p).expanduser().absolute() for p in raw]
    for p in paths:
        fmt = FORMATS.get(p.suffix.lower())
        if fmt is None:
            raise ParameterError(
                f"deliver(): {p.name!r} is neither .wav nor .flac; a master is delivered as "
                "WAV or FLAC."
            )
        if fmt == "FLAC" and depth == "float":
            raise ParameterError(
                f"deliver(): FLAC stores integers only; write {p.name!r} at 16 or 24 bits, "
                "or use .wav for float."
            )
    if len(set(paths)) != len(paths):
        raise ParameterError("deliver(): the same path is given twice.")
    if master.n_frames == 0:
        raise AudioDataError("deliver(): the master has no samples.")

    audio = master
    if sample_rate is not None and int(sample_rate) != master.sr:
        if str(int(sample_rate)) not in TARGET_RATES:
            raise ParameterError(
                f"deliver(): sample_rate {sample_rate!r} is not offered; choose one of "
                f"{', '.join(TARGET_RATES)}."
            )
        audio = SampleRateConverter(target_sr=str(int(sample_rate)))(audio)
    dithered = depth != "float"
    # Refuse before dithering (the dither would hold the samples at full scale, clipping
    # them without a word) and before writing anything.
    peak = float(abs(audio.samples).max())
    if dithered and peak > 1.0:
        over = 20.0 * math.log10(peak)
        raise AudioDataError(
            f"deliver(): the master peaks at {over:+.2f} dBFS and would clip in a "
            f"{depth}-bit file; lower the limiter's ceiling."
        )
    if dithered:
        audio = Dither(bit_depth=depth, noise_shaping=noise_shaping)(audio)
    subtype = BIT_DEPTHS[depth]
    written = tuple(save(audio, p, subtype=subtype, overwrite=overwrite) for p in paths)
    reports = tuple(qc_file(p, target) for p in written)
    return Delivery(
        paths=written,
        reports=reports,
        source_sr=master.sr,
        sr=audio.sr,
        bit_depth=depth,
        dithered=dithered,
        noise_shaping=noise_shaping if dithered else "none",
    )
