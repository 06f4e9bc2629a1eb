/*
 * Compressor jobs: the compressors of many strips in one call. The reference is
 * src/engine/dsp/compressor.ts (process → linkedPeaks → span): per strip this file does the same
 * double operations in the same order, and takes its logs and exps with V8's own fdlibm (fdlibm.h),
 * so the result is bit-identical. The wrapper is src/engine/native/comp-batch.ts.
 *
 *   compJobs(f32: Float32Array, f64: Float64Array, jobs: Int32Array, nJobs, frames)
 *
 * Job k is jobs[4k .. 4k+4): [buf0, buf1, nch, block]:
 *   buf0, buf1  the strip's channels at f32[bufX .. bufX+frames), scaled in place (buf1 unused, -1,
 *               when nch is 1);
 *   nch         1 or 2;
 *   block       the compressor's settings and state at f64[block .. block+16) (Compressor.writeParams
 *               and its state array): thr, slope, knee, kneeStartLin, kneeEndLin, kneeChord, attack
 *               and release coefficients, stepA, stepR, stepK, make-up (dB), then y1, yL, gain.
 * Every offset is checked before anything runs: a bad one throws a TypeError naming the job and the
 * field, and nothing is changed.
 *
 * With AVX2, four jobs at a time run as the four lanes of a vector (comp-lanes.h; compIsa says which
 * variant runs); leftover jobs, groups whose buffers overlap, and CPUs without AVX2 run the scalar
 * span here.
 *
 * Also, for tests: fdlibmLog(in, out, how?) and fdlibmExp(in, out, how?) (Float64Arrays) apply
 * fdlibm.h's functions, or ("lanes") fdlibm-vec.h's.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "fdlibm.h"
#include "kernels.h"
#include "napi-args.h"
#include "isa.h"

#define BLOCK 16
#include "strip-jobs.h"
enum { P_THR, P_SLOPE, P_KNEE, P_KSTART, P_KEND, P_KCHORD, P_AA, P_AR, P_STEPA, P_STEPR, P_STEPK, P_MAKEUP, S_Y1, S_YL, S_GAIN };
/** compressor.ts GAIN_STEP, GONE_DB; linked-peak.ts PEAK_SPAN. */
#define GAIN_STEP 8
#define GONE_DB 1e-9
#define PEAK_SPAN 2048
#include "linked-peaks.h"

static inline void scale(float *buf, int from, int to, double g) {
  for (int i = from; i < to; i++) buf[i] = (float)((double)buf[i] * g);
}

static inline void ramp(float *buf, int from, int to, double g0, double inc) {
  double g = g0;
  for (int i = from; i < to; i++) {
    g += inc;
    buf[i] = (float)((double)buf[i] * g);
  }
}

/** Compressor.span: frames [from, frames), their linked peaks in peaks[0 .. frames − from). */
static void span(double *p, float *const *ch, int nch, const float *peaks, int from, int frames) {
  const double DB_TO_LN = LN10 / 20, LN_TO_DB = 20 / LN10;
  const double thr = p[P_THR], slope = p[P_SLOPE], knee = p[P_KNEE], halfKnee = knee / 2;
  const double kneeStart = p[P_KSTART], kneeEnd = p[P_KEND], kneeChord = p[P_KCHORD];
  const double aA = p[P_AA], aR = p[P_AR], bA = 1 - aA, bR = 1 - aR;
  const double stepA = p[P_STEPA], stepR = p[P_STEPR], stepK = p[P_STEPK];
  const double makeup = p[P_MAKEUP];
  const double makeupLin = fdlibm_exp(makeup * DB_TO_LN);
  double y1 = p[S_Y1], yL = p[S_YL], g0 = p[S_GAIN];
  if (g0 != g0) g0 = yL < GONE_DB ? makeupLin : fdlibm_exp((makeup - yL) * DB_TO_LN);
  const int o = from;
  for (int start = from; start < frames; start += GAIN_STEP) {
    const int end = start + GAIN_STEP < frames ? start + GAIN_STEP : frames;
    const int n = end - start;
    double amax = 0, prod = 1, sumKnee = 0;
    int nHard = 0;
    for (int i = start; i < end; i++) {
      const double a = peaks[i - o];
      if (a > amax) amax = a;
      if (a > kneeEnd) {
        prod *= a;
        nHard++;
      } else if (a > kneeStart) sumKnee += kneeChord * (a - kneeStart);
    }
    double grMax = 0;
    if (amax > kneeStart) {
      const double over = fdlibm_log(amax) * LN_TO_DB - thr;
      if (over >= halfKnee) grMax = -slope * over;
      else {
        const double k = over + halfKnee;
        grMax = (-slope * k * k) / (2 * knee);
      }
    }
    const double grMean = ((nHard > 0 ? -slope * (fdlibm_log(prod) * LN_TO_DB - (double)nHard * thr) : 0) + sumKnee) / (double)n;
    if (grMax > y1) {
      double aSeen = 0;
      for (int i = start; i < end; i++) {
        const double a = peaks[i - o];
        double gr = grMean;
        if (a > aSeen && a > kneeStart) {
          aSeen = a;
          const double over = fdlibm_log(a) * LN_TO_DB - thr;
          if (over >= halfKnee) gr = -slope * over;
          else {
            const double k = over + halfKnee;
            gr = (-slope * k * k) / (2 * knee);
          }
        }
        y1 = gr > y1 ? gr : y1 + bR * (grMean - y1);
        yL = aA * yL + bA * y1;
      }
    } else {
      const double gr = grMean;
      if (n == GAIN_STEP) {
        const double d = y1 - gr;
        y1 = gr + d * stepR;
        yL = gr + (yL - gr) * stepA + d * stepK;
      } else {
        for (int i = start; i < end; i++) {
          y1 += bR * (gr - y1);
          yL = aA * yL + bA * y1;
        }
      }
    }
    const double g1 = yL < GONE_DB ? makeupLin : fdlibm_exp((makeup - yL) * DB_TO_LN);
    if (g0 == g1) {
      if (g1 != 1) for (int c = 0; c < nch; c++) scale(ch[c], start, end, g1);
    } else {
      const double inc = (g1 - g0) / (double)n;
      for (int c = 0; c < nch; c++) ramp(ch[c], start, end, g0, inc);
    }
    g0 = g1;
  }
  p[S_Y1] = y1 > GONE_DB ? y1 : 0;
  p[S_YL] = yL > GONE_DB ? yL : 0;
  p[S_GAIN] = g0;
}

