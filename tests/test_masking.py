"""Frequency masking estimate (studio.analysis.masking).

Synthetic cases with known answers (tones of chosen frequencies and levels: the band,
the margin in dB and the moments are known by construction), then the demo session's
planted problem: the kick and the bass share 40-120 Hz and hit together, while the
hi-hats and the bass have nothing in common.
"""

from __future__ import annotations

import numpy as np
import pytest

import studio
from studio import Audio
from studio.analysis.masking import estimate_masking
from studio.errors import AudioDataError

SR = 48000


def tone(freq_hz, level_dbfs, seconds=4.0):
    t = np.arange(int(seconds * SR)) / SR
    return 10 ** (level_dbfs / 20) * np.sin(2 * np.pi * freq_hz * t)


def bursts(freq_hz, level_dbfs, seconds=4.0, period_s=0.5, length_s=0.15):
    """Tone bursts every ``period_s`` (raised-cosine edges), starting at 0.25 s."""
    x = tone(freq_hz, level_dbfs, seconds)
    t = np.arange(x.size) / SR
    phase = (t - 0.25) % period_s
    gate = (t >= 0.25) & (phase < length_s)
    edge = np.clip(np.minimum(phase, length_s - phase) / 0.01, 0, 1)
    return x * gate * np.sin(np.pi / 2 * edge) ** 2


def test_a_louder_tone_in_the_same_band_masks_there_and_only_there():
    """Bass line at 80 Hz, -10 dBFS; 'kick' bursts at 80 Hz (-16 dBFS) with a 5 kHz click.

    The bursts are 0.4 s long, so most 100 ms frames lie inside them: the margin there
    is the 6 dB level difference (the energy weighting keeps the fades from adding much).
    """
    masker = Audio(tone(80.0, -10.0), SR, "bass")
    kick = bursts(80.0, -16.0, period_s=0.8, length_s=0.4)
    click = bursts(5000.0, -20.0, period_s=0.8, length_s=0.4)
    result = estimate_masking(masker, Audio(kick + click, SR, "kick"))
    assert len(result.ranges) == 1
    top = result.ranges[0]
    assert top.low_hz <= 80.0 <= top.high_hz and top.high_hz < 200.0
    assert top.mean_margin_db == pytest.approx(6.0, abs=0.5)
    assert top.events_total == 5 and top.events_masked == 5
    assert top.share_of_time > 0.9
    assert 0.3 < top.energy_share < 0.8  # the 5 kHz click is not masked
    assert result.band_share_of_time[result.labels.index("5k")] == 0.0
    assert top.times_s[0][0] == pytest.approx(0.25, abs=0.1)
    text = result.summary()
    assert text.startswith("bass masks kick in") and "Hz" in text and "of the kick's hits" in text


def test_a_much_quieter_masker_does_not_mask_unless_the_threshold_allows():
    masker = Audio(tone(1000.0, -30.0), SR, "pad")
    maskee = Audio(tone(1000.0, -20.0), SR, "voice")
    assert estimate_masking(masker, maskee).ranges == ()
    loose = estimate_masking(masker, maskee, threshold_db=12.0)
    assert loose.ranges and loose.ranges[0].mean_margin_db == pytest.approx(-10.0, abs=0.3)


def test_separate_bands_do_not_mask():
    result = estimate_masking(Audio(tone(100.0, -6.0), SR, "bass"), Audio(tone(6000.0, -30.0), SR))
    assert result.ranges == ()
    assert "does not noticeably mask" in result.summary()
    assert np.all(np.isnan(result.margin_db[result.labels.index("100")]))


def test_masking_is_not_symmetric():
    loud, quiet = Audio(tone(200.0, -6.0), SR, "loud"), Audio(tone(200.0, -20.0), SR, "quiet")
    assert estimate_masking(loud, quiet).ranges
    assert not estimate_masking(quiet, loud).ranges


def test_result_arrays_line_up_for_plotting():
    result = estimate_masking(Audio(tone(80.0, -10.0), SR), Audio(bursts(80.0, -16.0), SR))
    shape = (result.centres_hz.size, result.times_s.size)
    for array in (result.masker_dbfs, result.maskee_dbfs, result.margin_db, result.masked):
        assert array.shape == shape and not array.flags.writeable
    assert result.masked.dtype == bool
    np.testing.assert_allclose(np.diff(result.times_s), 0.025)
    assert len(result.event_times_s) == 8


def test_a_silent_maskee_and_different_lengths():
    result = estimate_masking(Audio(tone(80.0, -10.0), SR), Audio(np.zeros(SR), SR, "gtr"))
    assert result.ranges == () and "silent" in result.summary()
    short = estimate_masking(Audio(tone(80.0, -10.0, 1.0), SR), Audio(bursts(80.0, -16.0), SR))
    assert short.times_s[-1] > 3.5  # the shorter track is silent after its end
    assert short.ranges[0].times_s[-1][1] < 1.5


def test_bad_input_is_refused_in_plain_words():
    a = Audio(tone(80.0, -10.0), SR)
    with pytest.raises(AudioDataError, match="different sample rates"):
        estimate_masking(a, Audio(tone(80.0, -10.0), 44100))
    with pytest.raises(AudioDataError, match="maskee must be a studio.Audio"):
        estimate_masking(a, np.zeros(100))
    with pytest.raises(AudioDataError, match="min_fraction"):
        estimate_masking(a, a, min_fraction=2.0)


# --- The demo session's planted problem ----------------------------------------------


@pytest.fixture(scope="module")
def demo():
    return studio.demo.session()


def test_finds_the_planted_kick_and_bass_masking(demo):
    (problem,) = demo.findings.of_kind("masking")
    masker, maskee = problem.tracks
    result = estimate_masking(demo.tracks[masker], demo.tracks[maskee])
    assert result.ranges, result.summary()
    top = result.ranges[0]
    assert 40.0 <= top.low_hz and top.high_hz <= 125.0  # within 40-120 Hz (band edges)
    assert top.events_masked / top.events_total > 0.6
    first, last = top.times_s[0][0], top.times_s[-1][1]
    assert first == pytest.approx(problem.start_s, abs=0.5)
    assert last == pytest.approx(problem.end_s, abs=1.0)
    assert result.summary().startswith("bass masks kick in ")


@pytest.mark.parametrize(("masker", "maskee"), [("bass", "hats"), ("hats", "bass")])
def test_no_masking_between_hats_and_bass(demo, masker, maskee):
    result = estimate_masking(demo.tracks[masker], demo.tracks[maskee])
    assert result.ranges == ()
