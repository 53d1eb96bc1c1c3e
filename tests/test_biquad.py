"""RBJ cookbook biquads against their analytic properties."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.signal import sosfreqz

from studio.dsp.biquad import BAND_KINDS, apply_sos, band_sos, sos_response_db
from studio.errors import ParameterError

SR = 48000


def db_at(sos, f):
    return float(sos_response_db(sos, np.array([f]), SR)[0])


@pytest.mark.parametrize("gain_db", [-12.0, -3.0, 3.0, 12.0])
@pytest.mark.parametrize("f0", [50.0, 1000.0, 12000.0])
def test_peak_gain_at_centre_is_exact(gain_db, f0):
    assert db_at(band_sos("peak", f0, gain_db, 1.4, SR), f0) == pytest.approx(gain_db, abs=1e-9)


@pytest.mark.parametrize("gain_db", [-9.0, 6.0])
def test_shelves_reach_their_gain_and_half_at_the_corner(gain_db):
    low = band_sos("low_shelf", 300.0, gain_db, 0.707, SR)
    high = band_sos("high_shelf", 3000.0, gain_db, 0.707, SR)
    assert db_at(low, 1.0) == pytest.approx(gain_db, abs=0.01)  # DC side
    assert db_at(low, 23999.0) == pytest.approx(0.0, abs=0.01)
    assert db_at(high, 23999.0) == pytest.approx(gain_db, abs=0.01)
    assert db_at(high, 1.0) == pytest.approx(0.0, abs=0.01)
    # The cookbook's shelf corner is where the response is half the gain in dB.
    assert db_at(low, 300.0) == pytest.approx(gain_db / 2, abs=1e-9)
    assert db_at(high, 3000.0) == pytest.approx(gain_db / 2, abs=1e-9)


@pytest.mark.parametrize("q", [0.5, 0.7071067811865476, 2.0])
def test_high_and_low_pass_have_gain_q_at_cutoff(q):
    # For the cookbook's 2nd-order high/low pass, |H(f0)| = Q exactly.
    for kind in ("high_pass", "low_pass"):
        assert db_at(band_sos(kind, 1000.0, 0.0, q, SR), 1000.0) == pytest.approx(
            20 * np.log10(q), abs=1e-9
        )
    assert db_at(band_sos("high_pass", 1000.0, 0.0, q, SR), 1.0) < -110
    assert db_at(band_sos("low_pass", 1000.0, 0.0, q, SR), 23999.0) < -100


def test_high_pass_rolls_off_twelve_db_per_octave():
    sos = band_sos("high_pass", 1000.0, 0.0, 0.7071, SR)
    slope = db_at(sos, 100.0) - db_at(sos, 50.0)
    assert slope == pytest.approx(12.04, abs=0.1)


def test_notch_and_band_pass():
    notch = band_sos("notch", 1000.0, 0.0, 4.0, SR)
    assert db_at(notch, 1000.0) < -200
    assert db_at(notch, 100.0) == pytest.approx(0.0, abs=0.01)
    bp = band_sos("band_pass", 1000.0, 0.0, 4.0, SR)
    assert db_at(bp, 1000.0) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("kind", BAND_KINDS)
def test_response_agrees_with_scipy(kind):
    sos = band_sos(kind, 700.0, 5.0, 1.3, SR)
    freqs = np.geomspace(20, 20000, 50)
    _, h = sosfreqz(sos, worN=freqs, fs=SR)
    with np.errstate(divide="ignore"):
        expected = 20 * np.log10(np.abs(h))
    np.testing.assert_allclose(sos_response_db(sos, freqs, SR), expected, atol=1e-6)


@pytest.mark.parametrize("kind", ["peak", "low_shelf", "high_pass"])
def test_filtering_a_sine_matches_the_drawn_curve(kind):
    f = 250.0
    sos = band_sos(kind, 400.0, -8.0, 1.0, SR)
    t = np.arange(SR) / SR
    x = np.sin(2 * np.pi * f * t)[None, :]
    y = apply_sos(x, sos)[:, SR // 2 :]
    measured = 20 * np.log10(np.sqrt(2 * np.mean(y**2)))
    assert measured == pytest.approx(db_at(sos, f), abs=0.02)


@pytest.mark.parametrize(
    ("freq", "q", "match"),
    [
        (24000.0, 1.0, "Nyquist"),
        (30000.0, 1.0, "Nyquist"),
        (0.0, 1.0, "above 0"),
        (1000.0, 0.0, "greater than 0"),
        (1000.0, -1.0, "greater than 0"),
    ],
)
def test_impossible_filters_raise_plain_errors(freq, q, match):
    with pytest.raises(ParameterError, match=match):
        band_sos("peak", freq, 3.0, q, SR)


def test_unknown_kind():
    with pytest.raises(ParameterError, match="one of"):
        band_sos("wobble", 1000.0, 0.0, 1.0, SR)


@given(
    gain=st.floats(0.5, 24.0),
    f0=st.floats(30.0, 15000.0),
    q=st.floats(0.2, 10.0),
)
def test_boost_raises_and_cut_lowers_everywhere(gain, f0, q):
    freqs = np.geomspace(20, 20000, 64)
    for kind in ("peak", "low_shelf", "high_shelf"):
        # Shelves steeper than Butterworth (Q > 0.7071) overshoot by design: check those
        # only for the inverse symmetry below.
        monotonic = kind == "peak" or q <= 0.7071
        up = sos_response_db(band_sos(kind, f0, gain, q, SR), freqs, SR)
        down = sos_response_db(band_sos(kind, f0, -gain, q, SR), freqs, SR)
        if monotonic:
            assert np.all(up > -1e-6) and np.all(down < 1e-6)
        # A cut is the exact inverse of the same boost (RBJ peak/shelf symmetry).
        np.testing.assert_allclose(up, -down, atol=1e-6)


def test_float32_in_float32_out_and_input_untouched(rng):
    x = rng.standard_normal((2, 4800)).astype(np.float32)
    before = x.copy()
    y = apply_sos(x, band_sos("peak", 100.0, 6.0, 1.0, SR))
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_array_equal(x, before)


def test_a_bank_of_cascades_equals_each_cascade_alone():
    from studio.dsp.biquad import apply_sos, apply_sos_bank, band_sos

    rng = np.random.default_rng(3)
    cascades = [
        np.concatenate([band_sos("low_pass", 300.0, 0.0, 0.7071, 48000)] * 2),
        band_sos("peak", 1000.0, 6.0, 1.4, 48000),
        np.concatenate([band_sos("high_pass", 80.0, 0.0, 0.5, 48000)] * 3),
    ]
    for x in (rng.standard_normal((2, 5000)), rng.standard_normal((3, 999)).astype(np.float32)):
        outs = apply_sos_bank(x, cascades)
        assert len(outs) == 3
        for out, sos in zip(outs, cascades, strict=True):
            assert out.dtype == x.dtype and out.shape == x.shape
            np.testing.assert_array_equal(out, apply_sos(x, sos))
    mono = rng.standard_normal(777)
    np.testing.assert_array_equal(apply_sos_bank(mono, cascades)[1], apply_sos(mono, cascades[1]))
