"""Mixing: turning many tracks into one stereo mix with headroom.

For now this holds the static balance (faders and pan), the mixdown that sums the
tracks to stereo, and an assistant that proposes a starting balance from the stems::

    from studio.mixing import mixdown, suggest_balance
    mix = mixdown(tracks, gains_db={"voice": -2.0}, pans={"hats": 0.3})
    s = suggest_balance(tracks)      # fader and pan per track, each with its reason
    mix = mixdown(tracks, gains_db=s.gains_db, pans=s.pans)
"""

from studio.mixing.balance import (
    ROLES,
    BalanceSuggestion,
    TrackSuggestion,
    role_from_name,
    suggest_balance,
)
from studio.mixing.mixdown import mixdown, pan_to_gains

__all__ = [
    "ROLES",
    "BalanceSuggestion",
    "TrackSuggestion",
    "mixdown",
    "pan_to_gains",
    "role_from_name",
    "suggest_balance",
]
