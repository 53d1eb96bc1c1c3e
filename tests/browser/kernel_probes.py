"""What the kernel holds, asked from the page: executed *inside* the notebook's kernel.

The browser test sends this file's source with one call (see ``lab_page.kernel_call``);
it runs in a fresh namespace (nothing lands in the learner's variables) and prints one
JSON line. It finds studio's views among the open widgets, so it needs no variable
names from the notebook.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any


def _open_widgets() -> list:
    from ipywidgets.widgets import widget as widget_module

    return list(getattr(widget_module, "_instances", {}).values())


def _memory_mb() -> dict[str, float]:
    """Resident memory now and at its peak (Linux ``/proc``; psutil elsewhere)."""
    try:
        fields = {}
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    fields[key] = int(value.split()[0]) / 1024.0
        return {"rss_mb": round(fields["VmRSS"], 1), "peak_rss_mb": round(fields["VmHWM"], 1)}
    except (OSError, KeyError, ValueError):
        import psutil

        rss = psutil.Process().memory_info().rss / 2**20
        return {"rss_mb": round(rss, 1), "peak_rss_mb": float("nan")}


def _player(player: Any) -> dict:
    sides = {}
    for side in player.sides:
        sides[side.name] = {
            "label": side.label,
            "tag": side.tag,
            "loaded": bool(side.loaded),
            "silent": bool(side.silent),
            "version": int(side.version),
            "checksum": player.checksum(side.name) if side.loaded else "",
            "n_frames": int(side.n_frames),
            "sr": int(side.sr),
            "same_as": side.same_as,
            "loudness_db": float(side.loudness_db),
        }
    return {
        "id": player.model_id,
        "kind": type(player).__name__,
        "active": player.active,
        "names": list(player.names),
        "sides": sides,
        "gains_db": player.playback_gains_db(),
        "status_text": player.status_text(),
    }


def _plot(plot: Any) -> dict:
    import numpy as np

    traces = []
    for trace in plot.traces:
        scale = plot.subplots[trace.subplot]["x"]["scale"] if plot.subplots else "linear"
        x, y = trace.x.astype(np.float64), trace.y.astype(np.float64)
        ok = np.isfinite(x) & np.isfinite(y)
        if scale == "log":
            ok &= x > 0
        traces.append(
            {
                "name": trace.name,
                "trace_id": trace.model_id,
                "version": int(trace.version),
                "n": int(y.size),
                "finite": int(np.count_nonzero(ok)),
                "y_sum": float(np.sum(trace.y[np.isfinite(trace.y)], dtype=np.float64)),
                "y_min": float(np.min(y[ok])) if ok.any() else None,
                "y_max": float(np.max(y[ok])) if ok.any() else None,
                "subplot": int(trace.subplot),
            }
        )
    refs = [[ref["label"] for ref in sub.get("refs", [])] for sub in plot.subplots]
    titles = [sub.get("title", "") for sub in plot.subplots]
    return {"id": plot.model_id, "traces": traces, "refs": refs, "titles": titles}


def _panel(panel: Any) -> dict:
    from studio.params import format_path

    shown = [child.model_id for child in panel.plot_area.children]
    cached = sorted(plot.figure.model_id for plot in panel._plots.values())

    def synced(control: Any) -> str:
        return "index" if "index" in control.keys else "value"  # a drop-down syncs its index

    return {
        "id": panel.model_id,
        "processor_class": type(panel.processor).__name__,
        "classes": list(panel._dom_classes),
        "player": panel.player.model_id if panel.player is not None else None,
        "plots_shown": shown,
        "plots_made": cached,
        "message": panel.message.value,
        "audio_check": _audio_check(panel),
        "settings": panel.processor.to_dict(),
        "controls": {
            format_path(path): {
                "id": control.model_id,
                "synced": synced(control),
                "synced_value": _plain(getattr(control, synced(control))),
                "value": _plain(control.value),
                "setting": _plain(panel.processor.get(path)),
            }
            for path, control in panel.controls.items()
        },
    }


def _audio_check(panel: Any) -> dict:
    """How far each side the panel's player sends is from what it should play, in LSB.

    "original" against the preview passage, "processed" against a fresh render of the
    passage through the panel's current settings (not the preview engine's cache): the
    16-bit transport may be off by half a step; anything more is the wrong audio.
    """
    import numpy as np

    player, preview = panel.player, panel.preview
    if player is None or preview is None:
        return {}
    dry = np.asarray(preview.dry.samples, dtype=np.float32)
    proc = panel.processor.shifted(-preview.start_s)
    if proc.capabilities.changes_rate:
        return {"skipped": "the processor changes the sample rate"}
    key = preview.key if proc.capabilities.sidechain else None
    wet = np.asarray(proc.process(preview.dry.samples, preview.sr, key=key), dtype=np.float32)
    fitted = np.zeros_like(dry, shape=(wet.shape[0], dry.shape[1]))
    keep = min(dry.shape[1], wet.shape[1])
    fitted[:, :keep] = wet[:, :keep]
    out: dict[str, Any] = {}
    for name, want in (("original", dry), ("processed", fitted)):
        side = player.side(name)
        got = player.decoded(name)
        scale = player.side(side.same_as).scale if side.same_as else side.scale
        if got.shape != want.shape:
            out[name] = {"error": f"plays {got.shape} samples, should play {want.shape}"}
            continue
        err = float(np.max(np.abs(got.astype(np.float64) - want))) if got.size else 0.0
        out[name] = {"max_err_lsb": err / scale if scale > 0 else (0.0 if err == 0 else 1e9)}
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _track_player(track: Any) -> dict:
    audio = track.resolve(track.picker.value)
    return {
        "id": track.model_id,
        "audio_id": track.audio.model_id,
        "choice": track.picker.value,
        "choices": list(track.picker.options),
        "bytes": len(track.audio.data),
        "version": int(track.audio.version),
        "duration_s": float(audio.duration_s),
        "info": track.info.value,
    }


def snapshot() -> dict:
    """Every open studio view and what it holds, the widget count and the memory."""
    from studio.widgets.listen import TrackPlayer
    from studio.widgets.liveplot import LivePlot
    from studio.widgets.panel import ProcessorPanel
    from studio.widgets.player import Player

    memory = _memory_mb()  # before the audio checks below allocate their renders
    widgets = _open_widgets()
    kinds = Counter(type(w).__name__ for w in widgets)
    return {
        "memory": memory,
        "widget_count": len(widgets),
        "widget_kinds": dict(kinds.most_common()),
        "players": [_player(w) for w in widgets if isinstance(w, Player)],
        "plots": [_plot(w) for w in widgets if isinstance(w, LivePlot)],
        "panels": [_panel(w) for w in widgets if isinstance(w, ProcessorPanel)],
        "track_players": [_track_player(w) for w in widgets if isinstance(w, TrackPlayer)],
    }


def panel_values(processor_class: str, paths: list[list]) -> dict:
    """Values of the settings of the open panel of ``processor_class``, by path."""
    from studio.params import format_path
    from studio.widgets.panel import ProcessorPanel

    panels = [
        w
        for w in _open_widgets()
        if isinstance(w, ProcessorPanel) and type(w.processor).__name__ == processor_class
    ]
    if len(panels) != 1:
        raise LookupError(f"{len(panels)} open panels of {processor_class}; expected one")
    processor = panels[0].processor
    return {format_path(tuple(path)): _plain(processor.get(tuple(path))) for path in paths}


def user_values(names: list[str]) -> dict:
    """Some facts about the learner's variables the page should show (by name)."""
    from IPython import get_ipython

    namespace = get_ipython().user_ns
    out: dict[str, Any] = {}
    if "demo" in names and "demo" in namespace:
        out["demo_findings"] = len(namespace["demo"].findings)
    if "m" in names and "m" in namespace:
        out["integrated_lufs"] = float(namespace["m"].integrated_lufs)
    return out


