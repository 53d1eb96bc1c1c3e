"""Roles of tracks in a mix: what each is for, guessed from its name or its sound.

A role says where a track usually starts in a static balance: how many LU under the
lead it sits, whether it stays in the middle, how far out it goes when it is alone or
shares its role with others (see :data:`ROLES`). The starting-balance assistant
(:mod:`studio.mixing.balance`) reads roles from here:

* from the **name**, in English or Spanish (:func:`role_from_name`): ``"Kick In"`` is a
  kick, ``"bajo"`` a bass, ``"voz principal"`` the lead vocal, ``"OH L"`` an overhead
  on the left;
* from the **sound** when the name says nothing (:func:`sound_of`,
  :func:`role_from_sound`): short hits with most of their energy below 150 Hz are a
  kick, bright hits hi-hats, other hits a snare; a sustained sound with a deep low end
  is a bass, a steady one that plays throughout a pad; anything else an instrument the
  sound alone cannot name.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from studio.audio import Audio
from studio.text import t

__all__ = ["ROLES", "Role", "Sound", "name_side", "role_from_name", "role_from_sound", "sound_of"]


class Role(NamedTuple):
    """What a role means for the balance.

    Attributes
    ----------
    target_lu : float
        Loudness relative to the lead, in LU (-3: three LU under the lead).
    centred : bool
        Always in the middle (kick, snare, bass, lead vocal, a full drum mix).
    lone_pan : float
        How far from the centre a track goes when it is the only one in its role
        (0: it stays centred).
    group_pan : float
        How far the outermost tracks go when several share the role.
    wide : bool
        A stereo track in this role stays centred: its own image already spreads it.
    hits : bool
        Measured hit by hit (drums that play and stop) rather than integrated. The
        loudest 0.4 s around a hit reads 1-2 LU above the integrated loudness of a
        steady beat, which is why kick and snare sit 2 LU under the lead, not 3.
    melodic : bool
        May be the lead when there is no voice.
    """

    target_lu: float
    centred: bool = False
    lone_pan: float = 0.3
    group_pan: float = 0.5
    wide: bool = False
    hits: bool = False
    melodic: bool = False


ROLES: Mapping[str, Role] = MappingProxyType(
    {
        "kick": Role(-2.0, centred=True, hits=True),
        "snare": Role(-2.0, centred=True, hits=True),
        "toms": Role(-5.0, lone_pan=0.3, group_pan=0.6, hits=True),
        "hats": Role(-12.0, lone_pan=0.35, group_pan=0.5),
        "overheads": Role(-8.0, lone_pan=0.0, group_pan=0.8, wide=True),
        "room": Role(-10.0, lone_pan=0.0, group_pan=0.9, wide=True),
        "percussion": Role(-9.0, lone_pan=0.4, group_pan=0.6, hits=True),
        "drums": Role(-2.0, centred=True),
        "bass": Role(-3.0, centred=True),
        "lead_vocal": Role(0.0, centred=True, melodic=True),
        "backing_vocals": Role(-7.0, lone_pan=0.35, group_pan=0.6, melodic=True),
        "lead": Role(-4.0, lone_pan=0.3, group_pan=0.5, melodic=True),
        "guitar": Role(-6.0, lone_pan=0.4, group_pan=0.7, melodic=True),
        "keys": Role(-6.0, lone_pan=0.3, group_pan=0.5, melodic=True),
        "pad": Role(-9.0, lone_pan=0.25, group_pan=0.8, wide=True, melodic=True),
        "strings": Role(-8.0, lone_pan=0.3, group_pan=0.7, wide=True, melodic=True),
        "synth": Role(-7.0, lone_pan=0.35, group_pan=0.6, melodic=True),
        "brass": Role(-6.0, lone_pan=0.3, group_pan=0.5, melodic=True),
        "fx": Role(-12.0, lone_pan=0.5, group_pan=0.7),
        "other": Role(-6.0, lone_pan=0.3, group_pan=0.5, melodic=True),
    }
)
"""Every role the assistant knows, with its level under the lead and its place.

