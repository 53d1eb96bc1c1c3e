"""Saturation and exciter: curve formulas, harmonics, aliasing, gains and neutrality."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.dsp import saturation as sat
from studio.dsp.control import Envelope
from studio.errors import ParameterError
from studio.processors.colour import Exciter, Saturation

SR = 48000


def tone(freq_hz, amplitude, seconds=1.5, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return (amplitude * np.sin(2 * np.pi * freq_hz * t))[np.newaxis, :]


def harmonic_amplitudes(y, freq_hz, count, sr=SR, skip_s=0.25):
    """Amplitudes of harmonics 1..count from a whole number of periods (rectangular DFT)."""
    seg = y[int(skip_s * sr) : int(skip_s * sr) + sr]  # 1 s: every harmonic on a bin
    assert len(seg) == sr
    spectrum = np.fft.rfft(seg) * 2.0 / len(seg)
    return np.array([abs(spectrum[int(round(k * freq_hz))]) for k in range(1, count + 1)])


def spectrum_db(y, sr=SR, skip_s=0.25):
    seg = y[int(skip_s * sr) : int(skip_s * sr) + sr]
    mag = np.abs(np.fft.rfft(seg * np.blackman(len(seg))))
    return 20 * np.log10(mag / mag.max() + 1e-300)


# --------------------------------------------------------------------------- curves


def test_soft_clip_formula_values():
    x = np.array([0.0, 0.75, -0.75, 1.5, 3.0, -3.0])
    expected = [0.0, 0.75 - 4 / 27 * 0.75**3, -(0.75 - 4 / 27 * 0.75**3), 1.0, 1.0, -1.0]
    np.testing.assert_allclose(sat.shape(x, "soft_clip"), expected, rtol=0, atol=1e-15)


def test_tape_is_tanh_and_tube_is_biased_tanh():
    x = np.linspace(-4, 4, 81)
    np.testing.assert_allclose(sat.shape(x, "tape"), np.tanh(x), atol=1e-15)
    b = sat.TUBE_BIAS
    expected = (np.tanh(x + b) - np.tanh(b)) / (1 - np.tanh(b) ** 2)
    np.testing.assert_allclose(sat.shape(x, "tube"), expected, atol=1e-15)
    assert sat.shape(2.0, "tube") < -sat.shape(-2.0, "tube")  # asymmetric: positive side softer


@pytest.mark.parametrize("character", sat.CHARACTERS)
def test_every_curve_passes_zero_with_unit_slope(character):
    h = 1e-6
    assert sat.shape(0.0, character) == 0.0
    slope = (sat.shape(h, character) - sat.shape(-h, character)) / (2 * h)
    assert slope == pytest.approx(1.0, abs=1e-9)


def test_unknown_character_is_refused():
    with pytest.raises(ParameterError, match="character"):
        sat.shape(0.1, "fuzz")


# --------------------------------------------------------------------------- harmonics


def test_soft_clip_harmonics_are_exact():
    # f(x) = x - 4/27 x^3 for |x| <= 1.5: sin^3 = (3 sin - sin 3t)/4, so for amplitude A
    # the fundamental is A - A^3/9 and the 3rd harmonic A^3/27, nothing else.
    a = 1.2
    y = sat.saturate(tone(1000, a), SR, drive_db=0.0, character="soft_clip", auto_gain_on=False)[0]
    h = harmonic_amplitudes(y, 1000, 5)
    assert h[0] == pytest.approx(a - a**3 / 9, rel=1e-4)
    assert h[2] == pytest.approx(a**3 / 27, rel=1e-4)
    assert h[1] < 1e-6 and h[3] < 1e-6 and h[4] < 1e-6


def test_tanh_third_harmonic_small_signal():
    # tanh(x) = x - x^3/3 + ...: 3rd harmonic of A sin is A^3/12 (to leading order).
    a = 0.1
    y = sat.saturate(tone(500, a), SR, drive_db=0.0, character="tape", auto_gain_on=False)[0]
    h = harmonic_amplitudes(y, 500, 3)
    # the tape emphasis shelf raises 1.5 kHz a little before the curve and lowers it
    # after; at these frequencies that changes the 3rd harmonic by well under 10%.
    assert h[2] / h[0] == pytest.approx(a**2 / 12, rel=0.1)


@pytest.mark.parametrize("character", ["soft_clip", "tape"])
def test_symmetric_curves_make_only_odd_harmonics(character):
    y = sat.saturate(tone(1000, 0.5), SR, drive_db=12.0, character=character)[0]
    h = harmonic_amplitudes(y, 1000, 6)
    assert h[2] / h[0] > 1e-2  # a clear 3rd harmonic
    assert max(h[1], h[3], h[5]) / h[0] < 1e-5  # even harmonics: below -100 dB


def test_tube_makes_even_harmonics_as_predicted():
    # f(x) ~ x - tanh(b) x^2: the 2nd harmonic of A sin is tanh(b) A^2 / 2.
    a = 0.05
    y = sat.saturate(tone(1000, a), SR, drive_db=0.0, character="tube", auto_gain_on=False)[0]
    h = harmonic_amplitudes(y, 1000, 2)
    assert h[1] / h[0] == pytest.approx(np.tanh(sat.TUBE_BIAS) * a / 2, rel=0.02)
    loud = harmonic_amplitudes(sat.saturate(tone(1000, 0.5), SR, character="tube")[0], 1000, 2)
    assert loud[1] / loud[0] > 0.03  # well above -30 dB


# --------------------------------------------------------------------------- aliasing


@pytest.mark.parametrize("character", sat.CHARACTERS)
def test_oversampling_keeps_aliases_below_60_db(character):
    """A 7 kHz sine driven hard: only 7, 14 and 21 kHz are real harmonics below Nyquist.

    Everything else in the spectrum is aliasing (harmonics above 24 kHz folded back).
    """
    x = tone(7000, 0.5, seconds=1.5)

    def worst_alias_db(oversample):
        y = sat.saturate(x, SR, drive_db=24.0, character=character, oversample=oversample)[0]
        spec = spectrum_db(y)
        mask = np.ones(len(spec), dtype=bool)
        for f in (0, 7000, 14000, 21000):
            mask[max(f - 8, 0) : f + 9] = False
        return spec[mask].max()

    assert worst_alias_db(8) < -60.0
    assert worst_alias_db(1) > -30.0  # the naive version aliases badly


# --------------------------------------------------------------------------- gains


@pytest.mark.parametrize("character", sat.CHARACTERS)
def test_small_signal_gain_is_the_drive(character):
    x = tone(1000, 1e-4)
    y = sat.saturate(x, SR, drive_db=12.0, character=character, auto_gain_on=False)[0]
    gain_db = 20 * np.log10(harmonic_amplitudes(y, 1000, 1)[0] / 1e-4)
    assert gain_db == pytest.approx(12.0, abs=0.01)
    y = sat.saturate(x, SR, drive_db=12.0, character=character, output_db=-3.0)[0]
    gain_db = 20 * np.log10(harmonic_amplitudes(y, 1000, 1)[0] / 1e-4)
    expected = 12.0 - 3.0 + 20 * np.log10(sat.auto_gain(12.0, character))
    assert gain_db == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("character", sat.CHARACTERS)
def test_auto_gain_keeps_a_minus_12_dbfs_sine_at_its_level(character):
    x = tone(200, 10 ** (-12 / 20))
    for drive in (6.0, 18.0):
        y = sat.saturate(x, SR, drive_db=drive, character=character)[0, SR // 4 :]
        rms_in = np.sqrt(np.mean(x[0, SR // 4 :] ** 2))
        change_db = 20 * np.log10(np.sqrt(np.mean(y**2)) / rms_in)
        assert abs(change_db) < 0.25, (character, drive, change_db)


def test_mix_zero_is_an_exact_copy_and_output_scales_it():
    x = np.random.default_rng(1).uniform(-0.9, 0.9, (2, 4800)).astype(np.float32)
    y = Saturation(drive_db=24.0, mix_pct=0.0).process(x, SR)
    np.testing.assert_array_equal(y, x)
    assert y is not x
    y = Saturation(mix_pct=0.0, output_db=-6.0).process(x, SR)
    np.testing.assert_allclose(y, x * 10 ** (-6 / 20), rtol=1e-6)
    assert y.dtype == np.float32


def test_mix_blends_dry_and_saturated_linearly():
    x = tone(300, 0.7)
    wet = sat.saturate(x, SR, drive_db=12.0, character="tube")
    half = sat.saturate(x, SR, drive_db=12.0, character="tube", mix_pct=50.0)
    np.testing.assert_allclose(half, 0.5 * x + 0.5 * wet, atol=1e-12)


def test_processing_follows_the_static_curve():
    # A slow sine: the soft clip's harmonics all lie far below Nyquist, so the
    # oversampled output equals the curve applied sample by sample.
    proc = Saturation(drive_db=9.0, character="soft_clip", mix_pct=70.0, output_db=-2.0)
    x = tone(50, 0.9)
    y = proc.process(x, SR)[0]
    expected = proc.static_curve(x[0])
    middle = slice(SR // 10, -SR // 10)
    np.testing.assert_allclose(y[middle], expected[middle], atol=2e-3)


@given(
    drive=st.floats(0.0, 24.0),
    character=st.sampled_from(sat.CHARACTERS),
    auto=st.booleans(),
)
def test_neutral_mix_is_identity_for_any_drive(drive, character, auto):
    x = np.random.default_rng(3).uniform(-1, 1, (1, 512))
    proc = Saturation(drive_db=drive, character=character, auto_gain=auto, mix_pct=0.0)
    np.testing.assert_array_equal(proc.process(x, SR), x)


def test_input_is_never_written_even_without_oversampling():
    x = tone(1000, 0.5)
    before = x.copy()
    sat.saturate(x, SR, drive_db=12.0, oversample=1)
    np.testing.assert_array_equal(x, before)


def test_time_varying_drive_and_mix():
    x = tone(440, 0.5, seconds=0.5)
    n = x.shape[1]
    same = sat.saturate(x, SR, drive_db=Envelope([0.0], [12.0]))
    np.testing.assert_allclose(same, sat.saturate(x, SR, drive_db=12.0), atol=1e-12)
    ramp = sat.saturate(x, SR, drive_db=18.0, mix_pct=np.linspace(0.0, 100.0, n))
    np.testing.assert_allclose(ramp[0, :10], x[0, :10], atol=1e-4)  # dry at the start
    wet = sat.saturate(x, SR, drive_db=18.0)
    np.testing.assert_allclose(ramp[0, -10:], wet[0, -10:], atol=1e-3)


def test_bad_oversampling_factor_is_refused():
    with pytest.raises(ParameterError, match="oversampling"):
        sat.saturate(tone(100, 0.1), SR, oversample=3)


def test_saturation_curves_for_the_plot():
    curves = Saturation(drive_db=12.0, character="soft_clip", auto_gain=False).curves(SR)
    assert [c.name for c in curves] == ["saturation", "clean (straight line)"]
    assert curves[0].y[-1] == pytest.approx(1.0)  # 4x drive into the clipper: full scale
    flat = Saturation(mix_pct=0.0).curves(SR)[0]
    np.testing.assert_allclose(flat.y, flat.x)


# --------------------------------------------------------------------------- exciter


def test_exciter_neutral_amount_is_identity():
    x = np.random.default_rng(2).uniform(-0.5, 0.5, (2, 4800))
    np.testing.assert_array_equal(Exciter(amount_pct=0.0).process(x, SR), x)


def test_exciter_adds_harmonics_of_highs_only():
    proc = Exciter(freq_hz=3000.0, drive_db=12.0, amount_pct=100.0)
    low = tone(200, 0.3)
    out = proc.process(low, SR)
    assert np.max(np.abs(out - low)) < 1e-4  # below the frequency: nothing added
    high = tone(4000, 0.3)
    y = proc.process(high, SR)[0]
    h = harmonic_amplitudes(y, 4000, 3)
    h_in = harmonic_amplitudes(high[0], 4000, 1)
    assert h[1] / h[0] > 10 ** (-40 / 20)  # a 2nd harmonic (8 kHz) is born
    assert h[2] / h[0] > 10 ** (-60 / 20)  # and a 3rd (12 kHz)
    assert abs(20 * np.log10(h[0] / h_in[0])) < 1.0  # the note itself barely changes


def test_exciter_amount_scales_what_is_added():
    x = tone(5000, 0.3)
    full = Exciter(amount_pct=100.0).process(x, SR) - x
    part = Exciter(amount_pct=25.0).process(x, SR) - x
    np.testing.assert_allclose(part, 0.25 * full, atol=1e-12)


def test_exciter_refuses_a_frequency_above_nyquist():
    with pytest.raises(ParameterError, match="Exciter.*freq_hz.*Nyquist"):
        Exciter(freq_hz=12000.0).process(tone(100, 0.1, sr=22050), 22050)


def test_exciter_time_varying_frequency_follows_blocks_with_state():
    x = tone(5000, 0.3, seconds=0.5)
    n = x.shape[1]
    steady = sat.excite(x, SR, freq_hz=3000.0, amount_pct=100.0)
    nearly = sat.excite(
        x, SR, freq_hz=np.linspace(3000.0 - 1e-6, 3000.0 + 1e-6, n), amount_pct=100.0
    )
    np.testing.assert_allclose(nearly, steady, atol=1e-6)  # no clicks between blocks
    swept = sat.excite(x, SR, freq_hz=np.linspace(2000.0, 8000.0, n), amount_pct=100.0)
    assert np.all(np.isfinite(swept))


def test_exciter_curves():
    curves = Exciter(drive_db=12.0, amount_pct=50.0).curves(SR)
    assert curves[0].name == "high band with harmonics"
    np.testing.assert_allclose(curves[0].y, curves[0].x + curves[1].y)
    assert curves[1].y[200] == 0.0  # nothing is added to silence


@pytest.mark.parametrize("factor", [2, 4, 8])
def test_compiled_oversampling_equals_scipy_resample_poly(factor):
    from scipy.signal import resample_poly

    x = np.random.default_rng(6).standard_normal((2, 3001))
    stages = range(1, int(np.log2(factor)) + 1)
    expected = x
    for stage in stages:
        expected = resample_poly(expected, 2, 1, axis=-1, window=sat._stage_filter(stage))
    up = sat.upsample(x, factor)
    np.testing.assert_allclose(up, expected, atol=1e-12)
    expected_down = up
    for stage in reversed(stages):
        expected_down = resample_poly(expected_down, 1, 2, axis=-1, window=sat._stage_filter(stage))
    np.testing.assert_allclose(sat.downsample(up, factor), expected_down, atol=1e-12)


def test_block_processing_joins_without_a_seam():
    x = np.random.default_rng(7).standard_normal((1, 3 * sat._BLOCK + 17)) * 0.5
    blocked = sat._through_curve(x, 8, lambda b, start, stop: sat.shape(3.0 * b, "tube"))
    whole = sat.downsample(sat.shape(3.0 * sat.upsample(x, 8), "tube"), 8)
    np.testing.assert_allclose(blocked, whole, atol=1e-12)


# --------------------------------------------------------------------------- compiled path


def test_half_band_stages_have_exact_zero_taps():
    for stage in (2, 3):
        h = sat._stage_filter(stage)
        c = (h.size - 1) // 2
        offsets = np.arange(h.size) - c
        assert np.all(h[(offsets % 2 == 0) & (offsets != 0)] == 0.0)
        assert np.all(h[offsets % 2 == 1] != 0.0)
    assert np.count_nonzero(sat._stage_filter(1) == 0.0) == 0  # not a half-band filter


def test_compiled_tanh_is_within_three_ulp_of_numpy():
    from studio.dsp._oversampling_kernels import tanh_array

    x = np.concatenate(
        [
            np.linspace(-25.0, 25.0, 200_001),
            np.logspace(-300, 1.4, 20_001),
            -np.logspace(-300, 1.4, 20_001),
            [0.0, -0.0, 19.06, -19.06, 1e300, -1e300],
        ]
    )
    got = np.empty_like(x)
    tanh_array(x, got)
    expected = np.tanh(x)
    ulp = np.spacing(np.maximum(np.abs(expected), np.finfo(np.float64).tiny))
    assert np.max(np.abs(got - expected) / ulp) <= 3.0
    assert np.all(np.signbit(got) == np.signbit(expected))


@pytest.mark.parametrize("curve", ["soft_clip", "tape", "tube", "excite"])
@pytest.mark.parametrize("factor", [1, 2, 4, 8])
def test_compiled_curve_path_equals_the_readable_reference(curve, factor):
    # Longer than two kernel blocks, so block seams and both signal ends are covered.
    x = np.random.default_rng(11).standard_normal((2, 2 * sat._KERNEL_BLOCK + 777)) * 0.4
    g = 4.0
    up = sat.upsample(x, factor)
    if curve == "excite":
        expected = sat.downsample(sat.shape(g * up, "tube") / g - up, factor)
    else:
        expected = sat.downsample(sat.shape(g * up, curve), factor)
    got = sat._oversampled(x, factor, curve, g)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-14)


def test_compiled_curve_path_follows_a_drive_per_frame():
    x = np.random.default_rng(12).standard_normal((1, sat._KERNEL_BLOCK + 301)) * 0.4
    drive = np.linspace(1.0, 8.0, x.shape[1])
    expected = sat._through_curve(
        x, 8, lambda b, start, stop: sat.shape(b * np.repeat(drive, 8)[start:stop], "tube")
    )
    np.testing.assert_allclose(sat._oversampled(x, 8, "tube", drive), expected, atol=1e-14)


def test_compiled_curve_path_of_short_and_empty_signals():
    for n in (0, 1, 5, 97):
        x = np.random.default_rng(n).standard_normal((2, n)) * 0.5
        expected = sat.downsample(sat.shape(2.0 * sat.upsample(x, 8), "tape"), 8)
        got = sat._oversampled(x, 8, "tape", 2.0)
        assert got.shape == x.shape
        np.testing.assert_allclose(got, expected, atol=1e-14)


@pytest.mark.parametrize(("attenuation_db", "width"), [(100.0, 0.0833), (100.0, 0.5), (60.0, 0.1)])
def test_kaiser_design_is_scipys(attenuation_db, width):
    from scipy.signal import firwin, kaiserord

    assert sat._kaiser_order(attenuation_db, width) == pytest.approx(
        kaiserord(attenuation_db, width)
    )
    numtaps, beta = kaiserord(attenuation_db, width)
    numtaps |= 1
    expected = firwin(numtaps, 0.45, window=("kaiser", beta))
    np.testing.assert_allclose(sat._kaiser_lowpass(numtaps, 0.45, beta), expected, atol=1e-15)


# --------------------------------------------------------------------------- float32 path


def _reference(x, factor, curve, g):
    up = sat.upsample(np.asarray(x, dtype=np.float64), factor)
    if curve == "excite":
        return sat.downsample(sat.shape(g * up, "tube") / g - up, factor)
    return sat.downsample(sat.shape(g * up, curve), factor)


def test_compiled_float32_tanh_is_within_three_ulp_of_numpy():
    from studio.dsp._oversampling_kernels import tanh_array

    x = np.concatenate(
        [
            np.linspace(-12.0, 12.0, 200_001),
            np.logspace(-40, 1.2, 20_001),
            -np.logspace(-40, 1.2, 20_001),
            [0.0, -0.0, 9.01, -9.01, 9.5, 1e30, -1e30],
        ]
    ).astype(np.float32)
    got = np.empty_like(x)
    tanh_array(x, got)
    assert got.dtype == np.float32
    expected = np.tanh(x.astype(np.float64)).astype(np.float32)
    ulp = np.spacing(np.maximum(np.abs(expected), np.finfo(np.float32).tiny)).astype(np.float64)
    assert np.max(np.abs(got.astype(np.float64) - expected) / ulp) <= 3.0
    assert np.all(np.signbit(got) == np.signbit(expected))


@pytest.mark.parametrize("curve", ["soft_clip", "tape", "tube", "excite"])
@pytest.mark.parametrize("g", [1.0, 4.0, 16.0])
def test_float32_audio_is_oversampled_in_float32_far_below_audibility(curve, g):
    # float32 arithmetic inside the oversampled part: the error against the float64
    # reference stays below -115 dBFS at its worst and -130 dBFS on average (16-bit
    # audio's own rounding is at -98 dBFS).
    x = (np.random.default_rng(21).standard_normal((2, 20_000)) * 0.4).astype(np.float32)
    got = sat._oversampled(x, 8, curve, g)
    assert got.dtype == np.float32
    err = got - _reference(x, 8, curve, g)
    assert np.max(np.abs(err)) < 10 ** (-115 / 20)
    assert np.sqrt(np.mean(err**2)) < 10 ** (-130 / 20)


@pytest.mark.parametrize("character", sat.CHARACTERS)
def test_saturate_and_excite_keep_float32_close_to_float64(character):
    x64 = np.random.default_rng(22).uniform(-0.8, 0.8, (2, 9600))
    x32 = x64.astype(np.float32)
    wide = sat.saturate(x32.astype(np.float64), SR, drive_db=18.0, character=character)
    narrow = sat.saturate(x32, SR, drive_db=18.0, character=character, mix_pct=100.0)
    assert narrow.dtype == np.float32
    assert np.max(np.abs(narrow - wide)) < 10 ** (-110 / 20)
    wide = sat.excite(x32.astype(np.float64), SR, drive_db=18.0, amount_pct=80.0)
    narrow = sat.excite(x32, SR, drive_db=18.0, amount_pct=80.0)
    assert narrow.dtype == np.float32
    assert np.max(np.abs(narrow - wide)) < 10 ** (-110 / 20)


# --------------------------------------------------------------------------- reuse


def test_a_second_drive_on_the_same_input_reuses_the_up_sampling_exactly():
    x = np.random.default_rng(23).standard_normal((2, sat._KERNEL_BLOCK + 999)) * 0.4
    sat._UP_CACHE.clear()
    sat._oversampled(x, 8, "tape", 2.0)  # fills the cache
    assert sat._cached_levels(x, 3) is not None
    again = sat._oversampled(x, 8, "tube", 5.0)  # from the cache
    np.testing.assert_allclose(again, _reference(x, 8, "tube", 5.0), rtol=0, atol=1e-14)
    sat._UP_CACHE.clear()
    fresh = sat._oversampled(x, 8, "tube", 5.0)
    assert np.array_equal(again, fresh)


def test_an_input_changed_in_place_is_not_served_from_the_cache():
    x = np.random.default_rng(24).standard_normal((1, 5000)) * 0.4
    sat._oversampled(x, 8, "tape", 3.0)
    x[0, 2500] += 0.25  # the same array object, other numbers
    assert sat._cached_levels(x, 3) is None
    got = sat._oversampled(x, 8, "tape", 3.0)
    np.testing.assert_allclose(got, _reference(x, 8, "tape", 3.0), rtol=0, atol=1e-14)


def test_long_inputs_are_not_kept():
    frames = sat._UP_CACHE_BYTES // 4 // 4 + 1  # float32 at 4x is larger than the limit
    x = np.zeros((1, frames), dtype=np.float32)
    sat._UP_CACHE.clear()
    sat._oversampled(x, 8, "soft_clip", 1.0)
    assert not sat._UP_CACHE


def test_the_filter_before_the_curve_is_part_of_what_is_reused():
    x = np.random.default_rng(25).standard_normal((2, 6000)) * 0.3
    sat._UP_CACHE.clear()
    sat._oversampled(x, 8, "tape", 2.0, (("double", 1), lambda v: 2.0 * v))
    assert sat._cached_levels(x, 3) is None  # the same input without that filter
    assert sat._cached_levels(x, 3, ("double", 1)) is not None
    got = sat._oversampled(x, 8, "tape", 3.0, (("double", 1), lambda v: 2.0 * v))
    np.testing.assert_allclose(got, _reference(2.0 * x, 8, "tape", 3.0), rtol=0, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_moves_over_one_input_give_what_a_fresh_run_gives(dtype):
    x = (np.random.default_rng(26).standard_normal((2, 7000)) * 0.3).astype(dtype)
    steps = [
        lambda: sat.saturate(x, SR, drive_db=6.0, character="tape"),
        lambda: sat.saturate(x, SR, drive_db=18.0, character="tape"),
        lambda: sat.saturate(x, SR, drive_db=18.0, character="tube"),
        lambda: sat.excite(x, SR, freq_hz=3000.0, drive_db=6.0),
        lambda: sat.excite(x, SR, freq_hz=3000.0, drive_db=20.0),
        lambda: sat.excite(x, SR, freq_hz=5000.0, drive_db=20.0),
    ]
    for step in steps:
        after_others = step()
        sat._UP_CACHE.clear()
        assert np.array_equal(after_others, step())
