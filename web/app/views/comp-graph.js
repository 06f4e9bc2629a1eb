/**
 * A compressor's static curve (output level against input level, make-up included) from the engine's
 * own Compressor.staticCurveDb, with the threshold marked and the live gain reduction beside it.
 */
import { html, useParams } from '../ui.js';
import { Compressor } from '../../lib/engine/dsp/compressor.ts';
import { Meter } from '../controls/meter.js';

const S = 200;
const LO = -60;
const HI = 0;
const pos = (db) => ((Math.min(HI + 12, Math.max(LO, db)) - LO) / (HI - LO)) * S;

export function CompGraph({ mix, base, label }) {
  const keys = ['on', 'threshold', 'ratio', 'knee', 'makeup', 'auto', 'attack', 'release'];
  const [on, thresholdDb, ratio, kneeDb, makeupDb, autoMakeup, attackMs, releaseMs] = useParams(mix, keys.map((k) => `${base}/comp/${k}`));
  const s = { thresholdDb, ratio, kneeDb, makeupDb, autoMakeup: !!autoMakeup, attackMs, releaseMs };
  let d = '';
  for (let i = 0; i <= 120; i++) {
    const x = LO + ((HI - LO) * i) / 120;
    d += `${i ? 'L' : 'M'}${pos(x).toFixed(1)},${(S - pos(Compressor.staticCurveDb(x, s))).toFixed(1)}`;
  }
  const grid = [-48, -36, -24, -12].map((db) => html`<line class="grid" x1=${pos(db)} x2=${pos(db)} y1="0" y2=${S} /><line class="grid" x1="0" x2=${S} y1=${S - pos(db)} y2=${S - pos(db)} /><text class="axis" x=${pos(db) + 2} y=${S - 3}>${db}</text>`);
  return html`<div class="comp-graph">
    <svg viewBox=${`0 0 ${S} ${S}`} role="img" aria-label=${label}>
      ${grid}
      <line class="unity" x1="0" y1=${S} x2=${S} y2="0" />
      <line class="threshold" x1=${pos(thresholdDb)} x2=${pos(thresholdDb)} y1="0" y2=${S} />
      <path class="curve ${on ? '' : 'off'}" d=${d} />
    </svg>
    <${Meter} mix=${mix} peak=${`${base}/meter/peak`} gr=${`${base}/meter/gr`} label=${`${label}: level and gain reduction`} />
  </div>`;
}
