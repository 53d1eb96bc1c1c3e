"""Mixing: turning many tracks into one stereo mix with headroom.

For now this holds the static balance (faders and pan) and the mixdown that sums the
tracks to stereo::

    from studio.mixing import mixdown
    mix = mixdown(tracks, gains_db={"voice": -2.0}, pans={"hats": 0.3})
"""

from studio.mixing.mixdown import mixdown, pan_to_gains

__all__ = ["mixdown", "pan_to_gains"]
