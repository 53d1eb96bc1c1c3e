"""The mastering stage: from one stereo mixdown to a release master that translates.

Mastering takes a single stereo file (a mixdown from :mod:`studio.mixing` or any WAV/FLAC
a user brings), never a session: nothing here imports :mod:`studio.mixing`.

* :mod:`~studio.mastering.targets`: delivery targets (streaming services, broadcast,
  CD/club), each with its loudness, true-peak ceiling, normalisation rule and source.
* :mod:`~studio.mastering.chain`: the :class:`MasteringChain` rack (EQ, glue and
  multiband compression, dynamic EQ, imager, saturation, limiter, loudness target,
  dither), with per-module bypass and amounts; :mod:`~studio.mastering.loudness` reaches
  a target's loudness under its ceiling.
* :mod:`~studio.mastering.presets`: genre presets, dense to dynamic, with their reasons;
  :mod:`~studio.mastering.assistant` proposes a chain for a mix, a target and a genre,
  every move with its reason and one amount per aspect.
* :mod:`~studio.mastering.reference`: matching a mix to references (tone, loudness,
  width, dynamics), each with its own amount.
* :mod:`~studio.mastering.checks`, :mod:`~studio.mastering.translation`,
  :mod:`~studio.mastering.codec`: input checks, playback systems, a lossy-codec preview.
* :mod:`~studio.mastering.qc`, :mod:`~studio.mastering.normalisation`,
  :mod:`~studio.mastering.delivery`, :mod:`~studio.mastering.batch`: the quality-control
  report, each service's playback gain, delivery files, and whole albums.

Everything is imported on first use (``studio.mastering.MasteringChain``), so
``import studio.mastering`` is quick; :func:`load_classes` imports the processor classes
(a preset file names them).
"""

from __future__ import annotations

import importlib
from typing import Any

from studio.mastering.targets import TARGETS, Target, target

# name -> module that defines it; imported on first attribute access.
_LAZY = {
    "MasteringChain": "chain",
    "Module": "chain",
    "scaled": "chain",
    "LoudnessTarget": "loudness",
    "LoudnessResult": "loudness",
    "reach_loudness": "loudness",
    "GENRES": "presets",
    "GenrePreset": "presets",
    "genre": "presets",
    "suggest": "assistant",
    "analyse_mix": "assistant",
    "Advice": "assistant",
    "ChainMove": "assistant",
    "MixAnalysis": "assistant",
    "match_reference": "reference",
    "MatchResult": "reference",
    "ReferenceMatch": "reference",
    "MatchBand": "reference",
    "QCReport": "qc",
    "qc_report": "qc",
    "qc_file": "qc",
    "NormalisationPreview": "normalisation",
    "normalisation_preview": "normalisation",
    "Delivery": "delivery",
    "deliver": "delivery",
    "check_input": "checks",
    "InputReport": "checks",
    "InputCheck": "checks",
    "spectral_cutoff_hz": "checks",
    "translate": "translation",
    "fold_to_mono": "translation",
    "PlaybackSystem": "translation",
    "SYSTEMS": "translation",
    "playback_system": "translation",
    "response_curves": "translation",
    "codec_preview": "codec",
    "CodecPreview": "codec",
    "available_codecs": "codec",
    "AlbumResult": "batch",
    "GainLimiter": "batch",
    "master_album": "batch",
    "album_recipe": "batch",
    "album_loudness_lufs": "batch",
}

__all__ = ["TARGETS", "Target", "load_classes", "target", *_LAZY]


def load_classes() -> None:
    """Import the modules that define the stage's processors (so presets can name them)."""
    for name in ("chain", "loudness", "reference"):
        importlib.import_module(f"studio.mastering.{name}")


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'studio.mastering' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"studio.mastering.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
