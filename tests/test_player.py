"""What the player sends is what the listener hears: decoded per side, after every swap.

No browser and no kernel: widgets are created and their traits set in plain pytest, and
every message a widget would send to the browser is recorded. The JavaScript half's pure
functions (decoding, checksums, gains, the status line, the shared transport) run under
node and must agree with Python bit for bit.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import ipywidgets
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from ipywidgets.widgets.widget import _remove_buffers
from jsnode import WIDGETS, run_node

from studio.audio import Audio
from studio.errors import AudioDataError, ParameterError
from studio.widgets.pcm16 import codes_checksum
from studio.widgets.player import (
    CODE_MAX,
    MAX_OFFSET_DB,
    MAX_PREVIEW_S,
    ABPlayer,
    Player,
    browser_texts,
    decode_samples,
    encode_samples,
    float32_checksum,
    format_db,
    match_gains_db,
    status_text,
)

SR = 8000


def tone(
    n_channels: int = 2, seconds: float = 0.5, *, amp: float = 0.5, freq: float = 220.0, sr=SR
) -> Audio:
    t = np.arange(round(seconds * sr)) / sr
    rows = [amp * np.sin(2 * np.pi * freq * (c + 1) * t + 0.3 * c) for c in range(n_channels)]
    return Audio(np.vstack(rows), sr, f"tone{n_channels}")


def noise(seed: int, n_channels: int = 2, seconds: float = 0.5, amp: float = 0.2) -> Audio:
    rng = np.random.default_rng(seed)
    return Audio(amp * rng.standard_normal((n_channels, round(seconds * SR))), SR, f"noise{seed}")


def played(p: Player, name: str) -> np.ndarray:
    """What the browser rebuilds for a side, from the synced traits alone (codes x scale)."""
    side = p.side(name)
    source = p.side(side.same_as) if side.same_as else side
    assert source.n_channels > 0, f"side {name!r} holds no samples"
    assert len(source.data) == 2 * source.n_channels * side.n_frames, f"side {name!r}: bad length"
    return decode_samples(source.data, source.scale, source.n_channels)


def assert_plays(p: Player, name: str, audio: Audio) -> None:
    """Side ``name`` plays ``audio`` (fitted to the passage) within half a 16-bit step."""
    n_frames = p.side(name).n_frames
    wanted = np.zeros((audio.n_channels, n_frames))
    keep = min(n_frames, audio.n_frames)
    wanted[:, :keep] = np.asarray(audio.samples, dtype=np.float32)[:, :keep]
    decoded = played(p, name).astype(np.float64)
    assert decoded.shape == wanted.shape, name
    peak = float(np.max(np.abs(wanted))) if wanted.size else 0.0
    bound = 0.5 * peak / CODE_MAX * (1 + 1e-3) + np.abs(wanted) * 2.0**-23
    worst = float(np.max(np.abs(decoded - wanted) - bound)) if wanted.size else 0.0
    assert worst <= 0.0, f"side {name!r} does not play the audio given (off by {worst:.3g})"


@pytest.fixture
def sent(monkeypatch):
    """Every message any widget sends from now on: (widget, state keys, buffer bytes)."""
    log: list[tuple[ipywidgets.Widget, set[str], int]] = []
    original = ipywidgets.Widget._send

    def record(self, msg, buffers=None):
        keys = set(msg.get("state", {})) | {
            ".".join(map(str, p)) for p in msg.get("buffer_paths", [])
        }
        log.append((self, keys, sum(len(memoryview(b).cast("B")) for b in buffers or [])))
        return original(self, msg, buffers)

    monkeypatch.setattr(ipywidgets.Widget, "_send", record)
    return log


# -- wire format -------------------------------------------------------------------------


def test_encoding_is_planar_int16_with_a_scale() -> None:
    a = tone(2)
    data, scale = encode_samples(a.samples)
    assert len(data) == 2 * 2 * a.n_frames  # half of float32
    assert scale == pytest.approx(np.max(np.abs(a.samples)) / 32767, rel=1e-12)
    codes = np.frombuffer(data, dtype="<i2").reshape(2, -1)
    assert np.max(np.abs(codes)) == 32767  # the peak uses the full range
    # Planar: the first n_frames codes are all of channel 0.
    np.testing.assert_allclose(codes[0] * scale, a.samples[0], atol=scale / 2 * 1.001)


def test_known_codes() -> None:
    data, scale = encode_samples(np.array([[0.5, -0.25, 0.0, 0.125]]))
    assert scale == 0.5 / 32767
    assert np.frombuffer(data, dtype="<i2").tolist() == [32767, -16384, 0, 8192]
    decoded = decode_samples(data, scale)
    assert decoded.dtype == np.float32 and decoded[0, 0] == np.float32(0.5)


def test_audio_over_full_scale_keeps_its_level() -> None:
    loud = 4.0 * tone(2).samples  # make-up gain can push a preview past 1.0
    data, scale = encode_samples(loud)
    decoded = decode_samples(data, scale, 2)
    assert np.max(np.abs(decoded)) == pytest.approx(np.max(np.abs(loud)), rel=1e-6)


def test_silence_has_scale_zero_and_tiny_peaks_keep_resolution() -> None:
    data, scale = encode_samples(np.zeros((2, 100)))
    assert scale == 0.0 and data == bytes(400)
    tiny = np.array([[1e-40, -3e-41, 0.0]], dtype=np.float32)  # the float64 path
    data, scale = encode_samples(tiny)
    assert np.frombuffer(data, dtype="<i2")[0] == 32767
    assert scale == pytest.approx(1e-40 / 32767, rel=1e-6)


def test_encode_samples_refuses_what_it_cannot_scale() -> None:
    with pytest.raises(AudioDataError, match="NaN"):
        encode_samples(np.array([[0.1, np.nan]]))
    with pytest.raises(AudioDataError, match="too large"):
        encode_samples(np.array([[1e300]]))


@settings(max_examples=30, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 3), st.integers(1, 50)),
        elements=st.floats(-4.0, 4.0, allow_nan=False),
    )
)
def test_any_audio_round_trips_through_a_side(samples: np.ndarray) -> None:
    p = Player({"x": Audio(samples, SR)})
    assert_plays(p, "x", Audio(samples, SR))
    codes = np.frombuffer(p.side("x").data, dtype="<i2")
    assert codes.min() >= -CODE_MAX  # -32768 is never used: a symmetric range


def test_audio_travels_as_binary_buffers_not_base64() -> None:
    p = Player({"mix": tone(2), "master": noise(1)})
    for side in p.sides:
        _, paths, buffers = _remove_buffers(side.get_state())
        assert ["data"] in paths
        assert all(isinstance(b, (bytes, memoryview)) for b in buffers)


# -- N named sides -----------------------------------------------------------------------


def test_every_side_plays_the_audio_given() -> None:
    mix, master, ref = tone(2), noise(1), tone(1, freq=330.0)
    p = Player({"mix": mix, "master": master, "reference": ref}, labels={"reference": "Pro"})
    assert p.names == ("mix", "master", "reference")
    for name, audio in (("mix", mix), ("master", master), ("reference", ref)):
        assert_plays(p, name, audio)
    assert [s.tag for s in p.sides] == ["A", "B", "C"]
    assert p.side("reference").label == "Pro" and p.side("mix").label == "mix"
    assert p.reference == "mix" and p.active == "mix"


def test_the_check_catches_a_side_played_backwards_or_never_sent() -> None:
    # assert_plays is what every test here relies on: it must fail for a wrong side.
    b = noise(2)
    p = Player({"a": tone(2), "b": b})
    side = p.side("b")
    codes = np.frombuffer(side.data, dtype="<i2").reshape(2, -1)
    side.data = np.ascontiguousarray(codes[:, ::-1]).tobytes()  # played backwards
    with pytest.raises(AssertionError, match="does not play"):
        assert_plays(p, "b", b)
    side.data = b""  # never sent
    with pytest.raises(AssertionError, match="bad length"):
        assert_plays(p, "b", b)


def test_updating_one_side_sends_that_side_alone(sent) -> None:
    sides = {"mix": tone(2, 2.0), "master": noise(1, seconds=2.0), "ref": noise(2, seconds=2.0)}
    p = Player(sides)
    one_side_bytes = 2 * 2 * p.side("mix").n_frames
    sent.clear()
    p.set_side("master", noise(3, seconds=2.0), loudness_db=4.5)
    assert len(sent) == 1, [keys for _, keys, _ in sent]
    widget, keys, n_bytes = sent[0]
    assert widget is p.side("master")
    assert {"data", "scale", "version", "loudness_db"} <= keys  # samples and level together
    assert n_bytes == one_side_bytes  # one third of what resending every side would cost
    assert_plays(p, "master", noise(3, seconds=2.0))
    assert_plays(p, "ref", sides["ref"])


def test_every_side_stays_right_through_many_swaps() -> None:
    rng = np.random.default_rng(5)
    given_audio = {"a": noise(10), "b": noise(11), "c": noise(12)}
    p = Player(given_audio)
    for step in range(12):
        name = ["a", "b", "c"][int(rng.integers(3))]
        seconds = 0.5 if name == "a" else float(rng.choice([0.25, 0.5, 0.75]))
        given_audio[name] = noise(100 + step, seconds=seconds)
        p.set_side(name, given_audio[name])
        for side, audio in given_audio.items():
            assert_plays(p, side, audio)  # shorter: padded with silence; longer: trimmed


def test_a_side_equal_to_the_reference_sends_no_samples(sent) -> None:
    a = tone(2)
    p = Player({"a": a, "b": a.with_samples(a.samples.copy())})
    assert p.side("b").same_as == "a" and p.side("b").data == b""
    np.testing.assert_array_equal(played(p, "b"), played(p, "a"))
    assert p.checksum("b") == p.checksum("a")
    assert p.status_text() == "Both sides are equally loud: no level change needed"
    # A new reference: b is no longer equal to it, so its own samples are sent now.
    sent.clear()
    p.set_side("a", tone(2, amp=0.3))
    assert p.side("b").same_as == "" and len(p.side("b").data) == 2 * 2 * a.n_frames
    assert_plays(p, "b", a)
    assert {w.model_id for w, _, _ in sent} == {p.side("a").model_id, p.side("b").model_id}


def test_almost_equal_or_differently_shaped_sides_are_sent() -> None:
    a = tone(2)
    nudged = a.samples.copy()
    nudged[1, 100] += 1e-6
    assert Player({"a": a, "b": Audio(nudged, SR)}).side("b").same_as == ""
    mono = tone(1)
    assert (
        Player({"a": mono, "b": Audio(np.vstack([mono.samples] * 2), SR)}).side("b").same_as == ""
    )


def test_a_new_passage_refits_and_resends_every_side() -> None:
    b = noise(4, seconds=0.5)
    p = Player({"a": tone(2, 0.25), "b": b})
    assert p.side("b").n_frames == tone(2, 0.25).n_frames  # trimmed to the reference
    version = p.side("b").version
    p.set_side("a", tone(2, 0.5))
    assert p.side("b").n_frames == b.n_frames and p.side("b").version == version + 1
    assert_plays(p, "b", b)


def test_a_side_alone_sets_the_passage_until_the_reference_arrives() -> None:
    b = tone(1, 0.3)
    p = ABPlayer(b=b)
    assert p.side("a").n_channels == 0 and p.side("b").n_frames == b.n_frames
    p.set_a(tone(1, 0.5))
    assert p.side("b").n_frames == tone(1, 0.5).n_frames
    assert_plays(p, "b", b)


def test_emptying_a_side() -> None:
    p = Player({"a": tone(2), "b": noise(1)})
    p.set_side("b", None)
    side = p.side("b")
    assert (side.data, side.n_channels, side.scale) == (b"", 0, 0.0)
    assert p.status_text() == ""  # one side left: nothing to compare


def test_mono_against_stereo_is_allowed_other_mismatches_are_not() -> None:
    p = Player({"a": tone(1), "b": tone(2)})
    assert (p.side("a").n_channels, p.side("b").n_channels) == (1, 2)
    with pytest.raises(AudioDataError, match=r"side 'a'.* has 2 channels but side 'b'.* has 3"):
        Player({"a": tone(2), "b": tone(3)})


# -- refusals ------------------------------------------------------------------------------


def test_sample_rate_mismatch_is_refused_plainly_and_nothing_is_sent(sent) -> None:
    p = Player({"a": tone(2, sr=48000), "b": tone(2, sr=48000)})
    sent.clear()
    with pytest.raises(AudioDataError, match=r"at 48000 Hz but side 'b'.* is at 44100 Hz"):
        p.set_side("b", tone(2, sr=44100))
    assert sent == [] and p.side("b").sr == 48000
    p.set_sides({"a": tone(2, sr=44100), "b": tone(2, sr=44100)})  # together: fine
    assert p.side("b").sr == 44100


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e300])
def test_non_finite_audio_is_refused(bad: float) -> None:
    samples = tone(2).samples.copy()
    samples[1, 2000] = bad  # 1e300 does not fit in float32: it would play as inf
    p = Player({"a": tone(2), "b": None})
    with pytest.raises(AudioDataError, match=r"1 samples that are NaN.*channel 1 at 0\.250 s"):
        p.set_side("b", Audio(samples, SR))
    assert p.side("b").data == b""  # nothing half-sent


def test_long_empty_and_wrong_inputs_are_refused() -> None:
    long = Audio(np.zeros((1, round((MAX_PREVIEW_S + 1) * SR)), np.float32), SR, "song.wav")
    with pytest.raises(AudioDataError, match=r"'song.wav'\) is 61.0 s long.*segment"):
        Player({"a": long})
    with pytest.raises(AudioDataError, match="empty"):
        Player({"a": Audio(np.zeros((1, 0)), SR)})
    with pytest.raises(AudioDataError, match=r"needs a studio.Audio, got ndarray"):
        Player({"a": np.zeros((2, 100))})
    with pytest.raises(ParameterError, match="short lower-case keys"):
        Player({"Mix Down": tone(2)})
    with pytest.raises(ParameterError, match=r"labels names no side \['x'\]"):
        Player({"a": tone(2)}, labels={"x": "X"})
    with pytest.raises(ParameterError, match="no side 'c'"):
        Player({"a": tone(2)}).set_side("c", tone(2))
    with pytest.raises(ParameterError, match="no side 'c' to play"):
        Player({"a": tone(2)}).active = "c"


# -- loudness matching and the status line -------------------------------------------------


def test_louder_sides_are_turned_down_never_a_quiet_one_up() -> None:
    p = Player(
        {"mix": tone(2), "master": noise(1), "ref": noise(2)},
        loudness_db={"master": 6.2, "ref": 8.1},
    )
    assert p.playback_gains_db() == pytest.approx({"mix": 0.0, "master": -6.2, "ref": -8.1})
    assert p.status_text() == (
        "Turned down to match the loudness of mix: master by 6.2 dB, ref by 8.1 dB"
    )
    p.set_loudness("master", -3.0)  # now master is the quietest: the others come down
    assert p.playback_gains_db() == pytest.approx({"mix": -3.0, "master": 0.0, "ref": -11.1})
    assert all(g <= 0.0 for g in p.playback_gains_db().values())
    p.match_loudness = False
    assert set(p.playback_gains_db().values()) == {0.0}
    assert p.status_text() == "Loudness matching off: every side plays at its own level"


def test_status_line_says_plainly_which_side_is_turned_down() -> None:
    # The old line read "B is played 3.8 dB louder ... (A is turned down instead ...)".
    p = ABPlayer(tone(2), tone(2, amp=0.3), label_b="With EQ")
    p.b_offset_db = 3.8  # B measured 3.8 dB quieter than A
    assert p.status_text() == "Original is turned down 3.8 dB to match the loudness of With EQ"
    assert p.playback_gains_db() == pytest.approx({"a": -3.8, "b": 0.0})
    p.b_offset_db = -2.25  # B louder: B comes down (2.25 reads 2.3: halves round up)
    assert p.status_text() == "With EQ is turned down 2.3 dB to match the loudness of Original"
    p.b_offset_db = 0.01
    assert p.status_text() == "Both sides are equally loud: no level change needed"


def test_a_silent_side_is_named_and_left_out_of_matching() -> None:
    p = Player(
        {"a": tone(2), "b": Audio(np.zeros((2, 4000)), SR), "c": noise(1)}, loudness_db={"c": 2.0}
    )
    assert p.side("b").silent and p.checksum("b") == "0.000000"
    assert p.status_text() == (
        "c is turned down 2.0 dB to match the loudness of a. "
        "b is silent: there is no loudness to match"
    )
    assert p.playback_gains_db()["b"] == 0.0


def test_offsets_are_limited_and_non_finite_ones_refused() -> None:
    p = ABPlayer(tone(2), tone(2))
    p.b_offset_db = -75.0
    assert p.b_offset_db == -MAX_OFFSET_DB
    p.b_offset_db = 80.0
    assert p.playback_gains_db() == {"a": -60.0, "b": 0.0}
    for bad in (math.nan, math.inf):
        with pytest.raises(ParameterError, match="finite"):
            p.b_offset_db = bad
        with pytest.raises(ParameterError, match="finite"):
            p.set_b(tone(2), b_offset_db=bad)
        with pytest.raises(ParameterError, match="finite level"):
            p.set_loudness("b", bad)
    assert match_gains_db([("x", 0.0, False), ("y", 500.0, False)]) == {"x": 0.0, "y": -60.0}


@pytest.mark.parametrize(
    ("value", "text"),
    [(2.25, "2.3"), (0.05, "0.1"), (3.849, "3.8"), (-6.02, "6.0"), (59.96, "60.0")],
)
def test_format_db_rounds_halves_up(value: float, text: str) -> None:
    assert format_db(value) == text


# -- ABPlayer: the two-sided case the panel uses --------------------------------------------


def test_ab_player_set_b_sends_samples_and_offset_in_one_message(sent) -> None:
    p = ABPlayer(tone(2), label_a="Dry", label_b="Compressed")
    assert "studio-abplayer" in p._dom_classes
    version = p.b_version
    sent.clear()
    p.set_b(tone(2, amp=0.25), b_offset_db=6.0)
    assert p.b_offset_db == 6.0 and p.b_version == version + 1
    assert len(sent) == 1 and {"data", "version", "loudness_db"} <= sent[0][1]
    assert p.status_text() == "Dry is turned down 6.0 dB to match the loudness of Compressed"
    assert_plays(p, "b", tone(2, amp=0.25))
    assert p.b_checksum() == float32_checksum(played(p, "b"))
    p.set_b(p.a)
    assert p.b_same_as_a and p.side("b").data == b""


def test_closing_a_player_closes_its_sides() -> None:
    p = Player({"a": tone(2), "b": tone(2)})
    sides = list(p.sides)
    p.close()
    assert all(side.comm is None for side in sides)


# -- checksum ------------------------------------------------------------------------------


def reference_checksum(floats: np.ndarray) -> str:
    """The checksum spelled out one sample at a time, like the loop in player.js."""
    values = [float(v) for v in floats]
    stride = max(1, len(values) // 4096)
    total = 0
    for i in range(0, len(values), stride):
        total += math.floor(min(1000.0, max(-1000.0, values[i])) * 1e6)
    return f"{total / 1e6:.6f}"


def test_checksum_of_known_buffers() -> None:
    half = np.full(10000, 0.5, dtype="<f4").tobytes()  # stride 2 -> 5000 terms
    assert float32_checksum(half) == "2500.000000"
    tiny = np.array([1e-7, -1e-7], dtype="<f4").tobytes()  # rounded down, not to nearest
    assert float32_checksum(tiny) == "-0.000001"
    assert float32_checksum(np.array([3e38], dtype="<f4").tobytes()) == "1000.000000"
    assert float32_checksum(b"") == "0.000000"
    assert float32_checksum(np.full((2, 5000), 0.5)) == float32_checksum(half)


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


@settings(max_examples=25, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 2), st.integers(1, 6000)),
        elements=st.floats(-8.0, 8.0, allow_nan=False),
    )
)
def test_side_checksum_is_that_of_the_decoded_samples(samples: np.ndarray) -> None:
    p = Player({"x": Audio(samples, SR)})
    assert p.checksum("x") == float32_checksum(played(p, "x"))


# -- what one instance costs on the wire ----------------------------------------------------


def wire_bytes(widget: ipywidgets.Widget) -> int:
    """Bytes of the comm_open messages of a widget and every widget it holds."""
    from studio.widgets.lifecycle import widget_tree

    total = 0
    for w in widget_tree(widget):
        state, _, buffers = _remove_buffers(w.get_state())
        total += len(json.dumps(state)) + sum(len(memoryview(b).cast("B")) for b in buffers)
    return total


def test_an_empty_player_costs_a_few_kilobytes() -> None:
    esm = (WIDGETS / "player.js").read_bytes()
    assert len(esm) < 40_000, len(esm)  # the module travels with every instance
    cost = wire_bytes(Player({"mix": None, "master": None, "ref": None}))
    assert cost < len(esm) + 8_000, cost
    print(f"player.js {len(esm)} B; an empty 3-sided player costs {cost} B on the wire")


# -- the JavaScript half, under node ------------------------------------------------------


def test_js_decodes_and_fingerprints_exactly_like_python(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    sources = {
        "noise": rng.standard_normal(3 * 4800) * 0.3,
        "loud": np.array([0.1, -0.2, 1e-7, -1e-7, 5000.0]),  # checksum clamps at 1000
        "tiny": np.array([1e-40, -7e-41, 0.0]),  # float64 path in encode_samples
        "silence": np.zeros(64),
    }
    cases = {}
    for name, samples in sources.items():
        data, scale = encode_samples(samples[np.newaxis, :])
        (tmp_path / f"{name}.bin").write_bytes(data)
        cases[name] = scale
    script = """
