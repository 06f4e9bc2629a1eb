/**
 * Repeat variables of a binding (`repeat: { i: 0..7, j: [0, 2] }`) → every combination of their
 * values, in order. A backwards or oversized range is reported through `at` and yields nothing.
 */
import type { BindingDef } from './schema.ts';

type Path = ReadonlyArray<PropertyKey>;

export function parseRepeat(def: BindingDef, at: (p: Path, m: string) => void): Array<Record<string, number>> {
  let combos: Array<Record<string, number>> = [{}];
  for (const [name, spec] of Object.entries(def.repeat ?? {})) {
    let values: number[];
    if (typeof spec === 'string') {
      const [a, b] = spec.split('..').map((s) => Number(s.trim())) as [number, number];
      if (b < a) {
        at(['repeat', name], `repeat.${name}: range ${spec} runs backwards (write ${b}..${a})`);
        return [];
      }
      if (b - a > 1023) {
        at(['repeat', name], `repeat.${name}: range ${spec} has more than 1024 values`);
        return [];
      }
      values = Array.from({ length: b - a + 1 }, (_, k) => a + k);
    } else values = spec;
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  return combos;
}
