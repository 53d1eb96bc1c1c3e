"""Measurements: pure functions from audio to small frozen results, in plain words.

* :func:`measure` / :class:`Measurement`: the loudness meter (LUFS, LU, dBTP, PLR and
  the loudness curves), per ITU-R BS.1770 and EBU R 128.
"""

from studio.analysis.meter import Measurement, measure

__all__ = ["Measurement", "measure"]
