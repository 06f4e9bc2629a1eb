/**
 * The mixer: every channel, then the buses and fx returns, with the master pinned at the right edge.
 * Strips scroll sideways on a phone; each strip's name opens its settings.
 */
import { html } from '../ui.js';
import { MasterStrip, Strip } from './strip.js';

export function MixerView({ mix, go }) {
  const L = mix.layout;
  const group = (label, kind, list, prefix) =>
    list.length === 0
      ? null
      : html`<div class="group ${kind}" role="group" aria-label=${label}>
          ${list.map((_, i) => html`<${Strip} key=${i} mix=${mix} base=${`${prefix}/${i + 1}`} kind=${kind} onEdit=${() => go(`strip${prefix}/${i + 1}`)} />`)}
        </div>`;
  return html`<div class="strips">
    ${group('Channels', 'ch', L.channels, '/ch')} ${group('Buses', 'bus', L.buses, '/bus')} ${group('FX returns', 'fx', L.fx, '/fx')}
    <div class="group master-group"><${MasterStrip} mix=${mix} onEdit=${() => go('master')} /></div>
  </div>`;
}
