/**
 * The zod schema of a mapping file (see mappings/README.md). Numbers that may be templated are a
 * number or an expression string; the loader evaluates them per repeat and checks their range.
 */
import { z } from 'zod';
import { PaceOnlySchema, PacingSchema } from '../../surfaces/pacing.ts';

/** A number, or an expression over repeat variables such as `0x68 + i`. */
const Num = z.union([z.number(), z.string().min(1)]);
const Unit01 = z.number().min(0).max(1);

const oneOf = (keys: readonly string[], what: string) => (v: Record<string, unknown>, ctx: z.RefinementCtx) => {
  const present = keys.filter((k) => v[k] !== undefined);
  if (present.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: present.length === 0 ? `${what} needs one of: ${keys.join(', ')}` : `${what} takes only one of ${present.join(', ')}`,
    });
  }
};

export const SOURCE_KINDS = ['note', 'cc', 'cc14', 'nrpn', 'pitchbend', 'pressure', 'polypressure', 'program', 'sysex', 'osc', 'line', 'frame'] as const;

export const SourceSchema = z
  .strictObject({
    note: Num.optional(),
    cc: Num.optional(),
    /** MSB controller, or [msb, lsb] when the pair is not n / n+32. */
    cc14: z.union([Num, z.tuple([Num, Num])]).optional(),
    /** Parameter number 0..16383, or [msb, lsb] as CC 99/98 select it. */
    nrpn: z.union([Num, z.tuple([Num, Num])]).optional(),
    pitchbend: z.literal(true).optional(),
    pressure: z.literal(true).optional(),
    polypressure: Num.optional(),
    program: z.literal(true).optional(),
    /** Hex bytes with `vv` for the value byte, `??` for any byte, `{expr}` for a templated byte. */
    sysex: z.string().min(1).optional(),
    osc: z.string().startsWith('/').optional(),
    line: z.string().min(1).optional(),
    frame: z.string().min(1).optional(),
    /** MIDI channel 1..16 (default 1). */
    channel: Num.optional(),
    /** OSC type tags of the arguments, e.g. `f`, `i`, `if`. */
    args: z.string().regex(/^[ifdhTF]+$/, 'args are OSC type tags: i f d h T F').optional(),
    /** Which argument carries the value (default: the first). */
    arg: z.number().int().min(0).max(15).optional(),
    /** Whether OSC/serial values are normalized 0..1 (default) or in the param's own unit. */
    units: z.enum(['normalized', 'value']).optional(),
  })
  .superRefine(oneOf(SOURCE_KINDS, 'a source'));
export type SourceDef = z.infer<typeof SourceSchema>;

export const ENCODINGS = ['twos-complement', 'signed-bit', 'binary-offset'] as const;
export type Encoding = (typeof ENCODINGS)[number];
export const BUTTON_MODES = ['momentary', 'toggle', 'trigger', 'hold'] as const;
export type ButtonMode = (typeof BUTTON_MODES)[number];

const RangeSchema = z.tuple([Unit01, Unit01]).refine((r) => r[0] !== r[1], 'a range needs two different ends');

export const GlueSchema = z.strictObject({
  /** Part of the control's travel used (normalized). */
  in: RangeSchema.optional(),
  /** Part of the target's normalized range driven. */
  out: RangeSchema.optional(),
  invert: z.boolean().optional(),
  /** `param` (the param's own taper, default), `linear`, `log`, or a table of [position, value] points. */
  taper: z.union([z.enum(['param', 'linear', 'log']), z.array(z.tuple([Unit01, z.number()])).min(2)]).optional(),
  /** Param-unit bounds for a linear or log taper (default: the param's range). */
  range: z.tuple([z.number(), z.number()]).refine((r) => r[1] > r[0], 'range must be [low, high] with low < high').optional(),
  encoder: z.enum(ENCODINGS).optional(),
  /** Normalized change per encoder tick (default 0.01), or per press for a stepping button. */
  step: z.number().positive().max(1).optional(),
  /** Encoder acceleration: ticks within windowMs of the previous one climb the factor list. */
  accel: z.strictObject({ factors: z.array(z.number().positive()).min(1), windowMs: z.number().positive().max(1000) }).optional(),
  button: z.enum(BUTTON_MODES).optional(),
  /** Press-and-hold: a press longer than this acts momentary, a shorter one latches. */
  holdMs: z.number().positive().max(10_000).optional(),
  /** Soft takeover for knobs without motors; threshold in normalized units (default 0.03). */
  pickup: z.union([z.boolean(), z.strictObject({ threshold: z.number().min(0).max(0.5) })]).optional(),
  /** Ignore absolute input moves smaller than this many raw steps (noisy pots). */
  deadband: z.number().int().min(0).max(256).optional(),
  /** The value a trigger button writes. */
  value: z.union([z.number(), z.boolean(), z.string()]).optional(),
});
export type GlueDef = z.infer<typeof GlueSchema>;

