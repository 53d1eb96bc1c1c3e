// The browser half of studio's A/B player (an anywidget ESM module).
//
// How it stays gapless: A and B play *all the time*, as two AudioBufferSourceNodes
// started at the same AudioContext time and the same offset, each into its own
// GainNode. "Switching" only ramps those two gains (a few ms), so the position is
// kept exactly and there is no gap and no click. Everything that must restart the
// sources (play, seek, a new B while playing) builds a fresh "voice" (both sources
// plus their gains behind one fade GainNode) and cross-fades from the old voice to
// the new one at one scheduled instant.
//
// Audio arrives from Python as planar little-endian 16-bit codes (binary widget
// buffers) plus one scale per side: sample = code x scale, so the loudest sample of a
// side uses the whole 16-bit range and louder-than-full-scale audio is not clipped.
// The float32 samples are rebuilt with one multiply each and copied into the
// AudioBuffers: no codec, no decoding step in the browser's media stack. When B is A
// sample for sample (b_same_as_a), no B codes are sent and A's buffer plays as B.

const RAMP_S = 0.008; // gain ramps for switches, seeks, swaps and pause: no clicks
// Every start and every gain change is scheduled this far ahead. The main thread's
// view of the audio clock lags the audio thread a little; an event "now" can already
// be in the past there, and a ramp that began in the past starts with a small step.
const LOOKAHEAD_S = 0.03;
const TICK_MS = 50; // how often the position display updates while playing
const CHECKSUM_TERMS = 4096; // these three mirror studio/widgets/player.py
const CHECKSUM_CLAMP = 1000;
const EQUAL_DB = 0.05;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------
// Pure helpers (no DOM, no audio)
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

/**
 * The samples the codes stand for: code x scale (a double product), stored as float32.
 * decode_samples() in player.py does the same two IEEE operations, so both sides hold
 * the very same float32 values.
 */
function decodeSamples(codes, scale) {
  const out = new Float32Array(codes.length);
  const step = Number(scale) || 0;
  for (let i = 0; i < codes.length; i++) out[i] = codes[i] * step;
  return out;
}

/**
 * The same fingerprint as float32_checksum() in player.py: every stride-th float,
 * clamped, times 1e6, rounded down; the whole numbers summed exactly; the sum / 1e6
 * written with 6 decimals.
 */
function checksum(floats) {
  const stride = Math.max(1, Math.floor(floats.length / CHECKSUM_TERMS));
  let total = 0;
  for (let i = 0; i < floats.length; i += stride) {
    const x = Math.min(CHECKSUM_CLAMP, Math.max(-CHECKSUM_CLAMP, floats[i]));
    total += Math.floor(x * 1e6);
  }
  return (total / 1e6).toFixed(6);
}

/** An AudioBuffer holding planar samples, or null when there are none. */
function buildBuffer(floats, nChannels, nFrames, sr) {
  if (!nChannels || !nFrames || !sr || floats.length === 0) return null;
  if (floats.length !== nChannels * nFrames) {
    throw new Error(
      `got ${floats.length} samples, expected ${nChannels} channels x ${nFrames} frames`,
    );
  }
  // The AudioBuffer constructor needs no AudioContext, so buffers can be ready before
  // the first click on Play (browsers only let a context start after a user gesture).
  const buffer = new AudioBuffer({ numberOfChannels: nChannels, length: nFrames, sampleRate: sr });
  for (let c = 0; c < nChannels; c++) {
    buffer.copyToChannel(floats.subarray(c * nFrames, (c + 1) * nFrames), c);
  }
  return buffer;
}

