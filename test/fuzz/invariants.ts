/** What must hold of the param store whatever arrived: every value of its type and inside its range. */
import type { ParamStore } from '../../src/params/store.ts';
import { parseSession } from '../../src/params/session.ts';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore as Store } from '../../src/params/store.ts';

/** Throws naming the first param whose value is out of type or range. */
export function checkStore(store: ParamStore): void {
  for (const d of store.registry.defs) {
    const v = store.getByIndex(d.index);
    const bad = (why: string) => new Error(`${d.address} = ${JSON.stringify(v)}: ${why}`);
    switch (d.type) {
      case 'number':
        if (typeof v !== 'number' || Number.isNaN(v)) throw bad('not a number');
        // Infinities never get in from outside: -inf only where the range starts there (a fader off).
        if (!d.readOnly && (v === Infinity || (v === -Infinity && d.min !== -Infinity))) throw bad('not finite');
        // Meters are written by the engine only (and /ch/N/meter/gr defaults to -inf below its 0 dB floor).
        if (!d.readOnly && (v < d.min || v > d.max)) throw bad(`outside ${d.min}..${d.max}`);
        break;
      case 'bool':
        if (typeof v !== 'boolean') throw bad('not a boolean');
        break;
      case 'enum':
        if (typeof v !== 'string' || !d.values!.includes(v)) throw bad('not one of its values');
        break;
      case 'text':
        if (typeof v !== 'string' || v.length > 64 || /[\u0000-\u001f\u007f]/.test(v)) throw bad('not clean text of at most 64 characters');
        break;
    }
  }
}

/** A store for a session given as YAML (defaults: 16 channels, 2 buses, 2 fx, a 0 dB safety ceiling). */
export function fuzzStore(yaml = 'channels: 16\nbuses: 2\nfx: [{ type: reverb }, { type: delay }]\nsafety: { maxGainDb: 0 }\n'): ParamStore {
  return new Store(ParamRegistry.fromSession(parseSession(yaml, 'fuzz-session.yaml')));
}
