"""The suggested carve (studio.mixing.carve): who gives way, where, how much, and its effect.

The effect is measured, not assumed: the carve is put into the suggested track's EQ,
that track is filtered, and the masking is estimated again. In the carved band the
masker's lead over the maskee must fall by most of the cut; in the pair's other band it
must not move.
"""

from __future__ import annotations

import numpy as np
import pytest
from masking_stems import stems

import studio
from studio import Audio
from studio.analysis.findings import Finding
from studio.analysis.masking import MaskingEstimate, estimate_masking
from studio.analysis.masking_map import masking_map
from studio.errors import ParameterError
from studio.mixing.carve import MAX_CUT_DB, MIN_CUT_DB, Carve, suggest_carve
from studio.processors.eq import EQBand, ParametricEQ


@pytest.fixture(scope="module")
def five() -> dict[str, Audio]:
    return stems()


@pytest.fixture(scope="module")
def planted(five):
    return masking_map(five)


def _lead_db(estimate: MaskingEstimate, cells: np.ndarray) -> float:
    """Masker minus maskee level over ``cells``, weighted by the maskee's energy (dB).

    Taken from the two levels, not from ``margin_db``, which is blank where a cut has
    taken the masker out of its own range (it no longer counts there at all).
    """
    lead = estimate.masker_dbfs[cells] - estimate.maskee_dbfs[cells]
    weights = 10.0 ** (estimate.maskee_dbfs[cells] / 10.0)
    return float(np.average(lead, weights=weights))


def _cells(estimate: MaskingEstimate, low_hz: float, high_hz: float) -> np.ndarray:
    """The masked cells of ``estimate`` in bands within ``low_hz .. high_hz``."""
    inside = (estimate.centres_hz > low_hz) & (estimate.centres_hz < high_hz)
    return estimate.masked & inside[:, np.newaxis]


def _carved(carve: Carve, tracks: dict[str, Audio]) -> Audio:
    return carve.apply_to_eq()(tracks[carve.track])


# --- kick and bass --------------------------------------------------------------------


def test_the_bass_gives_way_to_the_kick_in_the_kick_s_band(planted):
    carve = suggest_carve(planted)
    assert (carve.track, carve.other, carve.reason) == ("bass", "kick", "owned")
    band = carve.band
    assert band.kind == "peak"
    assert band.freq_hz == pytest.approx(55.0, rel=0.1)
    assert -MAX_CUT_DB <= band.gain_db <= -MIN_CUT_DB
    # the masker is about as loud as the kick there (+0.2 dB): 3 dB of threshold + that
    assert carve.cut_db == 3.5
    assert 1.0 <= band.q <= 2.5 and band.q == pytest.approx(1.41, abs=0.02)  # one octave


def test_the_carve_uncovers_the_kick_and_leaves_the_click_band_alone(five, planted):
    carve = suggest_carve(planted)
    before = estimate_masking(five["bass"], five["kick"])
    after = estimate_masking(_carved(carve, five), five["kick"])
    c = carve.collision
    low = _cells(before, c.low_hz, c.high_hz)
    click = _cells(before, 2000.0, 3000.0)
    assert low.any() and click.any()
    # in the carved band the bass's lead over the kick falls by most of the 3.5 dB cut...
    drop = _lead_db(before, low) - _lead_db(after, low)
    assert 2.5 <= drop <= carve.cut_db + 0.1
    # ... so less of the kick is covered there: from 48 % of its energy to under a half of that
    (low_before,) = [r for r in before.ranges if r.low_hz < 100.0]
    (low_after,) = [r for r in after.ranges if r.low_hz < 100.0]
    assert low_after.energy_share < 0.5 * low_before.energy_share
    assert low_after.share_of_time < low_before.share_of_time - 0.1
    # 5 octaves up, where the bass's string noise covers the kick's click: no change
    assert abs(_lead_db(before, click) - _lead_db(after, click)) < 0.05
    (hi_before,) = [r for r in before.ranges if r.low_hz > 1000.0]
    (hi_after,) = [r for r in after.ranges if r.low_hz > 1000.0]
    assert hi_after.energy_share == pytest.approx(hi_before.energy_share, abs=0.005)


