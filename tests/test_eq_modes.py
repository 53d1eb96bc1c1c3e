"""ParametricEQ's linear-phase mode and the dynamic EQ band."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.signal import freqz

from studio.dsp.biquad import apply_sos, band_sos
from studio.dsp.control import Envelope
from studio.dsp.filters import (
    band_gain_blocks_reference,
    convolve_aligned,
    dynamic_eq,
    dynamic_eq_gain_db,
    fir_length,
    linear_phase_taps,
)
from studio.errors import ParameterError
from studio.processors.base import processor_from_dict
from studio.processors.eq import DynamicEQ, EQBand, ParametricEQ

SR = 48000

MASTERING = ParametricEQ(
    bands=[
        EQBand("high_pass", 25.0, 0.0, 0.707),
        EQBand("low_shelf", 90.0, 2.0, 0.707),
        EQBand("peak", 45.0, -3.0, 2.0),
        EQBand("peak", 350.0, -2.0, 1.2),
        EQBand("peak", 3200.0, 1.5, 0.8),
        EQBand("high_shelf", 11000.0, 2.5, 0.707),
    ],
    phase="linear",
)


def level_db(x):
    return 20 * np.log10(np.sqrt(2 * np.mean(np.asarray(x, dtype=float) ** 2)))


# ---------------------------------------------------------------- linear phase


def test_fir_length_follows_the_slowest_band_and_the_rate():
    gentle = band_sos("high_shelf", 8000.0, 2.0, 0.707, SR)
    assert fir_length(gentle, SR) == 4095  # the 1/16 s floor at 48 kHz
    low_bell = band_sos("peak", 60.0, -3.0, 2.0, SR)
    n = fir_length(low_bell, SR)
    assert n == 16383
    assert fir_length(band_sos("peak", 60.0, -3.0, 2.0, 96000), 96000) == 2 * n + 1  # same time
    # long enough for the bell's own ringing to die down by 100 dB in half the length
    impulse = np.zeros((1, n))
    impulse[0, 0] = 1.0
    ring = apply_sos(impulse, low_bell)[0] - impulse[0]
    assert np.max(np.abs(ring[(n + 1) // 2 :])) < 1e-5 * np.max(np.abs(ring))
    narrow = band_sos("peak", 25.0, 6.0, 18.0, SR)
    assert fir_length(narrow, SR) == 131071  # the 2.5 s ceiling


def test_linear_phase_magnitude_matches_minimum_phase_within_a_tenth_of_a_db():
    freqs = np.geomspace(30, 16000, 2000)
    taps = MASTERING.fir_taps(SR)
    _, h = freqz(taps, worN=freqs, fs=SR)
    designed = 20 * np.log10(np.abs(h))
    np.testing.assert_allclose(designed, MASTERING.response_db(freqs, SR), atol=0.1)
    # and what the processing does (an impulse through process()) is that filter
    n = 1 << 17
    impulse = np.zeros((1, n))
    impulse[0, n // 2] = 1.0
    out = MASTERING.process(impulse, SR)[0]
    spectrum = np.fft.rfft(np.roll(out, -(n // 2)))
    bins = np.fft.rfftfreq(n, 1 / SR)
    keep = (bins >= 30) & (bins <= 16000)
    measured = 20 * np.log10(np.abs(spectrum[keep]))
    np.testing.assert_allclose(measured, MASTERING.response_db(bins[keep], SR), atol=0.1)


def test_an_impulse_comes_out_symmetric_around_where_it_went_in():
    n, at = 60001, 30000
    impulse = np.zeros((2, n), dtype=np.float32)
    impulse[:, at] = 1.0
    out = MASTERING.process(impulse, SR)
    assert out.dtype == np.float32 and out.shape == impulse.shape
    assert int(np.argmax(np.abs(out[0]))) == at  # latency compensated: no delay
    half = min(at, n - 1 - at)
    np.testing.assert_allclose(
        out[:, at - half : at][:, ::-1], out[:, at + 1 : at + 1 + half], atol=1e-7
    )
    # the minimum-phase EQ is not symmetric: all its ringing comes after
    causal = MASTERING.replace(phase="minimum").process(impulse, SR)
    assert np.max(np.abs(causal[0, :at])) == 0.0


def test_linear_phase_taps_are_symmetric_and_odd():
    taps = linear_phase_taps(band_sos("peak", 1000.0, 6.0, 1.0, SR), SR)
    assert len(taps) % 2 == 1
    np.testing.assert_allclose(taps, taps[::-1], atol=1e-15)
    with pytest.raises(ParameterError, match="positive odd number"):
        linear_phase_taps(band_sos("peak", 1000.0, 6.0, 1.0, SR), SR, n_taps=100)


@pytest.mark.parametrize("n_taps", [1, 7, 301])
@pytest.mark.parametrize("n", [5, 1000, 20011])
def test_convolve_aligned_is_a_centred_convolution(n_taps, n, rng):
    x = rng.standard_normal((2, n))
    h = rng.standard_normal(n_taps)
    centre = (n_taps - 1) // 2
    expected = np.stack([np.convolve(ch, h)[centre : centre + n] for ch in x])
    np.testing.assert_allclose(convolve_aligned(x, h), expected, atol=1e-9)


def test_linear_phase_eq_neutral_identity_preset_and_words():
    x = np.random.default_rng(5).uniform(-1, 1, (2, 3000)).astype(np.float32)
    neutral = ParametricEQ(phase="linear")
    np.testing.assert_array_equal(neutral.process(x, SR), x)
    assert processor_from_dict(MASTERING.to_preset()) == MASTERING
    assert "phase: linear" in MASTERING.describe()
    assert ParametricEQ().phase == "minimum"
    with pytest.raises(ParameterError, match=r"ParametricEQ: phase must be one of"):
        ParametricEQ(phase="mixed")


def test_linear_and_minimum_phase_give_the_same_level_on_a_tone():
    t = np.arange(SR) / SR
    tone = np.sin(2 * np.pi * 350.0 * t)[None, :]
    lin = MASTERING.process(tone, SR)[:, SR // 4 : -SR // 4]
    mini = MASTERING.replace(phase="minimum").process(tone, SR)[:, SR // 4 : -SR // 4]
    expected = float(MASTERING.response_db([350.0], SR)[0])
    assert level_db(lin) == pytest.approx(expected, abs=0.02)
    assert level_db(mini) == pytest.approx(expected, abs=0.02)


# ------------------------------------------------------------------ dynamic EQ


@given(
    level=st.floats(-100, 0),
    threshold=st.floats(-60, 0),
    ratio=st.floats(1, 20),
    range_db=st.floats(0, 24),
)
def test_static_band_gain_is_the_compressor_rule_capped_by_the_range(
    level, threshold, ratio, range_db
):
    cut = float(dynamic_eq_gain_db(level, threshold_db=threshold, ratio=ratio, range_db=range_db))
    assert cut == pytest.approx(-min(range_db, max(0.0, level - threshold) * (1 - 1 / ratio)))
    boost = float(
        dynamic_eq_gain_db(
            level, threshold_db=threshold, ratio=ratio, range_db=range_db, mode="boost_when_quiet"
        )
    )
    assert boost == pytest.approx(min(range_db, max(0.0, threshold - level) * (1 - 1 / ratio)))
    assert cut <= 0.0 <= boost


def test_transfer_curve_is_level_plus_band_gain():
    deq = DynamicEQ(threshold_db=-30.0, ratio=4.0, range_db=12.0)
    np.testing.assert_allclose(
        deq.transfer_curve([-50.0, -30.0, -22.0, -10.0]), [-50, -30, -28, -22]
    )
    up = deq.replace(mode="boost_when_quiet", range_db=6.0)
    np.testing.assert_allclose(
        up.transfer_curve([-50.0, -34.0, -30.0, -10.0]), [-44, -31, -30, -10]
    )


def tone(freq, seconds, amplitude_db):
    t = np.arange(int(seconds * SR)) / SR
    return (10 ** (amplitude_db / 20) * np.sin(2 * np.pi * freq * t))[None, :]


@pytest.mark.parametrize(
    ("mode", "amplitude_db", "expected_gain_db"),
    [
        ("cut_when_loud", -10.0, -9.0),  # 20 dB over at 2:1 -> 10 dB, capped at 9
        ("cut_when_loud", -24.0, -3.0),  # 6 dB over at 2:1 -> 3 dB cut
        ("boost_when_quiet", -38.0, 4.0),  # 8 dB under at 2:1 -> 4 dB boost
    ],
)
def test_a_steady_tone_in_the_band_settles_on_the_static_curve(
    mode, amplitude_db, expected_gain_db
):
    deq = DynamicEQ(
        freq_hz=2000.0,
        q=2.0,
        threshold_db=-30.0,
        ratio=2.0,
        range_db=9.0,
        attack_ms=0.1,  # a peak detector on a tone: catch every crest,
        release_ms=200.0,  # and barely move between them
        mode=mode,
    )
    x = tone(2000.0, 1.0, amplitude_db)
    y, gain = deq.process_with_trace(x, SR)
    settled = slice(SR // 2, None)
    assert np.median(gain[settled]) == pytest.approx(expected_gain_db, abs=0.1)
    # the band's gain at its centre is exactly the band gain (RBJ peak)
    assert level_db(y[:, settled]) - amplitude_db == pytest.approx(expected_gain_db, abs=0.1)
    np.testing.assert_array_equal(deq.gain_reduction_db(x, SR), gain)


def test_a_loud_tone_outside_the_band_is_left_alone():
    deq = DynamicEQ(freq_hz=6000.0, q=4.0, threshold_db=-30.0, ratio=8.0, range_db=12.0)
    x = tone(150.0, 0.5, -6.0)
    y, gain = deq.process_with_trace(x, SR)
    assert gain.min() > -0.05  # the detector hears almost nothing at 150 Hz
    assert level_db(y[:, SR // 4 :]) == pytest.approx(-6.0, abs=0.02)


def test_attack_and_release_shape_the_band_gain():
    deq = DynamicEQ(
        freq_hz=2000.0,
        threshold_db=-40.0,
        ratio=20.0,
        range_db=12.0,
        attack_ms=20.0,
        release_ms=200.0,
    )
    burst = np.concatenate([tone(2000.0, 0.3, -6.0), np.zeros((1, int(0.6 * SR)))], axis=1)
    _, gain = deq.process_with_trace(burst, SR)
    full = gain[int(0.25 * SR)]
    assert full == pytest.approx(-12.0, abs=0.3)
    # 63% of the way after about one attack time (the detector is a peak detector)
    assert gain[int(0.02 * SR)] == pytest.approx(0.63 * full, abs=1.5)
    # and back to 37% of the cut one release time after the burst stops
    assert gain[int(0.5 * SR)] == pytest.approx(0.37 * full, abs=0.5)


@pytest.mark.parametrize("mode", ["cut_when_loud", "boost_when_quiet"])
@pytest.mark.parametrize("ratio", [1.0001, 3.0, "moving"])
def test_compiled_band_gain_equals_the_readable_definition(mode, ratio, rng):
    from studio.dsp.filters import _band_gain_blocks

    levels = np.repeat([0.001, 0.3, 0.0, 0.05], [800, 900, 500, 801])
    band = rng.standard_normal((2, 3001)) * levels
    if ratio == "moving":
        ratio = np.linspace(1.0, 8.0, 3001)
        threshold = np.linspace(-50.0, -10.0, 3001)
    else:
        threshold = -30.0
    settings = {"threshold_db": threshold, "ratio": ratio, "range_db": 9.0, "mode": mode}
    timing = {"attack": 0.9, "release": 0.99, "block": 32}
    expected = band_gain_blocks_reference(band, **settings, **timing)
    np.testing.assert_allclose(_band_gain_blocks(band, **settings, **timing), expected, atol=1e-9)


def test_neutral_dynamic_eq_is_identity_and_kinds_work(rng):
    x = rng.uniform(-0.5, 0.5, (2, 4800)).astype(np.float32)
    np.testing.assert_array_equal(DynamicEQ.neutral().process(x, SR), x)
    np.testing.assert_array_equal(DynamicEQ(range_db=0.0).process(x, SR), x)
    for kind in ("peak", "low_shelf", "high_shelf"):
        y, gain = DynamicEQ(kind=kind, threshold_db=-40.0).process_with_trace(x, SR)
        assert y.dtype == np.float32 and gain.min() < -1.0 and gain.max() <= 0.0


def test_dynamic_eq_moving_parameters_and_refusals(rng):
    x = rng.uniform(-0.5, 0.5, (1, 9600))
    y, gain = dynamic_eq(
        x,
        SR,
        freq_hz=Envelope([0.0, 0.2], [500.0, 5000.0]),
        q=2.0,
        threshold_db=Envelope([0.0, 0.2], [0.0, -60.0]),
        ratio=4.0,
        range_db=12.0,
        attack_ms=1.0,
        release_ms=50.0,
    )
    assert np.all(np.isfinite(y)) and gain[:200].min() > gain[-200:].max()
    with pytest.raises(ParameterError, match="ratio must be at least 1"):
        dynamic_eq(
            x,
            SR,
            freq_hz=1000.0,
            threshold_db=-20.0,
            ratio=0.5,
            range_db=6.0,
            attack_ms=1.0,
            release_ms=50.0,
        )
    with pytest.raises(ParameterError, match=r"DynamicEQ: frequency \(freq_hz\).*Nyquist"):
        DynamicEQ(freq_hz=18000.0).process(x, 32000)


def test_dynamic_eq_gets_the_dynamics_plot():
    from studio.widgets.plots import DynamicsPlot, ResponsePlot, plot_for

    assert isinstance(plot_for(DynamicEQ(), SR), DynamicsPlot)
    assert isinstance(plot_for(MASTERING, SR), ResponsePlot)
    assert DynamicEQ().band_response_db(np.array([3000.0]), SR, -6.0)[0] == pytest.approx(-6.0)
