import { describe, expect, it } from 'vitest';
import { createMeterSnapshotBuffers, MeterSnapshotReader, MeterSnapshotWriter, STATUS } from '../../../src/engine/worker/meter-snapshot.ts';

describe('meter snapshot', () => {
  it('hands over the newest meters and health once per publication, coalescing the rest', () => {
    const b = createMeterSnapshotBuffers(6);
    const w = new MeterSnapshotWriter(b);
    const r = new MeterSnapshotReader(b);
    const meters = new Float64Array(6);
    const status = new Float64Array(STATUS.count);
    const idx = Int32Array.from([1, 4]);
    expect(r.read()).toBe(false);
    for (let k = 1; k <= 3; k++) {
      meters[1] = -k;
      meters[4] = -Infinity;
      meters[2] = 99; // not a meter index: never copied
      status[STATUS.blocks] = k * 10;
      w.publish(meters, idx, status);
    }
    expect(r.read()).toBe(true);
    expect(r.values[1]).toBe(-3);
    expect(r.values[4]).toBe(-Infinity);
    expect(r.values[2]).toBe(0);
    expect(r.status(STATUS.blocks)).toBe(30);
    expect(r.read()).toBe(false);
  });
});