import { writeFileSync } from "node:fs";
import { checksum, decodeSamples, formatTime, toInt16 } from "./player.mjs";
const here = (name) => new URL(`./${name}`, import.meta.url);
const out = { checksums: {} };
for (const [name, scale] of Object.entries(input)) {
  const floats = decodeSamples(toInt16(readFileSync(here(`${name}.bin`))), scale);
  out.checksums[name] = checksum(floats);
  writeFileSync(here(`${name}.f32`), new Uint8Array(floats.buffer));
}
// a view at an odd byte offset cannot be an Int16Array: the DataView path reads it
const bytes = readFileSync(here("noise.bin"));
const shifted = new Uint8Array(bytes.length + 1);
shifted.set(bytes, 1);
const oddView = new DataView(shifted.buffer, 1, bytes.length);
out.odd = checksum(decodeSamples(toInt16(oddView), input.noise));
out.times = [0, 3.25, 59.96, 61.5, 599.99].map(formatTime);
console.log(JSON.stringify(out));
"""
    out = run_node(tmp_path, script, ("player",), cases)
    for name, scale in cases.items():
        expected = decode_samples((tmp_path / f"{name}.bin").read_bytes(), scale)
        assert (tmp_path / f"{name}.f32").read_bytes() == expected.tobytes(), name  # bit for bit
        assert out["checksums"][name] == float32_checksum(expected), name
    assert out["odd"] == out["checksums"]["noise"]
    assert out["times"] == ["00:00.0", "00:03.2", "00:59.9", "01:01.5", "09:59.9"]


def test_js_gains_and_status_line_agree_with_python(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    cases = []
    for _ in range(200):
        n = int(rng.integers(1, 5))
        levels = [round(float(x), int(rng.integers(0, 3))) for x in rng.normal(0, 5, n)]
        levels += [2.25, 0.05, 0.04999, 75.0][: int(rng.integers(0, 2))]  # halves, limits
        sides = [
            {
                "name": f"s{i}",
                "label": f"side {i}",
                "loudnessDb": v,
                "silent": bool(rng.random() < 0.15),
            }
            for i, v in enumerate(levels)
        ]
        cases.append({"sides": sides, "match": bool(rng.random() < 0.85)})
    script = """
