/*
 * The true-peak search of src/engine/dsp/truepeak.ts (scan() and intervalPeak()), vectorised across
 * sample intervals. The TypeScript is the reference: this file gives the same doubles, bit for bit,
 * because every interval's sums run over the same taps in the same order with the same operations
 * (separate multiply and add: -ffp-contract=off), and every decision is the reference's comparison.
 * What changes is only how many intervals are computed at once:
 *
 *   - the half-sample point of 4 consecutive intervals is one vector sum (lane i is interval j + i,
 *     so the taps of all lanes are consecutive samples), up to 4 such vectors at a time;
 *   - the quarter points likewise, for the groups of 4 where some interval needs them;
 *   - the stage-3 points of an interval (the reference asks for 2 or 3 of p0 + s, p0 + 2s, p0 + 3s,
 *     p0 − s one after the other) are computed all four at once as one vector, from a table laid out
 *     per (quarter, direction) with the taps of the four phases side by side over the window
 *     w[j − 64 .. j + 65]. A phase's taps that fall outside its own 128 are zeros in that table; with
 *     finite samples a zero term adds ±0 to a sum that is never −0 (it starts at +0, and round to
 *     nearest gives −0 only from −0 + −0), so the sum is the reference's. A non-finite sample makes
 *     every lane non-finite (0 · ∞ is NaN), as does a sum that overflows; the interval is then
 *     redone with the reference's own scalar sums.
 *
 * The tables (coefficients, stage constants) come from the TypeScript once, through
 * truePeakScanner(), so both paths multiply by the same numbers; the function it returns owns them.
 * Compiled twice, for AVX2 and for the x86-64 baseline (SSE2): truePeakScanner() picks by CPU, or
 * takes the baseline when asked (the tests compare both with the reference).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

/* 32-byte vectors pass between inlined helpers only; the ABI note for non-AVX callers does not apply. */
#pragma GCC diagnostic ignored "-Wpsabi"

/* The reference's structure (truepeak.ts); truePeakScanner() checks the TypeScript agrees. */
#define TP_FACTOR 16
#define TP_HALF 64
#define TAPS (2 * TP_HALF)
#define Q (TP_FACTOR / 4)
#define SPAN 32
#define TP_LAG (TP_HALF + 1)
/* Stage 3's window: w[j − TP_HALF .. j + TP_HALF + 1], every tap of any point from −TP_FACTOR to 2·TP_FACTOR. */
#define WIN (TAPS + 2)
/* Stage-3 table rows: quarter m (0..4) × direction s (−1, +1). */
#define COMBOS 10

typedef double v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));

typedef struct tp_tables tp_tables;
typedef void (*scan_fn)(const tp_tables *T, const double *w, long h, long n, double floor, double *out);

struct tp_tables {
  /* scan_avx2 or scan_baseline. */
  scan_fn scan;
  double coef[TP_FACTOR * TAPS];
  double half[TP_HALF];
  /* stage3[m·2 + (s > 0)][t][l]: taps on w[j − TP_HALF + t] of the points p0 + s, p0 + 2s, p0 + 3s, p0 − s. */
  double stage3[COMBOS][WIN][4];
  double max_l1;
  double stage2;
  double stage3_ratio;
};

