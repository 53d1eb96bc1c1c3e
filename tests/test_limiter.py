"""The true-peak limiter: never over its ceiling as independent 8x/16x meters see it."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import signal

from studio.dsp import _kernels
from studio.dsp.control import Envelope
from studio.dsp.limiter import (
    HOLD_BLOCK,
    REACH,
    SAFETY_MARGIN_DB,
    gain_envelope_db,
    gain_envelope_db_reference,
    interpolation_filter,
    limit,
    sample_true_peaks,
)
from studio.dsp.truepeak import true_peak_dbtp
from studio.errors import ParameterError
from studio.processors.dynamics import Limiter

SR = 48000


def meter_dbtp(y, up=8, start=0, stop=None):
    """An independent true-peak meter: scipy's polyphase resampler, ``up`` times.

    ``start``/``stop`` (frames) read only part of the whole signal's meter (slicing the
    signal first would add a false edge).
    """
    over = signal.resample_poly(np.asarray(y, dtype=np.float64), up, 1, axis=-1)
    stop = y.shape[-1] if stop is None else stop
    peak = max(np.max(np.abs(over[:, start * up : stop * up])), np.max(np.abs(y[:, start:stop])))
    return 20 * np.log10(peak)


def hard_material():
    rng = np.random.default_rng(5)
    t = np.arange(SR // 2) / SR
    return {
        "square 1 kHz": np.sign(np.sin(2 * np.pi * 1000 * t + 0.3))[None],
        "square 997 Hz": np.sign(np.sin(2 * np.pi * 997 * t))[None],
        "full-scale noise": rng.uniform(-1, 1, (2, len(t))),
        "sine fs/4 at 45 degrees": np.sin(2 * np.pi * SR / 4 * t + np.pi / 4)[None],
        "clipped mix": np.clip(rng.standard_normal((2, len(t))) * 0.9, -1, 1),
        "sine 20 kHz": np.sin(2 * np.pi * 20000 * t)[None],
        "clicks": np.where(
            rng.random((2, len(t))) < 0.002, rng.choice([-1.0, 1.0], (2, len(t))), 0
        ),
    }


@pytest.mark.parametrize("name", list(hard_material()))
@pytest.mark.parametrize(("drive", "lookahead"), [(0.0, 1.0), (12.0, 5.0), (6.0, 10.0)])
def test_hard_material_stays_under_the_ceiling(name, drive, lookahead):
    x = hard_material()[name]
    ceiling = -1.0
    y, gr = limit(
        x, SR, ceiling_dbtp=ceiling, release_ms=50.0, lookahead_ms=lookahead, gain_db=drive
    )
    assert meter_dbtp(y, 8) <= ceiling
    assert meter_dbtp(y, 16) <= ceiling
    assert true_peak_dbtp(y, SR) <= ceiling - SAFETY_MARGIN_DB + 1e-4  # the studio's meter
    assert np.all(gr <= 0.0)


def test_an_intersample_peak_is_caught_that_a_sample_peak_limiter_misses():
    t = np.arange(SR // 2) / SR
    x = np.sin(2 * np.pi * SR / 4 * t + np.pi / 4)[None]  # samples at +-0.707, waveform 1.0
    assert 20 * np.log10(np.max(np.abs(x))) < -3.0  # every sample is 2 dB under the ceiling
    y, _ = limit(x, SR, ceiling_dbtp=-1.0)
    reading = meter_dbtp(y, start=SR // 8, stop=SR // 2 - SR // 8)
    # turned down to the target (scipy's meter reads 12 kHz about 0.02 dB high)
    assert reading == pytest.approx(-1.0 - SAFETY_MARGIN_DB, abs=0.03)
    assert true_peak_dbtp(y, SR) == pytest.approx(-1.0 - SAFETY_MARGIN_DB, abs=1e-3)


@given(
    seed=st.integers(0, 10_000),
    drive=st.floats(0, 24),
    ceiling=st.floats(-12, 0),
    release=st.floats(1, 1000),
    lookahead=st.floats(1, 10),
    kind=st.sampled_from(["noise", "clipped", "bursts", "tone"]),
)
def test_true_peak_never_exceeds_the_ceiling(seed, drive, ceiling, release, lookahead, kind):
    rng = np.random.default_rng(seed)
    n = 3000
    if kind == "noise":
        x = rng.uniform(-1, 1, (2, n)) * rng.uniform(0.01, 1)
    elif kind == "clipped":
        x = np.clip(rng.standard_normal((2, n)) * rng.uniform(0.5, 4), -1, 1)
    elif kind == "bursts":
        x = rng.standard_normal((1, n)) * np.repeat(rng.uniform(0, 1, 10), n // 10) * 0.5
    else:
        t = np.arange(n) / SR
        x = np.sin(2 * np.pi * rng.uniform(20, 23900) * t + rng.uniform(0, 6))[None]
    y, gr = limit(
        x, SR, ceiling_dbtp=ceiling, release_ms=release, lookahead_ms=lookahead, gain_db=drive
    )
    assert meter_dbtp(y) <= ceiling  # guaranteed: no tolerance
    assert true_peak_dbtp(y, SR) <= ceiling
    assert np.all(np.isfinite(y)) and np.all(gr <= 0.0)


def test_transparent_below_the_ceiling(rng):
    x = (rng.uniform(-1, 1, (2, 9600)) * 0.3).astype(np.float32)  # peaks -10 dBFS
    y, gr = limit(x, SR, ceiling_dbtp=-1.0)
    np.testing.assert_array_equal(y, x)
    assert y.dtype == np.float32 and not gr.any()
    quiet = x / 3  # true peak well under -10 dBTP
    loud = Limiter(gain_db=6.0).process(quiet, SR)
    np.testing.assert_allclose(loud, quiet * 10 ** (6 / 20), rtol=1e-6)  # drive alone


def test_steady_tone_is_turned_down_just_to_the_target():
    t = np.arange(SR) / SR
    x = 0.9 * np.sin(2 * np.pi * 1000 * t)[None]
    y, gr = limit(x, SR, ceiling_dbtp=-6.0, gain_db=3.0)
    expected = -6.0 - SAFETY_MARGIN_DB - (20 * np.log10(0.9) + 3.0)
    assert gr[SR // 2] == pytest.approx(expected, abs=0.01)
    reading = meter_dbtp(y, start=SR // 2, stop=SR - 100)
    assert reading == pytest.approx(-6.0 - SAFETY_MARGIN_DB, abs=0.01)


def test_output_is_aligned_with_the_input(rng):
    x = rng.standard_normal((2, 9600))
    drive = 10.0
    y, gr = limit(x, SR, gain_db=drive, lookahead_ms=5.0)
    np.testing.assert_allclose(y, x * 10 ** ((gr + drive) / 20), rtol=1e-12)


def test_lookahead_brings_the_gain_down_before_the_peak_and_release_lets_it_go():
    n = SR // 2
    x = np.zeros((1, n))
    k = SR // 4
    x[0, k] = 1.0  # a click 1 dB over a -1 dBTP ceiling (true peak of a click: itself)
    lookahead_ms, release_ms = 5.0, 40.0
    _, gr = limit(x, SR, ceiling_dbtp=-1.0, lookahead_ms=lookahead_ms, release_ms=release_ms)
    depth = -1.0 - SAFETY_MARGIN_DB
    assert gr[k] <= depth + 1e-6  # (the target is computed in float32)
    lookahead = int(lookahead_ms * SR / 1000)
    first = np.flatnonzero(gr)[0]
    # starts at most a lookahead plus the interpolator's reach (in whole hold blocks) early
    assert k - first <= lookahead + 2 * (REACH + 1 + HOLD_BLOCK)
    assert k - first >= lookahead
    # after the hold, 63 % of the way back up within about one release time
    release = int(release_ms * SR / 1000)
    after = k + REACH + 1 + 2 * HOLD_BLOCK + lookahead + release
    assert gr[after] == pytest.approx(depth * np.exp(-1), abs=0.1)


def test_time_varying_ceiling_and_drive():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (2, SR))
    ceiling = Envelope([0.0, 0.5, 0.5], [-1.0, -1.0, -8.0], shape="hold")
    y, _ = limit(x, SR, ceiling_dbtp=ceiling, gain_db=np.linspace(0, 12, SR))
    assert meter_dbtp(y, stop=SR // 2) <= -1.0
    assert meter_dbtp(y, start=SR // 2) <= -8.0


@pytest.mark.parametrize("lookahead", [1, 7, 240])
def test_gain_envelope_equals_its_definition_and_respects_the_requirement(lookahead, rng):
    n = 1500
    required = np.where(rng.random(n) < 0.05, -rng.uniform(0, 12, n), 0.0)
    coef = np.linspace(0.9, 0.9999, n) if lookahead == 7 else 0.999
    fast = gain_envelope_db(required, lookahead=lookahead, release_coef=coef)
    slow = gain_envelope_db_reference(required, lookahead=lookahead, release_coef=coef)
    np.testing.assert_allclose(fast, slow, atol=1e-9)
    reach = REACH + 1
    for t in np.flatnonzero(required):
        lo, hi = max(0, t - reach), t + reach + 1
        assert np.all(fast[lo:hi] <= required[t] + 1e-9)  # flat under the whole reach


def test_detector_matches_upfirdn_with_its_filter(rng):
    x = rng.uniform(-1, 1, (2, 500))
    h = interpolation_filter()
    over = np.max(np.abs(signal.upfirdn(h, x, up=8, axis=-1)), axis=0)
    assert np.max(sample_true_peaks(x, SR, meter=False)) == pytest.approx(over.max(), rel=1e-5)
    # and with the meter's filter included it is never lower than the studio's meter reads
    assert 20 * np.log10(sample_true_peaks(x, SR).max()) >= true_peak_dbtp(x, SR) - 1e-5


def test_hold_block_is_the_kernel_constant():
    assert _kernels.HOLD_BLOCK == HOLD_BLOCK


def test_processor_curve_and_errors():
    lim = Limiter(ceiling_dbtp=-1.0, gain_db=6.0)
    np.testing.assert_allclose(lim.transfer_curve([-20.0, -7.0, 0.0]), [-14.0, -1.0, -1.0])
    assert not Limiter.identity_when_neutral
    with pytest.raises(ParameterError, match="ceiling"):
        Limiter(ceiling_dbtp=1.0)
    with pytest.raises(ParameterError, match="lookahead_ms must be 0 ms or more"):
        limit(np.zeros((1, 10)), SR, lookahead_ms=-np.ones(10))
    with pytest.raises(ParameterError, match="release_ms must be above 0"):
        limit(np.zeros((1, 10)), SR, release_ms=0.0)
    empty, trace = limit(np.zeros((2, 0)), SR)
    assert empty.shape == (2, 0) and trace.shape == (0,)


@pytest.mark.parametrize("sr", [44100, 48000, 96000])
def test_the_check_measures_every_frame_that_may_be_over(sr, rng):
    from studio.dsp.limiter import _checked_peaks

    # quiet stretches (skipped by the bound) between loud ones (measured)
    x = rng.uniform(-1, 1, (2, 20000)).astype(np.float32)
    x[:, 3000:9000] *= 0.05
    x[:, 15000:] *= 0.3
    target_db = np.float32(-6.0)
    exact = sample_true_peaks(x, sr)
    checked = _checked_peaks(x, sr, target_db)
    over = exact > 10 ** (target_db / 20)
    assert over.any() and not over.all()
    np.testing.assert_array_equal(checked[over], exact[over])
    assert np.all(checked <= exact)  # elsewhere at most the true value: never a false over
    assert np.all(checked[~over] <= 10 ** (target_db / 20))


def test_the_one_pair_kernel_equals_the_general_one(rng):
    from studio.dsp.limiter import _interpolators

    x = rng.uniform(-1, 1, 3000).astype(np.float32)
    padded = np.concatenate([np.zeros(23, np.float32), x, np.zeros(23, np.float32)])
    starts, stops = np.array([0, 1200], np.int64), np.array([700, 3023], np.int64)
    sums, diffs, centre = _interpolators(SR, True)[1]  # the meter's 4x: one pair
    assert not sums[1:].any()
    a, b = np.zeros(3023, np.float32), np.zeros(3023, np.float32)
    _kernels.interpolated_peaks_spans(padded, sums, diffs, centre, a, starts, stops)
    _kernels.interpolated_peaks_spans_1pc(padded, sums, diffs, centre, b, starts, stops)
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert a[700:1200].max() == 0.0 and a[50:700].min() > 0.0


def test_known_input_peaks_give_the_same_master(rng):
    x = (0.5 * rng.standard_normal((2, SR))).astype(np.float32)
    known = sample_true_peaks(x, SR, meter=False)
    out, gain = limit(x, SR, ceiling_dbtp=-1.0, gain_db=4.0)
    again, gain_again = limit(x, SR, ceiling_dbtp=-1.0, gain_db=4.0, input_peaks=known)
    np.testing.assert_allclose(again, out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gain_again, gain, atol=1e-4)
    assert meter_dbtp(again) <= -1.0 + 1e-3
    with pytest.raises(ParameterError, match="input_peaks"):
        limit(x, SR, input_peaks=known[:10])
