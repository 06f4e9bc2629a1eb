/**
 * A fader or any other continuous control, for fingers first.
 *
 * - Each control follows its own pointer (pointer capture), so ten fingers move ten faders at once.
 * - Movement is relative: touching a fader never makes it jump; sliding moves it from where it is.
 *   With Fine on (toolbar) or Shift held, it moves a fifth as far: 0.05 dB steps near unity.
 * - While held, the daemon's feedback does not move it (Mix.hold); let go, and the newest value
 *   someone else set since the last move shows.
 * - A double tap sets the param's default (0 dB for a fader, centre for a pan).
 * - The keyboard works as on any ARIA slider: arrows, Page Up/Down, Home/End (Shift: finest step).
 *
 * The element is `role="slider"`, named by `label` ("Kick fader") with the value in its unit as
 * `aria-valuetext` ("-6.0 dB"); `aria-valuenow` is the travel in percent.
 */
import { html, useParam, useRef } from '../ui.js';
import { formatValue } from '../mix.js';

const DOUBLE_TAP_MS = 350;
const DOUBLE_TAP_PX = 24;
const FINE = 0.2;

/** dB marks beside a fader's track, placed by the fader law. */
const FADER_MARKS = [10, 5, 0, -5, -10, -20, -30, -40, -60];

function keyStep(d) {
  if (d.type === 'enum') return 1 / Math.max(1, d.values.length - 1);
  return d.taper === 'fader' ? 1 / 160 : 1 / 100;
}

export function Slider({ mix, a, label, orient = 'vertical', className = '', marks = false, short }) {
  const v = useParam(mix, a);
  const d = mix.def(a);
  const el = useRef(null);
  const drag = useRef(null);
  const tap = useRef({ t: -1e9, x: 0, y: 0 });
  if (!d) return null;
  const vertical = orient === 'vertical';
  const n = mix.norm(a, v);
  const text = formatValue(d, v);
  const disabled = mix.readOnly || d.ro;

  const down = (e) => {
    if (disabled || drag.current || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    const node = el.current;
    node.focus({ preventScroll: true });
    const t = tap.current;
    if (e.timeStamp - t.t < DOUBLE_TAP_MS && Math.hypot(e.clientX - t.x, e.clientY - t.y) < DOUBLE_TAP_PX) {
      tap.current = { t: -1e9, x: 0, y: 0 };
      mix.set(a, d.def);
      return;
    }
    tap.current = { t: e.timeStamp, x: e.clientX, y: e.clientY };
    node.setPointerCapture(e.pointerId);
    // The track's size is read once per touch, never while moving.
    const r = node.querySelector('.track').getBoundingClientRect();
    drag.current = { id: e.pointerId, last: vertical ? e.clientY : e.clientX, len: Math.max(40, vertical ? r.height : r.width), norm: mix.norm(a) };
    mix.hold(a);
    node.classList.add('held');
  };
  const move = (e) => {
    const g = drag.current;
    if (!g || e.pointerId !== g.id) return;
    const pos = vertical ? e.clientY : e.clientX;
    const delta = ((vertical ? g.last - pos : pos - g.last) / g.len) * (mix.fine || e.shiftKey ? FINE : 1);
    g.last = pos;
    if (delta === 0) return;
    // A touch that moved the control was a slide, not a tap: a quick touch after it is no double tap
    // (which would throw the fader back to its default in the middle of a move).
    tap.current = { t: -1e9, x: 0, y: 0 };
    // The travel is kept unrounded here: fine steps smaller than the param's step still add up.
    g.norm = Math.min(1, Math.max(0, g.norm + delta));
    const next = mix.fromNorm(a, g.norm);
    if (next !== mix.get(a)) mix.set(a, next);
  };
  const up = (e) => {
    const g = drag.current;
    if (!g || e.pointerId !== g.id) return;
    drag.current = null;
    el.current?.classList.remove('held');
    mix.release(a);
  };
  const key = (e) => {
    if (disabled) return;
    let dir = 0;
    let size = keyStep(d);
    switch (e.key) {
      case 'ArrowUp':
      case 'ArrowRight':
        dir = 1;
        break;
      case 'ArrowDown':
      case 'ArrowLeft':
        dir = -1;
        break;
      case 'PageUp':
        dir = 1;
        size *= 10;
        break;
      case 'PageDown':
        dir = -1;
        size *= 10;
        break;
      case 'Home':
        mix.set(a, mix.fromNorm(a, 0));
        e.preventDefault();
        return;
      case 'End':
        mix.set(a, mix.fromNorm(a, 1));
        e.preventDefault();
        return;
      default:
        return;
    }
    e.preventDefault();
    const cur = mix.get(a);
    if (e.shiftKey && d.type === 'number' && d.step && Number.isFinite(cur)) mix.set(a, cur + dir * d.step);
    else mix.set(a, mix.fromNorm(a, Math.min(1, Math.max(0, mix.norm(a) + dir * size))));
  };

  const pct = (n * 100).toFixed(2);
  const rail = { transform: vertical ? `translateY(${-pct}%)` : `translateX(${pct}%)` };
  return html`
    <div
      ref=${el}
      class="slider ${orient} ${className} ${d.taper === 'fader' ? 'fader' : ''}"
      role="slider"
      tabindex="0"
      aria-label=${label}
      aria-orientation=${orient}
      aria-valuemin="0"
      aria-valuemax="100"
      aria-valuenow=${Math.round(n * 100)}
      aria-valuetext=${text}
      aria-readonly=${disabled ? 'true' : undefined}
      data-address=${a}
      onPointerDown=${down}
      onPointerMove=${move}
      onPointerUp=${up}
      onPointerCancel=${up}
      onLostPointerCapture=${up}
      onKeyDown=${key}
    >
      ${short ? html`<span class="label" aria-hidden="true">${short}</span>` : null}
      <div class="track">
        ${marks && d.taper === 'fader'
          ? html`<div class="scale" aria-hidden="true">
              ${FADER_MARKS.map((db) => html`<span class="mark" style=${{ bottom: `${(d.taperFn.toNormalized(db) * 100).toFixed(2)}%` }}>${db > 0 ? `+${db}` : db}</span>`)}
            </div>`
          : null}
        <div class="fill" style=${{ transform: `${vertical ? 'scaleY' : 'scaleX'}(${n})` }}></div>
        <div class="rail" style=${rail}><div class="cap"></div></div>
      </div>
      <span class="value" aria-hidden="true">${text}</span>
    </div>
  `;
}
