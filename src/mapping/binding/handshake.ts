/**
 * A surface's connection handshake (the mapping's `handshake:`). For Mackie Control: the device query
 * goes out on every (re)connection, before the resync; the unit's host-connection query (`01`) is
 * answered (`02`) and, like its confirmation (`03`), resends everything, since a unit that says it is
 * ready may have powered up after the port opened and shows nothing yet.
 *
 * Teardown: the returned subscription ends both the connection and the incoming watch.
 */
import { Subscription, filter } from 'rxjs';
import { mackieDeviceQuery, mackieHello } from '../../surfaces/midi/mackie.ts';
import type { MappingFile } from '../file/types.ts';
import type { Runtime } from './runtime.ts';

export function handshakePipeline(handshake: MappingFile['handshake'], rt: Runtime): Subscription {
  const sub = new Subscription();
  if (!handshake) return sub;
  const id = handshake.deviceId;
  sub.add(
    rt.transport.connected$.pipe(filter((up) => up)).subscribe(() => {
      rt.transport.send({ kind: 'midi', data: mackieDeviceQuery(id) });
    }),
  );
  sub.add(
    rt.incoming$.subscribe((m) => {
      if (m.kind !== 'midi' || m.data[0] !== 0xf0) return;
      const hello = mackieHello(m.data, id);
      if (!hello) return;
      if (hello.kind === 'query' && hello.reply) rt.transport.send({ kind: 'midi', data: hello.reply });
      rt.resync$.next();
    }),
  );
  return sub;
}
