/*
 * What the strips' gate and compressor kernels share with their TypeScript references
 * (src/engine/dsp/linked-peak.ts, util.ts): the linked peak of a strip's channels, and Math.LN10.
 */
#ifndef FADERD_LINKED_PEAKS_H
#define FADERD_LINKED_PEAKS_H

/** Math.LN10; util.ts DB_TO_LN and LN_TO_DB are computed from it as there. */
static const double LN10 = 2.302585092994046;

/** linkedPeaks for one or two channels: per frame, the larger |x| (a NaN on the right wins, as there). */
static inline void linked_peaks(float *const *ch, int nch, int from, int to, float *out) {
  const int n = to - from;
  const float *a = ch[0] + from;
  if (nch == 1) {
    for (int i = 0; i < n; i++) {
      float x = a[i];
      out[i] = x < 0 ? -x : x;
    }
    return;
  }
  const float *b = ch[1] + from;
  for (int i = 0; i < n; i++) {
    float l = a[i], r = b[i];
    float al = l < 0 ? -l : l, ar = r < 0 ? -r : r;
    out[i] = al > ar ? al : ar;
  }
}

#endif
