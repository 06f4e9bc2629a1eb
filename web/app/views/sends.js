/**
 * Sends on faders: pick a bus (a monitor mix) or an fx return, and every channel's fader becomes its
 * send to it, with the bus's own strip at the end. This is what a musician's monitor mix is made with
 * from the stage.
 */
import { html, useParam } from '../ui.js';
import { Strip } from './strip.js';
import { Toggle } from '../controls/buttons.js';

function TargetTab({ mix, base, current, go, route }) {
  const name = useParam(mix, `${base}/name`);
  return html`<button type="button" class="tab ${current ? 'on' : ''}" aria-pressed=${current ? 'true' : 'false'} onClick=${() => go(route)}>${name}</button>`;
}

function SendStrip({ mix, base, kind, send, target, go }) {
  const name = useParam(mix, `${base}/name`);
  const pre = html`<${Toggle} mix=${mix} a=${`${send}/pre`} label=${`Pre-fader send from ${name} to ${target}`} text="Pre" className="pre" />`;
  return html`<${Strip} mix=${mix} base=${base} kind=${kind} fader=${`${send}/level`} faderLabel=${`${name} to ${target} fader`} extra=${pre} onEdit=${() => go(`strip${base}`)} />`;
}

export function SendsView({ mix, go, target }) {
  const L = mix.layout;
  const [kind, idx] = target ?? ['bus', 1];
  const tBase = `/${kind}/${idx}`;
  const tName = useParam(mix, `${tBase}/name`);
  const sendPath = kind === 'bus' ? `send/${idx}` : `fxsend/${idx}`;
  if (mix.get(`${tBase}/name`) === undefined) return html`<p class="empty">This session has no buses or fx returns to send to.</p>`;
  const sources = [...L.channels.map((_, i) => ({ base: `/ch/${i + 1}`, kind: 'ch' })), ...(kind === 'fx' ? L.buses.map((_, j) => ({ base: `/bus/${j + 1}`, kind: 'bus' })) : [])];
  return html`<div class="sends">
    <nav class="targets" aria-label="Send to">
      ${L.buses.map((_, j) => html`<${TargetTab} mix=${mix} base=${`/bus/${j + 1}`} current=${kind === 'bus' && idx === j + 1} go=${go} route=${`sends/bus/${j + 1}`} />`)}
      ${L.fx.map((_, k) => html`<${TargetTab} mix=${mix} base=${`/fx/${k + 1}`} current=${kind === 'fx' && idx === k + 1} go=${go} route=${`sends/fx/${k + 1}`} />`)}
    </nav>
    <div class="strips">
      <div class="group" role="group" aria-label=${`Sends to ${tName}`}>
        ${sources.map((s) => html`<${SendStrip} key=${s.base} mix=${mix} base=${s.base} kind=${s.kind} send=${`${s.base}/${sendPath}`} target=${tName} go=${go} />`)}
      </div>
      <div class="group master-group"><${Strip} mix=${mix} base=${tBase} kind=${kind} onEdit=${() => go(`strip${tBase}`)} /></div>
    </div>
  </div>`;
}
