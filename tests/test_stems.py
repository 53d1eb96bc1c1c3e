"""Importing stems: folders and lists, one rate, one length, bad files named, sources kept.

Every stem here is written in tmp_path with soundfile (or made of invented bytes), so
each test knows exactly what the files hold.
"""

from __future__ import annotations

import dataclasses
import gc
import tracemalloc
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given
from hypothesis import strategies as st

import studio
from studio import Audio
from studio.analysis.findings import Findings
from studio.dsp.resample import converted_frames
from studio.errors import AudioFileError, ParameterError
from studio.mixing import StemImport, import_stems
from studio.mixing.stems import PAD_NOTICE_S, _track_name, _unique_names
from studio.text import use_language

SR = 48000


def tone(freq_hz: float, sr: int, n_frames: int, channels: int = 1, amp: float = 0.5):
    """A sine shaped (channels, frames), each channel a little quieter than the last."""
    t = np.arange(n_frames) / sr
    wave = amp * np.sin(2 * np.pi * freq_hz * t)
    return np.stack([wave * (1.0 - 0.1 * c) for c in range(channels)])


def write(path: Path, samples: np.ndarray, sr: int = SR, subtype: str | None = None) -> Path:
    """Write ``(channels, frames)`` samples with soundfile; return the path."""
    sf.write(path, np.ascontiguousarray(samples.T), sr, subtype=subtype)
    return path


def kinds(findings: Findings) -> list[str]:
    return [f.kind for f in findings]


# ------------------------------------------------------------------------ folder and list


def test_a_folder_loads_every_stem_sorted_by_name_mono_and_stereo_kept(tmp_path):
    kick = tone(60, SR, SR, 1)
    bass = tone(110, SR, SR, 2)
    keys = tone(440, SR, SR, 2)
    snare = tone(200, SR, SR, 1)
    write(tmp_path / "01 Kick.wav", kick, subtype="FLOAT")
    write(tmp_path / "02 Bass.flac", bass, subtype="PCM_24")
    write(tmp_path / "10 Keys.aiff", keys, subtype="PCM_24")
    write(tmp_path / "2 Snare.ogg", snare)

    stems = import_stems(tmp_path)

    assert isinstance(stems, StemImport)
    assert stems.names == ("Kick", "Bass", "Snare", "Keys")  # 2 before 10
    assert stems.layouts == {"Kick": "mono", "Bass": "stereo", "Snare": "mono", "Keys": "stereo"}
    assert stems.sample_rate == SR and stems.n_frames == SR and stems.duration_s == 1.0
    assert not stems.notices and not stems.problems
    for name, audio in stems.audio.items():
        assert isinstance(audio, Audio)
        assert audio.name == name and audio.sr == SR
        assert audio.samples.dtype == np.float32
    np.testing.assert_array_equal(stems.audio["Kick"].samples, kick.astype(np.float32))
    np.testing.assert_allclose(stems.audio["Bass"].samples, bass, atol=2.0**-23)
    np.testing.assert_allclose(stems.audio["Keys"].samples, keys, atol=2.0**-23)
    assert stems.audio["Snare"].n_channels == 1  # Vorbis: lossy, but still mono
    assert stems.paths["Bass"] == (tmp_path / "02 Bass.flac").absolute()
    assert stems.paths["Bass"].is_absolute()


def test_a_list_is_loaded_in_its_own_order_whatever_the_extensions(tmp_path):
    a = write(tmp_path / "a.wav", tone(100, SR, 4800))
    b = tmp_path / "b.take3"  # a WAV under an odd name: given explicitly, so it is tried
    sf.write(b, tone(200, SR, 4800).T, SR, format="WAV")
    stems = import_stems([b, str(a)])
    assert stems.names == ("b", "a")
    assert stems.paths["b"] == b.absolute()


def test_a_single_file_is_a_list_of_one(tmp_path):
    path = write(tmp_path / "03 Voice.wav", tone(300, SR, 4800))
    assert import_stems(path).names == ("Voice",)


def test_stemimport_is_frozen_and_its_mappings_read_only(tmp_path):
    stems = import_stems([write(tmp_path / "a.wav", tone(100, SR, 480))])
    with pytest.raises(dataclasses.FrozenInstanceError):
        stems.sample_rate = 44100  # type: ignore[misc]
    with pytest.raises(TypeError):
        stems.audio["b"] = stems.audio["a"]  # type: ignore[index]
    with pytest.raises(TypeError):
        del stems.paths["a"]  # type: ignore[attr-defined]
    assert dict(stems.audio) == {"a": stems.audio["a"]}


