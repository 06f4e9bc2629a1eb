/**
 * A strip's meter: post-fader peak with peak hold (red when it reached 0 dBFS), and beside it the
 * gain reduction of its gate and compressor hanging from the top. Drawn by the meter loop, not Preact.
 */
import { html, useEffect, useRef } from '../ui.js';
import { levelMeter, reductionMeter } from '../meters.js';

export function Meter({ mix, peak, gr, label }) {
  const cover = useRef(null);
  const hold = useRef(null);
  const grBar = useRef(null);
  useEffect(() => levelMeter(mix, peak, cover.current, hold.current), [mix, peak]);
  useEffect(() => (gr ? reductionMeter(mix, gr, grBar.current) : undefined), [mix, gr]);
  return html`<div class="meter" role="img" aria-label=${label}>
    <div class="level"><div class="cover" ref=${cover}></div><div class="hold" ref=${hold}></div></div>
    ${gr ? html`<div class="gr"><div class="bar" ref=${grBar}></div></div>` : null}
  </div>`;
}