import { matchGainsDb, statusText } from "./player.mjs";
console.log(JSON.stringify(input.cases.map(({ sides, match }) => ({
  gains: matchGainsDb(sides, match), text: statusText(sides, match, input.texts),
}))));
"""
    data = {"cases": cases, "texts": browser_texts()}
    out = run_node(tmp_path, script, ("player",), data)
    for case, got in zip(cases, out, strict=True):
        sides = case["sides"]
        gains = match_gains_db(
            [(s["name"], s["loudnessDb"], s["silent"]) for s in sides], match=case["match"]
        )
        assert got["gains"] == pytest.approx(gains, abs=1e-12)
        text = status_text(
            [(s["label"], s["loudnessDb"], s["silent"]) for s in sides], match=case["match"]
        )
        assert got["text"] == text


def side_states(p: Player) -> list[dict]:
    """The side models' states as the browser receives them (bytes as lists of bytes)."""
    return [
        {
            "name": s.name,
            "data": list(s.data),
            "scale": s.scale,
            "n_channels": s.n_channels,
            "n_frames": s.n_frames,
            "sr": s.sr,
            "same_as": s.same_as,
        }
        for s in p.sides
    ]


PREPARE = """
import { prepareSides } from "./player.mjs";
const results = input.map(({ states, reference }) => {
  const prepared = prepareSides(
    states.map((s) => ({ ...s, data: new DataView(new Uint8Array(s.data).buffer) })), reference,
  );
  const sides = prepared.sides.map(({ name, status, checksum }) => ({ name, status, checksum }));
  return { passage: prepared.passage, sides };
});
console.log(JSON.stringify(results));
"""


