"""The exception family: one base class, and each error also the built-in kind it is."""

from __future__ import annotations

import pytest

import studio
from studio.errors import (
    AudioDataError,
    AudioFileError,
    ParameterError,
    PresetError,
    StudioError,
)


def test_audio_file_error_is_an_os_error_and_a_studio_error():
    assert issubclass(AudioFileError, OSError)
    assert issubclass(AudioFileError, StudioError)
    error = AudioFileError("'song.wav' does not exist.")
    assert str(error) == "'song.wav' does not exist."
    assert error.args == ("'song.wav' does not exist.",)


def test_ordinary_os_error_handling_catches_a_missing_file(tmp_path):
    missing = tmp_path / "song.wav"
    with pytest.raises(OSError, match="'song.wav' does not exist"):
        studio.load(missing)
    try:
        studio.load(missing)
    except OSError as exc:  # the way general file-handling code is written
        assert isinstance(exc, StudioError)
    else:  # pragma: no cover - load must fail
        pytest.fail("load() of a missing file did not raise")


@pytest.mark.parametrize(
    ("error", "builtin"),
    [(AudioDataError, ValueError), (ParameterError, ValueError), (AudioFileError, OSError)],
)
def test_each_error_is_also_its_builtin_kind(error, builtin):
    assert issubclass(error, StudioError) and issubclass(error, builtin)


def test_preset_error_is_a_studio_error():
    assert issubclass(PresetError, StudioError)
