"""Listen to a session: pick a track or the rough mix from a list and press play.

The chosen audio goes to the browser as Ogg Vorbis (about a tenth of a WAV), so a whole
demo song costs well under a megabyte of notebook payload. Each choice is encoded once
and then reused. The browser plays it with its own ``<audio>`` element, which joins the
page's one transport: starting it stops any studio player that is playing, and
starting a player stops it.
"""

from __future__ import annotations

import html
import io
import pathlib
from collections.abc import Mapping
from typing import Any

import anywidget
import ipywidgets as widgets
import numpy as np
import soundfile as sf
import traitlets

from studio.audio import Audio
from studio.text import t
from studio.widgets.lifecycle import register_view

__all__ = ["OggPlayer", "TrackPlayer", "encode_ogg", "listen"]

_HERE = pathlib.Path(__file__).parent


def mix_label() -> str:
    """The choice that plays the whole mix (in the current language)."""
    return t("player.mix_choice")


def encode_ogg(audio: Audio) -> bytes:
    """Encode ``audio`` as Ogg Vorbis bytes for a browser ``<audio>`` element.

    Samples beyond full scale are clipped to +-1 (Vorbis carries no more).
    """
    buffer = io.BytesIO()
    frames = np.ascontiguousarray(np.clip(audio.samples, -1.0, 1.0).T, dtype=np.float32)
    sf.write(buffer, frames, audio.sr, format="OGG", subtype="VORBIS")
    return buffer.getvalue()


def _peak_dbfs(audio: Audio) -> float:
    peak = float(np.max(np.abs(audio.samples))) if audio.n_frames else 0.0
    return 20 * np.log10(peak) if peak > 0 else -np.inf


class OggPlayer(anywidget.AnyWidget):
    """A browser audio player for Ogg Vorbis bytes, part of the page's one transport.

    The page shows what it loaded in data attributes: ``data-version`` (goes up with
    every new audio), ``data-bytes`` (the size it received) and, once the browser has
    read the file, ``data-duration-s``.
    """

    _esm = _HERE / "listen.js"

    data = traitlets.Bytes(b"").tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    version = traitlets.Int(0).tag(sync=True)

    def set_audio(self, data: bytes, label: str = "") -> None:
        """Replace the audio (Ogg bytes) and its label in one message."""
        with self.hold_sync():
            self.data, self.label = data, label
            self.version += 1


class TrackPlayer(widgets.VBox):
    """A drop-down of tracks (and the mix) with one audio player.

    Parameters
    ----------
    tracks : mapping of str to Audio, or a session (``.tracks`` and ``.mixdown()``)
        What to choose from; a session also offers its mix.
    notes : mapping of str to str, optional
        A line shown under the player for each track (what to listen for).
    """

    def __init__(self, tracks: Any, *, notes: Mapping[str, str] | None = None) -> None:
        self._sources: dict[str, Any] = {}
        if hasattr(tracks, "mixdown"):  # a session: its tracks and its mix
            self._sources[mix_label()] = tracks.mixdown
            tracks = tracks.tracks
        if isinstance(tracks, Audio):
            tracks = {tracks.name or "audio": tracks}
        self._sources.update(dict(tracks))
        self.notes = dict(notes or {})
        self._cache: dict[str, bytes] = {}
        self.picker = widgets.Dropdown(
            options=list(self._sources),
            description=t("player.listen_to"),
            layout=widgets.Layout(width="380px"),
        )
        self.audio = OggPlayer()
        self.info = widgets.HTML("")
        super().__init__([self.picker, self.audio, self.info])
        self.add_class("studio-track-player")
        self.picker.observe(lambda change: self._show(change["new"]), names="value")
        self._show(self.picker.value)
        register_view(self)

    def resolve(self, name: str) -> Audio:
        """The audio of choice ``name`` (the mix is rendered on first use)."""
        source = self._sources[name]
        return source() if callable(source) else source

    def _show(self, name: str) -> None:
        audio = self.resolve(name)
        if name not in self._cache:
            self._cache[name] = encode_ogg(audio)
        self.audio.set_audio(self._cache[name], name)
        if audio.n_channels in (1, 2):
            channels = t("player.mono" if audio.n_channels == 1 else "player.stereo")
        else:
            channels = t("player.channels", n=audio.n_channels)
        line = html.escape(
            t(
                "player.track_line",
                name=name,
                duration_s=audio.duration_s,
                channels=channels,
                peak_dbfs=_peak_dbfs(audio),
            )
        )
        note = self.notes.get(name)
        self.info.value = f"<small>{line}</small>" + (
            f"<br><i>{html.escape(note)}</i>" if note else ""
        )


def listen(tracks: Any, **options: Any) -> TrackPlayer:
    """Build a :class:`TrackPlayer` (see its parameters)."""
    return TrackPlayer(tracks, **options)
