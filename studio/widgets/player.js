// The browser half of studio's player (an anywidget ESM module): N named sides of one
// passage, switched gaplessly and loudness-matched.
//
// How it stays gapless: every side plays *all the time*, as AudioBufferSourceNodes
// started at the same AudioContext time and offset, each into its own GainNode.
// "Switching" only ramps those gains (a few ms), so the position is kept exactly and
// there is no gap and no click. Everything that must restart the sources (play, seek,
// new audio for a side while playing) builds a fresh "voice" (all sources plus their
// gains behind one fade GainNode) and cross-fades from the old voice to the new one.
//
// One transport per page: all players share one AudioContext, and starting one stops
// whichever other studio player (or track player) was playing. The shared state lives
// on globalThis because every widget instance imports its own copy of this module.
//
// Each side is its own widget model (a PlayerSide in player.py), so a new version of
// one side brings that side's samples alone. Audio arrives as planar little-endian
// 16-bit codes plus one scale: sample = code x scale (see pcm16.py). A side whose
// `same_as` names another side plays that side's buffer (no samples were sent).

const RAMP_S = 0.008; // gain ramps for switches, seeks, swaps and pause: no clicks
// Every start and every gain change is scheduled this far ahead. The main thread's
// view of the audio clock lags the audio thread a little; an event "now" can already
// be in the past there, and a ramp that began in the past starts with a small step.
const LOOKAHEAD_S = 0.03;
const TICK_MS = 50; // how often the position display updates while playing
// These four mirror studio/widgets/pcm16.py and player.py.
const CHECKSUM_TERMS = 4096;
const CHECKSUM_CLAMP = 1000;
const EQUAL_DB = 0.05;
const MAX_OFFSET_DB = 60;
const TRANSPORT_KEY = "__studioTransport1"; // the same key as in listen.js

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------
// Pure helpers (no DOM, no audio): tested under node against player.py
// ---------------------------------------------------------------------------------

/** Read a binary trait (DataView, ArrayBuffer, typed array or empty) as Int16Array. */
function toInt16(value) {
  if (!value) return new Int16Array(0);
  let buffer, offset, length;
  if (value instanceof ArrayBuffer) {
    [buffer, offset, length] = [value, 0, value.byteLength];
  } else if (ArrayBuffer.isView(value)) {
    [buffer, offset, length] = [value.buffer, value.byteOffset, value.byteLength];
  } else {
    return new Int16Array(0);
  }
  const n = Math.floor(length / 2);
  if (LITTLE_ENDIAN && offset % 2 === 0) return new Int16Array(buffer, offset, n);
  // Misaligned view or a big-endian machine: read each code explicitly.
  const view = new DataView(buffer, offset, length);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, true);
  return out;
}

/** code x scale (a double product) stored as float32: as decode_samples() in pcm16.py. */
function decodeSamples(codes, scale) {
  const out = new Float32Array(codes.length);
  const step = Number(scale) || 0;
  for (let i = 0; i < codes.length; i++) out[i] = codes[i] * step;
  return out;
}

/** The fingerprint of float32_checksum() in pcm16.py, with the same IEEE steps. */
function checksum(floats) {
  const stride = Math.max(1, Math.floor(floats.length / CHECKSUM_TERMS));
  let total = 0;
  for (let i = 0; i < floats.length; i += stride) {
    const x = Math.min(CHECKSUM_CLAMP, Math.max(-CHECKSUM_CLAMP, floats[i]));
    total += Math.floor(x * 1e6);
  }
  return (total / 1e6).toFixed(6);
}

