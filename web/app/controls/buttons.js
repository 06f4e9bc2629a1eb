/**
 * On/off buttons and choice lists bound to params. A toggle is a real `<button>` with `aria-pressed`,
 * named for what it does ("Mute Kick"), whatever short text it shows ("M").
 */
import { html, useParam } from '../ui.js';

export function Toggle({ mix, a, label, text, className = '' }) {
  const v = useParam(mix, a);
  const d = mix.def(a);
  if (!d) return null;
  return html`<button
    type="button"
    class="toggle ${className} ${v ? 'on' : ''}"
    aria-pressed=${v ? 'true' : 'false'}
    aria-label=${label}
    disabled=${mix.readOnly}
    data-address=${a}
    onClick=${() => mix.set(a, !mix.get(a))}
  >${text ?? label}</button>`;
}

export function Choice({ mix, a, label, short, className = '' }) {
  const v = useParam(mix, a);
  const d = mix.def(a);
  if (!d) return null;
  return html`<label class="choice ${className}">
    <span class="label" aria-hidden="true">${short ?? label}</span>
    <select aria-label=${label} value=${v} disabled=${mix.readOnly} data-address=${a} onChange=${(e) => mix.set(a, e.currentTarget.value)}>
      ${d.values.map((x) => html`<option value=${x}>${x}</option>`)}
    </select>
  </label>`;
}
