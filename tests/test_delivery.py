"""Dither and sample-rate conversion against their theory and measured specifications."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.signal import welch

from studio.audio import Audio
from studio.dsp import dither as dd
from studio.dsp import resample as rs
from studio.errors import ParameterError
from studio.processors.delivery import Dither, SampleRateConverter

SR = 48000


def sine(freq_hz, sr, n, amplitude=1.0):
    return amplitude * np.sin(2 * np.pi * freq_hz * np.arange(n) / sr)


def fit(y, freq_hz, sr):
    """Least-squares amplitude of a sine at ``freq_hz`` and the rms of what is left."""
    t = np.arange(len(y)) / sr
    basis = np.stack([np.sin(2 * np.pi * freq_hz * t), np.cos(2 * np.pi * freq_hz * t)], 1)
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    return float(np.hypot(*coef)), float(np.sqrt(np.mean((y - basis @ coef) ** 2)))


# -- dither ----------------------------------------------------------------------------
@pytest.mark.parametrize("bits", [8, 16, 24])
@pytest.mark.parametrize("shaping", ["none", "shaped"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_output_lies_on_the_grid_within_the_integer_range(bits, shaping, dtype):
    x = np.random.default_rng(0).uniform(-1.2, 1.2, (2, 5000)).astype(dtype)
    y = Dither(bit_depth=str(bits), noise_shaping=shaping).process(x, SR)
    assert y.dtype == dtype
    steps = y.astype(np.float64) * 2 ** (bits - 1)
    np.testing.assert_array_equal(steps, np.round(steps))
    assert steps.min() >= -(2 ** (bits - 1)) and steps.max() <= 2 ** (bits - 1) - 1


@pytest.mark.parametrize("offset_lsb", [0.0, 0.25, 0.5, 0.8])
def test_tpdf_error_has_zero_mean_and_power_lsb_squared_over_four_whatever_the_input(offset_lsb):
    n = 400_000
    lsb = dd.lsb(16)
    x = np.full((1, n), (9830 + offset_lsb) * lsb)  # a steady level between grid points
    error = (dd.dither(x, SR, bit_depth=16, seed=1) - x)[0] / lsb
    sigma = 0.5  # sqrt(1/4) in steps
    assert abs(error.mean()) < 4 * sigma / math.sqrt(n)
    assert error.var() == pytest.approx(0.25, rel=0.02)
    assert dd.tpdf_noise_power(16) == pytest.approx(lsb**2 / 4)
    # plain rounding, by contrast, leaves an error that depends on the input
    plain = (dd.quantise(x, bit_depth=16) - x)[0] / lsb
    assert plain.var() == 0.0
    assert plain.mean() == pytest.approx(math.floor(offset_lsb + 0.5) - offset_lsb)


def test_dither_decorrelates_the_error_from_a_quiet_sine():
    n, freq = 96_000, 1000.0  # 0.5 Hz bins: the sine and its harmonics sit on bins
    lsb = dd.lsb(16)
    x = sine(freq, SR, n, amplitude=1.5 * lsb)[None, :]
    harmonics = (np.arange(2, 12) * freq * n / SR).astype(int)

    def harmonic_excess_db(y):
        power = np.abs(np.fft.rfft((y - x)[0])) ** 2
        return 10 * np.log10(power[harmonics].mean() / power[1:].mean())

    truncated = harmonic_excess_db(dd.quantise(x, bit_depth=16))
    dithered = harmonic_excess_db(dd.dither(x, SR, bit_depth=16))
    assert truncated > 30.0  # distortion: the error piles up on the harmonics
    assert abs(dithered) < 3.0  # white: the harmonics are no louder than any other bin
    error = (dd.dither(x, SR, bit_depth=16) - x)[0]
    assert abs(np.corrcoef(error, x[0])[0, 1]) < 0.01


def test_noise_shaping_lowers_the_noise_where_ears_are_keen():
    n = 4 * SR
    x = 0.25 * np.random.default_rng(3).uniform(-1, 1, (1, n))
    flat = (dd.dither(x, SR, bit_depth=16) - x)[0]
    shaped = (dd.dither(x, SR, bit_depth=16, noise_shaping="shaped") - x)[0]
    f, p_flat = welch(flat, SR, nperseg=4096)
    _, p_shaped = welch(shaped, SR, nperseg=4096)
    below = (f > 50) & (f < 4000)
    gain_db = 10 * np.log10(p_shaped[below].mean() / p_flat[below].mean())
    assert gain_db < -12.0
    # the measured spectrum follows the designed curve (within 0.5 dB, in octave bands)
    design = dd.noise_floor_dbfs(f, SR, bit_depth=16, noise_shaping="shaped")
    flat_design = dd.noise_floor_dbfs(f, SR, bit_depth=16)
    for lo in (100, 200, 400, 800, 1600, 3200, 6400, 12800):
        band = (f >= lo) & (f < 2 * lo)
        measured = 10 * np.log10(p_shaped[band].mean() / p_flat[band].mean())
        predicted = 10 * np.log10(np.mean(10 ** ((design - flat_design)[band] / 10)))
        assert measured == pytest.approx(predicted, abs=0.5)
    # total power: LSB**2 / 4 times the noise filter's power gain
    coefs = dd.shaping_filter(SR)
    expected = dd.tpdf_noise_power(16) * (1 + np.sum(coefs**2))
    assert np.mean(shaped**2) == pytest.approx(expected, rel=0.02)


def test_flat_noise_floor_levels():
    f = np.array([1000.0])
    assert dd.noise_floor_dbfs(f, SR, bit_depth=16)[0] == pytest.approx(-93.32, abs=0.01)
    assert dd.noise_floor_dbfs(f, SR, bit_depth=24)[0] == pytest.approx(-141.49, abs=0.01)
    assert dd.noise_floor_dbfs(f, SR, bit_depth=8)[0] == pytest.approx(-45.15, abs=0.01)


@pytest.mark.parametrize("sr", [44100, 48000, 96000])
def test_shaping_filter_is_minimum_phase_and_obeys_gerzon_craven(sr):
    coefs = dd.shaping_filter(sr)
    h = np.concatenate([[1.0], -coefs])
    assert np.all(np.abs(np.roots(h)) < 1.0)
    spectrum = np.fft.rfft(h, 1 << 16)
    # a minimum-phase monic filter's log magnitude averages to 0 over frequency
    assert np.mean(np.log(np.abs(np.fft.fft(h, 1 << 16)))) == pytest.approx(0.0, abs=1e-9)
    f = np.fft.rfftfreq(1 << 16, 1 / sr)
    gain_db = 20 * np.log10(np.abs(spectrum))
    assert gain_db[(f > 100) & (f < 4000)].max() < -5.0
    assert gain_db[f > 0.45 * sr].min() > 5.0


def test_compiled_error_feedback_equals_reference_and_can_run_in_pieces():
    rng = np.random.default_rng(4)
    x = rng.uniform(-300, 300, 5000)
    noise = rng.random(5000) - rng.random(5000)
    coefs = dd.shaping_filter(SR)
    h1, h2, h3 = (np.zeros(len(coefs)) for _ in range(3))
    whole = dd.error_feedback(x, noise, coefs, h1)
    np.testing.assert_array_equal(whole, dd.error_feedback_reference(x, noise, coefs, h2))
    np.testing.assert_array_equal(h1, h2)
    pieces = np.concatenate(
        [dd.error_feedback(x[:1234], noise[:1234], coefs, h3)]
        + [dd.error_feedback(x[1234:], noise[1234:], coefs, h3)]
    )
    np.testing.assert_array_equal(pieces, whole)


def test_dither_is_reproducible_and_channels_get_their_own_noise():
    x = np.zeros((2, 2000))
    a, b = Dither().process(x, SR), Dither().process(x, SR)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a[0], a[1])
    assert set(np.unique(a * 32768)) <= {-1.0, 0.0, 1.0}  # silence: +/- 1 step of hiss


def test_dither_curves_and_choices():
    flat, this = Dither(bit_depth=16, noise_shaping="shaped").curves(SR)
    np.testing.assert_allclose(flat.y, -93.32, atol=0.01)
    assert this.y[flat.x < 4000].max() < flat.y[0] - 5
    assert Dither(bit_depth=24).bit_depth == "24"
    with pytest.raises(ParameterError, match="Dither.*bit_depth"):
        Dither(bit_depth=12)
    assert not Dither.identity_when_neutral


# -- sample-rate conversion ------------------------------------------------------------
@pytest.mark.parametrize("backend", ["soxr", "scipy"])
@pytest.mark.parametrize("sr, target", [(48000, 44100), (44100, 96000), (96000, 44100)])
def test_a_tone_keeps_its_frequency_and_level(backend, sr, target):
    x = sine(1000.0, sr, sr, amplitude=0.5)[None, :]
    y = rs.resample(x, sr, target_sr=target, backend=backend)[0]
    settled = y[target // 10 : -target // 10]
    amplitude, residual = fit(settled, 1000.0, target)
    assert 20 * np.log10(amplitude / 0.5) == pytest.approx(0.0, abs=0.01)
    assert 20 * np.log10(residual / 0.5) < -110.0  # nothing but the 1 kHz tone
    high, _ = fit(
        rs.resample(sine(20000.0, sr, sr)[None, :], sr, target_sr=target, backend=backend)[
            0, target // 10 : -target // 10
        ],
        20000.0,
        target,
    )
    assert 20 * np.log10(high) == pytest.approx(0.0, abs=0.01)  # flat to 20 kHz


@pytest.mark.parametrize("backend, floor_db", [("soxr", -180.0), ("scipy", -110.0)])
def test_what_the_new_rate_cannot_carry_is_removed(backend, floor_db):
    sr, target = 96000, 44100
    x = sine(23000.0, sr, sr)[None, :]  # above 22.05 kHz: would alias to 21.1 kHz
    y = rs.resample(x, sr, target_sr=target, backend=backend)[0, target // 10 : -target // 10]
    assert 20 * np.log10(np.sqrt(2) * y.std()) < floor_db


@given(st.integers(1, 20000), st.sampled_from([22050, 44100, 48000, 88200, 96000]))
def test_length_is_the_rounded_duration(n, target):
    y = rs.resample(np.zeros((2, n), dtype=np.float32), 48000, target_sr=target)
    assert y.shape == (2, int(math.floor(n * target / 48000 + 0.5)))
    assert y.dtype == np.float32


def test_converter_returns_audio_at_the_new_rate_and_round_trips():
    src = SampleRateConverter(target_sr=44100)
    assert src.target_sr == "44100" and src.capabilities.changes_rate
    audio = Audio(sine(440.0, SR, SR, 0.5)[None, :], SR, "tone")
    out = src(audio)
    assert out.sr == 44100 and out.n_frames == 44100 == src.output_frames(SR, SR)
    assert out.name == "tone"
    back = src.round_trip(audio.samples, SR)
    assert back.shape == audio.samples.shape
    np.testing.assert_allclose(
        back[:, SR // 10 : -SR // 10], audio.samples[:, SR // 10 : -SR // 10], atol=1e-6
    )
    same = SampleRateConverter(target_sr=48000).process(audio.samples, SR)
    np.testing.assert_array_equal(same, audio.samples)


def test_converter_curve_is_flat_then_falls_at_the_new_nyquist():
    (curve,) = SampleRateConverter(target_sr=44100).curves(96000)
    assert curve.x.max() <= 22050.0
    passband = curve.x < 20000.0
    np.testing.assert_allclose(curve.y[passband], 0.0, atol=0.01)
    (up,) = SampleRateConverter(target_sr=96000).curves(44100)
    assert up.y[up.x < 20000.0].min() > -0.01


def test_resample_refuses_impossible_rates():
    with pytest.raises(ParameterError, match="target_sr"):
        rs.resample(np.zeros((1, 10)), 48000, target_sr=0)
    with pytest.raises(ParameterError, match="backend"):
        rs.resample(np.zeros((1, 10)), 48000, target_sr=44100, backend="magic")
