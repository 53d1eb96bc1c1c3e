"""Mixing: many tracks into one stereo mix with headroom.

The session model (:mod:`studio.mixing.session`) holds every setting as frozen objects
with paths; :mod:`studio.mixing.render` mixes it down; :class:`Project` keeps a session
with its stems' audio, its undo history and its file::

    from studio.mixing import Project
    project = Project.load("my_song.session.json")
    project.set(("tracks", "voice", "strip", "fader", "gain_db"), -2.0)
    mix = project.mixdown()

The check before a mix goes to mastering (peaks, headroom, clipping, the master bus,
resolution, dither, sample rate), in plain words::

    from studio.mixing import ready_for_mastering
    ready_for_mastering(mix, master=project.session.master.strip, subtype="PCM_24")

The static balance alone (faders and pan summed, no session) is :func:`mixdown`.
"""

from studio.mixing.mixdown import mixdown, pan_to_gains
from studio.mixing.project import Project, conform_stems
from studio.mixing.render import RenderCache, render
from studio.mixing.report import MixReport, ready_for_mastering
from studio.mixing.session import Bus, Clip, Send, Session, Stem, Strip, Track, Vca

__all__ = [
    "Bus",
    "Clip",
    "MixReport",
    "Project",
    "RenderCache",
    "Send",
    "Session",
    "Stem",
    "Strip",
    "Track",
    "Vca",
    "conform_stems",
    "mixdown",
    "pan_to_gains",
    "ready_for_mastering",
    "render",
]