The figures are a common starting point, not a rule: a ballad wants the voice further
on top, a dance track the kick and bass louder. Change them with your ears.
"""

# ------------------------------------------------------------------------------ names

# Words that name a role, English and Spanish, written without accents. Matching is by
# whole word; a word of four letters or more also matches the start of a longer one
# ("guitar" in "guitarras", "snare" in "snaretop"). Where two roles match, the first in
# this table wins, which is why kick comes before bass and lead before synth.
_ROLE_WORDS = {  # prose: ok (words looked for in track names, not sentences)
    "kick": "kick kik kck bd bombo",
    "snare": "snare snr sn sd rimshot caja redoblante tarola",
    "toms": "tom toms floortom timbal timbales",
    "hats": "hat hats hh hihat hihats charles",
    "overheads": "overhead oh ohs overs cymbal crash ride platos aereo aereos",
    "room": "room amb ambience ambient ambiente sala",
    "percussion": "perc percussion percusion shaker tamb tambourine pandereta conga bongo "
    "clap palmas cowbell cencerro maracas cajon guiro triangle triangulo",
    "drums": "drum drums kit bateria drumloop breakbeat",
    "bass": "bass bajo sub contrabajo upright 808",
    "backing_vocals": "backing bv bvs bgv bgvs bvox coro coros choir",
    "lead_vocal": "vocal vox voice vo lv singer voz voces cantante canto",
    "lead": "lead solo melody melodia hook",
    "guitar": "guitar gtr gtrs gt guit guitarra acoustic acustica",
    "keys": "keys keyboard piano pno rhodes wurli wurlitzer organ organo hammond ep epiano "
    "clav clavinet teclado teclados",
    "pad": "pad pads colchon drone atmos",
    "strings": "strings string violin viola cello orchestra cuerdas violines violonchelo orquesta",
    "synth": "synth sinte sintetizador arp arpeggio arpegio pluck seq",
    "brass": "brass horn trumpet trp tpt trombone trombon sax saxo saxophone tuba flute flauta "
    "clarinet clarinete bassoon fagot winds metales vientos trompeta",
    "fx": "fx sfx efx effect efecto efectos riser sweep impact whoosh uplifter downlifter "
    "noise ruido",
}

# Two words that together name a role a single word would get wrong ("bass drum" is a
# kick, "lead vocal" the voice, "double vox" a backing vocal, "synth bass" a bass).
# They are looked for before single words.
_ROLE_PAIRS = {  # prose: ok (words looked for in track names, not sentences)
    "kick": "bass+drum",
    "bass": "double+bass synth+bass sinte+bajo",
    "drums": "drum+loop drum+bus",
    "lead_vocal": "lead+vocal lead+vox lead+voice main+vocal main+vox voz+principal",
    "backing_vocals": "harmony+vocal harmony+vox harm+vox double+vocal double+vox dbl+vox "
    "dbl+vocal adlib+vocal adlib+vox voz+doble segunda+voz voces+fondo voz+coro",
}

# Words in a name that say which side a track belongs on ("OH L", "gtr derecha").
_SIDE_WORDS = {  # prose: ok (words looked for in track names, not sentences)
    -1: "l left lft izq izquierda izquierdo",
    1: "r right rt der derecha derecho",
}

_PREFIX_MIN = 4  # a keyword this long also matches the start of a longer word


def _words(name: str) -> list[str]:
    """A track name as lower-case words: ``"LeadVox_2 (día)"`` -> lead, vox, 2, dia."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)  # camelCase -> camel Case
    return re.findall(r"[a-z]+|[0-9]+", text.lower())


def _matches(word: str, keyword: str) -> bool:
    return word == keyword or (len(keyword) >= _PREFIX_MIN and word.startswith(keyword))


def name_role(name: str) -> tuple[str, str] | None:
    """``(role, the words that said so)`` from a track name, or None.

    Examples
    --------
    >>> name_role("Guitarra acústica 2")
    ('guitar', 'guitarra')
    """
    words = _words(name)
    for role, pairs in _ROLE_PAIRS.items():
        for pair in pairs.split():
            found = [next((w for w in words if _matches(w, k)), "") for k in pair.split("+")]
            if all(found):
                return role, " ".join(found)
    for exact in (True, False):  # a whole word first, then the start of a longer one
        for role, keywords in _ROLE_WORDS.items():
            for word in words:
                if any(word == k if exact else _matches(word, k) for k in keywords.split()):
                    return role, word
    return None


def role_from_name(name: str) -> str | None:
    """The role a track name says, in English or Spanish, or None when it says none.

    Parameters
    ----------
    name : str
        A track name: ``"Kick In"``, ``"OH L"``, ``"bajo"``, ``"voz principal"``,
        ``"Gtr 2"``, ``"BGV harmonies"``.

    Returns
    -------
    str or None
        A key of :data:`ROLES` (``"kick"``, ``"bass"``, ``"lead_vocal"``...).

    Examples
    --------
    >>> role_from_name("Bass Drum"), role_from_name("bajo"), role_from_name("Voz principal")
    ('kick', 'bass', 'lead_vocal')
    >>> role_from_name("track 7") is None
    True
    """
    found = name_role(name)
    return found[0] if found else None


def name_side(name: str) -> tuple[int, str] | None:
    """``(-1 or +1, the word)`` when a name says left or right (``"OH L"``, ``"gtr der"``)."""
    for word in _words(name):
        for side, words in _SIDE_WORDS.items():
            if word in words.split():
                return side, word
    return None


# ------------------------------------------------------------------------------ sound


class Sound(NamedTuple):
    """What the sound of a track says, when its name says nothing.

    Attributes
    ----------
    crest_db : float
        How far the sound typically (median) sits under its own peak of the last
        0.3 s, in dB: a crest factor of the envelope over time. Around 0-4 dB for
        sustained sounds, 6 dB and more for hits that die away.
    low_pct : float
        Share of its energy below 150 Hz, in %.
    centroid_hz : float
        The centre of gravity of its long-term spectrum.
    spread_db : float
        How far its level moves: the 10th to 90th percentile of 100 ms levels while it
        plays.
    playing_pct : float
        Share of the time it plays (within 40 dB of its loudest 100 ms), in %.
    """

    crest_db: float
    low_pct: float
    centroid_hz: float
    spread_db: float
    playing_pct: float


