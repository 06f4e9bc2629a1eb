/**
 * faderd's control plane for serial surfaces, composed as the daemon composes it (param store of the
 * default session, one MappingHost + SerialTransport per surface), in a process of its own. The serial
 * benchmark uses it when `faderd run` does not open the session's surfaces itself.
 *
 *   npx tsx scripts/bench/serial-host.ts MAPPING.yaml ID=PATH [ID=PATH...]
 *
 * Prints "ready" on stdout once every port is open; stops on SIGTERM.
 */
import { firstValueFrom, filter } from 'rxjs';
import { defaultSession } from '../../src/params/session.ts';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { MappingHost, resolveDevice } from '../../src/mapping/host.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { createTransport } from '../../src/surfaces/index.ts';
import { formatIssue, ConfigError } from '../../src/util/source-error.ts';

const [mappingFile, ...ports] = process.argv.slice(2);
if (!mappingFile || ports.length === 0 || ports.some((p) => !p.includes('='))) {
  process.stderr.write('usage: serial-host.ts MAPPING.yaml ID=PATH [ID=PATH...]\n');
  process.exit(2);
}
const surfaces = ports.map((p) => ({ id: p.slice(0, p.indexOf('=')), path: p.slice(p.indexOf('=') + 1) }));
try {
  const store = new ParamStore(ParamRegistry.fromSession(defaultSession(), { surfaceIds: surfaces.map((s) => s.id) }));
  const mapping = loadMapping(mappingFile);
  const running = surfaces.map(({ id, path }) => {
    const transport = createTransport(id, resolveDevice(mapping, { path }));
    const host = new MappingHost(mappingFile, store, transport, { id, deviceOverride: { path } });
    host.start();
    return { transport, host };
  });
  await Promise.all(running.map((r) => firstValueFrom(r.transport.connected$.pipe(filter(Boolean)))));
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    void Promise.all(running.map((r) => r.transport.close())).then(() => process.exit(0));
  });
} catch (e) {
  if (e instanceof ConfigError) for (const i of e.issues) process.stderr.write(formatIssue(i) + '\n');
  else process.stderr.write(`serial-host: ${(e as Error).message}\n`);
  process.exit(1);
}
