import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { IncomingRouter } from '../../src/mapping/binding/route.ts';
import type { SourceSpec } from '../../src/mapping/file/types.ts';
import type { SurfaceMessage } from '../../src/surfaces/types.ts';

const oscSource = (address: string): SourceSpec => ({ kind: 'osc', address, match: /./, args: 'f', arg: 0, units: 'normalized' });
const msg = (address: string): SurfaceMessage => ({ kind: 'osc', address, args: [] });

describe('IncomingRouter', () => {
  it('gives a literal OSC address only its own messages, and everything to patterns and MIDI', () => {
    const input = new Subject<SurfaceMessage>();
    const router = new IncomingRouter(input);
    const seen: Record<string, string[]> = { lit: [], pat: [], midi: [] };
    const addr = (m: SurfaceMessage) => (m.kind === 'osc' ? m.address : m.kind);
    router.for(oscSource('/ch/05/mix/fader')).subscribe((m) => seen.lit!.push(addr(m)));
    router.for(oscSource('/ch/*/mix/fader')).subscribe((m) => seen.pat!.push(addr(m)));
    router.for({ kind: 'note', channel: 0, note: 1 }).subscribe((m) => seen.midi!.push(addr(m)));
    const sub = router.start();
    input.next(msg('/ch/05/mix/fader'));
    input.next(msg('/ch/06/mix/fader'));
    input.next({ kind: 'midi', data: Uint8Array.of(0x90, 1, 127) });
    expect(seen).toEqual({ lit: ['/ch/05/mix/fader'], pat: ['/ch/05/mix/fader', '/ch/06/mix/fader', 'midi'], midi: ['/ch/05/mix/fader', '/ch/06/mix/fader', 'midi'] });
    let completed = false;
    router.for(oscSource('/ch/05/mix/fader')).subscribe({ complete: () => (completed = true) });
    input.complete();
    expect(completed).toBe(true);
    sub.unsubscribe();
  });
});
