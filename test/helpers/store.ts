import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { defaultSession, parseSession, type Session } from '../../src/params/session.ts';

/** A store over the embedded default session, or over a session given as YAML text. */
export function makeStore(sessionYaml?: string): { session: Session; store: ParamStore } {
  const session = sessionYaml === undefined ? defaultSession() : parseSession(sessionYaml, 'test-session.yaml');
  return { session, store: new ParamStore(ParamRegistry.fromSession(session)) };
}
