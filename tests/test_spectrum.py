"""Spectrum analysis (studio.analysis.spectrum, studio.dsp.spectral) against analytic values.

* A sine's spectrum peaks at its frequency with its mean square (Hann window, power per
  bin: a sine of amplitude A reads 20 log10(A) - 3.01 dB when on a bin, at most 1.42 dB
  less half-way between bins, the Hann window's scalloping loss).
* IEC 61260-1 base-ten bands: mid-band frequencies 1000 * 10**(0.3 x / b) (odd b) or
  1000 * 10**(0.3 (2x + 1) / (2b)) (even b), edges at G**(+-1/(2b)), nominal labels.
* Pink noise (equal power per octave) reads flat in fractional-octave bands; white noise
  rises 10 log10(2) = 3.01 dB per octave.

The noises are synthesised with an exact power law and random phases, so the expected
band powers are known; what remains is the estimation spread of a 20 s excerpt.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio import Audio
from studio.analysis import spectrum
from studio.dsp import spectral
from studio.errors import AudioDataError

SR = 48000
HANN_SCALLOP_DB = 20 * np.log10(np.sinc(0.5) / (1 - 0.5**2))  # -1.42 dB at half a bin


def sine(freq_hz, amplitude=0.5, seconds=4.0, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return amplitude * np.sin(2 * np.pi * freq_hz * t)


def power_law_noise(seconds, exponent, seed=1, sr=SR):
    """Noise whose power density is proportional to f**exponent (0 white, -1 pink)."""
    n = int(seconds * sr)
    rng = np.random.default_rng(seed)
    f = np.fft.rfftfreq(n, 1 / sr)
    spec = np.exp(2j * np.pi * rng.random(f.size))
    spec[0] = 0
    spec[1:] *= f[1:] ** (exponent / 2)
    x = np.fft.irfft(spec, n)
    return 0.1 * x / x.std()


PINK = power_law_noise(20, -1)
WHITE = power_law_noise(10, 0, seed=2)


# --- Bands per IEC 61260-1 ---------------------------------------------------------------


def test_octave_band_centres_and_labels():
    centres, lower, upper = spectral.fractional_octave_bands(1)
    x = np.arange(-5, 5)
    np.testing.assert_allclose(centres, 1000 * 10 ** (0.3 * x), rtol=1e-12)
    np.testing.assert_allclose(lower, centres / 10**0.15, rtol=1e-12)
    np.testing.assert_allclose(upper, centres * 10**0.15, rtol=1e-12)
    labels = [spectral.nominal_frequency_label(c, 1) for c in centres]
    assert labels == ["31.5", "63", "125", "250", "500", "1k", "2k", "4k", "8k", "16k"]


def test_third_octave_bands_are_the_r10_series_from_20hz_to_20khz():
    centres, lower, upper = spectral.fractional_octave_bands(3)
    labels = [spectral.nominal_frequency_label(c, 3) for c in centres]
    assert labels[:6] == ["20", "25", "31.5", "40", "50", "63"]
    assert labels[-4:] == ["10k", "12.5k", "16k", "20k"]
    assert len(labels) == 31
    np.testing.assert_allclose(centres, 1000 * 10 ** (0.1 * np.arange(-17, 14)), rtol=1e-12)
    np.testing.assert_allclose(upper[:-1], lower[1:], rtol=1e-12)  # contiguous


@pytest.mark.parametrize("fraction", [2, 6, 12, 24])
def test_even_fractions_sit_between_odd_centres(fraction):
    centres, lower, upper = spectral.fractional_octave_bands(fraction)
    x = np.round(np.log10(centres / 1000) / 0.3 * fraction * 2)
    assert np.all(x % 2 == 1)  # (2x + 1) / (2b): odd multiples of 1/(2b)
    np.testing.assert_allclose(upper / lower, 10 ** (0.3 / fraction), rtol=1e-12)


def test_bands_must_fit_below_nyquist():
    centres, _, upper = spectral.fractional_octave_bands(3, sr=44100)
    assert upper[-1] <= 22050
    assert spectral.nominal_frequency_label(centres[-1], 3) == "16k"  # 20k needs 44.8 kHz


def test_unsupported_fraction_is_refused():
    with pytest.raises(AudioDataError, match="fraction=5"):
        spectral.fractional_octave_bands(5)
    with pytest.raises(AudioDataError, match="fraction"):
        spectrum.octave_bands(Audio(WHITE, SR), fraction=0)


def test_band_weights_share_a_bin_between_bands():
    freqs = np.arange(11) * 10.0  # bins of 10 Hz, each covering +-5 Hz
    weights = spectral.band_weights(freqs, np.array([12.0, 0.0]), np.array([27.0, 200.0]))
    np.testing.assert_allclose(weights[0, :4], [0.0, 3.0, 10.0, 2.0])
    assert weights[1].sum() == pytest.approx(105.0)  # 0 .. 105 Hz


# --- Spectrum of a sine -----------------------------------------------------------------


@pytest.mark.parametrize("amplitude", [1.0, 0.5, 0.01])
def test_sine_on_a_bin_reads_its_mean_square(amplitude):
    spec = spectrum.long_term_spectrum(Audio(sine(1000.0, amplitude), SR), resolution_hz=5.0)
    assert spec.resolution_hz == pytest.approx(5.0)
    assert spec.peak_hz() == pytest.approx(1000.0)
    assert np.max(spec.level_dbfs) == pytest.approx(20 * np.log10(amplitude) - 3.0103, abs=0.01)


def test_sine_between_bins_loses_at_most_the_hann_scalloping():
    spec = spectrum.long_term_spectrum(Audio(sine(1002.5), SR), resolution_hz=5.0)
    expected = 20 * np.log10(0.5) - 3.0103
    assert abs(spec.peak_hz() - 1002.5) <= 2.5
    assert expected + HANN_SCALLOP_DB - 0.01 <= np.max(spec.level_dbfs) <= expected + 0.01


def test_stereo_spectrum_is_the_channel_average():
    x = np.stack([sine(1000.0, 0.5), np.zeros(4 * SR)])
    spec = spectrum.long_term_spectrum(Audio(x, SR))
    assert np.max(spec.level_dbfs) == pytest.approx(20 * np.log10(0.5) - 3.0103 - 3.0103, abs=0.01)


def test_sine_band_level_equals_its_mean_square():
    bands = spectrum.octave_bands(Audio(sine(1000.0, 0.25), SR), fraction=3)
    i = bands.labels.index("1k")
    assert bands.level_dbfs[i] == pytest.approx(20 * np.log10(0.25) - 3.0103, abs=0.02)
    assert np.all(np.delete(bands.level_dbfs, [i - 1, i, i + 1]) < bands.level_dbfs[i] - 60)


# --- Noise in bands ----------------------------------------------------------------------


@pytest.mark.parametrize("fraction", [1, 3, 6, 12])
def test_pink_noise_is_flat_in_fractional_octave_bands(fraction):
    bands = spectrum.octave_bands(Audio(PINK, SR), fraction=fraction)
    deviation = bands.level_dbfs - np.median(bands.level_dbfs)
    assert np.max(np.abs(deviation)) < 0.5


def test_pink_noise_is_flat_in_24th_octaves_above_200hz():
    """24th-octave bands are narrow (1.4 Hz at 50 Hz): 20 s of noise averages too few
    values there to promise 0.5 dB; above 200 Hz it does."""
    bands = spectrum.octave_bands(Audio(PINK, SR), fraction=24)
    deviation = (bands.level_dbfs - np.median(bands.level_dbfs))[bands.centres_hz >= 200]
    assert np.max(np.abs(deviation)) < 0.5


def test_white_noise_rises_3db_per_octave_in_third_octaves():
    bands = spectrum.octave_bands(Audio(WHITE, SR), fraction=3)
    octaves = np.log2(bands.centres_hz)
    slope, intercept = np.polyfit(octaves, bands.level_dbfs, 1)
    assert slope == pytest.approx(10 * np.log10(2), abs=0.05)
    residual = bands.level_dbfs - (slope * octaves + intercept)
    assert np.max(np.abs(residual)) < 0.5


def test_band_powers_add_up_to_the_total_power():
    """Parseval: contiguous bands from 20 Hz to 22.4 kHz hold white noise's power there."""
    bands = spectrum.octave_bands(Audio(WHITE, SR), fraction=3)
    total = np.sum(10 ** (bands.level_dbfs / 10))
    in_range = (bands.upper_hz[-1] - bands.lower_hz[0]) / (SR / 2)
    assert 10 * np.log10(total) == pytest.approx(10 * np.log10(0.01 * in_range), abs=0.05)


