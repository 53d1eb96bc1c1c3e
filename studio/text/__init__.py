"""The one catalogue of the studio's words, per language.

Every word a learner reads (parameter labels and help lines, processor titles, the
``describe()`` text, findings, the player and the panels) is looked up here by a key,
so a course in another language shows its own words with no code of its own::

    from studio.text import t, use_language, param_text

    t("lessons.mixing.eq.title")                   # 'Filtering and EQ'
    t("demo.describe.song", key="D minor", tempo_bpm=120, duration_s=40, sr=48000)
    param_text("Compressor", "threshold_db")       # ('threshold', 'Level where ...')
    with use_language("es"):
        t("lessons.mixing.eq.title")               # Spanish where translated

The words live in TOML files, one folder per language (``en/``, ``es/``) and one file
per area (``params.toml``, ``processors.toml``, ``findings.toml``, ``lessons.toml``,
``describe.toml``, ``player.toml``, ``panel.toml``, ``demo.toml``). A key names the file
first and then the tables inside it: ``params.Compressor.ratio.help`` is the ``help``
entry of table ``[Compressor.ratio]`` in ``params.toml``. Texts are ``str.format``
templates: ``{tempo_bpm:g}`` is filled from the keyword ``tempo_bpm``.

English is complete; any other language may be partial: a key it lacks is taken from
English, one key at a time. A key English lacks is an error that names the key and the
language, and so is a template whose fields were not all given.

Importing this module reads no file; each area is read on its first use (a few ms).
"""

from __future__ import annotations

import re
import string
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from studio.errors import TextError

__all__ = [
    "DEFAULT_LANGUAGE",
    "cache_key",
    "fields_of",
    "has",
    "keys",
    "language",
    "languages",
    "param_text",
    "processor_name",
    "processor_title",
    "set_language",
    "t",
    "template",
    "use_language",
]

DEFAULT_LANGUAGE = "en"
"""The reference language: complete, and the fallback of every other."""

_ROOT = Path(__file__).resolve().parent
_CODE = re.compile(r"^[a-z]{2,3}$")

_lock = threading.Lock()
_current = DEFAULT_LANGUAGE
# (language, area) -> flat {key within the area: template}; filled on first use.
_areas: dict[tuple[str, str], dict[str, str]] = {}
# Counts the times the files were forgotten (read again), for caches of looked-up words.
_revision = 0


# ---------------------------------------------------------------------------- language


def languages() -> tuple[str, ...]:
    """The languages that have a folder in the catalogue, English first.

    Examples
    --------
    >>> languages()[0]
    'en'
    """
    found = sorted(p.name for p in _ROOT.iterdir() if p.is_dir() and _CODE.match(p.name))
    return (DEFAULT_LANGUAGE, *(code for code in found if code != DEFAULT_LANGUAGE))


def _normalise(code: Any) -> str:
    """``"es"``, ``"ES"``, ``"es-ES"`` and ``"es_MX"`` all mean ``"es"``."""
    if not isinstance(code, str):
        raise TextError(f"a language is a code such as 'en' or 'es'; got {code!r}.")
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    if primary not in languages():
        raise TextError(
            f"no texts in language {code!r}; the catalogue has: {', '.join(languages())}."
        )
    return primary


def language() -> str:
    """The language texts are shown in now (``"en"`` unless changed)."""
    return _current


def set_language(code: str) -> None:
    """Show every text from now on in language ``code`` (``"en"``, ``"es"``...).

    Keys the language does not have yet are shown in English.

    Parameters
    ----------
    code : str
        A language code; a region (``"es-ES"``) is accepted and ignored.

    Raises
    ------
    TextError
        When the catalogue has no folder for that language.
    """
    global _current
    _current = _normalise(code)


@contextmanager
def use_language(code: str) -> Iterator[str]:
    """Show texts in language ``code`` inside a ``with`` block, then switch back.

    Examples
    --------
    >>> with use_language("es"):
    ...     language()
    'es'
    >>> language()
    'en'
    """
    global _current
    previous = _current
    _current = _normalise(code)
    try:
        yield _current
    finally:
        _current = previous


# ----------------------------------------------------------------------------- loading


def _flatten(table: Mapping[str, Any], prefix: str, out: dict[str, str], file: Path) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}" if prefix else name
        if isinstance(value, Mapping):
            _flatten(value, key, out, file)
        elif isinstance(value, str):
            out[key] = value
        else:
            raise TextError(f"{file}: entry {key!r} must be text (a quoted string); got {value!r}.")


