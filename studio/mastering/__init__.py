"""The mastering stage: from one stereo mixdown to a release master that translates.

Mastering takes a single stereo file (a mixdown from :mod:`studio.mixing` or any WAV/FLAC
a user brings), never a session: nothing here imports :mod:`studio.mixing`.

* :mod:`studio.mastering.targets`: the delivery targets (streaming services, broadcast,
  CD/club), each with its loudness, true-peak ceiling, normalisation rule and source.
"""

from __future__ import annotations

from studio.mastering.targets import TARGETS, Target, target

__all__ = ["TARGETS", "Target", "target"]
