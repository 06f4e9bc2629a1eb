/**
 * Loading a mapping file: YAML with positions, the zod schema, then every binding expanded over its
 * repeat variables with numbers and addresses checked. Every problem is collected (not only the
 * first) and thrown as one ConfigError whose issues carry file:line:col.
 */
import { readSourceText, YamlSource } from '../../util/yaml-source.ts';
import { byPosition, ConfigError, suggest } from '../../util/source-error.ts';
import type { OscArg, SurfaceDeviceSpec } from '../../surfaces/types.ts';
import { BindingSchema, DeviceSchema, MappingSchema, StateVarSchema } from './schema.ts';
import { compileNumber, ExprError } from './expr.ts';
import { expandBinding } from './expand.ts';
import { carries } from './device.ts';
import { IssueList } from './issues.ts';
import type { BindingInstance, MappingFile, StateVarDef } from './types.ts';

/** Names a template may read that come from the session the mapping is compiled against. */
export const SESSION_NAMES = ['channels', 'buses', 'fx'] as const;

/**
 * The mapping's options with a session's overrides applied. An override must name a declared option
 * and be a number; a bad one is an issue at the mapping's `options` key (or its first line).
 */
function resolveOptions(raw: Record<string, unknown>, overrides: Readonly<Record<string, unknown>> | undefined, issues: IssueList): Record<string, number> {
  const declared = raw.options !== null && typeof raw.options === 'object' && !Array.isArray(raw.options) ? (raw.options as Record<string, unknown>) : {};
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(declared)) if (typeof v === 'number') out[k] = v;
  for (const [k, v] of Object.entries(overrides ?? {})) {
    const at = raw.options !== undefined ? ['options'] : [];
    if (!(k in out)) {
      const hint = suggest(k, Object.keys(out));
      const known = Object.keys(out).length ? ` (options: ${Object.keys(out).join(', ')})` : ' (this mapping declares no options)';
      issues.add(at, `option override '${k}': unknown option${hint ? `; did you mean '${hint}'?` : known}`);
    } else if (typeof v !== 'number' || !Number.isFinite(v)) issues.add(at, `option override '${k}': must be a number, got ${JSON.stringify(v)}`);
    else out[k] = v;
  }
  return out;
}

/**
 * Parses and validates mapping text; throws ConfigError listing every problem with file:line:col.
 * `options` overrides the file's declared options (a session's per-surface `options:`).
 */
