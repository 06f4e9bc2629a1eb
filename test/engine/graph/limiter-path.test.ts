/**
 * The limiter's place in the master chain: switched off it is out of the path, so a live monitor mix
 * pays nothing for its look-ahead; switched on the whole chain is delayed by exactly its look-ahead,
 * and the engine says so (the round trip faderd reports follows it).
 */
import { describe, expect, it } from 'vitest';
import { rig } from './helpers.ts';

const ONE_CH = `
channels:
  - { name: A, input: 1 }
buses: 0
master: { output: [1, 2] }
`;

/** The first frame where the left output is not silent, or -1. */
const firstSound = (x: Float32Array): number => x.findIndex((v) => Math.abs(v) > 1e-6);

describe('master limiter in and out of the path', () => {
  it('off: no delay at all; an impulse leaves on the frame it came in', () => {
    const r = rig(ONE_CH, { '/master/limiter/on': false });
    expect(r.engine.latencyFrames).toBe(0);
    const [left] = r.run(1024, (_, n) => (n === 300 ? 0.5 : 0));
    expect(firstSound(left!)).toBe(300);
  });

  it('on: the output is late by exactly the latency the engine reports', () => {
    const r = rig(ONE_CH, { '/master/limiter/on': true });
    const lat = r.engine.latencyFrames;
    expect(lat).toBeGreaterThan(0);
    const [left] = r.run(2048, (_, n) => (n === 300 ? 0.5 : 0));
    expect(firstSound(left!)).toBe(300 + lat);
  });

  it('switched while running: the latency follows, and back in it does not replay what it held', () => {
    const r = rig(ONE_CH, { '/master/limiter/on': true });
    const lat = r.engine.latencyFrames;
    // Programme through the limiter, then out of the path: its look-ahead still holds the last frames.
    r.run(4096, (_, n) => 0.3 * Math.sin(n / 7));
    r.set('/master/limiter/on', false);
    expect(r.engine.latencyFrames).toBe(0);
    r.run(1024, () => 0);
    r.set('/master/limiter/on', true);
    expect(r.engine.latencyFrames).toBe(lat);
    const [left] = r.run(1024, () => 0);
    expect(firstSound(left!)).toBe(-1);
  });
});
