/**
 * Feedback loops and storms between surfaces: two surfaces bound to the same fader, each echoing
 * everything it is sent straight back (as a motor fader or a naive device does), at different
 * resolutions (14-bit pitch bend, 7-bit CC), so each echo quantizes differently. Traffic must stay
 * bounded, settle, and never oscillate; a touched motor fader is not driven by the other's echoes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { compileMapping } from '../../src/mapping/binding/compile.ts';
import { parseMapping } from '../../src/mapping/file/load.ts';
import { MemorySurface } from '../../src/surfaces/memory.ts';
import type { SendOptions, SurfaceMessage } from '../../src/surfaces/types.ts';
import { fuzzStore } from '../fuzz/invariants.ts';
import { MCU_YAML } from '../fuzz/targets/midi.ts';
import { NativeOscServer } from '../../src/servers/native-osc.ts';
import { oscClient, f, sleep, type OscTestClient } from '../surfaces/osc/client.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const CC_YAML = `version: 1
surface: { transport: midi }
feedbackRateHz: 50
bindings:
  - source: { cc: 7 }
    target: /ch/1/fader
`;

/** A surface that sends every message it receives back to faderd 1 ms later. */
class EchoSurface extends MemorySurface {
  echoes = 0;
  echoing = true;
  constructor(
    id: string,
    private readonly scheduler: VirtualTimeScheduler,
  ) {
    super(id);
  }
  override send(msg: SurfaceMessage, opts?: SendOptions): void {
    super.send(msg, opts);
    if (!this.echoing) return;
    this.scheduler.schedule(() => {
      this.echoes++;
      this.emit(msg);
    }, 1);
  }
}

function rig() {
  const store = fuzzStore('channels: 8\n');
  // A bound on virtual time: an oscillating loop ends the flush instead of hanging the test.
  const scheduler = new VirtualTimeScheduler(VirtualAction, 120_000);
  const a = new EchoSurface('a', scheduler);
  const b = new EchoSurface('b', scheduler);
  const ma = compileMapping(parseMapping(MCU_YAML, 'mcu.yaml'), store, a, { id: 'a', scheduler });
  const mb = compileMapping(parseMapping(CC_YAML, 'cc.yaml'), store, b, { id: 'b', scheduler });
  scheduler.flush();
  a.take();
  b.take();
  const faderMsgs = (s: MemorySurface) => s.take().filter((m) => m.kind === 'midi' && (m.data[0] === 0xe0 || (m.data[0] === 0xb0 && m.data[1] === 7)));
  return { store, scheduler, a, b, faderMsgs, dispose: () => (ma.dispose(), mb.dispose()) };
}

describe('feedback loops between surfaces', () => {
  it('one change bounces between a 14-bit and a 7-bit echoing surface a few times at most, then settles', () => {
    const r = rig();
    for (let k = 0; k < 200; k++) {
      const before = r.a.echoes + r.b.echoes;
      r.store.set('/ch/1/fader', -60 + (k * 0.37) % 70, 'api');
      r.scheduler.flush();
      expect(r.scheduler.now()).toBeLessThan(120_000);
      expect(r.a.echoes + r.b.echoes - before).toBeLessThanOrEqual(6);
    }
    // Both surfaces really echoed: every change reached each of them at least once.
    expect(r.a.echoes).toBeGreaterThanOrEqual(200);
    expect(r.b.echoes).toBeGreaterThanOrEqual(200);
    // Settled: nothing more moves.
    r.faderMsgs(r.a);
    r.faderMsgs(r.b);
    const v = r.store.get('/ch/1/fader');
    r.scheduler.flush();
    expect(r.faderMsgs(r.a)).toEqual([]);
    expect(r.faderMsgs(r.b)).toEqual([]);
    expect(r.store.get('/ch/1/fader')).toBe(v);
    r.dispose();
  });

  it('a 1,000-move burst on a touched motor fader reaches the other surface at its feedback rate, is not driven back, and ends where it was left', () => {
    const r = rig();
    const start = r.scheduler.now();
    r.a.midi(0x90, 0x68, 0x7f); // touch fader 1
    const n = 1000;
    let last = 0;
    for (let k = 0; k < n; k++) {
      const raw = Math.round(((k * 7919) % 16384 + 16384 * (k / n)) / 2) & 0x3fff;
      if (k === n - 1) last = raw;
      r.scheduler.schedule(() => r.a.midi(0xe0, raw & 0x7f, raw >> 7), (k * 1000) / n);
    }
    r.scheduler.schedule(() => r.a.midi(0x90, 0x68, 0x00), 1100); // release
    r.scheduler.schedule(() => {
      // While touched, the other surface's echoes must not drive this fader.
      expect(r.faderMsgs(r.a)).toEqual([]);
    }, 1050);
    r.scheduler.flush();
    expect(r.scheduler.now() - start).toBeLessThan(5000);
    // The other surface got at most its 50 Hz feedback rate over the burst, plus the settling tail.
    expect(r.b.echoes).toBeLessThanOrEqual(60);
    expect(r.b.echoes).toBeGreaterThan(10);
    const norm = r.store.getNormalized('/ch/1/fader');
    // Left at the last position, give or take the 7-bit surface's last echo (one 1/127 step).
    expect(Math.abs(norm - last / 16383)).toBeLessThanOrEqual(1 / 127 + 1e-6);
    r.dispose();
  });
});

