/** A synthesized stereo "mix" for the mastering tests (not a test file itself). */

/**
 * Seconds of band-limited noise (a two-pole low-pass around 4 kHz), a bass line, a kick every half
 * second and a bright 9 kHz tone, with different left/right content; scaled so its integrated loudness
 * is far from the usual targets (around -30 LUFS by default) while its peaks stay high (crest ~ 20 dB).
 */
export function synthMix(seconds: number, sampleRate = 48000, gain = 0.05, seed = 99): Float32Array[] {
  const n = Math.round(seconds * sampleRate);
  const l = new Float32Array(n);
  const r = new Float32Array(n);
  let s = seed >>> 0 || 1;
  let a1 = 0, a2 = 0, b1 = 0, b2 = 0;
  const k = 1 - Math.exp((-2 * Math.PI * 4000) / sampleRate);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const w1 = s / 2147483648 - 1;
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const w2 = s / 2147483648 - 1;
    a1 += k * (w1 - a1); a2 += k * (a1 - a2);
    b1 += k * (w2 - b1); b2 += k * (b1 - b2);
    const t = i / sampleRate;
    const tk = t % 0.5;
    const kick = 3 * Math.exp(-tk * 25) * Math.sin(2 * Math.PI * 55 * tk * (1 + 3 * Math.exp(-tk * 30)));
    const bass = 0.6 * Math.sin(2 * Math.PI * (t % 2 < 1 ? 55 : 73.4) * t);
    const bright = 0.1 * Math.sin(2 * Math.PI * 9000 * t);
    l[i] = gain * (a2 * 1.5 + kick + bass + bright);
    r[i] = gain * (b2 * 1.5 + kick + bass - bright);
  }
  return [l, r];
}
