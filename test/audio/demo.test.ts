import { describe, expect, it } from 'vitest';
import { DemoMultitrack, DEMO_TRACKS } from '../../src/audio/demo.ts';

const dbfs = (x: number) => 20 * Math.log10(x);

describe('DemoMultitrack', () => {
  const demo = new DemoMultitrack(48000);

  it('has eight tracks at moderate levels, none clipping, none silent', () => {
    expect(demo.tracks.length).toBe(DEMO_TRACKS.length);
    for (const t of demo.tracks) {
      let peak = 0;
      let sq = 0;
      for (const s of t) {
        peak = Math.max(peak, Math.abs(s));
        sq += s * s;
      }
      const rms = Math.sqrt(sq / t.length);
      expect(dbfs(peak)).toBeLessThan(-1);
      expect(dbfs(rms)).toBeGreaterThan(-45);
      expect(dbfs(rms)).toBeLessThan(-8);
    }
  });

  it('loops: fill() wraps seamlessly and maps input k to track k mod 8', () => {
    const d = new DemoMultitrack(48000);
    const ins = Array.from({ length: 10 }, () => new Float32Array(1000));
    const L = d.loopFrames;
    let pos = 0;
    while (pos + 1000 < L) {
      d.fill(ins, 1000);
      pos += 1000;
    }
    d.fill(ins, 1000); // crosses the loop end
    for (let i = 0; i < 1000; i++) {
      const p = (pos + i) % L;
      expect(ins[2]![i]).toBe(d.tracks[2]![p]);
      expect(ins[9]![i]).toBe(d.tracks[1]![p]);
    }
  });
});
