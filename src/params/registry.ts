/**
 * The param registry: every address faderd has, built from a session. One namespace for the engine,
 * every surface and the OSC server. Units are explicit; each numeric param has a taper that gives its
 * normalized 0..1 form.
 */
import { faderLaw, linearTaper, logTaper, type Taper } from './taper.ts';
import type { Session } from './session.ts';
import { compileAddressPattern } from '../util/osc-pattern.ts';

export type ParamType = 'number' | 'bool' | 'enum' | 'text';
export type ParamValue = number | boolean | string;
export type Unit = 'dB' | 'dBTP' | 'LUFS' | 'LU' | 'Hz' | 'ms' | 'ratio' | 'pan' | '%' | 'bool' | 'enum' | 'text' | 'count' | '';

export interface ParamDef {
  readonly address: string;
  /** Dense index, stable for a given session: the engine and shared-memory queues use it. */
  readonly index: number;
  readonly type: ParamType;
  readonly unit: Unit;
  readonly min: number;
  readonly max: number;
  readonly default: ParamValue;
  readonly step?: number;
  readonly taper: Taper;
  /** Enum names, in engine order (the engine sees the index). */
  readonly values?: readonly string[];
  /** Meters and status: set only by the engine or daemon, never by surfaces. */
  readonly readOnly: boolean;
  /** Meters change continuously and are not saved in state or scenes. */
  readonly volatile: boolean;
  /** Actions (scene store/recall): a write triggers something; not saved. */
  readonly action: boolean;
  readonly description: string;
}

type DefInput = Omit<ParamDef, 'index' | 'taper' | 'readOnly' | 'volatile' | 'action' | 'min' | 'max'> & {
  taper?: Taper;
  readOnly?: boolean;
  volatile?: boolean;
  action?: boolean;
  min?: number;
  max?: number;
};

export const EQ_TYPES = ['lowshelf', 'peak', 'highshelf', 'lowpass', 'highpass', 'notch'] as const;
export type EqType = (typeof EQ_TYPES)[number];
export const HPF_SLOPES = ['12db', '24db'] as const;
export const DITHER_BITS = ['16', '24'] as const;
export const EQ_BANDS = 4;
export const MASTER_EQ_BANDS = 4;

const EQ_DEFAULTS: ReadonlyArray<{ type: EqType; freq: number; q: number }> = [
  { type: 'lowshelf', freq: 100, q: 0.707 },
  { type: 'peak', freq: 400, q: 1 },
  { type: 'peak', freq: 2500, q: 1 },
  { type: 'highshelf', freq: 8000, q: 0.707 },
];

class Builder {
  readonly defs: ParamDef[] = [];
  add(d: DefInput): void {
    const min = d.min ?? (d.type === 'bool' ? 0 : d.type === 'enum' ? 0 : 0);
    const max = d.max ?? (d.type === 'bool' ? 1 : d.type === 'enum' ? (d.values?.length ?? 1) - 1 : 0);
    const taper = d.taper ?? (max > min ? linearTaper(min, max) : linearTaper(0, 1));
    this.defs.push({
      ...d,
      min,
      max,
      taper,
      index: this.defs.length,
      readOnly: d.readOnly ?? false,
      volatile: d.volatile ?? false,
      action: d.action ?? false,
    });
  }
  db(address: string, min: number, max: number, def: number, description: string, step = 0.1): void {
    this.add({ address, type: 'number', unit: 'dB', min, max, default: def, step, description });
  }
  /** A fader; under a safety ceiling below 0 dB it starts at the ceiling, never above it. */
  fader(address: string, def: number, description: string, max = 10): void {
    this.add({ address, type: 'number', unit: 'dB', min: -Infinity, max, default: Math.min(def, max), step: 0.1, taper: faderLaw, description });
  }
  log(address: string, unit: Unit, min: number, max: number, def: number, description: string): void {
    this.add({ address, type: 'number', unit, min, max, default: def, taper: logTaper(min, max), description });
  }
  bool(address: string, def: boolean, description: string): void {
    this.add({ address, type: 'bool', unit: 'bool', default: def, description });
  }
  enum(address: string, values: readonly string[], def: string, description: string): void {
    this.add({ address, type: 'enum', unit: 'enum', values, default: def, description });
  }
  text(address: string, def: string, description: string, extra: Partial<DefInput> = {}): void {
    this.add({ address, type: 'text', unit: 'text', default: def, description, ...extra });
  }
  meter(address: string, unit: Unit, min: number, max: number, description: string): void {
    this.add({ address, type: 'number', unit, min, max, default: min, readOnly: true, volatile: true, description });
  }
}

