// The browser half of studio's track player: an <audio> element playing Ogg bytes,
// part of the page's one transport (the same globalThis entry as player.js): starting
// it stops any studio player that is playing, and starting a player stops it.

const TRANSPORT_KEY = "__studioTransport1"; // the same key as in player.js

function transport() {
  let shared = globalThis[TRANSPORT_KEY];
  if (!shared) {
    shared = { ctx: null, current: null };
    globalThis[TRANSPORT_KEY] = shared;
  }
  return shared;
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

function release(handle) {
  const shared = transport();
  if (shared.current === handle) shared.current = null;
}

/** The bytes of a binary trait (DataView, ArrayBuffer or typed array). */
function bytesOf(value) {
  if (!value) return new Uint8Array(0);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(0);
}

function render({ model, el }) {
  el.classList.add("studio-track-audio");
  const audio = document.createElement("audio");
  audio.controls = true;
  audio.preload = "auto";
  audio.style.width = "380px";
  el.append(audio);
  const handle = { stop: () => audio.pause() };
  let url = null;

  function load() {
    const bytes = bytesOf(model.get("data"));
    const wasPlaying = !audio.paused;
    if (url) URL.revokeObjectURL(url);
    url = bytes.length ? URL.createObjectURL(new Blob([bytes], { type: "audio/ogg" })) : null;
    delete el.dataset.durationS;
    if (url) audio.src = url;
    else audio.removeAttribute("src");
    el.dataset.version = String(model.get("version"));
    el.dataset.bytes = String(bytes.length);
    el.dataset.label = model.get("label") || "";
    if (wasPlaying && url) audio.play().catch(() => {});
  }

  audio.addEventListener("play", () => {
    claim(handle);
    el.dataset.state = "playing";
  });
  const stopped = () => {
    release(handle);
    el.dataset.state = "paused";
  };
  audio.addEventListener("pause", stopped);
  audio.addEventListener("ended", stopped);
  audio.addEventListener("loadedmetadata", () => {
    el.dataset.durationS = audio.duration.toFixed(3);
  });
  audio.addEventListener("timeupdate", () => {
    el.dataset.positionS = audio.currentTime.toFixed(3);
  });
  model.on("change:version", load);
  el.dataset.state = "paused";
  load();

  return () => {
    model.off("change:version", load);
    audio.pause();
    release(handle);
    if (url) URL.revokeObjectURL(url);
  };
}

export default { render };

export { bytesOf, claim, release, transport };
