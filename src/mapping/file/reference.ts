/**
 * Address checks without a session: a mapping is loaded before (and independently of) the session it
 * will drive, so target addresses are checked by shape (`/ch/N/fader`) against a reference registry.
 * Whether channel 17 exists is the compiler's question, answered against the real store.
 */
import type { AddressPattern } from '../../util/osc-pattern.ts';
import { ParamRegistry, type ParamDef } from '../../params/registry.ts';
import { parseSession } from '../../params/session.ts';
import { suggest } from '../../util/source-error.ts';

let shapes: Map<string, ParamDef> | undefined;
let registry: ParamRegistry | undefined;

const REFERENCE_SESSION = 'channels: 2\nbuses: 2\nfx: [{ type: reverb }, { type: delay }]\n';

/** `/ch/12/eq/3/gain` → `/ch/N/eq/N/gain`. */
export const addressShape = (address: string): string =>
  address
    .split('/')
    .map((s) => (/^\d+$/.test(s) ? 'N' : s))
    .join('/');

function reference(): Map<string, ParamDef> {
  if (!shapes) {
    const reg = referenceRegistry();
    shapes = new Map();
    for (const d of reg.defs) {
      const shape = addressShape(d.address).replace('/surface/s/', '/surface/*/');
      if (!shapes.has(shape)) shapes.set(shape, d);
    }
  }
  return shapes;
}

/** A param of the same shape as `address`, or an error message with a "did you mean". */
export function lookupShape(address: string): { def: ParamDef } | { error: string } {
  const shape = addressShape(address);
  const ref = reference();
  const def = ref.get(shape) ?? (address.startsWith('/surface/') ? ref.get(shape.replace(/^\/surface\/[^/]+\//, '/surface/*/')) : undefined);
  if (def) return { def };
  const hint = suggest(shape, ref.keys());
  return { error: `unknown param address ${address}${hint ? ` (did you mean ${hint.replace(/\/N(?=\/|$)/g, '/<n>')}?)` : ''}` };
}

/** Whether an OSC-style pattern matches any address shape. */
export function patternMatchesSomething(re: AddressPattern): boolean {
  return referenceRegistry().defs.some((d) => re.test(d.address));
}

function referenceRegistry(): ParamRegistry {
  registry ??= ParamRegistry.fromSession(parseSession(REFERENCE_SESSION, '<reference>'), { surfaceIds: ['s'] });
  return registry;
}
