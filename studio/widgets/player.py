"""One transport, N named sides: hear versions of one passage, switched in place.

Comparing by ear is only fair when three things hold, and this player keeps all three:

* **Same place.** Every side (say "mix", "master" and a "reference" track) plays all
  the time, in step, from one clock in the browser; the side buttons only fade one out
  and another in (about 8 ms), so the switch lands on the same beat with no gap and no
  click. Starting a player stops any other studio player on the page: two never sound
  at once, and all share one audio device.
* **Same loudness.** Louder always sounds "better". The caller measures each side's
  loudness relative to the reference side and passes it in (``loudness_db``); with
  ``match_loudness`` on, every louder side is turned down to the quietest one (never a
  quiet side up, so nothing can clip), and the line under the buttons says which side
  is turned down and by how much.
* **In place.** :meth:`Player.set_side` swaps a side's new audio in at the current
  position without stopping, so you hear a change where you are. Only that side's
  audio travels: each side is its own small widget model.

The audio travels as 16-bit codes with one scale per side (see :mod:`.pcm16`). A side
that is the reference sample for sample (a processor that does nothing yet) sends no
samples at all: the browser plays the reference's buffer for it. Each side's checksum
is shown in the page (``data-<side>-checksum``) so a browser test can compare it with
:meth:`Player.checksum`.

:class:`ABPlayer` is the two-sided case (A: original, B: processed) that panels use.
"""

from __future__ import annotations

import math
import pathlib
import re
from collections.abc import Iterable, Mapping

import anywidget
import numpy as np
import traitlets
from ipywidgets import Widget, widget_serialization

from studio.audio import Audio
from studio.errors import AudioDataError, ParameterError
from studio.text import t, template
from studio.widgets.lifecycle import register_view
from studio.widgets.pcm16 import (
    CODE_MAX,
    codes_checksum,
    decode_samples,
    encode_samples,
    float32_checksum,
    peak,
    quantize,
)

__all__ = [
    "CODE_MAX",
    "MAX_OFFSET_DB",
    "MAX_PREVIEW_S",
    "ABPlayer",
    "Player",
    "PlayerSide",
    "decode_samples",
    "encode_samples",
    "float32_checksum",
    "format_db",
    "match_gains_db",
    "status_text",
]

_HERE = pathlib.Path(__file__).parent

#: Longest passage the player accepts, in seconds. It is for previews: a loop of a few
#: seconds to half a minute. Longer audio costs memory in the browser and in saved
#: notebooks, and takes longer to send on every parameter change.
MAX_PREVIEW_S = 60.0

#: Largest level change, in dB, that loudness matching applies to a side; bigger
#: differences are limited to it. A bigger difference means a side is all but silent.
MAX_OFFSET_DB = 60.0

#: Below this difference (dB) sides count as equally loud in the status line.
EQUAL_DB = 0.05

#: Browsers' Web Audio buffers hold at most 32 channels.
_MAX_CHANNELS = 32

#: Side names are short keys: they name the side in code and in the page's data
#: attributes (``data-master-checksum``).
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


# ---------------------------------------------------------------------------------------
# Loudness matching and the status line (player.js has the same two functions)
# ---------------------------------------------------------------------------------------


def format_db(value_db: float) -> str:
    """A positive level in dB with one decimal, rounded half up (``2.25 -> "2.3"``).

    Written with whole-number steps so that ``player.js`` gives the same text for the
    same value (Python's and JavaScript's own rounding of halves differ).
    """
    tenths = math.floor(abs(value_db) * 10 + 0.5)
    return f"{tenths // 10}.{tenths % 10}"


