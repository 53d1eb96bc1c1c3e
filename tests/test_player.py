"""Tests of the A/B player's Python side, and of its JavaScript helpers under node.

No browser and no kernel: widgets can be created and their traits set in plain pytest.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from ipywidgets.widgets.widget import _remove_buffers

from studio.audio import Audio
from studio.errors import AudioDataError, ParameterError
from studio.widgets import player as player_module
from studio.widgets.player import (
    MAX_OFFSET_DB,
    MAX_PREVIEW_S,
    ABPlayer,
    encode_samples,
    float32_checksum,
)

JS_PATH = Path(player_module.__file__).with_name("player.js")
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

SR = 8000


def tone(n_channels: int = 2, seconds: float = 0.5, *, amp: float = 0.5, sr: int = SR) -> Audio:
    t = np.arange(round(seconds * sr)) / sr
    rows = [amp * np.sin(2 * np.pi * 220.0 * (c + 1) * t) for c in range(n_channels)]
    return Audio(np.vstack(rows), sr, f"tone{n_channels}")


def decode(data: bytes, n_channels: int) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4").reshape(n_channels, -1)


def reference_checksum(floats: np.ndarray) -> str:
    """The checksum spelled out one sample at a time, like the loop in player.js."""
    values = [float(v) for v in floats]
    stride = max(1, len(values) // 4096)
    total = 0
    for i in range(0, len(values), stride):
        total += math.floor(min(1000.0, max(-1000.0, values[i])) * 1e6)
    return f"{total / 1e6:.6f}"


def record_messages(p: ABPlayer) -> list[set[str]]:
    """Record the trait names of every state message the widget sends from now on."""
    sent: list[set[str]] = []
    original = p.send_state

    def record(key=None):
        sent.append({key} if isinstance(key, str) else set(key or ()))
        return original(key)

    p.send_state = record
    return sent


# -- wire format -----------------------------------------------------------------------


@pytest.mark.parametrize("n_channels", [1, 2])
def test_encoding_round_trip_is_planar_float32(n_channels: int) -> None:
    a = tone(n_channels)
    p = ABPlayer(a, a)
    for data in (p.a_data, p.b_data):
        assert len(data) == 4 * n_channels * a.n_frames
        np.testing.assert_array_equal(decode(data, n_channels), a.samples.astype(np.float32))
    # Planar: the first n_frames floats are all of channel 0.
    first = np.frombuffer(p.a_data, dtype="<f4")[: a.n_frames]
    np.testing.assert_array_equal(first, a.samples[0].astype(np.float32))


@pytest.mark.parametrize("n_channels", [1, 2])
def test_layout_traits(n_channels: int) -> None:
    a = tone(n_channels, 0.25)
    p = ABPlayer(a, a)
    assert (p.a_n_channels, p.b_n_channels) == (n_channels, n_channels)
    assert (p.n_frames, p.sr) == (2000, SR)


@settings(max_examples=30, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 3), st.integers(1, 50)),
        elements=st.floats(-4.0, 4.0, allow_nan=False),
    )
)
def test_encode_samples_round_trip_any_shape(samples: np.ndarray) -> None:
    data = encode_samples(samples)
    np.testing.assert_array_equal(decode(data, samples.shape[0]), samples.astype(np.float32))


def test_audio_travels_as_binary_buffers_not_base64() -> None:
    p = ABPlayer(tone(2), tone(2))
    _, paths, buffers = _remove_buffers(p.get_state())
    assert ["a_data"] in paths and ["b_data"] in paths
    assert all(isinstance(b, (bytes, memoryview)) for b in buffers)


def test_set_b_sends_samples_and_version_in_one_message() -> None:
    # The browser reloads B on a new b_version: the samples must arrive with it.
    p = ABPlayer(tone(2))
    sent = record_messages(p)
    p.set_b(tone(2, amp=0.1))
    assert len(sent) == 1
    assert {"b_data", "b_version"} <= sent[0]


# -- versions and lengths --------------------------------------------------------------


def test_set_b_increments_version_every_time() -> None:
    a = tone(2)
    p = ABPlayer(a)
    start = p.b_version
    p.set_b(a)
    p.set_b(a)  # the same audio again still counts: the browser must reload
    p.set_b(None)
    assert p.b_version == start + 3
    assert p.b_data == b"" and p.b_n_channels == 0


def test_shorter_b_is_padded_with_silence() -> None:
    a = tone(2, 0.5)
    b = tone(2, 0.25, amp=0.3)
    p = ABPlayer(a, b)
    out = decode(p.b_data, 2)
    assert out.shape == (2, a.n_frames)
    np.testing.assert_array_equal(out[:, : b.n_frames], b.samples.astype(np.float32))
    assert not out[:, b.n_frames :].any()
    assert p.b is b  # the original is kept for re-fitting


def test_longer_b_is_trimmed_to_a() -> None:
    a = tone(1, 0.25)
    b = tone(1, 0.5, amp=0.3)
    p = ABPlayer(a, b)
    np.testing.assert_array_equal(
        decode(p.b_data, 1), b.samples[:, : a.n_frames].astype(np.float32)
    )


def test_new_a_refits_b_and_bumps_its_version() -> None:
    b = tone(2, 0.5, amp=0.3)
    p = ABPlayer(tone(2, 0.25), b)
    version = p.b_version
    p.set_a(tone(2, 0.5))
    assert p.n_frames == b.n_frames and p.b_version == version + 1
    np.testing.assert_array_equal(decode(p.b_data, 2), b.samples.astype(np.float32))


def test_b_alone_sets_the_length() -> None:
    b = tone(1, 0.3)
    p = ABPlayer(b=b)
    assert (p.a_data, p.n_frames, p.sr) == (b"", b.n_frames, SR)


def test_mono_against_stereo_is_allowed_other_mismatches_are_not() -> None:
    p = ABPlayer(tone(1), tone(2))
    assert (p.a_n_channels, p.b_n_channels) == (1, 2)
    with pytest.raises(AudioDataError, match="A.* has 2 channels but B.* has 3"):
        ABPlayer(tone(2), tone(3))


# -- refusals ---------------------------------------------------------------------------


def test_sample_rate_mismatch_is_refused_plainly() -> None:
    p = ABPlayer(tone(2, sr=48000))
    with pytest.raises(AudioDataError, match=r"48000 Hz but B \('tone2'\) is at 44100 Hz"):
        p.set_b(tone(2, sr=44100))
    with pytest.raises(AudioDataError, match="same sample rate"):
        ABPlayer(tone(2, sr=48000), tone(2, sr=44100))
    # A new pair at another rate is fine when set together.
    p.set_pair(tone(2, sr=44100), tone(2, sr=44100))
    assert p.sr == 44100


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e300])
def test_non_finite_audio_is_refused(bad: float) -> None:
    samples = tone(2).samples.copy()
    samples[1, 2000] = bad  # 1e300 does not fit in float32: it would play as inf
    p = ABPlayer(tone(2))
    with pytest.raises(AudioDataError, match=r"1 samples that are NaN.*channel 1 at 0\.250 s"):
        p.set_b(Audio(samples, SR))
    assert p.b_data == b""  # nothing half-sent


def test_long_input_is_refused_with_advice() -> None:
    long = Audio(np.zeros((1, round((MAX_PREVIEW_S + 1) * SR)), np.float32), SR, "song.wav")
    with pytest.raises(AudioDataError, match=r"'song.wav'\) is 61.0 s long.*segment"):
        ABPlayer(long)


def test_empty_and_wrong_types_are_refused() -> None:
    with pytest.raises(AudioDataError, match="empty"):
        ABPlayer(Audio(np.zeros((1, 0)), SR))
    with pytest.raises(AudioDataError, match=r"needs a studio.Audio, got ndarray"):
        ABPlayer(np.zeros((2, 100)))


# -- loudness matching ------------------------------------------------------------------


def test_offset_applied_only_when_matching() -> None:
    p = ABPlayer(tone(2), tone(2, amp=0.25), match_loudness=False)
    p.b_offset_db = -3.2
    assert p.b_offset_db == -3.2  # the measured value is kept...
    assert p.applied_offset_db == 0.0  # ...but not applied
    assert p.playback_gains_db == (0.0, 0.0)
    assert p.offset_text() == "Loudness matching off: B plays at its own level"
    p.match_loudness = True
    assert p.applied_offset_db == -3.2
    assert p.playback_gains_db == (0.0, -3.2)
    assert p.offset_text() == "B is played 3.2 dB quieter to match loudness"


def test_positive_offset_turns_a_down_instead_of_pushing_b_up() -> None:
    # B 6 dB quieter than A: raising B could clip, so A goes down; the difference holds.
    p = ABPlayer(tone(2, amp=0.5), tone(2, amp=0.25))
    p.b_offset_db = 20 * math.log10(2)
    gain_a_db, gain_b_db = p.playback_gains_db
    assert gain_b_db == 0.0 and gain_a_db == pytest.approx(-6.0206, abs=1e-4)
    # Played levels now agree: 0.5 * 10**(-6.02/20) == 0.25.
    assert 0.5 * 10 ** (gain_a_db / 20) == pytest.approx(0.25)
    assert p.offset_text().startswith("B is played 6.0 dB louder to match loudness")


def test_offset_text_for_equal_levels_and_no_b() -> None:
    p = ABPlayer(tone(2))
    assert p.offset_text() == ""
    p.set_b(tone(2))
    p.b_offset_db = 0.01
    assert p.offset_text() == "A and B are equally loud: no level offset needed"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_unusable_offsets_are_refused(bad: float) -> None:
    p = ABPlayer(tone(2), tone(2))
    with pytest.raises(ParameterError, match="b_offset_db must be a finite level offset"):
        p.b_offset_db = bad
    with pytest.raises(ParameterError, match="finite"):
        p.set_b(tone(2), b_offset_db=bad)
    assert p.b_offset_db == 0.0


def test_huge_offsets_are_limited_to_60_db() -> None:
    p = ABPlayer(tone(2), tone(2))
    p.b_offset_db = -75.0
    assert p.b_offset_db == -MAX_OFFSET_DB == -60.0
    p.b_offset_db = 80.0
    assert p.playback_gains_db == (-60.0, 0.0)


def test_set_b_with_offset_sends_both_in_one_message() -> None:
    p = ABPlayer(tone(2))
    sent = record_messages(p)
    p.set_b(tone(2, amp=0.25), b_offset_db=6.0)
    assert p.b_offset_db == 6.0
    assert len(sent) == 1 and {"b_data", "b_version", "b_offset_db"} <= sent[0]


def test_constructor_options() -> None:
    p = ABPlayer(label_a="Dry", label_b="Compressed", match_loudness=False)
    assert (p.label_a, p.label_b, p.match_loudness, p.active, p.loop) == (
        "Dry",
        "Compressed",
        False,
        "a",
        True,
    )
    p.active = "b"
    with pytest.raises(Exception, match="active"):
        p.active = "c"


# -- checksum ---------------------------------------------------------------------------


def test_checksum_of_known_buffers() -> None:
    # 10000 floats -> stride 2 -> 5000 terms.
    half = np.full(10000, 0.5, dtype="<f4").tobytes()
    assert float32_checksum(half) == "2500.000000"
    assert float32_checksum(np.full(10000, -0.25, dtype="<f4").tobytes()) == "-1250.000000"
    # Rounded down, not to nearest: 1e-7 * 1e6 = 0.1 -> 0 and -0.1 -> -1.
    tiny = np.array([1e-7, -1e-7], dtype="<f4").tobytes()
    assert float32_checksum(tiny) == "-0.000001"
    # Clamped to +-1000 so the integer sum stays exact.
    assert float32_checksum(np.array([3e38], dtype="<f4").tobytes()) == "1000.000000"
    assert float32_checksum(b"") == "0.000000"


@settings(max_examples=40, deadline=None)
@given(
    arrays(
        np.float32,
        st.integers(0, 9000),
        elements=st.floats(-2000.0, 2000.0, allow_nan=False, width=32),
    )
)
def test_checksum_matches_sample_by_sample_reference(floats: np.ndarray) -> None:
    assert float32_checksum(floats.astype("<f4").tobytes()) == reference_checksum(floats)


def test_player_checksum_is_that_of_the_b_bytes() -> None:
    b = tone(2, amp=0.3)
    p = ABPlayer(tone(2), b)
    direct = reference_checksum(b.samples.astype(np.float32).ravel())
    assert p.b_checksum() == direct


# -- the JavaScript file ------------------------------------------------------------------


def test_js_file_is_the_widget_module() -> None:
    source = JS_PATH.read_text(encoding="utf-8")
    assert "function render({ model, el })" in source
    assert "export default { render }" in source
    assert "decodeAudioData" not in source and "http" not in source  # no CDN, no decoding
    p = ABPlayer()  # the instance carries the file contents as synced strings
    assert p._esm == source and ".studio-abplayer" in p._css


@needs_node
def test_js_syntax_parses(tmp_path: Path) -> None:
    copy = tmp_path / "player.mjs"
    shutil.copy(JS_PATH, copy)
    result = subprocess.run(
        [NODE, "--check", str(copy)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr


@needs_node
def test_js_helpers_agree_with_python(tmp_path: Path) -> None:
    """player.js's checksum, status line and gains give what player.py gives."""
    shutil.copy(JS_PATH, tmp_path / "player.mjs")
    rng = np.random.default_rng(7)
    buffers = {
        "noise": (rng.standard_normal(3 * 48000) * 0.3).astype("<f4"),
        "short": np.array([0.1, -0.2, 1e-7, -1e-7, 5000.0], dtype="<f4"),
        "empty": np.zeros(0, dtype="<f4"),
    }
    for name, floats in buffers.items():
        (tmp_path / f"{name}.bin").write_bytes(floats.tobytes())
    cases = [(True, -3.2), (True, 4.44), (True, 0.01), (False, -3.2)]
    (tmp_path / "cases.json").write_text(json.dumps({"names": list(buffers), "cases": cases}))
    script = tmp_path / "check.mjs"
    script.write_text(
        """
import { readFileSync } from "node:fs";
import { checksum, formatTime, offsetText, playbackGainsDb, toFloat32 } from "./player.mjs";
const here = (name) => new URL(`./${name}`, import.meta.url);
const { names, cases } = JSON.parse(readFileSync(here("cases.json"), "utf8"));
const out = { checksums: {}, texts: [], gains: [] };
for (const name of names) {
  // A Node Buffer is a view at an arbitrary byte offset, like a widget's DataView.
  out.checksums[name] = checksum(toFloat32(readFileSync(here(`${name}.bin`))));
}
for (const [match, offset] of cases) {
  out.texts.push(offsetText(match, offset, true));
  out.gains.push(playbackGainsDb(match, offset));
}
out.times = [0, 3.25, 59.96, 61.5, 599.99].map(formatTime);
console.log(JSON.stringify(out));
"""
    )
    result = subprocess.run([NODE, str(script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    for name, floats in buffers.items():
        assert out["checksums"][name] == float32_checksum(floats.tobytes()), name
    p = ABPlayer(tone(2), tone(2))
    for (match, offset), text, gains in zip(cases, out["texts"], out["gains"], strict=True):
        p.match_loudness, p.b_offset_db = match, offset
        assert text == p.offset_text()
        assert tuple(gains) == pytest.approx(p.playback_gains_db)
    assert out["times"] == ["00:00.0", "00:03.2", "00:59.9", "01:01.5", "09:59.9"]