def test_smoothed_pink_spectrum_falls_3db_per_octave():
    smooth = spectrum.long_term_spectrum(Audio(PINK, SR)).smoothed(3)
    assert smooth.smoothing == "1/3 octave"
    assert smooth.freqs_hz[0] == pytest.approx(20.0)
    per_octave = smooth.level_dbfs[::48]  # 48 points per octave
    np.testing.assert_allclose(np.diff(per_octave)[1:], -10 * np.log10(2), atol=0.2)


def test_smoothing_keeps_a_flat_spectrum_flat_and_its_level():
    raw = spectrum.long_term_spectrum(Audio(WHITE, SR))
    for fraction in spectral.FRACTIONS:
        smooth = raw.smoothed(fraction)
        top = smooth.level_dbfs[smooth.freqs_hz > 1000]
        assert np.ptp(top) < 0.5
        assert np.median(top) == pytest.approx(np.median(raw.level_dbfs[10:]), abs=0.1)
    with pytest.raises(AudioDataError, match="already smoothed"):
        raw.smoothed(3).smoothed(3)


# --- Over time ---------------------------------------------------------------------------


def test_spectrogram_follows_a_tone_that_changes_pitch():
    x = np.concatenate([sine(500.0, 0.5, 1.0), sine(2000.0, 0.5, 1.0)])
    sg = spectrum.spectrogram(Audio(x, SR), max_times=40, max_freqs=120)
    assert sg.level_dbfs.shape == (sg.freqs_hz.size, sg.times_s.size)
    assert sg.times_s.size <= 40 and sg.freqs_hz.size == 120
    assert np.all(np.diff(sg.freqs_hz) > 0) and np.all(np.diff(sg.times_s) > 0)
    loudest = sg.freqs_hz[np.argmax(sg.level_dbfs, axis=0)]
    early, late = sg.times_s < 0.8, sg.times_s > 1.2
    assert np.all(np.abs(np.log2(loudest[early] / 500)) < 0.1)
    assert np.all(np.abs(np.log2(loudest[late] / 2000)) < 0.1)
    peak = np.max(sg.level_dbfs[:, late])
    expected = 20 * np.log10(0.5) - 3.0103
    assert expected + HANN_SCALLOP_DB - 0.1 <= peak <= expected + 0.1


