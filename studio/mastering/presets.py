"""Genre presets: how loud, how dynamic, and the chain settings that keep a genre itself.

Genres sit on a line from **dense** (EDM, hip-hop, pop, rock: steady loudness, small
loudness range, peaks held close to the body of the sound) to **dynamic** (jazz,
acoustic, classical/orchestral, ambient/New Age: quiet passages that stay quiet, peaks
that stand well above the average). A preset says where a genre sits, with three ranges
measured on released masters of the style (integrated loudness, loudness range LRA and
peak-to-loudness ratio PLR), and which chain settings keep a master inside them, each
move with its reason (the words are in ``presets.toml``).

A preset never pushes a dynamic genre to pop loudness: its loudness target is the
delivery target's or the genre's loudest, whichever is quieter
(:meth:`GenrePreset.target_lufs`). A classical master for Spotify lands at -18 LUFS,
not -14: Spotify raises it as far as its peaks allow, and the quiet passages stay quiet.

    from studio.mastering.presets import genre
    preset = genre("classical")
    print(preset.explain())
    chain = preset.chain(target="spotify")    # an ordinary, editable MasteringChain
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from studio.errors import ParameterError
from studio.mastering.chain import MasteringChain
from studio.mastering.targets import Target, target
from studio.params import Path
from studio.text import t

__all__ = ["GENRES", "GenrePreset", "Move", "genre"]

Family = Literal["dense", "dynamic"]


@dataclass(frozen=True)
class Move:
    """One chain setting a preset makes, and the key of its reason in ``presets.toml``."""

    path: Path
    value: Any
    reason: str

    @property
    def why(self) -> str:
        """Why the preset makes this move, in words."""
        return t(f"presets.reasons.{self.reason}")


def _mod(name: str, *rest: str | int) -> Path:
    return ("modules", name, *rest)


def _proc(name: str, field: str) -> Path:
    return ("modules", name, "processor", field)


@dataclass(frozen=True)
class GenrePreset:
    """Where a genre sits between dense and dynamic, and how the chain keeps it there.

    Attributes
    ----------
    key : str
        ``"edm"``, ``"classical"``...
    family : {"dense", "dynamic"}
        Which end of the line the genre sits at.
    loudest_lufs : float
        The loudest integrated loudness the genre's masters aim for; a delivery target
        louder than this is not followed (the master stays at this level).
    lufs_range, lra_lu, plr_db : tuple of float
        Typical integrated loudness (LUFS), loudness range (LU) and peak-to-loudness
        ratio (dB) of released masters of the style, low to high.
    moves : tuple of Move
        The chain settings, applied in order to :meth:`MasteringChain.default`.
    """

    key: str
    family: Family
    loudest_lufs: float
    lufs_range: tuple[float, float]
    lra_lu: tuple[float, float]
    plr_db: tuple[float, float]
    moves: tuple[Move, ...]

    @property
    def name(self) -> str:
        """The genre's name as a learner reads it."""
        return t(f"presets.genres.{self.key}.name")

    @property
    def why(self) -> str:
        """What defines the genre's master, in a sentence or two."""
        return t(f"presets.genres.{self.key}.why")

    def target_lufs(self, goal: str | Target = "spotify") -> float:
        """The loudness this preset's master lands on for a delivery target."""
        return min(target(goal).integrated_lufs, self.loudest_lufs)

    def chain(self, target: str | Target = "spotify") -> MasteringChain:
        """The default rack for ``target`` with this genre's moves made."""
        from studio.mastering.targets import target as find

        goal = find(target)
        out = MasteringChain.default(goal)
        for move in self.moves:
            out = out.replace(move.path, move.value)
        return out.replace(_proc("loudness", "target_lufs"), self.target_lufs(goal))

    def reasons(self, target: str | Target = "spotify") -> list[str]:
        """Every move in words: the setting, its new value and why."""
        chain = self.chain(target)
        lines = []
        for move in self.moves:
            module = chain.module(str(move.path[1]))
            setting = _setting_words(chain, move.path)
            lines.append(
                t("presets.layout.move", module=module.title, setting=setting, why=move.why)
            )
        return lines

    def explain(self, target: str | Target = "spotify") -> str:
        """The preset in words: ranges, the loudness it lands on, and every move's reason."""
        from studio.mastering.targets import target as find

        goal = find(target)
        head = t(
            "presets.layout.heading",
            name=self.name,
            family=t(f"presets.families.{self.family}"),
            why=self.why,
            lufs_lo=self.lufs_range[0],
            lufs_hi=self.lufs_range[1],
            lra_lo=self.lra_lu[0],
            lra_hi=self.lra_lu[1],
            plr_lo=self.plr_db[0],
            plr_hi=self.plr_db[1],
        )
        level = self.target_lufs(goal)
        same = level == goal.integrated_lufs
        key = "presets.layout.level_same" if same else "presets.layout.level_quieter"
        lines = [head, t(key, target=goal.name, target_lufs=goal.integrated_lufs, lufs=level)]
        lines += ["- " + line for line in self.reasons(goal)]
        return "\n".join(lines)


def _setting_words(chain: MasteringChain, path: Path) -> str:
    """``"ratio 2:1"``, ``"bypass off"``: a setting's label and value as a learner reads it."""
    owner = chain.get(path[:-1])
    spec = type(owner).spec(str(path[-1]))
    value = chain.get(path)
    if spec.name == "bypass":
        return t("presets.layout.switched_on" if not value else "presets.layout.switched_off")
    return f"{spec.label} {spec.format(value)}"


