"""The demo session: deterministic, musical, and with its four problems measurable.

The planted problems are checked by measuring the rendered audio (band energies,
spectra, phrase levels), not by reading back the numbers that planted them. The tracks
are float32 and come from a disk cache after the first render; the cache is tested in
a temporary folder.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import signal

import studio
from studio.analysis import Finding, Findings
from studio.audio import Audio
from studio.demo import TRACK_NAMES, DemoSession, cache, multitrack, session
from studio.demo.multitrack import _cached_session
from studio.demo.render import render_tracks, track_rows
from studio.demo.song import PROGRESSION, compose, plan_sections
from studio.demo.synth import adsr, saw, square
from studio.demo.theory import CHORD_TONES, in_key, midi_to_hz, note_name
from studio.errors import ParameterError
from studio.text import use_language

SHORT_S = 20.0
PINK_SHARE_200_500 = math.log(500 / 200) / math.log(20000 / 20)  # 0.13 of pink noise's energy


@pytest.fixture(scope="module")
def default() -> DemoSession:
    return session()


@pytest.fixture(scope="module")
def short() -> DemoSession:
    return session(SHORT_S)


def _band_energy(x: np.ndarray, sr: int, low_hz: float, high_hz: float) -> float:
    power = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(x.size, 1.0 / sr)
    return float(power[(f >= low_hz) & (f < high_hz)].sum())


def _frame_rms(x: np.ndarray, sr: int, frame_s: float = 0.01) -> np.ndarray:
    hop = round(frame_s * sr)
    n = x.size // hop * hop
    return np.sqrt(np.mean(x[:n].reshape(-1, hop) ** 2, axis=1))


def _db(x):
    return 20.0 * np.log10(np.maximum(x, 1e-12))


# ------------------------------------------------------------------- the session itself


def test_default_session(default):
    assert default.sr == 48000
    assert default.duration_s == 40.0
    assert 30.0 <= default.duration_s <= 60.0
    assert tuple(default.tracks) == TRACK_NAMES
    assert set(TRACK_NAMES) >= {"kick", "snare", "hats", "bass", "keys", "pad", "lead", "voice"}
    for name, audio in default.tracks.items():
        assert isinstance(audio, Audio)
        assert audio.name == name
        assert audio.sr == 48000
        assert audio.n_frames == 40 * 48000
        assert audio.n_channels == (2 if name in ("keys", "pad") else 1)
        x = audio.samples
        assert x.dtype == np.float32
        assert np.isfinite(x).all()
        assert np.max(np.abs(x)) <= 10 ** (-3 / 20), f"{name} peaks too close to 0 dBFS"
        assert np.max(np.abs(x)) >= 10 ** (-30 / 20), f"{name} is nearly silent"
        assert abs(float(np.mean(x))) < 1e-5, f"{name} has DC"
        assert np.max(np.abs(x[:, -10:])) < 1e-4, f"{name} does not end in silence"


def test_default_mixdown_has_headroom(default):
    mix = default.mixdown()
    assert mix.n_channels == 2 and mix.sr == default.sr
    assert mix.n_frames == default.track("kick").n_frames
    assert np.isfinite(mix.samples).all()
    peak_dbfs = _db(np.max(np.abs(mix.samples)))
    assert -9.0 <= peak_dbfs <= -3.0
    assert default.mixdown() is mix  # kept, not recomputed


def test_mixdown_equals_the_static_balance(short):
    from studio.mixing import mixdown

    again = mixdown(dict(short.tracks), gains_db=short.gains_db, pans=short.pans)
    # the session's render and the plain static mixdown agree (to float32 rounding)
    np.testing.assert_allclose(again.samples, short.mixdown().samples, atol=2e-7)
    assert -9.0 <= _db(np.max(np.abs(again.samples))) <= -3.0
    assert set(short.balance) == set(TRACK_NAMES)
    for fader in short.balance.values():
        assert -1.0 <= fader.pan <= 1.0 and math.isfinite(fader.gain_db)


def test_rough_mix_never_clips(short):
    louder = short.session
    for name in short.balance:
        louder = louder.replace(("tracks", name, "strip", "fader", "gain_db"), 12.0)
    hot = dataclasses.replace(short, session=louder)
    # exactly -6 dBFS to float32 precision (a float32 sample resolves about 1e-6 dB)
    assert _db(np.max(np.abs(hot.mixdown().samples))) == pytest.approx(-6.0, abs=1e-5)
    assert short.mixdown() is not hot.mixdown()


def test_cached_and_deterministic(short):
    assert session(SHORT_S) is short
    assert session(int(SHORT_S), 48000) is short
    fresh = _cached_session.__wrapped__(SHORT_S, 48000, short.seed)
    assert fresh is not short
    rendered = render_tracks(compose(SHORT_S, seed=short.seed), 48000, short.seed)
    for name, rows in track_rows().items():
        assert fresh.track(name).samples.tobytes() == short.track(name).samples.tobytes()
        assert rendered[rows].tobytes() == short.track(name).samples.tobytes()
    assert fresh.sections == short.sections and fresh.voice_phrases == short.voice_phrases
    assert fresh.findings == short.findings


def test_seed_changes_the_performance_not_the_song():
    a, b = compose(SHORT_S, seed=1), compose(SHORT_S, seed=2)
    assert a.sections == b.sections and a.chords == b.chords
    for part in a.parts:
        assert [n.midi for n in a.parts[part]] == [n.midi for n in b.parts[part]]
    assert [n.start_s for n in a.parts["snare"]] != [n.start_s for n in b.parts["snare"]]
    assert compose(SHORT_S, seed=1) == a


def test_other_rate_and_length():
    s = session(25.5, sr=44100)
    assert s.sr == 44100 and s.duration_s == 25.5
    for audio in s.tracks.values():
        assert audio.sr == 44100 and audio.n_frames == round(25.5 * 44100)
        assert np.isfinite(audio.samples).all()
    assert -9.0 <= _db(np.max(np.abs(s.mixdown().samples))) <= -3.0
    # a chorus cut short still leaves the singer a breath before the outro
    assert len(_phrases(s.track("voice").samples[0], s.sr)) == len(s.voice_phrases)


def test_read_only(short):
    with pytest.raises(TypeError):
        short.tracks["kick"] = short.tracks["snare"]
    with pytest.raises(ValueError):
        short.track("kick").samples[0, 0] = 1.0
    with pytest.raises(AttributeError):
        short.sr = 44100


def test_plain_errors(short):
    with pytest.raises(ParameterError, match="no track 'vocals'.*voice"):
        short.track("vocals")
    with pytest.raises(ParameterError, match="duration_s must be between 20 and 180"):
        session(5.0)
    with pytest.raises(ParameterError, match="duration_s must be a number"):
        session("long")
    with pytest.raises(ParameterError, match="sr must be a whole number"):
        session(40.0, sr=48000.5)
    with pytest.raises(ParameterError, match="seed"):
        session(40.0, seed=-1)


def test_reachable_from_the_top_level(short):
    assert studio.demo.session(SHORT_S) is short
    text = short.describe()
    for word in ("D minor", "120 BPM", "masking", "mud", "harshness", "uneven level"):
        assert word in text
    for name in TRACK_NAMES:
        assert f"- {name}: " in text
    assert "8 tracks" in repr(short) and "4 planted problems" in repr(short)


def test_describe_speaks_the_chosen_language(short):
    english = short.describe()
    with use_language("es"):
        spanish = short.describe()
        title = short.findings[0].title
    assert "re menor" in spanish and "estribillo" in spanish and "D minor" not in spanish
    assert title == "enmascaramiento"
    assert short.describe() == english  # back to English after the block


# ------------------------------------------------------------------------- the music


def test_song_form(default):
    assert 100 <= default.tempo_bpm <= 124
    assert default.key == "D minor"
    names = [s.name for s in default.sections]
    assert names[0] == "intro" and names[-1] == "outro"
    assert {"verse", "chorus"} <= set(names)
    assert default.sections[0].start_s == 0.0
    assert default.sections[-1].end_s <= default.duration_s
    for a, b in zip(default.sections, default.sections[1:], strict=False):
        assert a.end_s == b.start_s
    bar_s = 4 * 60.0 / default.tempo_bpm
    assert all(chord.name in CHORD_TONES for chord in default.chords)
    verse = next(s for s in default.sections if s.name == "verse")
    in_verse = [c for c in default.chords if verse.start_s <= c.start_s < verse.end_s]
    assert [c.name for c in in_verse] == list(PROGRESSION)
    assert all(c.end_s - c.start_s == pytest.approx(2 * bar_s) for c in in_verse)


@given(st.integers(10, 90))
def test_plan_sections_fills_the_bars(n_bars):
    plan = plan_sections(n_bars)
    assert plan[0] == ("intro", 0, 2) and plan[-1][0] == "outro"
    assert {"verse", "chorus"} <= {name for name, _, _ in plan}
    bar = 0
    for _, start, length in plan:
        assert start == bar and length >= 2
        bar += length
    assert bar == n_bars


def test_every_note_is_in_key():
    score = compose(60.0, seed=3)
    notes = [n for part in ("bass", "keys", "pad", "lead") for n in score.parts[part]]
    notes += [n for phrase in score.phrases for n in phrase.notes]
    assert notes and all(in_key(n.midi) for n in notes)


def _chroma(x: np.ndarray, sr: int) -> np.ndarray:
    """Energy per pitch class, from spectrum bins within 40 cents of a note (50-1000 Hz)."""
    power = np.abs(np.fft.rfft(x * np.hanning(x.size))) ** 2
    f = np.fft.rfftfreq(x.size, 1.0 / sr)
    sel = (f > 50) & (f < 1000)
    midi = 12 * np.log2(f[sel] / 440.0) + 69
    near = np.abs(midi - np.round(midi)) < 0.4
    chroma = np.zeros(12)
    np.add.at(chroma, np.round(midi[near]).astype(int) % 12, power[sel][near])
    return chroma / chroma.sum()


def test_the_harmony_sounds_the_written_chords(short):
    """Measured from the audio: the loudest pitch classes of pad and keys are chord tones."""
    sr = short.sr
    for name, top in (("pad", 3), ("keys", 3), ("bass", 1)):
        x = short.track(name).samples.mean(axis=0)
        checked = 0
        for chord in short.chords:
            seg = x[round((chord.start_s + 0.3) * sr) : round((chord.end_s - 0.1) * sr)]
            if seg.size < sr // 2 or np.mean(seg**2) < 1e-8:
                continue
            best = set(np.argsort(_chroma(seg, sr))[::-1][:top].tolist())
            assert best <= CHORD_TONES[chord.name], (name, chord)
            checked += 1
        assert checked >= 3
    for name in ("lead", "voice"):
        chroma = _chroma(short.track(name).samples[0], sr)
        assert sum(chroma[pc] for pc in range(12) if in_key(pc + 60)) > 0.95


def test_levels_change_with_the_arrangement(default):
    mix = default.mixdown().samples.mean(axis=0)
    sr = default.sr

    def rms_db(section):
        x = mix[round(section.start_s * sr) : round(section.end_s * sr)]
        return 10 * np.log10(np.mean(x**2))

    by_name = {s.name: rms_db(s) for s in default.sections}
    assert by_name["chorus"] > by_name["intro"] + 3.0
    hats = default.track("hats").samples[0]
    density = {
        s.name: np.mean(hats[round(s.start_s * sr) : round(s.end_s * sr)] ** 2)
        for s in default.sections
    }
    assert density["chorus"] > 2 * density["verse"]


def test_no_clicks_in_the_tonal_tracks(short):
    """A click is a step, and a step sprays energy far above a soft instrument's range."""
    sos = signal.butter(8, 12000, "highpass", fs=short.sr, output="sos")
    for name in ("bass", "keys", "pad"):
        x = short.track(name).samples.mean(axis=0)
        hf = signal.sosfilt(sos, x)
        assert _db(np.max(np.abs(hf)) / np.max(np.abs(x))) < -50.0, name