def test_js_loads_every_side_python_sent(tmp_path: Path) -> None:
    """Each side the kernel filled is ready in the browser with the kernel's checksum."""
    a = tone(2, 0.05)
    players = [
        Player(
            {"mix": a, "master": noise(1, seconds=0.05), "ref": a.with_samples(a.samples.copy())}
        ),
        ABPlayer(b=tone(1, 0.04)),  # the reference is empty: b sets the passage
        Player({"x": Audio(np.zeros((1, 100)), SR), "y": None}),
    ]
    # a side whose samples never came (its data lost on the way) must not count as loaded
    broken = side_states(players[0])
    broken[1]["data"] = []
    cases = [{"states": side_states(p), "reference": p.reference} for p in players]
    cases.append({"states": broken, "reference": "mix"})
    out = run_node(tmp_path, PREPARE, ("player",), cases)
    for p, got in zip(players, out, strict=False):
        for side, entry in zip(p.sides, got["sides"], strict=True):
            if side.loaded:
                assert entry["status"] == "ready", (side.name, entry)
                assert entry["checksum"] == p.checksum(side.name)
            else:
                assert entry["status"] == "empty"
    assert out[0]["sides"][2]["checksum"] == out[0]["sides"][0]["checksum"]  # same_as
    assert out[1]["passage"] == "b"
    assert out[3]["sides"][1]["status"] == "broken" and out[3]["sides"][1]["checksum"] is None


