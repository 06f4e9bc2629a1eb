/*
 * The mixing ops of mix.c over a range of frames, four frames per vector of doubles: per frame the
 * very double operations of the TypeScript loops they mirror (src/engine/graph/send.ts, strip.ts
 * processPost, src/engine/dsp/pan.ts, SendInput.fold), in the same order, each result narrowed to
 * float as a Float32Array store narrows it (round to nearest). Frames are independent (nothing here
 * is recursive across frames except a pan's ramp, which runs scalar), so each lane of a vector is
 * one frame and the result is the scalar one bit for bit. Included by mix.c; the bodies are inlined
 * into one wrapper per instruction set (portable, AVX2).
 */
#ifndef FADERD_MIX_OPS_H
#define FADERD_MIX_OPS_H
#include <string.h>

typedef double m4d __attribute__((vector_size(32)));
typedef float m4f __attribute__((vector_size(16)));

#define MIX_INLINE static inline __attribute__((always_inline))

/* Four floats widened (exact); four doubles narrowed together (round to nearest, as (float) does). */
#define LD(p) __builtin_convertvector(({ m4f f_; memcpy(&f_, (p), 16); f_; }), m4d)
#define ST(p, y)                                 \
  do {                                           \
    m4f f_ = __builtin_convertvector((y), m4f);  \
    memcpy((p), &f_, 16);                        \
  } while (0)

/*
 * FRAMES(i0, i1, body): `body` once per four frames with V(p) loading and PUT(p, y) storing
 * p[i..i+4), then once per remaining frame with V/PUT on single floats. A statement macro so each
 * op is written once for both.
 */
#define FRAMES(i0, i1, VBODY, SBODY)         \
  do {                                       \
    int i = (i0);                            \
    for (; i + 4 <= (i1); i += 4) { VBODY }  \
    for (; i < (i1); i++) { SBODY }          \
  } while (0)

/** addMono: d += x·k (k the send's level), or d += x·r·k while ramping (k is then 1). */
MIX_INLINE void op_mono(const float *x, float *d, const float *r, double k, int n) {
  if (r)
    FRAMES(0, n, ST(d + i, LD(d + i) + LD(x + i) * LD(r + i) * k);, d[i] = (float)((double)d[i] + (double)x[i] * (double)r[i] * k););
  else
    FRAMES(0, n, ST(d + i, LD(d + i) + LD(x + i) * k);, d[i] = (float)((double)d[i] + (double)x[i] * k););
}

/** addStereo: each side at k, or at g = r·k while ramping. */
MIX_INLINE void op_stereo(const float *xl, const float *xr, float *dl, float *dr, const float *r, double k, int n) {
  if (r)
    FRAMES(0, n,
           m4d g = LD(r + i) * k; ST(dl + i, LD(dl + i) + LD(xl + i) * g); ST(dr + i, LD(dr + i) + LD(xr + i) * g);,
           double g = (double)r[i] * k; dl[i] = (float)((double)dl[i] + (double)xl[i] * g);
           dr[i] = (float)((double)dr[i] + (double)xr[i] * g););
  else
    FRAMES(0, n, ST(dl + i, LD(dl + i) + LD(xl + i) * k); ST(dr + i, LD(dr + i) + LD(xr + i) * k);,
           dl[i] = (float)((double)dl[i] + (double)xl[i] * k); dr[i] = (float)((double)dr[i] + (double)xr[i] * k););
}

/** addStereoToMono: d += (xl + xr)·k, or (xl + xr)·r·k while ramping (k already halved). */
MIX_INLINE void op_st2mono(const float *xl, const float *xr, float *d, const float *r, double k, int n) {
  if (r)
    FRAMES(0, n, ST(d + i, LD(d + i) + (LD(xl + i) + LD(xr + i)) * LD(r + i) * k);,
           d[i] = (float)((double)d[i] + ((double)xl[i] + (double)xr[i]) * (double)r[i] * k););
  else
    FRAMES(0, n, ST(d + i, LD(d + i) + (LD(xl + i) + LD(xr + i)) * k);,
           d[i] = (float)((double)d[i] + ((double)xl[i] + (double)xr[i]) * k););
}