def test_the_map_ranks_the_pair_lower_once_carved(five, planted):
    carve = suggest_carve(planted)
    again = masking_map({**five, "bass": _carved(carve, five)})
    before = planted.pair("bass", "kick").worst
    after = again.pair("bass", "kick").worst
    assert before is not None and after is not None
    assert after.importance < 0.5 * before.importance
    assert again.worst()[0].tracks == ("guitar", "voice")  # the next problem is now first


# --- voice and guitar -----------------------------------------------------------------


def test_the_voice_owns_its_presence_range(planted):
    pair = planted.pair("voice", "guitar")
    carve = suggest_carve(pair)
    assert (carve.track, carve.other, carve.reason) == ("guitar", "voice", "voice")
    assert 2000.0 <= carve.band.freq_hz <= 3500.0
    # the guitar is 7 dB above the voice there: the cut stops at the modest 6 dB
    assert carve.cut_db == MAX_CUT_DB
    # by shares alone the guitar would keep the band (70 % of it is there, 9 % of the voice)
    c = carve.collision
    assert c.masker_share > 5 * c.maskee_share
    # the same stems, the voice named "synth": the guitar keeps the band, the synth gives way
    two = stems("voice", "guitar")
    renamed = suggest_carve(masking_map({"synth": two["voice"], "guitar": two["guitar"]}))
    assert (renamed.track, renamed.other, renamed.reason) == ("synth", "guitar", "owned")


def test_the_carve_brings_the_voice_forward_and_leaves_its_body_alone(five, planted):
    carve = suggest_carve(planted.pair("voice", "guitar"))
    guitar = _carved(carve, five)
    before = estimate_masking(five["guitar"], five["voice"])
    after = estimate_masking(guitar, five["voice"])
    c = carve.collision
    cells = _cells(before, c.low_hz, c.high_hz)
    drop = _lead_db(before, cells) - _lead_db(after, cells)
    assert 4.0 <= drop <= carve.cut_db + 0.1
    # the other band of the pair: the voice covering the guitar's 196 Hz body, untouched
    body_before = estimate_masking(five["voice"], five["guitar"])
    body_after = estimate_masking(five["voice"], guitar)
    body = _cells(body_before, 150.0, 250.0)
    assert body.any()
    assert abs(_lead_db(body_before, body) - _lead_db(body_after, body)) < 0.05


# --- choosing, and the words ----------------------------------------------------------


def test_keep_decides_the_other_way(planted):
    carve = suggest_carve(planted, keep="bass")
    assert (carve.track, carve.other, carve.reason) == ("kick", "bass", "kept")
    assert carve.cut_db == 3.0  # the maskee gives up the band: a clearing cut, not more
    with pytest.raises(ParameterError, match="keep='snare' is not one of the two tracks"):
        suggest_carve(planted, keep="snare")


def test_both_needing_the_band_the_one_in_the_way_gives_way(five):
    near = {"kick": five["kick"], "sub": five["kick"].with_samples(five["kick"].samples * 1.3)}
    carve = suggest_carve(masking_map(near))
    c = carve.collision
    assert carve.reason == "shared" and carve.track == c.masker == "sub"


def test_the_carve_is_a_finding_tied_to_the_eq_lesson(planted):
    carve = suggest_carve(planted)
    f = carve.finding
    assert isinstance(f, Finding)
    assert f.kind == "masking" and f.lesson == "mixing.eq" and f.severity == "warning"
    assert f.tracks == ("bass", "kick")
    assert f.low_hz is not None and f.low_hz < 55.0 < f.high_hz
    assert f.what.startswith("bass masks kick around 55 Hz (")
    assert "it matters more to kick, so bass gives way" in f.why
    assert f.try_.startswith("Cut bass by 3.5 dB at 55 Hz with Q 1.42")
    text = str(carve)
    assert "Filtering and EQ" in text and "Why it matters" in text
    assert "masking: carve room" in carve._repr_html_()
    voice = suggest_carve(planted.pair("voice", "guitar")).finding
    assert "presence range (1000-5000 Hz)" in voice.why
    assert voice.title == "masking: make room for the voice"


def test_a_single_pair_estimate_can_be_carved_too(five, planted):
    from_estimate = suggest_carve(estimate_masking(five["bass"], five["kick"]))
    assert from_estimate.band == suggest_carve(planted).band