# ------------------------------------------------------------------ planted problems


def test_planted_problems_are_findings(default):
    assert isinstance(default.findings, Findings)
    assert all(isinstance(f, Finding) for f in default.findings)
    kinds = {f.kind: f for f in default.findings}
    assert set(kinds) == {"masking", "mud", "harshness", "uneven_level"}
    assert kinds["masking"].tracks == ("bass", "kick")
    assert (kinds["masking"].low_hz, kinds["masking"].high_hz) == (50.0, 100.0)
    assert (kinds["mud"].tracks, kinds["mud"].low_hz, kinds["mud"].high_hz) == (("pad",), 200, 500)
    lead = kinds["harshness"]
    assert (lead.tracks, lead.low_hz, lead.high_hz) == (("lead",), 2500, 4000)
    assert kinds["uneven_level"].tracks == ("voice",)
    assert kinds["uneven_level"].lesson == "mixing.compression"
    assert {kinds[k].lesson for k in ("masking", "mud", "harshness")} == {"mixing.eq"}
    for f in default.findings:
        assert f.tracks[0] in default.tracks
        assert 0.0 <= f.start_s < f.end_s <= default.duration_s
        assert f.what and f.why and f.try_ and f.lesson_title
        assert f.tracks[0] in str(f) and f.title in str(f)
    assert "300 Hz" in kinds["mud"].what and "3200 Hz" in kinds["harshness"].what
    html = default.findings._repr_html_()
    assert html.count("border-left") == 4 and "<pre" not in html