static inline v4d load4(const double *p) {
  v4d v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline v4d splat(double c) { return (v4d){c, c, c, c}; }

static inline double absd(double v) { return v < 0 ? -v : v; }

/*
 * The reference's span maximum, `m = 0; for each: a = |w[k]|; if (a > m) m = a`, over w[k0 .. k1), four
 * lanes at a time. The result is the same double: the largest |w[k]| that is not NaN, or +0 (the
 * maximum does not depend on the order, no lane starts from or keeps a −0, and NaN never wins).
 */
static inline double span_max(const double *w, long k0, long k1) {
  const v4l mag = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
  v4d m0 = {0, 0, 0, 0}, m1 = m0;
  long k = k0;
  for (; k + 8 <= k1; k += 8) {
    const v4d a0 = (v4d)((v4l)load4(w + k) & mag);
    const v4d a1 = (v4d)((v4l)load4(w + k + 4) & mag);
    const v4l g0 = a0 > m0, g1 = a1 > m1;
    m0 = (v4d)((g0 & (v4l)a0) | (~g0 & (v4l)m0));
    m1 = (v4d)((g1 & (v4l)a1) | (~g1 & (v4l)m1));
  }
  double m = 0;
  for (int l = 0; l < 4; l++) {
    if (m0[l] > m) m = m0[l];
    if (m1[l] > m) m = m1[l];
  }
  for (; k < k1; k++) {
    const double a = absd(w[k]);
    if (a > m) m = a;
  }
  return m;
}

/* point(): |reconstruction| at p/TP_FACTOR after w[j], p from −TP_FACTOR to 2·TP_FACTOR, the reference's sum. */
static inline double point(const tp_tables *T, const double *w, long j, int p) {
  if (p < 0) {
    p += TP_FACTOR;
    j--;
  } else if (p >= TP_FACTOR) {
    p -= TP_FACTOR;
    j++;
  }
  const double *c = T->coef + p * TAPS;
  const double *x = w + j - TP_HALF + 1;
  double y = 0;
  for (int k = 0; k < TAPS; k++) y += c[k] * x[k];
  return absd(y);
}

/* One interval's state between the stages (the reference's locals). */
typedef struct {
  double x0, x2, x4, best, g;
  int m;
} tp_iv;

/* Stage 1 after the half-sample sum y: the interval's peak so far; whether stage 2 runs. */
static inline int stage1(const double *w, long j, double y, double floor, double stage2, tp_iv *v, double *peak) {
  const double v0 = w[j];
  v->x0 = absd(v0);
  const double v4 = w[j + 1];
  v->x4 = absd(v4);
  v->x2 = absd(y);
  v->best = v->x0 > v->x2 ? v->x0 : v->x2;
  /* NaN falls through every comparison to here: it reads as the sample peak. */
  *peak = v->best;
  return (v->best > v->x4 ? v->best : v->x4) >= stage2 * floor;
}

/* Stage 2 after the quarter points x1, x3: the 4× grid's best; whether stage 3 runs. */
static inline int stage2(double x1, double x3, double floor, double stage3, tp_iv *v, double *peak) {
  int m = 0;
  double g = v->x0;
  if (x1 > g) { g = x1; m = 1; }
  if (v->x2 > g) { g = v->x2; m = 2; }
  if (x3 > g) { g = x3; m = 3; }
  if (v->x4 > g) { g = v->x4; m = 4; }
  if (x1 > v->best) v->best = x1;
  if (x3 > v->best) v->best = x3;
  *peak = v->best;
  v->g = g;
  v->m = m;
  return g >= stage3 * floor;
}

/* The direction of stage 3's search: toward the larger quarter-point neighbour (inward at the ends). */
static inline int direction(const tp_iv *v, double x1, double x3) {
  const int m = v->m;
  const double left = m == 0 ? -1 : m == 1 ? v->x0 : m == 2 ? x1 : m == 3 ? v->x2 : x3;
  const double right = m == 0 ? x1 : m == 1 ? v->x2 : m == 2 ? x3 : m == 3 ? v->x4 : -1;
  return right > left ? 1 : -1;
}

/* Stage 3 from the points c[] = |p0 + s|, |p0 + 2s|, |p0 + 3s|, |p0 − s|: the parabola's top, the interval's peak. */
static inline double stage3(const tp_iv *v, const double *c) {
  const double g = v->g;
  const double c1 = c[0];
  double u, vv, z;
  if (c1 >= g) {
    const double c2 = c[1];
    if (c2 > c1) {
      u = c1;
      vv = c2;
      z = c[2];
    } else {
      u = g;
      vv = c1;
      z = c2;
    }
  } else {
    u = c1;
    vv = g;
    z = c[3];
  }
  const double den = u - 2 * vv + z;
  const double top = u > vv || z > vv ? (u > z ? u : z) : den < 0 ? vv - ((u - z) * (u - z)) / (8 * den) : vv;
  return top > v->best ? top : v->best;
}

/* The four stage-3 points of interval j with the reference's scalar sums. */
static inline void stage3_points_scalar(const tp_tables *T, const double *w, long j, int m, int s, double *c) {
  const int p0 = m * Q;
  c[0] = point(T, w, j, p0 + s);
  c[1] = point(T, w, j, p0 + 2 * s);
  c[2] = point(T, w, j, p0 + 3 * s);
  c[3] = point(T, w, j, p0 - s);
}

/* The reference's intervalPeak(), for the intervals outside a vector group. */
static inline double interval_peak(const tp_tables *T, const double *w, long j, double floor) {
  tp_iv v;
  double peak;
  const double *a = w + j - TP_HALF + 1;
  const double *b = w + j + TP_HALF;
  double y = 0;
  for (int k = 0; k < TP_HALF; k++) y += T->half[k] * (a[k] + b[-k]);
  if (!stage1(w, j, y, floor, T->stage2, &v, &peak)) return peak;
  const double x1 = point(T, w, j, Q);
  const double x3 = point(T, w, j, 3 * Q);
  if (!stage2(x1, x3, floor, T->stage3_ratio, &v, &peak)) return peak;
  const int s = direction(&v, x1, x3);
  double c[4];
  stage3_points_scalar(T, w, j, v.m, s, c);
  return stage3(&v, c);
}

/*
 * NV vectors (4·NV consecutive intervals from j0) through all three stages, peaks into out[0 .. 4·NV).
 * Inlined with NV constant, so the accumulators stay in registers.
 */
static inline __attribute__((always_inline)) void group(const tp_tables *T, const double *w, long j0, int NV, double floor, double *out) {
  double y[16], q1[16], q3[16];
  tp_iv iv[16];
  const int n = 4 * NV;

  /* Stage 1: the half-sample point, HALF_COEF[k] · (w[a + k] + w[b − k]) in k order per lane. */
  {
    v4d acc[4] = {0};
    const double *a = w + j0 - TP_HALF + 1;
    const double *b = w + j0 + TP_HALF;
    for (int k = 0; k < TP_HALF; k++) {
      const v4d c = splat(T->half[k]);
      for (int g = 0; g < NV; g++) acc[g] += c * (load4(a + 4 * g + k) + load4(b + 4 * g - k));
    }
    for (int g = 0; g < NV; g++) memcpy(y + 4 * g, &acc[g], sizeof acc[g]);
  }
  unsigned need2 = 0;
  for (int i = 0; i < n; i++) if (stage1(w, j0 + i, y[i], floor, T->stage2, &iv[i], &out[i])) need2 |= 1u << i;
  if (!need2) return;

  /* Stage 2: the quarter points p = Q and 3Q, for every vector with an interval that needs them. */
  {
    v4d a1[4] = {0}, a3[4] = {0};
    const double *c1 = T->coef + Q * TAPS;
    const double *c3 = T->coef + 3 * Q * TAPS;
    const double *x = w + j0 - TP_HALF + 1;
    for (int k = 0; k < TAPS; k++) {
      const v4d k1 = splat(c1[k]);
      const v4d k3 = splat(c3[k]);
      for (int g = 0; g < NV; g++) {
        const v4d xv = load4(x + 4 * g + k);
        a1[g] += k1 * xv;
        a3[g] += k3 * xv;
      }
    }
    for (int g = 0; g < NV; g++) {
      memcpy(q1 + 4 * g, &a1[g], sizeof a1[g]);
      memcpy(q3 + 4 * g, &a3[g], sizeof a3[g]);
    }
  }
  unsigned need3 = 0;
  for (int i = 0; i < n; i++) {
    if (!(need2 >> i & 1)) continue;
    q1[i] = absd(q1[i]);
    q3[i] = absd(q3[i]);
    if (stage2(q1[i], q3[i], floor, T->stage3_ratio, &iv[i], &out[i])) need3 |= 1u << i;
  }

  /* Stage 3: each interval's four candidate points as one vector; up to 4 intervals at once. */
  while (need3) {
    int idx[4];
    int cnt = 0;
    while (need3 && cnt < 4) {
      const int i = __builtin_ctz(need3);
      need3 &= need3 - 1;
      idx[cnt++] = i;
    }
    v4d acc[4] = {0};
    const double *tab[4];
    const double *x[4];
    for (int r = 0; r < 4; r++) {
      const int i = idx[r < cnt ? r : 0];
      const int s = direction(&iv[i], q1[i], q3[i]);
      tab[r] = &T->stage3[iv[i].m * 2 + (s > 0)][0][0];
      x[r] = w + j0 + i - TP_HALF;
    }
    for (int t = 0; t < WIN; t++) {
      for (int r = 0; r < 4; r++) acc[r] += load4(tab[r] + 4 * t) * splat(x[r][t]);
    }
    for (int r = 0; r < cnt; r++) {
      const int i = idx[r];
      double c[4];
      memcpy(c, &acc[r], sizeof c);
      for (int l = 0; l < 4; l++) c[l] = absd(c[l]);
      if (!(c[0] - c[0] == 0 && c[1] - c[1] == 0 && c[2] - c[2] == 0 && c[3] - c[3] == 0)) {
        /* A non-finite sample in the window: the reference's sums (the zero taps above would make NaN). */
        stage3_points_scalar(T, w, j0 + i, iv[i].m, direction(&iv[i], q1[i], q3[i]), c);
      }
      out[i] = stage3(&iv[i], c);
    }
  }
}

/*
 * scan() of truepeak.ts: interval peaks of the n intervals TP_LAG samples before w[h .. h + n) into
 * out[0 .. n). The caller has checked h ≥ TP_LAG + TP_HALF and that w holds h + n samples.
 */
static inline __attribute__((always_inline)) void scan(const tp_tables *T, const double *w, long h, long n, double floor, double *out) {
  for (long s0 = 0; s0 < n; s0 += SPAN) {
    const long s1 = s0 + SPAN < n ? s0 + SPAN : n;
    const double m = span_max(w, h + s0 - TP_LAG - TP_HALF, h + s1 - TP_LAG + TP_HALF);
    if (m * T->max_l1 < floor) {
      for (long i = s0; i < s1; i++) out[i] = absd(w[h + i - TP_LAG]);
      continue;
    }
    long i = s0;
    for (; i + 16 <= s1; i += 16) group(T, w, h + i - TP_LAG, 4, floor, out + i);
    for (; i + 4 <= s1; i += 4) group(T, w, h + i - TP_LAG, 1, floor, out + i);
    for (; i < s1; i++) out[i] = interval_peak(T, w, h + i - TP_LAG, floor);
  }
}

/*
 * The same code compiled for AVX2 (4-double vectors in one register) on x86-64, and for the
 * architecture's baseline (SSE2 there, NEON on arm64: the vector types are GCC's and clang's own).
 */
#if defined(__x86_64__) || defined(__i386__)
#define HAVE_AVX2_BUILD 1
__attribute__((target("avx2"))) static void scan_avx2(const tp_tables *T, const double *w, long h, long n, double floor, double *out) {
  scan(T, w, h, n, floor, out);
}
#else
#define HAVE_AVX2_BUILD 0
#endif

static void scan_baseline(const tp_tables *T, const double *w, long h, long n, double floor, double *out) {
  scan(T, w, h, n, floor, out);
}

/* ---- N-API ---- */

#define THROW(env, msg)                          \
  do {                                           \
    napi_throw_type_error((env), NULL, (msg));   \
    return NULL;                                 \
  } while (0)

/* A Float64Array argument's data and length, or NULL after throwing a TypeError naming it. */
static double *f64(napi_env env, napi_value v, size_t *len, const char *msg) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) {
    napi_throw_type_error(env, NULL, msg);
    return NULL;
  }
  napi_typedarray_type type;
  void *data = NULL;
  if (napi_get_typedarray_info(env, v, &type, len, &data, NULL, NULL) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, NULL, msg);
    return NULL;
  }
  /* An empty array may have no storage; callers never read it (its length bounds every read). */
  static double none;
  return data ? (double *)data : &none;
}

