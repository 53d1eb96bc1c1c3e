"""The light live plot: what it sends, what it draws (ticks, labels, paths) and its weight."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import ipywidgets
import numpy as np
import pytest
from ipywidgets.widgets.widget import _remove_buffers
from jsnode import WIDGETS, run_node

from studio.errors import ParameterError
from studio.widgets.lifecycle import widget_tree
from studio.widgets.liveplot import Axis, LivePlot, RefLine, Subplot, Trace

FREQ = Axis("frequency", "Hz", "log", (20.0, 20000.0))
GAIN = Axis("gain", "dB", range=(-24.0, 24.0))


@pytest.fixture
def sent(monkeypatch):
    """Every message any widget sends from now on: (widget, state keys, buffer bytes)."""
    log: list[tuple[ipywidgets.Widget, set[str], int]] = []
    original = ipywidgets.Widget._send

    def record(self, msg, buffers=None):
        keys = set(msg.get("state", {})) | {str(p[0]) for p in msg.get("buffer_paths", [])}
        log.append((self, keys, sum(len(bytes(b)) for b in buffers or [])))
        return original(self, msg, buffers)

    monkeypatch.setattr(ipywidgets.Widget, "_send", record)
    return log


def decoded(trace: Trace) -> tuple[np.ndarray, np.ndarray]:
    """The points as the browser receives them: float32 from the binary state."""
    state, paths, buffers = _remove_buffers(trace.get_state())
    by_path = {tuple(p): bytes(b) for p, b in zip(paths, buffers, strict=True)}
    return (
        np.frombuffer(by_path[("x_data",)], dtype="<f4"),
        np.frombuffer(by_path[("y_data",)], dtype="<f4"),
    )


def response_plot(n_traces: int = 3) -> LivePlot:
    f = np.geomspace(20, 20000, 400)
    plot = LivePlot([Subplot(FREQ, GAIN, "Response")])
    for i in range(n_traces):
        plot.line(f"t{i}", f, np.sin(f / 1000.0 + i), width=1 + i)
    return plot


def test_traces_carry_the_values_they_were_drawn_from() -> None:
    f = np.geomspace(20, 20000, 400)
    y = 12 * np.sin(np.log(f))
    plot = LivePlot([Subplot(FREQ, GAIN)])
    plot.line("total", f, y, label="EQ total", width=3, fill=True)
    x_sent, y_sent = decoded(plot.trace("total"))
    np.testing.assert_array_equal(x_sent, f.astype(np.float32))
    np.testing.assert_array_equal(y_sent, y.astype(np.float32))
    np.testing.assert_allclose(y_sent, y, rtol=1e-6)  # float32: far below a pixel
    trace = plot.trace("total")
    assert (trace.label, trace.width, trace.fill, trace.subplot) == ("EQ total", 3.0, True, 0)


def test_not_finite_values_become_gaps() -> None:
    plot = LivePlot([Subplot(FREQ, GAIN)])
    plot.line("t", [20, 100, 1000], [0.0, -np.inf, 1e300])
    _, y = decoded(plot.trace("t"))
    assert y[0] == 0.0 and np.isnan(y[1]) and np.isnan(y[2])


def test_updating_a_trace_sends_that_trace_alone(sent) -> None:
    plot = response_plot(3)
    sent.clear()
    new_y = np.linspace(-6, 6, 400)
    assert plot.update("t1", y=new_y) is True
    assert len(sent) == 1
    widget, keys, n_bytes = sent[0]
    assert widget is plot.trace("t1")
    assert keys == {"y_data", "version"}  # x did not change: it is not sent again
    assert n_bytes == 400 * 4  # the new y as float32, nothing else
    np.testing.assert_array_equal(decoded(plot.trace("t1"))[1], new_y.astype(np.float32))


def test_a_new_trace_brings_its_points_when_it_opens(sent) -> None:
    plot = response_plot(1)
    sent.clear()
    trace = plot.line("new", [20, 200, 2000], [1, 2, 3])
    assert [(w, keys) for w, keys, _ in sent] == [(plot, {"traces"})]  # no second message
    assert trace.version == 1 and decoded(trace)[1].tolist() == [1, 2, 3]


def test_an_unchanged_trace_sends_nothing(sent) -> None:
    plot = response_plot(2)
    version = plot.trace("t0").version
    sent.clear()
    assert plot.update("t0", x=plot.trace("t0").x, y=plot.trace("t0").y) is False
    assert sent == [] and plot.trace("t0").version == version


def test_layout_changes_send_the_layout_only(sent) -> None:
    plot = response_plot(2)
    sent.clear()
    plot.set_refs(0, [RefLine("y", -14.0, "target -14 LUFS")])
    assert len(sent) == 1 and sent[0][0] is plot and sent[0][1] == {"subplots"}
    assert sent[0][2] == 0  # no buffers
    assert plot.subplots[0]["refs"][0] == {
        "axis": "y",
        "value": -14.0,
        "label": "target -14 LUFS",
        "color": "#666666",
        "dash": "dash",
    }


def test_bad_input_is_refused_plainly() -> None:
    with pytest.raises(ParameterError, match="range must be two finite numbers"):
        Axis("gain", "dB", range=(6.0, -6.0))
    with pytest.raises(ParameterError, match="log axis needs a range above 0"):
        Axis("frequency", "Hz", "log", (0.0, 100.0))
    with pytest.raises(ParameterError, match="scale must be"):
        Axis("x", scale="exp")
    with pytest.raises(ParameterError, match="at least one Subplot"):
        LivePlot([])
    plot = response_plot(1)
    with pytest.raises(ParameterError, match="already a trace named 't0'"):
        plot.line("t0", [1], [1])
    with pytest.raises(ParameterError, match="subplot 2 does not exist"):
        plot.line("t9", [1], [1], subplot=2)
    with pytest.raises(ParameterError, match="x has 2 values but y has 3"):
        plot.update("t0", x=[1, 2], y=[1, 2, 3])
    with pytest.raises(ParameterError, match="no trace 'nope'"):
        plot.update("nope", y=[1])


def test_closing_a_plot_closes_its_traces() -> None:
    plot = response_plot(2)
    traces = list(plot.traces)
    assert set(map(id, traces)) <= set(map(id, widget_tree(plot)))
    plot.close()
    assert all(t.comm is None for t in traces)


def test_one_plot_costs_kilobytes_not_megabytes() -> None:
    esm = (WIDGETS / "liveplot.js").read_bytes()
    css = (WIDGETS / "liveplot.css").read_bytes()
    assert len(esm) < 40_000, len(esm)
    plot = response_plot(5)  # 5 traces of 400 points
    total = 0
    for widget in widget_tree(plot):
        state, _, buffers = _remove_buffers(widget.get_state())
        total += len(json.dumps(state)) + sum(len(bytes(b)) for b in buffers)
    points = 5 * 2 * 400 * 4
    assert total < len(esm) + len(css) + points + 12_000, total
    print(f"liveplot.js {len(esm)} B + css {len(css)} B; a 5-trace plot costs {total} B")


def test_the_live_path_imports_no_plotly() -> None:
    code = (
        "import sys, numpy as np\n"
        "from studio import Audio, ParametricEQ, Compressor, Reverb\n"
        "from studio.widgets import panel, Player, LivePlot\n"
        "a = Audio(np.zeros((2, 48000)) + 0.1, 48000)\n"
        "for proc in (ParametricEQ(), Compressor(), Reverb()):\n"
        "    panel(proc, a, preview_s=1.0)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'plotly'))\n"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# -- the browser half, under node -------------------------------------------------------

TICKS = """
import { formatTick, ticksFor } from "./liveplot.mjs";
const out = input.map(({ scale, lo, hi, px, spacing }) => {
  const t = ticksFor(scale, lo, hi, px, spacing);
  return t.values.map((v) => formatTick(v, { scale }, t.step));
});
console.log(JSON.stringify(out));
"""


def test_log_frequency_ticks_read_like_a_mixing_desk(tmp_path: Path) -> None:
    cases = [
        {"scale": "log", "lo": 20, "hi": 20000, "px": 600, "spacing": 44},
        {"scale": "log", "lo": 20, "hi": 20000, "px": 200, "spacing": 44},
        {"scale": "log", "lo": 20, "hi": 24000, "px": 900, "spacing": 44},
        {"scale": "log", "lo": 100, "hi": 400, "px": 300, "spacing": 44},
        {"scale": "log", "lo": 1, "hi": 1e7, "px": 200, "spacing": 44},
    ]
    out = run_node(tmp_path, TICKS, ("liveplot",), cases)
    assert out[0] == ["20", "50", "100", "200", "500", "1k", "2k", "5k", "10k", "20k"]
    assert out[1] == ["100", "1k", "10k"]  # narrow: one per decade
    assert out[2][0] == "20" and out[2][-1] == "20k"
    assert out[3] == ["100", "200", "300", "400"]  # less than a decade: 1..9 steps
    assert len(out[4]) <= 4 and out[4][0] == "1"  # every other decade
    for labels in out:
        assert len(labels) == len(set(labels)), labels  # never "2" and "2"


def test_linear_ticks_are_round_and_signed_with_a_real_minus(tmp_path: Path) -> None:
    cases = [
        {"scale": "linear", "lo": -24, "hi": 24, "px": 200, "spacing": 28},
        {"scale": "linear", "lo": -6, "hi": 3, "px": 220, "spacing": 28},
        {"scale": "linear", "lo": 0, "hi": 0.3, "px": 400, "spacing": 44},
        {"scale": "linear", "lo": -60, "hi": 12, "px": 200, "spacing": 28},
        {"scale": "linear", "lo": 0, "hi": 10, "px": 240, "spacing": 60},
    ]
    out = run_node(tmp_path, TICKS, ("liveplot",), cases)
    assert out[0] == ["\u221220", "\u221210", "0", "10", "20"]
    assert out[1] == ["\u22126", "\u22124", "\u22122", "0", "2"]
    assert out[2] == ["0.00", "0.05", "0.10", "0.15", "0.20", "0.25", "0.30"]
    assert out[3] == ["\u221260", "\u221240", "\u221220", "0"]
    assert out[4] == ["0.0", "2.5", "5.0", "7.5", "10.0"]


def test_readout_values_carry_their_units(tmp_path: Path) -> None:
    script = """
