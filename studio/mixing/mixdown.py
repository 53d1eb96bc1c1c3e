"""Static mixdown: faders and pan, summed to a stereo mix.

This is step 2 of mixing, the *static balance*: before any EQ or compression, set how
loud each track is (its fader, in dB) and where it sits from left to right (its pan),
then add everything up. Nothing here changes over time and nothing touches the tone.

Pan law
    A mono track is sent to both sides with a constant-power law: at pan ``p`` (-1 left
    .. +1 right) the left and right gains are ``cos(theta)`` and ``sin(theta)`` with
    ``theta = (p + 1) * pi / 4``. In the centre each side gets 0.707 (-3.01 dB), so the
    total power, and how loud the track seems, stays the same wherever you pan it.
    Hard left is 0 dB left and silence right.

Balance
    A stereo track already has its own left and right, so panning it means turning one
    side down: panning left keeps the left channel at 0 dB and lowers the right one
    along the same quarter-cosine curve, down to silence at -1. In the centre both
    sides pass unchanged.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from studio.audio import Audio
from studio.dsp.pan import balance_gains, pan_gains
from studio.errors import AudioDataError, ParameterError, StudioWarning
from studio.processors.utility import Fader

__all__ = ["mixdown", "pan_to_gains"]


def pan_to_gains(pan: float, *, stereo_source: bool = False) -> tuple[float, float]:
    """Left and right gains (linear) for a pan position.

    Parameters
    ----------
    pan : float
        -1 (hard left) .. 0 (centre) .. +1 (hard right).
    stereo_source : bool
        False: constant-power pan law for a mono source (-3.01 dB per side in the
        centre). True: balance for a stereo source (0 dB per side in the centre; the
        far side fades out as you pan).

    Returns
    -------
    (float, float)
        Gains applied to the left and right output.

    Examples
    --------
    >>> [round(g, 4) for g in pan_to_gains(0.0)]
    [0.7071, 0.7071]
    >>> pan_to_gains(-1.0)
    (1.0, 0.0)
    >>> pan_to_gains(0.0, stereo_source=True)
    (1.0, 1.0)
    """
    p = _check_pan(pan, "pan")
    gains = balance_gains(p) if stereo_source else pan_gains(p)
    return float(gains[0]), float(gains[1])


def _check_pan(pan: float, what: str) -> float:
    try:
        p = float(pan)
    except (TypeError, ValueError):
        raise ParameterError(
            f"{what} must be a number from -1 (left) to +1 (right), got {pan!r}."
        ) from None
    if not -1.0 <= p <= 1.0:
        raise ParameterError(f"{what} must be from -1 (left) to +1 (right), got {pan!r}.")
    return p


def _named_tracks(tracks: Mapping[str, Audio] | Sequence[Audio]) -> dict[str, Audio]:
    """Give every track a name: its key, its ``Audio.name`` or its position."""
    if isinstance(tracks, Mapping):
        named = {str(k): v for k, v in tracks.items()}
    elif isinstance(tracks, Sequence) and not isinstance(tracks, str | bytes):
        named = {}
        for i, a in enumerate(tracks):
            name = getattr(a, "name", None) or f"track {i + 1}"
            if name in named:
                name = f"{name} ({i + 1})"
            named[name] = a
    else:
        raise AudioDataError(
            "mixdown: tracks must be a dict of name -> Audio or a list of Audio, got "
            f"{type(tracks).__name__}."
        )
    if not named:
        raise AudioDataError("mixdown: there is nothing to mix (no tracks were given).")
    for name, a in named.items():
        if not isinstance(a, Audio):
            raise AudioDataError(
                f"mixdown: track {name!r} is a {type(a).__name__}, not a studio.Audio; "
                "wrap samples with studio.Audio(samples, sr)."
            )
        if a.n_channels not in (1, 2):
            raise AudioDataError(
                f"mixdown: track {name!r} has {a.n_channels} channels; only mono and stereo "
                "tracks can be mixed to stereo."
            )
    return named


def _per_track(values: Any, names: list[str], what: str, default: float | None) -> dict[str, Any]:
    """Read gains or pans given as a dict by track name or a list in track order."""
    if values is None:
        return dict.fromkeys(names, default)
    if isinstance(values, Mapping):
        unknown = [k for k in values if k not in names]
        if unknown:
            raise ParameterError(
                f"mixdown: {what} names {', '.join(map(repr, unknown))}, which "
                f"{'is not a track' if len(unknown) == 1 else 'are not tracks'}; "
                f"the tracks are: {', '.join(names)}."
            )
        return {n: values.get(n, default) for n in names}
    values = list(values)
    if len(values) != len(names):
        raise ParameterError(
            f"mixdown: {what} has {len(values)} values for {len(names)} tracks; give one "
            "per track or a dict by track name."
        )
    return dict(zip(names, values, strict=True))


def _faders(
    names: list[str],
    faders: Mapping[str, Fader] | None,
    gains_db: Mapping[str, float] | Sequence[float] | None,
    pans: Mapping[str, float] | Sequence[float] | None,
) -> dict[str, Fader]:
    """One Fader per track: the given ones, with any gains and pans applied on top."""
    given = dict(faders or {})
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise ParameterError(
            f"mixdown: faders name {', '.join(map(repr, unknown))}, which "
            f"{'is not a track' if len(unknown) == 1 else 'are not tracks'}; "
            f"the tracks are: {', '.join(names)}."
        )
    for track_name, fader in given.items():
        if not isinstance(fader, Fader):
            raise ParameterError(
                f"mixdown: the fader for {track_name!r} must be a studio.Fader; got {fader!r}."
            )
    gains = _per_track(gains_db, names, "gains_db", None)
    pan_of = _per_track(pans, names, "pans", None)
    strips = {}
    for track_name in names:
        fader = given.get(track_name, Fader())
        for what, field, value in (
            ("gain", "gain_db", gains[track_name]),
            ("pan", "pan", pan_of[track_name]),
        ):
            if value is None:
                continue
            try:
                fader = fader.replace(**{field: value})
            except ParameterError as exc:
                raise ParameterError(f"mixdown: {what} for {track_name!r}: {exc}") from None
        strips[track_name] = fader
    return strips


def mixdown(
    tracks: Mapping[str, Audio] | Sequence[Audio],
    *,
    faders: Mapping[str, Fader] | None = None,
    gains_db: Mapping[str, float] | Sequence[float] | None = None,
    pans: Mapping[str, float] | Sequence[float] | None = None,
    headroom_db: float | None = None,
    name: str = "mixdown",
) -> Audio:
    """Mix tracks to stereo with static faders and pan: the static balance.

    Each track goes through its :class:`~studio.processors.utility.Fader` (its gain, then
    its place left-right: the pan law for mono tracks, balance for stereo tracks; see
    :func:`pan_to_gains`), and all are added. Shorter tracks are padded with silence to
    the longest. The inputs are not changed.

    Parameters
    ----------
    tracks : dict of str -> Audio, or list of Audio
        Mono or stereo tracks, all at the same sample rate.
    faders : dict of str -> Fader, optional
        A fader per track name (missing tracks: unity, centred). Given together with
        ``gains_db`` or ``pans``, those change the named faders' gain or pan.
    gains_db : dict or list of float, optional
        Fader gain per track in dB (0 = unity, negative = quieter). Missing tracks stay
        at 0 dB. A dict is keyed by track name (for a list of tracks: each Audio's
        ``name``, else ``"track 1"``, ``"track 2"``...).
    pans : dict or list of float, optional
        Pan per track, -1 (left) .. +1 (right); missing tracks stay centred.
    headroom_db : float, optional
        If given, turn the whole mix (a master fader) so that its highest sample peak
        sits this many dB below full scale: 6 gives peaks at -6 dBFS, the usual
        headroom for mastering. By default the sum is left as it is.
    name : str
        Name of the resulting Audio.

    Returns
    -------
    Audio
        The stereo mix, ``(2, n_frames)``.

    Raises
    ------
    AudioDataError
        No tracks, a track that is not Audio or has more than two channels, or tracks
        at different sample rates.
    ParameterError
        A gain or pan out of range or naming a track that does not exist.

    Warns
    -----
    StudioWarning
        If the mix peaks above 0 dBFS: it would clip once saved to a fixed-point file.

    Examples
    --------
    >>> import numpy as np
    >>> tone = Audio(np.full((1, 4), 0.5), 48000, "tone")
    >>> mixdown({"tone": tone}, pans={"tone": -1.0}).samples[:, 0].tolist()
    [0.5, 0.0]
    """
    named = _named_tracks(tracks)
    names = list(named)
    rates = {a.sr for a in named.values()}
    if len(rates) > 1:
        listing = ", ".join(f"{n} {a.sr} Hz" for n, a in named.items())
        raise AudioDataError(
            f"mixdown: all tracks must share one sample rate, but they differ ({listing}); "
            "resample them first."
        )
    strips = _faders(names, faders, gains_db, pans)
    sr = rates.pop()
    n = max(a.n_frames for a in named.values())
    dtype = np.result_type(*(a.samples.dtype for a in named.values()))
    out = np.zeros((2, n), dtype=dtype)
    for track_name, a in named.items():
        out[:, : a.n_frames] += strips[track_name].process(a.samples, sr)
    peak = float(np.max(np.abs(out))) if n else 0.0
    if headroom_db is not None:
        h = float(headroom_db)
        if not (math.isfinite(h) and h >= 0.0):
            raise ParameterError(
                f"mixdown: headroom_db must be 0 dB or more (6 leaves peaks at -6 dBFS), "
                f"got {headroom_db!r}."
            )
        if peak > 0.0:
            out *= dtype.type(10.0 ** (-h / 20.0) / peak)
            peak = 10.0 ** (-h / 20.0)
    if peak > 1.0:
        warnings.warn(
            f"mixdown: the mix peaks at {20.0 * math.log10(peak):+.1f} dBFS, above full scale; "
            "it would clip when saved to a fixed-point file. Pull the faders down (aim for "
            "peaks around -6 dBFS) or pass headroom_db=6.",
            StudioWarning,
            stacklevel=2,
        )
    return Audio(out, sr, name)
