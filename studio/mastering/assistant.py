"""The mastering assistant: it listens to a mix, proposes a chain and says why.

:func:`analyse_mix` measures a stereo (or mono) mixdown once: the meter's figures
(:func:`studio.measure`: loudness, loudness range, true peak, PLR, PSR, crest factor,
correlation, the mono fold), the long-term spectrum in third octaves (its slope, the
bands that stand out of it) and how wide the low end is (the correlation below 150 Hz,
from the mid and side spectra). :func:`suggest` compares that with a genre
(:func:`studio.mastering.presets.genre`) and a delivery target
(:func:`studio.mastering.targets.target`) and proposes an ordinary, editable
:class:`~studio.mastering.chain.MasteringChain`, every move with its reason::

    from studio.mastering.assistant import suggest
    advice = suggest(mix, target="spotify", genre="pop")
    print(advice)                 # what was measured, each move and why
    master = advice.chain(mix)    # the proposed rack, applied
    gentler = advice.with_amounts(tone_pct=50, intensity_pct=80)

**How it decides.** The assistant starts from the default rack with every module
switched off and switches on only what the mix needs or the genre asks for; each
switch and each setting it changes is a :class:`ChainMove` (module, path, from, to,
reason, aspect). The genre preset's rules are kept (a classical master gets no glue
compressor and keeps its loudness range; a dynamic genre is not pushed louder than its
own level), and its moves carry the preset's reasons. A mix that is already denser than
its genre gets no more compression, saturation or limiter drive: it is only turned down.
The loudness module always lands the master on the target.

**Amounts.** One amount per aspect, 0-100 %: *tone* (corrective and tonal EQ, tilt,
dynamic EQ, saturation, exciter), *dynamics* (glue and multiband compressors and the
limiter's drive, the density), *width* (the imager) and *loudness* (the loudness
module), and an overall *intensity* that multiplies all four. An aspect's amount
becomes its modules' ``amount_pct`` (see :mod:`studio.mastering.chain`: each setting
moves that far from neutral); at 0 % its modules are switched off, so a chain with every
amount at 0 leaves the mix untouched, and with only loudness above 0 it is the loudness
module alone. The level is not a matter of taste but of the target: any loudness amount
above 0 % lands the master on it (0 % leaves the level as it is).

**Typical balance.** A genre's balance is a straight line on the third-octave
analyser, in dB per octave against pink noise (flat there): dense, bright styles fall
about 3 dB per octave, orchestral and ambient recordings nearer 5 (:data:`BALANCE_DB_PER_OCT`).
These are round figures for orientation, not a rule: the assistant moves the tilt only
when a mix is more than :data:`TILT_TOLERANCE_DB_PER_OCT` away.
"""

from __future__ import annotations

import html
import math
import textwrap
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studio.audio import Audio
from studio.errors import AudioDataError, ParameterError
from studio.mastering.chain import MasteringChain
from studio.mastering.presets import GenrePreset
from studio.mastering.presets import genre as find_genre
from studio.mastering.targets import Target
from studio.mastering.targets import target as find_target
from studio.params import Path
from studio.text import t

__all__ = [
    "ASPECTS",
    "ASPECT_OF",
    "BALANCE_DB_PER_OCT",
    "TILT_TOLERANCE_DB_PER_OCT",
    "Advice",
    "Bump",
    "ChainMove",
    "MixAnalysis",
    "Note",
    "analyse_mix",
    "suggest",
]

#: The four aspects a learner sets an amount for.
ASPECTS = ("tone", "dynamics", "width", "loudness")

#: Which aspect each module of the default rack belongs to.
ASPECT_OF: dict[str, str] = {
    "corrective_eq": "tone",
    "tonal_eq": "tone",
    "tilt": "tone",
    "dynamic_eq": "tone",
    "saturation": "tone",
    "exciter": "tone",
    "glue": "dynamics",
    "multiband": "dynamics",
    "imager": "width",
    "limiter": "dynamics",
    "loudness": "loudness",
    "dither": "loudness",
}

#: A genre's typical long-term balance: the slope of its third-octave levels from
#: 100 Hz to 10 kHz in dB per octave (pink noise reads 0, white noise +3).
BALANCE_DB_PER_OCT: dict[str, float] = {
    "edm": -3.5,
    "hiphop": -4.0,
    "pop": -3.0,
    "rock": -3.5,
    "jazz": -4.5,
    "acoustic": -4.0,
    "classical": -5.0,
    "ambient": -4.5,
}
#: How far (dB per octave) a mix's slope may sit from its genre's before the tilt moves.
TILT_TOLERANCE_DB_PER_OCT = 0.75
#: Largest tilt (dB), shelf (dB) and corrective cut (dB) the assistant proposes.
MAX_TILT_DB = 3.0
MAX_HIGH_SHELF_DB = 4.0
MAX_LOW_SHELF_DB = 3.0
MAX_CUT_DB = 6.0
#: A band standing this far (dB) out of its neighbourhood is a bump worth a cut.
BUMP_DB = 2.0
#: Below this correlation (under 150 Hz) the low end counts as wide.
WIDE_BASS_CORRELATION = 0.8
#: The low end's upper edge for the width check (Hz).
LOW_END_HZ = 150.0
#: Where the three bump regions lie (Hz): boom, mud, harshness.
REGIONS_HZ: dict[str, tuple[float, float]] = {
    "boom": (90.0, 250.0),
    "mud": (250.0, 500.0),
    "harsh": (2000.0, 6300.0),
}
_FIT_HZ = (50.0, 12000.0)
_SLOPE_HZ = (100.0, 10000.0)
_TOP_HZ = (6300.0, 16000.0)
_BOTTOM_HZ = (50.0, 80.0)
_CORE_HZ = (200.0, 2000.0)
_RESOLUTION_HZ = 5.0


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64)
    a.flags.writeable = False
    return a


