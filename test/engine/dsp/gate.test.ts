import { describe, expect, it } from 'vitest';
import { Gate } from '../../../src/engine/dsp/gate.ts';
import type { GateSettings } from '../../../src/engine/dsp/gate.ts';
import { db, heapGrowth, noise, rmsOf, sine } from './helpers.ts';

const FS = 48000;
const ms = (t: number): number => Math.round((t * FS) / 1000);
const settings: GateSettings = { thresholdDb: -40, rangeDb: 40, attackMs: 1, holdMs: 50, releaseMs: 100 };

/** Runs `x` through the gate in 128-frame blocks (in place). */
function run(gate: Gate, chans: Float32Array[], onBlock?: () => void): void {
  const n = chans[0]!.length;
  for (let at = 0; at < n; at += 128) {
    const f = Math.min(128, n - at);
    gate.process(chans.map((c) => c.subarray(at, at + f)), chans.length, f);
    onBlock?.();
  }
}

describe('Gate', () => {
  it('removes a -60 dBFS noise floor between bursts and passes the bursts', () => {
    // floor 300 ms | burst 200 ms | floor 500 ms | burst 200 ms | floor 500 ms
    const parts = [300, 200, 500, 200, 500].map(ms);
    const total = parts.reduce((a, b) => a + b, 0);
    const floor = noise(total, Math.pow(10, -60 / 20));
    const x = floor.slice();
    const burst = sine(220, FS, total, Math.pow(10, -10 / 20));
    const bursts: Array<[number, number]> = [];
    let at = 0;
    parts.forEach((len, k) => {
      if (k % 2 === 1) {
        for (let i = at; i < at + len; i++) x[i] = burst[i]!;
        bursts.push([at, at + len]);
      }
      at += len;
    });
    const y = x.slice();
    const gate = new Gate(FS);
    gate.configure(settings);
    run(gate, [y]);
    for (const [from, to] of bursts) {
      // The burst body (after the 1 ms attack) passes within 0.5 dB.
      const gain = db(rmsOf(y, from + ms(5), to) / rmsOf(x, from + ms(5), to));
      expect(Math.abs(gain)).toBeLessThan(0.5);
      // The floor after detector fall + hold + release is attenuated by at least range - 1 dB.
      const quietFrom = to + ms(20 + 30 + 50 + 100);
      const att = db(rmsOf(y, quietFrom, quietFrom + ms(150)) / rmsOf(x, quietFrom, quietFrom + ms(150)));
      expect(att).toBeLessThanOrEqual(-(settings.rangeDb - 1));
    }
    // Before the first burst the gate starts closed.
    expect(db(rmsOf(y, 0, ms(300)) / rmsOf(x, 0, ms(300)))).toBeLessThanOrEqual(-(settings.rangeDb - 1));
    expect(gate.gainReductionDb).toBeCloseTo(40, 6);
  });

  /** A 1 kHz sine whose level wanders ±1 dB around -40 dBFS with a 7 Hz and a 3.1 Hz wobble. */
  function hovering(seconds: number): Float32Array {
    const n = seconds * FS;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const t = i / FS;
      const levelDb = -40 + 0.6 * Math.sin(2 * Math.PI * 7 * t) + 0.4 * Math.sin(2 * Math.PI * 3.1 * t);
      x[i] = Math.pow(10, levelDb / 20) * Math.sin(2 * Math.PI * 1000 * t);
    }
    return x;
  }

  it('does not chatter on a signal hovering at threshold ±1 dB', () => {
    const gate = new Gate(FS);
    gate.configure({ ...settings, holdMs: 10 });
    const y = hovering(3);
    let toggles = 0;
    let state = gate.isOpen;
    run(gate, [y], () => {
      if (gate.isOpen !== state) { toggles++; state = gate.isOpen; }
    });
    expect(toggles).toBeLessThanOrEqual(1);
    expect(gate.transitions).toBeLessThanOrEqual(1);
  });

  it('the same signal chatters without hysteresis and hold (so the test above measures something)', () => {
    const gate = new Gate(FS);
    gate.configure({ ...settings, holdMs: 0, hysteresisDb: 0 });
    run(gate, [hovering(3)]);
    expect(gate.transitions).toBeGreaterThan(20);
  });

  it('holds, then releases linearly in dB over releaseMs; attack opens in attackMs', () => {
    const gate = new Gate(FS);
    gate.configure({ thresholdDb: -30, rangeDb: 60, attackMs: 2, holdMs: 100, releaseMs: 200 });
    gate.reset(); // closed at the new range
    expect(gate.gainReductionDb).toBe(60);
    const on = new Float32Array(ms(100)).fill(0.5);
    run(gate, [on.slice(0, ms(1))]);
    expect(gate.gainReductionDb).toBeCloseTo(30, 0); // halfway through a 2 ms attack on a 60 dB range
    run(gate, [on]);
    expect(gate.gainReductionDb).toBe(0);
    // Silence: detector falls within ~40 ms, then 100 ms hold keeps it open.
    run(gate, [new Float32Array(ms(120))]);
    expect(gate.isOpen).toBe(true);
    expect(gate.gainReductionDb).toBe(0);
    run(gate, [new Float32Array(ms(40))]);
    expect(gate.isOpen).toBe(false);
    const before = gate.gainReductionDb;
    run(gate, [new Float32Array(ms(100))]);
    expect(gate.gainReductionDb - before).toBeCloseTo(30, 0); // 100 ms of a 200 ms / 60 dB release
    run(gate, [new Float32Array(ms(150))]);
    expect(gate.gainReductionDb).toBe(60);
  });

  it('links channels: a loud left opens the gate for a quiet right', () => {
    const gate = new Gate(FS);
    gate.configure(settings);
    const l = sine(300, FS, ms(200), 0.5), r = sine(300, FS, ms(200), 0.001);
    const r0 = r.slice();
    run(gate, [l, r]);
    expect(db(rmsOf(r, ms(50)) / rmsOf(r0, ms(50)))).toBeCloseTo(0, 2);
  });

  it('process() does not allocate', () => {
    const gate = new Gate(FS);
    gate.configure({ ...settings, holdMs: 0, releaseMs: 5 });
    // Alternating loud and quiet blocks keep the gate opening and closing.
    const loud = sine(100, FS, 128, 0.5), quiet = new Float32Array(128);
    const a = [loud, loud], b = [quiet, quiet];
    let k = 0;
    expect(heapGrowth(() => gate.process((k++ & 32) ? a : b, 2, 128))).toBeLessThan(32 * 1024);
  });

  it('matches a per-sample reference exactly, whatever the block size (fast paths included)', () => {
    const set: GateSettings = { thresholdDb: -30, rangeDb: 50, attackMs: 2, holdMs: 30, releaseMs: 60 };
    const n = FS * 2;
    // Tone bursts of changing length and level over a quiet floor: the gate opens, holds, closes.
    const x = noise(n, 0.002, 11);
    for (let i = 0; i < n; i++) {
      // 200 ms segments: tones at four levels, every other one only the floor (long enough to close).
      const seg = Math.floor(i / 9600);
      if (seg % 2 === 0) x[i] = x[i]! + (0.05 + 0.2 * ((seg / 2) % 4)) * Math.sin(i * 0.03);
    }
    // The reference: the documented behaviour, sample by sample, written out independently.
    const perMs = FS / 1000, thr = Math.pow(10, set.thresholdDb / 20), close = Math.pow(10, (set.thresholdDb - 3) / 20);
    const detHold = Math.round(20 * perMs), detFall = Math.exp(-1 / (5 * perMs)), hold = Math.round(set.holdMs * perMs);
    const att = set.rangeDb / (set.attackMs * perMs), rel = set.rangeDb / (set.releaseMs * perMs);
    const want = new Float32Array(n);
    let env = 0, envHold = 0, holdLeft = 0, gDb = -set.rangeDb, open = false;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(x[i]!);
      if (a >= env) { env = a; envHold = detHold; } else if (envHold > 0) envHold--; else env *= detFall;
      if (env >= thr) { open = true; holdLeft = hold; } else if (open) {
        if (env >= close) holdLeft = hold; else if (holdLeft > 0) holdLeft--; else open = false;
      }
      const target = open ? 0 : -set.rangeDb;
      gDb = gDb < target ? Math.min(target, gDb + att) : Math.max(target, gDb - rel);
      want[i] = x[i]! * Math.pow(10, gDb / 20);
    }
    for (const block of [128, 37, 1024]) {
      const gate = new Gate(FS);
      gate.configure(set);
      gate.reset(); // closed at this range, as the reference starts
      const y = x.slice();
      for (let at = 0; at < n; at += block) {
        const f = Math.min(block, n - at);
        gate.process([y.subarray(at, at + f)], 1, f);
      }
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(y[i]! - want[i]!));
      // Only the gain's rounding differs (a constant-ratio ramp against 10^(dB/20) per sample).
      expect(worst, `block ${block}`).toBeLessThan(1e-6);
    }
  });
});
