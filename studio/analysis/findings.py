"""Findings: what an analysis (or a teacher) noticed, in plain words, tied to a lesson.

A :class:`Finding` says what the problem is, where it is (tracks, a time range, a
frequency range), why it matters, what to try, and which part of the curriculum teaches
it. The demo's planted problems, the ready-for-mastering report, the mastering input
checks and the course all speak through it, so a learner meets one shape everywhere.

Its words come from the text catalogue (:mod:`studio.text`): a finding holds the key of
its texts and the numbers that fill them, never sentences, so the same finding reads in
Spanish once the catalogue has Spanish words::

    f = Finding(
        kind="mud",
        key="demo.findings.mud",
        fields={"gain_db": 9.0, "freq_hz": 300.0},
        tracks=("pad",),
        low_hz=200.0,
        high_hz=500.0,
        lesson="mixing.eq",
    )
    print(f)        # wrapped text for a terminal
    f               # readable HTML in a notebook
    Findings([f])   # several, as one block

The entry under ``key`` has a ``title``, ``what``, ``why`` and ``try`` text; ``lesson``
is an id from ``lessons.toml`` (``"mixing.eq"``).
"""

from __future__ import annotations

import dataclasses
import html
import math
import numbers
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

from studio.errors import ParameterError
from studio.text import has, t

__all__ = [
    "PASS_COLOUR",
    "SEVERITIES",
    "SEVERITY_COLOURS",
    "CheckedReport",
    "Finding",
    "Findings",
    "NamedCheck",
    "check_rows_html",
    "figure_rows_html",
    "report_table_lines",
]

SEVERITIES = ("info", "warning", "problem")
"""How much a finding matters: worth knowing, worth a look, needs fixing."""

_COLOURS = {"info": "#3b82c4", "warning": "#d08a1c", "problem": "#c0392b"}
#: The colour of each severity in reports (the same as a finding's).
SEVERITY_COLOURS = MappingProxyType(_COLOURS)
#: The colour of a check that passed.
PASS_COLOUR = "#2e8b57"
_TEXTS = ("title", "what", "why", "try")
_WIDTH = 88


def _hz_text(hz: float) -> str:
    """``50`` -> ``"50 Hz"``, ``3200`` -> ``"3.2 kHz"``."""
    return f"{hz / 1000.0:g} kHz" if hz >= 1000.0 else f"{hz:g} Hz"


def _hz_range_text(low_hz: float, high_hz: float) -> tuple[str, str]:
    """The ends of a range with one unit where they share it: ``("2.5", "4 kHz")``."""
    if (low_hz >= 1000.0) == (high_hz >= 1000.0):
        low = _hz_text(low_hz).rsplit(" ", 1)[0]
        return low, _hz_text(high_hz)
    return _hz_text(low_hz), _hz_text(high_hz)


