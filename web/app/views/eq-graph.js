/**
 * The EQ as a response curve you can drag: the high-pass and the four bands, computed with the
 * engine's own filter classes (src/engine/dsp/biquad.ts, served to the page as it is), so the curve is
 * exactly what the strip does at the session's sample rate. Drag a numbered handle sideways for its
 * frequency and up or down for its gain; the wheel over a handle changes its Q; a double tap puts its
 * gain back to 0 dB. The sliders under the graph are the same params, for fingers and screen readers.
 */
import { html, useEffect, useMemo, useParams, useRef, useState } from '../ui.js';
import { Biquad, HighPass } from '../../lib/engine/dsp/biquad.ts';

const F_MIN = 20;
const F_MAX = 20000;
const DB_RANGE = 18;
const POINTS = 180;
const DECADES = Math.log10(F_MAX / F_MIN);
const HAS_GAIN = new Set(['peak', 'lowshelf', 'highshelf']);
const FREQS = Array.from({ length: POINTS }, (_, i) => F_MIN * Math.pow(10, (i / (POINTS - 1)) * DECADES));

/** Screen coordinates for a graph W x H pixels: drawn in real pixels, so handles stay finger-sized. */
function axes(W, H) {
  const x = (f) => (Math.log10(f / F_MIN) / DECADES) * W;
  const y = (db) => H / 2 - (Math.max(-DB_RANGE * 1.5, Math.min(DB_RANGE * 1.5, db)) / DB_RANGE) * (H / 2);
  return {
    x,
    y,
    freq: (px) => F_MIN * Math.pow(10, (Math.min(W, Math.max(0, px)) / W) * DECADES),
    db: (py) => ((H / 2 - py) / (H / 2)) * DB_RANGE,
    path(dbs) {
      let d = '';
      for (let i = 0; i < FREQS.length; i++) d += `${i ? 'L' : 'M'}${x(FREQS[i]).toFixed(1)},${y(dbs[i]).toFixed(1)}`;
      return d;
    },
  };
}

const sig3 = (f) => {
  const p = Math.pow(10, Math.floor(Math.log10(f)) - 2);
  return Math.round(f / p) * p;
};

