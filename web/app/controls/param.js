/**
 * The right control for any param: a horizontal slider for numbers, a toggle for on/off, a list for
 * choices, a text field for names. `label` is the full accessible name ("Kick gate threshold");
 * `short` is what shows ("Threshold").
 */
import { html, useParam } from '../ui.js';
import { Slider } from './slider.js';
import { Choice, Toggle } from './buttons.js';

function TextParam({ mix, a, label, short }) {
  const v = useParam(mix, a);
  const commit = (e) => {
    const t = e.currentTarget.value.trim();
    if (t && t !== mix.get(a)) mix.set(a, t.slice(0, 32));
  };
  return html`<label class="text-param"><span class="label" aria-hidden="true">${short}</span>
    <input type="text" maxlength="32" aria-label=${label} value=${v} disabled=${mix.readOnly} onChange=${commit} onKeyDown=${(e) => e.key === 'Enter' && e.currentTarget.blur()} />
  </label>`;
}

export function Param({ mix, a, label, short }) {
  const d = mix.def(a);
  if (!d) return null;
  switch (d.type) {
    case 'bool':
      return html`<${Toggle} mix=${mix} a=${a} label=${label} text=${short} />`;
    case 'enum':
      return html`<${Choice} mix=${mix} a=${a} label=${label} short=${short} />`;
    case 'text':
      return html`<${TextParam} mix=${mix} a=${a} label=${label} short=${short} />`;
    default:
      return html`<${Slider} mix=${mix} a=${a} label=${label} short=${short} orient="horizontal" />`;
  }
}

/**
 * A titled group of params: `[suffix, short, long?]` under `base`, each named "<name> <long>" (long
 * defaults to "<title> <short>"). The section's own switch (a suffix ending in `on`) sits in its title.
 */
export function Section({ mix, title, name, base, params, children, className = '' }) {
  const param = ([suffix, short, long]) => html`<${Param} mix=${mix} a=${`${base}/${suffix}`} label=${`${name} ${long ?? `${title} ${short}`.toLowerCase()}`} short=${short} />`;
  const main = params.find(([suffix]) => suffix === 'on' || suffix.endsWith('/on'));
  return html`<section class="panel ${className}" aria-label=${`${name} ${title}`}>
    <h2><span>${title}</span>${main ? param(main) : null}</h2>
    ${children ?? null}
    <div class="params">${params.filter((p) => p !== main).map(param)}</div>
  </section>`;
}
