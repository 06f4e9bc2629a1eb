/**
 * The page's frame: the top bar (views, the Fine switch, scene, load, connection) and the view the
 * address's hash names: #mixer, #sends/bus/1, #strip/ch/3, #master, #scenes, #status. A banner says
 * so whenever the page is not connected; controls are dimmed until it is back.
 */
import { html, useEffect, useParam, useRef, useState, useStore } from './ui.js';
import { liveText } from './meters.js';
import { MixerView } from './views/mixer.js';
import { SendsView } from './views/sends.js';
import { DetailView } from './views/detail.js';
import { MasterView } from './views/master.js';
import { ScenesView } from './views/scenes.js';
import { StatusView } from './views/status.js';

function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const idx = Number(parts[2]);
  switch (parts[0]) {
    case 'sends':
      return { view: 'sends', target: (parts[1] === 'bus' || parts[1] === 'fx') && idx >= 1 ? [parts[1], idx] : undefined };
    case 'strip':
      return { view: 'strip', base: `/${parts[1]}/${idx}` };
    case 'master':
    case 'scenes':
    case 'status':
      return { view: parts[0] };
    default:
      return { view: 'mixer' };
  }
}

const TABS = [
  ['mixer', 'Mixer'],
  ['sends', 'Sends'],
  ['strip', 'Channel'],
  ['master', 'Master'],
  ['scenes', 'Scenes'],
  ['status', 'Status'],
];

function Load({ mix }) {
  const el = useRef(null);
  useEffect(() => liveText(mix, '/status/load/mean', el.current, (v) => (Number.isFinite(v) ? `DSP ${Math.round(v)}%` : '')), [mix]);
  return html`<span class="load" ref=${el}></span>`;
}

function Trouble({ mix }) {
  const el = useRef(null);
  useEffect(
    () =>
      liveText(mix, '/status/late', el.current, () => {
        const late = mix.get('/status/late') || 0;
        const dropped = mix.get('/status/dropped') || 0;
        return late || dropped ? `${late} late, ${dropped} dropped` : '';
      }),
    [mix],
  );
  return html`<span class="trouble" ref=${el}></span>`;
}

/** Fine adjustment for every control while on (Shift does the same for one move). */
function Fine({ mix }) {
  const [on, setOn] = useState(mix.fine);
  const flip = () => {
    mix.fine = !on;
    setOn(!on);
  };
  return html`<button type="button" class="toggle fine ${on ? 'on' : ''}" aria-pressed=${on ? 'true' : 'false'} aria-label="Fine adjustment" onClick=${flip}>Fine</button>`;
}

export function App({ mix, connection }) {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  const conn = useStore(connection);
  const scene = useParam(mix, '/scene/current');
  const lastStrip = useRef('/ch/1');
  const lastSends = useRef(undefined);
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  const go = (r) => {
    if (location.hash !== `#${r}`) location.hash = r;
    else setRoute(parseRoute(location.hash));
  };
  if (route.view === 'strip') lastStrip.current = route.base;
  if (route.view === 'sends' && route.target) lastSends.current = route.target;
  const tabRoute = (v) => (v === 'strip' ? `strip${lastStrip.current}` : v === 'sends' && lastSends.current ? `sends/${lastSends.current.join('/')}` : v);
  const firstTarget = mix.layout.buses.length ? ['bus', 1] : mix.layout.fx.length ? ['fx', 1] : undefined;
  let view;
  switch (route.view) {
    case 'sends':
      view = html`<${SendsView} mix=${mix} go=${go} target=${route.target ?? lastSends.current ?? firstTarget} />`;
      break;
    case 'strip':
      view = html`<${DetailView} key=${route.base} mix=${mix} base=${route.base} go=${go} />`;
      break;
    case 'master':
      view = html`<${MasterView} mix=${mix} go=${go} />`;
      break;
    case 'scenes':
      view = html`<${ScenesView} mix=${mix} />`;
      break;
    case 'status':
      view = html`<${StatusView} mix=${mix} connection=${conn} />`;
      break;
    default:
      view = html`<${MixerView} mix=${mix} go=${go} />`;
  }
  return html`<div class="app ${conn === 'open' ? '' : 'offline'} ${mix.readOnly ? 'read-only' : ''}">
    <header class="top">
      <nav class="tabs" aria-label="Views">
        ${TABS.map(([v, label]) => html`<a href=${`#${tabRoute(v)}`} class="tab ${route.view === v ? 'on' : ''}" aria-current=${route.view === v ? 'page' : undefined}>${label}</a>`)}
      </nav>
      <div class="info">
        <${Fine} mix=${mix} />
        ${scene ? html`<span class="scene" title="Current scene">${scene}</span>` : null}
        <${Load} mix=${mix} />
        <${Trouble} mix=${mix} />
        <span class="conn ${conn}" role="status" aria-label=${conn === 'open' ? 'Connected' : 'Not connected'}></span>
      </div>
    </header>
    ${conn === 'open' ? null : html`<div class="banner" role="alert">Not connected to faderd: reconnecting…</div>`}
    ${mix.readOnly ? html`<div class="banner ro">Read-only: this address may watch the mix, not change it (http.readOnly)</div>` : null}
    <main>${view}</main>
  </div>`;
}