def test_problems_is_a_deprecated_name_for_findings(short):
    with pytest.warns(DeprecationWarning, match="findings"):
        assert short.problems is short.findings


def test_kick_and_bass_share_the_low_octave_and_hit_together(short):
    sr = short.sr
    kick, bass = short.track("kick").samples[0], short.track("bass").samples[0]
    for x in (kick, bass):
        share = _band_energy(x, sr, 40, 120) / _band_energy(x, sr, 0, 250)
        assert share > 0.75
    sos = signal.butter(4, [40, 120], "bandpass", fs=sr, output="sos")
    kick_env = _frame_rms(signal.sosfilt(sos, kick), sr)
    bass_env = _frame_rms(signal.sosfilt(sos, bass), sr)
    hits = kick_env > kick_env.max() * 10 ** (-12 / 20)
    assert hits.sum() > 50
    together = bass_env[hits] > bass_env.max() * 10 ** (-12 / 20)
    assert together.mean() > 0.7


def test_pad_is_muddy(short):
    x = short.track("pad").samples.mean(axis=0)
    share = _band_energy(x, short.sr, 200, 500) / _band_energy(x, short.sr, 0, short.sr / 2)
    assert share > 0.45
    assert share > 3 * PINK_SHARE_200_500


def test_lead_has_a_harsh_peak(short):
    f, psd = signal.welch(short.track("lead").samples[0], short.sr, nperseg=16384)
    centres = 1000.0 * 2.0 ** (np.arange(-3, 10) / 3.0)  # third-octave bands 500 Hz - 8 kHz
    level = {
        c: 10 * np.log10(psd[(f >= c / 2 ** (1 / 6)) & (f < c * 2 ** (1 / 6))].sum())
        for c in centres
    }
    peak = max(v for c, v in level.items() if 2500 <= c <= 4000)
    neighbours = [v for c, v in level.items() if 1500 <= c <= 2100 or 4900 <= c <= 6400]
    assert len(neighbours) == 4
    assert peak > max(neighbours) + 4.0