function addEq(b: Builder, base: string, bands: number): void {
  b.bool(`${base}/eq/on`, true, 'EQ in');
  for (let k = 1; k <= bands; k++) {
    const d = EQ_DEFAULTS[(k - 1) % EQ_DEFAULTS.length]!;
    const p = `${base}/eq/${k}`;
    b.enum(`${p}/type`, EQ_TYPES, d.type, `EQ band ${k} shape`);
    b.log(`${p}/freq`, 'Hz', 20, 20000, d.freq, `EQ band ${k} frequency`);
    b.db(`${p}/gain`, -15, 15, 0, `EQ band ${k} gain`);
    b.log(`${p}/q`, 'ratio', 0.1, 10, d.q, `EQ band ${k} Q (shelves too: 0.707 = slope 1)`);
  }
}

function addComp(b: Builder, base: string, glue: boolean): void {
  b.bool(`${base}/comp/on`, false, glue ? 'Glue compressor in' : 'Compressor in');
  b.db(`${base}/comp/threshold`, -60, 0, glue ? -12 : -20, 'Compressor threshold');
  b.log(`${base}/comp/ratio`, 'ratio', 1, 20, glue ? 2 : 3, 'Compressor ratio (n:1)');
  b.db(`${base}/comp/knee`, 0, 24, 6, 'Soft-knee width');
  b.log(`${base}/comp/attack`, 'ms', 0.1, 200, glue ? 30 : 10, 'Compressor attack');
  b.log(`${base}/comp/release`, 'ms', 5, 4000, glue ? 300 : 100, 'Compressor release');
  b.db(`${base}/comp/makeup`, 0, 24, 0, 'Make-up gain');
  b.bool(`${base}/comp/auto`, false, 'Automatic make-up gain (from threshold, ratio and knee)');
}

/** The strip shape shared by channels, aux buses and fx returns. */
function addStrip(b: Builder, base: string, name: string, maxGainDb: number): void {
  b.text(`${base}/name`, name, 'Name shown on scribble strips');
  b.db(`${base}/trim`, -18, 18, 0, 'Input trim');
  b.bool(`${base}/polarity`, false, 'Polarity invert');
  b.bool(`${base}/hpf/on`, false, 'High-pass filter in');
  b.log(`${base}/hpf/freq`, 'Hz', 20, 400, 80, 'High-pass corner frequency');
  b.enum(`${base}/hpf/slope`, HPF_SLOPES, '12db', 'High-pass slope');
  b.bool(`${base}/gate/on`, false, 'Gate / expander in');
  b.db(`${base}/gate/threshold`, -80, 0, -50, 'Gate threshold (opens above, closes 3 dB below: hysteresis)');
  b.db(`${base}/gate/range`, 0, 80, 40, 'Gate attenuation when closed (dB below open)');
  b.log(`${base}/gate/attack`, 'ms', 0.05, 50, 0.5, 'Gate attack');
  b.add({ address: `${base}/gate/hold`, type: 'number', unit: 'ms', min: 0, max: 2000, default: 50, step: 1, description: 'Gate hold' });
  b.log(`${base}/gate/release`, 'ms', 5, 4000, 200, 'Gate release');
  addEq(b, base, EQ_BANDS);
  addComp(b, base, false);
  b.bool(`${base}/sat/on`, false, 'Saturation in');
  b.db(`${base}/sat/drive`, 0, 24, 6, 'Saturation drive');
  b.add({ address: `${base}/sat/mix`, type: 'number', unit: '%', min: 0, max: 100, default: 100, step: 1, description: 'Saturation wet/dry mix' });
  b.fader(`${base}/fader`, 0, 'Fader level', Math.min(10, maxGainDb));
  b.add({ address: `${base}/pan`, type: 'number', unit: 'pan', min: -1, max: 1, default: 0, step: 0.01, description: 'Pan (mono: constant power, -3 dB centre; stereo: balance)' });
  b.bool(`${base}/mute`, false, 'Mute');
  b.bool(`${base}/solo`, false, 'Solo (in place)');
  // A float mix goes past full scale: meters show how far (+20 dB, as the true-peak meter), so a
  // surface can light its overload indicator.
  b.meter(`${base}/meter/peak`, 'dB', -Infinity, 20, 'Peak level (post-fader), with hold and release');
  b.meter(`${base}/meter/rms`, 'dB', -Infinity, 20, 'RMS level (300 ms)');
  b.meter(`${base}/meter/gr`, 'dB', 0, 60, 'Gain reduction of gate and compressor');
}

