/**
 * Status: the audio device and how it runs (state, scheduling, DSP load, late and dropped blocks),
 * the surfaces and whether each is connected, and this page's own connection.
 */
import { html, useEffect, useParam, useRef } from '../ui.js';
import { liveText } from '../meters.js';

function Live({ mix, a, format }) {
  const el = useRef(null);
  useEffect(() => liveText(mix, a, el.current, format), [mix, a]);
  return html`<span ref=${el}></span>`;
}

function Row({ title, children }) {
  return html`<tr><th scope="row">${title}</th><td>${children}</td></tr>`;
}

function Surface({ mix, id }) {
  const on = useParam(mix, `/surface/${id}/connected`);
  return html`<li class=${on ? 'ok' : 'bad'}>${id}: ${on ? 'connected' : 'not connected'}</li>`;
}

const pct = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} %` : '–');
const count = (v) => (Number.isFinite(v) ? String(Math.round(v)) : '–');

export function StatusView({ mix, connection }) {
  const state = useParam(mix, '/status/audio/state');
  const device = useParam(mix, '/status/audio/device');
  const scheduling = useParam(mix, '/status/audio/scheduling');
  const L = mix.layout;
  return html`<div class="status-view">
    <section class="panel" aria-label="Audio">
      <h2>Audio</h2>
      <table>
        <${Row} title="Device">${device || '–'}<//>
        <${Row} title="State">${state}<//>
        <${Row} title="Scheduling">${scheduling || '–'}<//>
        <${Row} title="Sample rate">${L.sampleRate} Hz<//>
        <${Row} title="DSP load (mean)"><${Live} mix=${mix} a="/status/load/mean" format=${pct} /><//>
        <${Row} title="DSP load (worst block)"><${Live} mix=${mix} a="/status/load/max" format=${pct} /><//>
        <${Row} title="Blocks"><${Live} mix=${mix} a="/status/blocks" format=${count} /><//>
        <${Row} title="Late blocks"><${Live} mix=${mix} a="/status/late" format=${count} /><//>
        <${Row} title="Dropped blocks"><${Live} mix=${mix} a="/status/dropped" format=${count} /><//>
      </table>
    </section>
    <section class="panel" aria-label="Surfaces">
      <h2>Surfaces</h2>
      ${L.surfaces.length === 0 ? html`<p class="empty">No surfaces in this session.</p>` : html`<ul class="surfaces">${L.surfaces.map((id) => html`<${Surface} mix=${mix} id=${id} />`)}</ul>`}
    </section>
    <section class="panel" aria-label="This page">
      <h2>This page</h2>
      <table>
        <${Row} title="Session">${L.session}<//>
        <${Row} title="Connection">${connection}<//>
        <${Row} title="Access">${mix.readOnly ? 'read-only (this address may watch, not change)' : 'full control'}<//>
      </table>
    </section>
  </div>`;
}
