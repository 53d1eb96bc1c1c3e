// The browser half of studio's live plot (an anywidget ESM module): SVG line charts,
// several side by side, with fixed axes, readable ticks, labelled reference lines,
// a legend and a readout under the pointer. No plotting library: a few kB per plot.
//
// Each trace is its own widget model (a Trace in liveplot.py) holding float32 points
// as binary buffers, so a new curve brings that curve's points alone.

const SVG = "http://www.w3.org/2000/svg";
const MARGIN = { left: 54, right: 14, top: 24, bottom: 40 };
const FONT_PX = 11;
const CHAR_PX = 6.4; // estimated width of one character of an 11 px label
const LABEL_H = 14; // height of a reference-line label box
const DASH = { solid: "", dash: "6 4", dot: "2 3", dashdot: "6 3 2 3" };
const MINUS = "\u2212";

// ---------------------------------------------------------------------------------
// Pure helpers (no DOM): tested under node
// ---------------------------------------------------------------------------------

/** Round away binary noise: 0.30000000000000004 -> 0.3. */
const clean = (v) => Number(v.toPrecision(12));

/** Evenly spaced "nice" ticks (steps of 1, 2, 2.5 or 5 x 10^k), at most `maxTicks`. */
function linearTicks(lo, hi, maxTicks) {
  if (!(hi > lo)) return { values: [lo], step: 1 };
  const raw = (hi - lo) / Math.max(1, maxTicks);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  let step = 10 * magnitude;
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * magnitude >= raw * (1 - 1e-9)) {
      step = m * magnitude;
      break;
    }
  }
  const values = [];
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  for (let k = first; k <= last; k++) values.push(clean(k * step) || 0);
  return { values, step };
}

/**
 * Ticks on a log axis: 1-2-5 in every decade (20, 50, 100, 200, ... 20k) when they
 * fit, else one per decade (every n-th decade if even those are too many); a range
 * narrower than a decade gets 1..9 per decade, or linear ticks.
 */
