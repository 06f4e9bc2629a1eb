/**
 * Which X32 leaves carry faderd's params, and how each value converts both ways. faderd's strips
 * take the console's first strips of each family:
 *
 *   /ch/N            → /ch/NN          (channels 1..32)
 *   /bus/B           → /bus/BB         (aux buses 1..16); a channel's send B is /ch/NN/mix/BB
 *   /fx/K            → /fxrtn/0K       (fx returns 1..8); a channel's fx send K is /ch/NN/mix/(buses+K),
 *                                       the mix bus that feeds the effect on a console, and that bus's
 *                                       /bus/../config/name is the effect's name
 *   /master          → /main/st
 *   solo             → /-stat/solosw/NN (channels 01-32, fx returns 41-48, buses 49-64)
 *
 * Values keep the X32's scaling on the wire (fader law, the 201-step frequency table, Q, ratio and
 * enum tables); faderd keeps its own units, so a value past faderd's range is clamped by the param
 * store and the echo tells the app what faderd holds. Conversions are pure functions of the leaf's scale.
 */
import type { ParamDef, ParamValue, ParamRegistry } from '../../params/registry.ts';
import type { ParamStore } from '../../params/store.ts';
import { floatToUnit, quantize, RATIOS, unitToFloat, type X32Value } from './scales.ts';
import type { X32Leaf, X32Tree } from './tree.ts';

export interface Binding {
  readonly leaf: X32Leaf;
  readonly param: ParamDef;
  /** The leaf's value for a param value. */
  toX32(v: ParamValue): X32Value;
  /** The param value an X32 value asks for; undefined when faderd cannot represent it (the set is ignored). */
  fromX32(x: X32Value): ParamValue | undefined;
}

type Conv = Pick<Binding, 'toX32' | 'fromX32'>;

/** dB, Hz, ms, %, ratio... on the leaf's own scale (fader law, linear or log). */
const unit = (leaf: X32Leaf): Conv => ({
  toX32: (v) => quantize(leaf.kind, unitToFloat(leaf.kind, Number(v))),
  fromX32: (x) => floatToUnit(leaf.kind, Number(x)),
});
const bool = (invert = false): Conv => ({
  toX32: (v) => (Boolean(v) !== invert ? 1 : 0),
  fromX32: (x) => (Number(x) !== 0) !== invert,
});
/** faderd pans -1..+1; the X32 sends 0..1 for -100..+100. */
const panConv = (leaf: X32Leaf): Conv => ({
  toX32: (v) => quantize(leaf.kind, (Number(v) + 1) / 2),
  fromX32: (x) => Number(x) * 2 - 1,
});
const text = (max: number): Conv => ({ toX32: (v) => String(v).slice(0, max), fromX32: (x) => String(x).slice(0, max) });

/** faderd's EQ shapes as the X32's LCut, LShv, PEQ, VEQ, HShv, HCut (a notch reads as PEQ). */
const EQ_TO_X32: Readonly<Record<string, number>> = { highpass: 0, lowshelf: 1, peak: 2, notch: 2, highshelf: 4, lowpass: 5 };
const EQ_FROM_X32 = ['highpass', 'lowshelf', 'peak', 'peak', 'highshelf', 'lowpass'];
const eqType: Conv = { toX32: (v) => EQ_TO_X32[String(v)] ?? 2, fromX32: (x) => EQ_FROM_X32[Number(x)] };

/** The nearest of the console's ratios (1.1 .. 100); faderd clamps 100 to its own ceiling. */
const ratioConv: Conv = {
  toX32: (v) => {
    let best = 0;
    for (let i = 1; i < RATIOS.length; i++) if (Math.abs(Math.log(Number(RATIOS[i]) / Number(v))) < Math.abs(Math.log(Number(RATIOS[best]) / Number(v)))) best = i;
    return best;
  },
  fromX32: (x) => Number(RATIOS[Number(x)] ?? 3),
};
/** 12 dB/oct is '12'; faderd's 24 dB/oct answers the X32's 18 and 24. */
const slope: Conv = { toX32: (v) => (v === '12db' ? 0 : 2), fromX32: (x) => (Number(x) === 0 ? '12db' : '24db') };
/** A send tap: IN/LC, <-EQ, EQ-> and PRE are pre-fader in faderd; POST and GRP post-fader. */
const tap: Conv = { toX32: (v) => (v ? 3 : 4), fromX32: (x) => Number(x) <= 3 };

const two = (n: number): string => String(n).padStart(2, '0');

export class Bindings {
  private readonly byLeaf = new Map<string, Binding>();
  private readonly byParam = new Map<string, Binding[]>();

  constructor(
    private readonly tree: X32Tree,
    private readonly registry: ParamRegistry,
  ) {
    this.build();
  }

  /** The binding of an X32 leaf address, if faderd has that value. */
  leaf(address: string): Binding | undefined {
    return this.byLeaf.get(address);
  }

  /** The X32 leaves that show a faderd param (one param can show in two places, e.g. an fx name). */
  ofParam(address: string): readonly Binding[] {
    return this.byParam.get(address) ?? [];
  }

  get size(): number {
    return this.byLeaf.size;
  }

  all(): IterableIterator<Binding> {
    return this.byLeaf.values();
  }

