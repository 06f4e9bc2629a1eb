/**
 * Starting the X32 server from a session, for the daemon. The server is on by default on
 * 127.0.0.1:10023, the console's own port, where another program (an X32 emulator, a second faderd)
 * may already listen: with the default settings a port in use is a warning and faderd runs without
 * it; settings the user wrote (or `--x32-port`) that cannot be served stop faderd with the reason.
 */
import type { Logger } from 'pino';
import type { ParamStore } from '../../params/store.ts';
import type { Session } from '../../params/session.ts';
import { DEFAULT_X32_PORT, X32Server } from './server.ts';

const isDefault = (x: Session['x32']): boolean => x.host === '127.0.0.1' && x.port === DEFAULT_X32_PORT && x.allow.length === 0 && x.readOnly.length === 0;

/** The running server, or undefined when the session turns it off or the default port is taken. */
export async function startX32Server(store: ParamStore, session: Session, log: Logger, portOverride?: number): Promise<X32Server | undefined> {
  const x = session.x32;
  if (!x.enabled) return undefined;
  const server = new X32Server(store, { host: x.host, port: portOverride ?? x.port, allow: x.allow, readOnly: x.readOnly, name: 'faderd', ...(x.pacing !== undefined ? { pacing: x.pacing } : {}) });
  try {
    await server.start();
  } catch (e) {
    await server.close().catch(() => undefined);
    if (portOverride !== undefined || !isDefault(x)) throw e;
    log.warn(`${(e as Error).message}; X32 apps cannot connect to this faderd (another program holds the port: set x32.port in the session, or x32: { enabled: false })`);
    return undefined;
  }
  return server;
}
