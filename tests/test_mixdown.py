"""Static mixdown: pan law, fader gains, summing, padding and plain errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.audio import Audio
from studio.errors import AudioDataError, ParameterError, StudioError, StudioWarning
from studio.mixing import mixdown, pan_to_gains

SR = 48000
CENTRE_DB = 20.0 * math.log10(math.sqrt(0.5))  # -3.0103 dB: half the power per side


def _db(x: float) -> float:
    return 20.0 * math.log10(x)


def _mono(value: float = 0.5, n: int = 64, name: str | None = None) -> Audio:
    return Audio(np.full((1, n), value), SR, name)


def test_centre_mono_source_is_minus_3_db_per_side():
    out = mixdown({"a": _mono(0.5)})
    assert out.n_channels == 2
    assert _db(out.samples[0, 0] / 0.5) == pytest.approx(CENTRE_DB, abs=1e-9)
    assert _db(out.samples[1, 0] / 0.5) == pytest.approx(CENTRE_DB, abs=1e-9)
    assert CENTRE_DB == pytest.approx(-3.0103, abs=1e-4)


def test_hard_left_is_unity_left_and_silence_right():
    x = np.sin(np.linspace(0.0, 20.0, 500))[np.newaxis, :] * 0.3
    out = mixdown({"a": Audio(x, SR)}, pans={"a": -1.0})
    np.testing.assert_array_equal(out.samples[0], x[0])
    np.testing.assert_array_equal(out.samples[1], np.zeros(500))


def test_hard_right_is_unity_right_and_silence_left():
    out = mixdown({"a": _mono(0.25)}, pans={"a": 1.0})
    np.testing.assert_array_equal(out.samples[1], np.full(64, 0.25))
    np.testing.assert_array_equal(out.samples[0], np.zeros(64))


@given(st.floats(-1.0, 1.0))
def test_pan_law_keeps_power_constant(pan):
    left, right = pan_to_gains(pan)
    assert left**2 + right**2 == pytest.approx(1.0, abs=1e-12)
    assert left >= 0.0 and right >= 0.0
    # panning right never makes the left side louder
    assert pan_to_gains(min(1.0, pan + 0.1))[0] <= left + 1e-15


@given(st.floats(-1.0, 1.0))
def test_balance_keeps_the_near_side_at_unity(pan):
    left, right = pan_to_gains(pan, stereo_source=True)
    near, far = (left, right) if pan <= 0 else (right, left)
    assert near == 1.0
    assert 0.0 <= far <= 1.0
    assert far == pytest.approx(math.cos(abs(pan) * math.pi / 2.0), abs=1e-12)


def test_stereo_source_balance():
    x = np.stack([np.full(32, 0.4), np.full(32, -0.2)])
    centred = mixdown({"s": Audio(x, SR)})
    np.testing.assert_array_equal(centred.samples, x)
    left = mixdown({"s": Audio(x, SR)}, pans={"s": -1.0})
    np.testing.assert_array_equal(left.samples[0], x[0])
    np.testing.assert_array_equal(left.samples[1], np.zeros(32))
    half = mixdown({"s": Audio(x, SR)}, pans={"s": 0.5})
    np.testing.assert_allclose(half.samples[0], x[0] * math.sqrt(0.5), rtol=1e-12)
    np.testing.assert_array_equal(half.samples[1], x[1])


@pytest.mark.parametrize("gain_db", [-24.0, -6.0, -0.5, 0.0, 3.0, 12.0])
def test_fader_gain_is_applied_exactly(gain_db):
    out = mixdown({"a": _mono(0.1)}, gains_db={"a": gain_db}, pans={"a": -1.0})
    assert _db(out.samples[0, 0] / 0.1) == pytest.approx(gain_db, abs=1e-9)
    centred = mixdown({"a": _mono(0.1)}, gains_db={"a": gain_db})
    assert _db(centred.samples[1, 0] / 0.1) == pytest.approx(gain_db + CENTRE_DB, abs=1e-9)


def test_tracks_add_and_shorter_ones_are_padded():
    a = _mono(0.2, n=100, name="a")
    b = _mono(0.1, n=40, name="b")
    out = mixdown({"a": a, "b": b}, pans={"a": -1.0, "b": -1.0})
    assert out.n_frames == 100
    np.testing.assert_allclose(out.samples[0, :40], 0.3, rtol=1e-12)
    np.testing.assert_allclose(out.samples[0, 40:], 0.2, rtol=1e-12)
    np.testing.assert_array_equal(out.samples[1], np.zeros(100))


def test_list_of_tracks_with_list_settings():
    tracks = [_mono(0.2, name="kick"), _mono(0.2, name="bass")]
    by_name = mixdown(tracks, gains_db={"bass": -6.0}, pans={"kick": -1.0})
    by_list = mixdown(tracks, gains_db=[0.0, -6.0], pans=[-1.0, 0.0])
    np.testing.assert_array_equal(by_name.samples, by_list.samples)
    expected_left = 0.2 + 0.2 * 10 ** (-6 / 20) * math.sqrt(0.5)
    assert by_name.samples[0, 0] == pytest.approx(expected_left, rel=1e-12)


def test_inputs_are_untouched():
    x = np.random.default_rng(0).standard_normal((2, 256)) * 0.1
    keep = x.copy()
    y = np.random.default_rng(1).standard_normal(256) * 0.1
    keep_y = y.copy()
    tracks = {"s": Audio(x, SR), "m": Audio(y, SR)}
    gains = {"s": -3.0, "m": 2.0}
    pans = {"s": 0.3, "m": -0.7}
    mixdown(tracks, gains_db=gains, pans=pans, headroom_db=6.0)
    np.testing.assert_array_equal(x, keep)
    np.testing.assert_array_equal(y, keep_y)
    assert gains == {"s": -3.0, "m": 2.0} and pans == {"s": 0.3, "m": -0.7}
    assert list(tracks) == ["s", "m"]


def test_headroom_sets_the_peak():
    x = np.random.default_rng(2).standard_normal((1, 4800))
    out = mixdown({"loud": Audio(x, SR)}, headroom_db=6.0)
    assert _db(np.max(np.abs(out.samples))) == pytest.approx(-6.0, abs=1e-9)


def test_float32_stays_float32():
    out = mixdown({"a": Audio(np.full((1, 8), 0.5, dtype=np.float32), SR)})
    assert out.samples.dtype == np.float32


def test_mismatched_sample_rates_raise_plainly():
    tracks = {"a": Audio(np.zeros((1, 10)), 48000), "b": Audio(np.zeros((1, 10)), 44100)}
    with pytest.raises(StudioError, match="sample rate"):
        mixdown(tracks)
    with pytest.raises(AudioDataError, match="a 48000 Hz, b 44100 Hz"):
        mixdown(tracks)


def test_unknown_track_in_settings():
    with pytest.raises(ParameterError, match="'kik', which is not a track"):
        mixdown({"kick": _mono()}, gains_db={"kik": -3.0})


@pytest.mark.parametrize("pan", [-1.5, 2.0, "left"])
def test_bad_pan(pan):
    with pytest.raises(ParameterError, match="pan for 'a'"):
        mixdown({"a": _mono()}, pans={"a": pan})


@pytest.mark.parametrize("gain", [math.nan, math.inf, 40.0, "loud"])
def test_bad_gain(gain):
    with pytest.raises(ParameterError, match="gain for 'a'"):
        mixdown({"a": _mono()}, gains_db={"a": gain})


def test_bad_tracks():
    with pytest.raises(AudioDataError, match="nothing to mix"):
        mixdown({})
    with pytest.raises(AudioDataError, match="not a studio.Audio"):
        mixdown({"a": np.zeros((1, 10))})
    with pytest.raises(AudioDataError, match="6 channels"):
        mixdown({"surround": Audio(np.zeros((6, 100)), SR)})
    with pytest.raises(ParameterError, match="3 values for 2 tracks"):
        mixdown([_mono(), _mono()], gains_db=[0.0, 0.0, 0.0])
    with pytest.raises(ParameterError, match="headroom_db"):
        mixdown({"a": _mono()}, headroom_db=-3.0)


def test_warns_when_the_mix_goes_over_full_scale():
    with pytest.warns(StudioWarning, match=r"peaks at \+"):
        mixdown({"a": _mono(0.9), "b": _mono(0.9)}, pans={"a": -1.0, "b": -1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mixdown({"a": _mono(0.9), "b": _mono(0.9)}, pans={"a": -1.0, "b": -1.0}, headroom_db=6.0)
