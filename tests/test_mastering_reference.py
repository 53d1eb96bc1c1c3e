"""Reference matching on synthetic pairs whose difference is known exactly.

The reference is the mix through a known change (a high shelf of +4 dB above 5 kHz, a
wider side, more level, a limiter), so the match must find that change and undo the
difference: the matched mix's smoothed spectra land on the reference's, each amount at
0 % changes nothing and at 50 % makes half the change in dB.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio import Audio
from studio.dsp.curve_fir import curve_fir_taps, curve_response_db
from studio.dsp.loudness import integrated_loudness
from studio.dsp.resample import resample
from studio.dsp.spectral import fractional_octave_bands
from studio.errors import AudioDataError, ParameterError
from studio.mastering.reference import (
    ReferenceMatch,
    analyse_reference,
    match_reference,
)
from studio.processors.base import processor_from_dict
from studio.processors.dynamics import Limiter
from studio.processors.eq import EQBand, ParametricEQ
from studio.processors.stereo import StereoWidth
from studio.processors.utility import Gain

SR = 48000
#: Bands where the spectra are compared (the synthetic mix has energy everywhere here).
BAND = (100.0, 16000.0)


def _pink(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    spectrum = np.fft.rfft(rng.normal(size=n))
    f = np.fft.rfftfreq(n, 1.0 / sr)
    spectrum[1:] /= np.sqrt(f[1:])
    spectrum[0] = 0.0
    x = np.fft.irfft(spectrum, n)
    return x / np.std(x)


def synthetic_mix(seconds: float = 12.0, sr: int = SR, seed: int = 0) -> Audio:
    """Pink mid, a quieter unrelated side, and a beat every half second (for peaks)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    mid, side = _pink(rng, n, sr), 0.35 * _pink(rng, n, sr)
    phase = (np.arange(n) / sr) % 0.5
    envelope = 0.3 + 0.7 * np.exp(-phase / 0.06)
    left, right = (mid + side) * envelope, (mid - side) * envelope
    return Audio(0.05 * np.stack([left, right]), sr, "mix")


SHELF = ParametricEQ(bands=[EQBand("high_shelf", 5000.0, 4.0, 0.707)], phase="linear")


@pytest.fixture(scope="module")
def mix() -> Audio:
    return synthetic_mix()


@pytest.fixture(scope="module")
def reference(mix: Audio) -> Audio:
    """The mix, 4 dB brighter above 5 kHz, its side 1.5x (+3.5 dB), 5 dB louder."""
    out = Gain(gain_db=5.0)(StereoWidth(width_pct=150.0)(SHELF(mix)))
    return Audio(out.samples, out.sr, "brighter and wider")


@pytest.fixture(scope="module")
def result(mix: Audio, reference: Audio):
    return match_reference(mix, reference)


@pytest.fixture(scope="module")
def matched(result, mix: Audio) -> Audio:
    return result.apply(mix)


def _in_band(freqs: np.ndarray) -> np.ndarray:
    return (freqs >= BAND[0]) & (freqs <= BAND[1])


# ---------------------------------------------------------------- the known difference


def test_the_match_finds_the_shelf_the_width_and_the_level(result) -> None:
    f = result.freqs_hz
    mid = result.processor.tone_curves_db()[1]
    low, high = mid[(f > 200) & (f < 1000)].mean(), mid[(f > 10000) & (f < 16000)].mean()
    assert high - low == pytest.approx(4.0, abs=0.4)  # the shelf's full +4 dB, as a shape
    assert result.width_change_db == pytest.approx(20 * math.log10(1.5), abs=0.3)
    assert result.loudness_change_db == pytest.approx(
        result.reference.integrated_lufs - result.mix.integrated_lufs, abs=0.01
    )
    assert result.loudness_change_db > 5.0  # 5 dB of gain, plus what the shelf and width add
    assert not result.notes


