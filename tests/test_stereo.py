"""Mid/side and width against their algebra: round trip, side gain, correlation, LR4."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.dsp import crossover, stereo
from studio.dsp.biquad import sos_response
from studio.dsp.control import Envelope
from studio.errors import AudioDataError, ParameterError
from studio.processors.stereo import MultibandWidth, StereoWidth

SR = 48000


def noise(n=SR // 2, seed=0):
    return np.random.default_rng(seed).standard_normal((2, n))


def tone(freq_hz, n=SR, amplitude=1.0):
    return amplitude * np.sin(2 * np.pi * freq_hz * np.arange(n) / SR)


def amplitude_of(x, freq_hz):
    """Least-squares amplitude of a sine at ``freq_hz`` (steady state)."""
    t = np.arange(len(x)) / SR
    basis = np.stack([np.sin(2 * np.pi * freq_hz * t), np.cos(2 * np.pi * freq_hz * t)], 1)
    coef, *_ = np.linalg.lstsq(basis, x, rcond=None)
    return float(np.hypot(*coef))


# -- mid/side --------------------------------------------------------------------------
dyadic = st.integers(-(2**20), 2**20).map(lambda k: k / 2**20)


@given(st.lists(st.tuples(dyadic, dyadic), min_size=1, max_size=50))
def test_ms_round_trip_is_exact_on_dyadic_values(pairs):
    x = np.array(pairs).T
    np.testing.assert_array_equal(stereo.ms_decode(stereo.ms_encode(x)), x)


@given(st.lists(st.tuples(st.floats(-2, 2), st.floats(-2, 2)), min_size=1, max_size=50))
def test_ms_round_trip_within_rounding_on_any_values(pairs):
    x = np.array(pairs).T
    np.testing.assert_allclose(stereo.ms_decode(stereo.ms_encode(x)), x, rtol=0, atol=1e-15)


def test_ms_conventions():
    left, right = noise()[0], noise(seed=1)[0]
    ms = stereo.ms_encode(np.stack([left, right]))
    np.testing.assert_allclose(ms[0], (left + right) / 2)
    np.testing.assert_allclose(ms[1], (left - right) / 2)
    mono = stereo.ms_encode(np.stack([left, left]))
    np.testing.assert_array_equal(mono[0], left)
    np.testing.assert_array_equal(mono[1], 0.0)
    assert stereo.ms_encode(np.zeros((2, 3), dtype=np.float32)).dtype == np.float32
    with pytest.raises(AudioDataError, match="stereo"):
        stereo.ms_encode(np.zeros((1, 10)))


# -- width -----------------------------------------------------------------------------
def test_width_zero_is_mono_and_hundred_is_untouched():
    x = noise()
    mono = StereoWidth(width_pct=0.0).process(x, SR)
    np.testing.assert_array_equal(mono[0], mono[1])
    np.testing.assert_allclose(mono[0], x.mean(axis=0))
    np.testing.assert_array_equal(StereoWidth(width_pct=100.0).process(x, SR), x)
    x32 = x.astype(np.float32)
    np.testing.assert_array_equal(StereoWidth().process(x32, SR), x32)


@given(st.floats(0.0, 200.0))
def test_side_gain_is_width_over_hundred_and_mid_is_kept(width):
    x = noise(n=512)
    out = stereo.ms_encode(StereoWidth(width_pct=width).process(x, SR))
    before = stereo.ms_encode(x)
    np.testing.assert_allclose(out[1], width / 100 * before[1], atol=1e-12)
    np.testing.assert_allclose(out[0], before[0], atol=1e-12)


def test_correlation_rises_as_width_falls_following_its_formula():
    rng = np.random.default_rng(2)
    mid, side = rng.standard_normal(SR), 0.7 * rng.standard_normal(SR)
    side -= mid * (side @ mid) / (mid @ mid)  # exactly uncorrelated
    x = stereo.ms_decode(np.stack([mid, side]))
    pm, ps = np.mean(mid**2), np.mean(side**2)
    corrs = []
    for width in (200.0, 150.0, 100.0, 50.0, 0.0):
        y = stereo.stereo_width(x, SR, width_pct=width)
        corr = np.mean(y[0] * y[1]) / np.sqrt(np.mean(y[0] ** 2) * np.mean(y[1] ** 2))
        w = width / 100
        assert corr == pytest.approx((pm - w**2 * ps) / (pm + w**2 * ps), abs=1e-9)
        corrs.append(corr)
    assert np.all(np.diff(corrs) > 0) and corrs[-1] == pytest.approx(1.0)


def test_width_can_move_over_time():
    x = noise()
    width = Envelope([0.0, 0.5], [100.0, 0.0])
    y = stereo.stereo_width(x, SR, width_pct=width)
    side_in, side_out = stereo.ms_encode(x)[1], stereo.ms_encode(y)[1]
    expected = width.render(x.shape[1], SR) / 100
    np.testing.assert_allclose(side_out, expected * side_in, atol=1e-12)


# -- crossovers and mono bass ----------------------------------------------------------
def test_lr4_bands_are_in_phase_and_sum_to_an_allpass():
    f = np.geomspace(10, 23000, 300)
    low = sos_response(crossover.lr4_lowpass_sos(250.0, SR), f, SR)
    high = sos_response(crossover.lr4_highpass_sos(250.0, SR), f, SR)
    allpass = sos_response(crossover.lr4_allpass_sos(250.0, SR), f, SR)
    np.testing.assert_allclose(low + high, allpass, atol=1e-12)
    np.testing.assert_allclose(np.abs(allpass), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.angle(low / high)[np.abs(high) > 1e-6], 0.0, atol=1e-7)
    at_crossover = sos_response(crossover.lr4_lowpass_sos(250.0, SR), np.array([250.0]), SR)
    assert 20 * np.log10(abs(at_crossover[0])) == pytest.approx(-6.0206, abs=1e-3)


def hp4_gain(freq_hz, crossover_hz):
    """LR4 high side's level: a prewarped (bilinear) Butterworth squared."""
    r = (np.tan(np.pi * freq_hz / SR) / np.tan(np.pi * crossover_hz / SR)) ** 4
    return r / (1 + r)


