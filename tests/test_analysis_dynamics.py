"""Dynamics (studio.analysis.dynamics) against analytic values.

Crest factor (peak over RMS) of a sine is sqrt(2) (3.01 dB), of a square wave 1 (0 dB),
of a triangle wave sqrt(3) (4.77 dB). PSR of a steady tone is its true peak minus its
BS.1770 loudness: -0.691 + 10 log10(sum of K-weighted mean squares), with the K-gain at
the tone's frequency taken from the analog K-curve.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio import Audio
from studio.analysis import dynamics
from studio.dsp.loudness import k_weighting_analog_db
from studio.errors import AudioDataError

SR = 48000


def periodic(kind, freq_hz=1000.0, seconds=6.0, amplitude=0.5):
    """A waveform of whole periods: 48 samples per period at 1 kHz."""
    phase = (np.arange(int(seconds * SR)) * freq_hz / SR) % 1.0
    if kind == "sine":
        wave = np.sin(2 * np.pi * phase)
    elif kind == "square":
        wave = np.where(phase < 0.5, 1.0, -1.0)
    else:  # triangle, peaks at +-1 on the sample grid
        wave = 1.0 - 4.0 * np.abs(phase - 0.5)
    return amplitude * wave


@pytest.mark.parametrize(
    ("kind", "expected_db"),
    [("sine", 10 * np.log10(2)), ("square", 0.0), ("triangle", 10 * np.log10(3))],
)
def test_crest_factor_of_standard_waveforms(kind, expected_db):
    x = periodic(kind, freq_hz=100.0)  # 480 samples per period: close to continuous
    assert dynamics.crest_factor_db(Audio(x, SR)) == pytest.approx(expected_db, abs=1e-3)
    # Identical channels read like one channel; the level does not matter.
    stereo = Audio(np.stack([0.1 * x, 0.1 * x]), SR)
    assert dynamics.crest_factor_db(stereo) == pytest.approx(expected_db, abs=1e-3)


def test_rms_level_of_a_sine_and_a_square():
    assert dynamics.rms_dbfs(Audio(periodic("sine", amplitude=1.0), SR)) == pytest.approx(
        -10 * np.log10(2), abs=1e-6
    )
    assert dynamics.rms_dbfs(Audio(periodic("square", amplitude=0.5), SR)) == pytest.approx(
        20 * np.log10(0.5), abs=1e-9
    )


def test_silence_has_no_crest_factor():
    silent = Audio(np.zeros((2, SR)), SR)
    assert dynamics.rms_dbfs(silent) == -math.inf
    assert math.isnan(dynamics.crest_factor_db(silent))


def test_psr_of_a_steady_tone_is_peak_minus_loudness():
    amplitude = 0.25
    x = np.stack([periodic("sine", amplitude=amplitude)] * 2)
    result = dynamics.dynamics_over_time(Audio(x, SR))
    loudness = -0.691 + 10 * np.log10(2 * amplitude**2 / 2) + k_weighting_analog_db(1000.0)
    expected = 20 * np.log10(amplitude) - loudness
    np.testing.assert_allclose(result.psr_db, expected, atol=0.02)
    assert result.min_psr_db == pytest.approx(expected, abs=0.02)
    assert result.median_psr_db == pytest.approx(expected, abs=0.02)
    np.testing.assert_allclose(result.crest_factor_db, 10 * np.log10(2), atol=0.01)
    np.testing.assert_allclose(result.loudness_lufs, loudness, atol=0.02)


def test_psr_drops_where_the_sound_is_squashed():
    """Noise, then the same noise hard-clipped to a third of its peak: lower PSR there."""
    rng = np.random.default_rng(3)
    noise = 0.1 * rng.standard_normal(12 * SR)
    clipped = np.clip(noise, -0.1, 0.1)
    x = np.concatenate([noise, clipped])
    result = dynamics.dynamics_over_time(Audio(x, SR))
    open_part = result.psr_db[(result.times_s >= 3.0) & (result.times_s <= 12.0)]
    squashed = result.psr_db[result.times_s >= 15.0]
    assert np.min(open_part) > np.max(squashed) + 3.0
    assert result.min_psr_db == pytest.approx(np.min(squashed))


def test_windows_and_times():
    x = np.stack([periodic("sine", seconds=5.0)] * 2)
    result = dynamics.dynamics_over_time(Audio(x, SR), window_s=1.0, hop_s=0.5)
    np.testing.assert_allclose(result.times_s, np.arange(1.0, 5.01, 0.5))
    for series in (result.psr_db, result.true_peak_dbtp, result.crest_factor_db):
        assert series.shape == result.times_s.shape
    with pytest.raises(AudioDataError, match="whole number"):
        dynamics.dynamics_over_time(Audio(x, SR), window_s=1.25, hop_s=0.5)


def test_silent_windows_have_no_psr():
    x = np.concatenate([np.zeros((2, 4 * SR)), np.stack([periodic("sine", seconds=4.0)] * 2)], 1)
    result = dynamics.dynamics_over_time(Audio(x, SR))
    assert np.all(np.isnan(result.psr_db[result.times_s <= 4.0]))
    assert np.all(np.isfinite(result.psr_db[result.times_s >= 7.0]))
    silent = dynamics.dynamics_over_time(Audio(np.zeros((1, 4 * SR)), SR))
    assert math.isnan(silent.min_psr_db) and math.isnan(silent.median_psr_db)


@settings(max_examples=15, deadline=None)
@given(gain_db=st.floats(-30.0, 20.0))
def test_psr_and_crest_factor_do_not_depend_on_level(gain_db):
    rng = np.random.default_rng(8)
    x = 0.05 * rng.standard_normal((2, 4 * SR))
    base = dynamics.dynamics_over_time(Audio(x, SR), hop_s=0.5)
    moved = dynamics.dynamics_over_time(Audio(x * 10 ** (gain_db / 20), SR), hop_s=0.5)
    np.testing.assert_allclose(moved.psr_db, base.psr_db, atol=1e-4)
    np.testing.assert_allclose(moved.crest_factor_db, base.crest_factor_db, atol=1e-6)


def test_bad_input_is_refused():
    with pytest.raises(AudioDataError, match="studio.Audio"):
        dynamics.crest_factor_db(np.zeros(10))
    x = np.zeros((2, SR))
    x[0, 5] = np.nan
    with pytest.raises(AudioDataError, match="NaN"):
        dynamics.dynamics_over_time(Audio(x, SR, "drums.wav"))