def _hz(hz: float) -> str:
    return f"{hz / 1000.0:.1f} kHz" if hz >= 1000.0 else f"{hz:.0f} Hz"


# ------------------------------------------------------------------------------ analysis


@dataclass(frozen=True)
class Bump:
    """A band that stands out of the balance around it.

    Attributes
    ----------
    region : {"boom", "mud", "harsh"}
        Where it lies.
    freq_hz : float
        Its centre (interpolated between third-octave bands).
    excess_db : float
        How far it stands above the median of the octave or so around it.
    q : float
        A peak filter's Q that matches its width.
    """

    region: str
    freq_hz: float
    excess_db: float
    q: float


@dataclass(frozen=True, eq=False)
class MixAnalysis:
    """What the assistant measured on a mix (genre-free; :func:`suggest` compares).

    Attributes
    ----------
    name : str or None
        The mix's name.
    sr : int
        Sample rate in Hz.
    n_channels : int
        1 or 2.
    duration_s : float
        Length in seconds.
    integrated_lufs, lra_lu, true_peak_dbtp, plr_db, median_psr_db, crest_factor_db : float
        The meter's figures (see :class:`studio.analysis.meter.Measurement`).
    correlation, mono_loss_lu : float
        Left/right correlation over the whole mix and the loudness lost in a mono fold.
    low_correlation : float
        Correlation of the channels below :data:`LOW_END_HZ` (1 for mono), from the mid
        and side power there: ``(M - S) / (M + S)``.
    centres_hz, levels_db : numpy.ndarray
        Third-octave band centres and levels (dB, the channels' mean power).
    slope_db_per_oct : float
        Straight-line slope of the levels from 100 Hz to 10 kHz (pink noise 0).
    bumps : tuple of Bump
        The largest bump in each region that stands at least :data:`BUMP_DB` out.
    rumble_db : float
        Level of the bands below 30 Hz against the 63 Hz band (dB).
    """

    name: str | None
    sr: int
    n_channels: int
    duration_s: float
    integrated_lufs: float
    lra_lu: float
    true_peak_dbtp: float
    plr_db: float
    median_psr_db: float
    crest_factor_db: float
    correlation: float
    mono_loss_lu: float
    low_correlation: float
    centres_hz: np.ndarray
    levels_db: np.ndarray
    slope_db_per_oct: float
    bumps: tuple[Bump, ...]
    rumble_db: float

    def bump(self, region: str) -> Bump | None:
        """The bump found in ``region`` (``"boom"``, ``"mud"``, ``"harsh"``), if any."""
        for b in self.bumps:
            if b.region == region:
                return b
        return None

    def usable(self) -> np.ndarray:
        """Which bands hold enough energy to judge (within 80 dB of the loudest)."""
        return _usable(self.levels_db)


def _usable(levels: np.ndarray) -> np.ndarray:
    finite = np.isfinite(levels)
    if not finite.any():
        return finite
    return finite & (levels > float(np.max(levels[finite])) - 80.0)