# ---------------------------------------------------------------------------- the rate


def test_a_stem_at_another_rate_is_resampled_to_the_exact_length_with_a_notice(tmp_path):
    write(tmp_path / "01 Kick.wav", tone(60, SR, SR))
    write(tmp_path / "02 Bass.wav", tone(110, SR, SR, 2))
    write(tmp_path / "03 Keys.wav", tone(1000, 44100, 44100, 2), sr=44100, subtype="FLOAT")

    stems = import_stems(tmp_path)

    assert stems.sample_rate == SR
    keys = stems.audio["Keys"]
    assert keys.sr == SR and keys.n_frames == SR  # 1 s stays exactly 1 s: nothing padded
    assert keys.samples.dtype == np.float32 and keys.n_channels == 2
    # the same 1 kHz tone, now at 48 kHz (away from the edges, where the filter rings)
    expected = tone(1000, SR, SR, 2)
    np.testing.assert_allclose(keys.samples[:, 2000:-2000], expected[:, 2000:-2000], atol=1e-3)
    assert kinds(stems.notices) == ["stem_resampled"]
    notice = stems.notices[0]
    assert notice.tracks == ("Keys",)
    assert notice.severity == "info" and notice.lesson == "mixing.prepare"
    assert dict(notice.fields)["from_hz"] == 44100 and dict(notice.fields)["to_hz"] == SR
    assert "03 Keys.wav" in notice.what and "44100 Hz" in notice.what and "48000" in notice.what


def test_each_resampled_stem_gets_its_own_notice_and_the_length_rule(tmp_path):
    n = 44101  # an odd length: round(44101 * 48000 / 44100) = 48001 frames
    write(tmp_path / "a.wav", tone(100, 44100, n), sr=44100)
    write(tmp_path / "b.wav", tone(100, 22050, 22050, 2), sr=22050)
    write(tmp_path / "c.wav", tone(100, SR, 100))
    stems = import_stems(tmp_path, sample_rate=SR)
    assert stems.sample_rate == SR
    assert stems.n_frames == converted_frames(n, 44100, SR) == 48001
    resampled = stems.notices.of_kind("stem_resampled")
    assert [f.tracks for f in resampled] == [("a",), ("b",)]
    assert "22050 Hz" in resampled[1].what
    # b: 22050 frames at 22.05 kHz -> exactly 48000 frames, then one frame of padding
    assert np.count_nonzero(stems.audio["b"].samples[:, 48000:]) == 0


def test_the_rate_most_stems_have_wins_and_a_tie_takes_the_highest(tmp_path):
    for name, sr in (("a", 44100), ("b", 44100), ("c", SR)):
        write(tmp_path / f"{name}.wav", tone(100, sr, sr), sr=sr)
    assert import_stems(tmp_path).sample_rate == 44100
    (tmp_path / "b.wav").unlink()
    tied = import_stems(tmp_path)
    assert tied.sample_rate == SR
    assert [f.tracks for f in tied.notices.of_kind("stem_resampled")] == [("a",)]


def test_the_rate_is_decided_by_the_stems_that_loaded(tmp_path):
    # Headers say 44.1 kHz twice and 48 kHz once, but one 44.1 kHz file holds a NaN:
    # of the stems that load, one is at each rate, so the tie goes to 48 kHz.
    bad = tone(100, 44100, 44100)
    bad[0, 10] = np.nan
    write(tmp_path / "a.wav", bad, sr=44100, subtype="FLOAT")
    write(tmp_path / "b.wav", tone(1000, 44100, 44100), sr=44100, subtype="FLOAT")
    write(tmp_path / "c.wav", tone(100, SR, SR), subtype="FLOAT")
    calls = []
    stems = import_stems(tmp_path, progress=lambda *args: calls.append(args))
    assert stems.sample_rate == SR
    assert stems.names == ("b", "c")
    assert stems.n_frames == SR and stems.audio["b"].n_frames == SR
    assert [f.tracks for f in stems.notices.of_kind("stem_resampled")] == [("b",)]
    np.testing.assert_array_equal(stems.audio["c"].samples, tone(100, SR, SR).astype(np.float32))
    expected_b = tone(1000, SR, SR)
    np.testing.assert_allclose(
        stems.audio["b"].samples[:, 2000:-2000], expected_b[:, 2000:-2000], atol=1e-3
    )
    assert kinds(stems.problems) == ["stem_not_finite"]
    # c was converted to 44.1 kHz first, then loaded again: one more step in the count
    assert [c[:2] for c in calls] == [(1, 3), (2, 3), (3, 3), (4, 4)]
    assert calls[-1][2] == "c.wav"


