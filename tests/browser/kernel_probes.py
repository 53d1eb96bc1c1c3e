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


def _path_key(path: tuple) -> str:
    """A session path as one string: ``tracks/bass/strip/fader/gain_db``."""
    return "/".join(str(part) for part in path)


def _setting(value: Any) -> Any:
    """A session value for JSON: numbers as they are, an envelope as its breakpoints."""
    from studio.dsp.control import Envelope

    if isinstance(value, Envelope):
        return {
            "times_s": [float(x) for x in value.times_s],
            "values": [float(x) for x in value.values],
            "shape": list(value.shape) if not isinstance(value.shape, str) else value.shape,
        }
    return _plain(value)


def _console(console: Any) -> dict:
    """A mixing console: its player, spectrum, meters and every control by session path."""
    import numpy as np

    session = console.project.session
    meters = {}
    for name, meter in console.meters.items():
        peaks = meter.peaks_db
        meters[name] = {
            "id": meter.model_id,
            "css": "".join(c if c.isalnum() else "-" for c in name.lower()),
            "blocks": int(peaks.size),
            "max_db": float(np.max(peaks)) if peaks.size else None,
            "follow": meter.follow,
        }
    controls = {}
    for path, control in console.controls.items():
        controls[_path_key(path)] = {
            "id": control.model_id,
            "value": _plain(control.value),
            "disabled": bool(control.disabled),
            "setting": _setting(session.get(path)),
        }
    return {
        "id": console.model_id,
        "player": console.player.model_id,
        "transport_id": console.player.transport_id,
        "spectrum": console.spectrum.model_id,
        "start_s": float(console.start_s),
        "preview_s": float(console.preview_s),
        "message": console.message.value,
        "status": console.status.value,
        "meters": meters,
        "controls": controls,
        "tracks": [track.name for track in session.tracks],
        "buses": [bus.name for bus in session.buses],
    }


def _lane_editor(editor: Any) -> dict:
    """An automation lane editor: the lane it shows and its breakpoint rows."""
    path = tuple(editor.param_choice.value or ())
    return {
        "id": editor.model_id,
        "path": _path_key(path),
        "plot": editor.plot.model_id,
        "message": editor.message.value,
        "rows": [
            {
                "time_id": row.time.model_id,
                "value_id": row.value.model_id,
                "time_s": _plain(row.time.value),
                "value": _plain(row.value.value),
            }
            for row in editor.rows
        ],
    }


def _rack(rack: Any) -> dict:
    """A mastering rack: its player, plots, every control by path, and what its meters read."""
    from studio.params import format_path

    meters = rack.meters
    lufs = {}
    if meters is not None:
        for name in ("mix", "master", "reference"):
            m = getattr(meters, name)
            if m is not None:
                lufs[name] = _plain(float(m.integrated_lufs))
    return {
        "id": rack.model_id,
        "player": rack.player.model_id,
        "time_plot": rack.time_plot.model_id,
        "look_plot": rack.look_plot.model_id,
        "start_s": float(rack.start_s),
        "preview_s": float(rack.preview_s),
        "target": rack.goal.key,
        "message": rack.message.value,
        "modules": [
            {"name": m.name, "bypass": bool(m.bypass), "class": type(m.processor).__name__}
            for m in rack.chain.modules
        ],
        "integrated_lufs": lufs,
        "controls": {
            format_path(path): {
                "id": control.model_id,
                "synced": "index" if "index" in control.keys else "value",
                "synced_value": _plain(control.index if "index" in control.keys else control.value),
                "value": _plain(control.value),
                "setting": _plain(rack.chain.get(path)),
            }
            for path, control in rack.controls.items()
        },
    }