import { formatValue } from "./liveplot.mjs";
console.log(JSON.stringify(input.map(([v, unit, span]) => formatValue(v, { unit }, span))));
"""
    cases = [
        [1234.5, "Hz", 2e4],
        [63.2, "Hz", 2e4],
        [3.21, "dB", 48],
        [-14.05, "LUFS", 30],
        [0.0, "dB", 48],
        [0.123, "s", 10],
        [None, "dB", 48],
    ]
    out = run_node(tmp_path, script, ("liveplot",), cases)
    assert out == ["1.23 kHz", "63.2 Hz", "+3.2 dB", "\u221214.1 LUFS", "0.0 dB", "0.12 s", "-"]


def test_reference_labels_avoid_the_curve(tmp_path: Path) -> None:
    """A -14 LUFS target label goes where the curve is not; a clear spot wins."""
    script = """
import { labelCandidates, makeScale, placeLabel, project } from "./liveplot.mjs";
const area = { x: 54, y: 24, w: 500, h: 200 };
const sx = makeScale("linear", [0, 10], area.x, area.x + area.w);
const sy = makeScale("linear", [-30, 0], area.y + area.h, area.y);
const out = [];
for (const curve of input) {
  const xs = curve.map((_, i) => (10 * i) / (curve.length - 1));
  const { points } = project(xs, curve, sx, sy);
  const boxes = labelCandidates("y", sy(-14), "target -14 LUFS", area);
  const box = boxes[placeLabel(boxes, points, area)];
  let hits = 0;
  for (let i = 0; i < points.length; i += 2) {
    const [x, y] = [points[i], points[i + 1]];
    if (x >= box.x && x <= box.x + box.w && y >= box.y && y <= box.y + box.h) hits += 1;
  }
  out.push({ box, hits, index: boxes.indexOf(box) });
}
console.log(JSON.stringify(out));
"""
    n = 200
    t = np.linspace(0, 1, n)
    rising_right = (-30 + 20 * t).tolist()  # crosses -14 at the right: above-right is taken
    falling = (-10 - 20 * t).tolist()  # above the line at the left, below it at the right
    flat_on_line = np.full(n, -14.0).tolist()
    out = run_node(tmp_path, script, ("liveplot",), [rising_right, falling, flat_on_line])
    assert out[0]["hits"] == 0 and out[0]["index"] == 1  # left-above, the first clear spot
    assert out[1]["hits"] == 0 and out[1]["index"] == 0  # right-above is clear here
    assert out[2]["hits"] == 0  # a curve on the line: the label sits above it, not on it


def test_paths_break_at_gaps_and_fill_to_zero(tmp_path: Path) -> None:
    script = """
import { fillPath, linePath, makeScale, project } from "./liveplot.mjs";
const sx = makeScale("linear", [0, 4], 0, 400);
const sy = makeScale("linear", [-10, 10], 200, 0);
const p = project([0, 1, 2, 3, 4], [0, 5, null, -5, 0].map((v) => (v === null ? NaN : v)), sx, sy);
const logx = makeScale("log", [20, 20000], 0, 300);
console.log(JSON.stringify({
  line: linePath(p), fill: fillPath(p, sy(0)), runs: p.runs,
  log: [logx(20), logx(632.4555320336759), logx(20000), logx(0)],
}));
"""
    out = run_node(tmp_path, script, ("liveplot",))
    assert out["runs"] == [[0, 2], [3, 5]]
    assert out["line"] == "M0.0 100.0L100.0 50.0M300.0 150.0L400.0 100.0"
    assert out["fill"].count("Z") == 2 and out["fill"].startswith("M0.0 100.0L0.0 100.0")
    assert out["log"][:3] == pytest.approx([0.0, 150.0, 300.0]) and out["log"][3] is None
