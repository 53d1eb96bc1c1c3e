"""Find words in code that bypass the text catalogue.

A test points :func:`find_prose` at a module or a package and expects nothing back:
every sentence a learner reads must come from :mod:`studio.text`. The scan reads the
source (it never imports it) and reports each string literal that looks like prose,
meaning it holds at least ``min_words`` words, unless it is

* a docstring, or any other string standing alone as a statement (it documents code);
* part of an exception being raised, an ``assert`` message or a ``warnings.warn(...)``
  call (messages for whoever called the code, in English by design);
* the key given to ``t(...)`` and the other catalogue look-ups;
* on a line marked ``# prose: ok`` (say why next to it), or inside a statement whose
  first line is so marked: a table of file kinds for error messages
  (``_KINDS = (  # prose: ok ...``), or a helper that builds an error message
  (``def _exists_message(...):  # prose: ok ...``).

f-strings count by their literal parts: ``f"{n} tracks at {sr} Hz"`` has the words
"tracks", "at" and "Hz".
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

__all__ = ["Prose", "find_prose", "format_prose"]

PRAGMA = "# prose: ok"
"""Mark a line whose words are meant to stay in the code."""

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")  # letters, inner ' or -
_EDGES = "\"'()[]{}<>.,;:!?\u00bf\u00a1*`\u2018\u2019\u201c\u201d"
_LOOKUPS = frozenset(
    {"t", "has", "keys", "param_text", "processor_title", "processor_name", "set_language"}
)
_WARNERS = frozenset({"warn", "warn_explicit"})


@dataclass(frozen=True)
class Prose:
    """A string literal that reads like words for a person.

    Attributes
    ----------
    path : str
        The source file.
    line : int
        Line number where the literal starts.
    text : str
        The literal (f-string fields shown as ``{...}``).
    """

    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def _count_words(text: str) -> int:
    """Words separated by spaces: ``"at {...} BPM,"`` has two, ``"MAX_DURATION_S"`` none."""
    return sum(1 for token in text.split() if _WORD.fullmatch(token.strip(_EDGES)))


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            else:
                parts.append("{...}")
        return "".join(parts)
    return None


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str, lines: list[str], min_words: int) -> None:
        self.path, self.lines, self.min_words = path, lines, min_words
        self.found: list[Prose] = []
        self.marked = 0  # how many enclosing statements carry the pragma on their first line

    def visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.stmt) and PRAGMA in self.lines[node.lineno - 1]:
            self.marked += 1
            try:
                super().visit(node)
            finally:
                self.marked -= 1
            return
        super().visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        if _literal_text(node.value) is not None:
            return  # a docstring or another string standing alone: documentation
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        return  # exception messages are for the programmer who called the code

    def visit_Assert(self, node: ast.Assert) -> None:
        self.visit(node.test)  # the message is for the programmer, like an exception's

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        if name in _WARNERS:
            return
        args = list(node.args)
        if name in _LOOKUPS and args:
            args = args[1:]  # the key itself is not prose
        for arg in args:
            self.visit(arg)
        for keyword in node.keywords:
            self.visit(keyword.value)
        self.visit(node.func)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        self._check(node)
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                self.visit(value.value)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self._check(node)

    def _check(self, node: ast.expr) -> None:
        text = _literal_text(node)
        if text is None or self.marked or _count_words(text) < self.min_words:
            return
        first, last = node.lineno, getattr(node, "end_lineno", node.lineno) or node.lineno
        if any(PRAGMA in self.lines[i - 1] for i in range(first, last + 1)):
            return
        self.found.append(Prose(self.path, node.lineno, text))


def _files(target: str | Path | ModuleType) -> list[Path]:
    if isinstance(target, ModuleType):
        file = getattr(target, "__file__", None)
        if file is None:
            raise ValueError(f"module {target.__name__} has no source file to scan")
        path = Path(file)
        if path.name == "__init__.py":
            path = path.parent
    else:
        path = Path(target)
    if path.is_dir():
        return sorted(path.rglob("*.py"))
    if path.suffix == ".py" and path.is_file():
        return [path]
    raise ValueError(f"find_prose needs a module, a .py file or a folder; got {target!r}")


def find_prose(
    targets: str | Path | ModuleType | Iterable[str | Path | ModuleType], *, min_words: int = 3
) -> list[Prose]:
    """List the string literals in ``targets`` that look like words for a person.

    Parameters
    ----------
    targets : module, path, or an iterable of them
        A module or package (its source is read, not run), a ``.py`` file or a folder
        (every ``.py`` file under it).
    min_words : int
        How many words make a literal prose (3 by default: "demo rough mix").

    Returns
    -------
    list of Prose
        Empty when every user-facing word comes from the catalogue.
    """
    items = [targets] if isinstance(targets, str | Path | ModuleType) else list(targets)
    found: list[Prose] = []
    for target in items:
        for file in _files(target):
            source = file.read_text(encoding="utf-8")
            scanner = _Scanner(str(file), source.splitlines(), min_words)
            scanner.visit(ast.parse(source, filename=str(file)))
            found.extend(scanner.found)
    return found


def format_prose(found: Iterable[Prose]) -> str:
    """One line per literal, ready for an assertion message."""
    return "\n".join(str(p) for p in found)