/** Compressor.process: a span of PEAK_SPAN frames at a time. */
static void run_job(float *f32, double *f64, const int32_t *j, int frames) {
  float peaks[PEAK_SPAN];
  float *ch[2];
  const int nch = job_channels(f32, j, ch);
  double *p = f64 + j[J_BLOCK];
  for (int from = 0; from < frames; from += PEAK_SPAN) {
    const int to = frames - from > PEAK_SPAN ? from + PEAK_SPAN : frames;
    linked_peaks(ch, nch, from, to, peaks);
    span(p, ch, nch, peaks, from, to);
  }
}

/* ---- Four strips per vector (comp-lanes.h) -------------------------------------------------- */

/** Four strips: each one's two channels (the same one twice for a mono strip), count and block. */
struct lane_group {
  float *ch[4][2];
  int nch[4];
  double *p[4];
};

/*
 * The lane kernels are compiled for AVX2 on x86-64 and picked at load when the CPU has it (no
 * -march=native: the addon runs on any machine of its architecture). The portable variant runs
 * every job through the scalar span: GCC lowers the lanes' mask arithmetic to scalar compares
 * without AVX (2.6x slower than scalar on SSE2). Tests run both (compIsa) against the TypeScript
 * reference; both give the same bits. GCC only (its vector extensions and builtins as written here;
 * a clang build, untried, runs the portable variant).
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HAVE_AVX2 1
#define CL_(name) name##_avx2
#define CL_ATTR __attribute__((target("avx2")))
#define CL_MASK(m) __builtin_ia32_movmskpd256((v4d)(m))
/* vmaxpd gives its first operand where it is greater, else its second (NaN included): a > b ? a : b. */
#define CL_MAX(a, b) __builtin_ia32_maxpd256((a), (b))
#include "fdlibm-vec.h"
#include "comp-lanes.h"
#undef CL_
#undef CL_ATTR
#undef CL_MASK
#undef CL_MAX
#endif

static void map_log_scalar(const double *in, double *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = fdlibm_log(in[i]);
}

static void map_exp_scalar(const double *in, double *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = fdlibm_exp(in[i]);
}

/** A variant: its four-strip kernel (NULL: one job at a time) and the log/exp its lanes take. */
struct comp_lanes {
  const char *name;
  void (*group)(const struct lane_group *g, int frames);
  void (*log)(const double *in, double *out, size_t n);
  void (*exp)(const double *in, double *out, size_t n);
};
static const struct comp_lanes lanes_portable = {"portable", NULL, map_log_scalar, map_exp_scalar};
#ifdef HAVE_AVX2
static const struct comp_lanes lanes_avx2 = {"avx2", run_group_avx2, map_log_avx2, map_exp_avx2};
#endif
static const struct comp_lanes *lanes = &lanes_portable;

/** Selects the variant: "avx2" (where the CPU has it) or "portable"; false when it cannot. */
static int set_isa(const char *name) {
#ifdef HAVE_AVX2
  const struct comp_lanes *v = isa_pick(name, &lanes_portable, &lanes_avx2);
#else
  const struct comp_lanes *v = isa_pick(name, &lanes_portable, NULL);
#endif
  if (v) lanes = v;
  return v != NULL;
}

static const char *isa_name(void) {
  return lanes->name;
}

/** Whether [a, a+na) and [b, b+nb) share an element. */
static inline int overlap(int64_t a, int64_t na, int64_t b, int64_t nb) { return a < b + nb && b < a + na; }

/**
 * Four jobs as lanes (true), when no job's channels or block overlap another's or its own: the lanes
 * interleave the jobs step by step, which is the scalar order only for strips that share nothing.
 */
