"""Stereo analysis (studio.analysis.stereo) against analytic values.

Pearson correlation: +1 for identical channels, -1 for inverted ones, cos(phi) for two
sines phi apart over whole periods, about 0 (within a few 1/sqrt(N)) for independent
noise. Mono fold (L + R) / 2 on both speakers: no loss for identical channels, all of it
for inverted ones, 10 log10(2) = 3.01 dB for independent channels of equal power.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio import Audio
from studio.analysis import stereo
from studio.errors import AudioDataError

SR = 48000
RNG = np.random.default_rng(21)
NOISE_L = 0.1 * RNG.standard_normal(10 * SR)
NOISE_R = 0.1 * RNG.standard_normal(10 * SR)


def sine(freq_hz=1000.0, seconds=2.0, phase=0.0, amplitude=0.5):
    t = np.arange(int(seconds * SR)) / SR
    return amplitude * np.sin(2 * np.pi * freq_hz * t + phase)


# --- Correlation -------------------------------------------------------------------------


@pytest.mark.parametrize("signal", [sine(), NOISE_L[: 2 * SR]])
def test_identical_channels_correlate_plus_one(signal):
    result = stereo.correlation_over_time(Audio(np.stack([signal, signal]), SR))
    assert result.overall == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(result.correlation, 1.0, atol=1e-6)


@pytest.mark.parametrize("signal", [sine(), NOISE_L[: 2 * SR]])
def test_inverted_channels_correlate_minus_one(signal):
    result = stereo.correlation_over_time(Audio(np.stack([signal, -signal]), SR))
    assert result.overall == pytest.approx(-1.0, abs=1e-9)
    np.testing.assert_allclose(result.correlation, -1.0, atol=1e-6)
    assert result.fraction_negative == 1.0


def test_independent_noise_correlates_about_zero():
    result = stereo.correlation_over_time(Audio(np.stack([NOISE_L, NOISE_R]), SR))
    assert abs(result.overall) < 5 / math.sqrt(NOISE_L.size)
    assert np.max(np.abs(result.correlation)) < 5 / math.sqrt(0.4 * SR)


@settings(max_examples=25, deadline=None)
@given(phase=st.floats(0.0, 2 * np.pi))
def test_two_sines_correlate_as_the_cosine_of_their_phase_difference(phase):
    x = np.stack([sine(), sine(phase=phase)])  # 2000 whole periods
    assert stereo.stereo_correlation(Audio(x, SR)) == pytest.approx(np.cos(phase), abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(gain_l=st.floats(0.01, 10.0), gain_r=st.floats(0.01, 10.0), flip=st.booleans())
def test_correlation_ignores_levels_and_follows_polarity(gain_l, gain_r, flip):
    left, right = NOISE_L[:SR], 0.6 * NOISE_L[:SR] + 0.8 * NOISE_R[:SR]
    base = stereo.stereo_correlation(Audio(np.stack([left, right]), SR))
    sign = -1.0 if flip else 1.0
    moved = stereo.stereo_correlation(Audio(np.stack([gain_l * left, sign * gain_r * right]), SR))
    assert moved == pytest.approx(sign * base, abs=1e-9)


def test_series_timing_and_silence():
    x = np.stack([sine(seconds=1.0), np.zeros(SR)])
    result = stereo.correlation_over_time(Audio(x, SR))
    assert result.times_s[0] == pytest.approx(0.4)
    np.testing.assert_allclose(np.diff(result.times_s), 0.01)
    assert np.all(np.isnan(result.correlation)) and math.isnan(result.overall)
    assert math.isnan(result.fraction_negative)


def test_rates_with_fractional_hops():
    """At 11025 Hz a 10 ms hop is 110.25 samples: hops of 110 or 111 samples."""
    sr = 11025
    x = np.sin(2 * np.pi * 441 * np.arange(2 * sr) / sr)
    result = stereo.correlation_over_time(Audio(np.stack([x, 0.5 * x]), sr))
    np.testing.assert_allclose(np.diff(result.times_s), 0.01, atol=1.0 / sr)
    np.testing.assert_allclose(result.correlation, 1.0, atol=1e-9)


def test_mono_audio_correlates_plus_one():
    assert stereo.stereo_correlation(Audio(sine(), SR)) == pytest.approx(1.0)


def test_surround_uses_the_front_pair():
    x = np.stack([sine(), -sine(), NOISE_L[: 2 * SR], NOISE_R[: 2 * SR], sine(), sine()])
    assert stereo.stereo_correlation(Audio(x, SR)) == pytest.approx(-1.0)


def test_correlation_window_must_be_whole_hops():
    with pytest.raises(AudioDataError, match="whole number"):
        stereo.correlation_over_time(Audio(sine(), SR), window_s=0.405)


def test_non_finite_samples_are_refused():
    x = np.stack([sine(), sine()])
    x[1, 7] = np.inf
    with pytest.raises(AudioDataError, match="frame 7 of channel 1"):
        stereo.stereo_correlation(Audio(x, SR, "mix.wav"))


# --- Vectorscope -------------------------------------------------------------------------


def test_vectorscope_of_mono_is_a_vertical_line():
    scope = stereo.vectorscope(Audio(np.stack([NOISE_L, NOISE_L]), SR), max_points=1000)
    assert scope.mid.size == scope.side.size == 1000
    np.testing.assert_array_equal(scope.side, 0.0)
    assert scope.correlation == pytest.approx(1.0)


def test_vectorscope_of_inverted_channels_is_horizontal():
    scope = stereo.vectorscope(Audio(np.stack([NOISE_L, -NOISE_L]), SR))
    np.testing.assert_array_equal(scope.mid, 0.0)
    assert scope.correlation == pytest.approx(-1.0)


def test_vectorscope_of_a_hard_left_sound_is_the_diagonal():
    scope = stereo.vectorscope(Audio(np.stack([NOISE_L, np.zeros_like(NOISE_L)]), SR))
    np.testing.assert_allclose(scope.mid, scope.side)


def test_vectorscope_points_are_real_samples_spread_over_the_stretch():
    x = np.stack([NOISE_L, NOISE_R])
    scope = stereo.vectorscope(Audio(x, SR), max_points=500, start_s=2.0, end_s=4.0)
    left, right = scope.mid + scope.side, scope.mid - scope.side
    part = x[:, 2 * SR : 4 * SR]
    # Each point is a sample pair of the stretch (found by its left value), in order.
    order = np.argsort(part[0])
    nearest = order[np.clip(np.searchsorted(part[0], left, sorter=order), 0, part.shape[1] - 1)]
    neighbour = order[np.clip(np.searchsorted(part[0], left, sorter=order) - 1, 0, None)]
    index = np.where(
        np.abs(part[0, nearest] - left) < np.abs(part[0, neighbour] - left), nearest, neighbour
    )
    np.testing.assert_allclose(part[0, index], left, atol=1e-15)
    np.testing.assert_allclose(part[1, index], right, atol=1e-15)
    assert np.all(np.diff(index) > 0) and index.size == 500
    assert np.max(np.diff(index)) < 3 * part.shape[1] / 500  # spread, not bunched
    assert (scope.start_s, scope.end_s) == (2.0, 4.0)
    again = stereo.vectorscope(Audio(x, SR), max_points=500, start_s=2.0, end_s=4.0)
    np.testing.assert_array_equal(scope.mid, again.mid)  # the same points every call


def test_vectorscope_of_a_short_stretch_keeps_every_sample():
    x = np.stack([NOISE_L[:300], NOISE_R[:300]])
    scope = stereo.vectorscope(Audio(x, SR), max_points=5000)
    np.testing.assert_allclose(scope.mid, (x[0] + x[1]) / 2)
    with pytest.raises(AudioDataError, match="max_points"):
        stereo.vectorscope(Audio(x, SR), max_points=0)
    with pytest.raises(AudioDataError, match="no samples between"):
        stereo.vectorscope(Audio(x, SR), start_s=5.0)


# --- Mono compatibility ------------------------------------------------------------------


def test_identical_channels_lose_nothing_in_mono():
    result = stereo.mono_compatibility(Audio(np.stack([NOISE_L, NOISE_L]), SR))
    assert result.loss_lu == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(result.band_loss_db, 0.0, atol=1e-4)
    assert "0.0 LU quieter" in result.summary()


def test_inverted_channels_vanish_in_mono():
    result = stereo.mono_compatibility(Audio(np.stack([NOISE_L, -NOISE_L]), SR))
    assert result.loss_lu == math.inf and result.mono_lufs == -math.inf
    assert np.all(result.band_loss_db == math.inf)
    assert "cancel" in result.summary()


def test_independent_channels_lose_3_db_in_every_band():
    result = stereo.mono_compatibility(Audio(np.stack([NOISE_L, NOISE_R]), SR))
    assert result.loss_lu == pytest.approx(10 * np.log10(2), abs=0.05)
    np.testing.assert_allclose(result.band_loss_db[3:], 10 * np.log10(2), atol=0.15)
    assert result.labels[0] == "31.5" and result.centres_hz.size == result.band_loss_db.size


def test_an_out_of_phase_low_end_shows_in_its_band():
    """Bass inverted in one channel, highs identical: the loss sits in the low bands."""
    low = sine(60.0, seconds=4.0, amplitude=0.3)
    high = sine(3000.0, seconds=4.0, amplitude=0.1)
    result = stereo.mono_compatibility(Audio(np.stack([low + high, -low + high]), SR))
    by_label = dict(zip(result.labels, result.band_loss_db, strict=True))
    assert by_label["63"] > 30.0
    assert by_label["4k"] == pytest.approx(0.0, abs=0.01)
    assert "63 Hz" in result.summary()


def test_mono_audio_and_surround():
    assert stereo.mono_compatibility(Audio(sine(), SR)).loss_lu == pytest.approx(0.0)
    with pytest.raises(AudioDataError, match="6 channels"):
        stereo.mono_compatibility(Audio(np.zeros((6, SR)), SR))
    silent = stereo.mono_compatibility(Audio(np.zeros((2, SR)), SR))
    assert math.isnan(silent.loss_lu) and "nothing to measure" in silent.summary()
