"""The delivery targets: their figures, their playback rule, and the stage's boundary."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from studio.errors import ParameterError
from studio.mastering import TARGETS, Target, target


def test_every_target_the_issue_names_is_there() -> None:
    expected = {
        "spotify", "spotify_loud", "spotify_quiet", "apple_music", "youtube",
        "amazon_music", "tidal", "deezer", "aes_streaming", "ebu_r128", "atsc_a85",
        "cd_club",
    }  # fmt: skip
    assert expected <= set(TARGETS)


@pytest.mark.parametrize("key", sorted(TARGETS))
def test_each_target_has_words_a_source_and_a_date(key: str) -> None:
    t = TARGETS[key]
    assert t.name and t.source and t.rule_text
    assert len(t.date) == 10 and t.date[4] == "-"
    assert t.true_peak_dbtp <= 0.0
    if t.normalisation != "none":
        assert t.reference_lufs == t.integrated_lufs


def test_published_figures() -> None:
    assert target("spotify").integrated_lufs == -14.0
    assert target("spotify_loud").integrated_lufs == -11.0
    assert target("spotify_quiet").integrated_lufs == -19.0
    assert target("apple_music").integrated_lufs == -16.0
    assert target("ebu_r128").integrated_lufs == -23.0
    assert target("ebu_r128").true_peak_dbtp == -1.0
    assert target("atsc_a85").integrated_lufs == -24.0
    assert target("atsc_a85").true_peak_dbtp == -2.0


def test_playback_gain_follows_each_rule() -> None:
    spotify, youtube, club = target("spotify"), target("youtube"), target("cd_club")
    # louder than the reference: every normalising service turns it down by the difference
    assert spotify.playback_gain_db(-8.0, -0.1) == pytest.approx(-6.0)
    assert youtube.playback_gain_db(-8.0, -0.1) == pytest.approx(-6.0)
    # quieter: Spotify raises it while the true peak allows, YouTube leaves it
    assert spotify.playback_gain_db(-20.0, -10.0) == pytest.approx(6.0)
    assert spotify.playback_gain_db(-20.0, -3.0) == pytest.approx(2.0)
    assert spotify.playback_gain_db(-20.0, 0.5) == 0.0
    assert youtube.playback_gain_db(-20.0, -10.0) == 0.0
    assert club.playback_gain_db(-5.0, 0.0) == 0.0
    assert spotify.playback_gain_db(-math.inf, -math.inf) == 0.0


def test_lookup_is_forgiving_and_errors_name_the_choices() -> None:
    assert target("EBU-R128") is TARGETS["ebu_r128"]
    assert target(TARGETS["tidal"]) is TARGETS["tidal"]
    with pytest.raises(ParameterError, match="no target called 'spotfy'.*spotify"):
        target("spotfy")


def test_impossible_targets_are_refused() -> None:
    with pytest.raises(ParameterError, match="normalisation"):
        Target("x", -14.0, -1.0, "sideways", -14.0, -1.0, 0.5, "2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="true_peak_dbtp"):
        Target("x", -14.0, 3.0, "down", -14.0, -1.0, 0.5, "2026-01-01")
    custom = Target("mine", -12.0, -1.0, "none", math.nan, math.nan, 0.5, "2026-01-01", "my label")
    assert custom.source == "my label"


def test_mastering_never_imports_mixing() -> None:
    """Mastering takes a stereo file, never a session: importing it all loads no mixing."""
    code = (
        "import pkgutil, importlib, sys, studio.mastering as m\n"
        "for info in pkgutil.walk_packages(m.__path__, 'studio.mastering.'):\n"
        "    importlib.import_module(info.name)\n"
        "bad = sorted(n for n in sys.modules if n.startswith('studio.mixing'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
