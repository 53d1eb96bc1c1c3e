// The browser half of a console's level meter (an anywidget ESM module).
//
// The kernel sends the strip's level over the preview passage once per render: the
// peak (dBFS) of every `block_s` block, as float32. While the player this meter
// follows (`follow`: its transport id) is sounding, the bar shows the level at the
// player's position, so the meters move with the music and a muted or quiet strip
// reads so. Between renders nothing travels; the animation is all in the browser.
// Colours as on a desk: green, yellow from -6 dBFS, red from -1 dBFS (the strip's own
// colour is on its name, so a red track never looks like an overload).

const TRANSPORT_KEY = "__studioTransport1"; // the same key as in player.js
const FLOOR_DB = -60;
const FALL_DB_PER_S = 24; // how fast the bar falls back after a peak (a meter's ballistics)

function levelsOf(value) {
  if (!value) return new Float32Array(0);
  const buffer = value.buffer ?? value;
  const offset = value.byteOffset ?? 0;
  const length = (value.byteLength ?? buffer.byteLength) / 4;
  return new Float32Array(buffer.slice(offset, offset + length * 4));
}

function render({ model, el }) {
  el.classList.add("studio-meter");
  const bar = document.createElement("div");
  bar.className = "studio-meter-bar";
  const hold = document.createElement("div");
  hold.className = "studio-meter-hold";
  el.append(bar, hold);
  let levels = levelsOf(model.get("levels"));
  let shown = FLOOR_DB;
  let held = FLOOR_DB;
  let last = performance.now();
  let frame = 0;

  const onLevels = () => {
    levels = levelsOf(model.get("levels"));
    el.dataset.blocks = String(levels.length);
  };
  model.on("change:levels", onLevels);
  onLevels();

  function heard() {
    const current = globalThis[TRANSPORT_KEY]?.current;
    if (!current || !current.id || current.id() !== model.get("follow")) return null;
    return current.playing() ? current.position() : null;
  }

  function draw(now) {
    const dt = Math.max(0, (now - last) / 1000);
    last = now;
    const position = heard();
    let target = FLOOR_DB;
    if (position !== null && levels.length) {
      const index = Math.min(levels.length - 1, Math.floor(position / model.get("block_s")));
      target = Math.max(FLOOR_DB, levels[index]);
    }
    shown = target >= shown ? target : Math.max(target, shown - FALL_DB_PER_S * dt);
    held = position === null ? FLOOR_DB : Math.max(held - 6 * dt, shown);
    const fraction = (db) => Math.min(1, Math.max(0, (db - FLOOR_DB) / -FLOOR_DB));
    bar.style.height = `${(100 * fraction(shown)).toFixed(1)}%`;
    bar.style.background = shown > -1 ? "#e53935" : shown > -6 ? "#e6b800" : "#2ecc71";
    hold.style.bottom = `${(100 * fraction(held)).toFixed(1)}%`;
    el.dataset.levelDb = shown.toFixed(1);
    frame = requestAnimationFrame(draw);
  }
  frame = requestAnimationFrame(draw);

  return () => {
    cancelAnimationFrame(frame);
    model.off("change:levels", onLevels);
  };
}

export default { render };