def test_js_holds_a_side_whose_new_length_has_not_arrived(tmp_path: Path) -> None:
    p = Player({"a": tone(1, 0.05), "b": tone(1, 0.05, amp=0.2)})
    states = side_states(p)
    p.set_side("a", tone(1, 0.1))  # the reference message arrived, b's not yet
    states[0] = side_states(p)[0]
    out = run_node(tmp_path, PREPARE, ("player",), [{"states": states, "reference": "a"}])
    assert [s["status"] for s in out[0]["sides"]] == ["ready", "pending"]


def test_one_transport_per_page_player_and_track_player_stop_each_other(tmp_path: Path) -> None:
    script = """
import * as player from "./player.mjs";
import * as listen from "./listen.mjs";
const log = [];
const a = { stop: () => log.push("a stopped") };
const b = { stop: () => log.push("b stopped") };
const c = { stop: () => log.push("c stopped") };
player.claim(a);          // a player starts
player.claim(b);          // another player starts: a stops
listen.claim(c);          // the track player starts: b stops
player.claim(a);          // a starts again: c stops
listen.release(c);        // c was already stopped: releasing it changes nothing
const sameObject = player.transport() === listen.transport();
player.release(a);
console.log(JSON.stringify({ log, sameObject, current: player.transport().current }));
"""
    out = run_node(tmp_path, script, ("player", "listen"))
    assert out["log"] == ["a stopped", "b stopped", "c stopped"]
    assert out["sameObject"] and out["current"] is None


