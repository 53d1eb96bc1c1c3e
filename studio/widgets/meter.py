"""A console strip's level meter that moves with playback, drawn in the browser.

The kernel sends the strip's level over the preview passage once per render (the peak
of every 50 ms block, float32: a 10 s passage is 800 bytes); the browser shows the
level at the position of the player it follows while that player sounds. So a console
of 48 strips adds no traffic at all while the music plays.
"""

from __future__ import annotations

import pathlib
from typing import Any

import anywidget
import numpy as np
import traitlets

__all__ = ["LevelMeter"]

_HERE = pathlib.Path(__file__).parent


class LevelMeter(anywidget.AnyWidget):
    """A vertical peak meter for one strip, following one player's position.

    Parameters
    ----------
    follow : str
        The ``transport_id`` of the player whose position it follows.
    colour : str
        The strip's colour (kept for views that show it); the bar itself is green, then
        yellow from -6 dBFS and red from -1 dBFS, as on a desk.
    **options
        Passed to the widget (e.g. a ``layout`` shared with other strips).
    """

    _esm = _HERE / "meter.js"
    _css = _HERE / "meter.css"

    levels = traitlets.Bytes(b"").tag(sync=True)
    block_s = traitlets.Float(0.05).tag(sync=True)
    follow = traitlets.Unicode("").tag(sync=True)
    colour = traitlets.Unicode("#2ecc71").tag(sync=True)

    def __init__(self, follow: str, colour: str = "#2ecc71", **options: Any) -> None:
        super().__init__(follow=follow, colour=colour, **options)

    def set_levels(self, peaks_db: np.ndarray, block_s: float) -> None:
        """The strip's peak level (dBFS) per block of ``block_s`` seconds."""
        data = np.ascontiguousarray(peaks_db, dtype="<f4").tobytes()
        with self.hold_sync():
            self.block_s = float(block_s)
            if data != self.levels:
                self.levels = data

    @property
    def peaks_db(self) -> np.ndarray:
        """The levels last sent (for tests and tools)."""
        return np.frombuffer(self.levels, dtype="<f4")
