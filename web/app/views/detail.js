/**
 * One strip in full (a channel, bus or fx return): input, high-pass, gate, the EQ curve with its
 * bands, the compressor with its curve, saturation, sends and the effect's own settings, next to the
 * strip's fader and meter.
 */
import { html, useParam } from '../ui.js';
import { Param, Section } from '../controls/param.js';
import { Strip } from './strip.js';
import { EqGraph } from './eq-graph.js';
import { CompGraph } from './comp-graph.js';

/** Every strip of the session in console order, as [base, label]. */
export function allStrips(mix) {
  const L = mix.layout;
  return [...L.channels.map((_, i) => `/ch/${i + 1}`), ...L.buses.map((_, j) => `/bus/${j + 1}`), ...L.fx.map((_, k) => `/fx/${k + 1}`)];
}

function StripPicker({ mix, base, go }) {
  const list = allStrips(mix);
  const i = list.indexOf(base);
  useParam(mix, `${base}/name`);
  return html`<div class="picker">
    <button type="button" aria-label="Previous strip" disabled=${i <= 0} onClick=${() => go(`strip${list[i - 1]}`)}>‹</button>
    <select aria-label="Strip" value=${base} onChange=${(e) => go(`strip${e.currentTarget.value}`)}>
      ${list.map((b) => html`<option value=${b}>${mix.get(`${b}/name`)}</option>`)}
    </select>
    <button type="button" aria-label="Next strip" disabled=${i >= list.length - 1} onClick=${() => go(`strip${list[i + 1]}`)}>›</button>
  </div>`;
}

const EQ_BAND_PARAMS = (k) => [
  [`eq/${k}/type`, 'Shape', `EQ band ${k} shape`],
  [`eq/${k}/freq`, 'Freq', `EQ band ${k} frequency`],
  [`eq/${k}/gain`, 'Gain', `EQ band ${k} gain`],
  [`eq/${k}/q`, 'Q', `EQ band ${k} Q`],
];

export function EqSection({ mix, base, name, hpf, extra = [] }) {
  return html`<${Section} mix=${mix} title="EQ" name=${name} base=${base} className="eq" params=${[['eq/on', 'On', 'EQ'], ...extra]}>
    <${EqGraph} mix=${mix} base=${base} hpf=${hpf} label=${`${name} EQ response`} />
    <div class="bands">
      ${[1, 2, 3, 4].map((k) => html`<div class="band band${k}" role="group" aria-label=${`${name} EQ band ${k}`}>
        <h3>${k}</h3>
        ${EQ_BAND_PARAMS(k).map(([s, short, long]) => html`<${Param} mix=${mix} a=${`${base}/${s}`} label=${`${name} ${long}`} short=${short} />`)}
      </div>`)}
    </div>
  </${Section}>`;
}

export function CompSection({ mix, base, name, title = 'Compressor' }) {
  return html`<${Section}
    mix=${mix}
    title=${title}
    name=${name}
    base=${base}
    className="comp"
    params=${[
      ['comp/on', 'On', title.toLowerCase()],
      ['comp/threshold', 'Threshold'],
      ['comp/ratio', 'Ratio'],
      ['comp/knee', 'Knee'],
      ['comp/attack', 'Attack'],
      ['comp/release', 'Release'],
      ['comp/makeup', 'Make-up'],
      ['comp/auto', 'Auto', `${title.toLowerCase()} automatic make-up`],
    ]}
  >
    <${CompGraph} mix=${mix} base=${base} label=${`${name} ${title.toLowerCase()} curve`} />
  </${Section}>`;
}

function Sends({ mix, base, name }) {
  const L = mix.layout;
  const rows = [];
  if (base.startsWith('/ch/')) L.buses.forEach((_, j) => rows.push([`send/${j + 1}`, `/bus/${j + 1}`]));
  if (!base.startsWith('/fx/')) L.fx.forEach((_, k) => rows.push([`fxsend/${k + 1}`, `/fx/${k + 1}`]));
  if (rows.length === 0) return null;
  return html`<section class="panel sends-panel" aria-label=${`${name} sends`}>
    <h2>Sends</h2>
    <div class="params">
      ${rows.map(([s, target]) => html`<${SendRow} mix=${mix} a=${`${base}/${s}`} name=${name} target=${target} />`)}
    </div>
  </section>`;
}

function SendRow({ mix, a, name, target }) {
  const t = useParam(mix, `${target}/name`);
  return html`<div class="send-row">
    <${Param} mix=${mix} a=${`${a}/level`} label=${`${name} to ${t} send level`} short=${t} />
    <${Param} mix=${mix} a=${`${a}/pre`} label=${`Pre-fader send from ${name} to ${t}`} short="Pre" />
  </div>`;
}

function Effect({ mix, base, name }) {
  const own = [...mix.defs.keys()].filter((a) => a.startsWith(`${base}/`) && a.split('/').length === 4 && !/\/(name|trim|polarity|fader|pan|mute|solo)$/.test(a));
  if (own.length === 0) return null;
  const title = (a) => a.slice(base.length + 1).replace(/^./, (c) => c.toUpperCase());
  return html`<${Section} mix=${mix} title="Effect" name=${name} base=${base} params=${own.map((a) => [a.slice(base.length + 1), title(a), title(a).toLowerCase()])} />`;
}

export function DetailView({ mix, base, go }) {
  const name = String(useParam(mix, `${base}/name`));
  if (!mix.def(`${base}/name`)) return html`<p class="empty">No strip ${base} in this session.</p>`;
  return html`<div class="detail">
    <div class="detail-strip"><${Strip} mix=${mix} base=${base} kind=${base.split('/')[1]} onEdit=${() => go('mixer')} selected=${true} /></div>
    <div class="detail-main">
      <header class="detail-head">
        <${StripPicker} mix=${mix} base=${base} go=${go} />
        <${Param} mix=${mix} a=${`${base}/name`} label=${`Name of ${name}`} short="Name" />
      </header>
      <div class="panels">
        <${Section} mix=${mix} title="Input" name=${name} base=${base} params=${[['trim', 'Trim', 'trim'], ['polarity', 'Ø', 'polarity invert']]} />
        <${Section} mix=${mix} title="High-pass" name=${name} base=${base} params=${[['hpf/on', 'On', 'high-pass filter'], ['hpf/freq', 'Freq', 'high-pass frequency'], ['hpf/slope', 'Slope', 'high-pass slope']]} />
        <${Section}
          mix=${mix}
          title="Gate"
          name=${name}
          base=${base}
          params=${[['gate/on', 'On', 'gate'], ['gate/threshold', 'Threshold'], ['gate/range', 'Range'], ['gate/attack', 'Attack'], ['gate/hold', 'Hold'], ['gate/release', 'Release']]}
        />
        <${EqSection} mix=${mix} base=${base} name=${name} hpf=${true} />
        <${CompSection} mix=${mix} base=${base} name=${name} />
        <${Section} mix=${mix} title="Saturation" name=${name} base=${base} params=${[['sat/on', 'On', 'saturation'], ['sat/drive', 'Drive'], ['sat/mix', 'Mix']]} />
        <${Sends} mix=${mix} base=${base} name=${name} />
        <${Effect} mix=${mix} base=${base} name=${name} />
      </div>
    </div>
  </div>`;
}
