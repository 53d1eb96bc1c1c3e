"""Words for the mastering stage's own classes, from its catalogue files.

The processors in :mod:`studio.processors` take their labels and help lines from
``params.toml``; the mastering classes keep theirs beside the rest of the mastering
words, in ``chain.toml`` (tables ``[params.<Class>.<field>]`` and
``[processors.<Class>]``). :class:`Worded` looks them up there, once per class and
language, and falls back to the general catalogue for anything it does not hold.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from studio.params import ParamSpec
from studio.text import cache_key, has, t

__all__ = ["Worded"]

_CATALOGUE = "chain"


class Worded:
    """Mix-in for a parametric class whose words live in ``chain.toml``."""

    _worded_cache: ClassVar[dict[tuple[Any, ...], Any]] = {}

    @classmethod
    def specs(cls) -> tuple[ParamSpec, ...]:
        """The declarations with their label and help line from ``chain.toml``."""
        key = (cls, "specs", *cache_key())
        cached = Worded._worded_cache.get(key)
        if cached is None:
            out = []
            for spec in super().specs():  # type: ignore[misc]
                base = f"{_CATALOGUE}.params.{cls.__name__}.{spec.name}"
                label = t(f"{base}.label") if has(f"{base}.label") else spec.label
                help_ = t(f"{base}.help") if has(f"{base}.help") else spec.help
                out.append(dataclasses.replace(spec, label=label, help=help_))
            cached = Worded._worded_cache[key] = tuple(out)
        return cached

    @classmethod
    def field_words(cls, name: str) -> tuple[str, str]:
        """Label and help line of a field (an items or child field too)."""
        base = f"{_CATALOGUE}.params.{cls.__name__}.{name}"
        if has(f"{base}.label"):
            return t(f"{base}.label"), t(f"{base}.help") if has(f"{base}.help") else ""
        return super().field_words(name)  # type: ignore[misc]

    @classmethod
    def item_label(cls, field_name: str) -> str:
        """What one item of an items field is called ("module")."""
        key = f"{_CATALOGUE}.params.{cls.__name__}.{field_name}.item"
        return t(key) if has(key) else super().item_label(field_name)  # type: ignore[misc]

    @classmethod
    def class_title(cls) -> str:
        """The line that opens ``describe()``."""
        key = f"{_CATALOGUE}.processors.{cls.__name__}.title"
        return t(key) if has(key) else super().class_title()  # type: ignore[misc]

    @classmethod
    def class_name(cls) -> str:
        """A short name for headings and lists."""
        key = f"{_CATALOGUE}.processors.{cls.__name__}.name"
        return t(key) if has(key) else super().class_name()  # type: ignore[misc]
