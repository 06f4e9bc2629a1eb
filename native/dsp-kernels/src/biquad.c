/*
 * Biquad section jobs: the HPF and EQ sections of many strips' channels in one call, SIMD across the
 * channels (4 per vector of doubles). The reference is src/engine/dsp/biquad.ts (runSection, runPair,
 * runSectionGlide, runPairGlide): per channel this file does the same double arithmetic in the same
 * order, so the result is bit-identical, and the wrapper (src/engine/native/biquad-batch.ts) says
 * what a job is on the TypeScript side.
 *
 *   biquadJobs(f32: Float32Array, f64: Float64Array, jobs: Int32Array, nJobs, frames)
 *
 * Job k is jobs[9k .. 9k+9): [buf, coefA, stateA, posA, lenA, coefB, stateB, posB, lenB]:
 *   buf     the channel's samples at f32[buf .. buf+frames), filtered in place;
 *   coefX   a section's target coefficients [b0 b1 b2 a1 a2] at f64[coefX .. +5) and its glide's
 *           delta right after them (f64[coefX+5 .. +10)), as CoefGlide's `to` and `delta`;
 *   stateX  the channel's state words x1 x2 y1 y2 at f64[stateX .. +4);
 *   posX, lenX  the glide's position and length (pos >= len: not gliding);
 *   coefB   -1 for one section; else a second section in cascade, fused as runPair does (the first
 *           section's output reaches the second as a double, not rounded to float).
 * The jobs of one call must not share a buffer or a state (they run side by side); a cascade of
 * more pairs on one channel is several calls. Every offset is checked before anything runs: a bad
 * one throws a TypeError naming the job and the field, and nothing is filtered.
 *
 * Jobs run grouped in lanes (biquad-lanes.h): steady single sections 8 at a time (two vectors in
 * flight: one section's recursion is bound by its latency, a multiply and an add per sample), steady
 * pairs 4 at a time (the second section overlaps the first's next sample), gliding jobs 4 at a time
 * when their glides cover the same frames of the block (as after a scene recall: 64 gliding pairs
 * cost 22 µs instead of 75 one by one); the rest one by one. Built with -ffp-contract=off: no fused
 * multiply-add may change a rounding.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "kernels.h"
#include "napi-args.h"
#include "isa.h"

#define JOB_STRIDE 9
enum { J_BUF, J_CA, J_SA, J_POSA, J_LENA, J_CB, J_SB, J_POSB, J_LENB };
/** util.ts FLUSH_BELOW. */
#define FLUSH_BELOW 1e-30


/** runSection's end-of-block state rule: NaN, ±Inf and anything at or below FLUSH_BELOW become 0. */
static inline double flush(double x) {
  return fabs(x) > FLUSH_BELOW && x != INFINITY && x != -INFINITY ? x : 0.0;
}

static inline void store_state(double *s, double a, double b, double c, double d) {
  s[0] = flush(a);
  s[1] = flush(b);
  s[2] = flush(c);
  s[3] = flush(d);
}

/** CoefGlide.framesLeft. */
static inline int frames_left(int pos, int len, int frames) {
  int left = len - pos;
  return left <= 0 ? 0 : left < frames ? left : frames;
}

/** 1 − s(p/len), as runSectionGlide (0 once the glide has ended). */
static inline double remaining(double p, int len, double inv) {
  if (!(p < len)) return 0.0;
  double t = p * inv;
  return 1.0 - t * t * t * (10.0 + t * (-15.0 + 6.0 * t));
}

/* ---- scalar: the reference kernels, one channel ------------------------------------------------ */

static void run_section(const double *c, double *s, float *buf, int i0, int i1) {
  const double b0 = c[0], b1 = c[1], b2 = c[2], a1 = c[3], a2 = c[4];
  double x1 = s[0], x2 = s[1], y1 = s[2], y2 = s[3];
  for (int i = i0; i < i1; i++) {
    double x = buf[i];
    double y = b0 * x + b1 * x1 + b2 * x2 - a2 * y2 - a1 * y1;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    buf[i] = (float)y;
  }
  store_state(s, x1, x2, y1, y2);
}

static void run_section_glide(const double *c, int pos, int len, double *s, float *buf, int i0, int i1) {
  const double *d = c + 5;
  const double t0 = c[0], t1 = c[1], t2 = c[2], t3 = c[3], t4 = c[4];
  const double d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3], d4 = d[4];
  const double inv = 1.0 / len;
  double p = pos;
  double x1 = s[0], x2 = s[1], y1 = s[2], y2 = s[3];
  for (int i = i0; i < i1; i++, p++) {
    double r = remaining(p, len, inv);
    double x = buf[i];
    double y = (t0 - d0 * r) * x + (t1 - d1 * r) * x1 + (t2 - d2 * r) * x2 - (t4 - d4 * r) * y2 - (t3 - d3 * r) * y1;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    buf[i] = (float)y;
  }
  store_state(s, x1, x2, y1, y2);
}

