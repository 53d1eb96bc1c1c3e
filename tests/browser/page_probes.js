// What the page shows, read for the browser test. Evaluated once in the JupyterLab page;
// it defines window.studioTest. Everything goes through the Lab app object the test
// server exposes (window.jupyterapp) and the notebook's own widget manager, so the test
// reads the views of exactly the widget models the kernel names.
(() => {
  const notebook = () => window.jupyterapp.shell.currentWidget;
  const kernel = () => notebook().sessionContext.session.kernel;
  const codeCells = () => notebook().content.widgets.filter((cell) => cell.model.type === "code");
  const ANSI = /\x1b\[[0-9;]*m/g;

  /** Run code in the notebook's kernel (no cell, no history): its stdout, stderr, errors. */
  async function execute(code) {
    const future = kernel().requestExecute({
      code,
      silent: false,
      store_history: false,
      allow_stdin: false,
      stop_on_error: false,
    });
    const out = { stdout: "", stderr: "", errors: [] };
    future.onIOPub = (msg) => {
      const type = msg.header.msg_type;
      if (type === "stream" && msg.content.name === "stdout") out.stdout += msg.content.text;
      else if (type === "stream") out.stderr += msg.content.text;
      else if (type === "error") {
        out.errors.push(`${msg.content.ename}: ${msg.content.evalue}\n` +
          (msg.content.traceback || []).join("\n").replace(ANSI, ""));
      }
    };
    const reply = await future.done;
    out.status = reply.content.status;
    return out;
  }

  /** The notebook's ipywidgets manager, found through a rendered widget output. */
  async function manager() {
    for (const cell of codeCells()) {
      const stack = [...(cell.outputArea ? cell.outputArea.widgets : [])];
      while (stack.length) {
        const widget = stack.pop();
        if (widget._manager && widget._manager.promise) return widget._manager.promise;
        if (widget.widgets) stack.push(...widget.widgets);
      }
    }
    throw new Error("no widget output in the notebook: cannot reach the widget manager");
  }

  async function modelOrNull(id) {
    try {
      return await (await manager()).get_model(id);
    } catch {
      return null;
    }
  }

  /** What one view's element shows, by kind. */
  function viewInfo(el) {
    const info = { dataset: { ...el.dataset }, connected: el.isConnected };
    const box = el.getBoundingClientRect();
    info.box = { x: box.x, y: box.y, width: box.width, height: box.height };
    if (el.classList.contains("studio-plot")) {
      info.traces = Array.from(el.querySelectorAll("path[data-trace]"), (path) => ({
        name: path.dataset.trace,
        points: Number(path.dataset.points),
        version: Number(path.dataset.version),
        d: (path.getAttribute("d") || "").length,
      }));
      info.refs = Array.from(el.querySelectorAll("text.studio-plot-ref-label"), (t) => t.textContent);
      info.titles = Array.from(el.querySelectorAll("text.studio-plot-title"), (t) => t.textContent);
      info.legend = Array.from(el.querySelectorAll("[data-legend]"), (item) => item.textContent);
    }
    if (el.classList.contains("studio-player")) {
      const message = el.querySelector(".studio-player-message");
      info.message = message && !message.hidden ? message.textContent : "";
      info.status = (el.querySelector(".studio-player-status") || {}).textContent || "";
      info.buttons = Array.from(el.querySelectorAll("button.studio-player-side"), (b) => ({
        side: b.dataset.side,
        text: b.textContent,
        disabled: b.disabled,
        pressed: b.getAttribute("aria-pressed"),
        gainDb: b.dataset.gainDb,
      }));
    }
    if (el.classList.contains("studio-track-audio")) {
      const audio = el.querySelector("audio");
      info.audio = audio
        ? { paused: audio.paused, currentTime: audio.currentTime, duration: audio.duration, src: !!audio.src }
        : null;
    }
    return info;
  }

  /** The views of each model id: [viewInfo, ...] (an empty list: not displayed). */
  async function views(ids) {
    const out = {};
    for (const id of ids) {
      const model = await modelOrNull(id);
      if (!model) {
        out[id] = null;
        continue;
      }
      const shown = await Promise.all(Object.values(model.views || {}));
      out[id] = shown.filter((view) => view && view.el).map((view) => viewInfo(view.el));
    }
    return out;
  }

  /** One synced value of widget models as the page holds it (what a control shows). */
  async function values(ids, key = "value") {
    const out = {};
    for (const id of ids) {
      const model = await modelOrNull(id);
      out[id] = model ? model.get(key) : null;
    }
    return out;
  }

  /** Sum of a trace model's float32 y values as the page received them. */
  async function traceSums(ids) {
    const out = {};
    for (const id of ids) {
      const model = await modelOrNull(id);
      const raw = model ? model.get("y_data") : null;
      if (!raw) {
        out[id] = null;
        continue;
      }
      const view = raw instanceof ArrayBuffer ? new DataView(raw) : new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      let sum = 0;
      for (let i = 0; i + 4 <= view.byteLength; i += 4) {
        const v = view.getFloat32(i, true);
        if (Number.isFinite(v)) sum += v;
      }
      out[id] = sum;
    }
    return out;
  }

  /** Decode the track player's Ogg in the browser: duration and level of what it plays. */
  async function decodeTrack(id) {
    const [info] = (await views([id]))[id] || [];
    const model = await modelOrNull(id);
    const raw = model && model.get("data");
    if (!raw) return { error: "no audio data in the model" };
    const bytes = raw instanceof ArrayBuffer ? raw.slice(0) : raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
    const context = new OfflineAudioContext(1, 1, 48000);
    try {
      const buffer = await context.decodeAudioData(bytes);
      let sum = 0;
      let n = 0;
      for (let c = 0; c < buffer.numberOfChannels; c++) {
        const data = buffer.getChannelData(c);
        for (let i = 0; i < data.length; i += 7) {
          sum += data[i] * data[i];
          n += 1;
        }
      }
      return { duration_s: buffer.duration, channels: buffer.numberOfChannels, rms_dbfs: 10 * Math.log10(sum / Math.max(1, n) + 1e-20), view: info || null };
    } catch (error) {
      return { error: String(error) };
    }
  }

  /** Open notebook, kernel and cells: counts, running cells, errors shown in cells. */
  function state() {
    const panel = notebook();
    if (!panel || !panel.content || !panel.sessionContext) return null;
    const k = panel.sessionContext.session && panel.sessionContext.session.kernel;
    const cells = codeCells();
    const errors = [];
    cells.forEach((cell, index) => {
      for (const out of cell.model.outputs.toJSON()) {
        if (out.output_type === "error") {
          errors.push(`code cell ${index + 1}: ${out.ename}: ${out.evalue}\n` +
            (out.traceback || []).join("\n").replace(ANSI, ""));
        }
      }
    });
    const busy = cells.filter((cell) => {
      const prompt = cell.node.querySelector(".jp-InputPrompt");
      return prompt && prompt.textContent.includes("*");
    }).length;
    return {
      path: panel.context.path,
      kernel: k ? k.status : null,
      kernelId: k ? k.id : null,
      connection: k ? k.connectionStatus : null,
      codeCells: cells.length,
      executed: cells.filter((cell) => cell.model.executionCount !== null).length,
      counts: cells.map((cell) => cell.model.executionCount),
      busy,
      errors,
    };
  }

  /** Each code cell's outputs: types, widget models shown, and how long the cell ran. */
  function cells() {
    return codeCells().map((cell, index) => {
      const outputs = cell.model.outputs.toJSON().map((out) => {
        const data = out.data || {};
        return {
          type: out.output_type,
          name: out.name || null,
          mimes: Object.keys(data),
          widget: data["application/vnd.jupyter.widget-view+json"]
            ? data["application/vnd.jupyter.widget-view+json"].model_id
            : null,
          text: String(out.text || data["text/plain"] || "").slice(0, 400),
        };
      });
      const timing = cell.model.getMetadata ? cell.model.getMetadata("execution") : null;
      let ranS = null;
      let startMs = null;
      let endMs = null;
      if (timing && timing["iopub.execute_input"] && timing["shell.execute_reply"]) {
        startMs = Date.parse(timing["iopub.execute_input"]);
        endMs = Date.parse(timing["shell.execute_reply"]);
        ranS = (endMs - startMs) / 1000;
      }
      const node = cell.outputArea ? cell.outputArea.node : null;
      return {
        index: index + 1,
        source: cell.model.sharedModel.getSource().split("\n")[0].slice(0, 80),
        outputs,
        ranS,
        startMs, // the kernel's clock: compare cells with each other, not with the test's
        endMs,
        loadingText: node ? /Loading widget|Error displaying widget|model not found/.test(node.textContent) : false,
        // textContent, not innerText: a cell out of view is not rendered (content-visibility)
        html: node ? Array.from(node.querySelectorAll(".jp-RenderedHTMLCommon"), (n) => n.textContent.slice(0, 2000)) : [],
        findings: node ? node.querySelectorAll(".studio-findings > div").length : 0,
        feedback: node ? Array.from(node.querySelectorAll(".studio-feedback"), (n) => n.textContent.slice(0, 300)) : [],
      };
    });
  }

  /** Every static plotly figure on the page: traces with points, lines, labels. */
  function plotlyFigures() {
    return Array.from(notebook().node.querySelectorAll(".js-plotly-plot"), (gd) => {
      const layout = gd.layout || {};
      return {
        title: (layout.title && layout.title.text) || "",
        // _fullData: the arrays as plotly decoded them (the JSON sends them base64-packed)
        traces: (gd._fullData || []).map((t) => ({
          name: t.name,
          n: t.x ? t.x.length : 0,
          finite: t.y ? Array.from(t.y).filter((v) => v !== null && Number.isFinite(Number(v))).length : 0,
        })),
        shapes: (layout.shapes || []).map((s) => ({ type: s.type, y0: s.y0, y1: s.y1, dash: s.line && s.line.dash })),
        annotations: (layout.annotations || []).map((a) => a.text),
        drawnLines: Array.from(gd.querySelectorAll(".scatterlayer .js-line"), (p) => (p.getAttribute("d") || "").length),
        drawnShapes: gd.querySelectorAll(".shapelayer path").length,
        drawnAnnotations: Array.from(gd.querySelectorAll(".annotation-text"), (t) => t.textContent),
        yRange: layout.yaxis && layout.yaxis.range,
      };
    });
  }

  /** What the player, plot, track and meter views show, for "has anything changed?" checks
   * (not what moves with playback: positions, the meters' level). */
  function fingerprint() {
    const keep = (d) => Object.fromEntries(Object.entries(d).filter(([k]) => !/position|ctxState|^state$|levelDb/.test(k)));
    const parts = [];
    for (const el of document.querySelectorAll(".studio-player, .studio-plot, .studio-track-audio, .studio-meter")) {
      parts.push(JSON.stringify(keep({ ...el.dataset })));
    }
    return parts.join("|");
  }

  /** Audio level at the page's output (the tap installed before the page loaded), dBFS. */
  function outputLevel() {
    const taps = window.__studioTaps || [];
    let best = -Infinity;
    for (const tap of taps) {
      const data = new Float32Array(tap.fftSize);
      tap.getFloatTimeDomainData(data);
      let sum = 0;
      for (const v of data) sum += v * v;
      best = Math.max(best, 10 * Math.log10(sum / data.length + 1e-20));
    }
    return { taps: taps.length, dbfs: best };
  }

  /** What the page's transport plays now: the id of the player that owns it, and whether
   * it sounds (the console's meters follow the player with their transport id). */
  function transportNow() {
    const current = (globalThis.__studioTransport1 || {}).current;
    if (!current || !current.id) return { id: null, playing: false };
    return { id: current.id(), playing: !!current.playing(), positionS: current.position() };
  }

  /** Every console meter's data attributes, by strip (its CSS class studio-strip-<name>). */
  function meters() {
    const out = {};
    for (const strip of document.querySelectorAll(".studio-console .studio-strip")) {
      const name = Array.from(strip.classList).find((c) => c.startsWith("studio-strip-") && c !== "studio-strip-name" && c !== "studio-strip-slots");
      const meter = strip.querySelector(".studio-meter");
      if (name && meter) out[name.slice("studio-strip-".length)] = { ...meter.dataset };
    }
    return out;
  }

  /** Count of widget models the page holds. */
  async function modelCount() {
    const m = await manager();
    return Object.keys(m._models || {}).length;
  }

  window.studioTest = {
    execute, manager, views, values, traceSums, decodeTrack, state, cells, plotlyFigures,
    fingerprint, outputLevel, modelCount, transportNow, meters,
  };
})();
