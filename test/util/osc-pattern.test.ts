import { describe, expect, it } from 'vitest';
import { compileAddressPattern, MAX_PATTERN_LENGTH, patternSteps } from '../../src/util/osc-pattern.ts';
import { escapeRegExp } from '../../src/util/regexp.ts';

/** The former regex translation, as the reference for OSC 1.0 semantics on small inputs. */
function reference(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      let body = pattern.slice(i + 1, end);
      const neg = body.startsWith('!');
      if (neg) body = body.slice(1);
      re += `[${neg ? '^/' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else if (c === '{') {
      const end = pattern.indexOf('}', i);
      re += `(?:${pattern.slice(i + 1, end).split(',').map(escapeRegExp).join('|')})`;
      i = end;
    } else re += escapeRegExp(c);
  }
  return new RegExp(re + '$');
}

/** A tiny deterministic generator, so a failure names its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('compileAddressPattern', () => {
  const yes = (p: string, a: string) => expect(compileAddressPattern(p).test(a), `${p} ~ ${a}`).toBe(true);
  const no = (p: string, a: string) => expect(compileAddressPattern(p).test(a), `${p} !~ ${a}`).toBe(false);

  it('keeps OSC 1.0 semantics', () => {
    yes('/ch/1/fader', '/ch/1/fader');
    no('/ch/1/fader', '/ch/1/fade');
    yes('/ch/*/fader', '/ch/12/fader');
    yes('/ch/*/fader', '/ch//fader'); // `*` matches the empty string
    yes('/ch/1*/fader', '/ch/1/fader');
    no('/ch/*', '/ch/1/fader'); // never across a `/`
    no('/*', '/ch/1');
    yes('/ch/?/mute', '/ch/3/mute');
    no('/ch/?/mute', '/ch/10/mute');
    yes('/ch/[1-3]/mute', '/ch/2/mute');
    no('/ch/[1-3]/mute', '/ch/4/mute');
    yes('/ch/[!1-7]/mute', '/ch/8/mute');
    no('/ch/[!1-7]/mute', '/ch/1/mute');
    yes('/ch/[-a]/x', '/ch/-/x');
    yes('/ch/[a-]/x', '/ch/-/x');
    yes('/{ch,bus}/1/fader', '/bus/1/fader');
    no('/{ch,bus}/1/fader', '/fx/1/fader');
    yes('/ch/1{,0}/fader', '/ch/10/fader');
    yes('/ch/1{,0}/fader', '/ch/1/fader');
    yes('/*/*/*', '/a/b/c');
    yes('/a*b*c', '/abxbyc');
    no('/a*b*c', '/abxbyd');
  });

  it('refuses unclosed brackets, a `/` inside them, and overlong patterns', () => {
    expect(() => compileAddressPattern('/ch/[1')).toThrow(/unclosed \[/);
    expect(() => compileAddressPattern('/{ch,bus')).toThrow(/unclosed \{/);
    expect(() => compileAddressPattern('/{ch/1,bus/1}/fader')).toThrow(/unclosed \{/);
    expect(() => compileAddressPattern('/' + 'a'.repeat(MAX_PATTERN_LENGTH))).toThrow(/longer than/);
    expect(() => compileAddressPattern('/' + '*{,}'.repeat(60))).toThrow(/too complex/);
  });

  it('agrees with the reference translation on random patterns and addresses', () => {
    const next = rng(14);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const atoms = ['a', 'b', 'ab', '*', '?', '[ab]', '[!a]', '[a-c]', '{a,bb}', '{,a}', '/'];
    for (let n = 0; n < 3000; n++) {
      const pattern = '/' + Array.from({ length: 1 + Math.floor(next() * 6) }, () => pick(atoms)).join('');
      const address = '/' + Array.from({ length: Math.floor(next() * 7) }, () => pick(['a', 'b', 'c', '/'])).join('');
      expect(compileAddressPattern(pattern).test(address), `${pattern} ~ ${address}`).toBe(reference(pattern).test(address));
    }
  });

  it('matches a pathological pattern in a bounded number of steps (no backtracking)', () => {
    // A backtracking regex takes ~25 s on the 45-star case and hours on the 100-star one.
    for (const stars of [45, 100, 250]) {
      const pattern = '/' + '*'.repeat(stars) + 'x';
      const m = compileAddressPattern(pattern);
      const address = '/' + 'a'.repeat(200);
      const before = patternSteps();
      expect(m.test(address)).toBe(false);
      expect(patternSteps() - before).toBeLessThan(2_000);
    }
    // Many stars apart (no collapsing): still linear in the address, times the pattern's size.
    const m = compileAddressPattern('/' + 'a*'.repeat(40) + 'x');
    const before = patternSteps();
    expect(m.test('/' + 'a'.repeat(1000))).toBe(false);
    expect(patternSteps() - before).toBeLessThan(1001 * 256);
  });
});