/** copyScaled (out = x·k) or copyRamped (out = x·r). */
MIX_INLINE void op_copy(const float *x, float *d, const float *r, double k, int n) {
  if (r)
    FRAMES(0, n, ST(d + i, LD(x + i) * LD(r + i));, d[i] = (float)((double)x[i] * (double)r[i]););
  else
    FRAMES(0, n, ST(d + i, LD(x + i) * k);, d[i] = (float)((double)x[i] * k););
}

/** SendInput.fold: v = m·√½; l += v; r += v. */
MIX_INLINE void op_fold(const float *m, float *l, float *r, int n) {
  const double k = 0.70710678118654752440; /* Math.SQRT1_2 */
  FRAMES(0, n, m4d v = LD(m + i) * k; ST(l + i, LD(l + i) + v); ST(r + i, LD(r + i) + v);,
         double v = (double)m[i] * k; l[i] = (float)((double)l[i] + v); r[i] = (float)((double)r[i] + v););
}

/**
 * Panner.processMono from its gains at the block's start: p = [gl gr il ir tl tr]; `ramp` frames of
 * g += i (scalar: each step depends on the last), then, when the ramp lands in this block (`land`),
 * the targets; the steady rest four frames at a time.
 */
MIX_INLINE void op_pan_mono(const float *x, float *L, float *R, const double *p, int ramp, int land, int add, int n) {
  double gl = p[0], gr = p[1];
  const double il = p[2], ir = p[3];
  int i = 0;
  if (add) {
    for (; i < ramp; i++) {
      gl += il;
      gr += ir;
      double v = x[i];
      L[i] = (float)((double)L[i] + v * gl);
      R[i] = (float)((double)R[i] + v * gr);
    }
  } else {
    for (; i < ramp; i++) {
      gl += il;
      gr += ir;
      double v = x[i];
      L[i] = (float)(v * gl);
      R[i] = (float)(v * gr);
    }
  }
  if (land) {
    gl = p[4];
    gr = p[5];
  }
  if (add)
    FRAMES(ramp, n, m4d v = LD(x + i); ST(L + i, LD(L + i) + v * gl); ST(R + i, LD(R + i) + v * gr);,
           double v = x[i]; L[i] = (float)((double)L[i] + v * gl); R[i] = (float)((double)R[i] + v * gr););
  else
    FRAMES(ramp, n, m4d v = LD(x + i); ST(L + i, v * gl); ST(R + i, v * gr);,
           double v = x[i]; L[i] = (float)(v * gl); R[i] = (float)(v * gr););
}

/**
 * Panner.processStereo (balance): p = [ll rl lr rr, their increments, their targets];
 * outL = xl·ll + xr·rl, outR = xr·rr + xl·lr (added to the outputs left to right when `add`).
 */
MIX_INLINE void op_pan_stereo(const float *xl, const float *xr, float *L, float *R, const double *p, int ramp, int land, int add,
                              int n) {
  double ll = p[0], rl = p[1], lr = p[2], rr = p[3];
  const double ill = p[4], irl = p[5], ilr = p[6], irr = p[7];
  int i = 0;
  for (; i < ramp; i++) {
    ll += ill;
    rl += irl;
    lr += ilr;
    rr += irr;
    double a = xl[i], b = xr[i];
    if (add) {
      L[i] = (float)((double)L[i] + a * ll + b * rl);
      R[i] = (float)((double)R[i] + b * rr + a * lr);
    } else {
      L[i] = (float)(a * ll + b * rl);
      R[i] = (float)(b * rr + a * lr);
    }
  }
  if (land) {
    ll = p[8];
    rl = p[9];
    lr = p[10];
    rr = p[11];
  }
  if (add)
    FRAMES(ramp, n,
           m4d a = LD(xl + i); m4d b = LD(xr + i); m4d l0 = LD(L + i); m4d r0 = LD(R + i);
           ST(L + i, l0 + a * ll + b * rl); ST(R + i, r0 + b * rr + a * lr);,
           double a = xl[i]; double b = xr[i]; L[i] = (float)((double)L[i] + a * ll + b * rl);
           R[i] = (float)((double)R[i] + b * rr + a * lr););
  else
    FRAMES(ramp, n, m4d a = LD(xl + i); m4d b = LD(xr + i); ST(L + i, a * ll + b * rl); ST(R + i, b * rr + a * lr);,
           double a = xl[i]; double b = xr[i]; L[i] = (float)(a * ll + b * rl); R[i] = (float)(b * rr + a * lr););
}

