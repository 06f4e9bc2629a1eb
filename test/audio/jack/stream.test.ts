/**
 * The JACK stream's own logic, on a fake bridge (the test plays JACK's process callback): priming,
 * blocks tagged with their cycle, periods rendered in engine-sized blocks, late blocks skipped,
 * counters forwarded, failures reported once, the latency report.
 */
import { describe, expect, it } from 'vitest';
import { JackStream, type JackOptions } from '../../../src/audio/jack/stream.ts';
import { CTL } from '../../../src/audio/jack/control.ts';
import { FakeJack, type FakeJackOptions } from './fake-bridge.ts';

/** A runner whose engine doubles every sample and remembers the block sizes it was asked for. */
function fakeRunner(blockFrames = 128, channels = 2, latencyFrames = 0) {
  const r = {
    inputs: Array.from({ length: channels }, () => new Float32Array(blockFrames)),
    outputs: Array.from({ length: channels }, () => new Float32Array(blockFrames)),
    blockFrames,
    engine: { latencyFrames },
    blocks: [] as number[],
    late: 0,
    dropped: 0,
    render(frames = blockFrames): void {
      r.blocks.push(frames);
      for (let c = 0; c < channels; c++) for (let i = 0; i < frames; i++) r.outputs[c]![i] = 2 * r.inputs[c]![i]!;
    },
    markLate(n = 1): void {
      r.late += n;
    },
    markDropped(n = 1): void {
      r.dropped += n;
    },
  };
  return r;
}

async function started(opts: Partial<JackOptions> = {}, fake: FakeJackOptions = {}, runner = fakeRunner()) {
  const jack = new FakeJack(fake);
  const stream = new JackStream(runner, { sampleRate: 48000, connect: false, ...opts }, jack);
  const failures: string[] = [];
  await stream.start((reason) => failures.push(reason));
  return { jack, stream, runner, failures };
}

const ramp = (c: number, i: number): number => c * 1000 + i;

describe('JACK stream', () => {
  it('primes the output with primeBlocks silent blocks numbered before the first cycle', async () => {
    for (const [latency, prime] of [['safe', 1], ['low', 0]] as const) {
      const { jack, stream } = await started({ latency });
      expect(stream.primeBlocks).toBe(prime);
      expect(jack.setupOpts!.prime).toBe(prime);
      const primed = [];
      for (let b = jack.take(); b; b = jack.take()) primed.push(b.cycle);
      expect(primed).toEqual(prime ? [-1] : []);
    }
    const { stream, jack } = await started({ latency: 'low', primeBlocks: 3 });
    expect(stream.primeBlocks).toBe(3);
    expect([jack.take()!.cycle, jack.take()!.cycle, jack.take()!.cycle]).toEqual([-3, -2, -1]);
  });

  it('renders each cycle and leaves its output tagged with that cycle', async () => {
    const { jack, runner } = await started({ primeBlocks: 0 });
    for (let c = 0; c < 5; c++) jack.cycle(c, ramp);
    for (let c = 0; c < 5; c++) {
      const out = jack.take()!;
      expect(out.cycle).toBe(c);
      expect(out.channels[1]![77]).toBe(2 * ramp(1, 77));
    }
    expect(runner.blocks).toEqual([128, 128, 128, 128, 128]);
    // Nothing queued ahead: every block wakes the callback waiting for it.
    expect(jack.wakes).toBe(5);
  });

  it('renders a period in blocks of at most the engine block, each in its place', async () => {
    const { jack, runner } = await started({ primeBlocks: 1 }, { bufferSize: 128 }, fakeRunner(48));
    jack.take();
    jack.cycle(0, ramp);
    expect(runner.blocks).toEqual([48, 48, 32]);
    const out = jack.take()!;
    for (const i of [0, 47, 48, 95, 96, 127]) expect(out.channels[0]![i]).toBe(2 * ramp(0, i));
  });

  it('skips a block whose cycle has already played, and counts it dropped', async () => {
    const { jack, runner } = await started({ primeBlocks: 1 });
    jack.take();
    // Cycles 0..3 queued while the worker slept; JACK is in cycle 3 when it wakes: 0 and 1 are past.
    for (let c = 0; c < 4; c++) jack.cycle(c, ramp, false);
    jack.setupOpts!.onWake();
    expect([jack.take()?.cycle, jack.take()?.cycle, jack.take()]).toEqual([2, 3, undefined]);
    expect(runner.dropped).toBe(2);
  });

  it('passes on the late and dropped blocks the callback counted', async () => {
    const { jack, runner } = await started();
    Atomics.store(jack.ctl, CTL.late, 3);
    Atomics.store(jack.ctl, CTL.dropped, 2);
    jack.cycle(0);
    expect({ late: runner.late, dropped: runner.dropped }).toEqual({ late: 3, dropped: 2 });
    Atomics.store(jack.ctl, CTL.late, 4);
    jack.cycle(1);
    expect(runner.late).toBe(4);
  });

  it('reports a shut-down server once, with JACK\'s reason, and stops rendering', async () => {
    const { jack, runner, failures } = await started();
    jack.shutdown = 'JACK server has been closed';
    Atomics.store(jack.ctl, CTL.shutdown, 1);
    jack.cycle(0);
    jack.cycle(1);
    expect(failures).toEqual(['JACK shut the client down: JACK server has been closed']);
    expect(runner.blocks).toEqual([]);
  });

  it('reports a changed period', async () => {
    const { jack, failures } = await started();
    Atomics.store(jack.ctl, CTL.period, 256);
    jack.cycle(0);
    expect(failures).toEqual(["JACK's period changed to 256 frames"]);
  });

  it('refuses a JACK server at another sample rate, naming both, and closes the client', () => {
    const jack = new FakeJack({ sampleRate: 44100 });
    expect(() => new JackStream(fakeRunner(), { sampleRate: 48000 }, jack)).toThrow(/JACK runs at 44100 Hz but the session asks for 48000 Hz/);
    expect(jack.closed).toBe(1);
  });

  it('connects to the physical ports in order and reports the round trip from their latencies', async () => {
    const fake: FakeJackOptions = {
      capture: ['system:capture_1', 'system:capture_2', 'system:capture_3'],
      playback: ['system:playback_1'],
      latency: {
        'system:capture_1': { capture: [64, 64], playback: [0, 0] },
        'system:capture_2': { capture: [64, 80], playback: [0, 0] },
        'system:playback_1': { capture: [0, 0], playback: [256, 256] },
      },
    };
    const { jack, stream } = await started({ connect: true, latency: 'safe' }, fake, fakeRunner(128, 2, 91));
    expect(jack.connections).toEqual([
      ['system:capture_1', 'faderd:in_1'],
      ['system:capture_2', 'faderd:in_2'],
      ['faderd:out_1', 'system:playback_1'],
    ]);
    expect(stream.latency).toEqual({
      mode: 'safe', sampleRate: 48000, blockFrames: 128, primeBlocks: 1, captureFrames: 80, playbackFrames: 256,
      queueFrames: 128, engineFrames: 91, roundTripFrames: 80 + 128 + 91 + 256, deviceKnown: true,
    });
  });
});