def _phrases(x: np.ndarray, sr: int) -> list[float]:
    """RMS (dB) of each sung phrase, phrases found as sound separated by 200 ms of silence."""
    env = _frame_rms(x, sr)
    active = env > env.max() * 10 ** (-45 / 20)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(int), [0]])))
    runs = list(zip(edges[::2], edges[1::2], strict=True))
    merged = [list(runs[0])]
    for a, b in runs[1:]:
        if a - merged[-1][1] < 20:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [float(_db(np.sqrt(np.mean(env[a:b][active[a:b]] ** 2)))) for a, b in merged]


def test_voice_phrases_are_uneven(short, default):
    for s in (short, default):
        levels = _phrases(s.track("voice").samples[0], s.sr)
        assert len(levels) == len(s.voice_phrases) >= 3
        assert max(levels) - min(levels) >= 8.0
        planted = [p.level_db for p in s.voice_phrases]
        assert np.corrcoef(levels, planted)[0, 1] > 0.9


# ------------------------------------------------------------------------ disk cache


@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    """An empty disk cache in a temporary folder, and no session kept in memory."""
    monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path))
    _cached_session.cache_clear()
    yield tmp_path / "demo"
    _cached_session.cache_clear()


def _files(folder):
    return sorted(folder.glob("demo-*.npy"))