def _number(value: Any, kind: str, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(f"Finding {kind!r}: {name} must be a number; got {value!r}.")
    number = float(value)
    if not math.isfinite(number):
        raise ParameterError(f"Finding {kind!r}: {name} must be finite; got {value!r}.")
    return number


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One thing a learner should know about a mix or a master, in plain words.

    Attributes
    ----------
    kind : str
        What kind of problem, a short stable id (``"masking"``, ``"mud"``), for
        programs that sort or filter findings.
    key : str
        Where its words live in the catalogue (``"demo.findings.mud"``): the entry has
        ``title``, ``what``, ``why`` and ``try``. Defaults to ``"findings." + kind``.
    fields : Mapping[str, Any]
        The values its texts need (``{"freq_hz": 300.0}``), read-only.
    tracks : tuple of str
        The track(s) concerned, the one to work on first (empty when not known, or for a
        stereo file).
    start_s, end_s : float or None
        Where in time it can be heard, in seconds (both or neither).
    low_hz, high_hz : float or None
        Where in frequency it lives, in Hz (both or neither).
    lesson : str
        The part of the curriculum that teaches it (``"mixing.eq"``), an id of
        ``lessons.toml``.
    severity : str
        ``"info"``, ``"warning"`` or ``"problem"`` (the default).
    """

    kind: str
    key: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)
    tracks: tuple[str, ...] = ()
    start_s: float | None = None
    end_s: float | None = None
    low_hz: float | None = None
    high_hz: float | None = None
    lesson: str = ""
    severity: str = "problem"

    def __post_init__(self) -> None:
        kind = self.kind
        if not isinstance(kind, str) or not kind.isidentifier():
            raise ParameterError(
                f"Finding: kind must be a short name such as 'mud' or 'uneven_level'; got {kind!r}."
            )
        key = self.key or f"findings.{kind}"
        object.__setattr__(self, "key", key)
        missing = [name for name in _TEXTS if not has(f"{key}.{name}")]
        if missing:
            raise ParameterError(
                f"Finding {kind!r}: the catalogue has no {', '.join(missing)} under {key!r}; "
                "add them to studio/text/en/."
            )
        if not isinstance(self.fields, Mapping):
            raise ParameterError(
                f"Finding {kind!r}: fields must be a mapping of names to values; "
                f"got {self.fields!r}."
            )
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))
        tracks = (self.tracks,) if isinstance(self.tracks, str) else tuple(self.tracks)
        if not all(isinstance(name, str) and name for name in tracks):
            raise ParameterError(f"Finding {kind!r}: tracks must be names; got {self.tracks!r}.")
        object.__setattr__(self, "tracks", tracks)
        for first, last, unit in (("start_s", "end_s", "s"), ("low_hz", "high_hz", "Hz")):
            a = _number(getattr(self, first), kind, first)
            b = _number(getattr(self, last), kind, last)
            if (a is None) != (b is None):
                raise ParameterError(f"Finding {kind!r}: give both {first} and {last}, or neither.")
            if a is not None and b is not None:
                if a > b or (unit == "Hz" and a <= 0.0) or (unit == "s" and a < 0.0):
                    raise ParameterError(
                        f"Finding {kind!r}: {first}..{last} must be a range from low to high "
                        f"(times from 0 s, frequencies above 0 Hz); got {a:g}..{b:g} {unit}."
                    )
            object.__setattr__(self, first, a)
            object.__setattr__(self, last, b)
        if self.lesson and not has(f"lessons.{self.lesson}.title"):
            raise ParameterError(
                f"Finding {kind!r}: unknown lesson {self.lesson!r}; lessons are the ids of "
                "studio/text/en/lessons.toml, such as 'mixing.eq'."
            )
        if self.severity not in SEVERITIES:
            raise ParameterError(
                f"Finding {kind!r}: severity must be one of {', '.join(SEVERITIES)}; "
                f"got {self.severity!r}."
            )
        for name in _TEXTS:  # every text must fill in now, not when a learner reads it
            self._text(name)

    def __hash__(self) -> int:
        return hash((self.kind, self.key, tuple(sorted(self.fields.items())), self.tracks))

    def __reduce__(self) -> tuple[Any, ...]:
        # The read-only fields mapping cannot be pickled as it is; rebuild from a dict
        # (reports with findings travel between processes).
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values["fields"] = dict(self.fields)
        return (_rebuild, (values,))

    # ------------------------------------------------------------------------ words

    def _text(self, name: str) -> str:
        return t(f"{self.key}.{name}", **self.fields)

    @property
    def title(self) -> str:
        """A few words naming the problem (``"mud"``)."""
        return self._text("title")

    @property
    def what(self) -> str:
        """The problem, plainly: what is wrong and where to hear it."""
        return self._text("what")

    @property
    def why(self) -> str:
        """Why it matters in the mix or the master."""
        return self._text("why")

    @property
    def try_(self) -> str:
        """What to try, in the usual order."""
        return self._text("try")

    @property
    def lesson_title(self) -> str:
        """Title of the lesson that teaches it ("" when no lesson is named)."""
        return t(f"lessons.{self.lesson}.title") if self.lesson else ""

    @property
    def severity_text(self) -> str:
        """The severity in words (``"problem"``)."""
        return t(f"findings.severity.{self.severity}")

    @property
    def where(self) -> str:
        """Where it is, in words: tracks, frequency range, time range (``" · "`` apart)."""
        parts = []
        if self.tracks:
            parts.append(t("findings.where.tracks", names=", ".join(self.tracks)))
        if self.low_hz is not None and self.high_hz is not None:
            low, high = _hz_range_text(self.low_hz, self.high_hz)
            parts.append(t("findings.where.frequency", low=low, high=high))
        if self.start_s is not None:
            parts.append(t("findings.where.time", start_s=self.start_s, end_s=self.end_s))
        return " · ".join(parts)

    @property
    def heading(self) -> str:
        """The first line: severity and title, then where (``"problem: mud · pad · ..."``)."""
        head = t("findings.layout.heading", severity=self.severity_text, title=self.title)
        where = self.where
        return f"{head} · {where}" if where else head

    # -------------------------------------------------------------------- rendering

    def _paragraphs(self) -> list[str]:
        lines = [self.what, t("findings.layout.why", text=self.why)]
        lines.append(t("findings.layout.try", text=self.try_))
        if self.lesson:
            lines.append(t("findings.layout.lesson", title=self.lesson_title))
        return lines

    def __str__(self) -> str:
        out = textwrap.wrap(self.heading, _WIDTH, subsequent_indent="  ")
        for paragraph in self._paragraphs():
            out += textwrap.wrap(paragraph, _WIDTH, initial_indent="  ", subsequent_indent="    ")
        return "\n".join(out)

    def __repr__(self) -> str:
        where = f", {self.where}" if self.where else ""
        return f"Finding({self.kind!r}{where})"

    def _html_item(self) -> str:
        colour = _COLOURS[self.severity]
        head = t("findings.layout.heading", severity=self.severity_text, title=self.title)
        where = html.escape(self.where)
        rows = [
            f'<div><span style="color:{colour};font-weight:600">{html.escape(head)}</span>'
            + (f' <span style="opacity:0.7">· {where}</span>' if where else "")
            + "</div>",
            f"<div>{html.escape(self.what)}</div>",
            f"<div>{_labelled('findings.layout.why', self.why)}</div>",
            f"<div>{_labelled('findings.layout.try', self.try_)}</div>",
        ]
        if self.lesson:
            rows.append(
                f'<div style="opacity:0.75" title="{html.escape(self.lesson)}">'
                f"{_labelled('findings.layout.lesson', self.lesson_title, field='title')}</div>"
            )
        return (
            f'<div style="border-left:3px solid {colour};padding:1px 0 1px 10px;'
            f'margin:0 0 8px 0">{"".join(rows)}</div>'
        )

    def _repr_html_(self) -> str:
        return _html_block([self])

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: the numbers and the words in the current language."""
        return {
            "kind": self.kind,
            "severity": self.severity,
            "title": self.title,
            "what": self.what,
            "why": self.why,
            "try": self.try_,
            "tracks": list(self.tracks),
            "start_s": self.start_s,
            "end_s": self.end_s,
            "low_hz": self.low_hz,
            "high_hz": self.high_hz,
            "lesson": self.lesson,
            "lesson_title": self.lesson_title,
        }


def _rebuild(values: dict[str, Any]) -> Finding:
    return Finding(**values)


def _labelled(key: str, text: str, *, field: str = "text") -> str:
    """A layout line as HTML with its label in italics ("<em>Try:</em> a wide cut...")."""
    mark = "\x00"
    before, _, after = t(key, **{field: mark}).partition(mark)
    label, text = html.escape(before.rstrip()), html.escape(text) + html.escape(after)
    return f"<em>{label}</em> {text}" if label else text


def _html_block(findings: Iterable[Finding]) -> str:
    items = [f._html_item() for f in findings]
    body = "".join(items) or f"<div>{html.escape(t('findings.layout.none'))}</div>"
    return (
        '<div class="studio-findings" style="font-family:var(--jp-ui-font-family,'
        "system-ui,sans-serif);font-size:var(--jp-ui-font-size1,13px);line-height:1.45;"
        'max-width:56em;white-space:normal;word-break:normal;overflow-wrap:break-word">'
        f"{body}</div>"
    )


class Findings(tuple[Finding, ...]):
    """Several findings, shown as one block: HTML in a notebook, wrapped text elsewhere.

    It is a tuple (index it, loop over it, ``len()`` it); ``of_kind("mud")`` picks some.
    """

    def __new__(cls, findings: Iterable[Finding] = ()) -> Findings:
        """Collect ``findings`` (refusing anything that is not a :class:`Finding`)."""
        items = tuple(findings)
        for item in items:
            if not isinstance(item, Finding):
                raise ParameterError(f"Findings holds Finding values only; got {item!r}.")
        return super().__new__(cls, items)

    def of_kind(self, kind: str) -> Findings:
        """The findings of one kind (``"masking"``), in order."""
        return Findings(f for f in self if f.kind == kind)

    def __str__(self) -> str:
        if not self:
            return t("findings.layout.none")
        return "\n\n".join(str(f) for f in self)

    def __repr__(self) -> str:
        return f"Findings({list(self)!r})"

    def _repr_html_(self) -> str:
        return _html_block(self)


@dataclass(frozen=True)
class NamedCheck:
    """One named check of a report: its findings, or the line it shows when it passed.

    A report's own check class names its catalogue file (``catalogue``: its check names
    are under ``<catalogue>.checks``) and the names it allows (``names``).

    Attributes
    ----------
    name : str
        One of the class's ``names`` (``"headroom"``, ``"clipping"``...).
    findings : Findings
        What did not pass (empty when the check passed).
    key : str
        The catalogue key of the line shown when it passed.
    fields : Mapping[str, Any]
        The values that line needs, read-only.
    """

    catalogue: ClassVar[str] = "report"
    names: ClassVar[tuple[str, ...]] = ()

    name: str
    findings: Findings = field(default_factory=lambda: Findings())
    key: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        kind = type(self).__name__
        if self.name not in self.names:
            raise ParameterError(
                f"{kind}: name must be one of {', '.join(self.names)}; got {self.name!r}."
            )
        object.__setattr__(self, "findings", Findings(self.findings))
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))
        if not self.findings and not self.key:
            raise ParameterError(f"{kind} {self.name!r}: a check that passed needs its line's key.")

    @property
    def status(self) -> str:
        """``"passed"``, or the most serious severity among its findings."""
        if not self.findings:
            return "passed"
        return max((f.severity for f in self.findings), key=SEVERITIES.index)

    @property
    def passed(self) -> bool:
        """True when nothing is worth a look: no finding, or notes only."""
        return self.status in ("passed", "info")

    @property
    def label(self) -> str:
        """The check's name in words (``"Headroom"``)."""
        return t(f"{self.catalogue}.checks.{self.name}")

    @property
    def status_text(self) -> str:
        """The status in words: ``"fine"`` or a severity (``"problem"``)."""
        if self.status == "passed":
            return t(f"{self.catalogue}.checks.passed")
        return t(f"findings.severity.{self.status}")

    @property
    def line(self) -> str:
        """What the check says in one line: its pass line, or its findings' titles."""
        if not self.findings:
            return t(self.key, **self.fields)
        return "; ".join(f.title for f in self.findings)

    @property
    def colour(self) -> str:
        """The colour of its status (green when it passed)."""
        return PASS_COLOUR if self.status == "passed" else _COLOURS[self.status]


