/**
 * A native OSC server on the default session, on a free loopback port, with clients that are closed
 * after each test: the set-up the native OSC test files share.
 *
 *   const { cleanups, setup } = nativeOscFixture();
 *   const { store, server, client } = await setup({ websocketPort: 0 });
 */
import { afterEach } from 'vitest';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { defaultSession } from '../../src/params/session.ts';
import { NativeOscServer, type NativeOscOptions } from '../../src/servers/native-osc.ts';
import { oscClient, type OscTestClient } from '../surfaces/osc/client.ts';

/** Opens a client to the server's port; `host` is where a test wants it bound, when it cares. */
export type Connect = (port: number, host?: string) => Promise<OscTestClient>;

export function nativeOscFixture() {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  async function setup(opts: Partial<NativeOscOptions> = {}, connect: Connect = (port) => oscClient(port)) {
    const store = new ParamStore(ParamRegistry.fromSession(defaultSession()));
    const server = new NativeOscServer(store, { host: '127.0.0.1', port: 0, ...opts });
    await server.start();
    cleanups.push(() => server.close());
    const client = async (host?: string): Promise<OscTestClient> => {
      const c = await connect(server.port, host);
      cleanups.push(() => c.close());
      return c;
    };
    return { store, server, client };
  }
  return { cleanups, setup };
}
