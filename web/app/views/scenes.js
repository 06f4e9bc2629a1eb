/**
 * Scenes: the stored list (from /api/scenes; it is refreshed whenever a scene is stored or recalled
 * anywhere, which /scene/current announces), store under a name, and recall, always after a
 * confirmation: a recall replaces the whole mix at once.
 */
import { html, useEffect, useParam, useRef, useState } from '../ui.js';

/** The daemon's rule for scene names (src/params/scenes.ts). */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 _.+-]{0,63}$/;

async function fetchScenes() {
  const r = await fetch('/api/scenes', { cache: 'no-store' });
  if (!r.ok) throw new Error(`${r.status}`);
  return (await r.json()).scenes;
}

function Confirm({ title, text, yes, onYes, onNo }) {
  const box = useRef(null);
  useEffect(() => box.current?.querySelector('button.no')?.focus(), []);
  return html`<div class="modal" onKeyDown=${(e) => e.key === 'Escape' && onNo()}>
    <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-text" ref=${box}>
      <h2 id="confirm-title">${title}</h2>
      <p id="confirm-text">${text}</p>
      <div class="actions">
        <button type="button" class="no" onClick=${onNo}>Cancel</button>
        <button type="button" class="yes" onClick=${onYes}>${yes}</button>
      </div>
    </div>
  </div>`;
}

export function ScenesView({ mix }) {
  const current = useParam(mix, '/scene/current');
  const [list, setList] = useState(undefined);
  const [error, setError] = useState('');
  const [name, setName] = useState('');
  const [ask, setAsk] = useState(null);
  useEffect(() => {
    let live = true;
    fetchScenes().then(
      (s) => live && setList(s),
      () => live && setError('Could not read the scene list'),
    );
    return () => {
      live = false;
    };
  }, [current]);
  const store = (n) => {
    mix.act('/scene/store', n);
    setName('');
    setAsk(null);
  };
  const submit = (e) => {
    e.preventDefault();
    const n = name.trim();
    if (!NAME_RE.test(n)) return setError('A scene name is 1-64 letters, digits, spaces or _ . + - and starts with a letter or digit');
    setError('');
    if (list?.includes(n)) setAsk({ title: `Replace scene ${n}?`, text: `The stored scene ${n} will be replaced by the current mix.`, yes: 'Confirm replace', run: () => store(n) });
    else store(n);
  };
  const recall = (n) =>
    setAsk({
      title: `Recall ${n}?`,
      text: `The whole mix changes to scene ${n} at once, on every surface.`,
      yes: 'Confirm recall',
      run: () => {
        mix.act('/scene/recall', n);
        setAsk(null);
      },
    });
  return html`<div class="scenes">
    <section class="panel" aria-label="Scenes">
      <h2>Scenes ${current ? html`<span class="current">current: ${current}</span>` : null}</h2>
      ${list === undefined ? html`<p>Loading…</p>` : list.length === 0 ? html`<p class="empty">No scenes stored yet.</p>` : null}
      <ul class="scene-list">
        ${(list ?? []).map(
          (n) => html`<li class=${n === current ? 'current' : ''}>
            <span class="scene-name">${n}</span>
            <button type="button" aria-label=${`Recall ${n}`} disabled=${mix.readOnly} onClick=${() => recall(n)}>Recall</button>
          </li>`,
        )}
      </ul>
      <form class="store" onSubmit=${submit}>
        <input type="text" aria-label="Scene name" placeholder="Scene name" maxlength="64" value=${name} disabled=${mix.readOnly} onInput=${(e) => setName(e.currentTarget.value)} />
        <button type="submit" disabled=${mix.readOnly}>Store scene</button>
      </form>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    </section>
    ${ask ? html`<${Confirm} title=${ask.title} text=${ask.text} yes=${ask.yes} onYes=${ask.run} onNo=${() => setAsk(null)} />` : null}
  </div>`;
}