/** Seconds as mm:ss.s (rounded down, so the display never runs ahead). */
function formatTime(seconds) {
  const tenths = Math.max(0, Math.floor(seconds * 10 + 1e-6));
  const minutes = Math.floor(tenths / 600);
  const secs = Math.floor((tenths % 600) / 10);
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(minutes)}:${pad(secs)}.${tenths % 10}`;
}

/** A positive level with one decimal, halves rounded up: as format_db() in player.py. */
function formatDb(valueDb) {
  const tenths = Math.floor(Math.abs(valueDb) * 10 + 0.5);
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

/**
 * Gains (dB) per side so that all sound equally loud: each louder side is turned down
 * to the quietest, never a quiet side up. `sides`: [{name, loudnessDb, silent}].
 * As match_gains_db() in player.py.
 */
function matchGainsDb(sides, match) {
  const gains = {};
  for (const side of sides) gains[side.name] = 0;
  const loud = sides.filter((side) => !side.silent);
  if (!match || loud.length === 0) return gains;
  const quietest = Math.min(...loud.map((side) => side.loudnessDb));
  for (const side of loud) {
    gains[side.name] =
      side.loudnessDb > quietest ? Math.max(-MAX_OFFSET_DB, quietest - side.loudnessDb) : 0;
  }
  return gains;
}

/**
 * A catalogue template with its {fields} filled in (the words come from Python, in the
 * learner's language: see browser_texts() in player.py).
 */
function fill(template, fields = {}) {
  return String(template ?? "").replace(/\{(\w+)\}/g, (whole, name) =>
    name in fields ? String(fields[name]) : whole,
  );
}

/**
 * The line under the buttons: as status_text() in player.py. `sides`: [{label, ...}];
 * `texts`: the player's templates.
 */
function statusText(sides, match, texts) {
  if (sides.length < 2) return "";
  const sep = ". ";
  const notes = sides
    .filter((side) => side.silent)
    .map((side) => fill(texts.silent, { label: side.label }));
  const loud = sides.filter((side) => !side.silent);
  if (!match) return [texts.matching_off, ...notes].join(sep);
  if (loud.length < 2) return notes.join(sep);
  const gains = matchGainsDb(
    loud.map((side) => ({ name: side.label, loudnessDb: side.loudnessDb, silent: false })),
    true,
  );
  const down = loud.filter((side) => gains[side.label] <= -EQUAL_DB);
  const kept = loud
    .filter((side) => gains[side.label] > -EQUAL_DB)
    .map((side) => side.label)
    .join(` ${texts.and} `);
  let line;
  if (down.length === 0) {
    line = loud.length === 2 ? texts.equal_two : texts.equal_all;
  } else if (down.length === 1) {
    const side = down[0];
    line = fill(texts.one_down, {
      label: side.label,
      db: formatDb(gains[side.label]),
      others: kept,
    });
  } else {
    const moves = down
      .map((side) => fill(texts.move, { label: side.label, db: formatDb(gains[side.label]) }))
      .join(", ");
    line = fill(texts.many_down, { others: kept, moves });
  }
  return [line, ...notes].join(sep);
}

/**
 * What each side will play, from the side models' states (plain objects here):
 * decoded samples, checksum, and whether it fits the passage (the reference side if it
 * holds audio, else the first that does). A side that does not match the passage's
 * length and rate yet (its new version is still on the way) is "pending"; a side whose
 * `same_as` names another plays that side's samples.
 */
function prepareSides(states, reference, previous = new Map()) {
  const loaded = states.filter((s) => s.n_channels > 0 && s.n_frames > 0 && s.sr > 0);
  const passage = loaded.find((s) => s.name === reference) ?? loaded[0] ?? null;
  const byName = new Map(states.map((s) => [s.name, s]));
  const out = [];
  for (const s of states) {
    const entry = { name: s.name, status: "empty", floats: null, checksum: null, sameAs: "", key: "" };
    out.push(entry);
    if (!(s.n_channels > 0)) continue;
    if (!passage || s.n_frames !== passage.n_frames || s.sr !== passage.sr) {
      entry.status = "pending";
      continue;
    }
    let source = s;
    if (s.same_as) {
      source = byName.get(s.same_as);
      if (!source || source.same_as || source.n_frames !== s.n_frames || !(source.n_channels > 0)) {
        entry.status = "pending";
        continue;
      }
      entry.sameAs = s.same_as;
    }
    // A side whose samples have not changed since the last call is not decoded again.
    entry.key = [s.version, s.n_frames, s.sr, s.same_as, source.version].join("|");
    const before = previous.get(s.name);
    if (s.version !== undefined && before && before.status === "ready" && before.key === entry.key) {
      Object.assign(entry, { ...before, name: s.name });
      continue;
    }
    const floats = decodeSamples(toInt16(source.data), source.scale);
    if (floats.length !== source.n_channels * s.n_frames) {
      entry.status = "broken";
      // prose: ok - a transport fault for whoever debugs it, not a learner's message
      entry.error = `side ${s.name}: got ${floats.length} samples, expected ${source.n_channels} x ${s.n_frames}`; // prose: ok
      continue;
    }
    entry.floats = floats;
    entry.nChannels = source.n_channels;
    entry.checksum = checksum(floats);
    entry.status = "ready";
  }
  return { passage: passage ? passage.name : null, sides: out };
}

const dbToGain = (db) => 10 ** (db / 20);

// ---------------------------------------------------------------------------------
// The page-wide transport: one AudioContext, one player sounding at a time
// ---------------------------------------------------------------------------------

function transport() {
  let shared = globalThis[TRANSPORT_KEY];
  if (!shared) {
    shared = { ctx: null, current: null };
    globalThis[TRANSPORT_KEY] = shared;
  }
  return shared;
}

/** The page's AudioContext, made on first use (at the first player's rate if allowed). */
function sharedContext(sr) {
  const shared = transport();
  if (!shared.ctx || shared.ctx.state === "closed") {
    try {
      shared.ctx = new AudioContext(sr ? { sampleRate: sr } : undefined);
    } catch {
      shared.ctx = new AudioContext();
    }
  }
  return shared.ctx;
}

/** `handle` starts sounding: whichever other handle was sounding stops. */
function claim(handle) {
  const shared = transport();
  const previous = shared.current;
  shared.current = handle;
  if (previous && previous !== handle) {
    try {
      previous.stop();
    } catch (error) {
      console.warn("studio: could not stop the other player", error);
    }
  }
}

/** `handle` has stopped: it no longer owns the transport. */
function release(handle) {
  const shared = transport();
  if (shared.current === handle) shared.current = null;
}

// ---------------------------------------------------------------------------------
// Audio graph helpers
// ---------------------------------------------------------------------------------

/**
 * A GainNode that remembers the ramp last scheduled on it (its "plan"), so a new ramp
 * can start exactly where the old one will be at that moment: no step in level even
 * when the listener clicks again in the middle of a ramp.
 */
function makeFader(ctx, value, destination) {
  const node = ctx.createGain();
  node.gain.value = value;
  node.connect(destination);
  node.plan = { from: value, to: value, t0: 0, t1: 0 };
  return node;
}

function plannedValue(plan, t) {
  if (t <= plan.t0) return plan.from;
  if (t >= plan.t1) return plan.to;
  return plan.from + ((plan.to - plan.from) * (t - plan.t0)) / (plan.t1 - plan.t0);
}

/** Ramp a fader to `target` over RAMP_S, starting at context time `at`. */
function rampTo(fader, target, at) {
  const param = fader.gain;
  const { plan } = fader;
  const value = plannedValue(plan, at);
  param.cancelScheduledValues(at); // drops the end of a ramp still running at `at`...
  if (at > plan.t0 && at < plan.t1) {
    param.linearRampToValueAtTime(value, at); // ...so redraw it, on the same line, up to `at`
  } else {
    param.setValueAtTime(value, at);
  }
  param.linearRampToValueAtTime(target, at + RAMP_S);
  fader.plan = { from: value, to: target, t0: at, t1: at + RAMP_S };
}

/** An AudioBuffer holding planar samples (no AudioContext needed to make one). */
function buildBuffer(floats, nChannels, nFrames, sr) {
  const buffer = new AudioBuffer({ numberOfChannels: nChannels, length: nFrames, sampleRate: sr });
  for (let c = 0; c < nChannels; c++) {
    buffer.copyToChannel(floats.subarray(c * nFrames, (c + 1) * nFrames), c);
  }
  return buffer;
}

function makeElement(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The child model a widget reference ("IPY_MODEL_<id>") points to. */
async function childModel(model, ref) {
  const id = String(ref).replace(/^IPY_MODEL_/, "");
  return model.widget_manager.get_model(id);
}

// ---------------------------------------------------------------------------------
// The view
// ---------------------------------------------------------------------------------

function render({ model, el }) {
  el.classList.add("studio-player");
  const controls = makeElement("div", "studio-player-controls");
  const texts = () => model.get("texts") || {};
  const playButton = makeElement("button", "studio-player-play", texts().play);
  const sideButtons = makeElement("span", "studio-player-sides");
  const time = makeElement("span", "studio-player-time");
  controls.append(playButton, sideButtons, time);

  const seek = makeElement("input", "studio-player-seek");
  Object.assign(seek, { type: "range", min: "0", max: "1000", step: "1", value: "0" });
  seek.setAttribute("aria-label", texts().position);

  const options = makeElement("div", "studio-player-options");
  const loopBox = makeElement("input");
  loopBox.type = "checkbox";
  const matchBox = makeElement("input");
  matchBox.type = "checkbox";
  const loopLabel = makeElement("label");
  loopLabel.append(loopBox, ` ${texts().loop}`);
  const matchLabel = makeElement("label");
  matchLabel.append(matchBox, ` ${texts().match}`);
  options.append(loopLabel, matchLabel);

  const statusLine = makeElement("div", "studio-player-status");
  const message = makeElement("div", "studio-player-message");
  el.append(controls, seek, options, statusLine, message);
  playButton.type = "button";

  const state = {
    sides: [], // [{name, model, buffer, checksum, status, button}] in button order
    voice: null, // the sources now sounding: {fade, parts: Map(name -> {src, gain})}
    playing: false,
    t0: 0, // context time at which the current voice started...
    offset0: 0, // ...and the position (s) it started from
    pausedAt: 0, // position (s) while paused
    seeking: false,
    timer: null,
    reloadQueued: false,
    prepared: new Map(), // the last prepareSides() entries by side name, for reuse
    loads: 0,
    closed: false,
  };
  // what the transport calls to silence us, and what views following it (a console's
  // meters) read: which player it is and where it is in its passage
  const handle = {
    stop: () => pause(),
    id: () => model.get("transport_id"),
    position: () => (state.playing ? positionAt() : state.pausedAt),
    playing: () => state.playing,
  };
  const listeners = []; // [model, event, handler] to remove when the view goes away
  const sideListeners = []; // the same for the side models (renewed when the sides change)
  const listen = (target, event, handler) => {
    target.on(event, handler);
    listeners.push([target, event, handler]);
  };

  const ctx = () => transport().ctx;
  const playable = () => state.sides.filter((side) => side.buffer);
  const duration = () => Math.max(0, ...playable().map((side) => side.buffer.duration));
  const sideState = (side) => ({
    name: side.name,
    label: side.model.get("label") || side.name,
    loudnessDb: Number(side.model.get("loudness_db")) || 0,
    silent: !side.model.get("same_as") && Number(side.model.get("scale")) === 0,
  });
  // The side heard: the chosen one if it can play, else the first that can.
  const effectiveActive = () => {
    const chosen = model.get("active");
    const sides = playable();
    if (sides.some((side) => side.name === chosen)) return chosen;
    return sides.length ? sides[0].name : chosen;
  };

  function positionAt(at) {
    const total = duration();
    if (!state.playing || !ctx()) return Math.min(state.pausedAt, total);
    const p = state.offset0 + Math.max(0, (at ?? ctx().currentTime) - state.t0);
    if (model.get("loop") && total > 0) return p % total;
    return Math.min(p, total);
  }

  /** Linear gain per side name for the side heard and the loudness match. */
  function targetGains() {
    const sides = playable();
    const gainsDb = matchGainsDb(sides.map(sideState), model.get("match_loudness"));
    const active = effectiveActive();
    const gains = {};
    for (const side of sides) gains[side.name] = side.name === active ? dbToGain(gainsDb[side.name]) : 0;
    return gains;
  }

  // -- audio graph -----------------------------------------------------------------

  function startVoice(offset, when) {
    const context = ctx();
    const fade = makeFader(context, 0, context.destination);
    rampTo(fade, 1, when);
    const voice = { fade, parts: new Map() };
    const gains = targetGains();
    const loop = model.get("loop");
    for (const side of playable()) {
      const gain = makeFader(context, gains[side.name], fade);
      const src = context.createBufferSource();
      src.buffer = side.buffer;
      src.loop = loop;
      src.connect(gain);
      src.start(when, Math.min(offset, Math.max(0, side.buffer.duration - 1 / side.buffer.sampleRate)));
      voice.parts.set(side.name, { src, gain });
    }
    // All sources end together; when the voice ends by itself (no loop), playback is
    // over and the position goes back to the start.
    const first = voice.parts.values().next().value;
    if (first) {
      first.src.onended = () => {
        if (state.voice === voice && state.playing) {
          state.voice = null;
          stopped(0);
          disconnectVoice(voice);
        }
      };
    }
    state.voice = voice;
    state.t0 = when;
    state.offset0 = offset;
  }

  function disconnectVoice(voice) {
    for (const { src, gain } of voice.parts.values()) {
      src.disconnect();
      gain.disconnect();
    }
    voice.fade.disconnect();
  }

  function retireVoice(voice, at) {
    rampTo(voice.fade, 0, at);
    for (const { src } of voice.parts.values()) {
      src.onended = () => disconnectVoice(voice);
      src.stop(at + RAMP_S + 0.02);
    }
  }

  /** Cross-fade to a fresh voice at `offsetFn(when)`: same position for a swap. */
  function restartAt(offsetFn) {
    const when = ctx().currentTime + LOOKAHEAD_S;
    const offset = offsetFn(when);
    if (state.voice) retireVoice(state.voice, when);
    state.voice = null;
    if (playable().length) startVoice(offset, when);
  }

  function play() {
    if (state.playing || duration() === 0) return;
    const passage = playable()[0].buffer;
    const context = sharedContext(passage.sampleRate);
    claim(handle); // stops any other studio player on the page
    // resume() must be called inside the click handler: that is the user gesture.
    context
      .resume()
      .catch((error) => showMessage(fill(texts().could_not_start, { error: error.message })));
    const start = state.pausedAt >= duration() - 1e-3 ? 0 : state.pausedAt;
    state.playing = true;
    startVoice(start, context.currentTime + LOOKAHEAD_S);
    state.timer = setInterval(tick, TICK_MS);
    updateAll();
  }

  function pause() {
    if (!state.playing) return;
    const at = ctx().currentTime + LOOKAHEAD_S;
    const position = positionAt(at);
    if (state.voice) retireVoice(state.voice, at);
    state.voice = null;
    stopped(position);
  }

  function stopped(position) {
    state.playing = false;
    state.pausedAt = position;
    clearInterval(state.timer);
    state.timer = null;
    release(handle);
    updateAll();
  }

  function seekTo(seconds) {
    const target = Math.min(Math.max(0, seconds), duration());
    if (state.playing) restartAt(() => target);
    else state.pausedAt = target;
    updateAll();
  }

  function applyGains() {
    const voice = state.voice;
    if (!voice) return;
    const at = ctx().currentTime + LOOKAHEAD_S;
    const gains = targetGains();
    for (const [name, part] of voice.parts) rampTo(part.gain, gains[name] ?? 0, at);
  }

  // -- loading the sides -----------------------------------------------------------

  async function connectSides() {
    const refs = model.get("sides") || [];
    const models = await Promise.all(refs.map((ref) => childModel(model, ref)));
    if (state.closed) return;
    for (const [target, event, handler] of sideListeners.splice(0)) target.off(event, handler);
    sideButtons.replaceChildren();
    state.sides = models.map((sideModel) => {
      const button = makeElement("button", "studio-player-side");
      button.type = "button";
      const side = { name: sideModel.get("name"), model: sideModel, buffer: null, checksum: null, button };
      button.dataset.side = side.name;
      button.addEventListener("click", () => {
        model.set("active", side.name);
        model.save_changes();
      });
      sideButtons.append(button);
      for (const [event, handler] of [
        ["change:version", scheduleReload],
        ["change:loudness_db", onGains],
        ["change:label", updateAll],
        ["change:tag", updateAll],
      ]) {
        sideModel.on(event, handler);
        sideListeners.push([sideModel, event, handler]);
      }
      return side;
    });
    reload();
  }

  function scheduleReload() {
    if (state.reloadQueued) return;
    state.reloadQueued = true;
    queueMicrotask(reload); // several sides changed in one go: rebuild once
  }

  function reload() {
    state.reloadQueued = false;
    const states = state.sides.map((side) => {
      const get = (key) => side.model.get(key);
      return {
        name: side.name,
        data: get("data"),
        scale: get("scale"),
        n_channels: get("n_channels"),
        n_frames: get("n_frames"),
        sr: get("sr"),
        same_as: get("same_as"),
        version: get("version"),
      };
    });
    const prepared = prepareSides(states, model.get("reference"), state.prepared);
    // Keep what tells an unchanged side (status, key, checksum), not its samples.
    state.prepared = new Map(prepared.sides.map((entry) => [entry.name, { ...entry, floats: null }]));
    const errors = [];
    const built = new Map(); // one AudioBuffer per decoded source, shared by same_as sides
    prepared.sides.forEach((entry, i) => {
      const side = state.sides[i];
      side.status = entry.status;
      side.checksum = entry.checksum;
      if (entry.status === "broken") errors.push(entry.error);
      if (entry.status !== "ready") {
        side.buffer = entry.status === "pending" ? side.buffer : null;
        return;
      }
      const source = entry.sameAs || entry.name;
      if (side.buffer && side.bufferKey === entry.key) {
        if (!built.has(source)) built.set(source, side.buffer); // unchanged: keep its buffer
        return;
      }
      if (!entry.floats && !built.has(source)) {
        // known unchanged, but its buffer is gone: decode it again next time round
        state.prepared.delete(entry.name);
        side.buffer = null;
        side.status = "pending";
        scheduleReload();
        return;
      }
      try {
        if (!built.has(source)) {
          const s = states[i];
          built.set(source, buildBuffer(entry.floats, entry.nChannels, s.n_frames, s.sr));
        }
        side.buffer = built.get(source);
        side.bufferKey = entry.key;
      } catch (error) {
        side.buffer = null;
        side.status = "broken";
        errors.push(`side ${entry.name}: ${error.message}`);
      }
    });
    // A pending side keeps its old buffer only while it still fits the others.
    const ready = state.sides.find((side) => side.status === "ready");
    for (const side of state.sides) {
      if (side.status === "pending" && side.buffer && ready && side.buffer.length !== ready.buffer.length) {
        side.buffer = null;
      }
    }
    state.loads += 1;
    showMessage(errors.length ? fill(texts().could_not_load, { errors: errors.join("; ") }) : "");
    if (state.playing) {
      if (duration() === 0) pause();
      else restartAt((when) => Math.min(positionAt(when), duration())); // same place, new audio
    } else {
      state.pausedAt = Math.min(state.pausedAt, duration());
    }
    updateAll();
  }

  // -- display ---------------------------------------------------------------------

  function showMessage(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  function updateAttributes() {
    el.dataset.state = state.playing ? "playing" : "paused";
    el.dataset.active = effectiveActive();
    el.dataset.ctxState = ctx() ? ctx().state : "none";
    el.dataset.loads = String(state.loads);
  }

  function tick() {
    const position = positionAt();
    const total = duration();
    const origin = model.get("time_origin_s") || 0;
    time.textContent = `${formatTime(origin + position)} / ${formatTime(origin + total)}`;
    if (!state.seeking) seek.value = String(total > 0 ? Math.round((1000 * position) / total) : 0);
    el.dataset.positionS = position.toFixed(3);
    el.dataset.durationS = total.toFixed(3);
    updateAttributes();
  }

  function updateAll() {
    const active = effectiveActive();
    const match = model.get("match_loudness");
    const gainsDb = matchGainsDb(playable().map(sideState), match);
    playButton.textContent = state.playing ? texts().pause : texts().play;
    playButton.disabled = duration() === 0;
    for (const side of state.sides) {
      const { button } = side;
      const tag = side.model.get("tag");
      const label = side.model.get("label") || side.name;
      button.textContent = tag ? `${tag}: ${label}` : label;
      button.disabled = !side.buffer;
      button.classList.toggle("studio-player-active", side.name === active && !!side.buffer);
      button.setAttribute("aria-pressed", String(side.name === active));
      const version = String(side.model.get("version"));
      Object.assign(button.dataset, {
        status: side.status || "empty",
        version,
        checksum: side.checksum ?? "",
        gainDb: side.buffer ? String(gainsDb[side.name] ?? 0) : "",
      });
      el.dataset[`${side.name}Version`] = version;
      el.dataset[`${side.name}Checksum`] = side.checksum ?? "";
      el.dataset[`${side.name}Status`] = side.status || "empty";
    }
    loopBox.checked = model.get("loop");
    matchBox.checked = match;
    statusLine.textContent = statusText(playable().map(sideState), match, texts());
    seek.disabled = duration() === 0;
    tick();
  }

  // -- events ----------------------------------------------------------------------

  playButton.addEventListener("click", () => (state.playing ? pause() : play()));
  loopBox.addEventListener("change", () => {
    model.set("loop", loopBox.checked);
    model.save_changes();
  });
  matchBox.addEventListener("change", () => {
    model.set("match_loudness", matchBox.checked);
    model.save_changes();
  });
  seek.addEventListener("pointerdown", () => (state.seeking = true));
  seek.addEventListener("input", () => {
    const origin = model.get("time_origin_s") || 0;
    const at = (seek.value / 1000) * duration();
    time.textContent = `${formatTime(origin + at)} / ${formatTime(origin + duration())}`;
  });
  seek.addEventListener("change", () => {
    state.seeking = false;
    seekTo((seek.value / 1000) * duration());
  });

  function onLoop() {
    if (state.playing) {
      // Re-base the clock at the current position, then let the sources follow.
      state.offset0 = positionAt();
      state.t0 = Math.max(state.t0, ctx().currentTime);
      for (const { src } of state.voice?.parts.values() ?? []) src.loop = model.get("loop");
    }
    updateAll();
  }
  function onGains() {
    applyGains();
    updateAll();
  }
  listen(model, "change:sides", () => void connectSides());
  listen(model, "change:reference", scheduleReload);
  listen(model, "change:active", onGains);
  listen(model, "change:match_loudness", onGains);
  listen(model, "change:loop", onLoop);
  listen(model, "change:time_origin_s", tick);

  showMessage("");
  updateAll();
  connectSides().catch((error) =>
    showMessage(fill(texts().could_not_load_sides, { error: error.message })),
  );

  // Called by anywidget when the view goes away: silence it and let go of the transport.
  return () => {
    state.closed = true;
    for (const [target, event, handler] of [...listeners, ...sideListeners]) {
      target.off(event, handler);
    }
    clearInterval(state.timer);
    if (state.voice) disconnectVoice(state.voice);
    state.voice = null;
    release(handle);
  };
}

export default { render };

// The pure helpers and the transport, for tests that run this file under node.
export {
  checksum,
  fill,
  claim,
  decodeSamples,
  formatDb,
  formatTime,
  matchGainsDb,
  prepareSides,
  release,
  statusText,
  toInt16,
  transport,
};
