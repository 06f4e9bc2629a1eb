/**
 * A generated demo multitrack for machines with no interface: kick, snare, bass, guitar, keys, two
 * voice-like leads and a pad playing a two-bar loop (Am F C G at 120 bpm), at a moderate level. The
 * whole loop is rendered once at construction; fill() only copies, so it is safe on the audio path.
 */

export const DEMO_TRACKS = ['kick', 'snare', 'bass', 'guitar', 'keys', 'vox1', 'vox2', 'pad'] as const;

const BPM = 120;
const BEATS = 8;
// Chord roots (MIDI notes) per two beats, and triads on them.
const CHORDS: ReadonlyArray<readonly number[]> = [
  [57, 60, 64], // Am
  [53, 57, 60], // F
  [48, 52, 55], // C
  [55, 59, 62], // G
];
const MELODY = [76, 74, 72, 71, 72, 69, 71, 67];

const hz = (note: number): number => 440 * 2 ** ((note - 69) / 12);

export class DemoMultitrack {
  readonly tracks: Float32Array[];
  readonly loopFrames: number;
  private pos = 0;

  constructor(readonly sampleRate: number) {
    const beat = Math.round((60 / BPM) * sampleRate);
    this.loopFrames = beat * BEATS;
    this.tracks = DEMO_TRACKS.map(() => new Float32Array(this.loopFrames));
    const [kick, snare, bass, guitar, keys, vox1, vox2, pad] = this.tracks as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    let seed = 0x1234567;
    const noise = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) | 0;
      return seed / 2147483648;
    };
    const sr = sampleRate;
    for (let b = 0; b < BEATS; b++) {
      const t0 = b * beat;
      const chord = CHORDS[Math.floor(b / 2) % CHORDS.length]!;
      // Kick: a falling sine thump on every beat.
      // Phase of a 150 Hz → 50 Hz exponential sweep, integrated in closed form.
      this.note(kick, t0, 0.4 * sr, (t) => 0.5 * Math.sin(2 * Math.PI * (50 * t + (100 / 30) * (1 - Math.exp(-t * 30)))) * Math.exp(-t * 8));
      // Snare: noise burst plus body on beats 2 and 4.
      if (b % 2 === 1) this.note(snare, t0, 0.25 * sr, (t) => (0.25 * noise() + 0.15 * Math.sin(2 * Math.PI * 190 * t)) * Math.exp(-t * 18));
      // Bass: eighth notes on the root, two octaves down.
      for (let e = 0; e < 2; e++) {
        const f = hz(chord[0]! - 24);
        this.note(bass, t0 + (e * beat) / 2, beat / 2, (t) => 0.3 * (Math.sin(2 * Math.PI * f * t) + 0.3 * Math.sin(4 * Math.PI * f * t)) * Math.exp(-t * 4));
      }
      // Guitar: an off-beat strum of bright decaying partials.
      chord.forEach((n, k) => {
        const f = hz(n);
        this.note(guitar, t0 + beat / 2 + k * Math.round(0.012 * sr), 0.45 * sr, (t) => {
          let s = 0;
          for (let h = 1; h <= 5; h++) s += Math.sin(2 * Math.PI * f * h * t) / h;
          return 0.07 * s * Math.exp(-t * 7);
        });
      });
      // Keys: the chord held for the beat, soft attack.
      chord.forEach((n) => {
        const f = hz(n + 12);
        this.note(keys, t0, beat, (t) => 0.06 * (Math.sin(2 * Math.PI * f * t) + 0.25 * Math.sin(4 * Math.PI * f * t)) * Math.min(1, t * 40) * Math.exp(-t * 2));
      });
      // Voices: a melody with vibrato and a few formant-ish partials, and a third below it.
      const voice = (target: Float32Array, note: number, gain: number): void => {
        const f = hz(note);
        this.note(target, t0, beat, (t) => {
          const ph = 2 * Math.PI * (f * t + (0.004 * f * Math.sin(2 * Math.PI * 5.5 * t)) / (2 * Math.PI * 5.5));
          const env = Math.min(1, t * 20) * Math.min(1, (beat / sr - t) * 20);
          return gain * env * (Math.sin(ph) + 0.5 * Math.sin(2 * ph) + 0.3 * Math.sin(3 * ph) + 0.15 * Math.sin(5 * ph));
        });
      };
      voice(vox1, MELODY[b]!, 0.12);
      voice(vox2, MELODY[b]! - 3, 0.08);
      // Pad: detuned chord tones, slow swell every two beats.
      if (b % 2 === 0) {
        chord.forEach((n) => {
          const f = hz(n);
          this.note(pad, t0, 2 * beat, (t) => {
            const env = Math.sin((Math.PI * t * sr) / (2 * beat));
            return 0.04 * env * (Math.sin(2 * Math.PI * f * 1.003 * t) + Math.sin(2 * Math.PI * f * 0.997 * t));
          });
        });
      }
    }
  }

  /** Adds a note rendered by `fn(t seconds)` at `start`, wrapping around the loop so it is seamless. */
  private note(track: Float32Array, start: number, lengthFrames: number, fn: (t: number) => number): void {
    const len = Math.min(Math.round(lengthFrames), this.loopFrames);
    for (let i = 0; i < len; i++) track[(start + i) % this.loopFrames]! += fn(i / this.sampleRate);
  }

  /** Copies the next `frames` of the loop: input k gets track k mod 8. Allocation-free. */
  fill(inputs: ReadonlyArray<Float32Array>, frames: number): void {
    const L = this.loopFrames;
    for (let k = 0; k < inputs.length; k++) {
      const src = this.tracks[k % this.tracks.length]!;
      const dst = inputs[k]!;
      let p = this.pos;
      for (let i = 0; i < frames; i++) {
        dst[i] = src[p]!;
        if (++p === L) p = 0;
      }
    }
    this.pos = (this.pos + frames) % L;
  }
}