def test_matched_spectra_land_on_the_reference(matched: Audio, reference: Audio) -> None:
    after, ref = analyse_reference(matched), analyse_reference(reference)
    band = _in_band(after.freqs_hz)
    assert np.max(np.abs(after.mid_db[band] - ref.mid_db[band])) < 1.0
    assert np.max(np.abs(after.side_db[band] - ref.side_db[band])) < 1.0
    assert after.integrated_lufs == pytest.approx(ref.integrated_lufs, abs=0.3)
    assert after.side_to_mid_db == pytest.approx(ref.side_to_mid_db, abs=0.3)
    before = analyse_reference(synthetic_mix())
    assert np.max(np.abs(before.mid_db[band] - ref.mid_db[band])) > 4.0  # there was work


def test_tone_and_width_keep_the_loudness(result, mix: Audio) -> None:
    only_tone_and_width = result.with_amounts(loudness_pct=0.0, dynamics_pct=0.0)
    out = only_tone_and_width.apply(mix)
    lufs_in = integrated_loudness(mix.samples, SR)
    assert integrated_loudness(out.samples, SR) == pytest.approx(lufs_in, abs=0.3)


def test_amounts_at_zero_are_identity(result, mix: Audio) -> None:
    off = result.with_amounts(tone_pct=0.0, loudness_pct=0.0, width_pct=0.0, dynamics_pct=0.0)
    np.testing.assert_array_equal(off.apply(mix).samples, mix.samples)
    assert off.loudness_change_db == 0.0 and off.width_change_db == 0.0
    assert not np.any(off.tone_mid_db) and not np.any(off.tone_side_db)


def test_fifty_percent_is_half_the_change_in_db(result, mix: Audio, matched: Audio) -> None:
    half = result.with_amounts(tone_pct=50.0, loudness_pct=50.0, width_pct=50.0)
    np.testing.assert_allclose(half.tone_mid_db, result.tone_mid_db / 2.0)
    assert half.loudness_change_db == pytest.approx(result.loudness_change_db / 2.0)
    assert half.width_change_db == pytest.approx(result.width_change_db / 2.0)
    before, full = analyse_reference(mix), analyse_reference(matched)
    middle = analyse_reference(half.apply(mix))
    band = _in_band(before.freqs_hz)
    for part in ("mid_db", "side_db"):
        whole = getattr(full, part)[band] - getattr(before, part)[band]
        moved = getattr(middle, part)[band] - getattr(before, part)[band]
        np.testing.assert_allclose(moved, whole / 2.0, atol=0.3)


def test_the_lines_say_what_changed_and_by_how_much(result) -> None:
    lines = result.lines()
    assert lines[0].startswith("Matched to 1 reference(s): brighter and wider")
    text = "\n".join(lines)
    assert f"{result.loudness_change_db:+.1f} dB" in text
    assert f"{result.width_change_db:+.1f} dB against the mid" in text
    assert "Tonal balance, mid" in text and "Tonal balance, side" in text
    assert "kHz" in text  # the biggest lift is up in the shelf
    assert result.report() == text


# ---------------------------------------------------------------- several references


def test_several_references_are_normalised_then_averaged(mix: Audio) -> None:
    two = ParametricEQ(bands=[EQBand("high_shelf", 5000.0, 2.0, 0.707)], phase="linear")
    loud = Audio(Gain(gain_db=8.0)(SHELF(mix)).samples, SR, "loud +4")
    quiet = Audio(Gain(gain_db=-3.0)(two(mix)).samples, SR, "quiet +2")
    both = match_reference(mix, [loud, quiet])
    f, mid = both.freqs_hz, both.tone_mid_db
    lift = mid[(f > 10000) & (f < 16000)].mean() - mid[(f > 200) & (f < 1000)].mean()
    assert lift == pytest.approx(10 * math.log10((10**0.4 + 10**0.2) / 2.0), abs=0.4)
    lufs = [integrated_loudness(a.samples, SR) for a in (loud, quiet)]
    assert both.reference.integrated_lufs == pytest.approx(np.mean(lufs), abs=0.01)
    assert len(both.references) == 2
    swapped = match_reference(mix, [quiet, loud])
    np.testing.assert_allclose(swapped.tone_mid_db, both.tone_mid_db, atol=1e-6)


# ---------------------------------------------------------------- mono, rates, errors


