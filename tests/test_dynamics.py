"""The compressor against its equations: static curve, time constants, invariants."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.audio import Audio
from studio.dsp.dynamics import (
    compress,
    smooth_gain_db,
    smooth_gain_db_reference,
    static_curve_db,
    time_constant_coef,
)
from studio.errors import ParameterError
from studio.processors.dynamics import Compressor

SR = 48000


def test_hard_knee_static_curve():
    x = np.array([-40.0, -20.0, -10.0, 0.0])
    y = static_curve_db(x, threshold_db=-20.0, ratio=4.0, knee_db=0.0)
    np.testing.assert_allclose(y, [-40.0, -20.0, -17.5, -15.0])


def test_soft_knee_is_continuous_and_meets_both_lines():
    t, r, w = -20.0, 4.0, 10.0
    x = np.linspace(-40, 0, 4001)
    y = static_curve_db(x, threshold_db=t, ratio=r, knee_db=w)
    below, above = x < t - w / 2, x > t + w / 2
    np.testing.assert_allclose(y[below], x[below])
    np.testing.assert_allclose(y[above], t + (x[above] - t) / r)
    # At the threshold the soft knee sits W/8 * (1 - 1/R) below the input.
    mid = static_curve_db(t, threshold_db=t, ratio=r, knee_db=w)
    assert float(mid) == pytest.approx(t - (w / 8) * (1 - 1 / r))
    assert np.max(np.abs(np.diff(y))) < 0.011  # no jumps
    slopes = np.diff(y) / np.diff(x)
    assert np.all(slopes <= 1 + 1e-9) and np.all(slopes >= 1 / r - 1e-9)


def test_compiled_smoother_equals_reference(rng):
    target = np.minimum(0.0, rng.standard_normal(20000) * 8)
    a, r = time_constant_coef(5.0, SR), time_constant_coef(80.0, SR)
    np.testing.assert_array_equal(
        smooth_gain_db(target, a, r), smooth_gain_db_reference(target, a, r)
    )


def test_attack_and_release_time_constants():
    attack_ms, release_ms = 10.0, 100.0
    a, r = time_constant_coef(attack_ms, SR), time_constant_coef(release_ms, SR)
    n_a, n_r = int(attack_ms * SR / 1000), int(release_ms * SR / 1000)
    target = np.concatenate([np.full(SR, -12.0), np.zeros(SR)])
    g = smooth_gain_db(target, a, r)
    assert g[n_a - 1] == pytest.approx(-12.0 * (1 - np.exp(-1)), rel=1e-3)
    assert g[SR + n_r - 1] == pytest.approx(g[SR - 1] * np.exp(-1), rel=1e-3)


def test_steady_level_lands_on_the_static_curve():
    # A constant 0.5 (-6.02 dBFS) held long enough settles exactly on the curve.
    x = np.full((2, SR), 0.5)
    comp = Compressor(
        threshold_db=-20.0, ratio=4.0, knee_db=0.0, attack_ms=1.0, release_ms=50.0, makeup_db=3.0
    )
    y = comp.process(x, SR)
    level_in = 20 * np.log10(0.5)
    expected = float(comp.transfer_curve([level_in])[0])
    assert 20 * np.log10(y[0, -1]) == pytest.approx(expected, abs=1e-6)
    gr = comp.gain_reduction_db(x, SR)
    assert gr[-1] == pytest.approx(expected - 3.0 - level_in, abs=1e-6)


def test_neutral_compressor_is_identity(rng):
    x = rng.uniform(-1, 1, (2, 9600)).astype(np.float32)
    y = Compressor.neutral().process(x, SR)
    np.testing.assert_array_equal(x, y)
    assert y.dtype == np.float32


def test_input_untouched_and_audio_call(rng):
    x = rng.uniform(-1, 1, (2, 4800))
    before = x.copy()
    out = Compressor(threshold_db=-30.0)(Audio(x, SR, "drums"))
    np.testing.assert_array_equal(x, before)
    assert out.name == "drums" and out.samples.shape == x.shape


def test_trace_and_output_agree(rng):
    x = rng.uniform(-1, 1, (1, 4800))
    y, gr = compress(
        x,
        SR,
        threshold_db=-12.0,
        ratio=3.0,
        knee_db=6.0,
        attack_ms=2.0,
        release_ms=40.0,
        makeup_db=0.0,
    )
    np.testing.assert_allclose(y, x * 10 ** (gr / 20))


@given(
    threshold=st.floats(-60, 0),
    ratio=st.floats(1, 20),
    knee=st.floats(0, 24),
    attack=st.floats(0.1, 200),
    release=st.floats(5, 2000),
    seed=st.integers(0, 2**16),
)
def test_never_louder_without_makeup_and_finite(threshold, ratio, knee, attack, release, seed):
    x = np.random.default_rng(seed).uniform(-1, 1, (2, 2400))
    comp = Compressor(
        threshold_db=threshold, ratio=ratio, knee_db=knee, attack_ms=attack, release_ms=release
    )
    y = comp.process(x, SR)
    assert np.all(np.isfinite(y))
    assert np.all(np.abs(y) <= np.abs(x) + 1e-12)


@given(ratio=st.floats(1.0, 19.0), seed=st.integers(0, 1000))
def test_higher_ratio_reduces_more(ratio, seed):
    x = np.random.default_rng(seed).uniform(-1, 1, (1, 2400))
    lo = Compressor(threshold_db=-30, ratio=ratio).gain_reduction_db(x, SR)
    hi = Compressor(threshold_db=-30, ratio=ratio + 1).gain_reduction_db(x, SR)
    assert np.all(hi <= lo + 1e-9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"ratio": 0.5}, r"Compressor: ratio must be between 1 and 20 :1; got 0.5"),
        ({"threshold_db": float("nan")}, r"threshold \(threshold_db\) must be a finite number"),
        ({"attack_ms": 0.0}, r"attack \(attack_ms\) must be between 0.1 and 200 ms; got 0"),
        ({"release_ms": "fast"}, r"release \(release_ms\) must be a number"),
        ({"knee_db": -1.0}, r"knee \(knee_db\) must be between 0 and 24 dB"),
    ],
)
def test_impossible_parameters(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        Compressor(**kwargs)
