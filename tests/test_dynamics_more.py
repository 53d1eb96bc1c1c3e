"""Gate, transient shaper, Linkwitz-Riley crossovers and the multiband compressor."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import signal

from studio.audio import Audio
from studio.dsp.control import Envelope
from studio.dsp.crossover import (
    allpass_sos,
    band_responses,
    lr4_allpass_sos,
    lr4_highpass_sos,
    lr4_lowpass_sos,
    split_bands,
)
from studio.dsp.dynamics import detector_level_db, time_constant_coef
from studio.dsp.gate import expander_gain_db, gate, gate_gain_db, gate_gain_db_reference
from studio.dsp.multiband import compress_multiband
from studio.dsp.transient import TRANSIENT_FULL_DB, transient_gain_db
from studio.errors import ParameterError
from studio.processors.dynamics import (
    Gate,
    MultibandBand,
    MultibandCompressor,
    TransientShaper,
)

SR = 48000


def response(sos, freqs, sr=SR):
    return signal.sosfreqz(sos, worN=np.asarray(freqs, dtype=float), fs=sr)[1]


# --- gate / expander ---------------------------------------------------------------------


def test_expander_static_curve():
    levels = np.array([-10.0, -40.0, -50.0, -60.0, -100.0])
    gain = expander_gain_db(levels, threshold_db=-40.0, ratio=2.0, range_db=80.0)
    np.testing.assert_allclose(gain, [0.0, 0.0, -10.0, -20.0, -60.0])
    gated = expander_gain_db(levels, threshold_db=-40.0, ratio=10.0, range_db=30.0)
    np.testing.assert_allclose(gated, [0.0, 0.0, -30.0, -30.0, -30.0])  # range caps it
    g = Gate(threshold_db=-40.0, ratio=10.0, range_db=30.0)
    np.testing.assert_allclose(g.transfer_curve(levels), levels + gated)


def test_gate_kernel_equals_the_pure_python_definition(rng):
    n = 20000
    x = rng.standard_normal((2, n)) * np.repeat(rng.choice([0.001, 0.5], n // 500), 500)
    level = detector_level_db(x)
    trace = gate_gain_db(
        x,
        SR,
        threshold_db=-30.0,
        ratio=4.0,
        range_db=40.0,
        attack_ms=0.5,
        hold_ms=10.0,
        release_ms=60.0,
    )
    expected = gate_gain_db_reference(
        level,
        threshold_db=-30.0,
        ratio=4.0,
        range_db=40.0,
        attack=time_constant_coef(0.5, SR),
        hold=480,
        release=time_constant_coef(60.0, SR),
    )
    np.testing.assert_array_equal(trace, expected)
    # automation: every parameter per frame
    thr = np.linspace(-40, -20, n)
    hold = np.linspace(0, 30, n)
    trace = gate_gain_db(
        x,
        SR,
        threshold_db=thr,
        ratio=Envelope([0, 0.4], [2, 20]),
        range_db=np.linspace(10, 60, n),
        attack_ms=np.linspace(0.1, 5, n),
        hold_ms=hold,
        release_ms=np.linspace(10, 200, n),
    )
    expected = gate_gain_db_reference(
        level,
        threshold_db=thr,
        ratio=Envelope([0, 0.4], [2, 20]).render(n, SR),
        range_db=np.linspace(10, 60, n),
        attack=time_constant_coef(np.linspace(0.1, 5, n), SR),
        hold=np.rint(hold * 1e-3 * SR),
        release=time_constant_coef(np.linspace(10, 200, n), SR),
    )
    np.testing.assert_array_equal(trace, expected)


def test_gate_holds_then_closes_with_its_release_time():
    loud, quiet = 0.5, 0.001  # -6 dBFS and -60 dBFS, steady (no zero crossings)
    x = np.concatenate([np.full(SR // 4, loud), np.full(SR, quiet)])[None]
    hold_ms, release_ms = 20.0, 50.0
    trace = gate_gain_db(
        x,
        SR,
        threshold_db=-40.0,
        ratio=100.0,
        range_db=30.0,
        attack_ms=1.0,
        hold_ms=hold_ms,
        release_ms=release_ms,
    )
    start = SR // 4
    hold = int(hold_ms * SR / 1000)
    assert np.all(trace[: start + hold] == 0.0)  # open, then held open
    assert trace[start + hold] < 0.0  # closing starts right after the hold
    n_r = int(release_ms * SR / 1000)
    assert trace[start + hold + n_r] == pytest.approx(-30.0 * (1 - np.exp(-1)), rel=1e-3)
    assert trace[-1] == pytest.approx(-30.0, abs=1e-6)  # settles on the static curve


def test_gate_opens_with_its_attack_time():
    x = np.concatenate([np.full(SR, 0.001), np.full(SR // 2, 0.5)])[None]
    trace = gate_gain_db(
        x,
        SR,
        threshold_db=-40.0,
        ratio=100.0,
        range_db=30.0,
        attack_ms=5.0,
        hold_ms=0.0,
        release_ms=50.0,
    )
    assert trace[SR - 1] == pytest.approx(-30.0, abs=1e-6)
    n_a = int(5.0 * SR / 1000)
    assert trace[SR + n_a - 1] == pytest.approx(-30.0 * np.exp(-1), rel=1e-3)


def test_gate_key_and_neutral(rng):
    x = rng.uniform(-0.01, 0.01, (2, SR // 4))  # quiet: normally gated
    closed = Gate(threshold_db=-30.0).process(x, SR)
    assert np.max(np.abs(closed[:, -100:])) < 0.01 * 10 ** (-30 / 20)
    key = np.full((1, SR // 4), 0.5)
    opened, trace = Gate(threshold_db=-30.0).process_with_trace(x, SR, key=Audio(key, SR))
    np.testing.assert_array_equal(opened, x)
    assert not trace.any()
    np.testing.assert_array_equal(Gate.neutral().process(x, SR), x)


@given(
    threshold=st.floats(-80, 0),
    ratio=st.floats(1, 100),
    range_db=st.floats(0, 80),
    seed=st.integers(0, 1000),
)
def test_gate_never_boosts(threshold, ratio, range_db, seed):
    x = np.random.default_rng(seed).standard_normal((2, 2400)) * 0.1
    y, trace = gate(
        x,
        SR,
        threshold_db=threshold,
        ratio=ratio,
        range_db=range_db,
        attack_ms=1.0,
        hold_ms=5.0,
        release_ms=30.0,
    )
    assert np.all(trace <= 0.0) and np.all(trace >= -range_db - 1e-9)
    assert np.all(np.abs(y) <= np.abs(x) + 1e-12)


# --- transient shaper ----------------------------------------------------------------------


def hit(seconds=0.5, start_s=0.05):
    t = np.arange(int(seconds * SR)) / SR - start_s
    env = np.where(t >= 0, np.exp(-np.maximum(t, 0) / 0.08), 0.0)
    return (0.5 * env * np.sin(2 * np.pi * 200 * np.maximum(t, 0)))[None]


def test_transient_shaper_neutral_is_identity(rng):
    x = rng.uniform(-1, 1, (2, 4800)).astype(np.float32)
    np.testing.assert_array_equal(TransientShaper.neutral().process(x, SR), x)


def test_steady_sounds_pass_unchanged():
    t = np.arange(SR) / SR
    x = 0.3 * np.sin(2 * np.pi * 440 * t)[None]
    gain = TransientShaper(attack_db=12.0, sustain_db=-12.0).gain_reduction_db(x, SR)
    assert np.max(np.abs(gain[SR // 2 :])) < 0.05


def test_attack_boosts_the_onset_and_sustain_shapes_the_tail():
    x = hit()
    onset = int(0.05 * SR)
    gain = transient_gain_db(x, SR, attack_db=6.0, sustain_db=0.0)
    assert gain[onset + 48] == pytest.approx(6.0)  # 1 ms in: a full onset
    assert np.all(gain[:onset] == 0.0) and gain[-1] < 0.5  # silence before, fades after
    tail = transient_gain_db(x, SR, attack_db=0.0, sustain_db=-6.0)
    assert tail[onset + int(0.2 * SR)] == pytest.approx(-6.0, abs=0.3)
    assert tail[onset + 48] == pytest.approx(0.0, abs=0.1)  # the onset itself untouched
    # linear in the settings
    both = transient_gain_db(x, SR, attack_db=6.0, sustain_db=-6.0)
    np.testing.assert_allclose(both, gain + tail, atol=1e-12)
    np.testing.assert_allclose(
        transient_gain_db(x, SR, attack_db=-3.0, sustain_db=0.0), -gain / 2, atol=1e-12
    )


@given(attack=st.floats(-24, 24), sustain=st.floats(-24, 24), seed=st.integers(0, 100))
def test_transient_gain_stays_within_its_settings(attack, sustain, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, 4800)) * np.repeat(rng.uniform(0, 1, 8), 600)
    gain = transient_gain_db(x, SR, attack_db=attack, sustain_db=sustain)
    lo = min(0, attack) + min(0, sustain)
    hi = max(0, attack) + max(0, sustain)
    assert np.all(gain >= lo - 1e-9) and np.all(gain <= hi + 1e-9)
    assert TRANSIENT_FULL_DB > 0


def test_transient_shaper_curves_show_the_hit_before_and_after():
    curves = TransientShaper(attack_db=6.0).curves(SR)
    assert [c.name for c in curves] == ["hit before", "hit after"]
    before, after = curves
    assert after.y.max() == pytest.approx(before.y.max() + 6.0, abs=0.5)


# --- Linkwitz-Riley crossovers -------------------------------------------------------------


def test_lr4_is_minus_6db_at_the_crossover_and_24db_per_octave():
    fc = 1000.0
    lp, hp = lr4_lowpass_sos(fc, SR), lr4_highpass_sos(fc, SR)
    assert 20 * np.log10(abs(response(lp, [fc])[0])) == pytest.approx(-6.0206, abs=1e-3)
    assert 20 * np.log10(abs(response(hp, [fc])[0])) == pytest.approx(-6.0206, abs=1e-3)
    far = 20 * np.log10(np.abs(response(hp, [fc / 16, fc / 32])))
    assert far[0] - far[1] == pytest.approx(20 * np.log10(16), abs=0.01)  # 24.08 dB/octave
    # in phase at the crossover, so they add up to 0 dB there
    assert abs(response(lp, [fc])[0] + response(hp, [fc])[0]) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("fc", [60.0, 1000.0, 15000.0])
def test_lowpass_plus_highpass_is_exactly_the_allpass(fc):
    freqs = np.geomspace(10, 23000, 500)
    total = response(lr4_lowpass_sos(fc, SR), freqs) + response(lr4_highpass_sos(fc, SR), freqs)
    ap = response(lr4_allpass_sos(fc, SR), freqs)
    np.testing.assert_allclose(total, ap, atol=1e-9)
    np.testing.assert_allclose(np.abs(ap), 1.0, atol=1e-12)


@pytest.mark.parametrize("crossovers", [[200.0, 3000.0], [120.0, 800.0, 5000.0], [1000.0]])
def test_bands_sum_flat_through_the_allpass_chain(crossovers, rng):
    freqs = np.geomspace(10, 23000, 400)
    total = sum(band_responses(crossovers, freqs, SR))
    np.testing.assert_allclose(total, response(allpass_sos(crossovers, SR), freqs), atol=1e-9)
    assert np.max(np.abs(20 * np.log10(np.abs(total)))) < 1e-6  # flat, far inside 0.01 dB
    x = rng.standard_normal((2, 9600))
    bands = split_bands(x, SR, crossovers_hz=crossovers)
    assert len(bands) == len(crossovers) + 1
    np.testing.assert_allclose(
        sum(bands), signal.sosfilt(allpass_sos(crossovers, SR), x, axis=-1), atol=1e-10
    )


@pytest.mark.parametrize(
    ("crossovers", "match"),
    [([3000.0, 200.0], "must rise"), ([30000.0], "below the Nyquist"), ([0.0], "above 0 Hz")],
)
def test_impossible_crossovers(crossovers, match):
    with pytest.raises(ParameterError, match=match):
        split_bands(np.zeros((1, 10)), SR, crossovers_hz=crossovers)


# --- multiband compressor ----------------------------------------------------------------


def test_neutral_multiband_is_the_allpass_filtered_input(rng):
    x = rng.uniform(-0.5, 0.5, (2, 9600))
    mb = MultibandCompressor.neutral()
    assert mb.is_neutral() and not MultibandCompressor.identity_when_neutral
    expected = signal.sosfilt(allpass_sos(mb.crossovers_hz, SR), x, axis=-1)
    np.testing.assert_allclose(mb.process(x, SR), expected, atol=1e-12)
    y32 = mb.process(x.astype(np.float32), SR)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, expected, atol=1e-6)


def test_only_the_band_that_is_too_loud_is_turned_down():
    t = np.arange(SR) / SR
    low = 0.5 * np.sin(2 * np.pi * 60 * t)[None]
    high = 0.5 * np.sin(2 * np.pi * 8000 * t)[None]
    squeeze = MultibandBand(threshold_db=-30.0, ratio=4.0, attack_ms=0.5, release_ms=2000.0)
    mb = MultibandCompressor(
        knee_db=0.0, bands=[squeeze, MultibandBand(ratio=1.0), MultibandBand(ratio=1.0)]
    )
    tail = slice(SR // 2, None)
    high_out = mb.process(high, SR)
    rms = np.sqrt(np.mean(high_out[:, tail] ** 2))
    assert rms == pytest.approx(0.5 / np.sqrt(2), rel=1e-3)  # untouched (through the allpass)
    low_out, trace = mb.process_with_trace(low, SR)
    assert trace.shape == (3, SR) and not trace[1:].any()
    # the low band's share of the tone lands on the static curve; the little the mid
    # band's crossover slope lets through (in phase, -42 dB) passes uncompressed
    low_h, mid_h, high_h = band_responses(mb.crossovers_hz, [60.0], SR)
    level = 20 * np.log10(0.5 * abs(low_h[0]))
    gain = 10 ** ((-30.0 + (level + 30.0) / 4 - level) / 20)
    expected = 20 * np.log10(abs(0.5 * (low_h[0] * gain + mid_h[0] + high_h[0])))
    assert 20 * np.log10(np.max(np.abs(low_out[:, tail]))) == pytest.approx(expected, abs=0.1)


def test_multiband_curves_show_the_split_and_sum_flat():
    mb = MultibandCompressor()
    curves = mb.curves(SR)
    assert [c.name for c in curves] == ["low band", "mid band", "high band", "all bands"]
    assert np.max(np.abs(curves[-1].y)) < 1e-6
    low = curves[0]
    assert low.x_log and low.y[0] == pytest.approx(0.0, abs=1e-3)  # pass band
    at_split = band_responses(mb.crossovers_hz, [mb.low_split_hz], SR)[0]
    assert 20 * np.log10(abs(at_split[0])) == pytest.approx(-6.02, abs=0.01)
    boosted = mb.replace(bands=[MultibandBand(makeup_db=6.0), *mb.bands[1:]]).curves(SR)
    assert boosted[0].y[0] == pytest.approx(6.0, abs=0.01)
    np.testing.assert_allclose(mb.band_transfer_curve(1, [-10.0]), [-24.0 + 14.0 / 2], atol=1e-12)


def test_multiband_refuses_wrong_band_counts_and_rates():
    with pytest.raises(ParameterError, match="bands must be exactly 3"):
        MultibandCompressor(bands=[MultibandBand()])
    with pytest.raises(ParameterError, match=r"split \(high_split_hz\) of 9000 Hz must be below"):
        MultibandCompressor(high_split_hz=9000.0).process(np.zeros((1, 100)), 16000)
    with pytest.raises(ParameterError, match="2 crossovers make 3 bands"):
        compress_multiband(np.zeros((1, 10)), SR, crossovers_hz=[200, 3000], bands=[{}])
    with pytest.raises(ParameterError, match="band 1 has no ratio"):
        compress_multiband(
            np.zeros((1, 10)), SR, crossovers_hz=[200], bands=[{"threshold_db": 0}, {}]
        )


def test_every_dynamics_processor_exposes_static_curve_and_trace():
    import studio.processors.dynamics as procs

    x = np.random.default_rng(5).uniform(-0.5, 0.5, (2, 4800))
    for cls in (procs.Compressor, procs.Gate, procs.TransientShaper, procs.Limiter):
        proc = cls()
        curve = proc.transfer_curve(np.array([-40.0, -20.0, 0.0]))
        assert curve.shape == (3,) and np.all(np.isfinite(curve))
        assert proc.gain_reduction_db(x, 48000).shape[-1] == x.shape[1]
    mb = procs.MultibandCompressor()
    assert mb.band_transfer_curve(0, np.array([-40.0, 0.0])).shape == (2,)
    assert mb.gain_reduction_db(x, 48000).shape == (3, x.shape[1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("crossovers", [(1000.0,), (200.0, 3000.0), (150.0, 800.0, 5000.0)])
def test_split_shares_the_high_passes_and_gives_each_bands_own_cascade(dtype, crossovers):
    from studio.dsp.biquad import apply_sos_bank
    from studio.dsp.crossover import band_sos

    x = (np.random.default_rng(31).standard_normal((2, 4000)) * 0.3).astype(dtype)
    bands = split_bands(x, SR, crossovers_hz=crossovers)
    expected = apply_sos_bank(x, band_sos(crossovers, SR))  # one cascade per band
    assert len(bands) == len(crossovers) + 1
    for got, want in zip(bands, expected, strict=True):
        assert got.dtype == dtype
        assert np.array_equal(got, want)
    mono = split_bands(x[0], SR, crossovers_hz=crossovers)
    assert all(np.array_equal(m[0], b[0]) for m, b in zip(mono, bands, strict=True))
