"""Findings: a frozen value in the catalogue's words, as text and as HTML."""

from __future__ import annotations

import dataclasses
import json
import pickle
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import studio
from studio.analysis import Finding, Findings
from studio.errors import ParameterError, TextError
from studio.text import t, use_language


def mud(**changes) -> Finding:
    args = {
        "kind": "mud",
        "key": "demo.findings.mud",
        "fields": {"gain_db": 9.0, "freq_hz": 300.0},
        "tracks": ("pad",),
        "low_hz": 200.0,
        "high_hz": 500.0,
        "start_s": 2.0,
        "end_s": 38.5,
        "lesson": "mixing.eq",
    }
    args.update(changes)
    return Finding(**args)


def test_words_come_from_the_catalogue():
    f = mud()
    assert f.title == t("demo.findings.mud.title") == "mud"
    assert f.what == t("demo.findings.mud.what", gain_db=9.0, freq_hz=300.0)
    assert "9 dB around 300 Hz" in f.what
    assert f.why == t("demo.findings.mud.why")
    assert f.try_ == t("demo.findings.mud.try", freq_hz=300.0)
    assert f.lesson_title == "Filtering and EQ"
    assert f.severity == "problem" and f.severity_text == "problem"
    assert f.where == "pad · 200-500 Hz · 2.0-38.5 s"
    assert f.heading == "problem: mud · pad · 200-500 Hz · 2.0-38.5 s"


def test_reachable_from_the_top():
    assert studio.Finding is Finding
    assert studio.analysis.Findings is Findings


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"low_hz": 2500.0, "high_hz": 4000.0}, "pad · 2.5-4 kHz · 2.0-38.5 s"),
        ({"low_hz": 500.0, "high_hz": 2000.0}, "pad · 500 Hz-2 kHz · 2.0-38.5 s"),
        ({"tracks": ("bass", "kick")}, "bass, kick · 200-500 Hz · 2.0-38.5 s"),
        ({"tracks": "voice"}, "voice · 200-500 Hz · 2.0-38.5 s"),
        ({"tracks": (), "start_s": None, "end_s": None}, "200-500 Hz"),
        ({"tracks": (), "low_hz": None, "high_hz": None}, "2.0-38.5 s"),
        ({"tracks": (), "low_hz": None, "high_hz": None, "start_s": None, "end_s": None}, ""),
    ],
)
def test_where_says_only_what_is_known(changes, where):
    f = mud(**changes)
    assert f.where == where
    assert f.heading == "problem: mud" + (f" · {where}" if where else "")


def test_numbers_are_stored_as_floats_and_tracks_as_a_tuple():
    f = mud(tracks=["pad"], low_hz=np.float32(200), high_hz=np.int64(500), start_s=0)
    assert f.tracks == ("pad",)
    assert (type(f.low_hz), type(f.high_hz), type(f.start_s)) == (float, float, float)


def test_frozen_equal_and_hashable():
    a, b = mud(), mud()
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != mud(low_hz=100.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.kind = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        a.fields["gain_db"] = 0.0  # type: ignore[index]


def test_findings_pickle():
    both = Findings([mud(), mud(severity="info", tracks=())])
    again = pickle.loads(pickle.dumps(both))
    assert type(again) is Findings and again == both and str(again) == str(both)


def test_fields_are_copied_not_shared():
    fields = {"gain_db": 9.0, "freq_hz": 300.0}
    f = mud(fields=fields)
    fields["gain_db"] = -99.0
    assert "9 dB" in f.what


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "not an id"}, "kind must be a short name"),
        ({"key": "demo.findings.nothing"}, r"no title, what, why, try under 'demo\.findings"),
        ({"key": "", "kind": "mud"}, r"under 'findings\.mud'"),
        ({"fields": {"gain_db": 9.0}}, "needs the field 'freq_hz'"),
        ({"fields": [1, 2]}, "fields must be a mapping"),
        ({"tracks": ("pad", 3)}, "tracks must be names"),
        ({"start_s": None}, "give both start_s and end_s"),
        ({"low_hz": 600.0}, r"range from low to high.*600\.\.500 Hz"),
        ({"low_hz": 0.0}, "frequencies above 0 Hz"),
        ({"start_s": -1.0}, "times from 0 s"),
        ({"end_s": float("nan")}, "end_s must be finite"),
        ({"end_s": "soon"}, "end_s must be a number"),
        ({"lesson": "mixing.nothing"}, "unknown lesson 'mixing.nothing'"),
        ({"severity": "fatal"}, "severity must be one of info, warning, problem"),
    ],
)
def test_bad_findings_are_refused_plainly(changes, message):
    with pytest.raises((ParameterError, TextError), match=message):
        mud(**changes)