export const RING_MODES = ['dot', 'boost-cut', 'wrap', 'spread'] as const;
export const FEEDBACK_KINDS = ['source', 'ring', 'meter', 'lcd', 'segments', 'led', 'midi', 'osc', 'line'];

/** Scribble strip text: SysEx header + offset + ASCII + F7. */
const LcdSchema = z.strictObject({
  offset: Num,
  width: z.number().int().min(1).max(112).optional(),
  /** Characters at the right end of the cell kept blank (default 1: an MCU cell is 6 characters and a space). */
  gap: z.number().int().min(0).max(111).optional(),
  /** SysEx bytes between F0 and the offset; entries may be expressions (`deviceId`). */
  header: z.array(Num).min(1).max(16).optional(),
});

export const FeedbackOutSchema = z
  .strictObject({
    /** Back to the binding's own source (default when the source can show a value). */
    source: z.literal(true).optional(),
    /** MCU V-Pot LED ring: CC `cc`, value mode<<4 | position. */
    ring: z.strictObject({ cc: Num, channel: Num.optional(), mode: z.enum(RING_MODES).optional(), center: z.boolean().optional() }).optional(),
    /** MCU meter: channel pressure (strip<<4)|level, level 0..12 on the MCU meter scale; 0x0E/0x0F set and clear overload. */
    meter: z
      .strictObject({
        strip: Num,
        channel: Num.optional(),
        /** Resend the level this often: an MCU lets a meter fall about one step per 300 ms unless refreshed. */
        refreshMs: z.number().int().min(20).max(10_000).optional(),
      })
      .optional(),
    lcd: LcdSchema.optional(),
    /**
     * A 7-segment display driven by one CC per digit (MCU timecode `0x40`, assignment `0x4A`): `cc` is
     * the rightmost digit, the next digit to the left is cc + 1. `text` (a template over the surface
     * state and `{value}`) replaces the formatted value.
     */
    segments: z
      .strictObject({ cc: Num, digits: z.number().int().min(1).max(16), channel: Num.optional(), text: z.string().optional() })
      .optional(),
    /** An LED on a note (on/off/blink values). */
    led: z
      .strictObject({
        note: Num,
        channel: Num.optional(),
        on: z.union([z.number().int().min(0).max(127), z.literal('blink')]).optional(),
        off: z.number().int().min(0).max(127).optional(),
      })
      .optional(),
    /** Any MIDI source shape, driven like a source would be. */
    midi: SourceSchema.optional(),
    osc: z.strictObject({ address: z.string().startsWith('/'), type: z.enum(['f', 'i', 's', 'T']).optional(), units: z.enum(['normalized', 'value']).optional() }).optional(),
    /** A serial text line, e.g. `F{i+1} {value:.3f}`. */
    line: z.string().min(1).optional(),
  })
  .superRefine(oneOf(FEEDBACK_KINDS, 'a feedback output'));
export type FeedbackOutDef = z.infer<typeof FeedbackOutSchema>;

export const TargetSchema = z.union([
  z.string().startsWith('/', 'a target address starts with /'),
  z
    .strictObject({
      /** A param address template. */
      param: z.string().startsWith('/').optional(),
      /** Every param matching an address pattern, as one batch (mute groups, solo clear). */
      all: z.string().startsWith('/').optional(),
      /** A surface state variable, set to the expression `value` on press. */
      state: z.string().regex(/^[a-z_][a-z0-9_]*$/i).optional(),
      /** Scene action: writes `name` to /scene/recall or /scene/store. */
      scene: z.enum(['recall', 'store']).optional(),
      name: z.string().min(1).optional(),
      /** `solo-clear`: every solo off; `resync`: send the whole surface its state again (a board that rebooted). */
      action: z.enum(['solo-clear', 'resync']).optional(),
      value: z.union([z.number(), z.boolean(), z.string()]).optional(),
    })
    .superRefine(oneOf(['param', 'all', 'state', 'scene', 'action'], 'a target')),
]);
export type TargetDef = z.infer<typeof TargetSchema>;

