"""listen(): the player carries the chosen audio, as Ogg bytes the browser can play."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from studio.audio import Audio
from studio.widgets.listen import OggPlayer, TrackPlayer, listen, mix_label

MIX_LABEL = mix_label()

SR = 48000


def track(freq_hz: float, n_channels: int, amp: float, seconds: float = 2.0) -> Audio:
    t = np.arange(int(seconds * SR)) / SR
    rows = [amp * np.sin(2 * np.pi * freq_hz * t)] * n_channels
    return Audio(np.vstack(rows), SR, f"{freq_hz:g} Hz")


def rms_db(samples: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(samples))))


def heard(player: TrackPlayer) -> np.ndarray:
    """Decode the Ogg bytes the browser received: ``(channels, frames)`` at their rate."""
    frames, sr = sf.read(io.BytesIO(player.audio.data), dtype="float32", always_2d=True)
    assert sr == SR
    return frames.T


class Session:
    """The shape listen() accepts from a demo session: tracks and a mixdown."""

    def __init__(self):
        self.tracks = {"bass": track(55.0, 1, 0.5), "pad": track(440.0, 2, 0.1, seconds=3.0)}

    def mixdown(self) -> Audio:
        return track(220.0, 2, 0.3, seconds=3.0)


@pytest.mark.parametrize("choice", [MIX_LABEL, "bass", "pad"])
def test_the_player_carries_the_chosen_audio(choice: str) -> None:
    session = Session()
    player = listen(session)
    player.picker.value = choice
    wanted = session.mixdown() if choice == MIX_LABEL else session.tracks[choice]
    got = heard(player)
    assert got.shape[0] == wanted.n_channels
    assert abs(got.shape[1] - wanted.n_frames) <= SR // 100  # the same duration
    assert rms_db(got) == pytest.approx(rms_db(wanted.samples), abs=0.5)  # the same level
    assert player.audio.label == choice and f"{wanted.duration_s:.1f} s" in player.info.value


def test_a_new_choice_sends_new_audio_and_reuses_each_encoding() -> None:
    player = TrackPlayer({"low": track(100.0, 1, 0.5), "high": track(3000.0, 1, 0.05)})
    first, version = player.audio.data, player.audio.version
    player.picker.value = "high"
    assert player.audio.data != first and player.audio.version == version + 1
    assert rms_db(heard(player)) == pytest.approx(rms_db(track(3000.0, 1, 0.05).samples), abs=0.5)
    player.picker.value = "low"
    assert player.audio.data == first  # encoded once, reused
    assert len(first) < 0.2 * 2 * SR * 2  # well under a 16-bit WAV of the same audio


def test_a_single_audio_is_listed_under_its_name() -> None:
    player = listen(track(220.0, 2, 0.2))
    assert player.picker.options == ("220 Hz",) and len(player.audio.data) > 0


def test_the_track_player_is_an_ogg_player_in_the_page_transport() -> None:
    player = listen(track(220.0, 2, 0.2))
    assert isinstance(player.audio, OggPlayer)
    assert "__studioTransport1" in player.audio._esm  # the same page-wide entry as player.js
