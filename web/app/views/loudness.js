/**
 * The loudness panel: momentary, short-term and integrated loudness, loudness range and true peak,
 * each read against the chosen target (the live loudness target and the limiter's ceiling, which a
 * delivery preset sets together), and a scrolling graph of the last two minutes of short-term loudness.
 */
import { html, useEffect, useParam, useRef } from '../ui.js';
import { animate } from '../meters.js';
import { Param } from '../controls/param.js';

const GRAPH_SECONDS = 120;
const SAMPLES_PER_S = 10;
const GRAPH_LO = -40;
const GRAPH_HI = -4;

const fmt = (v, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

/** One figure, redrawn by the meter loop; `judge` returns a class (ok, high, low, over) for its colour. */
function Figure({ mix, a, title, unit, judge }) {
  const value = useRef(null);
  const box = useRef(null);
  useEffect(
    () =>
      animate({
        shown: undefined,
        cls: undefined,
        draw() {
          const v = mix.get(a);
          const t = fmt(v);
          if (t !== this.shown) {
            this.shown = t;
            value.current.textContent = t;
          }
          const c = judge ? judge(v) : '';
          if (c !== this.cls) {
            this.cls = c;
            box.current.dataset.state = c;
          }
        },
      }),
    [mix, a],
  );
  return html`<div class="figure" ref=${box} role="group" aria-label=${title}>
    <span class="title">${title}</span><span class="num" ref=${value}>–</span><span class="unit">${unit}</span>
  </div>`;
}

function ShortTermGraph({ mix }) {
  const canvas = useRef(null);
  useEffect(() => {
    const n = GRAPH_SECONDS * SAMPLES_PER_S;
    const data = new Float32Array(n).fill(NaN);
    let head = 0;
    let last = 0;
    const c = canvas.current;
    const ctx = c.getContext('2d');
    return animate({
      draw(now) {
        if (now - last < 1000 / SAMPLES_PER_S) return;
        last = now;
        data[head] = mix.get('/master/meter/shortterm');
        head = (head + 1) % n;
        const w = c.width;
        const h = c.height;
        const y = (v) => h - ((Math.min(GRAPH_HI, Math.max(GRAPH_LO, v)) - GRAPH_LO) / (GRAPH_HI - GRAPH_LO)) * h;
        ctx.clearRect(0, 0, w, h);
        const target = mix.get('/master/loudness/target');
        ctx.fillStyle = 'rgba(90, 200, 120, 0.12)';
        ctx.fillRect(0, y(target + 1), w, y(target - 1) - y(target + 1));
        ctx.strokeStyle = 'rgba(90, 200, 120, 0.7)';
        ctx.beginPath();
        ctx.moveTo(0, y(target));
        ctx.lineTo(w, y(target));
        ctx.stroke();
        ctx.strokeStyle = '#e8a33d';
        ctx.lineWidth = 2;
        ctx.beginPath();
        let pen = false;
        for (let i = 0; i < n; i++) {
          const v = data[(head + i) % n];
          const x = (i / (n - 1)) * w;
          if (!Number.isFinite(v)) {
            pen = false;
            continue;
          }
          if (pen) ctx.lineTo(x, y(v));
          else ctx.moveTo(x, y(v));
          pen = true;
        }
        ctx.stroke();
        ctx.lineWidth = 1;
      },
    });
  }, [mix]);
  return html`<canvas ref=${canvas} class="lu-graph" width="720" height="160" role="img" aria-label="Short-term loudness, last two minutes, against the target"></canvas>`;
}

function PresetPicker({ mix }) {
  const target = useParam(mix, '/master/loudness/target');
  const ceiling = useParam(mix, '/master/limiter/ceiling');
  const list = mix.layout.destinations ?? [];
  const current = list.find((d) => d.lufs === target && d.truePeak === ceiling);
  const pick = (e) => {
    const d = list.find((x) => x.name === e.currentTarget.value);
    if (!d) return;
    mix.set('/master/loudness/target', d.lufs);
    mix.set('/master/limiter/ceiling', d.truePeak);
  };
  return html`<label class="choice"><span class="label" aria-hidden="true">Target</span>
    <select aria-label="Loudness target preset" value=${current?.name ?? ''} disabled=${mix.readOnly} onChange=${pick}>
      <option value="" disabled>custom</option>
      ${list.map((d) => html`<option value=${d.name}>${d.name} (${d.lufs} LUFS, ${d.truePeak} dBTP)</option>`)}
    </select>
  </label>`;
}

export function LoudnessPanel({ mix }) {
  const near = (v) => {
    const t = mix.get('/master/loudness/target');
    if (!Number.isFinite(v)) return '';
    return v > t + 1 ? 'high' : v < t - 1 ? 'low' : 'ok';
  };
  const peak = (v) => (!Number.isFinite(v) ? '' : v > mix.get('/master/limiter/ceiling') ? 'over' : 'ok');
  return html`<section class="panel loudness" aria-label="Loudness">
    <h2>Loudness</h2>
    <div class="figures">
      <${Figure} mix=${mix} a="/master/meter/momentary" title="Momentary" unit="LUFS" judge=${near} />
      <${Figure} mix=${mix} a="/master/meter/shortterm" title="Short-term" unit="LUFS" judge=${near} />
      <${Figure} mix=${mix} a="/master/meter/integrated" title="Integrated" unit="LUFS" judge=${near} />
      <${Figure} mix=${mix} a="/master/meter/lra" title="Range" unit="LU" />
      <${Figure} mix=${mix} a="/master/meter/truepeak" title="True peak" unit="dBTP" judge=${peak} />
    </div>
    <${ShortTermGraph} mix=${mix} />
    <div class="params">
      <${PresetPicker} mix=${mix} />
      <${Param} mix=${mix} a="/master/loudness/target" label="Master loudness target" short="LUFS" />
      <${Param} mix=${mix} a="/master/limiter/ceiling" label="Master true-peak ceiling" short="dBTP" />
      <${Param} mix=${mix} a="/master/loudness/auto" label="Ride the master toward the loudness target" short="Auto" />
    </div>
  </section>`;
}