def test_a_mono_reference_matches_the_mid_and_leaves_the_sides(mix: Audio) -> None:
    mono = SHELF(mix).to_mono()
    res = match_reference(mix, mono)
    assert res.notes[0] == "mono_reference"
    assert res.width_change_db == 0.0 and not np.any(res.tone_side_db)
    f, mid = res.freqs_hz, res.tone_mid_db
    assert mid[(f > 10000) & (f < 16000)].mean() - mid[(f > 200) & (f < 1000)].mean() > 3.5
    assert "the reference is mono" in res.report()
    out = res.with_amounts(loudness_pct=0.0).apply(mix)
    side_in = mix.samples[0] - mix.samples[1]
    side_out = out.samples[0] - out.samples[1]
    assert np.std(side_out) == pytest.approx(np.std(side_in), rel=0.02)  # the side as it was


def test_a_mono_mix_is_matched_on_its_one_channel(mix: Audio, reference: Audio) -> None:
    mono_mix = mix.to_mono()
    res = match_reference(mono_mix, reference)
    assert "mono_mix" in res.notes
    out = res.apply(mono_mix)
    assert out.n_channels == 1
    assert integrated_loudness(out.samples, SR) == pytest.approx(
        res.reference.integrated_lufs, abs=0.3
    )


def test_a_reference_at_another_rate_gives_the_same_match(result, reference: Audio) -> None:
    at_44k = Audio(resample(reference.samples, SR, target_sr=44100), 44100, "44.1k")
    res = match_reference(synthetic_mix(), at_44k)
    band = _in_band(res.freqs_hz)
    difference = np.abs(res.tone_mid_db[band] - result.tone_mid_db[band])
    assert np.max(difference) < 0.5 and np.mean(difference) < 0.2  # noise in the estimate
    assert res.width_change_db == pytest.approx(result.width_change_db, abs=0.1)


def test_a_band_the_reference_cannot_hold_is_left_alone(reference: Audio) -> None:
    low_rate = Audio(resample(reference.samples, SR, target_sr=22050), 22050, "22k")
    res = match_reference(synthetic_mix(), low_rate)
    above = res.freqs_hz > 11025
    assert np.all(res.tone_mid_db[above] == 0.0) and np.all(res.tone_side_db[above] == 0.0)


def test_silence_and_bad_input_are_refused_plainly(mix: Audio) -> None:
    silent = Audio(np.zeros((2, SR * 5)), SR, "quiet room")
    with pytest.raises(AudioDataError, match="reference 'quiet room' is silent"):
        match_reference(mix, silent)
    with pytest.raises(AudioDataError, match="mix 'quiet room' is silent"):
        match_reference(silent, mix)
    with pytest.raises(AudioDataError, match="6 channels"):
        match_reference(mix, Audio(np.zeros((6, SR)), SR, "surround"))
    with pytest.raises(AudioDataError, match="must be a studio.Audio"):
        match_reference(mix, [mix.samples])  # type: ignore[list-item]
    with pytest.raises(AudioDataError, match="at least one reference"):
        match_reference(mix, [])
    with pytest.raises(ParameterError, match="tone_pct must be from 0 to 100"):
        match_reference(mix, mix, tone_pct=150.0)
    with pytest.raises(ParameterError, match="max_db"):
        match_reference(mix, mix, max_db=40.0)


def test_max_db_limits_the_curve(mix: Audio) -> None:
    steep = ParametricEQ(bands=[EQBand("high_shelf", 3000.0, 15.0, 0.707)], phase="linear")
    res = match_reference(mix, steep(mix), max_db=6.0)
    assert np.max(np.abs(res.tone_mid_db)) <= 6.0 + 1e-9


# ---------------------------------------------------------------- dynamics


def test_a_denser_reference_asks_for_limiting_and_gets_it(mix: Audio) -> None:
    dense = Limiter(gain_db=18.0, ceiling_dbtp=-1.0)(mix)
    res = match_reference(mix, dense, tone_pct=0.0, width_pct=0.0, loudness_pct=0.0)
    assert res.suggested_dynamics_db > 3.0
    assert res.processor.limiter.gain_db > 0.0
    assert 1.0 < res.dynamics_reached_db <= 6.0 + 0.5
    out = res.apply(mix)
    after = analyse_reference(out)
    assert res.mix.plr_db - after.plr_db == pytest.approx(res.dynamics_reached_db, abs=1.5)
    assert after.integrated_lufs == pytest.approx(res.mix.integrated_lufs, abs=0.5)
    assert "the true-peak limiter (driven" in res.report()
    assert "Tonal balance, mid: left as it is (amount 0 %)" in res.report()
    half = res.with_amounts(dynamics_pct=50.0)
    assert half.dynamics_change_db == pytest.approx(res.dynamics_reached_db / 2.0)


