/*
 * The gate's read-only scan of a span (Gate.steadyOpen / steadyClosed through linkedPeakMax): the
 * largest linked peak, and where it last occurs. Most blocks of a gate take one of those two fast
 * paths, so this scan is most of the gate's time. Included by gate.c.
 *
 * linkedPeakMax finds both in one pass with a branch per frame; here they are two: the largest peak
 * (a running max that a vector of 8 lanes can keep), then, only when the caller needs it (a new
 * detector peak: the value then exceeds the detector, which is above the threshold, so it is > 0),
 * a scan from the end for the last frame equal to it. The results are linkedPeakMax's: a NaN never
 * wins either way, and the last frame reaching the running max is the last frame equal to the max.
 * The max's sign of zero may differ (|−0| is +0 here, −0 there), which nothing can tell: a zero
 * max is only compared with positive levels or flushed (Gate.steadyClosed).
 *
 * Two variants, picked at load (gateIsa): portable C, and AVX2 on x86 where the CPU has it.
 */
#ifndef FADERD_GATE_SCAN_H
#define FADERD_GATE_SCAN_H
#include <math.h>

/** The linked peak of frame i: the larger |x| of one or two channels (b NULL for one); a NaN on the right wins, as in linkedPeaks. */
static inline float peak_at(const float *a, const float *b, int i) {
  float al = fabsf(a[i]);
  if (!b) return al;
  float ar = fabsf(b[i]);
  return al > ar ? al : ar;
}

/** The largest linked peak of frames [0, n), NaNs ignored, 0 when none is larger. */
static float peak_max_portable(const float *a, const float *b, int n) {
  float m = 0;
  if (!b) {
    for (int i = 0; i < n; i++) {
      float p = fabsf(a[i]);
      m = p > m ? p : m;
    }
  } else {
    for (int i = 0; i < n; i++) {
      float al = fabsf(a[i]), ar = fabsf(b[i]);
      float p = al > ar ? al : ar;
      m = p > m ? p : m;
    }
  }
  return m;
}

/** The last frame of [0, n) whose linked peak equals m (> 0, and the largest: there is one). */
static int last_at_portable(const float *a, const float *b, int n, float m) {
  for (int i = n - 1; i > 0; i--)
    if (peak_at(a, b, i) == m) return i;
  return 0;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_GATE_AVX2 1
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

/** Eight linked peaks from frame i: |x| by clearing the sign, the right channel where the left is not greater (maxps: a NaN right wins). */
AVX2 static inline __m256 peaks8(const float *a, const float *b, int i, __m256 abs) {
  __m256 l = _mm256_and_ps(_mm256_loadu_ps(a + i), abs);
  if (!b) return l;
  return _mm256_max_ps(l, _mm256_and_ps(_mm256_loadu_ps(b + i), abs));
}

AVX2 static float peak_max_avx2(const float *a, const float *b, int n) {
  const __m256 abs = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  // max_ps(p, m) is p > m ? p : m: a NaN p keeps m, so the lanes never hold a NaN.
  __m256 m0 = _mm256_setzero_ps(), m1 = m0;
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    m0 = _mm256_max_ps(peaks8(a, b, i, abs), m0);
    m1 = _mm256_max_ps(peaks8(a, b, i + 8, abs), m1);
  }
  if (i + 8 <= n) {
    m0 = _mm256_max_ps(peaks8(a, b, i, abs), m0);
    i += 8;
  }
  m0 = _mm256_max_ps(m0, m1);
  float lanes[8];
  _mm256_storeu_ps(lanes, m0);
  float m = 0;
  for (int l = 0; l < 8; l++) m = lanes[l] > m ? lanes[l] : m;
  for (; i < n; i++) {
    float p = peak_at(a, b, i);
    m = p > m ? p : m;
  }
  return m;
}

AVX2 static int last_at_avx2(const float *a, const float *b, int n, float m) {
  const __m256 abs = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 mv = _mm256_set1_ps(m);
  int i = n;
  // The ragged end first, one by one, then eight at a time down to frame 0.
  while (i % 8 != 0) {
    i--;
    if (peak_at(a, b, i) == m) return i;
  }
  while (i > 0) {
    i -= 8;
    int hit = _mm256_movemask_ps(_mm256_cmp_ps(peaks8(a, b, i, abs), mv, _CMP_EQ_OQ));
    if (hit) return i + 31 - __builtin_clz((unsigned)hit);
  }
  return 0;
}
#undef AVX2
#endif

#endif