/** Seconds as mm:ss.s (rounded down, so the display never runs ahead). */
function formatTime(seconds) {
  const tenths = Math.max(0, Math.floor(seconds * 10 + 1e-6));
  const minutes = Math.floor(tenths / 600);
  const secs = Math.floor((tenths % 600) / 10);
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(minutes)}:${pad(secs)}.${tenths % 10}`;
}

/** Gains in dB for [A, B]: the louder side is turned down, never the quieter one up. */
function playbackGainsDb(match, offsetDb) {
  if (!match) return [0, 0];
  return offsetDb > 0 ? [-offsetDb, 0] : [0, offsetDb];
}

/** The status line; the same words as ABPlayer.offset_text() in player.py. */
function offsetText(match, offsetDb, hasB, bSilent = false) {
  if (!hasB) return "";
  if (bSilent) return "B is silent: there is no loudness to match";
  if (!match) return "Loudness matching off: B plays at its own level";
  if (Math.abs(offsetDb) < EQUAL_DB) return "A and B are equally loud: no level offset needed";
  if (offsetDb < 0) return `B is played ${(-offsetDb).toFixed(1)} dB quieter to match loudness`;
  return (
    `B is played ${offsetDb.toFixed(1)} dB louder to match loudness ` +
    "(A is turned down instead, so nothing clips)"
  );
}

const dbToGain = (db) => 10 ** (db / 20);

/**
 * A GainNode that remembers the ramp last scheduled on it (its "plan"), so that a
 * new ramp can start exactly where the old one will be at that moment: no step in
 * level even when the listener clicks again in the middle of a ramp.
 */
function makeFader(ctx, value, destination) {
  const node = ctx.createGain();
  node.gain.value = value;
  node.connect(destination);
  node.plan = { from: value, to: value, t0: 0, t1: 0 };
  return node;
}

/** The gain a fader's plan gives at context time `t`. */
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

function makeElement(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------------------------
// The view
// ---------------------------------------------------------------------------------

function render({ model, el }) {
  // -- DOM -------------------------------------------------------------------------
  const root = makeElement("div", "studio-abplayer");
  const controls = makeElement("div", "studio-abplayer-controls");
  const playButton = makeElement("button", "studio-abplayer-play", "▶ Play");
  const buttonA = makeElement("button", "studio-abplayer-side studio-abplayer-a");
  const buttonB = makeElement("button", "studio-abplayer-side studio-abplayer-b");
  const time = makeElement("span", "studio-abplayer-time");
  controls.append(playButton, buttonA, buttonB, time);

  const seek = makeElement("input", "studio-abplayer-seek");
  seek.type = "range";
  seek.min = "0";
  seek.max = "1000";
  seek.step = "1";
  seek.value = "0";
  seek.setAttribute("aria-label", "Position");

  const options = makeElement("div", "studio-abplayer-options");
  const loopBox = makeElement("input");
  loopBox.type = "checkbox";
  const matchBox = makeElement("input");
  matchBox.type = "checkbox";
  const loopLabel = makeElement("label");
  loopLabel.append(loopBox, " Loop");
  const matchLabel = makeElement("label");
  matchLabel.append(matchBox, " Match loudness");
  options.append(loopLabel, matchLabel);

  const offsetLine = makeElement("div", "studio-abplayer-offset");
  const message = makeElement("div", "studio-abplayer-message");
  root.append(controls, seek, options, offsetLine, message);
  el.append(root);
  for (const button of [playButton, buttonA, buttonB]) button.type = "button";

  // -- state -----------------------------------------------------------------------
  const state = {
    ctx: null, // the AudioContext, made on the first click on Play
    bufA: null,
    bufB: null,
    voice: null, // the sources now sounding: {srcA, srcB, gainA, gainB, fade}
    playing: false,
    t0: 0, // context time at which the current voice started...
    offset0: 0, // ...and the position (s) it started from
    pausedAt: 0, // position (s) while paused
    seeking: false, // the listener is dragging the seek bar
    timer: null,
    checksumA: null, // checksum of A's samples, for a B that is A (b_same_as_a)
    reload: { a: false, b: false, scheduled: false },
  };

  const duration = () => Math.max(state.bufA?.duration ?? 0, state.bufB?.duration ?? 0);
  const hasB = () => state.bufB !== null;
  // The side actually heard: when only one side is loaded, that one.
  const effectiveActive = () => {
    if (state.bufA && !state.bufB) return "a";
    if (state.bufB && !state.bufA) return "b";
    return model.get("active") === "b" ? "b" : "a";
  };

  /** Playback position (s) at context time `at` (now by default). */
  function positionAt(at) {
    const total = duration();
    if (!state.playing || !state.ctx) return Math.min(state.pausedAt, total);
    const when = at ?? state.ctx.currentTime;
    const p = state.offset0 + Math.max(0, when - state.t0);
    if (model.get("loop") && total > 0) return p % total;
    return Math.min(p, total);
  }

  /** Linear gains [A, B] for the current side and loudness offset. */
  function targetGains() {
    const [aDb, bDb] = playbackGainsDb(model.get("match_loudness"), model.get("b_offset_db"));
    const side = effectiveActive();
    return [side === "a" ? dbToGain(aDb) : 0, side === "b" ? dbToGain(bDb) : 0];
  }

  // -- audio graph -----------------------------------------------------------------

  function ensureContext() {
    if (!state.ctx) {
      // Run the context at the audio's own rate where the browser allows it, so the
      // samples play untouched (the browser resamples once, for the sound card).
      try {
        state.ctx = new AudioContext({ sampleRate: model.get("sr") });
      } catch {
        state.ctx = new AudioContext();
      }
      state.ctx.addEventListener("statechange", updateAttributes);
    }
    return state.ctx;
  }

  /** Start a voice (both sources in step) at context time `when` from `offset` s. */
  function startVoice(offset, when) {
    const ctx = state.ctx;
    const fade = makeFader(ctx, 0, ctx.destination);
    rampTo(fade, 1, when);
    const voice = { fade, srcA: null, srcB: null, gainA: null, gainB: null };
    const [gainA, gainB] = targetGains();
    const loop = model.get("loop");
    for (const [buffer, target, side] of [
      [state.bufA, gainA, "A"],
      [state.bufB, gainB, "B"],
    ]) {
      if (!buffer) continue;
      const gain = makeFader(ctx, target, fade);
      const source = ctx.createBufferSource();
      source.buffer = buffer;
      source.loop = loop;
      source.connect(gain);
      source.start(when, Math.min(offset, Math.max(0, buffer.duration - 1 / buffer.sampleRate)));
      voice[`src${side}`] = source;
      voice[`gain${side}`] = gain;
    }
    // Both sources end together; when the current voice ends by itself (no loop),
    // playback is over and the position goes back to the start.
    const first = voice.srcA ?? voice.srcB;
    if (first) {
      first.onended = () => {
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
    for (const node of [voice.srcA, voice.srcB, voice.gainA, voice.gainB, voice.fade]) {
      node?.disconnect();
    }
  }

  /** Fade a voice out from time `at` and stop it when silent. */
  function retireVoice(voice, at) {
    rampTo(voice.fade, 0, at);
    const end = at + RAMP_S + 0.02;
    for (const source of [voice.srcA, voice.srcB]) {
      if (!source) continue;
      source.onended = () => disconnectVoice(voice);
      source.stop(end);
    }
  }

  /** Cross-fade to a fresh voice at `offset` (same position for a swap, new for a seek). */
  function restartAt(offsetFn) {
    const when = state.ctx.currentTime + LOOKAHEAD_S;
    const offset = offsetFn(when);
    if (state.voice) retireVoice(state.voice, when);
    state.voice = null;
    if (state.bufA || state.bufB) startVoice(offset, when);
  }

  function play() {
    if (state.playing || duration() === 0) return;
    const ctx = ensureContext();
    // resume() must be called inside the click handler: that is the user gesture.
    ctx.resume().catch((error) => showMessage(`Audio could not start: ${error.message}`));
    const start = state.pausedAt >= duration() - 1e-3 ? 0 : state.pausedAt;
    state.playing = true;
    startVoice(start, ctx.currentTime + LOOKAHEAD_S);
    state.timer = setInterval(tick, TICK_MS);
    updateAll();
  }

  function pause() {
    if (!state.playing) return;
    const at = state.ctx.currentTime + LOOKAHEAD_S;
    const position = positionAt(at);
    if (state.voice) retireVoice(state.voice, at);
    state.voice = null;
    stopped(position);
  }

  /** Bookkeeping once the sound has stopped (by pause or by reaching the end). */
  function stopped(position) {
    state.playing = false;
    state.pausedAt = position;
    clearInterval(state.timer);
    state.timer = null;
    updateAll();
  }

  function seekTo(seconds) {
    const target = Math.min(Math.max(0, seconds), duration());
    if (state.playing) restartAt(() => target);
    else state.pausedAt = target;
    updateAll();
  }

  /** Ramp the live gains to the current side and loudness offset. */
  function applyGains() {
    const voice = state.voice;
    if (!voice) return;
    const at = state.ctx.currentTime + LOOKAHEAD_S;
    const [gainA, gainB] = targetGains();
    if (voice.gainA) rampTo(voice.gainA, gainA, at);
    if (voice.gainB) rampTo(voice.gainB, gainB, at);
  }

  // -- loading audio from the model ------------------------------------------------

  /** Rebuild the buffers that changed (A and B often change in one message: once). */
  function scheduleReload(side) {
    state.reload[side] = true;
    if (state.reload.scheduled) return;
    state.reload.scheduled = true;
    queueMicrotask(reload);
  }

  function reload() {
    const { a, b } = state.reload;
    state.reload = { a: false, b: false, scheduled: false };
    const nFrames = model.get("n_frames");
    const sr = model.get("sr");
    try {
      showMessage("");
      if (a) {
        const floats = decodeSamples(toInt16(model.get("a_data")), model.get("a_scale"));
        state.bufA = buildBuffer(floats, model.get("a_n_channels"), nFrames, sr);
        state.checksumA = checksum(floats);
        root.dataset.aVersion = String(model.get("a_version"));
      }
      if (b) {
        if (model.get("b_same_as_a") && state.bufA) {
          // B is A sample for sample: one buffer can feed both sources.
          state.bufB = state.bufA;
          root.dataset.bChecksum = state.checksumA;
        } else {
          const floats = decodeSamples(toInt16(model.get("b_data")), model.get("b_scale"));
          state.bufB = buildBuffer(floats, model.get("b_n_channels"), nFrames, sr);
          root.dataset.bChecksum = checksum(floats);
        }
        root.dataset.bVersion = String(model.get("b_version"));
      }
    } catch (error) {
      showMessage(`Could not load the audio: ${error.message}`);
    }
    if (state.playing) {
      if (duration() === 0) {
        pause();
      } else {
        // Same position, new audio: the listener hears the change in place.
        const total = duration();
        restartAt((when) => Math.min(positionAt(when), total));
      }
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
    root.dataset.state = state.playing ? "playing" : "paused";
    root.dataset.active = effectiveActive();
    root.dataset.ctxState = state.ctx ? state.ctx.state : "none";
  }

  function tick() {
    const position = positionAt();
    const total = duration();
    time.textContent = `${formatTime(position)} / ${formatTime(total)}`;
    if (!state.seeking) seek.value = String(total > 0 ? Math.round((1000 * position) / total) : 0);
    root.dataset.positionS = position.toFixed(3);
    root.dataset.durationS = total.toFixed(3);
    updateAttributes();
  }

  function updateAll() {
    const side = effectiveActive();
    const match = model.get("match_loudness");
    playButton.textContent = state.playing ? "❚❚ Pause" : "▶ Play";
    playButton.disabled = duration() === 0;
    buttonA.textContent = `A: ${model.get("label_a")}`;
    buttonB.textContent = `B: ${model.get("label_b")}`;
    buttonA.disabled = !state.bufA;
    buttonB.disabled = !state.bufB;
    buttonA.classList.toggle("studio-abplayer-active", side === "a");
    buttonB.classList.toggle("studio-abplayer-active", side === "b");
    buttonA.setAttribute("aria-pressed", String(side === "a"));
    buttonB.setAttribute("aria-pressed", String(side === "b"));
    loopBox.checked = model.get("loop");
    matchBox.checked = match;
    const bSilent = !model.get("b_same_as_a") && model.get("b_scale") === 0;
    offsetLine.textContent = offsetText(match, model.get("b_offset_db"), hasB(), bSilent);
    seek.disabled = duration() === 0;
    tick();
  }

  // -- events ----------------------------------------------------------------------

  const choose = (side) => {
    model.set("active", side);
    model.save_changes();
  };
  playButton.addEventListener("click", () => (state.playing ? pause() : play()));
  buttonA.addEventListener("click", () => choose("a"));
  buttonB.addEventListener("click", () => choose("b"));
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
    // Show where the listener is dragging; the jump itself happens on release.
    time.textContent = `${formatTime((seek.value / 1000) * duration())} / ${formatTime(duration())}`;
  });
  seek.addEventListener("change", () => {
    state.seeking = false;
    seekTo((seek.value / 1000) * duration());
  });

  const onLoop = () => {
    if (state.playing) {
      // Re-base the clock at the current position, then let the sources follow.
      const position = positionAt();
      state.offset0 = position;
      state.t0 = Math.max(state.t0, state.ctx.currentTime);
      const loop = model.get("loop");
      for (const source of [state.voice?.srcA, state.voice?.srcB]) {
        if (source) source.loop = loop;
      }
    }
    updateAll();
  };
  const onGains = () => {
    applyGains();
    updateAll();
  };
  const onA = () => scheduleReload("a");
  const onB = () => scheduleReload("b");
  const handlers = [
    ["change:a_version", onA],
    ["change:b_version", onB],
    ["change:active", onGains],
    ["change:match_loudness", onGains],
    ["change:b_offset_db", onGains],
    ["change:loop", onLoop],
    ["change:label_a", updateAll],
    ["change:label_b", updateAll],
  ];
  for (const [name, handler] of handlers) model.on(name, handler);

  // First load: whatever the model already holds.
  state.reload = { a: true, b: true, scheduled: false };
  reload();

  // Called by anywidget when the view goes away: silence and free the audio device.
  return () => {
    for (const [name, handler] of handlers) model.off(name, handler);
    clearInterval(state.timer);
    if (state.voice) disconnectVoice(state.voice);
    state.voice = null;
    state.ctx?.close();
  };
}

export default { render };

// The pure helpers, for tests that run this file under node (no browser needed).
export { checksum, decodeSamples, formatTime, offsetText, playbackGainsDb, toInt16 };