describe('OSC feedback storms', () => {
  async function serve() {
    const store = fuzzStore('channels: 8\n');
    const srv = new NativeOscServer(store, { host: '127.0.0.1', port: 0 });
    await srv.start();
    cleanups.push(() => srv.close());
    const client = async (): Promise<OscTestClient> => {
      const c = await oscClient(srv.port);
      cleanups.push(() => c.close());
      return c;
    };
    return { store, srv, client };
  }

  it('10,000 changes in one turn reach a subscriber as one message per fader, with the final values', async () => {
    const { store, client } = await serve();
    const c = await client();
    c.send('/subscribe', { type: 's', value: '/ch/*/fader' });
    // The subscription starts with the present: one value per fader, then only changes.
    await c.waitFor((m) => m.length >= 8, 'the snapshot');
    await sleep(100);
    expect(c.received).toHaveLength(8);
    c.received.length = 0;
    for (let k = 0; k < 10_000; k++) store.set(`/ch/${(k % 8) + 1}/fader`, -((k % 500) / 10), 'api');
    await c.waitFor((m) => m.length >= 8, 'the coalesced feedback');
    await sleep(100);
    expect(c.received).toHaveLength(8);
    for (const m of c.received) expect(m.args[0]!.value).toBe(Math.fround(store.get(m.address) as number));
  });

  it('a client that echoes every feedback message back does not start a loop', async () => {
    const { store, srv, client } = await serve();
    const mover = await client();
    const echo = await client();
    echo.send('/xremote');
    // The subscription starts with a snapshot of every param it covers (non-volatile ones), paced out
    // over some milliseconds: all of it in before the echoing starts, however late a loaded machine
    // delivers it, so only feedback is echoed.
    const snapshot = store.registry.defs.filter((d) => !d.action && !d.volatile).length;
    await echo.waitFor((m) => m.length >= snapshot, 'the snapshot');
    expect(srv.stats().snapshotSent).toBe(snapshot);
    let echoed = 0;
    const seen = echo.received.length;
    const timer = setInterval(() => {
      for (const m of echo.received.splice(seen)) {
        echoed++;
        echo.send(m.address, ...m.args);
      }
    }, 1);
    cleanups.push(async () => clearInterval(timer));
    for (let k = 0; k < 50; k++) {
      mover.send('/ch/2/fader', f(-k));
      await sleep(4);
    }
    await sleep(300);
    const settled = srv.stats().received;
    await sleep(300);
    // Quiet once the mover stopped: the echo changed nothing, so nothing was sent to echo again.
    expect(srv.stats().received).toBe(settled);
    expect(echoed).toBeGreaterThan(0);
    expect(echoed).toBeLessThanOrEqual(50);
    expect(store.get('/ch/2/fader')).toBe(-49);
  });
});
