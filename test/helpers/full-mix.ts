/**
 * The "everything in" mix that the engine benchmarks measure and the allocation test runs: aux buses
 * (two stereo to the master, two mono monitors), a reverb and a delay, every strip stage active.
 */
import type { Engine } from '../../src/engine/types.ts';
import { parseSession, type Session } from '../../src/params/session.ts';
import { toEngineValue, type ParamRegistry, type ParamValue } from '../../src/params/registry.ts';

/** `channels` mono channels, 4 aux buses, 2 fx returns, the master on outputs 1-2. */
export function fullMixSession(channels: number): Session {
  const yaml = [
    `channels: ${channels}`,
    'buses:',
    '  - { name: Drums, master: true }',
    '  - { name: Vocals, master: true }',
    '  - { name: Mon 1, stereo: false, output: 3 }',
    '  - { name: Mon 2, stereo: false, output: 4 }',
    'fx:',
    '  - { name: Verb, type: reverb }',
    '  - { name: Echo, type: delay }',
    'master: { output: [1, 2] }',
  ].join('\n');
  return parseSession(yaml, '<full mix>');
}

/** Every stage of every channel and bus strip on, every aux and fx send open, fx returns up. */
export function everyStageOn(channels: number, buses: number): Record<string, ParamValue> {
  const p: Record<string, ParamValue> = {};
  const strip = (base: string, i: number): void => {
    Object.assign(p, {
      [`${base}/trim`]: 3,
      [`${base}/polarity`]: i % 2 === 1,
      [`${base}/hpf/on`]: true,
      [`${base}/hpf/freq`]: 60,
      [`${base}/hpf/slope`]: '24db',
      [`${base}/gate/on`]: true,
      [`${base}/gate/threshold`]: -45,
      [`${base}/eq/on`]: true,
      [`${base}/eq/1/gain`]: 2,
      [`${base}/eq/2/gain`]: -3,
      [`${base}/eq/3/gain`]: 4,
      [`${base}/eq/4/gain`]: 1.5,
      [`${base}/comp/on`]: true,
      [`${base}/comp/threshold`]: -24,
      [`${base}/sat/on`]: true,
      [`${base}/fader`]: -12,
      [`${base}/pan`]: ((i % 9) - 4) / 4,
    });
  };
  for (let i = 1; i <= channels; i++) {
    strip(`/ch/${i}`, i);
    for (let b = 1; b <= buses; b++) Object.assign(p, { [`/ch/${i}/send/${b}/level`]: -10, [`/ch/${i}/send/${b}/pre`]: b > 2 });
    for (let k = 1; k <= 2; k++) p[`/ch/${i}/fxsend/${k}/level`] = -15;
  }
  for (let b = 1; b <= buses; b++) strip(`/bus/${b}`, b);
  for (let k = 1; k <= 2; k++) p[`/fx/${k}/fader`] = -6;
  return p;
}

/** Sets params on an engine by address; an address the session does not have is an error. */
export function setParams(engine: Engine, registry: ParamRegistry, params: Record<string, ParamValue>): void {
  for (const [address, value] of Object.entries(params)) {
    const def = registry.get(address);
    if (!def) throw new Error(`no param ${address}`);
    engine.setParam(def.index, toEngineValue(def, value));
  }
}