def match_gains_db(
    sides: Iterable[tuple[str, float, bool]], *, match: bool = True
) -> dict[str, float]:
    """The gain (dB) each side is played at so that all sound equally loud.

    Parameters
    ----------
    sides : iterable of (name, loudness_db, silent)
        Each playable side: its loudness relative to the reference side (dB, positive
        louder) and whether it is silent (silence has no loudness and is left alone).
    match : bool
        False: every side plays at its own level (all gains 0).

    Returns
    -------
    dict
        Side name to gain in dB, all <= 0: each side is turned down to the quietest
        side's loudness (never a quiet side up), by at most :data:`MAX_OFFSET_DB`.

    Examples
    --------
    >>> match_gains_db([("mix", 0.0, False), ("master", 6.5, False)])
    {'mix': 0.0, 'master': -6.5}
    """
    listed = list(sides)
    gains = {name: 0.0 for name, _, _ in listed}
    loud = [(name, level) for name, level, silent in listed if not silent]
    if not match or not loud:
        return gains
    quietest = min(level for _, level in loud)
    for name, level in loud:
        gains[name] = max(-MAX_OFFSET_DB, quietest - level) if level > quietest else 0.0
    return gains


def status_text(sides: Iterable[tuple[str, float, bool]], *, match: bool = True) -> str:
    """The line under the buttons: which side is turned down, by how much, to match whom.

    Parameters
    ----------
    sides : iterable of (label, loudness_db, silent)
        The sides that hold audio, in button order (see :func:`match_gains_db`).
    match : bool
        Whether loudness matching is on.

    Examples
    --------
    >>> status_text([("Original", 0.0, False), ("With Compressor", -3.8, False)])
    'Original is turned down 3.8 dB to match the loudness of With Compressor'
    """
    listed = list(sides)
    if len(listed) < 2:
        return ""
    sep = ". "
    notes = [t("player.silent", label=label) for label, _, s in listed if s]
    loud = [(label, level) for label, level, silent in listed if not silent]
    if not match:
        return sep.join([t("player.matching_off"), *notes])
    if len(loud) < 2:
        return sep.join(notes)
    gains = match_gains_db([(label, level, False) for label, level in loud])
    down = [(label, gains[label]) for label, _ in loud if gains[label] <= -EQUAL_DB]
    kept = f" {t('player.and')} ".join(label for label, _ in loud if gains[label] > -EQUAL_DB)
    if not down:
        line = t("player.equal_two" if len(loud) == 2 else "player.equal_all")
    elif len(down) == 1:
        label, gain = down[0]
        line = t("player.one_down", label=label, db=format_db(gain), others=kept)
    else:
        moves = ", ".join(t("player.move", label=label, db=format_db(gain)) for label, gain in down)
        line = t("player.many_down", others=kept, moves=moves)
    return sep.join([line, *notes])


#: The catalogue entries the browser side of the player fills in itself.
BROWSER_TEXTS = (
    "play",
    "pause",
    "loop",
    "match",
    "position",
    "silent",
    "matching_off",
    "equal_two",
    "equal_all",
    "one_down",
    "many_down",
    "move",
    "and",
    "could_not_start",
    "could_not_load",
    "could_not_load_sides",
)


def browser_texts() -> dict[str, str]:
    """The player's templates in the current language, for the browser to fill in."""
    return {name: template(f"player.{name}") for name in BROWSER_TEXTS}


# ---------------------------------------------------------------------------------------
# Checking and fitting audio
# ---------------------------------------------------------------------------------------


def _describe(name: str, audio: Audio) -> str:
    """Name a side in messages: ``side 'b' ('vocal.wav')``."""
    return f"side {name!r} ({audio.name!r})" if audio.name else f"side {name!r}"


