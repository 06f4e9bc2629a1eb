/**
 * A whole engine rendered twice, once with the native kernels (the mixing after the strips —
 * fader copies, sends, pans, folds, the master gain — in one call per strip group, mix-batch.ts) and
 * once with FADERD_KERNELS=ts (the TypeScript reference), every output sample and every meter
 * compared with Object.is. 64 channels, mono and stereo; four buses (stereo and mono, to the master
 * and to outputs) and two fx returns; sends pre and post fader, opened, closed and ramping; pans and
 * balances moving; fader moves, mutes, solos of channels and buses (the solo gate ramps through the
 * TypeScript path mid-batch), master fader and mute; block sizes from 1 to the engine's maximum.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildEngine, mixYaml, processBoth, rng, setParam, type EngineSide } from './helpers.ts';
import type { ParamValue } from '../../../src/params/registry.ts';
import { mixCalls, nativeMixJobs, nativeMixMissing } from '../../../src/engine/native/mix-batch.ts';

const SR = 48000;
const MAX_BLOCK = 512;
const CHANNELS = 64;
const BUSES = 4;
const FX = 2;

/** 64 channels, every third stereo; buses: stereo to master, mono out, stereo out (not to master), mono to master. */
const sessionYaml = (): string =>
  mixYaml(
    CHANNELS,
    ['{ name: Grp, master: true }', '{ name: Mon, stereo: false, output: 3 }', '{ name: IEM, output: [4, 5] }', '{ name: Sub, stereo: false, master: true }'],
    ['{ name: Verb, type: reverb }', '{ name: Echo, type: delay }'],
  );

type Side = EngineSide;

const build = (kernels: 'native' | 'ts'): Side => buildEngine(sessionYaml(), kernels, MAX_BLOCK, SR);
const set = setParam;

afterEach(() => {
  delete process.env.FADERD_KERNELS;
});

describe('engine with the native mix kernel', () => {
  it('renders exactly what the TypeScript reference renders: sends, pans, faders, mutes, solos', () => {
    expect(nativeMixJobs(), `the native mix kernel is not in use: ${nativeMixMissing()}`).toBeDefined();
    const ref = build('ts');
    const nat = build('native');
    const both = (address: string, value: ParamValue): void => {
      set(ref, address, value);
      set(nat, address, value);
    };
    const r = rng(2024);
    const db = (): number => Math.round(-30 + r() * 36);
    for (let i = 1; i <= CHANNELS; i++) {
      both(`/ch/${i}/pan`, ((i % 9) - 4) / 4);
      both(`/ch/${i}/fader`, -3 - (i % 7));
      for (let j = 1; j <= BUSES; j++) {
        if ((i + j) % 3 !== 0) both(`/ch/${i}/send/${j}/level`, db());
        both(`/ch/${i}/send/${j}/pre`, (i * j) % 4 === 1);
      }
      for (let k = 1; k <= FX; k++) {
        both(`/ch/${i}/fxsend/${k}/level`, db());
        both(`/ch/${i}/fxsend/${k}/pre`, (i + k) % 5 === 0);
      }
    }
    for (let j = 1; j <= BUSES; j++) {
      both(`/bus/${j}/pan`, (j - 2.5) / 2);
      for (let k = 1; k <= FX; k++) both(`/bus/${j}/fxsend/${k}/level`, -12 - j);
    }
    both('/fx/1/pan', 0.3);
    both('/master/fader', -2);

    const phases = Array.from({ length: ref.ins.length }, (_, k) => 0.01 + 0.003 * k);
    let clock = 0;
    const calls = mixCalls[0]!;
    const blocks = 260;
    for (let blk = 0; blk < blocks; blk++) {
      // Moves: faders, pans, send levels (to and from closed), pre/post, mutes, on a few channels a block.
      if (blk % 3 === 1) {
        for (let n = 0; n < 10; n++) {
          const ch = 1 + Math.floor(r() * CHANNELS);
          const what = Math.floor(r() * 6);
          if (what === 0) both(`/ch/${ch}/fader`, r() < 0.1 ? -Infinity : db());
          else if (what === 1) both(`/ch/${ch}/pan`, r() * 2 - 1);
          else if (what === 2) both(`/ch/${ch}/send/${1 + Math.floor(r() * BUSES)}/level`, r() < 0.2 ? -Infinity : db());
          else if (what === 3) both(`/ch/${ch}/send/${1 + Math.floor(r() * BUSES)}/pre`, r() < 0.5);
          else if (what === 4) both(`/ch/${ch}/mute`, r() < 0.4);
          else both(`/ch/${ch}/fxsend/${1 + Math.floor(r() * FX)}/level`, r() < 0.2 ? -Infinity : db());
        }
      }
      // Solos (the solo gates ramp: that path runs in TypeScript between native calls), bus moves, master.
      if (blk === 40) both('/ch/5/solo', true);
      if (blk === 70) both('/bus/1/solo', true);
      if (blk === 100) {
        both('/ch/5/solo', false);
        both('/bus/1/solo', false);
      }
      if (blk === 120) both('/master/fader', -8);
      if (blk === 150) both('/master/mute', true);
      if (blk === 165) both('/master/mute', false);
      if (blk === 180) {
        both('/bus/2/fader', -12);
        both('/bus/3/pan', -0.8);
        both('/fx/2/pan', 0.6);
        both('/bus/4/mute', true);
      }
      if (blk === 200) both('/bus/1/fxsend/1/pre', true);
      const frames = blk % 7 === 3 ? 1 + Math.floor(r() * MAX_BLOCK) : 128;
      for (let k = 0; k < ref.ins.length; k++) {
        for (let i = 0; i < frames; i++) {
          const x = 0.3 * Math.sin(phases[k]! * (clock + i)) + 0.05 * (r() - 0.5);
          ref.ins[k]![i] = x;
          nat.ins[k]![i] = x;
        }
      }
      clock += frames;
      processBoth(ref, nat, frames, blk);
    }
    // The native engine really mixed natively: several calls a block.
    expect(mixCalls[0]! - calls).toBeGreaterThanOrEqual(blocks * 4);
    // Every output carries signal.
    for (const o of ref.outs) expect(o.some((x) => x !== 0)).toBe(true);
  });
});
