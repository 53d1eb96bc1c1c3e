"""Exercise checks: they measure what the settings do and say how close they are."""

import pytest

from studio.course import Feedback, check_harsh_cut, check_mud_cut, check_voice_leveling
from studio.errors import StudioError
from studio.processors import Chain, Compressor, EQBand, Gain, HighPass, ParametricEQ


@pytest.mark.parametrize(
    ("bands", "verdict"),
    [
        ([], "not_yet"),  # nothing done yet
        ([EQBand("peak", 300.0, -6.0, 0.8)], "done"),
        ([EQBand("peak", 260.0, -5.0, 1.0)], "done"),
        ([EQBand("peak", 520.0, -6.0, 0.8)], "close"),  # most of an octave off
        ([EQBand("peak", 300.0, -1.8, 0.8)], "close"),  # too gentle
        ([EQBand("peak", 300.0, -18.0, 0.8)], "close"),  # too deep
        ([EQBand("peak", 2000.0, -6.0, 1.0)], "not_yet"),  # wrong place
    ],
)
def test_mud_cut_verdicts(bands, verdict):
    assert check_mud_cut(ParametricEQ(bands=bands)).verdict == verdict


def test_mud_cut_reads_a_chain_and_names_a_boost():
    chain = Chain(HighPass(freq_hz=40.0), ParametricEQ(bands=[EQBand("peak", 300.0, -6.0, 0.8)]))
    assert check_mud_cut(chain).passed
    boosted = ParametricEQ(bands=[EQBand("peak", 300, -6, 0.8), EQBand("peak", 5000, 6, 1)])
    feedback = check_mud_cut(boosted)
    assert any("cuts before boosts" in line for line in feedback.lines)
    assert feedback.score < 100.0


def test_voice_leveling_verdicts():
    assert check_voice_leveling(Compressor()).verdict == "not_yet"
    assert check_voice_leveling(Compressor(threshold_db=-30.0, ratio=3.0)).passed
    squashed = check_voice_leveling(Compressor(threshold_db=-45.0, ratio=10.0))
    assert not squashed.passed and any("pumping" in line for line in squashed.lines)
    assert not check_voice_leveling(Gain(gain_db=-6.0)).passed  # level alone is no fix


def test_feedback_reads_as_text_and_html():
    feedback = Feedback(90.0, ("one", "two"))
    assert str(feedback).splitlines() == ["Well done (score 90 %)", "- one", "- two"]
    assert "<li>two</li>" in feedback._repr_html_()


def test_checks_refuse_what_is_not_a_processor():
    with pytest.raises(StudioError, match="eq_panel.processor"):
        check_mud_cut("EQ")


def test_harsh_cut_wants_a_narrow_cut_at_the_peak():
    assert check_harsh_cut(ParametricEQ(bands=[EQBand("peak", 3200.0, -8.0, 3.0)])).passed
    assert not check_harsh_cut(ParametricEQ(bands=[EQBand("peak", 800.0, -8.0, 3.0)])).passed
    assert check_harsh_cut(ParametricEQ()).verdict == "not_yet"