def _prepare(name: str, audio: Audio | None) -> tuple[np.ndarray, float] | None:
    """Check one side; return its samples as float32 and their peak, or ``None``."""
    if audio is None:
        return None
    if not isinstance(audio, Audio):
        raise AudioDataError(
            f"The player's side {name!r} needs a studio.Audio, got {type(audio).__name__}. "
            "Wrap samples with studio.Audio(samples, sr)."
        )
    what = _describe(name, audio)
    if audio.n_frames == 0:
        raise AudioDataError(f"The player's {what} is empty (0 frames): there is nothing to play.")
    if audio.n_channels > _MAX_CHANNELS:
        raise AudioDataError(
            f"The player's {what} has {audio.n_channels} channels; browsers play at most "
            f"{_MAX_CHANNELS}."
        )
    if audio.duration_s > MAX_PREVIEW_S:
        raise AudioDataError(
            f"The player's {what} is {audio.duration_s:.1f} s long; the player is for short "
            f"previews of at most {MAX_PREVIEW_S:.0f} s. Play a passage of it instead, for "
            "example audio.segment(start_s=30.0, stop_s=50.0)."
        )
    with np.errstate(over="ignore"):  # beyond float32's range becomes inf: caught below
        samples = np.asarray(audio.samples, dtype=np.float32)
    top = peak(samples)  # NaN or inf exactly when some sample is not finite
    if not math.isfinite(top):
        finite = np.isfinite(samples)
        channel, frame = np.unravel_index(int(np.argmin(finite)), samples.shape)
        count = int(samples.size - np.count_nonzero(finite))
        raise AudioDataError(
            f"The player's {what} has {count} samples that are NaN or infinite (too large "
            f"for 32-bit float), the first in channel {channel} at {frame / audio.sr:.3f} s; "
            "the player cannot play them. Find where the processing blew up."
        )
    return samples, top


def _fit_length(samples: np.ndarray, n_frames: int) -> np.ndarray:
    """Trim ``samples`` to ``n_frames``, or pad the end with silence up to it."""
    if samples.shape[1] == n_frames:
        return samples
    out = np.zeros((samples.shape[0], n_frames), dtype=np.float32)
    keep = min(n_frames, samples.shape[1])
    out[:, :keep] = samples[:, :keep]
    return out


def _check_fits(name: str, audio: Audio | None, ref_name: str, ref: Audio | None) -> None:
    """Refuse a side that cannot play beside the reference side."""
    if audio is None or ref is None or name == ref_name:
        return
    if audio.sr != ref.sr:
        raise AudioDataError(
            f"The player's {_describe(ref_name, ref)} is at {ref.sr} Hz but "
            f"{_describe(name, audio)} is at {audio.sr} Hz; the player compares versions "
            "of the same passage, so all sides need the same sample rate. Render it at "
            f"{ref.sr} Hz (or replace all sides at once with set_sides)."
        )
    if audio.n_channels != ref.n_channels and 1 not in (audio.n_channels, ref.n_channels):
        raise AudioDataError(
            f"The player's {_describe(ref_name, ref)} has {ref.n_channels} channels but "
            f"{_describe(name, audio)} has {audio.n_channels}; the player can compare "
            "equal channel counts, or mono with anything (mono plays on every speaker)."
        )