@pytest.mark.parametrize("freq_hz", [40.0, 150.0, 2000.0])
def test_mono_below_removes_side_below_the_crossover(freq_hz):
    width, cross = 130.0, 150.0
    side = tone(freq_hz, amplitude=0.5)
    mid = tone(freq_hz * 1.01, amplitude=0.5)
    y = StereoWidth(width_pct=width, mono_below_hz=cross).process(
        stereo.ms_decode(np.stack([mid, side])), SR
    )
    out = stereo.ms_encode(y)
    settled = slice(SR // 4, None)
    gain = amplitude_of(out[1, settled], freq_hz) / 0.5
    assert gain == pytest.approx(width / 100 * hp4_gain(freq_hz, cross), abs=1e-5)
    # the mid only passes an all-pass: its level is unchanged
    assert amplitude_of(out[0, settled], freq_hz * 1.01) == pytest.approx(0.5, abs=1e-5)
    if freq_hz == 40.0:
        assert 20 * np.log10(gain) < -40  # the bass is (nearly) mono


def test_width_curve_matches_what_the_audio_measures():
    proc = MultibandWidth(
        low_width_pct=20.0,
        mid_width_pct=100.0,
        high_width_pct=180.0,
        low_crossover_hz=300.0,
        high_crossover_hz=3000.0,
    )
    freqs = np.array([50.0, 300.0, 1000.0, 3000.0, 12000.0])
    predicted = proc.width_at(freqs, SR)
    for f, width in zip(freqs, predicted, strict=True):
        side = tone(f, amplitude=0.4)
        y = proc.process(stereo.ms_decode(np.stack([np.zeros_like(side), side])), SR)
        measured = amplitude_of(stereo.ms_encode(y)[1, SR // 4 :], f) / 0.4
        assert 100 * measured == pytest.approx(width, abs=1e-3)
    assert predicted[0] == pytest.approx(20.0, abs=0.5)
    assert predicted[-1] == pytest.approx(180.0, abs=0.5)
    assert predicted[2] == pytest.approx(100.0, abs=2.0)


def test_multiband_with_equal_widths_is_a_plain_width_change():
    x = noise()
    for w in (0.0, 60.0, 100.0):
        proc = MultibandWidth(low_width_pct=w, mid_width_pct=w, high_width_pct=w)
        np.testing.assert_array_equal(proc.process(x, SR), stereo.stereo_width(x, SR, width_pct=w))
    np.testing.assert_array_equal(MultibandWidth.neutral().process(x, SR), x)


def test_width_curves_for_the_plot():
    width, reference = StereoWidth(width_pct=150.0, mono_below_hz=120.0).curves(SR)
    assert width.y[0] < 1.0 and width.y[-1] == pytest.approx(150.0, abs=0.01)
    np.testing.assert_array_equal(reference.y, 100.0)
    flat, _ = StereoWidth(width_pct=70.0).curves(SR)
    np.testing.assert_array_equal(flat.y, 70.0)
    assert len(MultibandWidth().curves(SR)) == 2


def test_impossible_crossovers_are_refused():
    with pytest.raises(ParameterError, match="rise"):
        stereo.multiband_width(noise(n=100), SR, widths_pct=(1, 1, 0), crossovers_hz=(500, 200))
    with pytest.raises(ParameterError, match="one width per band"):
        stereo.multiband_width(noise(n=100), SR, widths_pct=(1, 1), crossovers_hz=(200, 500))
    with pytest.raises(ParameterError, match="MultibandWidth.*high_crossover_hz.*Nyquist"):
        MultibandWidth(high_crossover_hz=12000.0).check_rate(22050)
    with pytest.raises(ParameterError, match="StereoWidth.*mono_below_hz.*Nyquist"):
        StereoWidth(mono_below_hz=400.0).check_rate(800)
    with pytest.raises(ParameterError, match="width_pct"):
        stereo.stereo_width(noise(n=10), SR, width_pct=-5.0)