static void run_pair(const double *ca, double *sa, const double *cb, double *sb, float *buf, int i0, int i1) {
  const double a0 = ca[0], a1 = ca[1], a2 = ca[2], a3 = ca[3], a4 = ca[4];
  const double b0 = cb[0], b1 = cb[1], b2 = cb[2], b3 = cb[3], b4 = cb[4];
  double x1 = sa[0], x2 = sa[1], u1 = sa[2], u2 = sa[3];
  double v1 = sb[0], v2 = sb[1], w1 = sb[2], w2 = sb[3];
  for (int i = i0; i < i1; i++) {
    double x = buf[i];
    double u = a0 * x + a1 * x1 + a2 * x2 - a4 * u2 - a3 * u1;
    x2 = x1;
    x1 = x;
    u2 = u1;
    u1 = u;
    double w = b0 * u + b1 * v1 + b2 * v2 - b4 * w2 - b3 * w1;
    v2 = v1;
    v1 = u;
    w2 = w1;
    w1 = w;
    buf[i] = (float)w;
  }
  store_state(sa, x1, x2, u1, u2);
  store_state(sb, v1, v2, w1, w2);
}

static void run_pair_glide(const double *ca, int posA, int lenA, double *sa, const double *cb, int posB, int lenB, double *sb,
                           float *buf, int i0, int i1) {
  const double *da = ca + 5, *db = cb + 5;
  const double a0 = ca[0], a1 = ca[1], a2 = ca[2], a3 = ca[3], a4 = ca[4];
  const double e0 = da[0], e1 = da[1], e2 = da[2], e3 = da[3], e4 = da[4];
  const double b0 = cb[0], b1 = cb[1], b2 = cb[2], b3 = cb[3], b4 = cb[4];
  const double f0 = db[0], f1 = db[1], f2 = db[2], f3 = db[3], f4 = db[4];
  const double invA = 1.0 / lenA, invB = 1.0 / lenB;
  double pa = posA, pb = posB;
  double x1 = sa[0], x2 = sa[1], u1 = sa[2], u2 = sa[3];
  double v1 = sb[0], v2 = sb[1], w1 = sb[2], w2 = sb[3];
  for (int i = i0; i < i1; i++, pa++, pb++) {
    double ra = remaining(pa, lenA, invA), rb = remaining(pb, lenB, invB);
    double x = buf[i];
    double u = (a0 - e0 * ra) * x + (a1 - e1 * ra) * x1 + (a2 - e2 * ra) * x2 - (a4 - e4 * ra) * u2 - (a3 - e3 * ra) * u1;
    x2 = x1;
    x1 = x;
    u2 = u1;
    u1 = u;
    double w = (b0 - f0 * rb) * u + (b1 - f1 * rb) * v1 + (b2 - f2 * rb) * v2 - (b4 - f4 * rb) * w2 - (b3 - f3 * rb) * w1;
    v2 = v1;
    v1 = u;
    w2 = w1;
    w1 = w;
    buf[i] = (float)w;
  }
  store_state(sa, x1, x2, u1, u2);
  store_state(sb, v1, v2, w1, w2);
}

/** One job alone, as Section.run / Section.runWith: the glide's frames, then the steady rest. */
static void run_job_scalar(float *f32, double *f64, const int32_t *j, int frames) {
  float *buf = f32 + j[J_BUF];
  double *ca = f64 + j[J_CA], *sa = f64 + j[J_SA];
  int la = frames_left(j[J_POSA], j[J_LENA], frames);
  if (j[J_CB] < 0) {
    if (la > 0) run_section_glide(ca, j[J_POSA], j[J_LENA], sa, buf, 0, la);
    if (la < frames) run_section(ca, sa, buf, la, frames);
    return;
  }
  double *cb = f64 + j[J_CB], *sb = f64 + j[J_SB];
  int lb = frames_left(j[J_POSB], j[J_LENB], frames);
  int gl = la > lb ? la : lb;
  if (gl > 0) run_pair_glide(ca, j[J_POSA], j[J_LENA], sa, cb, j[J_POSB], j[J_LENB], sb, buf, 0, gl);
  if (gl < frames) run_pair(ca, sa, cb, sb, buf, gl, frames);
}

/* ---- SIMD: four channels per vector (biquad-lanes.h) ----------------------------------------- */

#include "biquad-lanes.h"

