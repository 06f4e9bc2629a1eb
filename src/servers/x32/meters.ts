/**
 * X32 meter banks (`/meters/0` .. `/meters/16`) filled from faderd's meter params, in the console's
 * blob format: the OSC blob holds an int32 count, then that many float32 values, both little-endian
 * (the console's native order, not OSC's). Levels are linear (1.0 = 0 dBFS); gain-reduction meters
 * are the linear gain left (1.0 = no reduction). faderd meters each strip once, post-fader, and
 * reports gate and compressor reduction as one figure: the level fills the X32's level slots
 * (pre- and post-fade alike) and the reduction its dynamics slot, with the gate slot at 1.0.
 * `/meters/15` (RTA) and `/meters/16` (gains as int16 pairs) keep their own layouts. Slots faderd
 * has nothing for (aux inputs, matrices, mono, outputs) read as silence.
 */
import type { ParamRegistry } from '../../params/registry.ts';
import type { ParamStore } from '../../params/store.ts';

/** Values per bank, as the protocol document lists them. */
export const METER_COUNTS: readonly number[] = [70, 96, 49, 22, 82, 27, 4, 16, 6, 32, 32, 5, 4, 48, 80, 50, 48];

/** How many int arguments a bank takes before its time factor (`/meters/5 chn grp`, `/meters/6 channel`). */
export const meterArgCount = (bank: number): number => (bank === 5 ? 2 : bank === 6 ? 1 : 0);

/** The bank number of `/meters/N` or `meters/N`; undefined for anything else. */
export function meterBank(path: string): number | undefined {
  const m = /^\/?meters\/(\d{1,2})$/.exec(path);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n < METER_COUNTS.length ? n : undefined;
}

const lin = (db: number): number => (db > -200 ? Math.pow(10, db / 20) : 0);
/** Gain reduction (dB, positive) as the linear gain left. */
const grGain = (db: number): number => (db > 0 ? Math.pow(10, -db / 20) : 1);

interface Strip {
  readonly peak: number;
  readonly gr: number;
}

/** Reads faderd's meters for the X32's strips, by param index (looked up once). */
export class MeterSource {
  private readonly ch: Array<Strip | undefined>;
  private readonly bus: Array<Strip | undefined>;
  private readonly fx: Array<Strip | undefined>;
  private readonly main: Strip | undefined;

  constructor(
    private readonly store: ParamStore,
    registry: ParamRegistry,
  ) {
    const strip = (base: string): Strip | undefined => {
      const peak = registry.get(`${base}/meter/peak`);
      const gr = registry.get(`${base}/meter/gr`);
      return peak && gr ? { peak: peak.index, gr: gr.index } : undefined;
    };
    this.ch = Array.from({ length: 32 }, (_, i) => strip(`/ch/${i + 1}`));
    this.bus = Array.from({ length: 16 }, (_, i) => strip(`/bus/${i + 1}`));
    this.fx = Array.from({ length: 8 }, (_, i) => strip(`/fx/${i + 1}`));
    this.main = strip('/master');
  }

  private level(s: Strip | undefined): number {
    return s ? lin(Number(this.store.getByIndex(s.peak))) : 0;
  }

  private gain(s: Strip | undefined): number {
    return s ? grGain(Number(this.store.getByIndex(s.gr))) : 1;
  }

  /** An X32 channel id (0-31 channels, 32-39 aux, 40-47 fx returns, 48-63 buses, 64-69 matrices, 70 main, 71 mono). */
  private byId(id: number): Strip | undefined {
    if (id < 32) return this.ch[id];
    if (id >= 40 && id < 48) return this.fx[id - 40];
    if (id >= 48 && id < 64) return this.bus[id - 48];
    if (id === 70) return this.main;
    return undefined;
  }

  /** The values of one bank (float banks) or its 32-bit words (15, 16), for the given arguments. */
  values(bank: number, args: readonly number[]): Float32Array | Uint32Array {
    const n = METER_COUNTS[bank]!;
    if (bank === 15) return new Uint32Array(n).fill(0x80008000); // RTA: every band at -128 dB
    if (bank === 16) return this.gains16();
    const v = new Float32Array(n);
    const put = (at: number, strips: ReadonlyArray<Strip | undefined>, f: (s: Strip | undefined) => number) => strips.forEach((s, i) => (v[at + i] = f(s)));
    const L = (s: Strip | undefined) => this.level(s);
    const G = (s: Strip | undefined) => this.gain(s);
    switch (bank) {
      case 0:
        put(0, this.ch, L);
        put(40, this.fx, L);
        put(48, this.bus, L);
        break;
      case 1:
        put(0, this.ch, L);
        v.fill(1, 32, 64);
        put(64, this.ch, G);
        break;
      case 2:
        put(0, this.bus, L);
        v[22] = v[23] = L(this.main);
        put(25, this.bus, G);
        v.fill(1, 41, 47);
        v[47] = G(this.main);
        v[48] = 1;
        break;
      case 3:
        put(14, this.fx, L);
        break;
      case 4:
      case 13:
        put(0, this.ch, L);
        if (bank === 13) put(40, this.fx, L);
        break;
      case 5: {
        const [chn = 0, grp = 0] = args;
        const bankStrips = chn === 0 ? this.ch.slice(0, 16) : chn === 1 ? this.ch.slice(16, 32) : chn === 2 ? [...new Array<undefined>(8), ...this.fx] : chn === 3 ? this.bus : [];
        put(0, bankStrips, L);
        put(16, grp === 1 ? this.bus.slice(0, 8) : grp === 2 ? this.bus.slice(8, 16) : [], L);
        v[24] = v[25] = L(this.main);
        break;
      }
      case 6: {
        const s = this.byId(args[0] ?? 0);
        v[0] = v[3] = L(s);
        v[1] = 1;
        v[2] = G(s);
        break;
      }
      case 7:
        put(0, this.bus, L);
        break;
      default:
        break;
    }
    return v;
  }

  /** `/meters/16`: gate, comp, bus, matrix and main gains as int16 /32767 pairs, then automix. */
  private gains16(): Uint32Array {
    const shorts = new Uint16Array(96).fill(32767, 0, 88);
    const q = (g: number) => Math.round(Math.min(1, g) * 32767);
    this.ch.forEach((s, i) => (shorts[32 + i] = q(this.gain(s))));
    this.bus.forEach((s, i) => (shorts[64 + i] = q(this.gain(s))));
    shorts[86] = q(this.gain(this.main));
    shorts.fill(0, 88);
    return Uint32Array.from({ length: 48 }, (_, i) => (shorts[2 * i]! | (shorts[2 * i + 1]! << 16)) >>> 0);
  }
}

/** The blob a console sends: LE count, then the values as LE 32-bit words. */
export function meterBlob(values: Float32Array | Uint32Array): Uint8Array {
  const out = new Uint8Array(4 + values.length * 4);
  const view = new DataView(out.buffer);
  view.setInt32(0, values.length, true);
  for (let i = 0; i < values.length; i++) {
    if (values instanceof Float32Array) view.setFloat32(4 + i * 4, values[i]!, true);
    else view.setUint32(4 + i * 4, values[i]!, true);
  }
  return out;
}