def _area(code: str, area: str) -> dict[str, str]:
    """The flat texts of one area in one language ({} when it has no such file)."""
    found = _areas.get((code, area))
    if found is not None:
        return found
    with _lock:
        found = _areas.get((code, area))
        if found is None:
            found = {}
            file = _ROOT / code / f"{area}.toml"
            if file.is_file():
                import tomllib

                try:
                    data = tomllib.loads(file.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                    raise TextError(f"the text file {file} cannot be read: {exc}") from None
                _flatten(data, "", found, file)
            _areas[(code, area)] = found
    return found


def _split(key: Any) -> tuple[str, str]:
    if not isinstance(key, str) or "." not in key:
        raise TextError(
            f"a text key names an area and an entry, such as 'lessons.mixing.eq.title'; "
            f"got {key!r}."
        )
    area, rest = key.split(".", 1)
    return area, rest


def _template(key: str, code: str) -> str:
    """The template of ``key`` in language ``code``, else in English, else an error."""
    area, rest = _split(key)
    if code != DEFAULT_LANGUAGE:
        found = _area(code, area).get(rest)
        if found is not None:
            return found
    found = _area(DEFAULT_LANGUAGE, area).get(rest)
    if found is None:
        raise TextError(
            f"no text {key!r} in the catalogue (language {code!r}); "
            f"add it to studio/text/{DEFAULT_LANGUAGE}/{area}.toml."
        )
    return found


def _clear_cache() -> None:
    """Forget every loaded area, so the files are read again (for tests and translators)."""
    global _revision
    with _lock:
        _areas.clear()
        _revision += 1


def cache_key() -> tuple[str, int]:
    """What words looked up now depend on: the language, and which reading of the files.

    Code that keeps looked-up words (a processor's labels and help lines) keys them by
    this, so a new language, or texts read again, are seen at once.

    Examples
    --------
    >>> cache_key()[0]
    'en'
    """
    return _current, _revision


# -------------------------------------------------------------------------------- look-up


def t(key: str, /, **fields: Any) -> str:
    """Return the text of ``key`` in the current language, its fields filled in.

    Parameters
    ----------
    key : str
        Area then entry, dot-separated: ``"params.Compressor.ratio.label"``.
    **fields
        Values for the template's ``{name}`` fields; fields the template does not use
        are ignored (a translation may leave one out).

    Returns
    -------
    str

    Raises
    ------
    TextError
        When the key is unknown (the message names the key and the language) or when
        the template needs a field that was not given.

    Examples
    --------
    >>> t("lessons.mixing.eq.title")
    'Filtering and EQ'
    """
    code = _current
    template = _template(key, code)
    try:
        return template.format(**fields)
    except KeyError as exc:
        raise TextError(
            f"text {key!r} (language {code!r}) needs the field {exc.args[0]!r}; "
            f"given: {', '.join(sorted(fields)) or 'none'}."
        ) from None
    except (IndexError, ValueError, TypeError, AttributeError) as exc:
        raise TextError(
            f"text {key!r} (language {code!r}) cannot be filled in: {exc} (template {template!r})."
        ) from None


def template(key: str) -> str:
    """Return the unfilled text of ``key`` in the current language.

    For code that fills it in elsewhere, such as a widget's browser side.

    Examples
    --------
    >>> template("lessons.mixing.eq.title")
    'Filtering and EQ'
    """
    return _template(key, _current)


def has(key: str) -> bool:
    """Whether the catalogue knows ``key`` (in English, so in every language)."""
    try:
        area, rest = _split(key)
    except TextError:
        return False
    return rest in _area(DEFAULT_LANGUAGE, area)


def keys(area: str, code: str = DEFAULT_LANGUAGE) -> tuple[str, ...]:
    """Every full key of ``area`` that language ``code`` defines itself (no fallback)."""
    return tuple(f"{area}.{rest}" for rest in _area(_normalise(code), area))


def fields_of(template: str) -> frozenset[str]:
    """The field names a template uses, e.g. ``{"key", "tempo_bpm"}``."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            names.add(re.split(r"[.\[]", name, maxsplit=1)[0])
    return frozenset(names)


def _owner_names(owner: type | str | Iterable[str]) -> tuple[str, ...]:
    """Class names to look under, most specific first (a class: its whole MRO)."""
    if isinstance(owner, type):
        return tuple(c.__name__ for c in owner.__mro__ if c is not object)
    if isinstance(owner, str):
        return (owner,)
    return tuple(owner)


_MISSING: Any = object()


def param_text(
    owner: type | str | Iterable[str], name: str, default: Any = _MISSING
) -> tuple[str, str]:
    """Return ``(label, help)`` of parameter ``name`` of a processor or item class.

    Parameters
    ----------
    owner : type or str or iterable of str
        The class (its base classes are searched too, most specific first), its name,
        or several class names to try in order.
    name : str
        The parameter (field) name, e.g. ``"threshold_db"``.
    default : tuple of (str, str), optional
        Returned when no class has words for it (a learner's own processor); without
        it that is a :class:`~studio.errors.TextError`.

    Examples
    --------
    >>> param_text("Compressor", "ratio")[0]
    'ratio'
    """
    owners = _owner_names(owner)
    for cls_name in owners:
        base = f"params.{cls_name}.{name}"
        if has(f"{base}.label"):
            return t(f"{base}.label"), t(f"{base}.help")
    if default is not _MISSING:
        return default
    first = owners[0] if owners else "?"
    raise TextError(
        f"no words for parameter {name!r} of {first} (looked under "
        f"{', '.join(owners) or 'no class'}; language {_current!r}); "
        f"add [{first}.{name}] to studio/text/{DEFAULT_LANGUAGE}/params.toml."
    )


def _class_text(owner: type | str | Iterable[str], entry: str, default: Any) -> str:
    owners = _owner_names(owner)
    for cls_name in owners:
        key = f"processors.{cls_name}.{entry}"
        if has(key):
            return t(key)
    if default is not _MISSING:
        return default
    first = owners[0] if owners else "?"
    raise TextError(
        f"no {entry} for {first} (looked under {', '.join(owners) or 'no class'}; "
        f"language {_current!r}); add [{first}] {entry} = ... to "
        f"studio/text/{DEFAULT_LANGUAGE}/processors.toml."
    )


def processor_title(owner: type | str | Iterable[str], default: Any = _MISSING) -> str:
    """The one line that opens a processor's ``describe()``, e.g. ``"Gain: turn ..."``."""
    return _class_text(owner, "title", default)


def processor_name(owner: type | str | Iterable[str], default: Any = _MISSING) -> str:
    """A processor's short name for headings and lists, e.g. ``"Compressor"``."""
    return _class_text(owner, "name", default)