def test_codes_checksum_decodes_only_what_it_sums() -> None:
    data, scale = encode_samples(noise(9).samples)
    assert codes_checksum(data, scale) == float32_checksum(decode_samples(data, scale, 2))


def test_js_decodes_only_the_sides_that_changed(tmp_path: Path) -> None:
    p = Player({"a": tone(1, 0.05), "b": tone(1, 0.05, amp=0.2)})
    states = side_states(p)
    for state, side in zip(states, p.sides, strict=True):
        state["version"] = side.version
    script = """
import { prepareSides } from "./player.mjs";
const states = input.map((s) => ({ ...s, data: new DataView(new Uint8Array(s.data).buffer) }));
const first = prepareSides(states, "a");
const previous = new Map(first.sides.map((e) => [e.name, { ...e, checksum: "kept " + e.name }]));
const again = prepareSides(states, "a", previous);  // nothing changed: nothing decoded
states[1] = { ...states[1], version: states[1].version + 1 };
const bChanged = prepareSides(states, "a", previous);
console.log(JSON.stringify([first, again, bChanged].map((r) => r.sides.map((e) => e.checksum))));
"""
    first, again, b_changed = run_node(tmp_path, script, ("player",), states)
    assert first == [p.checksum("a"), p.checksum("b")]
    assert again == ["kept a", "kept b"]
    assert b_changed == ["kept a", p.checksum("b")]
