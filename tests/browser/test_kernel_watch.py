"""The browser test's error watch and frame parser, on snippets (no browser, no kernel).

The real-browser test also proves the watch end to end, on errors planted in a live
kernel (``test_watch_catches_planted_errors``); these check each rule on its own.
"""

from __future__ import annotations

import json
import struct

from kernel_watch import KernelWatch, log_problems, message_problem
from ws_frames import FrameMeter, parse_frame, widget_kind

CLEAN_LOG = """\
[I 2026-12-05 00:44:31.565 ServerApp] Kernel started: 3b15fc16-64b3-47d9-9a7c-b15014112372
[IPKernelApp] WARNING | Kernel is running over TCP without encryption.
[I 2026-12-05 00:44:32.424 ServerApp] Adapting from protocol version 5.3 to 5.4 (client).
[W 2026-12-05 00:44:32.437 ServerApp] The websocket_ping_timeout (90000) cannot be longer
    Setting websocket_ping_timeout=30000
[W 2026-12-05 00:44:31.312 ServerApp] Notebook t.ipynb is not trusted
"""

TRACEBACK_LOG = """\
[I 2026-12-05 00:44:31.565 ServerApp] Kernel started: 3b15
Traceback (most recent call last):
  File "/x/plotly/basewidget.py", line 730, in _handler_js2py_traceDeltas
    if trace_delta[prop] != value:
ValueError: The truth value of an array with more than one element is ambiguous.
[I 2026-12-05 00:44:32.424 ServerApp] Saving file
"""


def test_a_clean_server_log_has_no_problems():
    assert log_problems(CLEAN_LOG) == []


def test_a_traceback_is_quoted_to_its_exception_line():
    (problem,) = log_problems(TRACEBACK_LOG)
    assert problem.startswith("server log, traceback:")
    assert "_handler_js2py_traceDeltas" in problem
    assert problem.rstrip().endswith("is ambiguous.")
    assert "Saving file" not in problem


def test_comm_errors_server_errors_and_restarts_are_found():
    log = (
        "Exception in comm_msg for 5f2c\n"
        "[E 2026-12-05 00:45:00.000 ServerApp] Uncaught exception GET /api/kernels\n"
        "    HTTPServerRequest(protocol='http')\n"
        "[IPKernelApp] ERROR | Exception in message handler:\n"
        "[I 2026-12-05 00:45:01.000 ServerApp] KernelRestarter: restarting kernel (1/5)\n"
        "Fatal Python error: Segmentation fault\n"
    )
    kinds = [problem.split(":")[0] for problem in log_problems(log)]
    assert kinds == [
        "server log, exception in a comm handler",
        "server log, server error",
        "server log, kernel error",
        "server log, kernel restarted",
        "server log, kernel died",
    ]


def test_colour_codes_do_not_hide_a_traceback():
    log = "\x1b[31mTraceback (most recent call last):\x1b[0m\n  File 'x'\nKeyError: 'a'\n"
    (problem,) = log_problems(log)
    assert "KeyError: 'a'" in problem


def test_error_messages_and_stderr_are_problems_with_their_origin():
    error = {
        "ename": "ValueError",
        "evalue": "boom",
        "traceback": ["\x1b[31mValueError\x1b[39m Traceback", "ValueError: boom"],
    }
    problem = message_problem("error", error, "comm_msg")
    assert problem.startswith("kernel error message (during comm_msg): ValueError: boom")
    assert "\x1b" not in problem
    stderr = message_problem("stream", {"name": "stderr", "text": "Exception in comm_msg"})
    assert stderr == "kernel stderr:\nException in comm_msg"
    assert message_problem("status", {"execution_state": "dead"}) == "kernel status dead"


def test_ordinary_messages_are_not_problems():
    assert message_problem("stream", {"name": "stdout", "text": "hello"}) is None
    assert message_problem("stream", {"name": "stderr", "text": "  \n"}) is None
    assert message_problem("status", {"execution_state": "idle"}) is None
    assert message_problem("comm_msg", {"data": {"state": {"value": 1}}}) is None


def test_the_watch_reports_only_what_came_after_a_mark():
    log = [CLEAN_LOG]
    watch = KernelWatch(read_log=lambda: log[0])
    watch.observe("stream", {"name": "stderr", "text": "old warning"})
    mark = watch.mark()
    assert watch.problems(mark) == []
    watch.observe("error", {"ename": "RuntimeError", "evalue": "new", "traceback": []})
    log[0] += TRACEBACK_LOG
    problems = watch.problems(mark)
    assert len(problems) == 2
    assert problems[0].startswith("server log, traceback")
    assert "RuntimeError: new" in problems[1]
    assert len(watch.problems()) == 3


def _binary_frame(channel: str, header: dict, content: dict, buffers: list[bytes]) -> bytes:
    parts = [
        channel.encode(),
        json.dumps(header).encode(),
        json.dumps({"msg_type": "comm_msg"}).encode(),
        b"{}",
        json.dumps(content).encode(),
        *buffers,
    ]
    count = len(parts)
    offsets, at = [], 8 * (count + 1)
    for part in parts:
        offsets.append(at)
        at += len(part)
    return struct.pack(f"<Q{count}Q", count, *offsets) + b"".join(parts)


def test_binary_frames_are_parsed_with_parent_and_buffers():
    payload = _binary_frame(
        "iopub", {"msg_type": "error"}, {"ename": "E"}, [b"\x00" * 10, b"\x01" * 3]
    )
    frame = parse_frame(payload)
    assert frame is not None
    assert (frame.channel, frame.msg_type, frame.parent_type) == ("iopub", "error", "comm_msg")
    assert frame.content == {"ename": "E"}
    assert frame.buffer_sizes == (10, 3)
    assert frame.size == len(payload)


def test_json_frames_are_parsed_and_garbage_is_not():
    text = json.dumps(
        {"channel": "iopub", "header": {"msg_type": "stream"}, "parent_header": {}, "content": {}}
    )
    frame = parse_frame(text)
    assert frame is not None and frame.msg_type == "stream" and frame.parent_type == ""
    assert parse_frame(b"\x01\x02") is None
    assert parse_frame("not json") is None


def test_widget_kinds_and_audio_bytes_are_counted():
    meter = FrameMeter(recording=True)
    side = {"_model_name": "WidgetModel", "same_as": "", "scale": 0.1, "data": None}
    trace = {"_model_name": "WidgetModel", "x_data": None}
    player = {"_anywidget_id": "studio.widgets.player.Player"}
    assert [widget_kind(s) for s in (side, trace, player)] == ["PlayerSide", "Trace", "Player"]
    assert widget_kind({"_model_name": "LayoutModel"}) == "Layout"
    for comm_id, state in (("a", side), ("b", trace)):
        meter.received(
            parse_frame(
                _binary_frame(
                    "iopub",
                    {"msg_type": "comm_open"},
                    {"comm_id": comm_id, "data": {"state": state}},
                    [b"\x00" * 1000],
                )
            )
        )
    summary = meter.summary()
    assert summary["widgets_opened"] == 2
    assert meter.audio_bytes > 1000 and meter.audio_bytes < meter.total_bytes
