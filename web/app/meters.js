/**
 * Everything that moves at the meter rate (peak and gain-reduction bars, loudness figures, load) is
 * drawn here, outside Preact: one requestAnimationFrame loop, at most 30 times a second, that reads the
 * latest values and writes only `transform` and text, never reading layout back. A bar is a
 * compositor-only scale, so 40 meters cost no layout and no paint of their neighbours.
 */

const FRAME_MS = 1000 / 30;
/** Peak hold: the highest peak stays this long, then falls. */
const HOLD_MS = 1500;
const FALL_DB_PER_S = 20;

/**
 * Deflection 0..1 of a level on the IEC 60268-18 meter scale (the one Ardour and JACK meters draw):
 * the top 20 dB take half the height, so the working range is read precisely and -60 dB still shows.
 */
export function meterDeflection(db) {
  if (!(db > -70)) return 0;
  let p;
  if (db < -60) p = (db + 70) * 0.25;
  else if (db < -50) p = (db + 60) * 0.5 + 2.5;
  else if (db < -40) p = (db + 50) * 0.75 + 7.5;
  else if (db < -30) p = (db + 40) * 1.5 + 15;
  else if (db < -20) p = (db + 30) * 2 + 30;
  else p = (db + 20) * 2.5 + 50;
  return Math.min(1, p / 100);
}

const items = new Set();
let running = false;
let lastFrame = 0;

function frame(now) {
  if (items.size === 0) {
    running = false;
    return;
  }
  if (now - lastFrame >= FRAME_MS - 2) {
    lastFrame = now;
    for (const it of items) it.draw(now);
  }
  requestAnimationFrame(frame);
}

/** Draws `item.draw(now)` at the meter rate until the returned function is called. */
export function animate(item) {
  items.add(item);
  if (!running) {
    running = true;
    requestAnimationFrame(frame);
  }
  return () => items.delete(item);
}

/**
 * A level bar with peak hold. The meter's own background is the lit scale (its colours stay put);
 * `cover` is the dark unlit part, scaled down from the top. `hold` is a box as tall as the meter with
 * its line at the bottom edge, moved up by a percentage of its own height (no layout read needed).
 */
export function levelMeter(mix, address, cover, hold) {
  let shown = -1;
  let heldDb = -Infinity;
  let heldAt = 0;
  let holdShown = -1;
  return animate({
    draw(now) {
      const db = mix.get(address);
      const p = meterDeflection(db);
      if (Math.abs(p - shown) > 0.002) {
        shown = p;
        cover.style.transform = `scaleY(${(1 - p).toFixed(4)})`;
      }
      if (db >= heldDb) {
        heldDb = db;
        heldAt = now;
      } else if (now - heldAt > HOLD_MS) {
        heldDb = Math.max(db, heldDb - (FALL_DB_PER_S * FRAME_MS) / 1000);
      }
      const hp = meterDeflection(heldDb);
      if (Math.abs(hp - holdShown) > 0.002) {
        holdShown = hp;
        hold.style.transform = `translateY(${(-hp * 100).toFixed(2)}%)`;
        hold.classList.toggle('clip', heldDb >= -0.1);
      }
    },
  });
}

/** A gain-reduction bar hanging from the top, over `rangeDb` of reduction. */
export function reductionMeter(mix, address, bar, rangeDb = 24) {
  let shown = -1;
  return animate({
    draw() {
      const gr = mix.get(address);
      const p = Math.min(1, Math.max(0, (gr || 0) / rangeDb));
      if (Math.abs(p - shown) > 0.002) {
        shown = p;
        bar.style.transform = `scaleY(${p.toFixed(4)})`;
      }
    },
  });
}

/** Text that follows a fast-changing value (loudness, load). */
export function liveText(mix, address, el, format) {
  let shown;
  return animate({
    draw() {
      const t = format(mix.get(address));
      if (t !== shown) {
        shown = t;
        el.textContent = t;
      }
    },
  });
}
