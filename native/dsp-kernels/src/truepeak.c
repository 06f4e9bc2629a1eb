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
 * The vector code is in truepeak-scan.h, compiled twice: for AVX2, and for the baseline (SSE2 on
 * x86-64, NEON on arm64). truePeakScanner() picks by CPU, or takes the baseline when asked (the tests
 * compare both with the reference).
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

static inline double absd(double v) { return v < 0 ? -v : v; }

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
 * The vector code (truepeak-scan.h) built twice over a vector of 4 doubles: as one 32-byte vector
 * for AVX2, and as two 16-byte ones for the baseline (SSE2 on x86-64, NEON on arm64; a 32-byte
 * vector without AVX would live in memory). Same lanes, same operations, so the same doubles.
 */
#define ALWAYS static inline __attribute__((always_inline))

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_AVX2_BUILD 1
/* Everything down to scan_avx2 is compiled for AVX2; only scan_avx2 is called, and only on AVX2 CPUs. */
#pragma GCC push_options
#pragma GCC target("avx2")
typedef double v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));
ALWAYS v4d v4_load(const double *p) {
  v4d v;
  memcpy(&v, p, sizeof v);
  return v;
}
ALWAYS void v4_store(double *p, v4d v) { memcpy(p, &v, sizeof v); }
ALWAYS v4d v4_splat(double c) { return (v4d){c, c, c, c}; }
ALWAYS v4d v4_add(v4d a, v4d b) { return a + b; }
ALWAYS v4d v4_mul(v4d a, v4d b) { return a * b; }
/* Lane by lane, `a = |x|; if (a > m) m = a` (clearing the sign bit: a −0 or NaN never wins anyway). */
ALWAYS v4d v4_absmax(v4d m, const double *p) {
  const v4l mag = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
  const v4d a = (v4d)((v4l)v4_load(p) & mag);
  const v4l gt = a > m;
  return (v4d)((gt & (v4l)a) | (~gt & (v4l)m));
}
#define VEC v4d
#define V(x) v4_##x
#define NAME(x) x##_v4
#include "truepeak-scan.h"
#undef VEC
#undef V
#undef NAME
static void scan_avx2(const tp_tables *T, const double *w, long h, long n, double floor, double *out) {
  scan_v4(T, w, h, n, floor, out);
}
#pragma GCC pop_options
#else
#define HAVE_AVX2_BUILD 0
#endif

typedef double v2d __attribute__((vector_size(16)));
typedef long long v2l __attribute__((vector_size(16)));
typedef struct {
  v2d lo, hi;
} p4d;
ALWAYS p4d p4_load(const double *p) {
  p4d v;
  memcpy(&v.lo, p, sizeof v.lo);
  memcpy(&v.hi, p + 2, sizeof v.hi);
  return v;
}
ALWAYS void p4_store(double *p, p4d v) {
  memcpy(p, &v.lo, sizeof v.lo);
  memcpy(p + 2, &v.hi, sizeof v.hi);
}
ALWAYS p4d p4_splat(double c) { return (p4d){{c, c}, {c, c}}; }
ALWAYS p4d p4_add(p4d a, p4d b) { return (p4d){a.lo + b.lo, a.hi + b.hi}; }
ALWAYS p4d p4_mul(p4d a, p4d b) { return (p4d){a.lo * b.lo, a.hi * b.hi}; }
ALWAYS v2d v2_absmax(v2d m, v2d x) {
  const v2l mag = {INT64_MAX, INT64_MAX};
  const v2d a = (v2d)((v2l)x & mag);
  const v2l gt = a > m;
  return (v2d)((gt & (v2l)a) | (~gt & (v2l)m));
}
ALWAYS p4d p4_absmax(p4d m, const double *p) {
  const p4d x = p4_load(p);
  return (p4d){v2_absmax(m.lo, x.lo), v2_absmax(m.hi, x.hi)};
}
#define VEC p4d
#define V(x) p4_##x
#define NAME(x) x##_p4
#include "truepeak-scan.h"
#undef VEC
#undef V
#undef NAME
static void scan_baseline(const tp_tables *T, const double *w, long h, long n, double floor, double *out) {
  scan_p4(T, w, h, n, floor, out);
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