def test_spectrogram_is_shrunk_for_plotting():
    sg = spectrum.spectrogram(Audio(np.stack([PINK, PINK]), SR), max_times=300, max_freqs=64)
    assert sg.level_dbfs.shape[1] <= 300 and sg.level_dbfs.shape[0] == 64
    assert sg.times_s[-1] <= 20.0 and np.isfinite(sg.level_dbfs).all()


def test_band_levels_over_time_see_a_tone_start():
    x = np.concatenate([np.zeros(SR), sine(1000.0, 0.5, 2.0)])
    result = spectrum.band_levels_over_time(Audio(x, SR), fraction=1, hop_s=0.05)
    np.testing.assert_allclose(np.diff(result.times_s), 0.05)
    k = result.labels.index("1k")
    before = result.level_dbfs[k, result.times_s < 0.9]
    after = result.level_dbfs[k, result.times_s > 1.2]
    assert np.all(before == -np.inf)
    np.testing.assert_allclose(after, 20 * np.log10(0.5) - 3.0103, atol=0.05)


# --- Invariants and errors ---------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(gain_db=st.floats(-40, 20), fraction=st.sampled_from(spectral.FRACTIONS))
def test_gain_moves_every_band_by_the_same_db(gain_db, fraction):
    x = WHITE[: 2 * SR]
    base = spectrum.octave_bands(Audio(x, SR), fraction=fraction)
    moved = spectrum.octave_bands(Audio(x * 10 ** (gain_db / 20), SR), fraction=fraction)
    # The FFTs run in float32: agreement to 1e-4 dB.
    np.testing.assert_allclose(moved.level_dbfs - base.level_dbfs, gain_db, atol=1e-4)


def test_results_are_read_only():
    bands = spectrum.octave_bands(Audio(WHITE, SR))
    with pytest.raises(ValueError):
        bands.level_dbfs[0] = 0.0


def test_bad_input_is_refused_in_plain_words():
    with pytest.raises(AudioDataError, match="studio.Audio"):
        spectrum.long_term_spectrum(np.zeros(100))
    x = WHITE[:SR].copy()
    x[10] = np.nan
    with pytest.raises(AudioDataError, match="NaN"):
        spectrum.octave_bands(Audio(x, SR, "hiss.wav"))
    with pytest.raises(AudioDataError, match="resolution_hz"):
        spectrum.long_term_spectrum(Audio(WHITE, SR), resolution_hz=0)
    with pytest.raises(AudioDataError, match="no 1/3-octave band"):
        spectrum.octave_bands(Audio(WHITE, SR), low_hz=30000, high_hz=40000)


def test_short_audio_is_one_coarser_frame():
    spec = spectrum.long_term_spectrum(Audio(sine(1000.0, 0.5, 0.05), SR))
    assert spec.resolution_hz == pytest.approx(20.0)
    assert spec.peak_hz() == pytest.approx(1000.0)


def test_importing_the_analysis_layer_is_light():
    """No scipy.signal, widgets or plotting until a measurement runs.

    (``import studio`` warms numba on purpose, which brings scipy.linalg; see
    studio/__init__.py.)
    """
    import subprocess
    import sys

    code = (
        "import sys, studio.analysis, studio.analysis.masking, studio.dsp.spectral; "
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('ipywidgets', 'plotly', 'anywidget') or m.startswith('scipy.signal'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