  /** The leaf's value now: faderd's when bound, the console's reset value otherwise. */
  value(leaf: X32Leaf, store: ParamStore): X32Value {
    const b = this.byLeaf.get(leaf.address);
    return b ? b.toX32(store.getByIndex(b.param.index)) : leaf.def;
  }

  private bind(x32: string, param: string, conv: (leaf: X32Leaf) => Conv): void {
    const leaf = this.tree.leaf(x32);
    const def = this.registry.get(param);
    if (!leaf || !def) return;
    const b: Binding = { leaf, param: def, ...conv(leaf) };
    this.byLeaf.set(x32, b);
    const list = this.byParam.get(param);
    if (list) list.push(b);
    else this.byParam.set(param, [b]);
  }

  private strip(x32: string, fd: string, o: { name?: string; eqBands: number; preamp?: boolean; gate?: boolean; dyn?: string }): void {
    const u = unit;
    if (o.name) this.bind(`/${x32}/${o.name}`, `${fd}/name`, () => text(12));
    if (o.preamp) {
      this.bind(`/${x32}/preamp/trim`, `${fd}/trim`, u);
      this.bind(`/${x32}/preamp/invert`, `${fd}/polarity`, () => bool());
      this.bind(`/${x32}/preamp/hpon`, `${fd}/hpf/on`, () => bool());
      this.bind(`/${x32}/preamp/hpslope`, `${fd}/hpf/slope`, () => slope);
      this.bind(`/${x32}/preamp/hpf`, `${fd}/hpf/freq`, u);
    }
    if (o.gate) {
      this.bind(`/${x32}/gate/on`, `${fd}/gate/on`, () => bool());
      for (const [x, f] of [['thr', 'threshold'], ['range', 'range'], ['attack', 'attack'], ['hold', 'hold'], ['release', 'release']]) this.bind(`/${x32}/gate/${x}`, `${fd}/gate/${f}`, u);
    }
    if (o.dyn) {
      this.bind(`/${x32}/dyn/on`, `${o.dyn}/on`, () => bool());
      this.bind(`/${x32}/dyn/auto`, `${o.dyn}/auto`, () => bool());
      this.bind(`/${x32}/dyn/ratio`, `${o.dyn}/ratio`, () => ratioConv);
      for (const [x, f] of [['thr', 'threshold'], ['knee', 'knee'], ['mgain', 'makeup'], ['attack', 'attack'], ['release', 'release']]) this.bind(`/${x32}/dyn/${x}`, `${o.dyn}/${f}`, u);
    }
    this.bind(`/${x32}/eq/on`, `${fd}/eq/on`, () => bool());
    for (let k = 1; k <= o.eqBands; k++) {
      this.bind(`/${x32}/eq/${k}/type`, `${fd}/eq/${k}/type`, () => eqType);
      this.bind(`/${x32}/eq/${k}/f`, `${fd}/eq/${k}/freq`, u);
      this.bind(`/${x32}/eq/${k}/g`, `${fd}/eq/${k}/gain`, u);
      this.bind(`/${x32}/eq/${k}/q`, `${fd}/eq/${k}/q`, u);
    }
    this.bind(`/${x32}/mix/on`, `${fd}/mute`, () => bool(true));
    this.bind(`/${x32}/mix/fader`, `${fd}/fader`, u);
    this.bind(`/${x32}/mix/pan`, `${fd}/pan`, panConv);
  }

  private build(): void {
    const count = (prefix: string, max: number): number => {
      let n = 0;
      while (n < max && this.registry.has(`${prefix}/${n + 1}/fader`)) n++;
      return n;
    };
    const channels = count('/ch', 32);
    const buses = count('/bus', 16);
    const fx = count('/fx', 8);
    for (let c = 1; c <= channels; c++) {
      const x = `ch/${two(c)}`;
      this.strip(x, `/ch/${c}`, { name: 'config/name', eqBands: 4, preamp: true, gate: true, dyn: `/ch/${c}/comp` });
      for (let m = 1; m <= 16; m++) {
        const target = m <= buses ? `/ch/${c}/send/${m}` : m - buses <= fx ? `/ch/${c}/fxsend/${m - buses}` : undefined;
        if (!target) continue;
        this.bind(`/${x}/mix/${two(m)}/level`, `${target}/level`, unit);
        this.bind(`/${x}/mix/${two(m)}/type`, `${target}/pre`, () => tap);
      }
      this.bind(`/-stat/solosw/${two(c)}`, `/ch/${c}/solo`, () => bool());
    }
    for (let b = 1; b <= buses; b++) {
      this.strip(`bus/${two(b)}`, `/bus/${b}`, { name: 'config/name', eqBands: 4, dyn: `/bus/${b}/comp` });
      this.bind(`/-stat/solosw/${48 + b}`, `/bus/${b}/solo`, () => bool());
    }
    for (let k = 1; k <= fx; k++) {
      this.strip(`fxrtn/${two(k)}`, `/fx/${k}`, { name: 'config/name', eqBands: 4 });
      this.bind(`/-stat/solosw/${two(40 + k)}`, `/fx/${k}/solo`, () => bool());
      if (buses + k <= 16) this.bind(`/bus/${two(buses + k)}/config/name`, `/fx/${k}/name`, () => text(12));
    }
    this.strip('main/st', '/master', { eqBands: 4, dyn: '/master/comp' });
  }
}