/** gain2: l *= k and r *= k (master fader, steady), or by r[i] while ramping. */
MIX_INLINE void op_gain2(float *l, float *rt, const float *r, double k, int n) {
  if (r)
    FRAMES(0, n, m4d g = LD(r + i); ST(l + i, LD(l + i) * g); ST(rt + i, LD(rt + i) * g);,
           l[i] = (float)((double)l[i] * (double)r[i]); rt[i] = (float)((double)rt[i] * (double)r[i]););
  else
    FRAMES(0, n, ST(l + i, LD(l + i) * k); ST(rt + i, LD(rt + i) * k);,
           l[i] = (float)((double)l[i] * k); rt[i] = (float)((double)rt[i] * k););
}

/** toMaster through a ramping solo gate: c += a·r, d += b·r. */
MIX_INLINE void op_add2_ramp(const float *a, const float *b, float *c, float *d, const float *r, int n) {
  FRAMES(0, n, m4d g = LD(r + i); ST(c + i, LD(c + i) + LD(a + i) * g); ST(d + i, LD(d + i) + LD(b + i) * g);,
         c[i] = (float)((double)c[i] + (double)a[i] * (double)r[i]); d[i] = (float)((double)d[i] + (double)b[i] * (double)r[i]););
}

/** The job loop of one instruction set: every op in table order (mix.c checked every job). */
#define MIX_VARIANT(suffix, attr)                                                                                 \
  attr static void run_##suffix(float *f, const int32_t *jobs, const double *params, int njobs, int n) {         \
    for (int k = 0; k < njobs; k++) {                                                                            \
      const int32_t *j = jobs + (size_t)k * MIX_JOB_STRIDE;                                                      \
      const double *p = params + (size_t)k * MIX_PARAM_STRIDE;                                                   \
      const float *r = j[J_RAMP] < 0 ? NULL : f + j[J_RAMP];                                                     \
      int fl = j[J_FLAGS];                                                                                       \
      switch (j[J_OP]) {                                                                                         \
        case OP_MONO: op_mono(f + j[J_A], f + j[J_C], r, p[0], n); break;                                        \
        case OP_STEREO: op_stereo(f + j[J_A], f + j[J_B], f + j[J_C], f + j[J_D], r, p[0], n); break;            \
        case OP_ST2MONO: op_st2mono(f + j[J_A], f + j[J_B], f + j[J_C], r, p[0], n); break;                      \
        case OP_COPY: op_copy(f + j[J_A], f + j[J_C], r, p[0], n); break;                                        \
        case OP_FOLD: op_fold(f + j[J_A], f + j[J_C], f + j[J_D], n); break;                                     \
        case OP_PAN_MONO:                                                                                        \
          op_pan_mono(f + j[J_A], f + j[J_C], f + j[J_D], p, j[J_RAMPN], fl & F_LAND, fl & F_ADD, n);            \
          break;                                                                                                 \
        case OP_PAN_STEREO:                                                                                      \
          op_pan_stereo(f + j[J_A], f + j[J_B], f + j[J_C], f + j[J_D], p, j[J_RAMPN], fl & F_LAND, fl & F_ADD, \
                        n);                                                                                      \
          break;                                                                                                 \
        case OP_GAIN2: op_gain2(f + j[J_C], f + j[J_D], r, p[0], n); break;                                      \
        case OP_ADD2_RAMP: op_add2_ramp(f + j[J_A], f + j[J_B], f + j[J_C], f + j[J_D], r, n); break;            \
      }                                                                                                          \
    }                                                                                                            \
  }

#endif
