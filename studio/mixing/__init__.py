"""Mixing: turning many tracks into one stereo mix with headroom.

For now this holds the static balance (faders and pan) and the mixdown that sums the
tracks to stereo::

    from studio.mixing import mixdown
    mix = mixdown(tracks, gains_db={"voice": -2.0}, pans={"hats": 0.3})

and the check before a mix goes to mastering (peaks, headroom, clipping, the master bus,
resolution, dither, sample rate), in plain words::

    from studio.mixing import ready_for_mastering
    ready_for_mastering(mix, master=master_chain, subtype="PCM_24")
"""

from studio.mixing.mixdown import mixdown, pan_to_gains
from studio.mixing.report import MixReport, ready_for_mastering

__all__ = ["MixReport", "mixdown", "pan_to_gains", "ready_for_mastering"]
