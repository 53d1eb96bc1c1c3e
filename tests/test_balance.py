"""The starting-balance assistant: roles, loudness-based levels, pans, headroom, amounts."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.analysis import measure
from studio.audio import Audio
from studio.errors import AudioDataError, ParameterError, StudioWarning
from studio.mixing import (
    ROLES,
    BalanceSuggestion,
    TrackSuggestion,
    mixdown,
    role_from_name,
    suggest_balance,
)
from studio.mixing.roles import name_side, role_from_sound, sound_of

SR = 48000


# ----------------------------------------------------------------------------- signals


def _pink(seconds: float, seed: int, channels: int = 1) -> np.ndarray:
    """Pink noise (power falling 3 dB per octave), shaped in the spectrum."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * SR))
    spectrum = np.fft.rfft(rng.standard_normal((channels, n)), axis=-1)
    freqs = np.fft.rfftfreq(n, 1.0 / SR)
    spectrum[:, 1:] /= np.sqrt(freqs[1:])
    spectrum[:, 0] = 0.0
    x = np.fft.irfft(spectrum, n, axis=-1)
    return x / np.max(np.abs(x))


def _white(seconds: float, seed: int, channels: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((channels, int(round(seconds * SR)))) * 0.1


def _at_lufs(x: np.ndarray, lufs: float, name: str | None = None) -> Audio:
    """``x`` scaled so it measures ``lufs`` (integrated)."""
    measured = measure(Audio(x, SR)).integrated_lufs
    return Audio(x * 10.0 ** ((lufs - measured) / 20.0), SR, name)


def _hit(seconds: float = 0.35) -> np.ndarray:
    """A kick-like hit: a falling low sine with a fast decay."""
    t = np.arange(int(seconds * SR)) / SR
    phase = 2 * np.pi * (50.0 * t + 100.0 * 0.02 * (1.0 - np.exp(-t / 0.02)))
    return np.sin(phase) * np.exp(-t / 0.1)


def _hits(every_s: float, seconds: float = 16.0, level: float = 0.5) -> Audio:
    x = np.zeros(int(seconds * SR))
    hit = _hit()
    for start in np.arange(0.0, seconds - 0.4, every_s):
        i = int(start * SR)
        x[i : i + hit.size] += hit
    return Audio(level * x[np.newaxis], SR)


def _pad(seconds: float = 8.0, seed: int = 3, channels: int = 1) -> Audio:
    """A pad-like sound: a steady chord with a slow swell, little below 150 Hz."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    tone = sum(
        np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
        for f in (220.0, 277.2, 329.6, 440.0, 554.4)
    )
    swell = 0.8 + 0.2 * np.sin(2 * np.pi * 0.25 * t)
    x = 0.05 * tone * swell
    return Audio(np.tile(x, (channels, 1)), SR)


def _mix_peak_dbfs(stems: dict[str, Audio], s: BalanceSuggestion) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StudioWarning)  # only a clamped fader gets there
        heard = {name: stems[name] for name in s.gains_db}  # below -70 LUFS: left out
        mix = mixdown(heard, gains_db=s.gains_db, pans=s.pans)
    return 20.0 * math.log10(float(np.max(np.abs(mix.samples))))


# ------------------------------------------------------------------ levels, analytic


def test_noise_stems_sit_their_roles_distance_under_the_lead():
    stems = {
        "voice": _at_lufs(_pink(6.0, 1), -20.0),
        "bass": _at_lufs(_pink(6.0, 2), -14.0),
        "pad": _at_lufs(_white(6.0, 3), -30.0),
    }
    s = suggest_balance(stems)
    assert s.lead == "voice" and s.lead_source == "voice"
    assert s.lead_lufs == pytest.approx(-20.0, abs=0.01)
    # bass: 3 LU under a -20 LUFS voice from -14 LUFS -> 9 dB lower than the voice's fader
    assert s["bass"].gain_db - s["voice"].gain_db == pytest.approx(-9.0, abs=0.2)
    # pad: 9 LU under from -30 LUFS -> 1 dB higher than the voice's fader
    assert s["pad"].gain_db - s["voice"].gain_db == pytest.approx(1.0, abs=0.2)
    # cross-check with the meter: each track after its fader, against the voice after its fader
    after = {n: measure(Audio(a.samples * 10 ** (s[n].gain_db / 20), SR)) for n, a in stems.items()}
    voice = after["voice"].integrated_lufs
    assert after["bass"].integrated_lufs - voice == pytest.approx(-3.0, abs=0.2)
    assert after["pad"].integrated_lufs - voice == pytest.approx(-9.0, abs=0.2)
    assert s["bass"].loudness_lufs == pytest.approx(-14.0, abs=0.01)
    assert s["bass"].offset_lu == -3.0 and s["voice"].offset_lu == 0.0


def test_the_reason_names_what_was_measured_and_what_follows():
    stems = {"voice": _at_lufs(_pink(6.0, 1), -20.0), "bajo": _at_lufs(_pink(6.0, 2), -14.0)}
    s = suggest_balance(stems)
    bass = s["bajo"]
    assert (bass.role, bass.role_source) == ("bass", "name")
    assert "'bajo'" in bass.reason and "by its name" in bass.reason
    assert "-14.0 LUFS" in bass.reason  # what was measured
    assert "3 LU under the lead (voice, -20.0 LUFS)" in bass.reason
    assert f"{s.trim_db:+.1f}"[1:] in bass.reason  # the headroom move, by how much
    assert f"{bass.gain_db:+.1f} dB" in bass.reason  # where the fader ends
    assert "Centred" in bass.reason
    assert "it is the lead" in s["voice"].reason


def test_every_fader_moves_together_to_leave_six_db_of_headroom():
    stems = {
        "voice": _at_lufs(_pink(4.0, 1), -16.0),
        "kick": _hits(0.5),
        "gtr 1": _at_lufs(_pink(4.0, 5), -22.0),
        "gtr 2": _at_lufs(_pink(4.0, 6), -25.0),
        "pad": _pad(4.0, channels=2),
    }
    s = suggest_balance(stems)
    assert s.mix_peak_dbfs == pytest.approx(-6.0, abs=1e-6)
    assert _mix_peak_dbfs(stems, s) == pytest.approx(-6.0, abs=0.01)  # within 1 dB: exact
    assert f"{abs(s.trim_db):.1f} dB together" in s["kick"].reason
    quieter = suggest_balance(stems, mix_peak_dbfs=-10.0)
    assert _mix_peak_dbfs(stems, quieter) == pytest.approx(-10.0, abs=0.01)
    # the balance between tracks is the same: only the common move differs
    for name in stems:
        assert quieter[name].gain_db - s[name].gain_db == pytest.approx(-4.0, abs=1e-9)


def test_quiet_stems_are_raised_together_and_it_is_said():
    stems = {"voice": _at_lufs(_pink(3.0, 1), -40.0), "bass": _at_lufs(_pink(3.0, 2), -38.0)}
    s = suggest_balance(stems)
    assert s.trim_db > 0.0
    assert "goes up" in s["bass"].reason and "moved up" in s.summary()
    assert _mix_peak_dbfs(stems, s) == pytest.approx(-6.0, abs=0.01)


def test_a_fader_that_would_pass_its_top_stops_there_and_says_so():
    stems = {"voice": _at_lufs(_pink(3.0, 1), -10.0), "pad": _at_lufs(_pink(3.0, 2), -60.0)}
    s = suggest_balance(stems)
    assert s["pad"].gain_db == 24.0  # the fader's top
    assert "stops at +24.0 dB" in s["pad"].reason
    assert s.mix_peak_dbfs == pytest.approx(_mix_peak_dbfs(stems, s), abs=0.01)


# ------------------------------------------------------------------- sparse drums


def test_hits_read_the_same_however_often_they_come():
    voice = _at_lufs(_pink(16.0, 1), -20.0)
    every = {gap: suggest_balance({"kick": _hits(gap), "voice": voice}) for gap in (0.5, 4.0, 8.0)}
    dense = every[0.5]["kick"]
    for gap in (4.0, 8.0):
        assert every[gap]["kick"].loudness_lufs == pytest.approx(dense.loudness_lufs, abs=0.05)
        assert every[gap]["kick"].gain_db == pytest.approx(dense.gain_db, abs=0.05)
    assert "hits measure" in every[8.0]["kick"].reason
    assert "the median of 2" in every[8.0]["kick"].reason  # hits at 0 s and 8 s
    # the loudest 0.4 s around a hit: the momentary meter's top
    assert dense.loudness_lufs == pytest.approx(measure(_hits(8.0)).max_momentary_lufs, abs=0.05)


def test_ghost_notes_do_not_pull_the_hits_down():
    loud, ghosts = _hits(1.0, 8.0), _hits(1.0, 8.0, level=0.05)
    mixed = Audio(loud.samples + np.roll(ghosts.samples, SR // 2, axis=1), SR)
    voice = _at_lufs(_pink(8.0, 1), -20.0)
    alone = suggest_balance({"snare": loud, "voice": voice})["snare"]
    with_ghosts = suggest_balance({"snare": mixed, "voice": voice})["snare"]
    assert with_ghosts.loudness_lufs == pytest.approx(alone.loudness_lufs, abs=0.1)


def test_a_one_shot_shorter_than_a_loudness_block_is_measured_as_one_block():
    hit = _hit(0.3)[np.newaxis] * 0.5
    inside = np.zeros((1, 2 * SR))
    inside[:, SR // 2 : SR // 2 + hit.shape[1]] = hit
    voice = _at_lufs(_pink(3.0, 1), -20.0)
    short = suggest_balance({"kick": Audio(hit, SR), "voice": voice})["kick"]
    long = suggest_balance({"kick": Audio(inside, SR), "voice": voice})["kick"]
    assert math.isfinite(short.gain_db)
    assert "counted as one 0.4 s block" in short.reason
    assert short.loudness_lufs == pytest.approx(long.loudness_lufs, abs=0.05)


# ------------------------------------------------------------------------------ pans


def test_kick_snare_bass_and_voice_stay_centred():
    stems = {
        "kick": _hits(0.5, 4.0),
        "snare": _hits(1.0, 4.0),
        "bass": _at_lufs(_pink(4.0, 2), -18.0),
        "voice": _at_lufs(_pink(4.0, 1), -20.0),
        "hats": _at_lufs(_white(4.0, 4), -35.0),
    }
    s = suggest_balance(stems)
    for name in ("kick", "snare", "bass", "voice"):
        assert s[name].pan == 0.0
    assert s["hats"].pan != 0.0


def test_parts_that_share_a_role_go_to_opposite_sides_symmetrically():
    stems = {
        "voice": _at_lufs(_pink(3.0, 1), -20.0),
        "gtr 1": _at_lufs(_pink(3.0, 2), -24.0),
        "gtr 2": _at_lufs(_pink(3.0, 3), -27.0),
        "bgv 1": _at_lufs(_pink(3.0, 4), -30.0),
        "bgv 2": _at_lufs(_pink(3.0, 5), -30.0),
        "bgv 3": _at_lufs(_pink(3.0, 6), -30.0),
        "bgv 4": _at_lufs(_pink(3.0, 7), -30.0),
        "tom 1": _hits(2.0, 3.0),
        "tom 2": _hits(2.0, 3.0),
        "tom 3": _hits(2.0, 3.0),
    }
    s = suggest_balance(stems)
    guitars = [s["gtr 1"].pan, s["gtr 2"].pan]
    assert guitars[0] == pytest.approx(-guitars[1]) and guitars[0] != 0.0
    assert abs(guitars[0]) == ROLES["guitar"].group_pan
    bgv = sorted(s[f"bgv {i}"].pan for i in range(1, 5))
    assert bgv == pytest.approx([-0.6, -0.3, 0.3, 0.6])
    toms = [s[f"tom {i}"].pan for i in range(1, 4)]
    assert sorted(toms) == pytest.approx([-0.6, 0.0, 0.6])  # the odd one out takes the middle
    assert sum(item.pan for item in s.tracks) == pytest.approx(0.0, abs=1e-12)


def test_lone_parts_go_to_the_side_that_has_less_so_far():
    stems = {
        "voice": _at_lufs(_pink(3.0, 1), -20.0),
        "hats": _at_lufs(_white(3.0, 2), -35.0),
        "keys": _at_lufs(_pink(3.0, 3), -26.0),
        "shaker": _at_lufs(_white(3.0, 4), -35.0),
        "organ": _at_lufs(_pink(3.0, 5), -28.0),
    }
    s = suggest_balance(stems)
    assert s["hats"].pan > 0.0  # the first tie goes right
    assert s["keys"].pan < 0.0  # then the lighter side
    # organ and keys share the role keys: one each side
    assert np.sign(s["organ"].pan) == -np.sign(s["keys"].pan)


def test_a_name_that_says_left_or_right_is_followed():
    stems = {
        "voice": _at_lufs(_pink(3.0, 1), -20.0),
        "OH R": _at_lufs(_white(3.0, 2), -30.0),
        "OH L": _at_lufs(_white(3.0, 3), -30.0),
        "gtr izq": _at_lufs(_pink(3.0, 4), -26.0),
    }
    s = suggest_balance(stems)
    assert s["OH L"].pan == pytest.approx(-0.8) and s["OH R"].pan == pytest.approx(0.8)
    assert s["gtr izq"].pan < 0.0
    assert "'izq'" in s["gtr izq"].reason
    assert name_side("Gtr_L") == (-1, "l") and name_side("guitarra derecha") == (1, "derecha")
    assert name_side("lead") is None


def test_stereo_tracks_are_nudged_not_panned_hard():
    stems = {
        "voice": _at_lufs(_pink(3.0, 1), -20.0),
        "keys": _at_lufs(_pink(3.0, 2, channels=2), -26.0),
        "pad": _pad(3.0, channels=2),
        "overheads": _at_lufs(_white(3.0, 3, channels=2), -30.0),
    }
    s = suggest_balance(stems)
    assert 0.0 < abs(s["keys"].pan) <= 0.25
    assert s["pad"].pan == 0.0 and s["overheads"].pan == 0.0
    assert "stereo" in s["keys"].reason and "stereo" in s["pad"].reason


# ------------------------------------------------------------------------------ roles


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("Kick In", "kick"),
        ("KickOut", "kick"),
        ("Bass Drum", "kick"),
        ("bombo", "kick"),
        ("Snare Top", "snare"),
        ("snaretop", "snare"),
        ("caja", "snare"),
        ("HiHat", "hats"),
        ("hi-hat", "hats"),
        ("charles", "hats"),
        ("Tom 1", "toms"),
        ("Floor Tom", "toms"),
        ("OH L", "overheads"),
        ("Overheads", "overheads"),
        ("platos", "overheads"),
        ("Room", "room"),
        ("sala", "room"),
        ("shaker", "percussion"),
        ("Percusión", "percussion"),
        ("pandereta", "percussion"),
        ("Drums", "drums"),
        ("batería", "drums"),
        ("Drum Loop", "drums"),
        ("Bass DI", "bass"),
        ("Synth Bass", "bass"),
        ("Double Bass", "bass"),
        ("bajo", "bass"),
        ("Contrabajo", "bass"),
        ("Lead Vocal", "lead_vocal"),
        ("LeadVox", "lead_vocal"),
        ("voice", "lead_vocal"),
        ("Vocals", "lead_vocal"),
        ("voz", "lead_vocal"),
        ("Voz principal", "lead_vocal"),
        ("BGV 2", "backing_vocals"),
        ("Backing Vocals", "backing_vocals"),
        ("Harmony Vox", "backing_vocals"),
        ("vox dbl", "backing_vocals"),
        ("coros", "backing_vocals"),
        ("segunda voz", "backing_vocals"),
        ("lead", "lead"),
        ("Synth Lead", "lead"),
        ("Guitar Solo", "lead"),
        ("Gtr 2", "guitar"),
        ("Acoustic Gtr", "guitar"),
        ("guitarras", "guitar"),
        ("Guitarra eléctrica", "guitar"),
        ("keys", "keys"),
        ("Piano", "keys"),
        ("Rhodes", "keys"),
        ("órgano", "keys"),
        ("teclados", "keys"),
        ("Synth Pad", "pad"),
        ("string pad", "pad"),
        ("colchón", "pad"),
        ("Strings", "strings"),
        ("cuerdas", "strings"),
        ("Violin", "strings"),
        ("synth arp", "synth"),
        ("sintetizador", "synth"),
        ("Horns", "brass"),
        ("trompeta", "brass"),
        ("Bassoon", "brass"),
        ("metales", "brass"),
        ("FX riser", "fx"),
        ("efectos", "fx"),
    ],
)
def test_roles_from_names_in_english_and_spanish(name, role):
    assert role_from_name(name) == role


@pytest.mark.parametrize("name", ["track 7", "Audio 01", "pista 3", "", "x"])
def test_a_name_that_says_nothing_has_no_role(name):
    assert role_from_name(name) is None


def test_every_role_has_a_word_and_a_sensible_place():
    from studio.text import t

    for role, spec in ROLES.items():
        assert t(f"balance.roles.{role}")
        assert spec.target_lu <= 0.0
        assert 0.0 <= spec.lone_pan <= 1.0 and 0.0 <= spec.group_pan <= 1.0
    assert ROLES["lead_vocal"].target_lu == 0.0
    assert ROLES["pad"].target_lu < ROLES["keys"].target_lu < ROLES["bass"].target_lu


def test_the_sound_tells_a_kick_from_a_pad_when_the_name_says_nothing():
    kick, pad = _hits(0.5, 8.0), _pad()
    assert role_from_sound(sound_of(kick))[0] == "kick"
    assert role_from_sound(sound_of(pad))[0] == "pad"
    t = np.arange(8 * SR) / SR
    bass = Audio(0.5 * np.sin(2 * np.pi * 55.0 * t)[np.newaxis], SR)
    assert role_from_sound(sound_of(bass))[0] == "bass"
    s = suggest_balance({"track 1": kick, "track 2": pad, "track 3": bass})
    assert [item.role for item in s.tracks] == ["kick", "pad", "bass"]
    assert {item.role_source for item in s.tracks} == {"content"}
    assert "by its sound" in s["track 1"].reason and "below 150 Hz" in s["track 1"].reason
    assert s["track 1"].pan == 0.0  # a kick found by ear is centred like a named one
    # no voice and no lead instrument: the loudest melodic part leads
    assert s.lead == "track 2" and s.lead_source == "melodic"


def test_roles_you_set_override_names_and_sound():
    stems = {"track 1": _hits(0.5, 4.0), "voice": _at_lufs(_pink(4.0, 1), -20.0)}
    s = suggest_balance(stems, roles={"track 1": "bajo", "voice": "backing_vocals"})
    assert (s["track 1"].role, s["track 1"].role_source) == ("bass", "user")
    assert (s["voice"].role, s["voice"].role_source) == ("backing_vocals", "user")
    assert "as you set it" in s["track 1"].reason
    with pytest.raises(ParameterError, match=r"'kazoo'.*not one the assistant knows.*kick"):
        suggest_balance(stems, roles={"voice": "kazoo"})
    with pytest.raises(ParameterError, match=r"'drums'.*not a track.*track 1, voice"):
        suggest_balance(stems, roles={"drums": "kick"})
    with pytest.raises(ParameterError, match="roles must be a dict"):
        suggest_balance(stems, roles=["kick"])  # type: ignore[arg-type]


def test_the_lead_you_choose_is_the_reference():
    stems = {
        "voice": _at_lufs(_pink(3.0, 1), -20.0),
        "gtr": _at_lufs(_pink(3.0, 2), -24.0),
        "bass": _at_lufs(_pink(3.0, 3), -18.0),
    }
    s = suggest_balance(stems, lead="gtr")
    assert s.lead == "gtr" and s.lead_source == "user" and s.lead_lufs == pytest.approx(-24.0)
    assert s["gtr"].pan == 0.0  # the lead holds the middle
    assert s["bass"].gain_db - s["gtr"].gain_db == pytest.approx(-24.0 - 3.0 + 18.0, abs=0.2)
    with pytest.raises(ParameterError, match=r"lead 'piano' is not a track.*voice, gtr, bass"):
        suggest_balance(stems, lead="piano")
    silent = dict(stems, quiet=Audio(np.zeros((1, SR)), SR))
    with pytest.raises(ParameterError, match="'quiet' is silent"):
        suggest_balance(silent, lead="quiet")


def test_without_a_voice_a_lead_instrument_leads():
    stems = {
        "lead synth": _at_lufs(_pink(3.0, 1), -26.0),
        "keys": _at_lufs(_pink(3.0, 2), -20.0),
        "kick": _hits(0.5, 3.0),
    }
    s = suggest_balance(stems)
    assert s.lead == "lead synth" and s.lead_source == "instrument"
    only_drums = suggest_balance({"kick": _hits(0.5, 3.0), "snare": _hits(1.0, 3.0, 0.2)})
    assert only_drums.lead == "kick" and only_drums.lead_source == "loudest"


# ---------------------------------------------------------------- silence, amounts


def test_a_silent_track_is_left_as_it_is_and_said_so():
    stems = {"voice": _at_lufs(_pink(3.0, 1), -20.0), "gtr": Audio(np.zeros((1, SR)), SR)}
    s = suggest_balance(stems)
    assert s["gtr"].silent and "Silent" in s["gtr"].reason
    assert "gtr" not in s.gains_db and "gtr" not in s.pans
    path = ("tracks", "gtr", "strip", "fader", "gain_db")
    changed = dict(s.changes(current={path: -7.0}))
    assert changed[path] == -7.0
    assert changed[("tracks", "gtr", "strip", "fader", "pan")] == 0.0
    nothing = suggest_balance(
        {"a": Audio(np.zeros((1, SR)), SR), "track 2": Audio(np.zeros((2, 10)), SR)}
    )
    assert nothing.lead is None and all(item.silent for item in nothing.tracks)
    assert "nothing to balance" in str(nothing)
    assert all(value == 0.0 for _, value in nothing.changes())


def _two_track_suggestion() -> BalanceSuggestion:
    return suggest_balance(
        {"voice": _at_lufs(_pink(3.0, 1), -20.0), "hats": _at_lufs(_white(3.0, 2), -30.0)}
    )


def test_amount_zero_changes_nothing_fifty_goes_halfway():
    s = _two_track_suggestion()
    gain = ("tracks", "hats", "strip", "fader", "gain_db")
    pan = ("tracks", "hats", "strip", "fader", "pan")
    assert [p for p, _ in s.changes()] == [
        ("tracks", "voice", "strip", "fader", "gain_db"),
        ("tracks", "voice", "strip", "fader", "pan"),
        gain,
        pan,
    ]
    assert s.paths() == tuple(p for p, _ in s.changes())
    assert all(value == 0.0 for _, value in s.changes(0.0))
    current = {gain: -10.0, pan: -0.5}
    none = dict(s.changes(0, current=current))
    assert none[gain] == -10.0 and none[pan] == -0.5
    half = dict(s.changes(50.0, current=current))
    assert half[gain] == pytest.approx((-10.0 + s["hats"].gain_db) / 2)
    assert half[pan] == pytest.approx((-0.5 + s["hats"].pan) / 2)
    full = dict(s.changes(current=current))
    assert full[gain] == pytest.approx(s["hats"].gain_db) and full[pan] == s["hats"].pan


@pytest.mark.parametrize("amount", [-1.0, 100.5, math.nan, "half", True, None])
def test_amount_out_of_range_is_refused_plainly(amount):
    with pytest.raises(ParameterError, match=r"amount_pct must be a number from 0 .* to 100"):
        _two_track_suggestion().changes(amount)


def test_current_values_are_checked():
    s = _two_track_suggestion()
    with pytest.raises(ParameterError, match=r"current value at .*'pan'.* from -1 to 1, got 2"):
        s.changes(current={("tracks", "hats", "strip", "fader", "pan"): 2.0})
    with pytest.raises(ParameterError, match="current must be a mapping"):
        s.changes(current=[1.0])  # type: ignore[arg-type]
    # paths of other things are none of the suggestion's business
    other = ("tracks", "hats", "strip", "eq", "bands", 0, "gain_db")
    assert s.changes(current={other: 99.0}) == s.changes()


# --------------------------------------------------------------------- bad input


def test_bad_stems_are_refused_plainly():
    ok = _at_lufs(_pink(1.0, 1), -20.0)
    with pytest.raises(AudioDataError, match="stems must be a dict"):
        suggest_balance([ok])  # type: ignore[arg-type]
    with pytest.raises(AudioDataError, match="no stems"):
        suggest_balance({})
    with pytest.raises(AudioDataError, match=r"'bass' is a ndarray, not a studio.Audio"):
        suggest_balance({"voice": ok, "bass": np.zeros(10)})  # type: ignore[dict-item]
    with pytest.raises(AudioDataError, match=r"'surround' has 3 channels"):
        suggest_balance({"surround": Audio(np.zeros((3, SR)), SR)})
    with pytest.raises(AudioDataError, match=r"differ \(voice 48000 Hz, bass 44100 Hz\)"):
        suggest_balance({"voice": ok, "bass": Audio(np.zeros((1, 100)), 44100)})
    with pytest.raises(AudioDataError, match="no samples"):
        suggest_balance({"voice": Audio(np.zeros((1, 0)), SR)})
    bad = ok.samples.copy()
    bad[0, 5] = np.nan
    with pytest.raises(AudioDataError, match="voice"):
        suggest_balance({"voice": Audio(bad, SR)})
    with pytest.raises(ParameterError, match="mix_peak_dbfs must be from -60 to 0"):
        suggest_balance({"voice": ok}, mix_peak_dbfs=3.0)


# ------------------------------------------------------------------------- showing


def test_it_shows_itself_as_text_and_as_a_table():
    stems = {"voice": _at_lufs(_pink(3.0, 1), -20.0), "<b>gtr</b>": _at_lufs(_pink(3.0, 2), -25.0)}
    s = suggest_balance(stems)
    text = str(s)
    assert "set against voice at -20.0 LUFS" in text
    assert "peaks at -6.0 dBFS" in text
    assert "<b>gtr</b>" in text and s["<b>gtr</b>"].reason[:40] in text.replace("\n      ", " ")
    page = s._repr_html_()
    assert "<table>" in page and "&lt;b&gt;gtr&lt;/b&gt;" in page and "<b>gtr" not in page
    assert page.count("<tr>") == 3  # the heading and one row per track
    assert isinstance(s.tracks[0], TrackSuggestion)
    with pytest.raises(KeyError, match="no track 'bass'"):
        s["bass"]


def test_the_suggestion_is_frozen():
    s = _two_track_suggestion()
    with pytest.raises(AttributeError):
        s.trim_db = 0.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        s.tracks[0].gain_db = 0.0  # type: ignore[misc]


# -------------------------------------------------------------------------- the demo


def test_the_demo_stems_get_a_balance_close_to_a_hand_made_one():
    from studio.demo import session

    demo = session()
    s = suggest_balance(demo.tracks)
    assert [item.role for item in s.tracks] == [
        "kick",
        "snare",
        "hats",
        "bass",
        "keys",
        "pad",
        "lead",
        "lead_vocal",
    ]
    assert s.lead == "voice"
    for name in ("kick", "snare", "bass", "voice"):
        assert s[name].pan == 0.0
    assert _mix_peak_dbfs(dict(demo.tracks), s) == pytest.approx(-6.0, abs=0.01)
    # the demo's rough balance was set by hand from the same loudness rules: each fader,
    # against the voice's, within 2.5 dB of it
    for name, fader in demo.balance.items():
        ours = s[name].gain_db - s["voice"].gain_db
        theirs = fader.gain_db - demo.balance["voice"].gain_db
        assert ours == pytest.approx(theirs, abs=2.5), name


def test_the_demo_stems_without_names_are_told_apart_by_their_sound():
    from studio.demo import session

    demo = session()
    anonymous = {f"track {i + 1}": a for i, a in enumerate(demo.tracks.values())}
    s = suggest_balance(anonymous)
    roles = [item.role for item in s.tracks]
    assert roles[:4] == ["kick", "snare", "hats", "bass"]
    assert all(item.role_source == "content" for item in s.tracks)
    assert s.lead == "track 8"  # the singer, the loudest melodic part


# ------------------------------------------------------------------------ invariants

_NAMES = ["kick", "snare", "bass", "voice", "gtr", "gtr 2", "keys", "pad", "fx", "oh l", "take"]


@st.composite
def _stems(draw):
    names = draw(st.lists(st.sampled_from(_NAMES), min_size=1, max_size=5, unique=True))
    stems = {}
    for i, name in enumerate(names):
        kind = draw(st.sampled_from(["pink", "white", "hits", "silence", "tone"]))
        level_db = draw(st.floats(-70.0, 0.0))
        seconds = draw(st.sampled_from([0.2, 0.6, 1.5]))
        channels = draw(st.sampled_from([1, 2]))
        if kind == "pink":
            x = _pink(seconds, i, channels)
        elif kind == "white":
            x = _white(seconds, i, channels)
        elif kind == "hits":
            x = np.tile(_hits(0.5, seconds + 0.4).samples[:, : int(seconds * SR)], (channels, 1))
        elif kind == "tone":
            t = np.arange(int(seconds * SR)) / SR
            x = np.tile(np.sin(2 * np.pi * 440.0 * t), (channels, 1))
        else:
            x = np.zeros((channels, int(seconds * SR)))
        stems[name] = Audio(x * 10.0 ** (level_db / 20.0), SR)
    return stems


@given(
    stems=_stems(),
    amounts=st.tuples(st.floats(0.0, 100.0), st.floats(0.0, 100.0)),
    start_db=st.floats(-30.0, 10.0),
    start_pan=st.floats(-1.0, 1.0),
)
def test_gains_are_finite_pans_in_range_and_amount_is_monotonic(
    stems, amounts, start_db, start_pan
):
    s = suggest_balance(stems)
    for item in s.tracks:
        assert math.isfinite(item.gain_db) and -120.0 <= item.gain_db <= 24.0
        assert -1.0 <= item.pan <= 1.0
        assert item.reason
    if s.lead is not None:
        # the peak it reports is the peak of the mix it suggests...
        assert s.mix_peak_dbfs == pytest.approx(_mix_peak_dbfs(stems, s), abs=0.01)
        # ...which is -6 dBFS unless a fader had to stop at the end of its travel
        if all(-120.0 < item.gain_db < 24.0 for item in s.tracks if not item.silent):
            assert s.mix_peak_dbfs == pytest.approx(-6.0, abs=1e-3)
    current = {}
    for name in stems:
        current[("tracks", name, "strip", "fader", "gain_db")] = start_db
        current[("tracks", name, "strip", "fader", "pan")] = start_pan
    low, high = sorted(amounts)
    nearer = dict(s.changes(low, current=current))
    further = dict(s.changes(high, current=current))
    target = dict(s.changes(100.0, current=current))
    for path, start in current.items():
        # further along the same way, never past the suggestion
        assert abs(nearer[path] - start) <= abs(further[path] - start) + 1e-9
        assert abs(further[path] - start) <= abs(target[path] - start) + 1e-9
        assert (nearer[path] - start) * (target[path] - start) >= 0.0


def test_the_reasons_speak_the_chosen_language():
    from studio.text import use_language

    stems = {"bombo": _hits(0.5, 3.0), "voz": _at_lufs(_pink(3.0, 1), -20.0)}
    with use_language("es"):
        s = suggest_balance(stems)
        text = str(s)
    assert s["bombo"].reason.startswith("Bombo por su nombre ('bombo')")
    assert "ajustado contra voz" in text and "Sus golpes miden" in text


def test_the_suggestion_applies_to_a_project_as_one_undo_step():
    from studio.demo import session

    project = session().project()
    s = suggest_balance(project.sources)
    now = {path: project.get(path) for path in s.paths()}
    assert now[("tracks", "kick", "strip", "fader", "gain_db")] == -6.5  # the rough balance
    project.apply(s.changes(100, current=now), label="starting balance")
    for item in s.tracks:
        fader = project.session.track(item.track).strip.fader
        assert fader.gain_db == pytest.approx(item.gain_db)
        assert fader.pan == pytest.approx(item.pan)
    mix = project.mixdown()
    peak_dbfs = 20.0 * math.log10(float(np.max(np.abs(mix.samples))))
    assert peak_dbfs == pytest.approx(-6.0, abs=0.05)  # the session renders what was summed
    assert project.undo() == "starting balance"
    assert project.get(("tracks", "kick", "strip", "fader", "gain_db")) == -6.5
    halfway = dict(s.changes(50, current=now))
    project.apply(halfway.items())
    kick = project.get(("tracks", "kick", "strip", "fader", "gain_db"))
    assert kick == pytest.approx((-6.5 + s["kick"].gain_db) / 2)
