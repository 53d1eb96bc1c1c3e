"""Find the kernel-side errors that no cell shows.

A widget callback that raises (a slider's observer, a button's click handler, a comm
handler, a debounced render on the kernel's event loop) does not fail any cell: the
traceback goes somewhere a learner never looks, or nowhere visible at all. Measured on
this stack (ipykernel 7, ipywidgets 8, comm 0.2), each route ends in one of two places:

* **iopub, over the page's websocket**: an exception in a widget observer or click
  handler becomes an ``error`` message whose parent is the ``comm_msg`` (JupyterLab
  shows it in no cell); a failing comm handler is logged by the ``Comm`` logger
  ("Exception in comm_msg for ...") and, like a warning, a failing timer callback or
  anything written to the kernel's file descriptor 2, reaches the page as a ``stream``
  message on ``stderr``; a kernel that dies shows as ``status: dead``.
* **the Jupyter server's output**, which the kernels inherit: the server's own errors
  (``[E ...]`` lines, uncaught exceptions in handlers), a kernel restart, a crash of
  the kernel process, and anything written to the kernel's real stderr before or
  outside ipykernel's capture.

:class:`KernelWatch` listens to both and says what it found; :func:`log_problems` and
:func:`message_problem` are its two pure halves, unit-tested on snippets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Lines of a server log that mean something went wrong, with a short name for each.
LOG_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("traceback", re.compile(r"Traceback \(most recent call last\)")),
    ("exception in a comm handler", re.compile(r"Exception (in|opening) comm", re.IGNORECASE)),
    ("server error", re.compile(r"^\[E \d{4}-\d\d-\d\d ")),
    ("kernel error", re.compile(r"^\[IPKernelApp\] (ERROR|CRITICAL)\b")),
    ("uncaught exception", re.compile(r"Uncaught exception", re.IGNORECASE)),
    ("kernel restarted", re.compile(r"restarting kernel|kernel restarted", re.IGNORECASE)),
    ("kernel died", re.compile(r"kernel (died|is dead)|Segmentation fault|Fatal Python error")),
)

#: How many lines after a hit are quoted (the rest of a traceback).
CONTEXT_LINES = 14

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def strip_ansi(text: str) -> str:
    """``text`` without terminal colour codes (IPython colours its tracebacks)."""
    return _ANSI.sub("", text)


def log_problems(text: str) -> list[str]:
    """The problems in a stretch of server log, each quoted with the lines that belong to it.

    A hit is quoted with the indented lines after it; a traceback also with the line
    that ends it (``ValueError: ...``). Quoted lines are not searched again.
    """
    lines = strip_ansi(text).splitlines()
    found: list[str] = []
    i = 0
    while i < len(lines):
        hit = next((name for name, pattern in LOG_PATTERNS if pattern.search(lines[i])), None)
        if hit is None:
            i += 1
            continue
        end = i + 1
        while end < len(lines) and end - i <= CONTEXT_LINES and lines[end][:1] in (" ", "\t"):
            end += 1
        if hit == "traceback" and end < len(lines) and not lines[end].startswith("["):
            end += 1  # the exception's own line
        found.append(f"server log, {hit}:\n" + "\n".join(lines[i:end]))
        i = end
    return found


def message_problem(msg_type: str, content: dict, parent_type: str = "") -> str | None:
    """What is wrong in one iopub message, or None when it reports nothing wrong.

    Parameters
    ----------
    msg_type : str
        The message's type (``error``, ``stream``, ``status``, ...).
    content : dict
        Its content.
    parent_type : str
        The type of the request it answers (``comm_msg`` for a widget callback,
        ``execute_request`` for a cell), to say where the error came from.
    """
    during = f" (during {parent_type})" if parent_type else ""
    if msg_type == "error":
        traceback = strip_ansi("\n".join(content.get("traceback") or []))
        tail = "\n".join(traceback.splitlines()[-CONTEXT_LINES:])
        head = f"{content.get('ename', '?')}: {content.get('evalue', '')}"
        return f"kernel error message{during}: {head}\n{tail}"
    if msg_type == "stream" and content.get("name") == "stderr":
        text = strip_ansi(str(content.get("text", "")))
        if text.strip():
            return f"kernel stderr{during}:\n{text.rstrip()}"
    if msg_type == "status" and content.get("execution_state") in ("dead", "restarting"):
        return f"kernel status {content['execution_state']}{during}"
    return None


@dataclass
class KernelWatch:
    """Collects kernel-side problems from the websocket and from the server's log.

    Feed it every message the page receives (:meth:`observe`) and give it a way to
    read the server log; :meth:`mark` returns a point in time and :meth:`problems`
    everything found after it.

    Parameters
    ----------
    read_log : callable
        Returns the server's whole log so far (a string).
    """

    read_log: object
    messages: list[str] = field(default_factory=list)

    def observe(self, msg_type: str, content: dict, parent_type: str = "") -> None:
        """Look at one message received from the kernel."""
        problem = message_problem(msg_type, content, parent_type)

        if problem is not None:
            self.messages.append(problem)

    def mark(self) -> tuple[int, int]:
        """Now: (log length, number of message problems so far)."""
        return len(self.read_log()), len(self.messages)  # type: ignore[operator]

    def problems(self, since: tuple[int, int] = (0, 0)) -> list[str]:
        """Every problem found after ``since`` (a :meth:`mark`), log first."""
        log_from, messages_from = since
        log = self.read_log()[log_from:]  # type: ignore[operator]
        return log_problems(log) + self.messages[messages_from:]
