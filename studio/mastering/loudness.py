"""Loudness targeting: bring a master to a target's loudness, under its true-peak ceiling.

The last musical step of a master: one gain that sets the integrated loudness
(ITU-R BS.1770) where the delivery target wants it, and the true-peak limiter
(:class:`~studio.processors.dynamics.Limiter`) to keep every peak, between the samples
too, under the ceiling. Limiting takes a little loudness away (the loudest moments are
turned down), so the gain is found by iteration: the gain that lands the *limited*
master on the target.

How, on a whole song, without limiting it many times:

1. The input's true peak is measured at every frame once (the limiter's own detector,
   :func:`studio.dsp.limiter.sample_true_peaks`), and its
   K-weighted energy (what the loudness meter hears) in short blocks. Both scale
   exactly with a gain, so neither is measured again.
2. For a candidate gain the limiter's gain envelope is computed from the scaled peaks
   (the same hold, release and attack ramp the limiter uses), and the loudness of the
   limited master is predicted from the blocks' energy times that envelope. A secant
   search finds the gain whose prediction is on target.
3. The master is made once: the gain, then the limiter. Its loudness is measured with
   the studio meter; if it is more than :data:`AIM_LU` off, the gain moves by the
   difference and the limiter runs again (rarely more than once).

Material already louder than the target is only turned down: the gain is negative and
the limiter touches only what the lower gain still leaves over the ceiling (a turned-down
master rarely has any). With ``may_raise`` off, quiet material is left at its level
(as a service that only turns down would play it) and only the ceiling is enforced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from studio.dsp import limiter as dsp_limiter
from studio.dsp.loudness import (
    GATING_HOP_S,
    _Hops,
    _integrated_from,
    _k_hop_energies,
    _resolve_weights,
    integrated_loudness,
    k_weighting_rate,
)
from studio.mastering.targets import Target, target
from studio.processors.base import Capabilities, Processor, param
from studio.processors.dynamics import Limiter

__all__ = ["AIM_LU", "LoudnessResult", "LoudnessTarget", "SongLevel", "reach_loudness"]

#: The search stops when the predicted loudness is this close to the target (LU).
AIM_LU = 0.05
#: A made master further than this from the target (LU) is made again with a corrected gain.
REDO_LU = 0.1
#: Most secant steps of the prediction, and most re-makes after measuring.
_SEARCH_STEPS = 12
_REMAKES = 3
#: Largest gain (dB) the targeting applies either way.
MAX_GAIN_DB = 60.0
#: Most limiting (dB at the loudest peak) the targeting asks for: material that cannot
#: reach the target with less (a few isolated hits in silence) stays short of it.
MAX_LIMITING_DB = 18.0


@dataclass(frozen=True)
class LoudnessResult:
    """What the loudness targeting did to one piece of audio.

    Attributes
    ----------
    input_lufs : float
        Integrated loudness going in (LUFS).
    gain_db : float
        The gain applied before the limiter (dB; negative turns down).
    output_lufs : float
        Integrated loudness of the master (LUFS, the studio meter).
    limited : bool
        Whether the limiter had anything to turn down.
    passes : int
        How many times the master was made (1 when the prediction was on target).
    """

    input_lufs: float
    gain_db: float
    output_lufs: float
    limited: bool
    passes: int


class _Predictor:
    """Predict the loudness of ``limit(x * gain)`` for any gain from one look at ``x``.

    The limiter's gain is forecast block by block (:data:`~studio.dsp.limiter.HOLD_BLOCK`
    frames: the loudest peak of each block, the limiter's hold, release and attack ramp
    at the block rate), which is all the loudness needs; the master itself is then made
    with the limiter's exact gain and measured.
    """

    def __init__(self, x: np.ndarray, sr: int, block: int = dsp_limiter.HOLD_BLOCK) -> None:
        from studio.dsp._kernels import block_max

        n = x.shape[1]
        self.n = n
        self.sr = sr
        self.block = b = block
        self.peaks = dsp_limiter.sample_true_peaks(x, sr, meter=False)  # the limiter's detector
        n_blocks = -(-n // b)
        block_peak = np.empty(n_blocks)
        block_max(self.peaks, b, block_peak)
        with np.errstate(divide="ignore"):
            self.block_peak_db = 20.0 * np.log10(block_peak)
        self.top_db = float(self.block_peak_db.max()) if n else -math.inf
        self.limits(-1.0, 100.0, 5.0)
        # K-weighted energy per block (channel-weighted), once. Blocks are ``block``
        # frames, cut also at every edge of the meter's 100 ms hops, so each hop is whole
        # blocks and each block lies in one of the limiter's blocks
        rate = k_weighting_rate(sr)
        factor = rate // sr
        n_hops = int(np.floor(n / (GATING_HOP_S * sr) + 1e-9))
        hop_edges = np.rint(np.arange(n_hops + 1) * (GATING_HOP_S * rate)).astype(np.int64)
        grid = np.arange(0, n_hops and int(hop_edges[-1]), b * factor, dtype=np.int64)
        if len(grid):
            at = np.searchsorted(grid, hop_edges)
            fresh = (at >= len(grid)) | (grid[np.minimum(at, len(grid) - 1)] != hop_edges)
            edges = np.insert(grid, at[fresh], hop_edges[fresh])  # both sorted: a merge
        else:  # shorter than one hop: nothing the meter would measure
            edges = hop_edges
        if len(edges) >= 2:
            per_channel, _ = _k_hop_energies(x, sr, edges, False)
            self.block_energy = _resolve_weights(x.shape[0], None) @ per_channel
        else:
            self.block_energy = np.zeros(0)
        self.block_of = np.minimum(edges[:-1] // factor // b, max(n_blocks - 1, 0))
        self.hop_starts = np.searchsorted(edges, hop_edges[:-1])
        self.hop_edges = hop_edges
        self.rate = rate

    def limits(self, ceiling_dbtp: float, release_ms: float, lookahead_ms: float) -> _Predictor:
        """Set the limiter's settings the forecast follows (the analysis stays); ``self``."""
        b, sr = self.block, self.sr
        self.target_db = ceiling_dbtp - dsp_limiter.SAFETY_MARGIN_DB
        self.block_coef = math.exp(-1.0 / (release_ms * 1e-3 * sr)) ** b
        lookahead = max(1, int(round(lookahead_ms * 1e-3 * sr)))
        reach = dsp_limiter.REACH + 1
        self.blocks_back = -(-reach // b)
        self.blocks_size = self.blocks_back + -(-(lookahead + reach) // b) + 1
        first = lookahead // 2
        self.widths = (max(1, round((first + 1) / b)), max(1, round((lookahead - first + 1) / b)))
        return self

    def lufs_at_gain(self, gain_db: float, energy: np.ndarray | None = None) -> float:
        """Integrated loudness of the blocks' energy times a plain gain (the meter's gating)."""
        if not len(self.hop_starts):
            return -math.inf
        energy = self.block_energy if energy is None else energy
        hop_energy = np.add.reduceat(energy, self.hop_starts) * 10.0 ** (gain_db / 10.0)
        return float(_integrated_from(_Hops(hop_energy, self.hop_edges, self.rate, GATING_HOP_S)))

    def overs(self, gain_db: float) -> bool:
        """Whether this gain leaves anything over the limiter's target."""
        return self.top_db + gain_db > self.target_db

    def block_envelope_db(self, gain_db: float) -> np.ndarray:
        """The limiter's gain reduction (dB) forecast per block after a gain of ``gain_db``."""
        from scipy import ndimage

        from studio.dsp._kernels import release_ramp

        required = np.minimum(self.target_db - (self.block_peak_db + gain_db), 0.0)
        size, back = self.blocks_size, self.blocks_back
        held = ndimage.minimum_filter1d(
            required, size, origin=back - size // 2, mode="constant", cval=0.0
        )
        w1, w2 = self.widths
        out = np.empty(len(held))
        coef = np.array([self.block_coef])  # one coefficient, one step per block
        release_ramp(held, coef, 0, 0, w1, w2, out, np.empty(w1), np.empty(w2))
        return out

    def lufs(self, gain_db: float) -> float:
        """Predicted integrated loudness of the limited master at ``gain_db``."""
        if not self.overs(gain_db) or not len(self.hop_starts):
            return self.lufs_at_gain(gain_db)
        power = np.exp(self.block_envelope_db(gain_db) * (math.log(10.0) / 10.0))
        return self.lufs_at_gain(gain_db, self.block_energy * power[self.block_of])


def _solve(predict: _Predictor, start_db: float, target_lufs: float, top_db: float) -> float:
    """The gain (dB, at most ``top_db``) whose predicted loudness is on target (secant)."""
    g0 = min(start_db, top_db)
    f0 = predict.lufs(g0) - target_lufs
    g1 = min(g0 - f0, top_db)
    for _ in range(_SEARCH_STEPS):
        if abs(f0) <= AIM_LU or g1 == g0:
            break
        f1 = predict.lufs(g1) - target_lufs
        if abs(f1) <= AIM_LU:
            return g1
        slope = (f1 - f0) / (g1 - g0)
        slope = min(max(slope, 0.05), 1.0)  # loudness rises with gain, at most dB for dB
        g0, f0 = g1, f1
        g1 = min(g1 - f1 / slope, top_db)
    return g1 if abs(f0) > AIM_LU else g0


def _gain_for(
    predict: _Predictor, target_lufs: float, may_raise: bool
) -> tuple[float, float, float]:
    """The loudness in, the gain forecast to land on the target, and the most gain allowed.

    ``(input_lufs, gain_db, top_db)``; silence (``-inf`` in) gets no gain.
    """
    input_lufs = predict.lufs_at_gain(0.0)  # the studio meter's reading, from the same sums
    if not math.isfinite(input_lufs):
        return input_lufs, 0.0, 0.0
    wanted = float(np.clip(target_lufs - input_lufs, -MAX_GAIN_DB, MAX_GAIN_DB))
    # the limiter may need more than `wanted`, but never more than MAX_LIMITING_DB of it
    top = min(MAX_GAIN_DB, predict.target_db - predict.top_db + MAX_LIMITING_DB)
    if not may_raise:
        top = min(top, 0.0)
    return input_lufs, _solve(predict, wanted, target_lufs, top), top


#: Frames per block of the whole-song analysis a preview reuses (a quicker, coarser
#: forecast than the full master's: a preview needs the song's gain to a few hundredths).
SONG_BLOCK = 64


class SongLevel:
    """A whole song's loudness analysis, kept by a preview to give each passage the song's gain.

    A master's loudness gain is one number for the whole song, so a passage previewed
    alone must use it, not the gain that would bring the passage itself to the target
    (a quiet verse would be raised as loud as the chorus). Made once from the song as it
    reaches the loudness stage; each setting of the stage is then a quick forecast.
    """

    def __init__(self, samples: np.ndarray, sr: int) -> None:
        self._predict = _Predictor(samples, sr, SONG_BLOCK)
        self._predict.peaks = np.zeros(0, dtype=np.float32)  # the blocks' peaks are enough
        self._gains: dict[tuple[float, ...], float] = {}

    def gain_db(self, stage: LoudnessTarget) -> float:
        """The gain the stage, as set, applies to the whole song (dB)."""
        values = (
            float(stage.target_lufs),
            float(stage.ceiling_dbtp),
            float(stage.may_raise),
            float(stage.release_ms),
            float(stage.lookahead_ms),
        )
        if values not in self._gains:
            self._predict.limits(stage.ceiling_dbtp, stage.release_ms, stage.lookahead_ms)
            self._gains[values] = _gain_for(self._predict, stage.target_lufs, stage.may_raise)[1]
        return self._gains[values]


def reach_loudness(
    samples: np.ndarray,
    sr: int,
    *,
    target_lufs: float,
    ceiling_dbtp: float,
    may_raise: bool = True,
    release_ms: float = 100.0,
    lookahead_ms: float = 5.0,
) -> tuple[np.ndarray, np.ndarray, LoudnessResult]:
    """Bring ``samples`` to ``target_lufs`` with every true peak under ``ceiling_dbtp``.

    Parameters
    ----------
    samples : numpy.ndarray
        ``(channels, frames)`` float samples (not written to).
    sr : int
        Sample rate in Hz.
    target_lufs : float
        Integrated loudness to land on (LUFS).
    ceiling_dbtp : float
        Highest true peak the master may reach (dBTP).
    may_raise : bool
        Whether quiet material is raised to the target (else only turned down).
    release_ms, lookahead_ms : float
        The limiter's release and lookahead.

    Returns
    -------
    output : numpy.ndarray
        The master (same shape and dtype).
    gain_reduction_db : numpy.ndarray
        The limiter's gain change per frame (dB, <= 0).
    result : LoudnessResult
        The loudness in and out and the gain applied.
    """
    x = samples
    predict = _Predictor(x, sr).limits(ceiling_dbtp, release_ms, lookahead_ms)
    input_lufs, gain, top = _gain_for(predict, target_lufs, may_raise)
    if not math.isfinite(input_lufs):  # silence or too short to measure: peaks only
        lim = Limiter(ceiling_dbtp=ceiling_dbtp, release_ms=release_ms, lookahead_ms=lookahead_ms)
        out, gr = lim.run(x, sr, trace=True)
        assert gr is not None
        return out, gr, LoudnessResult(input_lufs, 0.0, input_lufs, bool((gr < 0).any()), 1)
    passes = 0
    while True:
        passes += 1
        # the limiter's detector already ran on x (a fixed gain scales its peaks); the
        # limiter checks its output with both detectors, so nothing over escapes
        out, gr = dsp_limiter.limit(
            x,
            sr,
            ceiling_dbtp=ceiling_dbtp,
            release_ms=release_ms,
            lookahead_ms=lookahead_ms,
            gain_db=gain,
            input_peaks=predict.peaks,
        )
        if (gr < 0.0).any():
            out_lufs = integrated_loudness(out, sr)  # loudness only: the ceiling is held
        else:  # nothing over by either detector: the gain alone is the master
            out_lufs = predict.lufs_at_gain(gain)  # exact: the same sums, gated anew
        miss = target_lufs - out_lufs
        if abs(miss) <= REDO_LU or passes > _REMAKES or (gain >= top and miss > 0):
            break
        gain = min(gain + miss, top)
    limited = bool((gr < 0.0).any())
    return out, gr, LoudnessResult(input_lufs, gain, out_lufs, limited, passes)


@dataclass(frozen=True)
class LoudnessTarget(Processor):
    """Loudness target: one gain to the target's loudness, a true-peak limiter for the peaks.

    The gain that lands the master's integrated loudness on ``target_lufs`` after the
    limiter has kept every true peak under ``ceiling_dbtp`` (limiting costs a little
    loudness, so the gain is found by iteration). Louder material is only turned down.
    What you hear: the master at the level the service will play it, and, when a quiet
    mix had to be raised a lot, the limiter's work on the loudest moments.

    The loudness is measured on what the processor receives. In a preview
    (:class:`~studio.preview.Preview`) a passage gets the whole song's gain instead
    (:meth:`analyse_song`, :meth:`process_passage`): the preview is a slice of the master.

    Examples
    --------
    >>> lt = LoudnessTarget.for_target("ebu_r128")
    >>> (lt.target_lufs, lt.ceiling_dbtp)
    (-23.0, -1.0)
    """

    capabilities: ClassVar[Capabilities] = Capabilities(trace=True)
    identity_when_neutral: ClassVar[bool] = False  # it always sets the level

    target_lufs: float = param(-14.0, lo=-36.0, hi=-5.0, unit="LUFS", step=0.1, automatable=False)
    ceiling_dbtp: float = param(-1.0, lo=-12.0, hi=0.0, unit="dBTP", step=0.1, automatable=False)
    may_raise: bool = param(True)
    release_ms: float = param(
        100.0, lo=1.0, hi=1000.0, unit="ms", scale="log", automatable=False, advanced=True
    )
    lookahead_ms: float = param(
        5.0, lo=1.0, hi=10.0, unit="ms", step=0.1, automatable=False, advanced=True
    )

    @classmethod
    def for_target(cls, key: str | Target, **changes: object) -> LoudnessTarget:
        """Targeting set for a delivery target (``"spotify"``, ``"ebu_r128"``...)."""
        found = target(key)
        made = cls(target_lufs=found.integrated_lufs, ceiling_dbtp=found.true_peak_dbtp)
        return made.replace(**changes) if changes else made

    def reach(self, samples: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray, LoudnessResult]:
        """Process and say what happened: ``(output, gain_reduction_db, LoudnessResult)``."""
        x = self.check_input(samples, sr)
        return reach_loudness(x, sr, **self.values())

    def analyse_song(self, samples: np.ndarray, sr: int) -> SongLevel:
        """The whole song's analysis (as it reaches this stage) a preview keeps and reuses."""
        return SongLevel(self.check_input(samples, sr), sr)

    def process_passage(
        self, samples: np.ndarray, sr: int, song: SongLevel, shift_db: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """A passage as it sounds in the master: the song's gain, then the limiter.

        ``shift_db`` is how much louder the passage reaches this stage than when ``song``
        was analysed (a control moved upstream since): the song is taken to have moved
        as much, so its gain moves the other way. Returns ``(output, gain_reduction_db)``.
        """
        x = self.check_input(samples, sr)
        gain = song.gain_db(self) - (shift_db if math.isfinite(shift_db) else 0.0)
        if not self.may_raise:
            gain = min(gain, 0.0)
        gain = float(np.clip(gain, -MAX_GAIN_DB, MAX_GAIN_DB))
        return dsp_limiter.limit(
            x,
            sr,
            ceiling_dbtp=self.ceiling_dbtp,
            release_ms=self.release_ms,
            lookahead_ms=self.lookahead_ms,
            gain_db=gain,
        )

    def _process_with_trace(self, samples: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(master, limiter gain reduction in dB per frame)``."""
        out, gr, _ = reach_loudness(samples, sr, **self.values())
        return out, gr

    def _process(self, samples: np.ndarray, sr: int) -> np.ndarray:
        return self._process_with_trace(samples, sr)[0]
