"""The masking map (studio.analysis.masking_map): every pair, ranked, from one analysis per track.

Synthetic stems with planted collisions (tests/masking_stems.py): the bass covers the
kick's 55 Hz body, the guitar the voice's 2-4 kHz presence; the hats collide with
nothing. Then the demo session, whose planted problems must come out on top.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from masking_stems import SR, stems

import studio
from studio import Audio
from studio.analysis.masking import estimate_masking
from studio.analysis.masking_map import Collision, MaskingMap, collisions, masking_map
from studio.errors import AudioDataError


@pytest.fixture(scope="module")
def five() -> dict[str, Audio]:
    return stems()


@pytest.fixture(scope="module")
def planted(five) -> MaskingMap:
    return masking_map(five)


def test_the_planted_pairs_come_first_in_their_bands(planted):
    first, second = planted.worst(2)
    assert (first.masker, first.maskee) == ("bass", "kick")
    assert first.low_hz < 55.0 < first.high_hz and first.high_hz < 100.0
    assert first.centre_hz == pytest.approx(55.0, rel=0.1)
    assert (second.masker, second.maskee) == ("guitar", "voice")
    assert 1700.0 <= second.low_hz and second.high_hz <= 4500.0
    assert set(planted.pairs[0].tracks) == {"bass", "kick"}
    assert set(planted.pairs[1].tracks) == {"guitar", "voice"}
    # the ranking is by importance throughout
    values = [p.importance for p in planted.pairs]
    assert values == sorted(values, reverse=True)
    every = [c.importance for c in planted.collisions]
    assert every == sorted(every, reverse=True)


def test_a_collision_is_at_most_an_octave_and_knows_who_lives_there(planted):
    c = planted.worst()[0]
    assert np.log2(c.high_hz / c.low_hz) <= 1.01
    assert c.range_low_hz <= c.low_hz and c.high_hz <= c.range_high_hz
    # the kick is nearly all 55 Hz body; the bass spreads over four harmonics
    assert c.maskee_share > 0.8 and c.masker_share < 0.4
    assert c.importance == pytest.approx(
        c.energy_share * c.share_of_time * (c.mean_margin_db + c.threshold_db)
    )
    assert c.times_s[0][0] == pytest.approx(0.25, abs=0.1)
    assert c.times_s[-1][1] > 5.0


def test_tracks_that_do_not_collide_are_at_the_end_and_empty(planted):
    hats_pairs = [p for p in planted.pairs if "hats" in p.tracks]
    assert len(hats_pairs) == 4
    assert all(p.collisions == () and p.importance == 0.0 for p in hats_pairs)
    assert planted.pairs[-1].worst is None
    assert "do not noticeably mask" in str(planted.pair("hats", "bass"))


def test_each_track_is_analysed_once(five, monkeypatch):
    # the module, not the function of the same name that studio.analysis offers
    masking_map_module = importlib.import_module("studio.analysis.masking_map")
    calls = []
    real = masking_map_module.track_bands

    def counting(audio, *args, **kwargs):
        calls.append(audio.name)
        return real(audio, *args, **kwargs)

    monkeypatch.setattr(masking_map_module, "track_bands", counting)
    result = masking_map(five)
    assert sorted(calls) == sorted(five)  # 5 analyses for 10 pairs both ways round
    assert len(result.pairs) == 10


def test_the_map_agrees_with_the_pair_estimate(five, planted):
    direct = estimate_masking(five["bass"], five["kick"])
    kept = planted.estimate("bass", "kick")
    assert len(direct.ranges) == len(kept.ranges) > 0
    for a, b in zip(direct.ranges, kept.ranges, strict=True):
        assert (a.low_hz, a.high_hz, a.band_labels) == (b.low_hz, b.high_hz, b.band_labels)
        assert a.energy_share == pytest.approx(b.energy_share, rel=1e-9)
        assert a.mean_margin_db == pytest.approx(b.mean_margin_db, abs=1e-9)
    np.testing.assert_array_equal(direct.masked, kept.masked)
    # and the collisions of a single estimate are the map's for that direction
    own = collisions(direct)
    assert own[0].band_labels == planted.worst()[0].band_labels
    assert own[0].importance == pytest.approx(planted.worst()[0].importance, rel=1e-9)


def test_fader_gains_shift_the_comparison_without_a_new_analysis(five):
    lowered = {**five, "bass": five["bass"].with_samples(five["bass"].samples * 10 ** (-6 / 20))}
    by_gain = masking_map(five, gains_db={"bass": -6.0}).estimate("bass", "kick")
    by_audio = estimate_masking(lowered["bass"], lowered["kick"])
    np.testing.assert_allclose(by_gain.margin_db, by_audio.margin_db, atol=1e-4)  # float32 FFTs
    assert [r.band_labels for r in by_gain.ranges] == [r.band_labels for r in by_audio.ranges]
    # 6 dB less bass: the kick is covered less
    before = masking_map(five).pair("bass", "kick").worst
    after = masking_map(five, gains_db={"bass": -6.0}).pair("bass", "kick").worst
    assert before is not None and after is not None
    assert after.importance < 0.5 * before.importance


def test_the_matrix_for_a_heat_map(planted):
    m = planted.matrix
    n = len(planted.tracks)
    assert m.tracks == planted.tracks and m.importance.shape == m.centre_hz.shape == (n, n)
    assert np.all(np.isnan(np.diag(m.importance)))
    assert not m.importance.flags.writeable
    bass, kick = planted.tracks.index("bass"), planted.tracks.index("kick")
    hats = planted.tracks.index("hats")
    assert m.importance[bass, kick] == pytest.approx(planted.worst()[0].importance)
    assert m.bands[bass][kick] == planted.worst()[0].band_text and "63" in m.bands[bass][kick]
    assert m.importance[bass, kick] > m.importance[kick, bass] > 0.0  # not symmetric
    assert np.all(m.importance[hats][np.arange(n) != hats] == 0.0)
    assert m.bands[hats] == ("",) * n


def test_words_and_html(planted):
    text = str(planted)
    lines = text.splitlines()
    assert lines[0].startswith("Masking map of 5 tracks: 6 of 10 pairs collide")
    assert lines[1].startswith("1. bass masks kick around 55 Hz (")
    assert "% of the kick's energy" in lines[1]
    assert lines[2].startswith("2. guitar masks voice around 2.")
    page = planted._repr_html_()
    assert page.count("<tr>") == 1 + len(planted.tracks)
    assert "bass masks kick" in page and "40-63" in page
    assert repr(planted) == (
        "MaskingMap(tracks=('kick', 'bass', 'voice', 'guitar', 'hats'), worst='bass'>'kick')"
    )


def test_a_map_with_no_collision_says_so():
    quiet = masking_map(stems("kick", "hats"))
    assert quiet.worst() == () and quiet.collisions == ()
    assert "no pair collides noticeably" in str(quiet)
    assert "no pair collides" in quiet._repr_html_()


def test_bad_input_is_refused_in_plain_words(five):
    with pytest.raises(AudioDataError, match="at least two tracks"):
        masking_map({"kick": five["kick"]})
    with pytest.raises(AudioDataError, match="mapping of track names"):
        masking_map([five["kick"], five["bass"]])
    with pytest.raises(AudioDataError, match="track 'bass' must be a studio.Audio"):
        masking_map({"kick": five["kick"], "bass": np.zeros(100)})
    with pytest.raises(AudioDataError, match="different sample rates"):
        masking_map({"kick": five["kick"], "bass": Audio(np.zeros(44100), 44100)})
    with pytest.raises(AudioDataError, match="'snare', which is not a track"):
        masking_map(five, gains_db={"snare": -3.0})
    with pytest.raises(AudioDataError, match="gain of 'bass' must be a finite number"):
        masking_map(five, gains_db={"bass": float("nan")})
    with pytest.raises(AudioDataError, match="window_octaves"):
        masking_map(five, window_octaves=0.0)
    with pytest.raises(AudioDataError, match="threshold_db"):
        masking_map(five, threshold_db=100.0)
    planted = masking_map(stems("kick", "bass"))
    with pytest.raises(AudioDataError, match="no track 'snare'"):
        planted.estimate("snare", "kick")
    with pytest.raises(AudioDataError, match="no pair"):
        planted.pair("kick", "kick")
    with pytest.raises(AudioDataError, match="whole number"):
        planted.worst(-1)
    with pytest.raises(AudioDataError, match="expected a MaskingEstimate"):
        collisions("bass")


@settings(max_examples=20)  # each example analyses two short stems
@given(
    kick_db=st.floats(-12.0, 12.0),
    bass_db=st.floats(-12.0, 12.0),
    octaves=st.sampled_from([1 / 3, 2 / 3, 1.0, 2.0]),
)
def test_invariants_over_balances_and_widths(kick_db, bass_db, octaves):
    small = _small_stems()
    result = masking_map(small, gains_db={"kick": kick_db, "bass": bass_db}, window_octaves=octaves)
    for c in result.collisions:
        assert isinstance(c, Collision)
        assert c.importance >= 0.0
        assert 0.0 <= c.energy_share <= 1.0 and 0.0 < c.share_of_time <= 1.0
        assert 0.0 <= c.masker_share <= 1.0 and 0.0 <= c.maskee_share <= 1.0
        assert c.low_hz < c.centre_hz < c.high_hz
        assert np.log2(c.high_hz / c.low_hz) <= octaves + 0.01
        assert c.mean_margin_db >= -c.threshold_db - 1e-9
    values = [c.importance for c in result.collisions]
    assert values == sorted(values, reverse=True)


_SMALL: dict[str, Audio] = {}


def _small_stems() -> dict[str, Audio]:
    """Two seconds of kick and bass at 16 kHz: cheap enough for many examples."""
    if not _SMALL:
        from scipy.signal import resample_poly

        for name, audio in stems("kick", "bass").items():
            short = resample_poly(audio.samples[:, : 2 * SR], 1, 3, axis=-1)
            _SMALL[name] = Audio(short, SR // 3, name)
    return _SMALL


# --- The demo session's planted problems ---------------------------------------------


@pytest.fixture(scope="module")
def demo():
    return studio.demo.session()


@pytest.fixture(scope="module")
def demo_map(demo):
    return masking_map(demo.tracks)


def test_the_demo_s_planted_problems_are_the_two_worst_pairs(demo, demo_map):
    """Both planted low-end problems top the map of the raw stems.

    The planted masking (bass over the kick's body, 50-100 Hz) and the planted mud (the
    pad's 9 dB bump around 300 Hz, which the mud finding says clouds the keys) are the
    two worst pairs; which of the two comes first is a close call of the stems.
    """
    (masking,) = demo.findings.of_kind("masking")
    (mud,) = demo.findings.of_kind("mud")
    top = {frozenset(p.tracks): p.worst for p in demo_map.pairs[:2]}
    assert set(top) == {frozenset(masking.tracks), frozenset(("pad", "keys"))}
    low = top[frozenset(masking.tracks)]
    assert low is not None and (low.masker, low.maskee) == masking.tracks
    assert masking.low_hz <= low.centre_hz <= masking.high_hz
    assert low.low_hz >= 40.0 and low.high_hz <= 125.0
    assert low.times_s[0][0] == pytest.approx(masking.start_s, abs=0.5)
    muddy = top[frozenset(("pad", "keys"))]
    assert muddy is not None and muddy.masker == "pad"
    assert mud.low_hz <= muddy.centre_hz <= mud.high_hz
    # the worst collision of the kick, and of the whole low end, is the planted one
    kick_pairs = [p for p in demo_map.pairs if "kick" in p.tracks and p.collisions]
    assert kick_pairs[0].tracks in (("kick", "bass"), ("bass", "kick"))
    lows = [c for c in demo_map.collisions if c.centre_hz < 150.0]
    assert (lows[0].masker, lows[0].maskee) == ("bass", "kick")


def test_the_demo_s_hats_and_bass_do_not_collide(demo_map):
    assert demo_map.pair("hats", "bass").collisions == ()
