"""Measurements: pure functions from audio to small frozen results, in plain words.

* :func:`measure` / :class:`Measurement`: the meter (LUFS, LU, dBTP, PLR, RMS, crest
  factor, PSR over time, stereo correlation, mono-fold loss and the loudness curves),
  per ITU-R BS.1770 and EBU R 128 (:mod:`studio.analysis.meter`);
* spectra: :func:`long_term_spectrum` (with 1/N-octave smoothing), :func:`octave_bands`,
  :func:`spectrogram`, :func:`band_levels_over_time` (:mod:`studio.analysis.spectrum`);
* stereo: :func:`correlation_over_time`, :func:`stereo_correlation`,
  :func:`vectorscope`, :func:`mono_compatibility` (:mod:`studio.analysis.stereo`);
* dynamics: :func:`crest_factor_db`, :func:`rms_dbfs`, :func:`dynamics_over_time`
  (:mod:`studio.analysis.dynamics`);
* masking between two tracks: :func:`estimate_masking` (:mod:`studio.analysis.masking`);
  between every pair of a session's tracks, ranked: :func:`masking_map`
  (:mod:`studio.analysis.masking_map`; what to carve: :mod:`studio.mixing.carve`);
* :class:`Finding` / :class:`Findings`: what to fix, where, why, what to try and which
  lesson teaches it, in the catalogue's words (:mod:`studio.analysis.findings`).

Importing this package is light: numpy only. scipy loads on the first measurement.
Results carry their units in their field names (``_hz``, ``_s``, ``_db``, ``_dbfs``,
``_lufs``, ``_lu``) and hold read-only arrays, ready to plot.
"""

from studio.analysis.dynamics import (
    DynamicsOverTime,
    crest_factor_db,
    dynamics_over_time,
    rms_dbfs,
)
from studio.analysis.findings import Finding, Findings
from studio.analysis.masking import MaskingEstimate, MaskingRange, estimate_masking
from studio.analysis.masking_map import Collision, MaskingMap, masking_map
from studio.analysis.meter import Measurement, measure
from studio.analysis.spectrum import (
    BandLevels,
    BandLevelsOverTime,
    Spectrogram,
    Spectrum,
    band_levels_over_time,
    long_term_spectrum,
    octave_bands,
    spectrogram,
)
from studio.analysis.stereo import (
    CorrelationOverTime,
    MonoCompatibility,
    Vectorscope,
    correlation_over_time,
    mono_compatibility,
    stereo_correlation,
    vectorscope,
)

__all__ = [
    "BandLevels",
    "BandLevelsOverTime",
    "Collision",
    "CorrelationOverTime",
    "DynamicsOverTime",
    "Finding",
    "Findings",
    "MaskingEstimate",
    "MaskingMap",
    "MaskingRange",
    "Measurement",
    "MonoCompatibility",
    "Spectrogram",
    "Spectrum",
    "Vectorscope",
    "band_levels_over_time",
    "correlation_over_time",
    "crest_factor_db",
    "dynamics_over_time",
    "estimate_masking",
    "long_term_spectrum",
    "masking_map",
    "measure",
    "mono_compatibility",
    "octave_bands",
    "rms_dbfs",
    "spectrogram",
    "stereo_correlation",
    "vectorscope",
]
