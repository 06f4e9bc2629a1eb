/**
 * Tiny summing loops shared by the graph. All run on the audio path: no allocation, no checks
 * beyond what the caller guarantees (buffers at least `frames` long).
 */

/** dst[i] += src[i] * gain */
export function addScaled(src: Float32Array, dst: Float32Array, gain: number, frames: number): void {
  if (gain === 1) {
    for (let i = 0; i < frames; i++) dst[i]! += src[i]!;
  } else {
    for (let i = 0; i < frames; i++) dst[i]! += src[i]! * gain;
  }
}

/** dst[i] += src[i] * gains[i] (a per-sample ramp shared by several channels) */
export function addRamped(src: Float32Array, dst: Float32Array, gains: Float32Array, frames: number): void {
  for (let i = 0; i < frames; i++) dst[i]! += src[i]! * gains[i]!;
}

/** dst[i] += src[i] * gains[i] * k */
export function addRampedScaled(src: Float32Array, dst: Float32Array, gains: Float32Array, k: number, frames: number): void {
  for (let i = 0; i < frames; i++) dst[i]! += src[i]! * gains[i]! * k;
}

/** dst[i] += (a[i] + b[i]) * gain: a stereo source into a mono destination */
export function addSumScaled(a: Float32Array, b: Float32Array, dst: Float32Array, gain: number, frames: number): void {
  for (let i = 0; i < frames; i++) dst[i]! += (a[i]! + b[i]!) * gain;
}

/** dst[i] += (a[i] + b[i]) * gains[i] * k */
export function addSumRamped(a: Float32Array, b: Float32Array, dst: Float32Array, gains: Float32Array, k: number, frames: number): void {
  for (let i = 0; i < frames; i++) dst[i]! += (a[i]! + b[i]!) * gains[i]! * k;
}

/** buf[i] *= gains[i] */
export function mulRamped(buf: Float32Array, gains: Float32Array, frames: number): void {
  for (let i = 0; i < frames; i++) buf[i]! *= gains[i]!;
}

/** buf[i] *= gain */
export function mulScalar(buf: Float32Array, gain: number, frames: number): void {
  for (let i = 0; i < frames; i++) buf[i]! *= gain;
}

/** out[i] = src[i] * gain */
export function copyScaled(src: Float32Array, out: Float32Array, gain: number, frames: number): void {
  for (let i = 0; i < frames; i++) out[i] = src[i]! * gain;
}

/** out[i] = src[i] * gains[i] */
export function copyRamped(src: Float32Array, out: Float32Array, gains: Float32Array, frames: number): void {
  for (let i = 0; i < frames; i++) out[i] = src[i]! * gains[i]!;
}