def _valid_loudness(name: str, value: float) -> float:
    """A finite loudness difference in dB; NaN and infinities refused plainly."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(
            f"Player: the loudness of side {name!r} must be a number of dB, got {value!r}."
        ) from None
    if not math.isfinite(number):
        raise ParameterError(
            f"Player: the loudness of side {name!r} must be a finite level in dB, got "
            f"{number}. Is a side silent? Silence cannot be loudness-matched."
        )
    return number


def _passage_of(
    audio: Mapping[str, Audio | None], reference: str, names: Iterable[str]
) -> str | None:
    """The side that sets the passage: the reference if it holds audio, else the first that does."""
    if audio.get(reference) is not None:
        return reference
    return next((name for name in names if audio.get(name) is not None), None)


# ---------------------------------------------------------------------------------------
# The widgets
# ---------------------------------------------------------------------------------------


class PlayerSide(Widget):
    """One side's audio as the browser receives it: a data-only model, never displayed.

    Each side is its own widget model so that a new version of one side sends that
    side's samples alone (one message), not every side's. All its traits change together
    in one message per update, so samples, scale and loudness always match.
    """

    name = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    tag = traitlets.Unicode("").tag(sync=True)
    # planar little-endian int16 codes and their scale (see pcm16.encode_samples)
    data = traitlets.Bytes(b"").tag(sync=True)
    scale = traitlets.Float(0.0).tag(sync=True)
    n_channels = traitlets.Int(0).tag(sync=True)
    n_frames = traitlets.Int(0).tag(sync=True)
    sr = traitlets.Int(0).tag(sync=True)
    # the name of the side whose samples these are, sample for sample ("" = own data)
    same_as = traitlets.Unicode("").tag(sync=True)
    # loudness relative to the reference side, in dB (positive: louder)
    loudness_db = traitlets.Float(0.0).tag(sync=True)
    version = traitlets.Int(0).tag(sync=True)

    @property
    def loaded(self) -> bool:
        """Whether the side holds audio."""
        return self.n_channels > 0

    @property
    def silent(self) -> bool:
        """Whether the side holds audio that is all zeros (it cannot be matched)."""
        return self.loaded and not self.same_as and self.scale == 0.0


class Player(anywidget.AnyWidget):
    """Play N versions of one passage in step and switch between them in place.

    Parameters
    ----------
    sides : mapping of str to Audio or None
        The sides in button order, by name (short lower-case keys such as ``"mix"``,
        ``"master"``, ``"reference"``). ``None`` reserves a side to fill later.
    labels : mapping of str to str, optional
        Button labels by side name (the name by default).
    reference : str, optional
        The side the others are compared with (the first by default): its length and
        sample rate are the passage's; others are trimmed, or padded with silence at the
        end, to its length, and their loudness is given relative to it.
    loudness_db : mapping of str to float, optional
        Each side's measured loudness relative to the reference side, in dB (positive:
        louder). Missing sides count as equally loud.
    match_loudness : bool
        Turn louder sides down so all sound equally loud (default True).
    loop : bool
        Loop the passage (default True).
    tags : mapping of str to str, optional
        Short marks shown before the labels (``"A"``, ``"B"``, ... by default).

    Attributes
    ----------
    active : str
        The side you hear; the buttons set it too.

    Examples
    --------
    >>> import numpy as np
    >>> from studio import Audio
    >>> t = np.arange(48000) / 48000
    >>> mix = Audio(0.25 * np.sin(2 * np.pi * 220 * t), 48000, "mix")
    >>> player = Player({"mix": mix, "master": mix.with_samples(2 * mix.samples)},
    ...                 loudness_db={"master": 6.02})
    >>> player.playback_gains_db()  # the louder master is turned down, never mix up
    {'mix': 0.0, 'master': -6.02}
    >>> player.status_text()
    'master is turned down 6.0 dB to match the loudness of mix'
    """

    _esm = _HERE / "player.js"
    _css = _HERE / "player.css"

    texts = traitlets.Dict().tag(sync=True)  # the words the browser fills in
    sides = traitlets.List(traitlets.Instance(PlayerSide)).tag(sync=True, **widget_serialization)
    reference = traitlets.Unicode("").tag(sync=True)
    active = traitlets.Unicode("").tag(sync=True)
    loop = traitlets.Bool(True).tag(sync=True)
    match_loudness = traitlets.Bool(True).tag(sync=True)
    #: A name for this player on the page's transport, so other views (a console's
    #: meters) can follow its position while it sounds.
    transport_id = traitlets.Unicode("").tag(sync=True)
    #: Where the sides start in a longer whole (s): the time shown counts from here,
    #: so a passage of a song shows song time (a preview from 1:00 shows 01:00.0 on).
    time_origin_s = traitlets.Float(0.0).tag(sync=True)

    def __init__(
        self,
        sides: Mapping[str, Audio | None] | None = None,
        *,
        labels: Mapping[str, str] | None = None,
        reference: str | None = None,
        loudness_db: Mapping[str, float] | None = None,
        match_loudness: bool = True,
        loop: bool = True,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        given = dict(sides or {})
        names = list(given)
        for name in names:
            if not isinstance(name, str) or not _NAME.match(name):
                raise ParameterError(
                    f"Player: side names are short lower-case keys such as 'mix' or "
                    f"'master' (a letter, then letters, digits or _); got {name!r}."
                )
        labels = dict(labels or {})
        tags = dict(tags or {})
        for what, mapping in (("labels", labels), ("tags", tags), ("loudness_db", loudness_db)):
            unknown = sorted(set(mapping or {}) - set(names))
            if unknown:
                raise ParameterError(f"Player: {what} names no side {unknown}; sides: {names}.")
        if reference is not None and reference not in names:
            raise ParameterError(f"Player: the reference {reference!r} is not a side {names}.")
        models = [
            PlayerSide(
                name=name,
                label=labels.get(name, name),
                tag=tags.get(name, chr(ord("A") + i) if i < 26 else ""),
            )
            for i, name in enumerate(names)
        ]
        super().__init__(
            sides=models,
            texts=browser_texts(),
            reference=reference or (names[0] if names else ""),
            active=names[0] if names else "",
            match_loudness=match_loudness,
            loop=loop,
        )
        self._audio: dict[str, Audio | None] = {name: None for name in names}
        self._ref_floats: np.ndarray | None = None  # the passage's samples, to spot equals
        self.set_sides(given, loudness_db=loudness_db)
        register_view(self)

    # -- the sides ---------------------------------------------------------------------

    @property
    def names(self) -> tuple[str, ...]:
        """The side names, in button order."""
        return tuple(side.name for side in self.sides)

    def side(self, name: str) -> PlayerSide:
        """The model of side ``name`` (what the browser receives for it)."""
        for side in self.sides:
            if side.name == name:
                return side
        raise ParameterError(f"Player: there is no side {name!r}; sides: {list(self.names)}.")

    def audio(self, name: str) -> Audio | None:
        """The audio last given for side ``name``, as given (before fitting)."""
        self.side(name)
        return self._audio[name]

    @property
    def loudness_db(self) -> dict[str, float]:
        """Each side's loudness relative to the reference side (dB), as last given."""
        return {side.name: side.loudness_db for side in self.sides}

    def set_side(self, name: str, audio: Audio | None, *, loudness_db: float | None = None) -> None:
        """Replace one side's audio; cheap enough to call on every change.

        While playing, the browser swaps the new audio in at the current position
        without stopping. Only this side's samples are sent (unless it is the reference
        and its length changed: then the others are re-fitted and sent too).

        Parameters
        ----------
        name : str
            Which side.
        audio : Audio or None
            The new audio (``None`` empties the side).
        loudness_db : float, optional
            The side's new loudness relative to the reference (dB). Given here, it
            reaches the browser in the same message as the samples, so the new audio is
            never heard for a moment at the old level.

        Raises
        ------
        AudioDataError
            If the audio is empty, too long, not finite, or does not fit the reference
            side (sample rate, channels).
        ParameterError
            If ``name`` is no side or ``loudness_db`` is not a finite number.
        """
        self.set_sides(
            {name: audio}, loudness_db=None if loudness_db is None else {name: loudness_db}
        )

    def set_sides(
        self,
        sides: Mapping[str, Audio | None],
        *,
        loudness_db: Mapping[str, float] | None = None,
    ) -> None:
        """Replace several sides at once (e.g. move every side to another passage).

        Sides not named keep their audio. When the reference side's audio changes (a new
        passage), every side is fitted to it and sent again; otherwise only the named
        sides are sent. Everything is checked before anything is sent: a refused side
        changes nothing.
        """
        for name in [*sides, *(loudness_db or {})]:
            self.side(name)
        levels = {name: _valid_loudness(name, v) for name, v in (loudness_db or {}).items()}
        audio = {**self._audio, **sides}
        prepared = {name: _prepare(name, a) for name, a in sides.items()}
        passage = _passage_of(audio, self.reference, self.names)
        ref = audio[passage] if passage is not None else None
        for name in self.names:
            _check_fits(name, audio[name], passage or "", ref)
        new_passage = passage != self._passage_name() or passage in sides
        self._audio = audio
        resend = list(self.names) if new_passage else [n for n in self.names if n in sides]
        resend.sort(key=lambda name: name != passage)  # the passage first: others match it
        for name in resend:
            ready = prepared[name] if name in prepared else _prepare(name, audio[name])
            self._send_side(name, ready, levels.get(name))
        for name, level in levels.items():
            if name not in resend:
                self.side(name).loudness_db = level

    def _passage_name(self) -> str | None:
        """The side that sets length and rate: the reference, else the first with audio."""
        return _passage_of(self._audio, self.reference, self.names)

    def _send_side(
        self, name: str, prepared: tuple[np.ndarray, float] | None, level: float | None
    ) -> None:
        """Fit one side to the passage and publish it in one message."""
        side = self.side(name)
        passage = self._passage_name()
        if passage is None or prepared is None:
            data, scale, n_channels, n_frames, sr, same = b"", 0.0, 0, 0, 0, ""
            if passage is None:
                self._ref_floats = None
        else:
            ref = self._audio[passage]
            assert ref is not None  # the passage side holds audio by definition
            samples, top = prepared
            fitted = _fit_length(samples, ref.n_frames)
            if fitted.shape[1] < samples.shape[1]:  # trimmed: the peak may be gone
                top = peak(fitted)
            n_channels, n_frames, sr = fitted.shape[0], ref.n_frames, ref.sr
            same = ""
            if name == passage:
                self._ref_floats = fitted
            else:
                ref_floats = self._ref_floats
                if (
                    ref_floats is not None
                    and ref_floats.shape == fitted.shape
                    and np.array_equal(ref_floats, fitted)
                ):
                    same = passage
            data, scale = (b"", 0.0) if same else quantize(fitted, top)
        with side.hold_sync():
            side.data, side.scale, side.same_as = data, scale, same
            side.n_channels, side.n_frames, side.sr = n_channels, n_frames, sr
            if level is not None:
                side.loudness_db = level
            side.version += 1

    def set_loudness(self, name: str, loudness_db: float) -> None:
        """Set one side's loudness relative to the reference side (dB, positive louder)."""
        self.side(name).loudness_db = _valid_loudness(name, loudness_db)

    # -- what the listener hears ---------------------------------------------------------

    def playback_gains_db(self) -> dict[str, float]:
        """The gain (dB) the browser puts on each side: louder sides turned down."""
        listed = [(s.name, s.loudness_db, s.silent) for s in self.sides if s.loaded]
        gains = {side.name: 0.0 for side in self.sides}
        gains.update(match_gains_db(listed, match=self.match_loudness))
        return gains

    def status_text(self) -> str:
        """The line under the buttons (the browser writes the same words)."""
        listed = [(s.label, s.loudness_db, s.silent) for s in self.sides if s.loaded]
        return status_text(listed, match=self.match_loudness)

    def decoded(self, name: str) -> np.ndarray:
        """The float32 samples the browser rebuilds for side ``name`` (``(0, 0)`` if empty)."""
        side = self.side(name)
        if side.same_as:
            side = self.side(side.same_as)
        if not side.loaded:
            return np.zeros((0, 0), dtype=np.float32)
        return decode_samples(side.data, side.scale, side.n_channels)

    def checksum(self, name: str) -> str:
        """:func:`~studio.widgets.pcm16.float32_checksum` of what side ``name`` plays.

        The browser computes the same over the samples it loads and shows it in the
        player's ``data-<name>-checksum`` attribute.
        """
        side = self.side(name)
        if side.same_as:
            side = self.side(side.same_as)
        return codes_checksum(side.data, side.scale)

    @traitlets.validate("active")
    def _check_active(self, proposal: dict) -> str:
        value = proposal["value"]
        names = [side.name for side in self.sides]
        if names and value not in names:
            raise ParameterError(f"Player: there is no side {value!r} to play; sides: {names}.")
        return value

    def close(self) -> None:
        """Close the player and its side models, and let go of their audio.

        An output history (``Out[n]``) may keep the closed player alive; it then holds
        no samples.
        """
        for side in self.sides:
            side.close()
        super().close()
        for side in self.sides:  # closed: nothing is sent any more
            side.data = b""
        self._audio = dict.fromkeys(getattr(self, "_audio", {}))  # {} if building failed
        self._ref_floats = None


