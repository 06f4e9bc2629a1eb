import { ParamRegistry, type ParamDef } from '../../params/registry.ts';
import { defaultSession } from '../../params/session.ts';
import { loadCheckedSession } from './check.ts';

const fmt = (n: number): string => (n === -Infinity ? '-inf' : n === Infinity ? 'inf' : String(Math.round(n * 1000) / 1000));
/** A JSON number; JSON has no infinity, so -inf is the string "-inf", as in state and scene files. */
const jsonNum = (n: number): number | string => (Number.isFinite(n) ? Math.round(n * 1000) / 1000 : fmt(n));

function describeRange(d: ParamDef): string {
  switch (d.type) {
    case 'bool':
      return 'true/false';
    case 'enum':
      return d.values!.join('|');
    case 'text':
      return 'text';
    case 'number':
      return `${fmt(d.min)}..${fmt(d.max)}`;
  }
}

/** `faderd params`: the whole address space, the reference mapping authors read (options: specs.ts). */
export function params(opts: { session?: string; filter?: string; json?: boolean }): void {
  // Validated as `faderd check` does, so a file check refuses is refused here too (exit code 3).
  const registry = ParamRegistry.fromSession(opts.session ? loadCheckedSession(opts.session) : defaultSession());
  const defs = opts.filter ? registry.match(opts.filter) : registry.defs;
  if (opts.json) {
    const rows = defs.map((d) => ({
      address: d.address,
      type: d.type,
      unit: d.unit,
      ...(d.type === 'number' ? { min: jsonNum(d.min), max: jsonNum(d.max), taper: d.taper.kind } : {}),
      ...(d.values ? { values: d.values } : {}),
      default: typeof d.default === 'number' ? jsonNum(d.default) : d.default,
      ...(d.step !== undefined ? { step: d.step } : {}),
      readOnly: d.readOnly,
      description: d.description,
    }));
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  const rows = defs.map((d) => [
    d.address,
    d.unit,
    describeRange(d),
    typeof d.default === 'number' ? fmt(d.default) : JSON.stringify(d.default),
    d.type === 'number' ? d.taper.kind : '',
    d.readOnly ? 'ro' : d.action ? 'action' : 'rw',
    d.description,
  ]);
  const head = ['ADDRESS', 'UNIT', 'RANGE', 'DEFAULT', 'TAPER', 'ACCESS', 'DESCRIPTION'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  process.stdout.write([line(head), ...rows.map(line)].join('\n') + '\n');
  process.stdout.write(`${defs.length} params\n`);
}
