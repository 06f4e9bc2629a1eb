/**
 * The daemon's status line: audio state, DSP load, block health and param-queue overflow, logged
 * every few seconds when something worth seeing changed (never per block). Late or dropped blocks,
 * param changes that had to wait for room in the engine's queue, and state changes are warnings; the
 * rest is info (hidden at the default log level).
 *
 * The overflow count lives on the control side (EngineHost.overflowed); the reporter copies it to
 * `/status/params/overflowed` at each look, so OSC and the web mixer see it too.
 */
import type { Logger } from 'pino';
import type { ParamStore } from '../params/store.ts';

export interface StatusFigures {
  readonly state: string;
  readonly device: string;
  readonly scheduling: string;
  readonly loadMean: number;
  readonly loadMax: number;
  readonly blocks: number;
  readonly late: number;
  readonly dropped: number;
  /** The OSC server's refusals and losses (/status/osc/...); all zero when it is off. */
  readonly osc: { readonly malformed: number; readonly denied: number; readonly refused: number; readonly readonly: number; readonly errors: number; readonly dropped: number; readonly late: number };
  /** Param changes that found the engine's queue full and waited (coalesced) on the control side. */
  readonly overflowed: number;
}

export function readStatus(store: ParamStore): StatusFigures {
  const n = (a: string) => store.get(a) as number;
  const o = (k: string) => (store.registry.has(`/status/osc/${k}`) ? n(`/status/osc/${k}`) : 0);
  return {
    state: String(store.get('/status/audio/state')),
    device: String(store.get('/status/audio/device')),
    scheduling: String(store.get('/status/audio/scheduling')),
    loadMean: n('/status/load/mean'),
    loadMax: n('/status/load/max'),
    blocks: n('/status/blocks'),
    late: n('/status/late'),
    dropped: n('/status/dropped'),
    osc: {
      malformed: o('malformed'),
      denied: o('denied'),
      refused: o('refused'),
      readonly: o('readonly'),
      errors: o('errors'),
      dropped: o('dropped'),
      late: o('late'),
    },
    overflowed: n('/status/params/overflowed'),
  };
}

/** The OSC part of the status line, only once something was refused or lost. */
function formatOsc(o: StatusFigures['osc']): string {
  const parts = Object.entries(o).filter(([, v]) => v > 0).map(([k, v]) => `${v} ${k === 'readonly' ? 'read-only ignored' : k === 'errors' ? 'refused by the params' : k}`);
  return parts.length ? `; OSC ${parts.join(', ')}` : '';
}

export function formatStatus(s: StatusFigures): string {
  return `audio ${s.state} on ${s.device || '-'}${s.scheduling && s.scheduling !== 'realtime' ? ` (${s.scheduling} priority)` : ''}, load ${s.loadMean.toFixed(1)}% mean / ${s.loadMax.toFixed(1)}% max, ${s.blocks} blocks, ${s.late} late, ${s.dropped} dropped${s.overflowed > 0 ? `, ${s.overflowed} param changes waited for a full queue` : ''}${formatOsc(s.osc)}`;
}

export class StatusReporter {
  private timer: NodeJS.Timeout | undefined;
  private last: StatusFigures | undefined;

  constructor(
    private readonly store: ParamStore,
    private readonly log: Logger,
    private readonly intervalMs = 5000,
    /** The param queue's overflow count (EngineHost.overflowed); none when no engine runs. */
    private readonly overflowed?: () => number,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.report(), this.intervalMs);
    this.timer.unref();
  }

  /** Logs one line if anything but the block counter changed; returns it, or undefined. */
  report(): string | undefined {
    const o = this.overflowed?.();
    if (o !== undefined && o !== this.store.get('/status/params/overflowed')) this.store.set('/status/params/overflowed', o, 'engine', { internal: true });
    const s = readStatus(this.store);
    const p = this.last;
    this.last = s;
    const worse = !!p && (s.late > p.late || s.dropped > p.dropped || s.overflowed > p.overflowed || s.state !== p.state);
    const oscChanged = !!p && formatOsc(s.osc) !== formatOsc(p.osc);
    const changed = !p || worse || oscChanged || Math.abs(s.loadMean - p.loadMean) >= 1 || Math.abs(s.loadMax - p.loadMax) >= 5 || s.device !== p.device;
    if (!changed) return undefined;
    const line = formatStatus(s);
    const fields = { ...s };
    if (worse) this.log.warn(fields, line);
    else this.log.info(fields, line);
    return line;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