class ABPlayer(Player):
    """Play an original (A) and a processed (B) version of a passage, switching gaplessly.

    The two-sided :class:`Player`: side ``"a"`` is the reference. With
    ``match_loudness`` on, the louder side is turned down by :attr:`b_offset_db` so a
    level difference cannot fool your ears. Loops by default.

    Parameters
    ----------
    a : Audio, optional
        The original (dry) passage. Its length is the player's length.
    b : Audio, optional
        The processed passage, at A's sample rate. It is trimmed, or padded with silence
        at the end, to A's length (a reverb tail past the end of A is cut: preview a
        passage with some room after the last note).
    label_a, label_b : str
        Button labels: the buttons read "A: Original" and "B: Processed" by default.
    match_loudness : bool
        Whether to match loudness when playing (default True).

    Examples
    --------
    >>> import numpy as np
    >>> from studio import Audio
    >>> t = np.arange(48000) / 48000
    >>> dry = Audio(0.5 * np.sin(2 * np.pi * 220 * t), 48000, "tone")
    >>> player = ABPlayer(dry, dry.with_samples(0.25 * dry.samples))
    >>> player.b_offset_db = 6.02  # B measured 6.02 dB quieter than A
    >>> player.playback_gains_db()  # A is turned down so nothing clips
    {'a': -6.02, 'b': 0.0}
    """

    def __init__(
        self,
        a: Audio | None = None,
        b: Audio | None = None,
        *,
        label_a: str | None = None,
        label_b: str | None = None,
        match_loudness: bool = True,
    ) -> None:
        super().__init__(
            {"a": a, "b": b},
            labels={
                "a": t("player.original") if label_a is None else label_a,
                "b": t("player.processed") if label_b is None else label_b,
            },
            match_loudness=match_loudness,
        )
        self.add_class("studio-abplayer")

    @property
    def a(self) -> Audio | None:
        """The original passage, as given."""
        return self.audio("a")

    @property
    def b(self) -> Audio | None:
        """The processed passage, as given (before trimming or padding to A's length)."""
        return self.audio("b")

    def set_a(self, audio: Audio | None) -> None:
        """Replace the original (A); B is re-fitted and sent again."""
        self.set_side("a", audio)

    def set_b(self, audio: Audio | None, *, b_offset_db: float | None = None) -> None:
        """Replace the processed version (B), with its loudness offset in the same message.

        ``b_offset_db`` is how many dB B should be moved to sound as loud as A
        (negative: B is louder), see :attr:`b_offset_db`.
        """
        level = None if b_offset_db is None else -_offset("b_offset_db", b_offset_db)
        self.set_side("b", audio, loudness_db=level)

    def set_pair(self, a: Audio | None, b: Audio | None) -> None:
        """Replace both sides at once, e.g. to move to another passage or sample rate."""
        self.set_sides({"a": a, "b": b})

    @property
    def b_offset_db(self) -> float:
        """How many dB B should be moved to sound as loud as A (negative: B is louder).

        It is minus B's loudness relative to A, limited to +-60 dB.
        """
        return -self.side("b").loudness_db

    @b_offset_db.setter
    def b_offset_db(self, value: float) -> None:
        self.set_loudness("b", -_offset("b_offset_db", value))

    @property
    def b_version(self) -> int:
        """Goes up by one on every change of B (the page shows it as ``data-b-version``)."""
        return self.side("b").version

    @property
    def b_same_as_a(self) -> bool:
        """Whether B is A sample for sample, so no B samples are sent."""
        return self.side("b").same_as == "a"

    def offset_text(self) -> str:
        """The line under the buttons (see :meth:`Player.status_text`)."""
        return self.status_text()

    def b_checksum(self) -> str:
        """The checksum of the B samples the browser plays (see :meth:`Player.checksum`)."""
        return self.checksum("b")


def _offset(what: str, value: float) -> float:
    """A finite offset limited to +-MAX_OFFSET_DB (the ABPlayer spelling of loudness)."""
    number = float(value)
    if not math.isfinite(number):
        raise ParameterError(
            f"ABPlayer: {what} must be a finite level offset in dB, got {number}. "
            "Is one side silent? Silence cannot be loudness-matched."
        )
    return min(MAX_OFFSET_DB, max(-MAX_OFFSET_DB, number))
