/**
 * Preact with htm (tagged templates instead of JSX, so the page runs as written, with no build step),
 * and the hook that ties a component to one param: it re-renders when that param changes.
 */
import { html, render, useEffect, useReducer, useRef, useState, useMemo, useCallback } from '../vendor/preact-htm.js';

export { html, render, useEffect, useRef, useState, useMemo, useCallback };

/** The value of `a`, re-rendering the component whenever it changes. */
export function useParam(mix, a) {
  const [, bump] = useReducer((n) => n + 1, 0);
  useEffect(() => mix.on(a, bump), [mix, a]);
  return mix.get(a);
}

/** Re-renders when any of `addresses` changes (curves that depend on a dozen params). */
export function useParams(mix, addresses) {
  const [, bump] = useReducer((n) => n + 1, 0);
  const key = addresses.join(' ');
  useEffect(() => {
    const offs = addresses.map((a) => mix.on(a, bump));
    return () => offs.forEach((off) => off());
  }, [mix, key]);
  return addresses.map((a) => mix.get(a));
}

/** Re-renders when a small store ({ get, on }) changes: the connection state, the route. */
export function useStore(store) {
  const [, bump] = useReducer((n) => n + 1, 0);
  useEffect(() => store.on(bump), [store]);
  return store.get();
}

/** A value with listeners, for page state that is not a param. */
export function store(initial) {
  let value = initial;
  const fns = new Set();
  return {
    get: () => value,
    set(v) {
      if (v === value) return;
      value = v;
      for (const fn of fns) fn(v);
    },
    on(fn) {
      fns.add(fn);
      return () => fns.delete(fn);
    },
  };
}
