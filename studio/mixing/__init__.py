"""Mixing: many tracks into one stereo mix with headroom.

:func:`import_stems` turns a folder of stems into tracks at one rate and one length,
saying what it converted, padded or could not load. The session model
(:mod:`studio.mixing.session`) holds every setting as frozen objects with paths;
:mod:`studio.mixing.render` mixes it down; :class:`Project` keeps a session with its
stems' audio, its undo history and its file::

    from studio.mixing import Project, import_stems
    stems = import_stems("my_song/stems")
    project = Project.load("my_song.session.json")
    project.set(("tracks", "voice", "strip", "fader", "gain_db"), -2.0)
    mix = project.mixdown()

The check before a mix goes to mastering (peaks, headroom, clipping, the master bus,
resolution, dither, sample rate), in plain words::

    from studio.mixing import ready_for_mastering
    ready_for_mastering(mix, master=project.session.master.strip, subtype="PCM_24")

The static balance alone (faders and pan summed, no session) is :func:`mixdown`. A
starting balance, proposed from the stems with a reason for every fader and pan, is
:func:`suggest_balance`; its changes apply as one undo step::

    s = suggest_balance(project.sources)      # stems by track name
    now = {path: project.get(path) for path in s.paths()}
    project.apply(s.changes(50, current=now), label="starting balance, 50 %")
"""

from studio.mixing.balance import BalanceSuggestion, TrackSuggestion, suggest_balance
from studio.mixing.mixdown import mixdown, pan_to_gains
from studio.mixing.project import Project, conform_stems
from studio.mixing.render import RenderCache, render
from studio.mixing.report import MixReport, ready_for_mastering
from studio.mixing.roles import ROLES, role_from_name
from studio.mixing.session import Bus, Clip, Send, Session, Stem, Strip, Track, Vca
from studio.mixing.stems import StemImport, import_stems

__all__ = [
    "ROLES",
    "BalanceSuggestion",
    "Bus",
    "Clip",
    "MixReport",
    "Project",
    "RenderCache",
    "Send",
    "Session",
    "Stem",
    "StemImport",
    "Strip",
    "Track",
    "TrackSuggestion",
    "Vca",
    "conform_stems",
    "import_stems",
    "mixdown",
    "pan_to_gains",
    "ready_for_mastering",
    "render",
    "role_from_name",
    "suggest_balance",
]