def test_importing_follows_the_rule_a_saved_session_reopens_with(tmp_path):
    """The stems a session reopens with (conform_stems) are bit-identical to the import."""
    from studio import load
    from studio.mixing import conform_stems

    write(tmp_path / "a.wav", tone(100, SR, SR - 700, 2), subtype="PCM_24")
    write(tmp_path / "b.flac", tone(300, 44100, 44100), sr=44100)
    write(tmp_path / "c.wav", tone(500, 32000, 20000), sr=32000, subtype="FLOAT")
    stems = import_stems(tmp_path, sample_rate=SR)
    natives = {name: load(path) for name, path in stems.paths.items()}
    reopened = conform_stems(natives, SR)
    assert list(reopened) == list(stems.audio)
    for name, audio in stems.audio.items():
        assert reopened[name].samples.dtype == audio.samples.dtype
        np.testing.assert_array_equal(reopened[name].samples, audio.samples)


@pytest.mark.parametrize("bad", [0, -44100, 44100.5, "48000", True, float("nan")])
def test_a_sample_rate_that_is_not_a_whole_positive_number_is_refused(tmp_path, bad):
    path = write(tmp_path / "a.wav", tone(100, SR, 480))
    with pytest.raises(ParameterError, match="sample_rate must be a positive whole number"):
        import_stems([path], sample_rate=bad)


# --------------------------------------------------------------------------- the length