def test_a_more_compressed_mix_is_told_so_not_expanded(mix: Audio) -> None:
    squashed = Audio(Limiter(gain_db=18.0, ceiling_dbtp=-1.0)(mix).samples, SR, "squashed")
    res = match_reference(squashed, mix)
    assert "more_compressed" in res.notes
    assert res.processor.limiter.gain_db == 0.0
    assert res.suggested_dynamics_db < -3.0
    assert "cannot give back peaks" in res.report()


# ---------------------------------------------------------------- the processor


def test_the_match_is_an_ordinary_processor(result, mix: Audio) -> None:
    proc = result.processor
    again = processor_from_dict(proc.to_preset())
    assert isinstance(again, ReferenceMatch)
    np.testing.assert_allclose(again.process(mix.samples, SR), proc.process(mix.samples, SR))
    assert ReferenceMatch.neutral().is_neutral()
    x = mix.samples[:, : SR * 2]
    np.testing.assert_array_equal(ReferenceMatch.neutral().process(x, SR), x)
    np.testing.assert_array_equal(proc.replace(bypass=True).process(x, SR), x)
    y32 = proc.process(x.astype(np.float32), SR)
    assert y32.dtype == np.float32 and np.all(np.isfinite(y32))
    assert proc.replace(tone_pct=25.0).tone_pct == 25.0
    assert "Reference match" in proc.describe() or proc.describe()
    with pytest.raises(AudioDataError, match="mono or stereo"):
        proc.process(np.zeros((6, 100)), SR)


def test_the_match_eq_at_another_rate_follows_the_same_curve(result) -> None:
    freqs, mid, _ = result.processor.tone_curves_db()
    for sr in (44100, 96000):
        taps = curve_fir_taps(freqs, mid, sr)
        h = np.abs(np.fft.rfft(taps, 1 << 18))
        grid = np.arange(h.size) * sr / (1 << 18)
        at = freqs[_in_band(freqs)]
        got = 20 * np.log10(np.interp(at, grid, h))
        np.testing.assert_allclose(got, curve_response_db(freqs, mid, at), atol=0.1)


# ---------------------------------------------------------------- the curve FIR


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-4.0, 4.0), min_size=31, max_size=31))
def test_the_curve_fir_follows_any_gentle_curve(steps: list[float]) -> None:
    # gentle: within +-6 dB, at most 4 dB from one third-octave band to the next (12 dB
    # per octave; a matched tone curve is smoothed well below that). An 11 dB jump
    # between neighbouring bands near 100 Hz is more than the FIR's length resolves.
    centres = fractional_octave_bands(3, low_hz=20.0, high_hz=20000.0)[0]
    g = np.clip(np.cumsum(steps), -6.0, 6.0)
    taps = curve_fir_taps(centres, g, SR)
    assert len(taps) % 2 == 1
    np.testing.assert_allclose(taps, taps[::-1])  # symmetric: linear phase
    h = np.abs(np.fft.rfft(taps, 1 << 18))
    grid = np.arange(h.size) * SR / (1 << 18)
    at = centres[centres >= 100.0]
    got = 20 * np.log10(np.interp(at, grid, h))
    np.testing.assert_allclose(got, curve_response_db(centres, g, at), atol=0.35)


def test_a_flat_curve_is_one_tap_of_one() -> None:
    taps = curve_fir_taps([100.0, 1000.0], [0.0, 0.0], SR)
    expected = np.zeros_like(taps)
    expected[len(taps) // 2] = 1.0
    np.testing.assert_allclose(taps, expected, atol=1e-12)
    with pytest.raises(ParameterError, match="one gain per frequency"):
        curve_fir_taps([100.0, 200.0], [1.0], SR)
    with pytest.raises(ParameterError, match="ascending"):
        curve_fir_taps([200.0, 100.0], [1.0, 1.0], SR)