def _on(name: str, reason: str) -> Move:
    return Move(_mod(name, "bypass"), False, reason)


def _off(name: str, reason: str) -> Move:
    return Move(_mod(name, "bypass"), True, reason)


def _set(name: str, field: str, value: Any, reason: str) -> Move:
    return Move(_proc(name, field), value, reason)


def _presets() -> Iterable[GenrePreset]:
    dense_glue = (
        _set("glue", "ratio", 2.0, "glue_firm"),
        _set("glue", "threshold_db", -22.0, "glue_firm"),
        _set("glue", "attack_ms", 20.0, "glue_attack_punch"),
    )
    gentle = (
        _set("loudness", "release_ms", 300.0, "slow_release"),
        Move(("modules", "corrective_eq", "processor", "bands", 0, "freq_hz"), 20.0, "hpf_low"),
    )
    yield GenrePreset(
        "edm",
        "dense",
        -7.0,
        (-9.0, -6.0),
        (3.0, 6.0),
        (6.0, 9.0),
        (
            *dense_glue,
            _on("multiband", "mb_low_end"),
            _set("imager", "mono_below_hz", 150.0, "mono_bass_club"),
            _set("imager", "width_pct", 115.0, "wide_top"),
            _on("saturation", "saturation_density"),
            _on("limiter", "limiter_density"),
            _set("limiter", "gain_db", 3.0, "limiter_density"),
        ),
    )
    yield GenrePreset(
        "hiphop",
        "dense",
        -7.5,
        (-10.0, -7.0),
        (3.0, 7.0),
        (6.0, 10.0),
        (
            *dense_glue,
            _on("multiband", "mb_low_end"),
            _set("imager", "mono_below_hz", 150.0, "mono_bass_club"),
            _on("saturation", "saturation_density"),
            _on("limiter", "limiter_density"),
            _set("limiter", "gain_db", 2.0, "limiter_density"),
        ),
    )
    yield GenrePreset(
        "pop",
        "dense",
        -8.5,
        (-11.0, -8.0),
        (4.0, 8.0),
        (7.0, 10.0),
        (
            _set("glue", "ratio", 1.8, "glue_firm"),
            _on("dynamic_eq", "deharsh"),
            _on("exciter", "air"),
            _set("tilt", "tilt_db", 0.5, "pop_bright"),
            _on("limiter", "limiter_density"),
            _set("limiter", "gain_db", 1.5, "limiter_density"),
        ),
    )
    yield GenrePreset(
        "rock",
        "dense",
        -8.5,
        (-11.0, -8.0),
        (4.0, 8.0),
        (7.0, 11.0),
        (
            *dense_glue,
            _on("multiband", "mb_low_end"),
            _on("saturation", "saturation_density"),
            _on("dynamic_eq", "deharsh"),
        ),
    )
    yield GenrePreset(
        "jazz",
        "dynamic",
        -16.0,
        (-18.0, -14.0),
        (7.0, 12.0),
        (11.0, 16.0),
        (
            _set("glue", "ratio", 1.2, "glue_light"),
            _set("glue", "threshold_db", -26.0, "glue_light"),
            _set("glue", "attack_ms", 60.0, "glue_attack_slow"),
            _set("imager", "mono_below_hz", 80.0, "mono_bass_natural"),
            *gentle,
        ),
    )
    yield GenrePreset(
        "acoustic",
        "dynamic",
        -15.0,
        (-17.0, -13.0),
        (6.0, 11.0),
        (10.0, 15.0),
        (
            _set("glue", "ratio", 1.3, "glue_light"),
            _set("glue", "attack_ms", 50.0, "glue_attack_slow"),
            _set("imager", "mono_below_hz", 80.0, "mono_bass_natural"),
            *gentle,
        ),
    )
    yield GenrePreset(
        "classical",
        "dynamic",
        -18.0,
        (-23.0, -16.0),
        (10.0, 20.0),
        (14.0, 22.0),
        (
            _off("glue", "no_compression"),
            _set("imager", "mono_below_hz", 0.0, "hall_image"),
            *gentle,
        ),
    )
    yield GenrePreset(
        "ambient",
        "dynamic",
        -17.0,
        (-20.0, -14.0),
        (6.0, 14.0),
        (12.0, 18.0),
        (
            _off("glue", "no_compression"),
            _set("imager", "mono_below_hz", 60.0, "mono_bass_natural"),
            _set("imager", "width_pct", 110.0, "wide_top"),
            *gentle,
        ),
    )


#: Every genre preset by key, dense first.
GENRES: dict[str, GenrePreset] = {p.key: p for p in _presets()}


def genre(key: str | GenrePreset) -> GenrePreset:
    """The preset called ``key`` (``"edm"``, ``"classical"``...), or ``key`` itself.

    Raises
    ------
    ParameterError
        If no preset has that key; the message lists those there are.
    """
    if isinstance(key, GenrePreset):
        return key
    cleaned = str(key).strip().lower().replace("-", "").replace(" ", "").replace("_", "")
    aliases = {"orchestral": "classical", "newage": "ambient", "electronic": "edm", "rap": "hiphop"}
    found = GENRES.get(aliases.get(cleaned, cleaned))
    if found is None:
        raise ParameterError(f"no genre preset called {key!r}; there are: {', '.join(GENRES)}")
    return found