# ---------------------------------------------------------------------------- text


@given(
    gain_db=st.floats(-30, 30, allow_nan=False),
    freq_hz=st.floats(20, 20000, allow_nan=False),
    tracks=st.lists(st.sampled_from(["pad", "lead", "a_very_long_track_name"]), max_size=3),
)
def test_text_wraps_at_words_within_88_columns(gain_db, freq_hz, tracks):
    f = mud(fields={"gain_db": gain_db, "freq_hz": freq_hz}, tracks=tuple(tracks))
    text = str(f)
    lines = text.splitlines()
    assert all(len(line) <= 88 for line in lines)
    assert lines[0].startswith("problem: mud")
    assert all(line.startswith("  ") for line in lines[1:])
    # nothing lost and no word cut: joining the lines gives back the words
    words = " ".join(line.strip() for line in lines).split()
    for paragraph in (f.what, f.why, f.try_):
        assert " ".join(paragraph.split()) in " ".join(words)


def test_findings_text_is_blocks_apart_and_says_when_empty():
    both = Findings([mud(), mud(tracks=("lead",))])
    assert str(both) == f"{both[0]}\n\n{both[1]}"
    assert str(Findings()) == "Nothing to report."
    assert repr(both).startswith("Findings([Finding('mud', pad ·")


# ---------------------------------------------------------------------------- HTML


def test_html_is_one_readable_block():
    f = mud()
    html = Findings([f, mud(severity="info")])._repr_html_()
    assert html.count('class="studio-findings"') == 1
    assert html.count("border-left") == 2
    assert "monospace" not in html and "<pre" not in html
    assert "white-space:normal" in html and "word-break:normal" in html
    for text in (f.title, f.where, "Why it matters:", "Learn more:", "Filtering and EQ"):
        assert text in re.sub(r"<[^>]+>", "", html)
    assert f._repr_html_().count("border-left") == 1
    assert "Nothing to report." in Findings()._repr_html_()


def test_html_escapes_what_it_shows():
    f = mud(tracks=("<b>pad</b>",))
    html = f._repr_html_()
    assert "<b>pad</b>" not in html and "&lt;b&gt;pad&lt;/b&gt;" in html
    assert "pad&#x27;s lowest note" in html  # the apostrophe in the catalogue text


def test_severity_shows_in_colour_and_words():
    colours = {s: mud(severity=s)._repr_html_() for s in ("info", "warning", "problem")}
    assert len({re.search(r"border-left:3px solid (#\w+)", h)[1] for h in colours.values()}) == 3
    assert str(mud(severity="warning")).startswith("worth a look: mud")


# ------------------------------------------------------------------------ language


def test_the_same_finding_reads_in_spanish():
    f = mud()
    english = str(f)
    with use_language("es"):
        spanish = str(f)
        html = f._repr_html_()
    assert spanish.startswith("problema: barro · pad")
    assert "Por qué importa:" in spanish and "Filtros y ecualización" in spanish
    assert "Por qué importa:" in html
    assert str(f) == english


def test_to_dict_is_json_ready():
    data = mud().to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["kind"] == "mud" and data["tracks"] == ["pad"] and data["low_hz"] == 200.0
    assert data["lesson"] == "mixing.eq" and data["try"].startswith("A wide cut")


def test_of_kind_and_only_findings():
    both = Findings([mud(), mud(kind="harshness", key="demo.findings.harshness")])
    assert [f.kind for f in both.of_kind("harshness")] == ["harshness"]
    assert isinstance(both.of_kind("mud"), Findings) and both.of_kind("nothing") == ()
    with pytest.raises(ParameterError, match="Finding values only"):
        Findings(["mud"])