export const BindingSchema = z.strictObject({
  name: z.string().optional(),
  /** Repeat variables: `i: 0..7` or a list of numbers. */
  repeat: z.record(z.string().regex(/^[a-z_][a-z0-9_]*$/i), z.union([z.string().regex(/^\s*-?\d+\s*\.\.\s*-?\d+\s*$/, 'a repeat range is written a..b'), z.array(z.number()).min(1)])).optional(),
  /** Active only while this expression is non-zero (pages, layers, V-Pot assignment). */
  when: z.string().min(1).optional(),
  source: SourceSchema.optional(),
  /** A touch sensor (motor faders): feedback waits while it is held. */
  touch: SourceSchema.optional(),
  glue: GlueSchema.optional(),
  target: TargetSchema,
  feedback: z.union([z.boolean(), FeedbackOutSchema, z.array(FeedbackOutSchema)]).optional(),
  /** Send feedback back to this surface even for changes it made itself. */
  echo: z.boolean().optional(),
  /** Show the value on a scribble strip cell while the control is touched or turned. */
  display: z.strictObject({ lcd: LcdSchema, holdMs: z.number().positive().max(10_000).optional() }).optional(),
});
export type BindingDef = z.infer<typeof BindingSchema>;

export const DeviceSchema = z.discriminatedUnion('transport', [
  z.strictObject({ transport: z.literal('midi'), input: z.string().min(1).optional(), output: z.string().min(1).optional(), virtual: z.string().min(1).optional(), pacing: PaceOnlySchema.optional() }),
  z.strictObject({
    transport: z.literal('osc'),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    remoteHost: z.string().min(1).optional(),
    remotePort: z.number().int().min(1).max(65535).optional(),
    renew: z.string().startsWith('/').optional(),
    subscriptionTimeoutMs: z.number().int().positive().optional(),
    allow: z.array(z.string().min(1)).optional(),
    /** Feedback pace per client, and bundling (src/surfaces/pacing.ts). */
    pacing: PacingSchema.optional(),
  }),
  z.strictObject({
    transport: z.literal('serial'),
    path: z.string().min(1).optional(),
    vendorId: z.string().regex(/^[0-9a-f]{4}$/i).optional(),
    productId: z.string().regex(/^[0-9a-f]{4}$/i).optional(),
    baudRate: z.number().int().positive().optional(),
    framing: z.enum(['lines', 'slip', 'midi']),
    lineEnding: z.enum(['\n', '\r\n', '\r']).optional(),
    maxFrame: z.number().int().positive().optional(),
    pacing: PaceOnlySchema.optional(),
  }),
  z.strictObject({ transport: z.literal('memory') }),
]);

export const StateVarSchema = z.union([
  z.number(),
  z.strictObject({
    initial: z.number(),
    min: Num.optional(),
    max: Num.optional(),
    /** A group name: every surface whose variable names the same group shares its value (an MCU and its extender bank together). */
    shared: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'a shared group is a word such as mcu').optional(),
  }),
]);

const NAME = /^[a-z_][a-z0-9_]*$/i;

/** A fixed reply to an OSC query: `{ osc: /info, args: [V2.07, osc-server, X32RACK, 4.06-8] }`. */
export const ReplySchema = z.strictObject({
  osc: z.string().startsWith('/'),
  /** Strings go as `s`, integers as `i`, other numbers as `f`. */
  args: z.array(z.union([z.string(), z.number()])).max(32),
});

export const MappingSchema = z.strictObject({
  version: z.literal(1),
  name: z.string().optional(),
  surface: z.record(z.string(), z.unknown()),
  /**
   * Numbers a session may override per surface (`options: { deviceId: 0x15, stripOffset: 8 }`), read
   * by every expression like a repeat variable: one file serves an MCU and its extender.
   */
  options: z.record(z.string().regex(NAME), z.number()).optional(),
  /** Surface-local variables (bank, page, layer, selected...) that templates may read. */
  state: z.record(z.string().regex(NAME), StateVarSchema).optional(),
  /** Static answers to OSC queries (a message with no arguments), sent to the asking peer. */
  replies: z.array(ReplySchema).optional(),
  /**
   * A connection handshake the surface expects: `{ mackie: deviceId }` sends the Mackie Control
   * device query on every (re)connection, answers the unit's host-connection query and resends
   * everything when the unit says it is ready.
   */
  handshake: z.strictObject({ mackie: Num }).optional(),
  /** Feedback messages per second per control (latest value wins). Default 30. */
  feedbackRateHz: z.number().positive().max(1000).optional(),
  /** Each binding is checked on its own, so one bad binding does not hide another's errors. */
  bindings: z.array(z.unknown()),
});

export const TOP_KEYS = Object.keys(MappingSchema.shape);
export const BINDING_KEYS = Object.keys(BindingSchema.shape);
export const GLUE_KEYS = Object.keys(GlueSchema.shape);
export const SOURCE_KEYS = [...SOURCE_KINDS, 'channel', 'args', 'arg', 'units'];
