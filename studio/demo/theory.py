"""The little music theory the demo song needs: its key, its chords, note numbers.

Pitches are MIDI note numbers (60 is middle C, 69 is the A at 440 Hz), so a melody is a
list of small integers and a transposition is an addition. The song is in D minor: its
notes are D E F G A B-flat C, and every pitched part uses only those.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "BASS_ROOTS",
    "CHORD_TONES",
    "KEY",
    "KEYS_VOICINGS",
    "PAD_VOICINGS",
    "SCALE_PITCH_CLASSES",
    "in_key",
    "midi_to_hz",
    "note_name",
]

KEY = "D minor"
"""The key of the demo song."""

SCALE_PITCH_CLASSES = frozenset({2, 4, 5, 7, 9, 10, 0})
"""Pitch classes (0 = C, 1 = C#, ... 11 = B) of D natural minor: D E F G A Bb C."""

CHORD_TONES = {
    "Dm": frozenset({2, 5, 9}),  # D F A   (i)
    "Bb": frozenset({10, 2, 5}),  # Bb D F (VI)
    "F": frozenset({5, 9, 0}),  # F A C   (III)
    "C": frozenset({0, 4, 7}),  # C E G   (VII)
}
"""Pitch classes of each chord the song uses."""

BASS_ROOTS = {"Dm": 38, "Bb": 34, "F": 41, "C": 36}
"""Bass root of each chord: D2 73 Hz, Bb1 58 Hz, F2 87 Hz, C2 65 Hz (all within 50-100 Hz)."""

KEYS_VOICINGS = {
    "Dm": (57, 62, 65, 69),  # A3 D4 F4 A4
    "Bb": (58, 62, 65, 70),  # Bb3 D4 F4 Bb4
    "F": (57, 60, 65, 69),  # A3 C4 F4 A4
    "C": (55, 60, 64, 67),  # G3 C4 E4 G4
}
"""Electric-piano voicings around middle C, moving by small steps from chord to chord."""

PAD_VOICINGS = {
    "Dm": (50, 53, 57, 62),  # D3 F3 A3 D4
    "Bb": (46, 53, 58, 62),  # Bb2 F3 Bb3 D4
    "F": (48, 53, 57, 60),  # C3 F3 A3 C4
    "C": (48, 52, 55, 60),  # C3 E3 G3 C4
}
"""Pad voicings, deliberately low and close: they pile up between 100 and 300 Hz."""

_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def midi_to_hz(midi: float | np.ndarray) -> float | np.ndarray:
    """Convert a MIDI note number (69 = A4) to a frequency in Hz (equal temperament).

    Parameters
    ----------
    midi : float or numpy.ndarray
        Note number; fractions are cents above the note (60.5 is a quarter tone above C4).

    Returns
    -------
    float or numpy.ndarray
        Frequency in Hz: 440 * 2 ** ((midi - 69) / 12).

    Examples
    --------
    >>> midi_to_hz(69), round(midi_to_hz(57), 1)
    (440.0, 220.0)
    """
    hz = 440.0 * 2.0 ** ((np.asarray(midi, dtype=float) - 69.0) / 12.0)
    return float(hz) if hz.ndim == 0 else hz


def note_name(midi: int) -> str:
    """Name a MIDI note the way musicians write it, e.g. ``62 -> 'D4'``."""
    return f"{_NAMES[midi % 12]}{midi // 12 - 1}"


def in_key(midi: int) -> bool:
    """Tell whether a MIDI note belongs to D natural minor."""
    return midi % 12 in SCALE_PITCH_CLASSES