/*
 * The lane kernels compiled twice: portable (SSE2 on x86-64, NEON on arm64: the vector types split
 * into what the target has) and, on x86, for AVX2, picked at load by what the CPU has (no
 * -march=native: the addon runs on any machine of its architecture). Tests run both (biquadIsa)
 * against the reference. The choice is one per process (every thread that loads the addon makes the
 * same one); both give the same bits, so switching under a running engine changes nothing it hears.
 */
LANES_VARIANT(portable, )
#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX2 1
LANES_VARIANT(avx2, __attribute__((target("avx2"))))
#endif

static const struct lanes *lanes = &lanes_portable;

/** Selects the variant: "avx2" (where the CPU has it) or "portable"; false when it cannot. */
static int set_isa(const char *name) {
#ifdef HAVE_AVX2
  const struct lanes *v = isa_pick(name, &lanes_portable, &lanes_avx2);
#else
  const struct lanes *v = isa_pick(name, &lanes_portable, NULL);
#endif
  if (v) lanes = v;
  return v != NULL;
}

static const char *isa_name(void) {
  return lanes->name;
}

/**
 * Up to four gliding jobs whose glides cover the same first `gl` frames, each job as runJob: four
 * at a time in lanes (glide part, flush, steady rest, flush), fewer one by one.
 */
static void run_glide_group(float *f32, double *f64, const int32_t **g, int n, int gl, int frames) {
  if (n < 4) {
    for (int l = 0; l < n; l++) run_job_scalar(f32, f64, g[l], frames);
    return;
  }
  float *b[4];
  const double *ca[4], *cb[4];
  double *sa[4], *sb[4];
  int pa[4], na[4], pb[4], nb[4];
  for (int l = 0; l < 4; l++) {
    b[l] = f32 + g[l][J_BUF];
    ca[l] = f64 + g[l][J_CA];
    sa[l] = f64 + g[l][J_SA];
    pa[l] = g[l][J_POSA];
    na[l] = g[l][J_LENA];
  }
  if (g[0][J_CB] < 0) {
    lanes->glide_singles(b, ca, sa, pa, na, gl);
    if (gl < frames) lanes->singles(b, ca, sa, gl, frames, 1);
    return;
  }
  for (int l = 0; l < 4; l++) {
    cb[l] = f64 + g[l][J_CB];
    sb[l] = f64 + g[l][J_SB];
    pb[l] = g[l][J_POSB];
    nb[l] = g[l][J_LENB];
  }
  lanes->glide_pairs(b, ca, sa, cb, sb, pa, na, pb, nb, gl);
  if (gl < frames) lanes->pairs(b, ca, sa, cb, sb, gl, frames);
}

/* ---- the call -------------------------------------------------------------------------------- */

static const char *check_job(const int32_t *j, int frames, size_t nf, size_t nd) {
  if (!inside(j[J_BUF], frames, nf)) return "buf";
  if (!inside(j[J_CA], 10, nd)) return "coefA";
  if (!inside(j[J_SA], 4, nd)) return "stateA";
  if (j[J_POSA] < 0) return "posA";
  if (j[J_LENA] < 1) return "lenA";
  if (j[J_CB] == -1) return NULL;
  if (!inside(j[J_CB], 10, nd)) return "coefB";
  if (!inside(j[J_SB], 4, nd)) return "stateB";
  if (j[J_POSB] < 0) return "posB";
  if (j[J_LENB] < 1) return "lenB";
  return NULL;
}

