"""Mixing: turning many tracks into one stereo mix with headroom.

For now this holds importing stems (a folder of files becomes tracks at one rate and
one length), the static balance (faders and pan) and the mixdown that sums the tracks to
stereo::

    from studio.mixing import import_stems, mixdown
    stems = import_stems("my_song/stems")
    mix = mixdown(stems.audio, gains_db={"voice": -2.0}, pans={"hats": 0.3})
"""

from studio.mixing.mixdown import mixdown, pan_to_gains
from studio.mixing.stems import StemImport, import_stems

__all__ = ["StemImport", "import_stems", "mixdown", "pan_to_gains"]
