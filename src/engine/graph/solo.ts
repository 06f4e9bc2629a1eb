/**
 * Solo-in-place on the master, as a pure rule the graph applies at block boundaries.
 *
 * - Solo counts on channels and on buses that feed the master (`master: true`). A bus that only
 *   feeds its own outputs (a monitor mix) has no place on the master, so its solo is ignored here.
 * - While anything counts as soloed, every channel and master-feeding bus that is not soloed is
 *   muted on the master only: its sends (monitor mixes, fx) are untouched, so soloing at the desk
 *   never changes what the band hears.
 * - Fx returns are solo-safe: a solo never mutes them, so a soloed voice keeps its reverb.
 * - Mute wins over solo: a muted and soloed strip stays silent (and still mutes the others).
 */
export interface SoloInput {
  readonly channelSolo: ArrayLike<boolean>;
  readonly busSolo: ArrayLike<boolean>;
  readonly busToMaster: ArrayLike<boolean>;
}

/** Whether any solo is in force on the master. */
export function soloActive(s: SoloInput): boolean {
  for (let i = 0; i < s.channelSolo.length; i++) if (s.channelSolo[i]) return true;
  for (let j = 0; j < s.busSolo.length; j++) if (s.busSolo[j] && s.busToMaster[j]) return true;
  return false;
}

/** Whether a strip passes to the master under the current solos (mute is applied separately). */
export function passesSolo(active: boolean, soloed: boolean): boolean {
  return !active || soloed;
}
