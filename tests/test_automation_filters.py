"""Moving time constants (dynamic EQ) and moving crossovers (splits, width per band)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from studio.dsp import stereo
from studio.dsp.biquad import apply_sos_blocks
from studio.dsp.control import Envelope
from studio.dsp.crossover import split_bands
from studio.dsp.filters import BLOCK_FRAMES, band_gain_blocks_reference, dynamic_eq
from studio.errors import ParameterError

SR = 48000


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def _block_freqs(freq: np.ndarray, block: int = BLOCK_FRAMES) -> np.ndarray:
    n = len(freq)
    centres = np.minimum(np.arange(0, n, block) + block // 2, n - 1)
    return freq[centres]


def _butter_blocks(freq: np.ndarray, btype: str) -> np.ndarray:
    """Per-block 2nd-order Butterworth sections designed by scipy (independent)."""
    return np.stack([signal.butter(2, f, btype, fs=SR, output="sos")[0] for f in freq])


def _allpass_blocks(*freqs: np.ndarray) -> np.ndarray:
    """LR4 allpass per block from the Butterworth denominator: (a2 + a1 z + z^2) / a(z)."""
    sections = []
    for f in freqs:
        a = _butter_blocks(f, "low")[:, 3:]
        sections.append(np.stack([a[:, 2], a[:, 1], a[:, 0], a[:, 0], a[:, 1], a[:, 2]], -1))
    return np.stack(sections, axis=1)


# ------------------------------------------------------------------ dynamic EQ times


@pytest.mark.parametrize("mode", ["cut_when_loud", "boost_when_quiet"])
def test_compiled_gain_with_moving_times_equals_the_readable_definition(mode, rng):
    from studio.dsp.filters import _band_gain_blocks

    n = 3001
    levels = np.repeat([0.001, 0.3, 0.0, 0.05], [800, 900, 500, 801])
    band = rng.standard_normal((2, n)) * levels
    attack = np.exp(-1.0 / (np.linspace(0.1, 20.0, n) * 1e-3 * SR))
    release = np.exp(-1.0 / (np.geomspace(200.0, 5.0, n) * 1e-3 * SR))
    for thr in (-30.0, np.linspace(-50.0, -10.0, n)):
        for att, rel in ((attack, release), (attack, 0.99), (0.9, release)):
            settings = {"threshold_db": thr, "ratio": 3.0, "range_db": 9.0, "mode": mode}
            timing = {"attack": att, "release": rel, "block": 32}
            expected = band_gain_blocks_reference(band, **settings, **timing)
            got = _band_gain_blocks(band, **settings, **timing)
            np.testing.assert_allclose(got, expected, atol=1e-9)


def _deq(x, **kw):
    settings = {"freq_hz": 2000.0, "threshold_db": -30.0, "ratio": 4.0, "range_db": 12.0}
    settings.update(kw)
    return dynamic_eq(x, SR, **settings)


def test_constant_moving_times_give_the_constant_result(rng):
    x = rng.uniform(-0.5, 0.5, (2, 9600)).astype(np.float32)
    y0, g0 = _deq(x, attack_ms=5.0, release_ms=80.0)
    for att, rel in (
        (np.full(9600, 5.0), 80.0),
        (5.0, np.full(9600, 80.0)),
        (Envelope([0.0, 1.0], [5.0, 5.0]), Envelope([0.0], [80.0])),
    ):
        y, g = _deq(x, attack_ms=att, release_ms=rel)
        assert y.dtype == np.float32
        np.testing.assert_array_equal(y, y0)
        np.testing.assert_array_equal(g, g0)


def test_moving_attack_is_causal_and_sets_the_time_constant():
    # two identical bursts of a 2 kHz tone; a 2 ms attack for the first, 30 ms after
    t = np.arange(int(0.3 * SR)) / SR
    burst = 0.5 * np.sin(2 * np.pi * 2000.0 * t)
    x = np.concatenate([burst, np.zeros(SR), burst])[None]
    switch = int(0.5 * SR)  # in the gap, on a block boundary
    attack = np.where(np.arange(x.shape[1]) < switch, 2.0, 30.0)
    y, gain = _deq(x, attack_ms=attack, release_ms=150.0)
    y_fast, gain_fast = _deq(x, attack_ms=2.0, release_ms=150.0)
    # nothing after the switch changes what came before it
    np.testing.assert_array_equal(y[:, :switch], y_fast[:, :switch])
    np.testing.assert_array_equal(gain[:switch], gain_fast[:switch])
    second = len(t) + SR
    for start, attack_s in ((0, 0.002), (second, 0.030)):
        full = gain[start + int(0.25 * SR)]
        assert -12.0 <= full < -9.0  # 24 dB over the threshold at 4:1: near the range
        # 63 % of the way one attack time after the burst starts
        assert gain[start + int(attack_s * SR)] == pytest.approx(0.63 * full, abs=1.5)
    assert np.all(np.isfinite(y))


def test_moving_times_refuse_impossible_values():
    x = np.zeros((1, 100))
    bad = np.full(100, 5.0)
    bad[50] = 0.0
    with pytest.raises(ParameterError, match="attack_ms must be greater than 0"):
        _deq(x, attack_ms=bad, release_ms=50.0)
    with pytest.raises(ParameterError, match="release_ms"):
        _deq(x, attack_ms=5.0, release_ms=np.full(99, 50.0))
    nan = np.full(100, 50.0)
    nan[3] = np.nan
    with pytest.raises(ParameterError, match="release_ms"):
        _deq(x, attack_ms=5.0, release_ms=nan)


# ------------------------------------------------------------------ moving crossovers


def _sweeps(n):
    return np.geomspace(100.0, 4000.0, n), Envelope([0.0, n / SR], [6000.0, 12000.0])


def test_moving_bands_sum_to_the_per_block_allpass(rng):
    n = 24000
    x = rng.uniform(-0.5, 0.5, (2, n))
    low_xo, high_xo = _sweeps(n)
    bands = split_bands(x, SR, crossovers_hz=(low_xo, high_xo))
    assert len(bands) == 3 and all(b.shape == x.shape for b in bands)
    f1 = _block_freqs(low_xo)
    f2 = _block_freqs(high_xo.render(n, SR))
    expected = apply_sos_blocks(x, _allpass_blocks(f1, f2), BLOCK_FRAMES)
    np.testing.assert_allclose(sum(bands), expected, atol=1e-12)
    # the low band is the per-block LR4 low-pass, then the upper crossover's allpass
    low = np.concatenate([_butter_blocks(f1, "low")[:, None]] * 2 + [_allpass_blocks(f2)], axis=1)
    np.testing.assert_allclose(bands[0], apply_sos_blocks(x, low, BLOCK_FRAMES), atol=1e-10)
    # the top band is close to the per-block LR4 high-pass (equal for fixed blocks)
    high = np.concatenate(
        [_butter_blocks(f1, "high")[:, None]] * 2 + [_butter_blocks(f2, "high")[:, None]] * 2,
        axis=1,
    )
    assert np.max(np.abs(bands[2] - apply_sos_blocks(x, high, BLOCK_FRAMES))) < 5e-3


def test_constant_moving_crossovers_give_the_constant_result(rng):
    x = rng.uniform(-0.5, 0.5, (2, 5000)).astype(np.float32)
    fixed = split_bands(x, SR, crossovers_hz=(200.0, 2000.0))
    for xo in ((np.full(5000, 200.0), 2000.0), (200.0, Envelope([0.0, 1.0], [2000.0, 2000.0]))):
        for a, b in zip(split_bands(x, SR, crossovers_hz=xo), fixed, strict=True):
            assert a.dtype == np.float32
            np.testing.assert_array_equal(a, b)


def test_sweep_has_no_clicks_beyond_a_block_held_filter():
    n = 24000
    t = np.arange(n) / SR
    x = np.stack([0.5 * np.sin(2 * np.pi * 150.0 * t), 0.5 * np.sin(2 * np.pi * 700.0 * t)])
    sweep = np.geomspace(200.0, 3000.0, n)
    low, high = split_bands(x, SR, crossovers_hz=(sweep,))
    assert np.all(np.isfinite(low)) and np.all(np.isfinite(high))
    f = _block_freqs(sweep)
    held = {
        "low": apply_sos_blocks(x, np.stack([_butter_blocks(f, "low")] * 2, 1), BLOCK_FRAMES),
        "high": apply_sos_blocks(x, np.stack([_butter_blocks(f, "high")] * 2, 1), BLOCK_FRAMES),
    }
    for band, ref in ((low, held["low"]), (high, held["high"])):
        jump = np.max(np.abs(np.diff(band, axis=-1)))
        assert jump <= 1.1 * np.max(np.abs(np.diff(ref, axis=-1))) + 1e-3
        # never more than the input's own steepest step plus a little
        assert jump <= np.max(np.abs(np.diff(x, axis=-1))) * 1.3


def test_moving_crossovers_refuse_impossible_values():
    x = np.zeros((2, 100))
    with pytest.raises(ParameterError, match="rise from band to band"):
        split_bands(x, SR, crossovers_hz=(np.linspace(100.0, 900.0, 100), 500.0))
    with pytest.raises(ParameterError, match="Nyquist"):
        split_bands(x, SR, crossovers_hz=(np.linspace(100.0, 30000.0, 100),))
    with pytest.raises(ParameterError, match="above 0 Hz"):
        stereo.stereo_width(x, SR, mono_below_hz=np.linspace(0.0, 200.0, 100))


# ---------------------------------------------------------------- width with moving xo


def test_equal_moving_widths_give_mid_and_side_through_the_moving_allpass(rng):
    n = 12000
    x = rng.uniform(-0.5, 0.5, (2, n))
    ramp = np.linspace(0.0, 180.0, n)
    xo1 = np.geomspace(150.0, 600.0, n)
    xo2 = Envelope([0.0, 0.1, 0.2], [2000.0, 5000.0, 3000.0])
    y = stereo.multiband_width(x, SR, widths_pct=(ramp, ramp, ramp), crossovers_hz=(xo1, xo2))
    ap = _allpass_blocks(_block_freqs(xo1), _block_freqs(xo2.render(n, SR)))
    mid = apply_sos_blocks(((x[0] + x[1]) / 2)[None], ap, BLOCK_FRAMES)[0]
    side = apply_sos_blocks(((x[0] - x[1]) / 2)[None], ap, BLOCK_FRAMES)[0] * ramp / 100.0
    np.testing.assert_allclose(y, np.stack([mid + side, mid - side]), atol=1e-12)


def test_moving_mono_below_keeps_bass_mono_and_treble_wide():
    n = 48000
    t = np.arange(n) / SR
    side_tone = 0.5 * np.sin(2 * np.pi * 60.0 * t) + 0.5 * np.sin(2 * np.pi * 6000.0 * t)
    x = np.stack([side_tone, -side_tone])  # all side, no mid
    y = stereo.stereo_width(x, SR, mono_below_hz=np.linspace(300.0, 600.0, n))
    side = (y[0] - y[1])[SR // 4 :] / 2
    spectrum = np.abs(np.fft.rfft(side * np.hanning(len(side)))) / (len(side) / 4)
    freqs = np.fft.rfftfreq(len(side), 1 / SR)
    at = {f: spectrum[np.argmin(np.abs(freqs - f))] for f in (60.0, 6000.0)}
    assert 20 * np.log10(at[60.0] / 0.5) < -45.0  # LR4 at >= 300 Hz: at least -50 dB
    assert 20 * np.log10(at[6000.0] / 0.5) == pytest.approx(0.0, abs=0.2)
    np.testing.assert_allclose(y[0] + y[1], 0.0, atol=1e-12)  # no mid appears


def test_width_constant_moving_crossovers_give_the_constant_result(rng):
    x = rng.uniform(-0.5, 0.5, (2, 4000)).astype(np.float32)
    ref = stereo.stereo_width(x, SR, width_pct=140.0, mono_below_hz=120.0)
    got = stereo.stereo_width(x, SR, width_pct=140.0, mono_below_hz=np.full(4000, 120.0))
    np.testing.assert_array_equal(got, ref)
    widths = (0.0, 100.0, 150.0)
    ref = stereo.multiband_width(x, SR, widths_pct=widths, crossovers_hz=(200.0, 3000.0))
    got = stereo.multiband_width(
        x, SR, widths_pct=widths, crossovers_hz=(np.full(4000, 200.0), Envelope([0], [3000.0]))
    )
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, ref)