static int make_group(float *f32, double *f64, const int32_t *const j[4], int frames, struct lane_group *g) {
  int64_t at[8];
  int n = 0;
  for (int l = 0; l < 4; l++) {
    for (int c = 0; c < j[l][J_NCH]; c++) {
      const int64_t b = j[l][c == 0 ? J_BUF0 : J_BUF1];
      for (int q = 0; q < n; q++)
        if (overlap(at[q], frames, b, frames)) return 0;
      at[n++] = b;
    }
    for (int q = 0; q < l; q++)
      if (overlap(j[q][J_BLOCK], BLOCK, j[l][J_BLOCK], BLOCK)) return 0;
    g->nch[l] = j[l][J_NCH];
    g->ch[l][0] = f32 + j[l][J_BUF0];
    g->ch[l][1] = g->nch[l] == 2 ? f32 + j[l][J_BUF1] : g->ch[l][0];
    g->p[l] = f64 + j[l][J_BLOCK];
  }
  return 1;
}

/** The jobs four at a time in lanes (those that share nothing), the rest one by one. */
static void run_jobs(float *f32, double *f64, const int32_t *jobs, int njobs, int frames) {
  int k = 0;
  for (; lanes->group && k + 4 <= njobs; k += 4) {
    const int32_t *j[4];
    for (int l = 0; l < 4; l++) j[l] = jobs + (size_t)(k + l) * JOB_STRIDE;
    struct lane_group g;
    if (make_group(f32, f64, j, frames, &g)) lanes->group(&g, frames);
    else
      for (int l = 0; l < 4; l++) run_job(f32, f64, j[l], frames);
  }
  for (; k < njobs; k++) run_job(f32, f64, jobs + (size_t)k * JOB_STRIDE, frames);
}

static napi_value comp_jobs(napi_env env, napi_callback_info info) {
  struct strip_jobs a;
  if (!strip_jobs_args(env, info, "compJobs", BLOCK, NULL, &a)) return NULL;
  if (a.frames > 0) run_jobs(a.f32, a.f64, a.jobs, a.njobs, a.frames);
  return NULL;
}

/** The string argument argv[at], if there is one, into buf (empty if not); false if it is not a string. */
static int opt_string(napi_env env, size_t argc, napi_value *argv, size_t at, char *buf, size_t size) {
  buf[0] = 0;
  if (argc <= at) return 1;
  napi_valuetype t;
  size_t n;
  if (napi_typeof(env, argv[at], &t) != napi_ok || t != napi_string) return 0;
  return napi_get_value_string_utf8(env, argv[at], buf, size, &n) == napi_ok;
}

/**
 * fdlibmLog(in, out, how?) / fdlibmExp(in, out, how?): out[i] = f(in[i]) for i < in.length (out at
 * least as long); `how` "lanes" takes them four at a time with the selected variant's vector
 * functions (what compJobs' lanes use), else with fdlibm.h's scalar ones.
 */
static napi_value map_f64(napi_env env, napi_callback_info info, int isLog, const char *name) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  double *in, *out;
  size_t ni, no;
  char msg[128], how[16];
  snprintf(msg, sizeof msg, "%s(in, out, how?): two Float64Arrays, out at least as long as in, how \"scalar\" or \"lanes\"", name);
  if (argc < 2 || !typed(env, argv[0], napi_float64_array, (void **)&in, &ni) || !typed(env, argv[1], napi_float64_array, (void **)&out, &no) || no < ni ||
      !opt_string(env, argc, argv, 2, how, sizeof how) || (how[0] && strcmp(how, "scalar") != 0 && strcmp(how, "lanes") != 0))
    return fail(env, msg);
  const struct comp_lanes *v = strcmp(how, "lanes") == 0 ? lanes : &lanes_portable;
  (isLog ? v->log : v->exp)(in, out, ni);
  return NULL;
}

static napi_value fdlibm_log_js(napi_env env, napi_callback_info info) { return map_f64(env, info, 1, "fdlibmLog"); }
static napi_value fdlibm_exp_js(napi_env env, napi_callback_info info) { return map_f64(env, info, 0, "fdlibmExp"); }

/**
 * compIsa(name?): with a name ("avx2", "portable"), selects that variant of the lane kernels if this
 * CPU runs it; returns the variant in use. For tests and the bench: both give the same bits.
 */
static napi_value comp_isa(napi_env env, napi_callback_info info) {
  return isa_call(env, info, "compIsa(name): name must be \"avx2\" or \"portable\"", set_isa, isa_name);
}

napi_status register_comp(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback cb;
  } fns[] = {{"compJobs", comp_jobs}, {"compIsa", comp_isa}, {"fdlibmLog", fdlibm_log_js}, {"fdlibmExp", fdlibm_exp_js}};
  napi_value fn, stride;
  napi_status st;
  if (!set_isa("avx2")) set_isa("portable");
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    if ((st = napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &fn)) != napi_ok) return st;
    if ((st = napi_set_named_property(env, exports, fns[i].name, fn)) != napi_ok) return st;
  }
  if ((st = napi_create_int32(env, JOB_STRIDE, &stride)) != napi_ok) return st;
  return napi_set_named_property(env, exports, "compJobStride", stride);
}
