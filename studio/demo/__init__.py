"""The demo multitrack session that ships with the studio, generated in code.

A 40-second pop song in D minor at 120 BPM, eight tracks (kick, snare, hats, bass,
keys, pad, lead, voice), with four mix problems planted for the tutorials::

    import studio
    s = studio.demo.session()          # rendered once, then cached (disk and memory)
    s.tracks["voice"]                  # a studio.Audio per track (float32)
    s.findings                         # what is wrong, where, why, what to try
    mix = s.mixdown()                  # the rough static mix, peaks around -6 dBFS

No downloads and no audio files: every sample is synthesised by
:mod:`studio.demo.synth` from the score in :mod:`studio.demo.song`, so the same
arguments always give the same samples.
"""

from studio.demo.multitrack import (
    TRACK_NAMES,
    DemoSession,
    VoicePhrase,
    session,
)
from studio.demo.song import ChordSpan, Section

__all__ = [
    "TRACK_NAMES",
    "ChordSpan",
    "DemoSession",
    "Section",
    "VoicePhrase",
    "session",
]
