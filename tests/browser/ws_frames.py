"""Jupyter websocket frames: parse them, and measure what the widgets send.

JupyterLab talks to a kernel over one websocket per kernel connection. Frames are JSON
(the legacy protocol) or the v1 binary protocol: a count, that many little-endian
offsets, then channel, header, parent header, metadata, content and the binary buffers.
"""

from __future__ import annotations

import json
import struct
from collections import Counter
from dataclasses import dataclass, field

#: Widget kinds whose messages carry audio (a player side's samples, the track player's Ogg).
AUDIO_KINDS = frozenset({"PlayerSide", "OggPlayer"})


@dataclass(frozen=True)
class Frame:
    """One decoded websocket frame."""

    channel: str
    header: dict
    parent: dict
    content: dict
    buffer_sizes: tuple[int, ...]
    size: int

    @property
    def msg_type(self) -> str:
        """The message type (``comm_msg``, ``stream``, ...)."""
        return str(self.header.get("msg_type", "unparsed"))

    @property
    def parent_type(self) -> str:
        """The type of the request this message answers ("" when none)."""
        return str(self.parent.get("msg_type", "")) if self.parent else ""


def parse_frame(payload: str | bytes) -> Frame | None:
    """Decode one frame; None when it is not a Jupyter message."""
    try:
        if isinstance(payload, str):
            message = json.loads(payload)
            return Frame(
                channel=str(message.get("channel", "")),
                header=message["header"],
                parent=message.get("parent_header") or {},
                content=message.get("content") or {},
                buffer_sizes=(),
                size=len(payload.encode()),
            )
        (count,) = struct.unpack_from("<Q", payload, 0)
        offsets = [*struct.unpack_from(f"<{count}Q", payload, 8), len(payload)]

        def part(i: int) -> bytes:
            return payload[offsets[i] : offsets[i + 1]]

        return Frame(
            channel=part(0).decode(),
            header=json.loads(part(1)),
            parent=json.loads(part(2)) or {},
            content=json.loads(part(4)),
            buffer_sizes=tuple(offsets[i + 1] - offsets[i] for i in range(5, count)),
            size=len(payload),
        )
    except (ValueError, KeyError, IndexError, struct.error, TypeError, UnicodeDecodeError):
        return None


def widget_kind(state: dict) -> str:
    """A widget's kind from the state of its ``comm_open``: the Python class where we can.

    anywidgets name their module (``studio.widgets.player.Player`` gives ``Player``);
    studio's data-only models (a plot's trace, a player's side) are plain
    ``WidgetModel``s, told apart by their traits.
    """
    anywidget_id = state.get("_anywidget_id")
    if anywidget_id:
        return str(anywidget_id).rsplit(".", 1)[-1]
    name = str(state.get("_model_name") or "?")
    if name == "WidgetModel":
        if "x_data" in state:
            return "Trace"
        if "same_as" in state and "scale" in state:
            return "PlayerSide"
    return name.removesuffix("Model") or name


def _short(value):
    """A widget state value small enough for the report (long strings and lists cut)."""
    if isinstance(value, str) and len(value) > 60:
        return value[:57] + "..."
    if isinstance(value, (list, dict)) and len(json.dumps(value)) > 120:
        return f"<{type(value).__name__} of {len(value)}>"
    return value


@dataclass
class FrameMeter:
    """Counts the bytes the page receives while :attr:`recording`, and what it sends.

    Received bytes are summed by message type and by widget kind (``comm_open`` names
    the widget); the bytes of widgets that carry audio (:data:`AUDIO_KINDS`) are also
    summed apart, so a payload can be split into audio and everything else. Sent
    ``comm_msg`` frames (the browser writing widget state back to the kernel, a slider
    echoing a value) are listed: they explain re-renders nobody asked for.
    """

    recording: bool = False
    frames: int = 0
    bytes_by_type: Counter = field(default_factory=Counter)
    bytes_by_kind: Counter = field(default_factory=Counter)
    opened_by_kind: Counter = field(default_factory=Counter)
    kinds: dict[str, str] = field(default_factory=dict)
    sent_comm_msgs: list[dict] = field(default_factory=list)

    def kind_of(self, comm_id: str) -> str:
        """The kind of the widget behind ``comm_id`` (``?`` if it opened before we listened)."""
        return self.kinds.get(comm_id, "?")

    def received(self, frame: Frame) -> None:
        """Count one frame from the kernel."""
        comm_id = str(frame.content.get("comm_id", ""))
        if frame.msg_type == "comm_open":
            state = (frame.content.get("data") or {}).get("state") or {}
            self.kinds[comm_id] = widget_kind(state)
        if not self.recording:
            return
        self.frames += 1
        self.bytes_by_type[frame.msg_type] += frame.size
        if frame.msg_type in ("comm_open", "comm_msg", "comm_close"):
            kind = self.kind_of(comm_id)
            self.bytes_by_kind[kind] += frame.size
            if frame.msg_type == "comm_open":
                self.opened_by_kind[kind] += 1

    def sent(self, frame: Frame) -> None:
        """List one ``comm_msg`` the page sent to the kernel."""
        if not self.recording or frame.msg_type != "comm_msg":
            return
        data = frame.content.get("data") or {}
        self.sent_comm_msgs.append(
            {
                "widget": self.kind_of(str(frame.content.get("comm_id", ""))),
                "method": data.get("method"),
                "state": {k: _short(v) for k, v in (data.get("state") or {}).items()},
            }
        )

    def reset(self) -> None:
        """Forget the counts (the widget kinds seen so far are kept)."""
        self.frames = 0
        self.bytes_by_type.clear()
        self.bytes_by_kind.clear()
        self.opened_by_kind.clear()
        self.sent_comm_msgs.clear()

    @property
    def total_bytes(self) -> int:
        """Every byte received while recording."""
        return sum(self.bytes_by_type.values())

    @property
    def audio_bytes(self) -> int:
        """The bytes of widgets that carry audio."""
        return sum(v for k, v in self.bytes_by_kind.items() if k in AUDIO_KINDS)

    def summary(self) -> dict:
        """Frames, megabytes (total, audio, by message type, by widget kind), what was sent."""
        return {
            "frames": self.frames,
            "total_mb": round(self.total_bytes / 1e6, 3),
            "audio_mb": round(self.audio_bytes / 1e6, 3),
            "other_mb": round((self.total_bytes - self.audio_bytes) / 1e6, 3),
            "mb_by_msg_type": {k: round(v / 1e6, 3) for k, v in self.bytes_by_type.most_common()},
            "mb_by_widget_kind_over_10kb": {
                k: round(v / 1e6, 3) for k, v in self.bytes_by_kind.most_common() if v >= 10_000
            },
            "widgets_opened": sum(self.opened_by_kind.values()),
            "sent_comm_msgs": len(self.sent_comm_msgs),
            "sent_comm_msgs_first": self.sent_comm_msgs[:12],
        }
