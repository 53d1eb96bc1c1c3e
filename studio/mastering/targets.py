"""Delivery targets: how loud a master should be, and what each service does with it.

A streaming service measures every song's integrated loudness (ITU-R BS.1770) and plays
it back at its reference level: a master louder than the reference is turned down, so
the loudness bought with limiting is thrown away and only the damage stays. Some
services also turn quiet masters *up*, but only as far as the master's true peak
allows (Spotify: the peak may not go above -1 dBTP after the gain). Broadcast has
rules, not habits: EBU R 128 wants -23 LUFS, ATSC A/85 -24 LKFS, and a true-peak
ceiling. A CD or a club file is played as it is: nobody normalises it.

Each :class:`Target` holds the integrated loudness a master aims for, the true-peak
ceiling it must stay under, the normalisation rule the playback side applies, and where
the figures come from (with the date they were read). Services change their figures:
check the source before a release.

* ``"both"``: louder masters are turned down, quieter ones up while the true peak stays
  at or under ``raise_limit_dbtp``.
* ``"down"``: louder masters are turned down; quieter ones play as they are.
* ``"none"``: nothing is changed on playback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from studio.errors import ParameterError
from studio.text import t

__all__ = ["TARGETS", "Normalisation", "Target", "target"]

Normalisation = Literal["both", "down", "none"]


@dataclass(frozen=True)
class Target:
    """One place a master is delivered to, with its loudness rules.

    Attributes
    ----------
    key : str
        Short identifier (``"spotify"``, ``"ebu_r128"``), as the command line takes it.
    integrated_lufs : float
        Integrated loudness the master aims for (LUFS, ITU-R BS.1770).
    true_peak_dbtp : float
        Highest true peak the master may reach (dBTP, measured oversampled).
    normalisation : {"both", "down", "none"}
        What playback does to the level (see the module's docstring).
    reference_lufs : float
        The level playback normalises to (equal to ``integrated_lufs`` for services;
        ``nan`` when nothing is normalised).
    raise_limit_dbtp : float
        For ``"both"``: a quiet master is raised only until its true peak reaches this.
    tolerance_lu : float
        How close to ``integrated_lufs`` the master must land (LU).
    date : str
        When the source was read (ISO date).
    source_text : str
        Where the figures come from; empty for the built-in targets, whose sources are
        in ``targets.toml`` (read them with :attr:`source`).
    """

    key: str
    integrated_lufs: float
    true_peak_dbtp: float
    normalisation: Normalisation
    reference_lufs: float
    raise_limit_dbtp: float
    tolerance_lu: float
    date: str
    source_text: str = ""

    def __post_init__(self) -> None:
        if self.normalisation not in ("both", "down", "none"):
            raise ParameterError(
                f"normalisation must be 'both', 'down' or 'none', not {self.normalisation!r}"
            )
        if not -70.0 < self.integrated_lufs < 0.0:
            raise ParameterError(
                f"integrated_lufs must be between -70 and 0 LUFS, not {self.integrated_lufs}"
            )
        if not -12.0 <= self.true_peak_dbtp <= 0.0:
            raise ParameterError(
                f"true_peak_dbtp must be between -12 and 0 dBTP, not {self.true_peak_dbtp}"
            )

    @property
    def name(self) -> str:
        """The target's name as a learner reads it (from ``targets.toml``)."""
        return t(f"targets.names.{self.key}")

    @property
    def source(self) -> str:
        """Where the figures come from (document or page)."""
        return self.source_text or t(f"targets.sources.{self.key}")

    @property
    def rule_text(self) -> str:
        """One line on what this target's playback does to a master's level."""
        return t(f"targets.rules.{self.normalisation}", raise_limit_dbtp=self.raise_limit_dbtp)

    def playback_gain_db(self, integrated_lufs: float, true_peak_dbtp: float) -> float:
        """Gain (dB) this target's playback applies to a master with these figures.

        Parameters
        ----------
        integrated_lufs : float
            The master's integrated loudness (LUFS).
        true_peak_dbtp : float
            The master's true peak (dBTP).

        Returns
        -------
        float
            Negative when the service turns the master down, positive when it raises
            it (only ``"both"`` does, and only as far as the true peak allows), 0.0
            when it plays as it is (or is silent).
        """
        if self.normalisation == "none" or integrated_lufs == float("-inf"):
            return 0.0
        gain = self.reference_lufs - integrated_lufs
        if gain <= 0.0:
            return gain
        if self.normalisation == "down":
            return 0.0
        return max(0.0, min(gain, self.raise_limit_dbtp - true_peak_dbtp))


_NAN = float("nan")
_READ = "2026-12-05"

TARGETS: dict[str, Target] = {
    t.key: t
    for t in (
        # Spotify: Normal -14, Loud -11, Quiet -19 LUFS; positive gain only while the
        # peak stays under -1 dBTP; masters louder than -14 LUFS should keep -2 dBTP.
        Target("spotify", -14.0, -1.0, "both", -14.0, -1.0, 0.5, _READ),
        Target("spotify_loud", -11.0, -2.0, "both", -11.0, -1.0, 0.5, _READ),
        Target("spotify_quiet", -19.0, -1.0, "both", -19.0, -1.0, 0.5, _READ),
        Target("apple_music", -16.0, -1.0, "both", -16.0, -1.0, 0.5, _READ),
        Target("youtube", -14.0, -1.0, "down", -14.0, _NAN, 0.5, _READ),
        Target("amazon_music", -14.0, -2.0, "down", -14.0, _NAN, 0.5, _READ),
        Target("tidal", -14.0, -1.0, "down", -14.0, _NAN, 0.5, _READ),
        Target("deezer", -15.0, -1.0, "down", -15.0, _NAN, 0.5, _READ),
        Target("aes_streaming", -16.0, -1.0, "both", -16.0, -1.0, 0.5, _READ),
        Target("ebu_r128", -23.0, -1.0, "both", -23.0, -1.0, 0.5, _READ),
        Target("atsc_a85", -24.0, -2.0, "both", -24.0, -2.0, 0.5, _READ),
        Target("cd_club", -9.0, -0.3, "none", _NAN, _NAN, 0.5, _READ),
    )
}


def target(key: str | Target) -> Target:
    """The target called ``key`` (``"spotify"``, ``"ebu_r128"``...), or ``key`` itself.

    Raises
    ------
    ParameterError
        If no target has that key; the message lists those there are.
    """
    if isinstance(key, Target):
        return key
    found = TARGETS.get(str(key).strip().lower().replace("-", "_").replace(" ", "_"))
    if found is None:
        raise ParameterError(f"no target called {key!r}; there are: {', '.join(TARGETS)}")
    return found