class CheckedReport:
    """What every report made of named checks shares (a mix-in for frozen dataclasses).

    The class holds ``checks``, each with a ``name`` and its ``findings``; this gives
    every finding in check order, whether the report is ``ok`` (no finding is a
    problem) and one check by name. The ready-for-mastering report and the mastering
    stage's input checks are two such reports, each with its own words.
    """

    checks: tuple[Any, ...]

    @property
    def findings(self) -> Findings:
        """Every finding of every check, in the order of the checks."""
        return Findings(f for check in self.checks for f in check.findings)

    @property
    def ok(self) -> bool:
        """True when no finding is a problem (nothing blocks what comes next)."""
        return not any(f.severity == "problem" for f in self.findings)

    def check(self, name: str) -> Any:
        """One check by name (``"clipping"``)."""
        for c in self.checks:
            if c.name == name:
                return c
        names = ", ".join(c.name for c in self.checks)
        raise ParameterError(f"{type(self).__name__}: no check {name!r}; the checks are {names}.")

    def _severity_counts(self) -> tuple[int, int]:
        """How many findings are problems, and how many warnings."""
        findings = self.findings
        problems = sum(f.severity == "problem" for f in findings)
        return problems, sum(f.severity == "warning" for f in findings)


# -- a report's two tables (figures, then one row per check) ----------------------------------