function logTicks(lo, hi, maxTicks) {
  const d0 = Math.floor(Math.log10(lo) + 1e-9);
  const d1 = Math.ceil(Math.log10(hi) - 1e-9);
  const within = (v) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const withMantissas = (mantissas, everyDecades = 1) => {
    const values = [];
    for (let d = d0; d <= d1; d++) {
      if ((d - d0) % everyDecades) continue;
      for (const m of mantissas) {
        const v = clean(m * 10 ** d);
        if (within(v)) values.push(v);
      }
    }
    return values;
  };
  const fine = withMantissas([1, 2, 5]);
  if (fine.length <= maxTicks && fine.length >= 3) return { values: fine, step: 0 };
  if (fine.length < 3) {
    const finer = withMantissas([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    if (finer.length >= 3 && finer.length <= maxTicks) return { values: finer, step: 0 };
    if (finer.length < 3) return linearTicks(lo, hi, Math.min(maxTicks, 5));
  }
  for (let every = 1; every <= d1 - d0 + 1; every++) {
    const decades = withMantissas([1], every);
    if (decades.length <= maxTicks) return { values: decades, step: 0 };
  }
  return { values: [clean(10 ** d0)], step: 0 };
}

/** Ticks for an axis of `lengthPx` pixels (labels about `spacingPx` apart at least). */
function ticksFor(scale, lo, hi, lengthPx, spacingPx) {
  const maxTicks = Math.max(2, Math.floor(lengthPx / spacingPx));
  return scale === "log" ? logTicks(lo, hi, maxTicks) : linearTicks(lo, hi, maxTicks);
}

/** Decimals needed to write multiples of `step` exactly (2.5 -> 1, 0.25 -> 2, 5 -> 0). */
function decimalsFor(step) {
  if (!(step > 0)) return 0;
  const exponent = Math.floor(Math.log10(step) + 1e-9);
  const mantissa = clean(step / 10 ** exponent);
  return Math.max(0, -exponent + (Number.isInteger(mantissa) ? 0 : 1));
}

/** 1500 -> "1.5k", 20000 -> "20k", 20 -> "20", 0.5 -> "0.5". */
function formatSi(v) {
  const a = Math.abs(v);
  const [scaled, suffix] = a >= 1e6 ? [v / 1e6, "M"] : a >= 1e3 ? [v / 1e3, "k"] : [v, ""];
  return `${clean(Number(scaled.toPrecision(4)))}${suffix}`.replace("-", MINUS);
}

/** A tick label: SI suffixes on log axes, else just the decimals the step needs. */
function formatTick(value, axis, step) {
  if (axis.scale === "log") return formatSi(value);
  const text = (Math.abs(value) < 1e-12 ? 0 : value).toFixed(decimalsFor(step));
  return text.replace("-", MINUS);
}

/** A value with its unit for the readout: "1.23 kHz", "+3.2 dB", "-14.1 LUFS". */
function formatValue(value, axis, span) {
  if (!Number.isFinite(value)) return "-";
  const unit = axis.unit || "";
  if (unit === "Hz") {
    return Math.abs(value) >= 1000
      ? `${(value / 1000).toPrecision(3)} kHz`
      : `${clean(Number(value.toPrecision(3)))} Hz`;
  }
  const s = Math.abs(span);
  const decimals = s >= 200 ? 0 : s >= 20 ? 1 : s >= 2 ? 2 : 3;
  let text = value.toFixed(decimals);
  if (Number(text) === 0) text = (0).toFixed(decimals);
  if (unit === "dB" && Number(text) > 0) text = `+${text}`;
  text = text.replace("-", MINUS);
  return unit ? `${text} ${unit}` : text;
}

/** The text of an axis title: "frequency (Hz)". */
const axisTitle = (axis) => (axis.unit ? `${axis.label} (${axis.unit})` : axis.label);

/** Range [lo, hi] of finite values (positive only for a log axis), padded a little. */
function dataRange(arrays, scale) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const values of arrays) {
    for (const v of values) {
      if (!Number.isFinite(v) || (scale === "log" && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(hi >= lo)) return scale === "log" ? [1, 10] : [0, 1];
  if (scale === "log") return hi > lo ? [lo, hi] : [lo / 2, hi * 2];
  if (hi === lo) return [lo - 1, hi + 1];
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}

/** A function from data value to pixel, for `scale` and `range` onto [a, b]. */
function makeScale(scale, [lo, hi], a, b) {
  if (scale === "log") {
    const l0 = Math.log10(lo);
    const span = Math.log10(hi) - l0;
    return (v) => (v > 0 ? a + ((Math.log10(v) - l0) / span) * (b - a) : NaN);
  }
  return (v) => a + ((v - lo) / (hi - lo)) * (b - a);
}

/** Pixel points of a line, and the runs of finite points between gaps. */
function project(xs, ys, sx, sy) {
  const n = Math.min(xs.length, ys.length);
  const points = new Float64Array(2 * n);
  const runs = [];
  let start = -1;
  for (let i = 0; i < n; i++) {
    const px = sx(xs[i]);
    const py = sy(ys[i]);
    points[2 * i] = px;
    points[2 * i + 1] = py;
    const ok = Number.isFinite(px) && Number.isFinite(py);
    if (ok && start < 0) start = i;
    if (!ok && start >= 0) {
      runs.push([start, i]);
      start = -1;
    }
  }
  if (start >= 0) runs.push([start, n]);
  return { points, runs };
}

/** SVG path data for the runs (a gap wherever a value is NaN). */
function linePath({ points, runs }) {
  const parts = [];
  for (const [i0, i1] of runs) {
    for (let i = i0; i < i1; i++) {
      const cmd = i === i0 ? "M" : "L";
      parts.push(`${cmd}${points[2 * i].toFixed(1)} ${points[2 * i + 1].toFixed(1)}`);
    }
  }
  return parts.join("");
}

/** SVG path data for the area between the runs and the pixel row `base`. */
function fillPath({ points, runs }, base) {
  const parts = [];
  for (const [i0, i1] of runs) {
    const b = base.toFixed(1);
    parts.push(`M${points[2 * i0].toFixed(1)} ${b}`);
    for (let i = i0; i < i1; i++) parts.push(`L${points[2 * i].toFixed(1)} ${points[2 * i + 1].toFixed(1)}`);
    parts.push(`L${points[2 * (i1 - 1)].toFixed(1)} ${b}Z`);
  }
  return parts.join("");
}

/** How many of the pixel `points` (flat x, y pairs) fall inside `box` (plus a margin). */
function pointsInside(box, points, margin = 2) {
  let count = 0;
  for (let i = 0; i < points.length; i += 2) {
    const x = points[i];
    const y = points[i + 1];
    if (x >= box.x - margin && x <= box.x + box.w + margin && y >= box.y - margin && y <= box.y + box.h + margin) {
      count += 1;
    }
  }
  return count;
}

/**
 * Where to put a reference line's label: the candidate box (inside `area`) covering
 * the fewest curve points; the first candidate wins ties.
 */
function placeLabel(candidates, points, area) {
  let best = -1;
  let bestCount = Infinity;
  candidates.forEach((box, i) => {
    const inside =
      box.x >= area.x - 0.5 && box.y >= area.y - 0.5 &&
      box.x + box.w <= area.x + area.w + 0.5 && box.y + box.h <= area.y + area.h + 0.5;
    if (!inside) return;
    const count = pointsInside(box, points);
    if (count < bestCount) {
      best = i;
      bestCount = count;
    }
  });
  return best < 0 ? 0 : best;
}

/** Candidate label boxes for a reference line at pixel `at` (see placeLabel). */
function labelCandidates(axis, at, text, area) {
  const w = text.length * CHAR_PX + 6;
  const h = LABEL_H;
  const { x: x0, y: y0, w: aw, h: ah } = area;
  if (axis === "y") {
    const right = x0 + aw - w - 4;
    const left = x0 + 4;
    const middle = x0 + (aw - w) / 2;
    const above = at - h - 2;
    const below = at + 2;
    return [
      { x: right, y: above, w, h },
      { x: left, y: above, w, h },
      { x: right, y: below, w, h },
      { x: left, y: below, w, h },
      { x: middle, y: above, w, h },
      { x: middle, y: below, w, h },
    ];
  }
  const top = y0 + 2;
  const bottom = y0 + ah - h - 2;
  return [
    { x: at + 3, y: top, w, h },
    { x: at - w - 3, y: top, w, h },
    { x: at + 3, y: bottom, w, h },
    { x: at - w - 3, y: bottom, w, h },
  ];
}

/** Index of the value in sorted `xs` nearest to `x` (binary search). */
function nearestIndex(xs, x) {
  let lo = 0;
  let hi = xs.length - 1;
  if (hi < 0) return -1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid;
    else hi = mid;
  }
  return Math.abs(xs[lo] - x) <= Math.abs(xs[hi] - x) ? lo : hi;
}

/** Read a binary trait (DataView, ArrayBuffer, typed array) as Float32Array. */
function toFloat32(value) {
  if (!value) return new Float32Array(0);
  const view = value instanceof ArrayBuffer ? new Uint8Array(value) : value;
  if (!ArrayBuffer.isView(view)) return new Float32Array(0);
  const n = Math.floor(view.byteLength / 4);
  if (view.byteOffset % 4 === 0) return new Float32Array(view.buffer, view.byteOffset, n);
  return new Float32Array(view.buffer.slice(view.byteOffset, view.byteOffset + 4 * n));
}

// ---------------------------------------------------------------------------------
// Drawing
// ---------------------------------------------------------------------------------

function svg(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.append(node);
  return node;
}

function html(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

let clipCounter = 0;

/** Draw one subplot into a fresh <svg>; return what the pointer readout needs. */
function drawSubplot(spec, traces, width, height) {
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "studio-plot-svg" });
  const area = {
    x: MARGIN.left,
    y: MARGIN.top,
    w: Math.max(10, width - MARGIN.left - MARGIN.right),
    h: Math.max(10, height - MARGIN.top - MARGIN.bottom),
  };
  const xRange = spec.x.range ?? dataRange(traces.map((t) => t.xs), spec.x.scale);
  const yRange = spec.y.range ?? dataRange(traces.map((t) => t.ys), spec.y.scale);
  const sx = makeScale(spec.x.scale, xRange, area.x, area.x + area.w);
  const sy = makeScale(spec.y.scale, yRange, area.y + area.h, area.y);

  // grid and ticks
  const grid = svg("g", { class: "studio-plot-grid" }, root);
  const axes = svg("g", { class: "studio-plot-axes", "font-size": FONT_PX }, root);
  const xTicks = ticksFor(spec.x.scale, xRange[0], xRange[1], area.w, 44);
  const yTicks = ticksFor(spec.y.scale, yRange[0], yRange[1], area.h, 28);
  for (const v of xTicks.values) {
    const px = sx(v).toFixed(1);
    svg("line", { x1: px, x2: px, y1: area.y, y2: area.y + area.h }, grid);
    const label = svg("text", { x: px, y: area.y + area.h + 14, "text-anchor": "middle", class: "studio-plot-tick", "data-axis": "x" }, axes);
    label.textContent = formatTick(v, spec.x, xTicks.step);
  }
  for (const v of yTicks.values) {
    const py = sy(v).toFixed(1);
    svg("line", { x1: area.x, x2: area.x + area.w, y1: py, y2: py }, grid);
    const label = svg("text", { x: area.x - 5, y: Number(py) + 4, "text-anchor": "end", class: "studio-plot-tick", "data-axis": "y" }, axes);
    label.textContent = formatTick(v, spec.y, yTicks.step);
  }
  svg("rect", { x: area.x, y: area.y, width: area.w, height: area.h, class: "studio-plot-frame" }, axes);
  const xTitle = svg("text", { x: area.x + area.w / 2, y: height - 6, "text-anchor": "middle", class: "studio-plot-axis-title" }, axes);
  xTitle.textContent = axisTitle(spec.x);
  const yTitle = svg("text", {
    x: 0, y: 0, "text-anchor": "middle", class: "studio-plot-axis-title",
    transform: `translate(13 ${area.y + area.h / 2}) rotate(-90)`,
  }, axes);
  yTitle.textContent = axisTitle(spec.y);
  if (spec.title) {
    const title = svg("text", { x: area.x, y: 15, class: "studio-plot-title" }, root);
    title.textContent = spec.title;
  }

  // curves, clipped to the plot area
  const clipId = `studio-plot-clip-${++clipCounter}`;
  const clip = svg("clipPath", { id: clipId }, svg("defs", {}, root));
  svg("rect", { x: area.x, y: area.y, width: area.w, height: area.h }, clip);
  const curves = svg("g", { "clip-path": `url(#${clipId})`, class: "studio-plot-curves" }, root);
  const allPoints = [];
  const drawn = [];
  const zero = spec.y.scale === "log" ? yRange[0] : Math.min(Math.max(0, yRange[0]), yRange[1]);
  for (const t of traces) {
    const projected = project(t.xs, t.ys, sx, sy);
    if (t.fill) {
      svg("path", { d: fillPath(projected, sy(zero)), fill: t.color, "fill-opacity": 0.18, stroke: "none", class: "studio-plot-fill" }, curves);
    }
    let finite = 0;
    for (const [i0, i1] of projected.runs) finite += i1 - i0;
    svg("path", {
      d: linePath(projected),
      fill: "none",
      stroke: t.color,
      "stroke-width": t.width,
      "stroke-dasharray": DASH[t.dash] ?? "",
      "stroke-linejoin": "round",
      class: "studio-plot-trace",
      "data-trace": t.name,
      "data-points": finite,
      "data-version": t.version,
    }, curves);
    allPoints.push(projected.points);
    drawn.push({ ...t, projected });
  }

  // reference lines, their labels where they cover the fewest curve points
  const flat = new Float64Array(allPoints.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of allPoints) {
    flat.set(p, offset);
    offset += p.length;
  }
  const refs = svg("g", { class: "studio-plot-refs", "font-size": FONT_PX }, root);
  for (const ref of spec.refs || []) {
    const at = ref.axis === "y" ? sy(ref.value) : sx(ref.value);
    const inRange = ref.axis === "y" ? at >= area.y - 0.5 && at <= area.y + area.h + 0.5 : at >= area.x - 0.5 && at <= area.x + area.w + 0.5;
    if (!Number.isFinite(at) || !inRange) continue;
    const line = ref.axis === "y"
      ? { x1: area.x, x2: area.x + area.w, y1: at, y2: at }
      : { x1: at, x2: at, y1: area.y, y2: area.y + area.h };
    svg("line", { ...line, stroke: ref.color, "stroke-dasharray": DASH[ref.dash] ?? "", class: "studio-plot-ref", "data-ref": ref.label }, refs);
    if (!ref.label) continue;
    const candidates = labelCandidates(ref.axis, at, ref.label, area);
    const box = candidates[placeLabel(candidates, flat, area)];
    svg("rect", { x: box.x, y: box.y, width: box.w, height: box.h, rx: 2, class: "studio-plot-ref-box" }, refs);
    const text = svg("text", { x: box.x + 3, y: box.y + box.h - 3.5, fill: ref.color, class: "studio-plot-ref-label", "data-ref": ref.label }, refs);
    text.textContent = ref.label;
  }
  return { root, area, sx, sy, xRange, yRange, drawn };
}

// ---------------------------------------------------------------------------------
// The view
// ---------------------------------------------------------------------------------

async function childModel(model, ref) {
  return model.widget_manager.get_model(String(ref).replace(/^IPY_MODEL_/, ""));
}

function render({ model, el }) {
  el.classList.add("studio-plot");
  const title = html("div", "studio-plot-heading");
  const row = html("div", "studio-plot-row");
  const legend = html("div", "studio-plot-legend");
  el.append(title, row, legend);

  const state = { traces: [], version: 0, queued: false, closed: false, width: 0 };
  const traceListeners = [];
  const cache = new WeakMap(); // trace model -> {version, xs, ys}

  const decoded = (trace) => {
    const version = trace.get("version");
    let entry = cache.get(trace);
    if (!entry || entry.version !== version) {
      entry = { version, xs: toFloat32(trace.get("x_data")), ys: toFloat32(trace.get("y_data")) };
      cache.set(trace, entry);
    }
    return entry;
  };

  function schedule() {
    if (state.queued || state.closed) return;
    state.queued = true;
    queueMicrotask(draw);
  }

  async function connect() {
    const models = await Promise.all((model.get("traces") || []).map((ref) => childModel(model, ref)));
    if (state.closed) return;
    for (const [target, handler] of traceListeners.splice(0)) target.off("change", handler);
    for (const trace of models) {
      trace.on("change", schedule);
      traceListeners.push([trace, schedule]);
    }
    state.traces = models;
    schedule();
  }

  function draw() {
    state.queued = false;
    if (state.closed) return;
    const specs = model.get("subplots") || [];
    const height = model.get("height_px") || 260;
    const width = Math.max(240, el.clientWidth || state.width || 640);
    title.textContent = model.get("title") || "";
    title.hidden = !title.textContent;
    const traces = state.traces.map((t) => ({
      name: t.get("name"),
      label: t.get("label") || t.get("name"),
      subplot: t.get("subplot"),
      color: t.get("color"),
      width: t.get("width"),
      dash: t.get("dash"),
      fill: t.get("fill"),
      legend: t.get("legend"),
      hover: t.get("hover"),
      version: t.get("version"),
      ...decoded(t),
    }));
    const weights = specs.map((s) => Math.max(0.05, Number(s.width) || 1));
    const total = weights.reduce((a, b) => a + b, 0) || 1;
    row.replaceChildren();
    specs.forEach((spec, i) => {
      const cell = html("div", "studio-plot-cell");
      cell.dataset.subplot = String(i);
      const w = Math.floor((width * weights[i]) / total);
      const drawing = drawSubplot(spec, traces.filter((t) => t.subplot === i), w, height);
      cell.append(drawing.root);
      attachReadout(cell, drawing, spec);
      row.append(cell);
    });
    const shown = traces.filter((t) => t.legend);
    legend.replaceChildren(...(shown.length > 1 ? shown.map(legendItem) : []));
    legend.hidden = shown.length <= 1;
    state.version += 1;
    el.dataset.version = String(state.version);
    el.dataset.traces = String(traces.length);
  }

  function legendItem(t) {
    const item = html("span", "studio-plot-legend-item");
    const swatch = svg("svg", { width: 24, height: 10 });
    svg("line", { x1: 1, x2: 23, y1: 5, y2: 5, stroke: t.color, "stroke-width": Math.min(3, t.width), "stroke-dasharray": DASH[t.dash] ?? "" }, swatch);
    item.append(swatch, document.createTextNode(t.label));
    item.dataset.legend = t.name;
    return item;
  }

  function attachReadout(cell, drawing, spec) {
    const { root, area, sx, sy, xRange, yRange, drawn } = drawing;
    const hovered = drawn.filter((t) => t.hover && t.xs.length);
    if (!hovered.length) return;
    const box = html("div", "studio-plot-readout");
    box.hidden = true;
    cell.append(box);
    const marks = svg("g", { class: "studio-plot-marks" }, root);
    const cursor = svg("line", { y1: area.y, y2: area.y + area.h, class: "studio-plot-cursor" }, marks);
    const dots = hovered.map((t) => svg("circle", { r: 3.5, fill: t.color }, marks));
    marks.style.display = "none";
    const xSpan = Math.abs(xRange[1] - xRange[0]);
    const ySpan = Math.abs(yRange[1] - yRange[0]);
    const sorted = hovered.map((t) => t.xs.every((v, i) => i === 0 || !(v < t.xs[i - 1])));
    root.addEventListener("pointermove", (event) => {
      const rect = root.getBoundingClientRect();
      const px = event.clientX - rect.left;
      const py = event.clientY - rect.top;
      if (px < area.x || px > area.x + area.w || py < area.y || py > area.y + area.h) {
        box.hidden = true;
        marks.style.display = "none";
        return;
      }
      let xValue = null;
      const rows = [];
      hovered.forEach((t, k) => {
        let i;
        if (sorted[k]) {
          const x = spec.x.scale === "log" ? 10 ** (Math.log10(xRange[0]) + ((px - area.x) / area.w) * Math.log10(xRange[1] / xRange[0])) : xRange[0] + ((px - area.x) / area.w) * (xRange[1] - xRange[0]);
          i = nearestIndex(t.xs, x);
        } else {
          let best = Infinity;
          for (let j = 0; j < t.xs.length; j++) {
            const d = Math.abs(t.projected.points[2 * j] - px);
            if (d < best) [best, i] = [d, j];
          }
        }
        const x = t.xs[i];
        const y = t.ys[i];
        const ok = Number.isFinite(sx(x)) && Number.isFinite(sy(y));
        dots[k].style.display = ok ? "" : "none";
        if (ok) {
          dots[k].setAttribute("cx", sx(x));
          dots[k].setAttribute("cy", Math.min(area.y + area.h, Math.max(area.y, sy(y))));
        }
        if (xValue === null) xValue = x;
        rows.push(`${t.label}: ${formatValue(y, spec.y, ySpan)}`);
      });
      cursor.setAttribute("x1", px);
      cursor.setAttribute("x2", px);
      marks.style.display = "";
      box.textContent = [formatValue(xValue, spec.x, xSpan), ...rows].join("\n");
      box.hidden = false;
      const left = px + 14 + box.offsetWidth > area.x + area.w ? px - 14 - box.offsetWidth : px + 14;
      box.style.left = `${Math.max(0, left)}px`;
      box.style.top = `${area.y + 4}px`;
    });
    root.addEventListener("pointerleave", () => {
      box.hidden = true;
      marks.style.display = "none";
    });
  }

  const onTraces = () => void connect();
  const rootEvents = [
    ["change:traces", onTraces],
    ["change:subplots", schedule],
    ["change:title", schedule],
    ["change:height_px", schedule],
  ];
  for (const [event, handler] of rootEvents) model.on(event, handler);
  const resize = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => {
    const width = el.clientWidth;
    if (width && Math.abs(width - state.width) >= 2) {
      state.width = width;
      schedule();
    }
  });
  resize?.observe(el);
  connect().catch((error) => {
    el.dataset.error = String(error?.message ?? error);
  });

  return () => {
    state.closed = true;
    resize?.disconnect();
    for (const [event, handler] of rootEvents) model.off(event, handler);
    for (const [target, handler] of traceListeners) target.off("change", handler);
  };
}

export default { render };

// The pure helpers, for tests that run this file under node (no browser needed).
export {
  dataRange,
  decimalsFor,
  fillPath,
  formatSi,
  formatTick,
  formatValue,
  labelCandidates,
  linePath,
  linearTicks,
  logTicks,
  makeScale,
  nearestIndex,
  placeLabel,
  pointsInside,
  project,
  ticksFor,
  toFloat32,
};
