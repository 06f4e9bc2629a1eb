/**
 * The feedback sink paces a whole surface (src/mapping/binding/sink.ts, src/surfaces/pacing.ts): a
 * recall that moves every fader, mute and pan of 32 channels leaves at most the burst's bytes at
 * once and the rest as the pace allows, one waiting message per output, the latest winning, so the
 * surface ends on the recalled values and the queue never holds more than the outputs. On virtual
 * time: what leaves when is exact, and no wall-clock timing is involved.
 */
import { describe, expect, it } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import { compileMapping } from '../../src/mapping/binding/compile.ts';
import { FeedbackSink } from '../../src/mapping/binding/sink.ts';
import { parseMapping } from '../../src/mapping/file/load.ts';
import type { Pace } from '../../src/surfaces/pacing.ts';
import { makeStore, TimedSurface } from './helpers.ts';

const CHANNELS = 32;
const MAPPING = `version: 1
surface: { transport: midi, input: board }
feedbackRateHz: 1000
bindings:
  - repeat: { i: 0..${CHANNELS - 1} }
    source: { cc: i }
    target: /ch/{i + 1}/fader
  - repeat: { i: 0..${CHANNELS - 1} }
    source: { cc: 0x40 + i }
    target: /ch/{i + 1}/pan
  - repeat: { i: 0..${CHANNELS - 1} }
    source: { note: i }
    target: /ch/{i + 1}/mute
`;

class PacedSurface extends TimedSurface {
  constructor(
    clock: { now(): number },
    readonly pace: Pace | undefined,
  ) {
    super(clock);
  }
}

function setUp(pace: Pace | undefined) {
  const store = makeStore(CHANNELS);
  const scheduler = new VirtualTimeScheduler();
  const surface = new PacedSurface(scheduler, pace);
  const compiled = compileMapping(parseMapping(MAPPING, 'board.yaml'), store, surface, { id: 'board', scheduler });
  // The connect resync, paced too: every output shows its first value.
  scheduler.flush();
  return { store, scheduler, surface, compiled };
}

/** The last value each output (status byte and number) was sent, as the device would show it. */
function shown(surface: TimedSurface): Map<string, number> {
  const last = new Map<string, number>();
  for (const s of surface.sent) if (s.msg.kind === 'midi') last.set(`${s.msg.data[0]}:${s.msg.data[1]}`, s.msg.data[2]!);
  return last;
}

const recall = (c: number, k: number): Array<[string, unknown]> => [
  [`/ch/${c}/fader`, -30 + ((c * 7 + k) % 40)],
  [`/ch/${c}/pan`, (((c + k) % 21) - 10) / 10],
  [`/ch/${c}/mute`, (c + k) % 2 === 0],
];

describe('FeedbackSink pacing', () => {
  it('a recall leaves the burst at once and the rest at the pace; the surface ends on every recalled value', () => {
    const pace = { burst: 60, rate: 3000 };
    const paced = setUp(pace);
    const free = setUp(undefined);
    const entries = Array.from({ length: CHANNELS }, (_, c) => recall(c + 1, 1)).flat();
    const from = paced.surface.times.length;
    const freeFrom = free.surface.times.length;
    for (const r of [paced, free]) {
      r.store.batch(entries, 'scene');
      r.scheduler.flush();
    }
    // Every output, the same final value as unpaced.
    expect(shown(paced.surface)).toEqual(shown(free.surface));
    expect(shown(paced.surface).size).toBe(CHANNELS * 3);
    // Never more than the burst at one instant, and spread over time: 3 bytes a message.
    const perInstant = new Map<number, number>();
    for (const t of paced.surface.times.slice(from)) perInstant.set(t, (perInstant.get(t) ?? 0) + 3);
    expect(Math.max(...perInstant.values())).toBeLessThanOrEqual(pace.burst);
    expect(perInstant.size).toBeGreaterThan(1);
    expect(new Set(free.surface.times.slice(freeFrom)).size).toBe(1);
  });

  it('a storm on outputs that wait delivers each one last value; the queue never exceeds the outputs', () => {
    const scheduler = new VirtualTimeScheduler();
    const surface = new PacedSurface(scheduler, { burst: 30, rate: 1000 });
    const sink = new FeedbackSink(surface, 1000, scheduler);
    const OUTPUTS = 96;
    for (let k = 0; k < 200; k++) {
      for (let o = 0; o < OUTPUTS; o++) sink.send({ key: `cc${o}`, msg: { kind: 'midi', data: Uint8Array.of(0xb0, o, (k + o) % 128) } });
      // Time moves a little between rounds: some of the queue leaves, most still waits.
      scheduler.maxFrames = scheduler.now() + 2;
      scheduler.flush();
      expect(sink.pending).toBeLessThanOrEqual(OUTPUTS);
    }
    expect(sink.pending).toBeGreaterThan(0);
    scheduler.maxFrames = Infinity;
    scheduler.flush();
    expect(sink.pending).toBe(0);
    expect(sink.peakWaiting).toBeLessThanOrEqual(OUTPUTS);
    const last = shown(surface);
    expect(last.size).toBe(OUTPUTS);
    for (let o = 0; o < OUTPUTS; o++) expect(last.get(`176:${o}`), `cc ${o}`).toBe((199 + o) % 128);
    sink.dispose();
  });
});