def _spectra(x: np.ndarray, sr: int, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean power density of the mid and of the side (or the mono channel), per bin."""
    from studio.dsp.spectral import iter_power_frames

    nperseg = max(16, min(int(round(sr / _RESOLUTION_HZ)), max(x.shape[1], 16)))
    hop = max(1, nperseg // 2)
    channels: list[np.ndarray] = [x.mean(axis=0)]
    if x.shape[0] == 2:
        channels = [0.5 * (x[0] + x[1]), 0.5 * (x[0] - x[1])]
    out = []
    for ch in channels:
        total = np.zeros(nperseg // 2 + 1)
        count = 0
        for _, density in iter_power_frames(
            ch[np.newaxis], sr, nperseg=nperseg, hop=hop, what=what
        ):
            total += density.sum(axis=0)
            count += density.shape[0]
        out.append(total / max(count, 1))
    mid = out[0]
    side = out[1] if len(out) > 1 else np.zeros_like(mid)
    freqs = np.arange(nperseg // 2 + 1) * sr / nperseg
    return freqs, mid, side


def _in(centres: np.ndarray, lo_hz: float, hi_hz: float) -> np.ndarray:
    return (centres >= lo_hz * 0.98) & (centres <= hi_hz * 1.02)


def _smoothed(levels: np.ndarray, usable: np.ndarray, size: int = 7) -> np.ndarray:
    """Levels through a running median of ``size`` bands (unusable bands at the floor)."""
    from scipy.ndimage import median_filter

    floor = float(np.min(levels[usable])) if usable.any() else 0.0
    return np.asarray(median_filter(np.where(usable, levels, floor), size, mode="nearest"))


def _find_bumps(centres: np.ndarray, d: np.ndarray, usable: np.ndarray) -> tuple[Bump, ...]:
    # a band against the median of the 1.5 octaves around it: a straight or bent balance
    # (a roll-off's knee) reads 0, a bump its height
    excess = np.where(usable, d - _smoothed(d, usable, 9), 0.0)
    found = []
    for region, (lo, hi) in REGIONS_HZ.items():
        inside = np.flatnonzero(_in(centres, lo, hi) & usable)
        if not inside.size:
            continue
        i = int(inside[np.argmax(excess[inside])])
        e = float(excess[i])
        if e < BUMP_DB:
            continue
        # centre: a parabola through the band and its neighbours, on log frequency
        shift = 0.0
        if 0 < i < len(d) - 1:
            a, b, c = excess[i - 1], excess[i], excess[i + 1]
            denom = a - 2.0 * b + c
            shift = float(np.clip(0.5 * (a - c) / denom, -0.5, 0.5)) if denom < 0 else 0.0
        freq = float(centres[i] * 2.0 ** (shift / 3.0))
        # width: the run of bands above half the excess, in octaves
        lo_i = i
        while lo_i > 0 and excess[lo_i - 1] > e / 2.0:
            lo_i -= 1
        hi_i = i
        while hi_i < len(d) - 1 and excess[hi_i + 1] > e / 2.0:
            hi_i += 1
        octaves = max((hi_i - lo_i + 1) / 3.0, 1.0 / 3.0)
        q = 1.0 / (2.0 * math.sinh(math.log(2.0) / 2.0 * octaves))
        found.append(Bump(region, freq, e, float(np.clip(q, 0.7, 4.0))))
    return tuple(found)


def analyse_mix(mix: Audio) -> MixAnalysis:
    """Measure what the assistant needs to know about a mix, once.

    Parameters
    ----------
    mix : Audio
        A stereo or mono mixdown.

    Returns
    -------
    MixAnalysis

    Raises
    ------
    AudioDataError
        If ``mix`` is not an :class:`~studio.Audio`, has more than two channels, no
        samples, or non-finite samples.
    """
    from studio.analysis.meter import measure
    from studio.dsp.spectral import band_weights, fractional_octave_bands

    if not isinstance(mix, Audio):
        raise AudioDataError(
            f"analyse_mix() takes a studio.Audio, got {type(mix).__name__}; wrap samples "
            "with studio.Audio(samples, sr)."
        )
    if mix.n_channels not in (1, 2):
        raise AudioDataError(
            f"{mix.name or 'the mix'}: the mastering assistant takes a mono or stereo mix, "
            f"got {mix.n_channels} channels; fold it down first."
        )
    m = measure(mix)
    sr = mix.sr
    what = mix.name or "mix"
    freqs, mid, side = _spectra(mix.samples, sr, what)
    top_hz = min(16000.0, 0.45 * sr)
    centres, lower, upper = fractional_octave_bands(3, low_hz=20.0, high_hz=top_hz, sr=sr)
    weights = band_weights(freqs, lower, upper)
    with np.errstate(divide="ignore"):
        levels = 10.0 * np.log10(weights @ (mid + side))
    low = freqs < LOW_END_HZ
    pm, ps = float(mid[low].sum()), float(side[low].sum())
    low_corr = (pm - ps) / (pm + ps) if pm + ps > 0 else math.nan
    usable = _usable(levels)
    octs = np.log2(centres / 1000.0)
    sel = _in(centres, *_SLOPE_HZ) & usable
    smooth = _smoothed(levels, usable)  # a bump does not bend the slope
    slope = float(np.polyfit(octs[sel], smooth[sel], 1)[0]) if sel.sum() >= 2 else math.nan
    bumps = _find_bumps(centres, levels, usable)
    sub = _in(centres, 20.0, 25.0) & usable
    ref = np.flatnonzero(_in(centres, 63.0, 63.0))
    if sub.any() and ref.size and np.isfinite(levels[ref[0]]):
        rumble = float(10.0 * np.log10(np.mean(10.0 ** (levels[sub] / 10.0))) - levels[ref[0]])
    else:
        rumble = -math.inf
    return MixAnalysis(
        name=mix.name,
        sr=sr,
        n_channels=mix.n_channels,
        duration_s=m.duration_s,
        integrated_lufs=m.integrated_lufs,
        lra_lu=m.lra_lu,
        true_peak_dbtp=m.true_peak_dbtp,
        plr_db=m.plr_db,
        median_psr_db=m.median_psr_db,
        crest_factor_db=m.crest_factor_db,
        correlation=m.correlation,
        mono_loss_lu=m.mono_loss_lu,
        low_correlation=1.0 if mix.n_channels == 1 else low_corr,
        centres_hz=_readonly(centres),
        levels_db=_readonly(levels),
        slope_db_per_oct=slope,
        bumps=bumps,
        rumble_db=rumble,
    )


# ------------------------------------------------------------------------------ advice


@dataclass(frozen=True)
class ChainMove:
    """One setting the assistant changes, and why.

    Attributes
    ----------
    module : str
        The module's name (``"tilt"``, ``"glue"``...).
    path : tuple
        The setting's path in the chain (``("modules", "tilt", "processor", "tilt_db")``).
    from_value, to_value
        Its value in the default rack with every module off, and the proposed value
        (at full amount: the module's ``amount_pct`` scales it in the chain).
    reason : str
        Why, in plain words, with what was measured.
    aspect : str
        ``"tone"``, ``"dynamics"``, ``"width"`` or ``"loudness"``.
    setting, from_text, to_text : str
        The setting's label and both values as a learner reads them.
    """

    module: str
    path: Path
    from_value: Any
    to_value: Any
    reason: str
    aspect: str
    setting: str = ""
    from_text: str = ""
    to_text: str = ""


@dataclass(frozen=True)
class Note:
    """Something the assistant considered and left alone, and why."""

    aspect: str
    text: str


def _check_amount(name: str, value: Any) -> float:
    try:
        number = math.nan if isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not 0.0 <= number <= 100.0:
        raise ParameterError(
            f"{name} must be a number from 0 (change nothing) to 100 (the whole suggestion), "
            f"got {value!r}."
        )
    return number


def _with_amounts(proposal: MasteringChain, amounts: dict[str, float]) -> MasteringChain:
    """The proposal with each module's amount set from its aspect's (times intensity)."""
    out = proposal
    intensity = amounts["intensity"] / 100.0
    for m in proposal.modules:
        aspect = ASPECT_OF.get(m.name)
        if aspect is None or m.bypass:
            continue
        effective = amounts[aspect] * intensity
        if effective <= 0.0:
            out = out.replace(("modules", m.name, "bypass"), True)
        elif m.name != "loudness":  # the level is not a matter of amount: always on target
            out = out.replace(("modules", m.name, "amount_pct"), round(effective, 3))
    return out


@dataclass(frozen=True, eq=False)
class Advice:
    """The assistant's proposal for one mix: a chain, every move with its reason.

    Shows itself as text (``print``) and as a table in a notebook. :attr:`chain` is an
    ordinary :class:`~studio.mastering.chain.MasteringChain`: apply it, edit it, save it
    as a preset (``advice.chain.save_preset(path)``) and apply it to other songs (its
    loudness module measures each song anew).

    Attributes
    ----------
    target : Target
        The delivery target.
    genre : GenrePreset
        The genre the mix was compared with.
    analysis : MixAnalysis
        What was measured.
    moves : tuple of ChainMove
        Every change from the rack with all modules off, in signal order.
    notes : tuple of Note
        What was considered and left alone.
    proposal : MasteringChain
        The moves at full amount.
    chain : MasteringChain
        The moves at the amounts below: what to apply.
    tone_pct, dynamics_pct, width_pct, loudness_pct, intensity_pct : float
        The amounts (0-100 %).
    tilt_vs_genre_db_per_oct : float
        How much steeper (negative) or flatter (positive) the mix's balance falls than
        the genre's typical balance.
    """

    target: Target
    genre: GenrePreset
    analysis: MixAnalysis
    moves: tuple[ChainMove, ...]
    notes: tuple[Note, ...]
    proposal: MasteringChain
    chain: MasteringChain
    tone_pct: float = 100.0
    dynamics_pct: float = 100.0
    width_pct: float = 100.0
    loudness_pct: float = 100.0
    intensity_pct: float = 100.0
    tilt_vs_genre_db_per_oct: float = 0.0

    @property
    def amounts(self) -> dict[str, float]:
        """The four aspects' amounts and the intensity, by name."""
        return {
            "tone": self.tone_pct,
            "dynamics": self.dynamics_pct,
            "width": self.width_pct,
            "loudness": self.loudness_pct,
            "intensity": self.intensity_pct,
        }

    def amount_of(self, aspect: str) -> float:
        """An aspect's effective amount (its own times the intensity), in %."""
        if aspect not in ASPECTS:
            raise ParameterError(f"no aspect {aspect!r}; there are: {', '.join(ASPECTS)}.")
        return self.amounts[aspect] * self.intensity_pct / 100.0

    def with_amounts(
        self,
        *,
        tone_pct: float | None = None,
        dynamics_pct: float | None = None,
        width_pct: float | None = None,
        loudness_pct: float | None = None,
        intensity_pct: float | None = None,
    ) -> Advice:
        """The same advice at other amounts (nothing is measured again)."""
        given = {
            "tone": tone_pct,
            "dynamics": dynamics_pct,
            "width": width_pct,
            "loudness": loudness_pct,
            "intensity": intensity_pct,
        }
        amounts = self.amounts
        for key, value in given.items():
            if value is not None:
                amounts[key] = _check_amount(f"{key}_pct", value)
        return _advice(
            self.target,
            self.genre,
            self.analysis,
            self.moves,
            self.notes,
            self.proposal,
            amounts,
            self.tilt_vs_genre_db_per_oct,
        )

    def moves_for(self, aspect: str) -> tuple[ChainMove, ...]:
        """The moves of one aspect."""
        return tuple(m for m in self.moves if m.aspect == aspect)

    def move(self, module: str, setting: str) -> ChainMove | None:
        """The move on ``module``'s setting called ``setting`` (last path part), if any."""
        for m in self.moves:
            if m.module == module and m.path[-1] == setting:
                return m
        return None

    # ------------------------------------------------------------------ showing it

    def _lines_head(self) -> list[str]:
        a = self.analysis
        goal = self.target
        return [
            t(
                "assistant.layout.heading",
                name=a.name or t("assistant.layout.unnamed"),
                genre=self.genre.name,
                target=goal.name,
                target_lufs=self.genre.target_lufs(goal),
                ceiling=goal.true_peak_dbtp,
            ),
            t(
                "assistant.layout.measured",
                lufs=a.integrated_lufs,
                lra=a.lra_lu,
                tp=a.true_peak_dbtp,
                plr=a.plr_db,
                psr=a.median_psr_db,
                crest=a.crest_factor_db,
                corr=a.correlation,
                corr_low=a.low_correlation,
                slope=self.tilt_vs_genre_db_per_oct,
                genre=self.genre.name,
            ),
            t("assistant.layout.amounts", **self.amounts),
        ]

    def _cells(self, m: ChainMove) -> tuple[str, str, str, str, str]:
        title = self.chain.module(m.module).title
        amount = self.amount_of(m.aspect)
        to = m.to_text
        if 0.0 < amount < 100.0 and m.path[-1] != "bypass" and m.module != "loudness":
            to = t("assistant.layout.at_amount", value=to, amount=round(amount, 1))
        return title, m.setting, m.from_text, to, t(f"assistant.aspects.{m.aspect}")

    def __str__(self) -> str:
        out: list[str] = []
        for line in self._lines_head():
            out.extend(_wrap(line, 0))
        if not self.moves:
            out.append(t("assistant.layout.no_moves"))
        last = ""
        for m in self.moves:
            title, setting, old, new, aspect = self._cells(m)
            out.append(f"- {title}: {setting} {old} -> {new} ({aspect})")
            if m.reason != last:
                out.extend(_wrap(m.reason, 4))
            last = m.reason
        if self.notes:
            out.append(t("assistant.layout.notes"))
            for n in self.notes:
                out.extend(_wrap(f"- {n.text}", 2))
        return "\n".join(out)

    def _repr_html_(self) -> str:
        esc = html.escape
        columns = ("module", "setting", "from", "to", "aspect", "why")
        heads = "".join(
            f'<th style="text-align:left;padding:2px 8px">'
            f"{esc(t(f'assistant.layout.columns.{c}'))}</th>"
            for c in columns
        )
        rows = []
        for m in self.moves:
            cells = (*self._cells(m), m.reason)
            rows.append(
                "<tr>"
                + "".join(
                    f'<td style="text-align:left;padding:2px 8px;vertical-align:top">{esc(c)}</td>'
                    for c in cells
                )
                + "</tr>"
            )
        head = "<br>".join(esc(line) for line in self._lines_head())
        notes = ""
        if self.notes:
            items = "".join(f"<li>{esc(n.text)}</li>" for n in self.notes)
            notes = f"<div>{esc(t('assistant.layout.notes'))}<ul>{items}</ul></div>"
        body = "".join(rows) or (
            f"<tr><td colspan='6'>{esc(t('assistant.layout.no_moves'))}</td></tr>"
        )
        return (
            f"<div><div style='margin-bottom:4px'>{head}</div><table><thead><tr>{heads}</tr>"
            f"</thead><tbody>{body}</tbody></table>{notes}</div>"
        )


def _wrap(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(
        text, 96, initial_indent=pad, subsequent_indent=pad, break_on_hyphens=False
    ) or [pad]


def _advice(
    goal: Target,
    style: GenrePreset,
    analysis: MixAnalysis,
    moves: tuple[ChainMove, ...],
    notes: tuple[Note, ...],
    proposal: MasteringChain,
    amounts: dict[str, float],
    tilt_vs_genre: float,
) -> Advice:
    return Advice(
        target=goal,
        genre=style,
        analysis=analysis,
        moves=moves,
        notes=notes,
        proposal=proposal,
        chain=_with_amounts(proposal, amounts),
        tone_pct=amounts["tone"],
        dynamics_pct=amounts["dynamics"],
        width_pct=amounts["width"],
        loudness_pct=amounts["loudness"],
        intensity_pct=amounts["intensity"],
        tilt_vs_genre_db_per_oct=tilt_vs_genre,
    )


# ------------------------------------------------------------------------------ the plan


@dataclass
class _Planner:
    """Builds the proposal move by move from the rack with every module off."""

    goal: Target
    style: GenrePreset
    a: MixAnalysis
    neutral: MasteringChain = field(init=False)
    preset: MasteringChain = field(init=False)
    chain: MasteringChain = field(init=False)
    moves: dict[Path, ChainMove] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)

    def __post_init__(self) -> None:
        default = MasteringChain.default(self.goal)
        self.neutral = default.bypassed(*default.names())
        self.preset = self.style.chain(self.goal)
        self.chain = self.neutral

    # -- recording

    def set(self, path: Path, value: Any, reason: str) -> None:
        name = str(path[1])
        self.chain = self.chain.replace(path, value)
        old = self.neutral.get(path)
        if old == value:
            self.moves.pop(path, None)
            return
        owner = self.chain.get(path[:-1])
        spec = type(owner).spec(str(path[-1]))
        if spec.name == "bypass":
            setting = t("assistant.layout.power")
            old_text = t("assistant.layout.off" if old else "assistant.layout.on")
            new_text = t("assistant.layout.off" if value else "assistant.layout.on")
        else:
            setting = spec.label
            at = [i for i, p in enumerate(path) if isinstance(p, int)]
            if at:  # an item of a list ("band 2: gain")
                parent = self.chain.get(path[: at[0] - 1])
                item = type(parent).item_label(str(path[at[0] - 1]))
                setting = f"{item} {int(path[at[0]]) + 1}: {setting}"
            old_text, new_text = spec.format(old), spec.format(value)
        self.moves[path] = ChainMove(
            name, path, old, value, reason, ASPECT_OF.get(name, "tone"), setting, old_text, new_text
        )

    def on(self, name: str, reason: str) -> None:
        if self.chain.module(name).bypass:
            self.set(("modules", name, "bypass"), False, reason)

    def is_on(self, name: str) -> bool:
        return not self.chain.module(name).bypass

    def note(self, aspect: str, key: str, **fields: Any) -> None:
        self.notes.append(Note(aspect, t(f"assistant.notes.{key}", **fields)))

    def preset_on(self, name: str) -> bool:
        return not self.preset.module(name).bypass

    def preset_why(self, name: str) -> str | None:
        """The preset's reason for its first move on module ``name``."""
        for m in self.style.moves:
            if m.path[1] == name:
                return t("assistant.reasons.preset", why=m.why)
        return None

    def preset_settings(self, name: str) -> None:
        for m in self.style.moves:
            if m.path[1] == name and m.path[-1] != "bypass":
                self.set(m.path, m.value, t("assistant.reasons.preset", why=m.why))

    def preset_value(self, path: Path) -> Any | None:
        for m in self.style.moves:
            if tuple(m.path) == tuple(path):
                return m.value
        return None

    # -- the aspects

    @property
    def dense(self) -> bool:
        """The mix is already as dense as the genre's densest masters (or more)."""
        a = self.a
        psr_low = math.isfinite(a.median_psr_db) and a.median_psr_db < 7.0
        return bool(a.plr_db < self.style.plr_db[0] + 1.0 or psr_low)

    def tone(self) -> tuple[float, float, float]:
        from studio.processors.filters import TiltEQ

        a, style = self.a, self.style
        genre_name = style.name
        ref = BALANCE_DB_PER_OCT.get(style.key, -3.5)
        centres = a.centres_hz
        usable = a.usable()
        deviation = a.slope_db_per_oct - ref  # > 0: brighter than the genre
        if not usable.any() or not math.isfinite(deviation):
            return 0.0, 0.0, 0.0
        octs = np.log2(centres / 1000.0)
        s = _smoothed(a.levels_db - ref * octs, usable)
        unit = TiltEQ(tilt_db=1.0, pivot_hz=1000.0).response_db(centres, a.sr)
        sel = _in(centres, *_FIT_HZ) & usable
        tilt = 0.0
        fit, *_ = np.linalg.lstsq(
            np.column_stack([unit[sel], -np.ones(sel.sum())]), -s[sel], rcond=None
        )
        if abs(deviation) > TILT_TOLERANCE_DB_PER_OCT:
            size = min(abs(float(fit[0])), MAX_TILT_DB)
            tilt = round(-math.copysign(size, deviation), 1)
        if tilt:
            key = "tilt_dull" if tilt > 0 else "tilt_bright"
            reason = t(f"assistant.reasons.{key}", slope=abs(deviation), genre=genre_name)
            self.on("tilt", reason)
            self.set(("modules", "tilt", "processor", "tilt_db"), tilt, reason)
        else:
            self.note("tone", "balance_ok", tol=TILT_TOLERANCE_DB_PER_OCT, genre=genre_name)
        # what the tilt leaves at the top and the bottom, against the core of the balance
        rest = s + tilt * unit
        core = _in(centres, *_CORE_HZ) & usable
        rest = rest - (float(np.mean(rest[core])) if core.any() else 0.0)
        top_sel = _in(centres, *_TOP_HZ) & usable
        bottom_sel = _in(centres, *_BOTTOM_HZ) & usable
        top = float(np.mean(rest[top_sel])) if top_sel.any() else 0.0
        bottom = float(np.mean(rest[bottom_sel])) if bottom_sel.any() else 0.0
        shelves = False
        bands = ("modules", "tonal_eq", "processor", "bands")
        if top < -1.5 or top > 2.0:
            gain = min(-top, MAX_HIGH_SHELF_DB) if top < 0 else -min(top, 3.0)
            gain = round(gain * 2.0) / 2.0
            key = "shelf_dull" if gain > 0 else "shelf_bright"
            reason = t(
                f"assistant.reasons.{key}", freq=_hz(_TOP_HZ[0]), db=abs(top), genre=genre_name
            )
            self.on("tonal_eq", reason)
            self.set((*bands, 2, "gain_db"), gain, reason)
            shelves = True
        if abs(bottom) > 3.5:
            gain = round(math.copysign(min(abs(bottom), MAX_LOW_SHELF_DB), -bottom) * 2.0) / 2.0
            key = "low_thin" if gain > 0 else "low_heavy"
            reason = t(
                f"assistant.reasons.{key}",
                freq=_hz(100.0),
                db=abs(bottom),
                genre=genre_name,
            )
            self.on("tonal_eq", reason)
            self.set((*bands, 0, "gain_db"), gain, reason)
            shelves = True
        if not shelves:
            self.note("tone", "top_ok", genre=genre_name)
        self.corrective()
        return tilt, top, deviation

    def corrective(self) -> None:
        a = self.a
        path = ("modules", "corrective_eq", "processor", "bands")
        if a.rumble_db > -12.0:
            self.on("corrective_eq", t("assistant.reasons.rumble"))
            self.preset_settings("corrective_eq")
        lows = [b for b in a.bumps if b.region in ("boom", "mud")]
        lows.sort(key=lambda b: -b.excess_db)
        harsh = a.bump("harsh")
        for index, bump in ((1, lows[0] if lows else None), (2, harsh)):
            if bump is None:
                continue
            reason = t(
                f"assistant.reasons.{bump.region}", db=bump.excess_db, freq=_hz(bump.freq_hz)
            )
            self.on("corrective_eq", reason)
            self.set((*path, index, "freq_hz"), float(round(bump.freq_hz)), reason)
            self.set(
                (*path, index, "gain_db"), -round(min(bump.excess_db, MAX_CUT_DB) * 2) / 2, reason
            )
            self.set((*path, index, "q"), round(bump.q, 1), reason)
        for bump in lows[1:]:
            self.note("tone", "other_bump", db=bump.excess_db, freq=_hz(bump.freq_hz))
        if not a.bumps:
            self.note("tone", "no_bumps")
        if not self.is_on("corrective_eq"):
            self.note("tone", "no_rumble")

    def colour(self, top: float) -> None:
        a = self.a
        if self.preset_on("dynamic_eq") and not self.dense:
            self.on("dynamic_eq", self.preset_why("dynamic_eq") or "")
            self.preset_settings("dynamic_eq")
            harsh = a.bump("harsh")
            if harsh is not None:
                reason = t("assistant.reasons.deharsh_at", freq=_hz(harsh.freq_hz))
                self.set(
                    ("modules", "dynamic_eq", "processor", "freq_hz"),
                    float(round(harsh.freq_hz)),
                    reason,
                )
        if self.preset_on("exciter"):
            if top > 1.0:
                self.note("tone", "bright_enough")
            else:
                self.on("exciter", self.preset_why("exciter") or "")
                self.preset_settings("exciter")
        if self.preset_on("saturation") and not self.dense:
            self.on("saturation", self.preset_why("saturation") or "")
            self.preset_settings("saturation")

    def dynamics(self) -> None:
        a, style = self.a, self.style
        if not self.preset_on("glue"):
            why = self.preset_why("glue")
            self.note("dynamics", "no_compression", why=why or "")
        elif self.dense:
            self.note(
                "dynamics",
                "already_dense",
                plr=a.plr_db,
                psr=a.median_psr_db,
                genre=style.name,
                plr_lo=style.plr_db[0],
                plr_hi=style.plr_db[1],
            )
        else:
            why = self.preset_why("glue") or t("assistant.reasons.glue_gentle", lra=a.lra_lu)
            self.on("glue", why)
            self.preset_settings("glue")
            # a threshold is a level: set it from the mix's own loudness, higher when the
            # mix's range is already at the genre's tight end (only the loudest moments)
            tight = math.isfinite(a.lra_lu) and a.lra_lu <= style.lra_lu[0] + 1.0
            above_db = 6.0 if tight else 2.0
            threshold = float(np.clip(round(a.integrated_lufs + above_db), -40.0, -6.0))
            key = "glue_threshold_tight" if tight else "glue_threshold"
            reason = t(
                f"assistant.reasons.{key}",
                lufs=a.integrated_lufs,
                above=above_db,
                lra=a.lra_lu,
                genre=style.name,
                lra_lo=style.lra_lu[0],
            )
            self.set(("modules", "glue", "processor", "threshold_db"), threshold, reason)
            wide = math.isfinite(a.lra_lu) and a.lra_lu > style.lra_lu[1]
            if style.family == "dense" and wide:
                reason = t(
                    "assistant.reasons.glue_more",
                    genre=style.name,
                    lra=a.lra_lu,
                    lra_lo=style.lra_lu[0],
                    lra_hi=style.lra_lu[1],
                )
                ratio_path = ("modules", "glue", "processor", "ratio")
                self.set(ratio_path, max(float(self.chain.get(ratio_path)), 2.5), reason)
            if self.preset_on("multiband"):
                self.on("multiband", self.preset_why("multiband") or "")
                self.preset_settings("multiband")

    def width(self) -> None:
        a, style = self.a, self.style
        if a.n_channels == 1:
            self.note("width", "mono_mix")
            return
        mono_path = ("modules", "imager", "processor", "mono_below_hz")
        width_path = ("modules", "imager", "processor", "width_pct")
        genre_mono = self.preset_value(mono_path)
        corr = a.low_correlation
        mono_hz, mono_why = 0.0, ""
        if math.isfinite(corr) and corr < WIDE_BASS_CORRELATION:
            if genre_mono == 0.0 and corr >= 0.0:
                self.note("width", "hall_bass", corr=corr, genre=style.name)
                mono_why = t("assistant.notes.hall_bass", corr=corr, genre=style.name)
            else:
                mono_hz = 60.0 if genre_mono == 0.0 else float(genre_mono or 120.0)
                key = "mono_bass_phase" if genre_mono == 0.0 else "mono_bass"
                mono_why = t(
                    f"assistant.reasons.{key}", corr=corr, freq=_hz(mono_hz), genre=style.name
                )
        elif genre_mono:
            mono_hz = float(genre_mono)
            mono_why = t("assistant.reasons.preset", why=self._why_of(mono_path))
        else:
            self.note("width", "bass_centred", corr=corr)
            mono_why = t("assistant.notes.bass_centred", corr=corr)
        if mono_hz > 0.0:
            self.on("imager", mono_why)
        self.set(mono_path, mono_hz, mono_why)
        genre_width = self.preset_value(width_path)
        if a.correlation < 0.1 or a.mono_loss_lu > 2.5:
            reason = t(
                "assistant.reasons.too_wide", corr=a.correlation, loss=a.mono_loss_lu, width=80
            )
            self.on("imager", reason)
            self.set(width_path, 80.0, reason)
        elif genre_width is not None:
            if a.correlation < 0.3:
                self.note("width", "already_wide", corr=a.correlation)
            else:
                reason = t("assistant.reasons.preset", why=self._why_of(width_path))
                self.on("imager", reason)
                self.set(width_path, float(genre_width), reason)

    def _why_of(self, path: Path) -> str:
        for m in self.style.moves:
            if tuple(m.path) == tuple(path):
                return m.why
        return ""

    def loudness(self) -> None:
        a, style, goal = self.a, self.style, self.goal
        level = style.target_lufs(goal)
        ceiling = goal.true_peak_dbtp
        drive = 0.0
        if self.preset_on("limiter") and not self.dense:
            self.on("limiter", self.preset_why("limiter") or "")
            self.preset_settings("limiter")
            drive = float(self.chain.get(("modules", "limiter", "processor", "gain_db")))
        gain = level - a.integrated_lufs
        limit = max(0.0, a.true_peak_dbtp + gain - ceiling)
        fields = {
            "lufs": a.integrated_lufs,
            "db": abs(gain),
            "target_lufs": level,
            "ceiling": ceiling,
            "limit": limit + drive,
        }
        if gain <= 0.0:
            key = "loudness_down" if limit + drive <= 0.05 else "loudness_down_peaks"
        else:
            key = "loudness_up" if limit + drive > 0.05 else "loudness_up_clean"
        reason = t(f"assistant.reasons.{key}", **fields)
        self.on("loudness", reason)
        if level != goal.integrated_lufs:
            why = t(
                "presets.layout.level_quieter",
                target=goal.name,
                target_lufs=goal.integrated_lufs,
                lufs=level,
            )
            self.set(("modules", "loudness", "processor", "target_lufs"), level, why)
        self.preset_settings("loudness")
        if style.family == "dynamic" and limit > 3.0:
            self.note(
                "loudness",
                "limiting_cost",
                target_lufs=level,
                limit=limit,
                genre=style.name,
                plr_lo=style.plr_db[0],
            )

    def plan(self) -> tuple[MasteringChain, tuple[ChainMove, ...], tuple[Note, ...], float]:
        _, top, deviation = self.tone()
        self.colour(top)
        self.dynamics()
        self.width()
        self.loudness()
        order = {name: i for i, name in enumerate(self.chain.names())}
        moves = sorted(self.moves.values(), key=lambda m: order.get(m.module, len(order)))
        # a setting changed inside a module left off changes nothing: not a move
        moves = [m for m in moves if self.is_on(m.module)]
        return self.chain, tuple(moves), tuple(self.notes), deviation


def suggest(
    mix: Audio | MixAnalysis,
    target: str | Target = "spotify",
    genre: str | GenrePreset = "pop",
    *,
    tone_pct: float = 100.0,
    dynamics_pct: float = 100.0,
    width_pct: float = 100.0,
    loudness_pct: float = 100.0,
    intensity_pct: float = 100.0,
) -> Advice:
    """Analyse a mix and propose a mastering chain for a target and a genre, with reasons.

    Parameters
    ----------
    mix : Audio or MixAnalysis
        The stereo (or mono) mixdown, or its analysis from :func:`analyse_mix` (to ask
        again for another genre or target without measuring again).
    target : str or Target
        The delivery target (``"spotify"``, ``"ebu_r128"``...).
    genre : str or GenrePreset
        The genre the mix is compared with (``"pop"``, ``"classical"``...).
    tone_pct, dynamics_pct, width_pct, loudness_pct : float
        How far each aspect goes, 0-100 % (0 switches its modules off).
    intensity_pct : float
        Multiplies all four.

    Returns
    -------
    Advice
        The moves and their reasons, and :attr:`Advice.chain` to apply.

    Raises
    ------
    ParameterError
        For an unknown target or genre, or an amount outside 0-100 %.
    AudioDataError
        For audio the assistant cannot analyse (see :func:`analyse_mix`).

    Examples
    --------
    >>> import numpy as np
    >>> from studio import Audio
    >>> noise = np.random.default_rng(1).standard_normal((2, 10 * 48000)) * 0.05
    >>> advice = suggest(Audio(noise, 48000, "noise"), "spotify", "pop")
    >>> advice.chain.get(("modules", "loudness", "processor", "target_lufs"))
    -14.0
    """
    amounts = {
        "tone": _check_amount("tone_pct", tone_pct),
        "dynamics": _check_amount("dynamics_pct", dynamics_pct),
        "width": _check_amount("width_pct", width_pct),
        "loudness": _check_amount("loudness_pct", loudness_pct),
        "intensity": _check_amount("intensity_pct", intensity_pct),
    }
    goal = find_target(target)
    style = find_genre(genre)
    analysis = mix if isinstance(mix, MixAnalysis) else analyse_mix(mix)
    if not math.isfinite(analysis.integrated_lufs):
        raise AudioDataError(
            f"{analysis.name or 'the mix'}: too quiet or too short to measure its loudness "
            "(it needs at least 0.4 s above -70 LUFS), so there is nothing to master."
        )
    proposal, moves, notes, deviation = _Planner(goal, style, analysis).plan()
    return _advice(goal, style, analysis, moves, notes, proposal, amounts, deviation)
