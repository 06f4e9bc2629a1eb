/**
 * YAML files as faderd reads them (sessions, mappings): a key repeated within one map is an error at
 * the repeat, naming the line of the first, found in one pass (the parser's own check compares every
 * key with all before it: a session's params map of n keys cost n²/2 comparisons).
 */
import { describe, expect, it } from 'vitest';
import { YamlSource } from '../../src/util/yaml-source.ts';
import { ConfigError, formatIssue } from '../../src/util/source-error.ts';

function issues(text: string): string[] {
  try {
    YamlSource.parse(text, 'f.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues.map(formatIssue);
  }
  return [];
}

describe('YamlSource', () => {
  it('a repeated key is an error at the repeat, naming the first, in block and flow maps at any depth', () => {
    expect(issues('channels: 2\nparams:\n  /ch/1/fader: -6\n  /ch/2/fader: 0\n  /ch/1/fader: -3\n')).toEqual(['f.yaml:5:3: duplicate key "/ch/1/fader": already set at line 3']);
    expect(issues('channels:\n  - { name: Kick, input: 1, name: Snare }\n')).toEqual(['f.yaml:2:29: duplicate key "name": already set at line 2']);
    expect(issues('a: 1\nb:\n  c: 1\n  d: 2\na: 3\nb: 4\n')).toEqual(['f.yaml:5:1: duplicate key "a": already set at line 1', 'f.yaml:6:1: duplicate key "b": already set at line 2']);
  });

  it('keys equal only as text are different keys (1 and "1"), as the YAML parser has them; the same key in two maps is fine', () => {
    expect(issues('1: a\n"1": b\nx: { k: 1 }\ny: { k: 2 }\n')).toEqual([]);
    expect(YamlSource.parse('1: a\n"1": b\n', 'f.yaml').toJS()).toEqual({ 1: 'b' });
  });

  it('a map of 20,000 keys is read (the check is linear), and one repeat among them is found', () => {
    const lines = ['params:'];
    for (let i = 0; i < 20_000; i++) lines.push(`  k${i}: ${i}`);
    const src = YamlSource.parse(lines.join('\n'), 'big.yaml');
    expect(Object.keys((src.toJS() as { params: object }).params)).toHaveLength(20_000);
    lines.push('  k12345: 0');
    expect(issues(lines.join('\n'))).toEqual([`f.yaml:20002:3: duplicate key "k12345": already set at line 12347`]);
  }, 120_000);
});