def test_nothing_to_carve_and_bad_sources_are_refused(five):
    with pytest.raises(ParameterError, match="nothing to carve"):
        suggest_carve(masking_map({"kick": five["kick"], "hats": five["hats"]}))
    with pytest.raises(ParameterError, match="nothing to carve"):
        suggest_carve(estimate_masking(five["hats"], five["bass"]))
    with pytest.raises(ParameterError, match="give a masking map"):
        suggest_carve("bass")


# --- into a track's EQ ----------------------------------------------------------------


def test_changes_reuse_the_nearest_free_bell_of_the_strip_eq(planted):
    carve = suggest_carve(planted)
    changes = carve.changes()
    # the default EQ: low shelf 100 Hz, bells at 400 Hz and 2.5 kHz, high shelf; all flat
    base = ("tracks", "bass", "strip", "eq", "bands", 1)
    assert changes == (
        ((*base, "freq_hz"), carve.band.freq_hz),
        ((*base, "q"), carve.band.q),
        ((*base, "gain_db"), carve.band.gain_db),
    )
    eq = carve.apply_to_eq(ParametricEQ())
    assert eq.bands[1] == carve.band
    assert eq.bands[0] == ParametricEQ().bands[0] and len(eq.bands) == 4
    assert carve.changes(eq=eq) == ()  # already there: nothing left to do
    assert carve.apply_to_eq(eq) == eq


def test_changes_add_a_band_when_none_is_free(planted):
    carve = suggest_carve(planted)
    busy = ParametricEQ(bands=[EQBand("peak", 300.0, -2.0, 1.0), EQBand("low_shelf", 80.0, 0.0)])
    ((path, value),) = carve.changes(("tracks", "bass", "strip", "eq"), busy)
    assert path == ("tracks", "bass", "strip", "eq", "bands")
    assert value == (*busy.bands, carve.band)
    eq = carve.apply_to_eq(busy)
    assert eq.bands == value
    assert busy.bands[0].gain_db == -2.0  # the original is untouched
    # the response shows the cut at its centre
    sr = 48000
    assert eq.response_db([carve.band.freq_hz], sr)[0] == pytest.approx(
        carve.band.gain_db + busy.response_db([carve.band.freq_hz], sr)[0], abs=0.05
    )


def test_changes_follow_any_path_and_refuse_what_is_not_an_eq(planted):
    carve = suggest_carve(planted)
    (first, *_) = carve.changes(("buses", "drums", "strip", "eq"))
    assert first[0][:4] == ("buses", "drums", "strip", "eq")
    inside = carve.changes(())
    assert inside[0][0] == ("bands", 1, "freq_hz")
    with pytest.raises(ParameterError, match="must be the track's ParametricEQ"):
        carve.changes(eq=studio.Compressor())


def test_the_demo_s_kick_and_bass_carve():
    demo = studio.demo.session()
    pair = masking_map(demo.tracks).pair("kick", "bass")
    carve = suggest_carve(pair)
    (masking,) = demo.findings.of_kind("masking")
    assert carve.track == "bass" and carve.other == "kick"
    assert masking.low_hz <= carve.band.freq_hz <= masking.high_hz
    assert MIN_CUT_DB <= carve.cut_db <= MAX_CUT_DB
    before = estimate_masking(demo.tracks["bass"], demo.tracks["kick"])
    after = estimate_masking(carve.apply_to_eq()(demo.tracks["bass"]), demo.tracks["kick"])
    cells = _cells(before, carve.collision.low_hz, carve.collision.high_hz)
    assert _lead_db(before, cells) - _lead_db(after, cells) > 0.6 * carve.cut_db


def test_changes_apply_to_the_demo_s_session():
    """The changes are ordinary session edits: replace() takes them as they are."""
    demo = studio.demo.session()
    session = getattr(demo, "session", None)
    if session is None:  # the demo before it became a mixing session
        pytest.skip("the demo has no mixing session here")
    carve = suggest_carve(masking_map(demo.tracks, gains_db=demo.gains_db).pair("kick", "bass"))
    eq = session.get(carve.eq_path)
    edited = session
    for path, value in carve.changes(eq=eq):
        edited = edited.replace(path, value)
    assert edited.get(carve.eq_path) == carve.apply_to_eq(eq)
    assert carve.band in edited.get(carve.eq_path).bands
    assert carve.changes(eq=edited.get(carve.eq_path)) == ()
    assert session.get(carve.eq_path) == eq  # the session it came from is untouched