# -- planted errors: prove that the watch sees what no cell shows ---------------------------


def plant_errors() -> dict:
    """Make a widget whose observer raises and a comm target whose handler raises.

    Returns the widget's model id and the comm target's name for the page to poke.
    """
    import os

    import ipywidgets
    from IPython import get_ipython

    box = ipywidgets.IntText(value=0)

    def broken_observer(change: dict) -> None:
        raise RuntimeError(f"planted error in a widget observer (value {change['new']})")

    box.observe(broken_observer, names="value")
    target = "studio-test-planted"

    def broken_target(comm: Any, _msg: dict) -> None:
        def broken_handler(_message: dict) -> None:
            raise RuntimeError("planted error in a comm message handler")

        comm.on_msg(broken_handler)

    get_ipython().kernel.comm_manager.register_target(target, broken_target)
    os.write(2, b"Traceback (most recent call last):\n  planted on the kernel's stderr\n")
    return {"widget": box.model_id, "target": target}


def main(call: str, args: dict) -> None:
    """Run ``call`` with ``args`` and print its result as one JSON line."""
    calls = {
        "snapshot": snapshot,
        "panel_values": panel_values,
        "user_values": user_values,
        "plant_errors": plant_errors,
    }
    result = calls[call](**args)
    print(json.dumps(result, default=str))
