/**
 * Boot: connect, fetch the layout, draw the mixer, then keep it live. On every (re)connection the page
 * subscribes to changes and to the meters, then asks for every value (a query of a pattern is answered
 * with every match), so it shows the live mix at once, and again after the daemon restarts. A layout
 * that changed (another session) redraws the page.
 */
import { html, render, store } from './ui.js';
import { Mix } from './mix.js';
import { OscLink } from './osc-link.js';
import { App } from './app.js';

/** Changes of every non-meter param, plus these fast-moving ones. */
const LIVE = ['/ch/*/meter/*', '/bus/*/meter/*', '/fx/*/meter/*', '/master/meter/*', '/status/*', '/status/audio/*', '/surface/*/connected'];
/** Every address is one to five segments deep. */
const EVERYTHING = ['/*/*', '/*/*/*', '/*/*/*/*', '/*/*/*/*/*'];

const root = document.getElementById('app');
const connection = store('connecting');
let mix;
let layoutKey = '';

const subscribe = () => {
  link.send('/subscribe');
  link.send('/subscribe', LIVE.map((p) => ({ type: 's', value: p })));
};

async function onOpen() {
  let layout;
  try {
    const r = await fetch('/api/layout', { cache: 'no-store' });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    layout = await r.json();
  } catch (e) {
    console.warn(`faderd: cannot read the layout (${e.message}); retrying`);
    link.ws?.close();
    return;
  }
  const key = JSON.stringify(layout);
  if (key !== layoutKey) {
    layoutKey = key;
    document.title = `${layout.session} · faderd`;
    mix = new Mix(layout, link);
    render(null, root);
    root.textContent = '';
    render(html`<${App} mix=${mix} connection=${connection} />`, root);
  }
  subscribe();
  for (const p of EVERYTHING) link.send(p);
  // Marks the page for tests and tools: values are on their way.
  document.documentElement.dataset.connected = 'true';
}

const link = new OscLink({
  onOpen: () => void onOpen(),
  onMessage: (address, args) => {
    if (mix && args.length) mix.receive(address, args[0]);
  },
  onState: (s) => {
    connection.set(s);
    if (s !== 'open') document.documentElement.dataset.connected = 'false';
  },
  renew: subscribe,
});
link.connect();