static napi_value biquad_jobs(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 5) return fail(env, "biquadJobs(f32, f64, jobs, nJobs, frames): 5 arguments");
  float *f32;
  double *f64;
  int32_t *jobs;
  size_t nf, nd, nj;
  if (!typed(env, argv[0], napi_float32_array, (void **)&f32, &nf)) return fail(env, "biquadJobs: f32 must be a Float32Array");
  if (!typed(env, argv[1], napi_float64_array, (void **)&f64, &nd)) return fail(env, "biquadJobs: f64 must be a Float64Array");
  if (!typed(env, argv[2], napi_int32_array, (void **)&jobs, &nj)) return fail(env, "biquadJobs: jobs must be an Int32Array");
  int njobs, frames;
  if (!whole(env, argv[3], 0, (double)(nj / JOB_STRIDE), &njobs)) return fail(env, "biquadJobs: nJobs must be a whole number with 9 * nJobs <= jobs.length");
  if (!whole(env, argv[4], 0, (double)nf, &frames)) return fail(env, "biquadJobs: frames must be a whole number within f32.length");
  for (int k = 0; k < njobs; k++) {
    const char *bad = check_job(jobs + (size_t)k * JOB_STRIDE, frames, nf, nd);
    if (bad) {
      char msg[160];
      snprintf(msg, sizeof msg, "biquadJobs: job %d: %s is out of range (f32 %zu, f64 %zu, frames %d)", k, bad, nf, nd, frames);
      return fail(env, msg);
    }
  }
  if (frames == 0) return NULL;

  // Jobs wait here until a group is full: steady singles by eight, steady pairs by four, gliding ones
  // by four with the same glide frames (a scene recall starts every glide in the same block).
  float *sbuf[8], *pbuf[4];
  const double *sc[8], *pca[4], *pcb[4];
  double *ssv[8], *psa[4], *psb[4];
  const int32_t *gs[4], *gp[4];
  int ns = 0, np = 0, ngs = 0, ngp = 0, gs_gl = 0, gp_gl = 0;
  for (int k = 0; k < njobs; k++) {
    const int32_t *j = jobs + (size_t)k * JOB_STRIDE;
    int single = j[J_CB] < 0;
    int gl = frames_left(j[J_POSA], j[J_LENA], frames);
    if (!single) {
      int lb = frames_left(j[J_POSB], j[J_LENB], frames);
      if (lb > gl) gl = lb;
    }
    if (gl > 0 && single) {
      if (ngs > 0 && gl != gs_gl) {
        run_glide_group(f32, f64, gs, ngs, gs_gl, frames);
        ngs = 0;
      }
      gs_gl = gl;
      gs[ngs++] = j;
      if (ngs == 4) {
        run_glide_group(f32, f64, gs, 4, gl, frames);
        ngs = 0;
      }
    } else if (gl > 0) {
      if (ngp > 0 && gl != gp_gl) {
        run_glide_group(f32, f64, gp, ngp, gp_gl, frames);
        ngp = 0;
      }
      gp_gl = gl;
      gp[ngp++] = j;
      if (ngp == 4) {
        run_glide_group(f32, f64, gp, 4, gl, frames);
        ngp = 0;
      }
    } else if (single) {
      sbuf[ns] = f32 + j[J_BUF];
      sc[ns] = f64 + j[J_CA];
      ssv[ns] = f64 + j[J_SA];
      if (++ns == 8) {
        lanes->singles(sbuf, sc, ssv, 0, frames, 2);
        ns = 0;
      }
    } else {
      pbuf[np] = f32 + j[J_BUF];
      pca[np] = f64 + j[J_CA];
      psa[np] = f64 + j[J_SA];
      pcb[np] = f64 + j[J_CB];
      psb[np] = f64 + j[J_SB];
      if (++np == 4) {
        lanes->pairs(pbuf, pca, psa, pcb, psb, 0, frames);
        np = 0;
      }
    }
  }
  run_glide_group(f32, f64, gs, ngs, gs_gl, frames);
  run_glide_group(f32, f64, gp, ngp, gp_gl, frames);
  int s0 = 0;
  if (ns >= 4) {
    lanes->singles(sbuf, sc, ssv, 0, frames, 1);
    s0 = 4;
  }
  for (int l = s0; l < ns; l++) run_section(sc[l], ssv[l], sbuf[l], 0, frames);
  for (int l = 0; l < np; l++) run_pair(pca[l], psa[l], pcb[l], psb[l], pbuf[l], 0, frames);
  return NULL;
}

/**
 * biquadIsa(name?): with a name ("avx2", "portable"), selects that variant of the steady kernels if
 * this CPU runs it; returns the variant in use. For tests and the bench: both give the same bits.
 */
static napi_value biquad_isa(napi_env env, napi_callback_info info) {
  return isa_call(env, info, "biquadIsa(name): name must be \"avx2\" or \"portable\"", set_isa, isa_name);
}

napi_status register_biquad(napi_env env, napi_value exports) {
  napi_value fn, stride, isafn;
  if (!set_isa("avx2")) set_isa("portable");
  napi_status st = napi_create_function(env, "biquadJobs", NAPI_AUTO_LENGTH, biquad_jobs, NULL, &fn);
  if (st != napi_ok) return st;
  if ((st = napi_set_named_property(env, exports, "biquadJobs", fn)) != napi_ok) return st;
  if ((st = napi_create_function(env, "biquadIsa", NAPI_AUTO_LENGTH, biquad_isa, NULL, &isafn)) != napi_ok) return st;
  if ((st = napi_set_named_property(env, exports, "biquadIsa", isafn)) != napi_ok) return st;
  if ((st = napi_create_int32(env, JOB_STRIDE, &stride)) != napi_ok) return st;
  return napi_set_named_property(env, exports, "biquadJobStride", stride);
}