export interface RegistryOptions {
  /** Surfaces named in the session, for their /surface/NAME/connected params. */
  readonly surfaceIds?: readonly string[];
}

export class ParamRegistry {
  readonly defs: readonly ParamDef[];
  private readonly byAddress: ReadonlyMap<string, ParamDef>;

  constructor(defs: readonly ParamDef[]) {
    this.defs = defs;
    const m = new Map<string, ParamDef>();
    for (const d of defs) {
      if (m.has(d.address)) throw new Error(`duplicate param address ${d.address}`);
      m.set(d.address, d);
    }
    this.byAddress = m;
  }

  static fromSession(session: Session, opts: RegistryOptions = {}): ParamRegistry {
    const b = new Builder();
    const ceiling = session.safety.maxGainDb;
    session.channels.forEach((c, i) => {
      const base = `/ch/${i + 1}`;
      addStrip(b, base, c.name, 10);
      session.buses.forEach((_, j) => {
        b.fader(`${base}/send/${j + 1}/level`, -Infinity, `Send to bus ${j + 1}`);
        b.bool(`${base}/send/${j + 1}/pre`, false, `Send to bus ${j + 1} is pre-fader`);
      });
      session.fx.forEach((_, k) => {
        b.fader(`${base}/fxsend/${k + 1}/level`, -Infinity, `Send to fx ${k + 1}`);
        b.bool(`${base}/fxsend/${k + 1}/pre`, false, `Send to fx ${k + 1} is pre-fader`);
      });
    });
    session.buses.forEach((bus, j) => {
      const base = `/bus/${j + 1}`;
      addStrip(b, base, bus.name, ceiling);
      session.fx.forEach((_, k) => {
        b.fader(`${base}/fxsend/${k + 1}/level`, -Infinity, `Send from bus to fx ${k + 1}`);
        b.bool(`${base}/fxsend/${k + 1}/pre`, false, `Send from bus to fx ${k + 1} is pre-fader`);
      });
    });
    session.fx.forEach((fx, k) => {
      const base = `/fx/${k + 1}`;
      addStrip(b, base, fx.name, 10);
      if (fx.type === 'reverb') {
        b.add({ address: `${base}/size`, type: 'number', unit: '%', min: 0, max: 100, default: 60, step: 1, description: 'Reverb room size' });
        b.log(`${base}/decay`, 'ms', 100, 20000, 1800, 'Reverb decay time (RT60)');
        b.add({ address: `${base}/damping`, type: 'number', unit: '%', min: 0, max: 100, default: 40, step: 1, description: 'High-frequency damping' });
        b.add({ address: `${base}/predelay`, type: 'number', unit: 'ms', min: 0, max: 250, default: 20, step: 1, description: 'Pre-delay' });
      } else {
        b.log(`${base}/time`, 'ms', 1, 2000, 350, 'Delay time');
        b.add({ address: `${base}/feedback`, type: 'number', unit: '%', min: 0, max: 95, default: 35, step: 1, description: 'Feedback' });
        b.add({ address: `${base}/damping`, type: 'number', unit: '%', min: 0, max: 100, default: 30, step: 1, description: 'High-frequency damping of the repeats' });
      }
    });
    // Master: the mix bus and its mastering chain, in signal order.
    b.fader('/master/fader', 0, 'Master fader', Math.min(10, ceiling));
    b.bool('/master/mute', false, 'Master mute');
    addEq(b, '/master', MASTER_EQ_BANDS);
    b.db('/master/eq/tilt', -6, 6, 0, 'Tilt EQ around 1 kHz: + brightens, - darkens');
    addComp(b, '/master', true);
    b.add({ address: '/master/width', type: 'number', unit: '%', min: 0, max: 200, default: 100, step: 1, description: 'Stereo width (mid/side): 0 mono, 100 unchanged, 200 wide' });
    b.bool('/master/monobass', false, 'Keep lows mono below the crossover (a 2nd-order all-pass phase shift at the crossover on everything)');
    b.log('/master/monofreq', 'Hz', 40, 400, 120, 'Mono-bass crossover frequency');
    b.db('/master/drive', 0, 12, 0, 'Saturation drive on the master (0 = off)');
    b.add({ address: '/master/exciter', type: 'number', unit: '%', min: 0, max: 100, default: 0, step: 1, description: 'High-band exciter amount for subtle brightness (0 = off)' });
    b.bool('/master/limiter/on', true, 'True-peak look-ahead limiter in');
    b.add({ address: '/master/limiter/ceiling', type: 'number', unit: 'dBTP', min: -12, max: 0, default: -1, step: 0.1, description: 'Limiter ceiling (true peak)' });
    b.log('/master/limiter/release', 'ms', 1, 1000, 100, 'Limiter release');
    b.add({ address: '/master/loudness/target', type: 'number', unit: 'LUFS', min: -36, max: -6, default: -14, step: 0.5, description: 'Live loudness target' });
    b.bool('/master/loudness/auto', false, 'Ride the master slowly toward the loudness target');
    b.bool('/master/dither/on', false, 'TPDF dither when the output word length is reduced');
    b.enum('/master/dither/bits', DITHER_BITS, '24', 'Output word length for dither');
    b.bool('/master/dither/shaping', false, 'Noise-shaped dither');
    b.meter('/master/meter/peak', 'dB', -Infinity, 20, 'Master peak level');
    b.meter('/master/meter/rms', 'dB', -Infinity, 20, 'Master RMS level');
    b.meter('/master/meter/gr', 'dB', 0, 60, 'Master gain reduction (glue comp + limiter)');
    b.meter('/master/meter/momentary', 'LUFS', -Infinity, 0, 'Momentary loudness (400 ms)');
    b.meter('/master/meter/shortterm', 'LUFS', -Infinity, 0, 'Short-term loudness (3 s)');
    b.meter('/master/meter/integrated', 'LUFS', -Infinity, 0, 'Integrated loudness since reset');
    b.meter('/master/meter/lra', 'LU', 0, 60, 'Loudness range (EBU Tech 3342)');
    b.meter('/master/meter/truepeak', 'dBTP', -Infinity, 20, 'True peak since reset (16x reconstruction)');
    b.meter('/master/meter/autogain', 'dB', -24, 24, 'Gain applied by the loudness rider');
    // Scenes and status.
    b.text('/scene/store', '', 'Write a name to store the current mix as that scene', { action: true });
    b.text('/scene/recall', '', 'Write a name to recall that scene', { action: true });
    b.text('/scene/current', '', 'Name of the last stored or recalled scene', { readOnly: true });
    b.meter('/status/load/mean', '%', 0, 1000, 'DSP load, mean over the last status period (% of block period)');
    b.meter('/status/load/max', '%', 0, 1000, 'DSP load, worst block in the last status period');
    b.meter('/status/blocks', 'count', 0, Number.MAX_SAFE_INTEGER, 'Blocks processed');
    b.meter('/status/late', 'count', 0, Number.MAX_SAFE_INTEGER, 'Blocks that missed their deadline');
    b.meter('/status/dropped', 'count', 0, Number.MAX_SAFE_INTEGER, 'Blocks dropped (underruns or overruns)');
    b.meter('/status/params/overflowed', 'count', 0, Number.MAX_SAFE_INTEGER, "Param changes that found the engine's queue full and waited on the control side (latest value wins)");
    b.text('/status/audio/state', 'stopped', 'Audio state: running, fallback, stopped', { readOnly: true, volatile: true });
    b.text('/status/audio/device', '', 'Audio device in use', { readOnly: true, volatile: true });
    b.text('/status/audio/scheduling', '', 'How the engine thread is scheduled: realtime, nice or normal', { readOnly: true, volatile: true });
    b.text('/status/audio/latency', '', 'Expected round trip in frames and where they go: device input, faderd queue, engine, device output', { readOnly: true, volatile: true });
    b.meter('/status/audio/roundtrip', 'ms', 0, 10000, 'Expected round-trip latency (faderd share only when the device does not report its own)');
    for (const [key, description] of Object.entries(OSC_STATUS)) b.meter(`/status/osc/${key}`, 'count', 0, Number.MAX_SAFE_INTEGER, description);
    for (const id of opts.surfaceIds ?? []) {
      b.add({ address: `/surface/${id}/connected`, type: 'bool', unit: 'bool', default: false, readOnly: true, volatile: true, description: `Surface ${id} is connected` });
    }
    return new ParamRegistry(b.defs);
  }