def test_shorter_stems_are_padded_at_the_end_and_named_when_it_matters(tmp_path):
    long_ = tone(100, SR, SR, 2)
    short = tone(200, SR, SR // 2)
    nearly = tone(300, SR, SR - int(0.005 * SR), 2)  # 5 ms short: padded, not mentioned
    write(tmp_path / "01 Long.wav", long_, subtype="FLOAT")
    write(tmp_path / "02 Short.wav", short, subtype="FLOAT")
    write(tmp_path / "03 Nearly.wav", nearly, subtype="FLOAT")

    stems = import_stems(tmp_path)

    assert {a.n_frames for a in stems.audio.values()} == {SR}
    s = stems.audio["Short"].samples
    np.testing.assert_array_equal(s[:, : SR // 2], short.astype(np.float32))
    assert not s[:, SR // 2 :].any()
    assert not stems.audio["Nearly"].samples[:, len(nearly[0]) :].any()
    assert kinds(stems.notices) == ["stem_padded"]
    notice = stems.notices[0]
    assert notice.tracks == ("Short",)
    assert "Long" in notice.what and "Short (+0.50 s)" in notice.what
    assert "Nearly" not in notice.what


def test_padding_is_named_just_above_the_threshold_only(tmp_path):
    just = int(PAD_NOTICE_S * SR)
    write(tmp_path / "a.wav", tone(100, SR, SR))
    write(tmp_path / "b.wav", tone(100, SR, SR - just))
    write(tmp_path / "c.wav", tone(100, SR, SR - just - 1))
    notices = import_stems(tmp_path).notices
    assert [f.tracks for f in notices] == [("c",)]


# ---------------------------------------------------------------------------- bad stems


def _nan_file(path: Path) -> None:
    x = tone(100, SR, 4800)
    x[0, 100] = np.nan
    write(path, x, subtype="FLOAT")


def _inf_file(path: Path) -> None:
    x = tone(100, SR, 4800, 2)
    x[1, 200] = np.inf
    write(path, x, subtype="FLOAT")


def _junk_wav(path: Path) -> None:
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEjunk" + bytes(range(200)))


def _text_as_wav(path: Path) -> None:
    path.write_text("This is not audio, it is a note about the song.\n" * 20)


def _header_only(path: Path) -> None:
    sf.write(path, np.zeros((0, 1), dtype=np.float32), SR)


def _surround(path: Path) -> None:
    write(path, tone(100, SR, 4800, 6))


def _empty(path: Path) -> None:
    path.write_bytes(b"")


BAD = {
    "stem_not_finite": (_nan_file, "NaN"),
    "stem_not_finite ": (_inf_file, "Inf"),
    "stem_unreadable": (_junk_wav, "looks like a WAV file"),
    "stem_unreadable ": (_text_as_wav, "text file"),
    "stem_no_audio": (_header_only, "no audio"),
    "stem_too_many_channels": (_surround, "6 channels"),
    "stem_empty": (_empty, "0 bytes"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_stem_is_reported_by_name_and_the_others_still_load(tmp_path, kind):
    make, reason = BAD[kind]
    write(tmp_path / "01 Kick.wav", tone(60, SR, 4800))
    make(tmp_path / "02 Brôken stem.wav")
    write(tmp_path / "03 Bass.wav", tone(110, SR, 4800, 2))

    stems = import_stems(tmp_path)

    assert stems.names == ("Kick", "Bass")
    assert kinds(stems.problems) == [kind.strip()]
    problem = stems.problems[0]
    assert problem.severity == "problem" and problem.lesson == "mixing.prepare"
    assert "02 Brôken stem.wav" in problem.what and reason in problem.what
    assert "02 Brôken stem.wav" in str(stems)


def test_a_missing_file_in_a_list_is_named_and_the_others_load(tmp_path):
    good = write(tmp_path / "kick.wav", tone(60, SR, 4800))
    stems = import_stems([good, tmp_path / "gone.wav"])
    assert stems.names == ("kick",)
    assert kinds(stems.problems) == ["stem_missing"]
    assert "gone.wav" in stems.problems[0].what and str(tmp_path) in stems.problems[0].what


def test_a_stem_cut_short_loads_with_a_warning_naming_it(tmp_path):
    path = write(tmp_path / "01 Voice.wav", tone(300, SR, SR), subtype="PCM_16")
    path.write_bytes(path.read_bytes()[:-SR])  # half the samples are missing
    write(tmp_path / "02 Keys.wav", tone(440, SR, SR))
    stems = import_stems(tmp_path)
    assert stems.names == ("Voice", "Keys") and not stems.problems
    notes = stems.notices.of_kind("stem_file_note")
    assert len(notes) == 1 and notes[0].tracks == ("Voice",)
    assert notes[0].severity == "warning" and "01 Voice.wav" in notes[0].what
    assert "0.500 s" in notes[0].what  # how much of it is there


def test_a_float_stem_above_full_scale_loads_intact_with_a_note(tmp_path):
    loud = tone(100, SR, 4800, amp=2.0)
    write(tmp_path / "loud.wav", loud, subtype="FLOAT")
    stems = import_stems(tmp_path)
    np.testing.assert_array_equal(stems.audio["loud"].samples, loud.astype(np.float32))
    assert "dBFS" in stems.notices.of_kind("stem_file_note")[0].what


def test_a_silent_stem_is_kept_with_a_notice(tmp_path):
    write(tmp_path / "01 Kick.wav", tone(60, SR, 4800))
    write(tmp_path / "02 Muted.wav", np.zeros((2, 4800)), subtype="PCM_24")
    stems = import_stems(tmp_path)
    assert stems.names == ("Kick", "Muted")
    assert [(f.kind, f.tracks) for f in stems.notices] == [("stem_silent", ("Muted",))]
    assert "02 Muted.wav" in stems.notices[0].what


def test_when_nothing_loads_the_error_lists_every_file_and_why(tmp_path):
    _nan_file(tmp_path / "a.wav")
    _empty(tmp_path / "b.flac")
    _surround(tmp_path / "c.wav")
    with pytest.raises(AudioFileError, match=r"none of the 3 file\(s\) could be loaded") as info:
        import_stems(tmp_path)
    message = str(info.value)
    assert "a.wav: contains 1 NaN" in message
    assert "b.flac is empty" in message
    assert "c.wav has 6 channels" in message
    assert kinds(info.value.problems) == [  # type: ignore[attr-defined]
        "stem_not_finite",
        "stem_empty",
        "stem_too_many_channels",
    ]


def test_a_folder_without_stems_or_that_does_not_exist_is_refused_plainly(tmp_path):
    with pytest.raises(AudioFileError, match="'nowhere' does not exist"):
        import_stems(tmp_path / "nowhere")
    with pytest.raises(AudioFileError, match="no WAV, FLAC, AIFF or OGG files in"):
        import_stems(tmp_path)
    (tmp_path / "mix.mp3").write_bytes(b"ID3" + bytes(100))
    with pytest.raises(AudioFileError, match=r"1 file\(s\) in other audio formats \(mix\.mp3\)"):
        import_stems(tmp_path)
    with pytest.raises(AudioFileError, match="list of files is empty"):
        import_stems([])
    with pytest.raises(ParameterError, match="every item of the list must be a file path"):
        import_stems([tmp_path / "a.wav", 3])  # type: ignore[list-item]
    with pytest.raises(ParameterError, match="give a folder or a list of files"):
        import_stems(42)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ the files


def test_files_that_are_not_stems_are_passed_over(tmp_path):
    write(tmp_path / "01 Kick.wav", tone(60, SR, 4800))
    (tmp_path / "notes.txt").write_text("tempo 120")
    (tmp_path / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(50))
    (tmp_path / "Kick.wav.asd").write_bytes(bytes(64))  # a DAW's analysis file
    (tmp_path / ".DS_Store").write_bytes(bytes(64))
    (tmp_path / "._01 Kick.wav").write_bytes(b"\x00\x05\x16\x07" + bytes(60))  # macOS junk
    (tmp_path / "old").mkdir()
    write(tmp_path / "old" / "02 Old bass.wav", tone(110, SR, 4800))  # not recursive
    (tmp_path / "folder.wav").mkdir()  # a folder named like a stem
    (tmp_path / "rough mix.mp3").write_bytes(b"ID3" + bytes(100))

    stems = import_stems(tmp_path)

    assert stems.names == ("Kick",)
    assert not stems.problems
    assert kinds(stems.notices) == ["stem_skipped"]
    assert "rough mix.mp3" in stems.notices[0].what


def test_source_files_are_never_modified(tmp_path):
    write(tmp_path / "01 Kick.wav", tone(60, SR, SR), subtype="PCM_16")
    write(tmp_path / "02 Bass.flac", tone(110, 44100, 30000, 2), sr=44100)  # resampled, padded
    write(tmp_path / "03 Keys.aiff", tone(440, SR, SR // 3, 2))  # padded
    write(tmp_path / "04 Pad.ogg", tone(220, SR, SR // 2, 2))
    _nan_file(tmp_path / "05 Nan.wav")
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}

    stems = import_stems(tmp_path)

    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    assert after == before
    assert len(stems.names) == 4 and stems.problems


def test_unicode_file_names_give_unicode_track_names(tmp_path):
    decomposed = unicodedata.normalize("NFD", "02 Café.wav")  # as macOS writes it
    write(tmp_path / "01 Ñandú.flac", tone(100, SR, 4800))
    write(tmp_path / decomposed, tone(200, SR, 4800))
    write(tmp_path / "03 ドラム.wav", tone(300, SR, 4800, 2))
    write(tmp_path / "04 Гитара 🎸.ogg", tone(400, SR, 4800, 2))
    stems = import_stems(tmp_path)
    assert stems.names == ("Ñandú", "Café", "ドラム", "Гитара 🎸")
    assert stems.names[1] == unicodedata.normalize("NFC", "Café")  # typed names match
    assert stems.paths["Café"].name == decomposed  # the file itself is found as it is
    assert "ドラム" in str(stems) and "ドラム" in stems._repr_html_()


# ------------------------------------------------------------------------------ the names


@pytest.mark.parametrize(
    ("stem", "name"),
    [
        ("01 Kick", "Kick"),
        ("01_Kick", "Kick"),
        ("01-Kick", "Kick"),
        ("1. Kick", "Kick"),
        ("01 - Kick", "Kick"),
        ("(01) Kick", "(01) Kick"),
        ("Kick", "Kick"),
        ("Kick 2", "Kick 2"),
        ("808", "808"),
        ("808 Bass", "Bass"),  # a leading number is taken as a track number
        ("808Bass", "808Bass"),
        ("  Lead   vox ", "Lead vox"),
        ("07  ", "07"),
    ],
)
def test_track_names_drop_a_leading_track_number(stem, name):
    assert _track_name(stem) == name


def test_names_are_made_unique_ignoring_case(tmp_path):
    for file in ("01 Kick.wav", "02 Kick.flac", "03 kick.aiff", "Kick (2).wav"):
        write(tmp_path / file, tone(60, SR, 480))
    stems = import_stems(tmp_path)
    assert stems.names == ("Kick", "Kick (2)", "kick (3)", "Kick (2) (2)")
    assert stems.paths["kick (3)"].name == "03 kick.aiff"


@given(st.lists(st.sampled_from(["Kick", "kick", "Kick (2)", "Bass", "KICK", "bass (3)"])))
def test_unique_names_are_unique_and_keep_their_start(names):
    out = _unique_names(names)
    assert len({n.casefold() for n in out}) == len(out) == len(names)
    assert all(o.startswith(n) for o, n in zip(out, names, strict=True))
    assert [o for o, n in zip(out, names, strict=True) if o == n] == [
        n for n, o in zip(names, out, strict=True) if o == n
    ]


# ------------------------------------------------------------------ progress and display


def test_progress_is_called_after_each_file_in_order(tmp_path):
    write(tmp_path / "01 Kick.wav", tone(60, SR, 480))
    _empty(tmp_path / "02 Gone.wav")
    write(tmp_path / "03 Bass.wav", tone(60, 44100, 441), sr=44100)
    calls = []
    import_stems(tmp_path, progress=lambda done, total, name: calls.append((done, total, name)))
    assert calls == [(1, 3, "01 Kick.wav"), (2, 3, "02 Gone.wav"), (3, 3, "03 Bass.wav")]


def test_it_reads_well_in_a_terminal_and_a_notebook(tmp_path):
    write(tmp_path / "01 Kick <sub>.wav", tone(60, SR, SR))
    write(tmp_path / "02 Bass.wav", tone(110, 44100, 22050, 2), sr=44100)
    _surround(tmp_path / "03 Room.wav")

    stems = import_stems(tmp_path)
    text = str(stems)
    lines = text.splitlines()
    assert lines[0] == "2 stem(s) at 48000 Hz, 1.00 s long"
    assert lines[2].split() == ["Kick", "<sub>", "mono", "01", "Kick", "<sub>.wav"]
    assert "Not loaded (1)" in text and "Notices (2)" in text
    assert text.index("Not loaded") < text.index("Notices")  # problems first
    assert str(stems.problems) in text and str(stems.notices) in text
    html = stems._repr_html_()
    assert "Kick &lt;sub&gt;" in html and "<sub>" not in html
    assert stems.problems._repr_html_() in html and stems.notices._repr_html_() in html
    assert repr(stems).startswith("StemImport(['Kick <sub>', 'Bass'], sample_rate=48000")


def test_the_words_follow_the_language(tmp_path):
    write(tmp_path / "a.wav", tone(60, SR, 480))
    write(tmp_path / "b.wav", tone(60, 44100, 441), sr=44100)
    stems = import_stems(tmp_path)
    with use_language("es"):
        text = str(stems)
    assert text.splitlines()[0] == "2 stem(s) a 48000 Hz, 0.01 s de duración"
    assert "b (b.wav) estaba a 44100 Hz y se convirtió a 48000 Hz" in text
    assert "Preparar la sesión" in text


# ----------------------------------------------------------------------------- memory


def test_memory_holds_the_stems_and_one_stem_in_flight(tmp_path):
    # 12 stereo stems at 44.1 kHz converted to 48 kHz, of different lengths (so each is
    # padded too): holding every stem at its own rate, or padding all at once, would
    # need about twice the result's size.
    n_stems, seconds = 12, 0.5
    for i in range(n_stems):
        n = int(seconds * 44100) - 300 * i
        write(tmp_path / f"{i:02d}.wav", tone(100 + i, 44100, n, 2), sr=44100, subtype="FLOAT")
    one_stem = 2 * int(seconds * SR) * 4
    import_stems(tmp_path, sample_rate=SR)  # soxr and soundfile warmed up
    if studio._WARM_UP is not None:  # numba's start-up thread would be counted too
        studio._WARM_UP.join()
    gc.collect()
    tracemalloc.start()
    try:
        stems = import_stems(tmp_path, sample_rate=SR)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    result = sum(a.samples.nbytes for a in stems.audio.values())
    assert result == n_stems * one_stem
    assert peak >= result  # the numpy buffers are traced, so the bound below means something
    assert peak <= result + 3 * one_stem, (peak / one_stem, result / one_stem)