export function EqGraph({ mix, base, bands = 4, hpf = true, label }) {
  const sr = mix.layout.sampleRate;
  const filters = useMemo(() => ({ bands: Array.from({ length: bands }, () => new Biquad(sr)), hpf: new HighPass(sr, 1) }), [sr, bands]);
  const addrs = [`${base}/eq/on`];
  for (let k = 1; k <= bands; k++) for (const p of ['type', 'freq', 'gain', 'q']) addrs.push(`${base}/eq/${k}/${p}`);
  if (hpf) addrs.push(`${base}/hpf/on`, `${base}/hpf/freq`, `${base}/hpf/slope`);
  useParams(mix, addrs);
  const svg = useRef(null);
  const drag = useRef(null);
  const [W, setW] = useState(600);
  useEffect(() => {
    const ro = new ResizeObserver((entries) => setW(Math.max(240, Math.round(entries[0].contentRect.width))));
    ro.observe(svg.current);
    return () => ro.disconnect();
  }, []);
  const H = Math.round(Math.min(300, Math.max(180, W * 0.32)));
  const ax = axes(W, H);

  const eqOn = !!mix.get(`${base}/eq/on`);
  const band = (k) => ({ type: mix.get(`${base}/eq/${k}/type`), freq: mix.get(`${base}/eq/${k}/freq`), gain: mix.get(`${base}/eq/${k}/gain`), q: mix.get(`${base}/eq/${k}/q`) });
  const bandDbs = [];
  for (let k = 1; k <= bands; k++) {
    const b = band(k);
    const f = filters.bands[k - 1];
    f.configure(b.type, b.freq, b.q, b.gain);
    bandDbs.push(FREQS.map((x) => f.magnitudeDb(x)));
  }
  const hpfOn = hpf && !!mix.get(`${base}/hpf/on`);
  if (hpf) filters.hpf.configure(mix.get(`${base}/hpf/freq`), mix.get(`${base}/hpf/slope`) === '24db' ? 24 : 12);
  const total = FREQS.map((x, i) => (hpfOn ? filters.hpf.magnitudeDb(x) : 0) + (eqOn ? bandDbs.reduce((s, dbs) => s + dbs[i], 0) : 0));

  const down = (e, k) => {
    e.preventDefault();
    e.stopPropagation();
    const r = svg.current.getBoundingClientRect();
    const node = e.currentTarget;
    const now = e.timeStamp;
    const prev = drag.current?.lastTap?.[k] ?? -1e9;
    const taps = { ...(drag.current?.lastTap ?? {}), [k]: now };
    const prefix = k === 'hpf' ? `${base}/hpf` : `${base}/eq/${k}`;
    if (k !== 'hpf' && now - prev < 350) {
      mix.set(`${prefix}/gain`, 0);
      drag.current = { lastTap: {} };
      return;
    }
    node.setPointerCapture(e.pointerId);
    drag.current = { id: e.pointerId, k, prefix, left: r.left, top: r.top, lastTap: taps };
    mix.hold(`${prefix}/freq`);
    if (k !== 'hpf') mix.hold(`${prefix}/gain`);
  };
  const move = (e) => {
    const g = drag.current;
    if (!g || g.id !== e.pointerId) return;
    mix.set(`${g.prefix}/freq`, sig3(ax.freq(e.clientX - g.left)));
    if (g.k !== 'hpf' && HAS_GAIN.has(mix.get(`${g.prefix}/type`))) mix.set(`${g.prefix}/gain`, Math.round(ax.db(e.clientY - g.top) * 10) / 10);
  };
  const up = (e) => {
    const g = drag.current;
    if (!g || g.id !== e.pointerId) return;
    mix.release(`${g.prefix}/freq`);
    if (g.k !== 'hpf') mix.release(`${g.prefix}/gain`);
    drag.current = { lastTap: g.lastTap };
  };
  const wheel = (e, k) => {
    e.preventDefault();
    const a = `${base}/eq/${k}/q`;
    mix.set(a, Math.round(mix.get(a) * Math.pow(1.1, e.deltaY < 0 ? 1 : -1) * 100) / 100);
  };

  const grid = [];
  for (const f of [50, 100, 200, 500, 1000, 2000, 5000, 10000]) grid.push(html`<line class="grid" x1=${ax.x(f)} x2=${ax.x(f)} y1="0" y2=${H} />`, html`<text class="axis" x=${ax.x(f) + 3} y=${H - 4}>${f >= 1000 ? `${f / 1000}k` : f}</text>`);
  for (const db of [-12, -6, 6, 12]) grid.push(html`<line class="grid" x1="0" x2=${W} y1=${ax.y(db)} y2=${ax.y(db)} />`, html`<text class="axis" x="3" y=${ax.y(db) - 3}>${db > 0 ? `+${db}` : db}</text>`);
  const handles = [];
  if (hpf) {
    const f = mix.get(`${base}/hpf/freq`);
    handles.push(html`<g class="handle hpf ${hpfOn ? '' : 'off'}" transform=${`translate(${ax.x(f)},${ax.y(hpfOn ? filters.hpf.magnitudeDb(f) : 0)})`} onPointerDown=${(e) => down(e, 'hpf')} onPointerMove=${move} onPointerUp=${up} onPointerCancel=${up}><circle r="15" /><text dy="5">H</text></g>`);
  }
  for (let k = 1; k <= bands; k++) {
    const b = band(k);
    const y = HAS_GAIN.has(b.type) ? ax.y(b.gain) : ax.y(bandDbs[k - 1][FREQS.findIndex((x) => x >= b.freq)] ?? 0);
    handles.push(
      html`<g class="handle band${k} ${eqOn ? '' : 'off'}" data-band=${k} transform=${`translate(${ax.x(b.freq).toFixed(1)},${y.toFixed(1)})`} onPointerDown=${(e) => down(e, k)} onPointerMove=${move} onPointerUp=${up} onPointerCancel=${up} onWheel=${(e) => wheel(e, k)}><circle r="15" /><text dy="5">${k}</text></g>`,
    );
  }
  return html`<svg ref=${svg} class="eq-graph" viewBox=${`0 0 ${W} ${H}`} style=${{ height: `${H}px` }} role="img" aria-label=${label}>
    ${grid}
    <line class="zero" x1="0" x2=${W} y1=${H / 2} y2=${H / 2} />
    ${eqOn ? bandDbs.map((dbs, i) => html`<path class="band-curve band${i + 1}" d=${ax.path(dbs)} />`) : null}
    <path class="curve ${eqOn || hpfOn ? '' : 'off'}" d=${ax.path(total)} />
    <g aria-hidden="true">${handles}</g>
  </svg>`;
}