  get(address: string): ParamDef | undefined {
    return this.byAddress.get(address);
  }

  has(address: string): boolean {
    return this.byAddress.has(address);
  }

  /** Param defs matching an OSC-style pattern (`*`, `?`, `[..]`, `{a,b}`), in registry order. */
  match(pattern: string): ParamDef[] {
    if (!/[*?[{]/.test(pattern)) {
      const d = this.byAddress.get(pattern);
      return d ? [d] : [];
    }
    const re = compileAddressPattern(pattern);
    return this.defs.filter((d) => re.test(d.address));
  }
}

/**
 * The OSC server's counters, published under `/status/osc/<key>` so that loss is visible from any
 * client and in the status line (src/servers/native-osc.ts writes them once a second when they change).
 */
export const OSC_STATUS = {
  received: 'OSC messages received',
  malformed: 'OSC packets dropped as malformed',
  denied: 'OSC packets and WebSockets from clients outside the allow list',
  refused: 'OSC WebSockets refused for their Origin or Host (another site\'s page, DNS rebinding)',
  readonly: 'OSC writes ignored from read-only clients',
  errors: 'OSC messages the param store refused (unknown address, bad value)',
  dropped: 'OSC replies and feedback dropped (client gone, queue full)',
  late: 'OSC bundles dropped: scheduled too far ahead, or over the schedule\'s bounds',
  rxbuffer: 'OSC UDP receive buffer, bytes (as granted by the OS)',
  slowclients: 'OSC clients dropped because their connection did not drain their feedback',
  connrefused: 'OSC WebSocket connections refused: their address held its share already',
} as const;

/** A param value as the engine sees it: numbers as they are, booleans 0/1, enums by index. */
export function toEngineValue(def: ParamDef, value: ParamValue): number {
  switch (def.type) {
    case 'bool':
      return value ? 1 : 0;
    case 'enum':
      return Math.max(0, def.values!.indexOf(String(value)));
    case 'number':
      return value as number;
    case 'text':
      return 0;
  }
}