_CELL = "padding:1px 12px 1px 0;text-align:left"


def report_table_lines(figures: Sequence[tuple[str, str, str]], checks: Sequence[Any]) -> list[str]:
    """A report's figures ``(label, value, unit)`` and its checks as aligned text rows.

    The figures first (values right-aligned), a blank line, then each check's status,
    name and line. Checks are anything with ``status_text``, ``label`` and ``line``.
    """
    width = max(len(label) for label, _, _ in figures) + 2
    lines = [f"  {label:<{width}}{value:>8} {unit}".rstrip() for label, value, unit in figures]
    lines.append("")
    status_width = max(len(c.status_text) for c in checks) + 2
    label_width = max(len(c.label) for c in checks) + 2
    lines += [f"  {c.status_text:<{status_width}}{c.label:<{label_width}}{c.line}" for c in checks]
    return lines


def figure_rows_html(figures: Iterable[tuple[str, str, str]]) -> str:
    """The figures ``(label, value, unit)`` as HTML table rows (values right-aligned)."""
    number = f"{_CELL};text-align:right;font-variant-numeric:tabular-nums"
    return "".join(
        f'<tr><td style="{_CELL}">{html.escape(label)}</td>'
        f'<td style="{number}">{html.escape(value)}</td>'
        f'<td style="{_CELL}">{html.escape(unit)}</td></tr>'
        for label, value, unit in figures
    )


def check_rows_html(checks: Iterable[Any]) -> str:
    """One HTML table row per check: its status in its colour, its name, its line.

    Checks are anything with ``status_text``, ``colour``, ``label`` and ``line``.
    """
    return "".join(
        f'<tr><td style="{_CELL};color:{c.colour};font-weight:600;white-space:nowrap">'
        f"{html.escape(c.status_text)}</td>"
        f'<td style="{_CELL};white-space:nowrap">{html.escape(c.label)}</td>'
        f'<td style="{_CELL}">{html.escape(c.line)}</td></tr>'
        for c in checks
    )