def test_disk_cache_round_trip(cache_folder):
    first = session(SHORT_S)
    (file,) = _files(cache_folder)
    assert f"-{cache.code_version()}.npy" in file.name
    assert not list(cache_folder.glob(".part-*"))
    good = np.load(file)
    _cached_session.cache_clear()  # as in a new kernel
    again = session(SHORT_S)
    assert again is not first
    for name in TRACK_NAMES:
        assert again.track(name).samples.tobytes() == first.track(name).samples.tobytes()
    assert again.findings == first.findings and _files(cache_folder) == [file]
    # a file cut short (a full disk, a killed process) is rendered again and replaced
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])
    _cached_session.cache_clear()
    third = session(SHORT_S)
    for name in TRACK_NAMES:
        assert third.track(name).samples.tobytes() == first.track(name).samples.tobytes()
    np.testing.assert_array_equal(np.load(file), good)


def _block(s: DemoSession) -> np.ndarray:
    return np.concatenate([s.track(name).samples for name in TRACK_NAMES])


@pytest.mark.parametrize("damage", ["none", "truncate", "garbage", "scale", "nan", "shape"])
def test_a_damaged_cache_file_is_not_used(cache_folder, short, damage):
    block = _block(short)
    file = cache.store(block, SHORT_S, short.sr, short.seed)
    if damage == "truncate":
        file.write_bytes(file.read_bytes()[: file.stat().st_size - 1000])
    elif damage == "garbage":
        file.write_bytes(b"not a numpy file at all")
    elif damage == "scale":
        np.save(file, block * np.float32(2.0))
    elif damage == "nan":
        bad = block.copy()
        bad[3, 1000] = np.nan
        np.save(file, bad)
    elif damage == "shape":
        np.save(file, block[:, :-1])
    loaded = cache.load(
        SHORT_S, short.sr, short.seed, shape=block.shape, check=multitrack._plausible
    )
    if damage == "none":
        np.testing.assert_array_equal(loaded, block)
    else:
        assert loaded is None


def test_stale_code_version_is_not_read(cache_folder, short, monkeypatch):
    block = _block(short)
    cache.store(block, SHORT_S, short.sr, short.seed)
    args = (SHORT_S, short.sr, short.seed)
    assert cache.load(*args, shape=block.shape, check=multitrack._plausible) is not None
    monkeypatch.setattr(cache, "code_version", lambda: "0123456789abcdef")
    assert cache.load(*args, shape=block.shape, check=multitrack._plausible) is None


def test_two_writers_at_once_leave_one_whole_file(cache_folder, short):
    block = _block(short)
    with ThreadPoolExecutor(2) as pool:
        paths = list(pool.map(lambda _: cache.store(block, SHORT_S, 48000, 7), range(4)))
    assert len(set(paths)) == 1 and _files(cache_folder) == [paths[0]]
    assert not list(cache_folder.glob(".part-*"))
    np.testing.assert_array_equal(np.load(paths[0]), block)


def test_cache_keeps_the_most_recent_files(cache_folder):
    block = np.zeros((10, 100), dtype=np.float32)
    for seed in range(cache.MAX_FILES + 2):
        assert cache.store(block, SHORT_S, 48000, seed) is not None
    kept = _files(cache_folder)
    assert len(kept) == cache.MAX_FILES
    assert {int(p.name.split("seed")[1].split("-")[0]) for p in kept} == {2, 3, 4, 5}