_LOW_HZ = 150.0
_ENVELOPE_HOP_S = 0.01
_CREST_WINDOW_S = 0.3
_SLOW_HOP_S = 0.1
_PLAYING = 1e-4  # within 40 dB of the loudest frame
_SPECTRUM_FRAME_S = 0.1
_SPECTRUM_FRAMES = 512


def _frame_power(x: np.ndarray, hop: int) -> np.ndarray:
    """Mean square of all channels in frames of ``hop`` samples (one frame if shorter)."""
    n = x.shape[1] // hop
    if n == 0:
        return np.array([float(np.mean(np.square(x, dtype=np.float64)))])
    frames = x[:, : n * hop].reshape(x.shape[0], n, hop)
    return np.einsum("cnh,cnh->n", frames, frames).astype(np.float64) / (x.shape[0] * hop)


def _spectrum(x: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies and summed power of Hann-windowed 0.1 s frames across the track.

    At most ``_SPECTRUM_FRAMES`` frames, spread evenly: a long-term spectrum at 10 Hz
    resolution that costs the same for a 3-minute track as for a 50-second one.
    """
    n = max(1, round(_SPECTRUM_FRAME_S * sr))
    if x.shape[1] < n:
        x = np.concatenate([x, np.zeros((x.shape[0], n - x.shape[1]), dtype=x.dtype)], axis=1)
    count = min(_SPECTRUM_FRAMES, x.shape[1] // n)
    starts = np.linspace(0, x.shape[1] - n, count).round().astype(np.intp)
    frames = x[:, starts[:, np.newaxis] + np.arange(n)] * np.hanning(n).astype(x.dtype)
    power = np.sum(np.abs(np.fft.rfft(frames, axis=-1)) ** 2, axis=(0, 1))
    return np.fft.rfftfreq(n, 1.0 / sr), power


def sound_of(audio: Audio) -> Sound:
    """Envelope and spectrum figures of a track, for telling its role by ear.

    ``audio`` must hold some sound (not only zeros).
    """
    from studio.analysis.dynamics import window_max

    x, sr = audio.samples, audio.sr
    hop = max(1, round(_ENVELOPE_HOP_S * sr))
    power = _frame_power(x, hop)
    playing = power > float(np.max(power)) * _PLAYING
    window = round(_CREST_WINDOW_S / _ENVELOPE_HOP_S) + 1
    recent = window_max(np.concatenate([np.zeros(window - 1), power]), window)
    crest = float(np.median(10.0 * np.log10(recent[playing] / power[playing])))
    group = round(_SLOW_HOP_S / _ENVELOPE_HOP_S)  # 100 ms from ten 10 ms frames
    slow = power[: power.size // group * group].reshape(-1, group).mean(axis=1)
    if slow.size == 0:
        slow = power[:1]
    slow_playing = slow > float(np.max(slow)) * _PLAYING
    slow_db = 10.0 * np.log10(slow[slow_playing])
    spread = float(np.percentile(slow_db, 90) - np.percentile(slow_db, 10))
    freqs_hz, bins = _spectrum(x, sr)
    total = float(np.sum(bins))
    low = float(np.sum(bins[freqs_hz < _LOW_HZ])) / total
    centroid = float(np.sum(bins * freqs_hz)) / total
    playing_pct = 100.0 * float(np.mean(slow_playing))
    return Sound(crest, 100.0 * low, centroid, spread, playing_pct)


_HITS_CREST_DB = 6.0  # hits fall at least this far, typically, between one and the next
_LOW_PCT = 50.0
_BRIGHT_HZ = 6000.0
_STEADY_DB = 8.0
_PLAYS_THROUGH_PCT = 80.0


def role_from_sound(sound: Sound) -> tuple[str, str]:
    """``(role, evidence)``: the role a sound suggests and, in plain words, why.

    Hits or sustained (``crest_db`` 6 dB and more: hits), then low (half the energy
    under 150 Hz), bright (centred above 6 kHz), steady (level moving 8 dB or less
    and playing at least 80 % of the time) or none of these.
    """
    figures = {
        "crest_db": sound.crest_db,
        "low_pct": sound.low_pct,
        "centroid_hz": sound.centroid_hz,
        "spread_db": sound.spread_db,
    }
    if not math.isfinite(sound.crest_db):
        role, kind = "other", "sustained_moving"
    elif sound.crest_db >= _HITS_CREST_DB:
        if sound.low_pct >= _LOW_PCT:
            role, kind = "kick", "hits_low"
        elif sound.centroid_hz >= _BRIGHT_HZ:
            role, kind = "hats", "hits_bright"
        else:
            role, kind = "snare", "hits_mid"
    elif sound.low_pct >= _LOW_PCT:
        role, kind = "bass", "sustained_low"
    elif sound.spread_db <= _STEADY_DB and sound.playing_pct >= _PLAYS_THROUGH_PCT:
        role, kind = "pad", "sustained_steady"
    else:
        role, kind = "other", "sustained_moving"
    return role, t(f"balance.content.{kind}", **figures)