/* A whole number in [0, 2^31) argument, or −1 after throwing a TypeError naming it. */
static long whole(napi_env env, napi_value v, const char *msg) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0 && d < 2147483648.0) || d != (double)(long)d) {
    napi_throw_type_error(env, NULL, msg);
    return -1;
  }
  return (long)d;
}

/*
 * scan(w, h, n, io, out, at): scan() of truepeak.ts, its floor in io[0], the peaks into
 * out[at .. at + n). Throws a TypeError, having read and written nothing, when an argument is not
 * what that needs: every index it would touch is checked against the arrays' lengths first.
 */
static napi_value js_scan(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &data) != napi_ok) return NULL;
  if (argc < 6) THROW(env, "truePeak scan: expected (w, h, n, io, out, at)");
  const tp_tables *T = data;
  size_t wlen, iolen, outlen;
  const double *w = f64(env, argv[0], &wlen, "truePeak scan: w must be a Float64Array");
  if (!w) return NULL;
  const long h = whole(env, argv[1], "truePeak scan: h must be a whole number");
  if (h < 0) return NULL;
  const long n = whole(env, argv[2], "truePeak scan: n must be a whole number");
  if (n < 0) return NULL;
  const double *io = f64(env, argv[3], &iolen, "truePeak scan: io must be a Float64Array");
  if (!io) return NULL;
  double *out = f64(env, argv[4], &outlen, "truePeak scan: out must be a Float64Array");
  if (!out) return NULL;
  const long at = whole(env, argv[5], "truePeak scan: at must be a whole number");
  if (at < 0) return NULL;
  if (iolen < 1) THROW(env, "truePeak scan: io must hold the floor in io[0]");
  if (h < TP_LAG + TP_HALF) THROW(env, "truePeak scan: h must leave 129 history samples before it");
  if ((size_t)(h + n) > wlen) THROW(env, "truePeak scan: h + n is past the end of w");
  if ((size_t)(at + n) > outlen) THROW(env, "truePeak scan: at + n is past the end of out");
  if (n == 0) return NULL;
  const uintptr_t w0 = (uintptr_t)w, w1 = (uintptr_t)(w + wlen);
  const uintptr_t o0 = (uintptr_t)(out + at), o1 = (uintptr_t)(out + at + n);
  if (o0 < w1 && w0 < o1) THROW(env, "truePeak scan: out must not share memory with w");
  T->scan(T, w, h, n, io[0], out + at);
  return NULL;
}