def test_cache_off_or_unwritable_never_fails(tmp_path, monkeypatch):
    _cached_session.cache_clear()
    monkeypatch.setenv("STUDIO_CACHE_DIR", "off")
    assert cache.cache_dir() is None
    assert cache.store(np.zeros((10, 10), np.float32), SHORT_S, 48000, 1) is None
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("STUDIO_CACHE_DIR", str(blocker))
    assert cache.store(np.zeros((10, 10), np.float32), SHORT_S, 48000, 1) is None
    s = session(SHORT_S)  # renders, cannot save, still works
    assert s.track("kick").samples.dtype == np.float32
    _cached_session.cache_clear()


def test_default_cache_folder_follows_the_platform_convention(monkeypatch, tmp_path):
    monkeypatch.delenv("STUDIO_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if sys.platform.startswith("linux"):
        assert cache.cache_dir() == tmp_path / "studio" / "demo"
    monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path / "mine"))
    assert cache.cache_dir() == tmp_path / "mine" / "demo"


# --------------------------------------------------------------------- building blocks


def test_theory():
    assert midi_to_hz(69) == 440.0
    assert midi_to_hz(57) == pytest.approx(220.0)
    np.testing.assert_allclose(midi_to_hz(np.array([60, 72])), [261.6256, 523.2511], rtol=1e-6)
    assert note_name(62) == "D4" and note_name(70) == "Bb4"
    assert [in_key(m) for m in (62, 63, 70, 71)] == [True, False, True, False]


def test_adsr_starts_and_ends_silent():
    sr = 48000
    env = adsr(0.5, sr, attack_ms=10.0, decay_ms=50.0, sustain=0.6, release_ms=100.0)
    assert env.size == round(0.6 * sr)
    assert env[0] == 0.0 and env[-1] == 0.0
    assert env.max() == pytest.approx(1.0, abs=1e-3)
    assert env[round(0.499 * sr)] == pytest.approx(0.6, abs=1e-3)  # decayed to sustain
    assert np.all(np.diff(env[round(0.5 * sr) :]) <= 1e-12)  # release only falls


def _worst_alias_db(x: np.ndarray, sr: int, freq_hz: float, odd_only: bool) -> float:
    """Strongest spectral line away from every true harmonic, in dB re the strongest line."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    f = np.fft.rfftfreq(x.size, 1 / sr)
    k = np.arange(1, int(sr / 2 / freq_hz) + 1)
    k = k[k % 2 == 1] if odd_only else k
    harmonic = np.min(np.abs(f[:, None] - freq_hz * k[None, :]), axis=1) < 25
    return float(_db(spectrum[~harmonic].max() / spectrum.max()))


@pytest.mark.parametrize("freq_hz", [110.0, 880.0, 1234.5])
def test_oscillators_are_band_limited(freq_hz):
    """Against the exact Fourier series, and far cleaner than a naive (aliasing) saw."""
    sr, n = 48000, 4800
    t = np.arange(n) / sr
    k = np.arange(1, int(sr / 2 / freq_hz) + 1)
    ideal = -(2 / np.pi) * (np.sin(2 * np.pi * np.outer(t, k * freq_hz)) / k).sum(axis=1)
    err = saw(freq_hz, n, sr) - ideal
    assert _db(np.sqrt(np.mean(err**2)) / np.sqrt(np.mean(ideal**2))) < -15.0
    naive = 2.0 * ((freq_hz * t) % 1.0) - 1.0
    naive_db = _worst_alias_db(naive, sr, freq_hz, odd_only=False)
    for x, odd in ((saw(freq_hz, n, sr), False), (square(freq_hz, n, sr), True)):
        alias_db = _worst_alias_db(x, sr, freq_hz, odd_only=odd)
        assert alias_db < -30.0
        assert alias_db < naive_db - 6.0


def test_the_demo_is_a_real_mixing_session(short):
    from studio.mixing import Project, Session

    assert isinstance(short.session, Session)
    assert [t.name for t in short.session.tracks] == list(TRACK_NAMES)
    assert {t.name: t.layout for t in short.session.tracks}["pad"] == "stereo"
    assert all(t.colour.startswith("#") for t in short.session.tracks)
    project = short.project()
    assert isinstance(project, Project) and project.session is short.session
    project.set(("tracks", "voice", "strip", "fader", "gain_db"), -20.0)
    assert short.balance["voice"].gain_db != -20.0  # the demo itself is unchanged
