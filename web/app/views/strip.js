/**
 * A strip as on a console: name (tap to open its settings), pan, mute and solo, the fader with its
 * meter. Channels, buses and fx returns share it; `fader` may point at a send level instead (the
 * sends-on-faders view), in which case the fader is named for the send.
 */
import { html, useParam } from '../ui.js';
import { Slider } from '../controls/slider.js';
import { Toggle } from '../controls/buttons.js';
import { Meter } from '../controls/meter.js';

export function stripName(mix, base) {
  return base === '/master' ? 'Master' : String(mix.get(`${base}/name`) ?? base);
}

export function Strip({ mix, base, kind, fader, faderLabel, extra, onEdit, selected }) {
  const name = useParam(mix, `${base}/name`);
  const a = fader ?? `${base}/fader`;
  return html`<section class="strip ${kind} ${selected ? 'selected' : ''}" aria-label=${name}>
    <button type="button" class="name" aria-label=${`Edit ${name}`} onClick=${onEdit}>${name}</button>
    <${Slider} mix=${mix} a=${`${base}/pan`} label=${`${name} pan`} orient="horizontal" className="pan" />
    <div class="buttons">
      <${Toggle} mix=${mix} a=${`${base}/mute`} label=${`Mute ${name}`} text="M" className="mute" />
      <${Toggle} mix=${mix} a=${`${base}/solo`} label=${`Solo ${name}`} text="S" className="solo" />
    </div>
    ${extra ?? null}
    <div class="fader-area">
      <${Meter} mix=${mix} peak=${`${base}/meter/peak`} gr=${`${base}/meter/gr`} label=${`${name} level`} />
      <${Slider} mix=${mix} a=${a} label=${faderLabel ?? `${name} fader`} marks=${true} />
    </div>
  </section>`;
}

export function MasterStrip({ mix, onEdit }) {
  return html`<section class="strip master" aria-label="Master">
    <button type="button" class="name" aria-label="Edit Master" onClick=${onEdit}>Master</button>
    <div class="buttons">
      <${Toggle} mix=${mix} a="/master/mute" label="Mute Master" text="M" className="mute" />
    </div>
    <div class="fader-area">
      <${Meter} mix=${mix} peak="/master/meter/peak" gr="/master/meter/gr" label="Master level" />
      <${Slider} mix=${mix} a="/master/fader" label="Master fader" marks=${true} />
    </div>
  </section>`;
}