def _translation(view: Any) -> dict:
    """A translation view: the system chosen, its drop-down and player, every system's name."""
    from studio.mastering.translation import SYSTEMS

    return {
        "id": view.model_id,
        "player": view.player.model_id,
        "plot": view.plot.model_id,
        "choice": view.choice.value,
        "choice_id": view.choice.model_id,
        "systems": {key: system.name for key, system in SYSTEMS.items()},
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
        "consoles": [_console(w) for w in widgets if type(w).__name__ == "Console"],
        "lane_editors": [
            _lane_editor(w) for w in widgets if type(w).__name__ == "AutomationEditor"
        ],
        "racks": [_rack(w) for w in widgets if type(w).__name__ == "MasteringRack"],
        "translations": [_translation(w) for w in widgets if type(w).__name__ == "TranslationView"],
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


def session_values(paths: list[str]) -> dict:
    """The open console's session values at ``paths`` (``tracks/bass/strip/fader/gain_db``)."""
    session = _the_console().project.session
    out = {}
    for key in paths:
        path = tuple(int(p) if p.isdigit() else p for p in key.split("/"))
        out[key] = _setting(session.get(path))
    return out


def _the_console() -> Any:
    from studio.widgets.console import Console

    consoles = [w for w in _open_widgets() if isinstance(w, Console)]
    if len(consoles) != 1:
        raise LookupError(f"{len(consoles)} open consoles; expected one")
    return consoles[0]


def automated_paths() -> list[str]:
    """The paths of the open console's session that hold an envelope (its lanes)."""
    return [_path_key(path) for path, _ in _the_console().project.session.lanes()]


def add_lane(path: str, times_s: list[float], values: list[float]) -> list[str]:
    """Automate ``path`` of the open console's project from code (one undo step), as a
    notebook cell would; returns the session's lanes after it."""
    from studio.dsp.control import Envelope

    key = tuple(int(p) if p.isdigit() else p for p in path.split("/"))
    _the_console().project.set(key, Envelope(tuple(times_s), tuple(values)))
    return automated_paths()


def lane_choices(owner: str) -> dict:
    """The open lane editor's drop-downs: the label of ``owner``, the owner shown now and
    the labels of the parameters it lists now, by path."""
    editors = [w for w in _open_widgets() if type(w).__name__ == "AutomationEditor"]
    if len(editors) != 1:
        raise LookupError(f"{len(editors)} open lane editors; expected one")
    editor = editors[0]
    owners = {_path_key(tuple(value)): label for label, value in editor.owner_choice.options}
    return {
        "owner_label": owners[owner],
        "current_owner": _path_key(tuple(editor.owner_choice.value or ())),
        "params": {_path_key(tuple(value)): label for label, value in editor.param_choice.options},
    }


def studio_file() -> str:
    """Where the kernel imports studio from (the checkout under test, or another one)."""
    import studio

    return str(studio.__file__)


def mix_reports() -> list[dict]:
    """Every ready-for-mastering report among the learner's variables: what it says."""
    from IPython import get_ipython

    from studio.mixing.report import MixReport

    namespace = get_ipython().user_ns
    return [
        {
            "name": name,
            "heading": value.heading,
            "verdict": value.verdict,
            "lines": [check.line for check in value.checks],
        }
        for name, value in namespace.items()
        if isinstance(value, MixReport) and not name.startswith("_")
    ]


def qc_reports() -> list[dict]:
    """Every quality-control report among the learner's variables (a delivery's included)."""
    from IPython import get_ipython

    from studio.mastering.qc import QCReport

    found = []
    for name, value in get_ipython().user_ns.items():
        if name.startswith("_"):
            continue
        report = getattr(value, "report", value)
        if isinstance(report, QCReport) and all(report is not f["obj"] for f in found):
            found.append({"name": name, "obj": report})
    return [
        {
            "name": f["name"],
            "heading": f["obj"].heading,
            "verdict": f["obj"].verdict,
            "checks": [c.line for c in f["obj"].checks],
            "momentary_points": int(len(f["obj"].momentary_lufs)),
        }
        for f in found
    ]


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
        "session_values": session_values,
        "mix_reports": mix_reports,
        "qc_reports": qc_reports,
        "automated_paths": automated_paths,
        "add_lane": add_lane,
        "lane_choices": lane_choices,
        "studio_file": studio_file,
        "plant_errors": plant_errors,
    }
    result = calls[call](**args)
    print(json.dumps(result, default=str))