export function parseMapping(text: string, file: string, options?: Readonly<Record<string, unknown>>): MappingFile {
  const src = YamlSource.parse(text, file);
  const js = src.toJS();
  const issues = new IssueList(src);
  if (typeof js !== 'object' || js === null || Array.isArray(js)) {
    throw new ConfigError([{ file, line: 1, col: 1, message: 'a mapping file is a YAML map with version, surface and bindings' }]);
  }
  const top = MappingSchema.safeParse(js);
  if (!top.success) issues.zod(top.error, []);
  const raw = js as Record<string, unknown>;

  let device: SurfaceDeviceSpec | undefined;
  if (raw.surface !== undefined && typeof raw.surface === 'object') {
    const dev = DeviceSchema.safeParse(raw.surface);
    if (dev.success) device = dev.data;
    else issues.zod(dev.error, ['surface']);
  }

  const opts = resolveOptions(raw, options, issues);
  const boundNames = [...SESSION_NAMES, ...Object.keys(opts)];
  const stateVars: StateVarDef[] = [];
  let stateOk = true;
  if (raw.state !== undefined && typeof raw.state === 'object' && raw.state !== null) {
    for (const [name, v] of Object.entries(raw.state)) {
      const r = StateVarSchema.safeParse(v);
      if (!r.success) {
        stateOk = false;
        issues.zod(r.error, ['state', name]);
        continue;
      }
      const d = r.data;
      if (typeof d === 'number') {
        stateVars.push({ name, initial: d });
        continue;
      }
      const bound = (key: 'min' | 'max') => {
        const b = d[key];
        if (b === undefined) return undefined;
        try {
          const e = compileNumber(b);
          for (const n of e.names) {
            if (!boundNames.includes(n)) issues.add(['state', name, key], `state.${name}.${key}: unknown name '${n}' (a bound may use ${boundNames.join(', ')})`);
          }
          // Options are fixed when the file loads: fold them in so the state sees only session sizes.
          return { ...e, evaluate: (env: Readonly<Record<string, number>>) => e.evaluate({ ...opts, ...env }) };
        } catch (err) {
          if (err instanceof ExprError) issues.add(['state', name, key], `state.${name}.${key}: ${err.message}`);
          else throw err;
          return undefined;
        }
      };
      const min = bound('min');
      const max = bound('max');
      stateVars.push({ name, initial: d.initial, ...(min ? { min } : {}), ...(max ? { max } : {}), ...(d.shared ? { shared: d.shared } : {}) });
    }
  } else if (raw.state !== undefined) stateOk = false;

  const handshake = resolveHandshake(raw, opts, device, issues);

  const bindings: BindingInstance[] = [];
  if (Array.isArray(raw.bindings)) {
    raw.bindings.forEach((b, i) => {
      const r = BindingSchema.safeParse(b);
      if (!r.success) {
        issues.zod(r.error, ['bindings', i]);
        return;
      }
      if (!stateOk) return;
      bindings.push(...expandBinding(r.data, i, { issues, device, stateVars, options: opts }));
    });
    if (raw.bindings.length === 0) issues.add(['bindings'], 'bindings: a mapping needs at least one binding');
  }

  if (issues.items.length || !top.success || !device) {
    throw new ConfigError([...issues.items].sort(byPosition));
  }
  return {
    file,
    version: 1,
    name: top.data.name ?? file.replace(/^.*\//, '').replace(/\.ya?ml$/i, ''),
    device,
    state: stateVars,
    options: opts,
    replies: (top.data.replies ?? []).map((r) => ({ address: r.osc, args: r.args.map(replyArg) })),
    ...(handshake ? { handshake } : {}),
    feedbackRateHz: top.data.feedbackRateHz ?? 30,
    bindings,
  };
}

/** The `handshake:` section: its device id is a number or an expression over the options (`deviceId`). */
function resolveHandshake(raw: Record<string, unknown>, opts: Record<string, number>, device: SurfaceDeviceSpec | undefined, issues: IssueList): MappingFile['handshake'] {
  const h = raw.handshake as { mackie?: unknown } | undefined;
  if (h === null || typeof h !== 'object' || (typeof h.mackie !== 'number' && typeof h.mackie !== 'string')) return undefined;
  const at = ['handshake', 'mackie'];
  if (device && !carries(device, 'midi')) issues.add(at, `handshake.mackie: a Mackie Control handshake needs a MIDI surface (or serial with framing: midi); this surface is ${device.transport}`);
  let id: number;
  try {
    const e = compileNumber(h.mackie);
    const unknown = [...e.names].find((n) => !(n in opts));
    if (unknown !== undefined) {
      issues.add(at, `handshake.mackie: unknown name '${unknown}' (it may use the options: ${Object.keys(opts).join(', ') || 'none declared'})`);
      return undefined;
    }
    id = e.evaluate(opts);
  } catch (err) {
    if (!(err instanceof ExprError)) throw err;
    issues.add(at, `handshake.mackie: ${err.message}`);
    return undefined;
  }
  if (!Number.isInteger(id) || id < 0 || id > 127) {
    issues.add(at, `handshake.mackie: a SysEx device id is an integer 0..127, got ${id}`);
    return undefined;
  }
  return { kind: 'mackie', deviceId: id };
}

function replyArg(v: string | number): OscArg {
  if (typeof v === 'string') return { type: 's', value: v };
  return Number.isInteger(v) ? { type: 'i', value: v } : { type: 'f', value: v };
}

/** Reads and parses a mapping file (with option overrides); an unreadable file is a ConfigError naming it. */
export function loadMapping(file: string, options?: Readonly<Record<string, unknown>>): MappingFile {
  return parseMapping(readSourceText(file, 'mapping'), file, options);
}
