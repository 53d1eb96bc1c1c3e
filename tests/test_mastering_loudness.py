"""Loudness targeting: every target met, every ceiling held, by independent meters."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

from studio.audio import Audio
from studio.dsp.loudness import integrated_loudness
from studio.errors import ParameterError
from studio.mastering.loudness import LoudnessTarget, reach_loudness
from studio.mastering.targets import TARGETS

SR = 48000
SECONDS = 12


def independent_true_peak_dbtp(samples: np.ndarray) -> float:
    """True peak by 8x polyphase oversampling (scipy's own filter, not the limiter's)."""
    x = np.asarray(samples, dtype=np.float64)
    peak = max(float(np.max(np.abs(resample_poly(ch, 8, 1)))) for ch in x)
    return 20.0 * np.log10(max(peak, 1e-12))


def pyloudnorm_lufs(samples: np.ndarray, sr: int) -> float:
    return float(pyloudnorm.Meter(sr).integrated_loudness(np.asarray(samples, np.float64).T))


def _noise(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal(n)


def material(kind: str) -> np.ndarray:
    """Stereo test mixes of the five kinds the issue names."""
    rng = np.random.default_rng(7)
    n = SECONDS * SR
    t = np.arange(n) / SR
    if kind == "quiet":  # a soft, dynamic passage around -45 LUFS
        x = 0.004 * np.stack([_noise(rng, n), _noise(rng, n)]) * (1 + 0.7 * np.sin(t))
    elif kind == "loud":  # already squashed, near 0 dBFS, louder than every target
        x = np.tanh(3.0 * np.stack([_noise(rng, n), _noise(rng, n)])) * 0.95
    elif kind == "dense":  # full-band pink-ish noise with a beat, moderately loud
        beat = 1.0 + 0.8 * (np.sin(2 * np.pi * 2.0 * t) > 0.7)
        base = np.cumsum(_noise(rng, n)) * 0.002
        base -= np.convolve(base, np.ones(480) / 480, mode="same")
        x = 0.15 * np.stack([base + 0.05 * _noise(rng, n), base + 0.05 * _noise(rng, n)]) * beat
    elif kind == "sparse":  # plucked notes with silence between them (a solo instrument)
        x1 = np.zeros(n)
        for k, start in enumerate(range(0, n - SR, SR)):
            f = 220.0 * 2 ** ((k % 5) / 12)
            tt = np.arange(int(0.6 * SR)) / SR
            note = sum(np.sin(2 * np.pi * f * h * tt) / h for h in (1, 2, 3, 4))
            x1[start : start + tt.size] += 0.3 * note * np.exp(-tt / 0.25)
        x = np.stack([x1, 0.9 * x1])
    elif kind == "wide":  # a strongly anti-phase side over a small centre
        side = 0.25 * _noise(rng, n)
        mid = 0.03 * _noise(rng, n)
        x = np.stack([mid + side, mid - side])
    else:
        raise ValueError(kind)
    return x.astype(np.float32)


KINDS = ("quiet", "loud", "dense", "sparse", "wide")


@pytest.fixture(scope="module")
def mixes() -> dict[str, np.ndarray]:
    return {kind: material(kind) for kind in KINDS}


@pytest.mark.parametrize("key", sorted(TARGETS))
@pytest.mark.parametrize("kind", KINDS)
def test_every_target_is_met_under_its_ceiling(mixes, key, kind):
    goal = TARGETS[key]
    x = mixes[kind]
    proc = LoudnessTarget.for_target(goal)
    out, gr, result = proc.reach(x, SR)
    lufs = integrated_loudness(out, SR)
    assert abs(lufs - goal.integrated_lufs) <= goal.tolerance_lu, (kind, key, lufs)
    # pyloudnorm's own K-filter reads a few hundredths low: the same tolerance holds
    assert abs(pyloudnorm_lufs(out, SR) - goal.integrated_lufs) <= goal.tolerance_lu
    assert independent_true_peak_dbtp(out) <= goal.true_peak_dbtp + 1e-3, (kind, key)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert np.all(gr <= 0.0)
    assert result.output_lufs == pytest.approx(lufs, abs=1e-6)


@pytest.mark.parametrize("key", ["spotify", "ebu_r128", "cd_club"])
def test_louder_material_is_only_turned_down(mixes, key):
    goal = TARGETS[key]
    x = mixes["loud"]
    before = integrated_loudness(x, SR)
    assert before > goal.integrated_lufs
    out, gr, result = LoudnessTarget.for_target(goal).reach(x, SR)
    assert result.gain_db < 0.0
    # turned down, and limited no harder than the plain gain needs: where the turned-down
    # mix is already under the ceiling, the output is exactly that gain
    plain = x * np.float32(10 ** (result.gain_db / 20))
    if independent_true_peak_dbtp(plain) < goal.true_peak_dbtp - 0.5:
        assert not result.limited
        np.testing.assert_allclose(out, plain, rtol=1e-6, atol=1e-9)
    assert float(gr.min()) > -3.0


def test_the_gain_is_iterated_when_limiting_costs_loudness(mixes):
    x = mixes["dense"]
    goal = TARGETS["cd_club"]
    out, gr, result = LoudnessTarget.for_target(goal).reach(x, SR)
    plain_gain = goal.integrated_lufs - result.input_lufs
    assert result.limited and gr.min() < -1.0
    assert result.gain_db > plain_gain + 0.2  # more than the plain gain: limiting took some
    assert abs(integrated_loudness(out, SR) - goal.integrated_lufs) <= 0.2


def test_may_raise_off_leaves_quiet_material_at_its_level(mixes):
    x = mixes["quiet"]
    proc = LoudnessTarget(target_lufs=-14.0, ceiling_dbtp=-1.0, may_raise=False)
    out, _, result = proc.reach(x, SR)
    assert result.gain_db == 0.0
    np.testing.assert_array_equal(out, x)
    assert out is not x


def test_unreachable_material_stops_short_instead_of_exploding():
    n = 6 * SR
    x = np.zeros((2, n), dtype=np.float32)
    tt = np.arange(2000) / SR
    for k in range(0, n - 2000, SR // 2):  # lone 60 Hz thumps at 0.9, silence between
        x[:, k : k + 2000] = 0.9 * np.sin(2 * np.pi * 60 * tt) * np.exp(-tt / 0.008)
    out, gr, result = reach_loudness(x, SR, target_lufs=-9.0, ceiling_dbtp=-1.0)
    assert result.output_lufs < -9.5  # short of the target, said so by the result
    assert float(gr.min()) >= -19.0  # never more than about 18 dB of limiting
    assert independent_true_peak_dbtp(out) <= -1.0 + 1e-3


def test_silence_passes_and_the_processor_contract_holds():
    x = np.zeros((2, SR), dtype=np.float64)
    out = LoudnessTarget().process(x, SR)
    np.testing.assert_array_equal(out, x)
    audio = Audio(material("dense")[:, : 3 * SR], SR)
    master = LoudnessTarget(target_lufs=-16.0)(audio)
    assert isinstance(master, Audio) and master.sr == SR
    assert abs(integrated_loudness(master.samples, SR) + 16.0) <= 0.5


def test_bad_settings_are_refused_plainly():
    with pytest.raises(ParameterError, match="target_lufs"):
        LoudnessTarget(target_lufs=3.0)
    with pytest.raises(ParameterError, match="no target called 'spotifi'"):
        LoudnessTarget.for_target("spotifi")


def test_for_target_takes_the_targets_figures():
    for key, goal in TARGETS.items():
        proc = LoudnessTarget.for_target(key)
        assert (proc.target_lufs, proc.ceiling_dbtp) == (goal.integrated_lufs, goal.true_peak_dbtp)
    assert LoudnessTarget.for_target("spotify", may_raise=False).may_raise is False