static void free_tables(napi_env env, void *data, void *hint) { free(data); }

/* Copies a Float64Array of exactly `want` values into dst, or throws. */
static int copy_table(napi_env env, napi_value v, double *dst, size_t want, const char *msg) {
  size_t len;
  const double *src = f64(env, v, &len, msg);
  if (!src) return 0;
  if (len != want) {
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  memcpy(dst, src, want * sizeof *dst);
  return 1;
}

/* Fills stage3[][][] from coef (see tp_tables). */
static void build_stage3(tp_tables *T) {
  memset(T->stage3, 0, sizeof T->stage3);
  for (int m = 0; m <= 4; m++) {
    for (int d = 0; d < 2; d++) {
      const int s = d ? 1 : -1;
      const int p0 = m * Q;
      const int phases[4] = {p0 + s, p0 + 2 * s, p0 + 3 * s, p0 - s};
      for (int l = 0; l < 4; l++) {
        int p = phases[l];
        int dj = 0;
        if (p < 0) { p += TP_FACTOR; dj = -1; } else if (p >= TP_FACTOR) { p -= TP_FACTOR; dj = 1; }
        /* Tap k of the point multiplies w[j + dj − TP_HALF + 1 + k] = w[j − TP_HALF + t]. */
        for (int k = 0; k < TAPS; k++) T->stage3[m * 2 + d][dj + 1 + k][l] = T->coef[p * TAPS + k];
      }
    }
  }
}

/*
 * truePeakScanner(coef, halfCoef, consts[, isa]) → scan: the kernel bound to the reference's tables.
 * consts = [TP_FACTOR, TP_HALF, SPAN, TP_LAG, MAX_L1, STAGE2, STAGE3]; the structural ones must be
 * this file's (it is compiled for them), or it throws. isa 'auto' (the default) takes AVX2 where the
 * CPU has it, 'baseline' the SSE2 build; the function's `isa` property says which it runs.
 */
static napi_value js_scanner(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 3) THROW(env, "truePeakScanner: expected (coef, halfCoef, consts[, isa])");
  int baseline = 0;
  if (argc > 3) {
    napi_valuetype t;
    if (napi_typeof(env, argv[3], &t) != napi_ok) return NULL;
    if (t != napi_undefined) {
      char isa[16];
      size_t len = 0;
      if (t != napi_string || napi_get_value_string_utf8(env, argv[3], isa, sizeof isa, &len) != napi_ok) THROW(env, "truePeakScanner: isa must be 'auto' or 'baseline'");
      if (strcmp(isa, "baseline") == 0) baseline = 1;
      else if (strcmp(isa, "auto") != 0) THROW(env, "truePeakScanner: isa must be 'auto' or 'baseline'");
    }
  }
#if HAVE_AVX2_BUILD
  __builtin_cpu_init();
  const int avx2 = !baseline && __builtin_cpu_supports("avx2");
#else
  const int avx2 = 0;
  (void)baseline;
#endif
  tp_tables *T = aligned_alloc(32, (sizeof(tp_tables) + 31) / 32 * 32);
  if (!T) {
    napi_throw_error(env, NULL, "truePeakScanner: out of memory");
    return NULL;
  }
  double k[7];
  if (!copy_table(env, argv[0], T->coef, TP_FACTOR * TAPS, "truePeakScanner: coef must be a Float64Array of 16 · 128 values") ||
      !copy_table(env, argv[1], T->half, TP_HALF, "truePeakScanner: halfCoef must be a Float64Array of 64 values") ||
      !copy_table(env, argv[2], k, 7, "truePeakScanner: consts must be a Float64Array of 7 values")) {
    free(T);
    return NULL;
  }
  if (k[0] != TP_FACTOR || k[1] != TP_HALF || k[2] != SPAN || k[3] != TP_LAG) {
    free(T);
    THROW(env, "truePeakScanner: the addon is built for TP_FACTOR 16, TP_HALF 64, SPAN 32, TP_LAG 65");
  }
  T->max_l1 = k[4];
  T->stage2 = k[5];
  T->stage3_ratio = k[6];
  build_stage3(T);
#if HAVE_AVX2_BUILD
  T->scan = avx2 ? scan_avx2 : scan_baseline;
#else
  T->scan = scan_baseline;
#endif
  napi_value fn, name;
  if (napi_create_function(env, "truePeakScan", NAPI_AUTO_LENGTH, js_scan, T, &fn) != napi_ok ||
      napi_add_finalizer(env, fn, T, free_tables, NULL, NULL) != napi_ok) {
    free(T);
    return NULL;
  }
  if (napi_create_string_utf8(env, avx2 ? "avx2" : "baseline", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_set_named_property(env, fn, "isa", name) != napi_ok) return NULL;
  return fn;
}

napi_status register_truepeak(napi_env env, napi_value exports) {
  napi_value fn;
  napi_status st = napi_create_function(env, "truePeakScanner", NAPI_AUTO_LENGTH, js_scanner, NULL, &fn);
  if (st != napi_ok) return st;
  return napi_set_named_property(env, exports, "truePeakScanner", fn);
}
