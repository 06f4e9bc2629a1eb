/*
 * The biquad kernels of biquad.c over four channels at once, one per lane of a vector of doubles:
 * per lane the very operations of the scalar kernels there (runSection, runPair, runSectionGlide,
 * runPairGlide in src/engine/dsp/biquad.ts), in the same order, so each lane's result is the
 * scalar one bit for bit. Included by biquad.c after flush() and store_state(); the bodies are
 * inlined into one wrapper per instruction set (portable, AVX2).
 */
#ifndef FADERD_BIQUAD_LANES_H
#define FADERD_BIQUAD_LANES_H

typedef double v4d __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));
typedef long long v4l __attribute__((vector_size(32)));

#define LANES_INLINE static inline __attribute__((always_inline))

/* Lane vectors of word k of four sections' coefficients or states. */
#define LANES(p, k) ((v4d){(p)[0][k], (p)[1][k], (p)[2][k], (p)[3][k]})
/* Four floats in, widened together (exact); four doubles out, narrowed together (round to nearest,
 * as each (float) cast would, and as a Float32Array store does). */
#define GATHER(b, i) __builtin_convertvector(((v4f){(b)[0][i], (b)[1][i], (b)[2][i], (b)[3][i]}), v4d)
#define SCATTER(b, i, y)                              \
  do {                                                \
    v4f f_ = __builtin_convertvector((y), v4f);       \
    (b)[0][i] = f_[0];                                \
    (b)[1][i] = f_[1];                                \
    (b)[2][i] = f_[2];                                \
    (b)[3][i] = f_[3];                                \
  } while (0)
#define FLUSH_LANES(s, a, b, c, d) \
  for (int l = 0; l < 4; l++) store_state((s)[l], (a)[l], (b)[l], (c)[l], (d)[l])
#define INTS(v) ((v4d){(double)(v)[0], (double)(v)[1], (double)(v)[2], (double)(v)[3]})

/* remaining() per lane: 1 − s(p/len) where p < len, else +0 (the scalar `r = 0`). A macro, not a
 * function: a function passing vectors by value draws an ABI warning on the portable build. */
#define REMAINING_LANES(p, len, inv)                                                  \
  ({                                                                                  \
    v4d t_ = (p) * (inv);                                                             \
    v4d poly_ = 1.0 - t_ * t_ * t_ * (10.0 + t_ * (-15.0 + 6.0 * t_));                \
    (v4d)((v4l)poly_ & ((p) < (len)));                                                \
  })

/** runSection over [i0, i1) of four channels, or of eight as two vectors in flight (`vectors` 2). */
LANES_INLINE void steady_singles_body(float **bufs, const double **cs, double **ss, int i0, int i1, int vectors) {
  float **bb = bufs + 4;
  const double **cc = cs + 4;
  double **sv = ss + 4;
  const v4d b0 = LANES(cs, 0), b1 = LANES(cs, 1), b2 = LANES(cs, 2), a1 = LANES(cs, 3), a2 = LANES(cs, 4);
  v4d x1 = LANES(ss, 0), x2 = LANES(ss, 1), y1 = LANES(ss, 2), y2 = LANES(ss, 3);
  if (vectors == 1) {
    for (int i = i0; i < i1; i++) {
      v4d x = GATHER(bufs, i);
      v4d y = b0 * x + b1 * x1 + b2 * x2 - a2 * y2 - a1 * y1;
      x2 = x1;
      x1 = x;
      y2 = y1;
      y1 = y;
      SCATTER(bufs, i, y);
    }
    FLUSH_LANES(ss, x1, x2, y1, y2);
    return;
  }
  const v4d g0 = LANES(cc, 0), g1 = LANES(cc, 1), g2 = LANES(cc, 2), h1 = LANES(cc, 3), h2 = LANES(cc, 4);
  v4d p1 = LANES(sv, 0), p2 = LANES(sv, 1), q1 = LANES(sv, 2), q2 = LANES(sv, 3);
  for (int i = i0; i < i1; i++) {
    v4d x = GATHER(bufs, i);
    v4d p = GATHER(bb, i);
    v4d y = b0 * x + b1 * x1 + b2 * x2 - a2 * y2 - a1 * y1;
    v4d q = g0 * p + g1 * p1 + g2 * p2 - h2 * q2 - h1 * q1;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    p2 = p1;
    p1 = p;
    q2 = q1;
    q1 = q;
    SCATTER(bufs, i, y);
    SCATTER(bb, i, q);
  }
  FLUSH_LANES(ss, x1, x2, y1, y2);
  FLUSH_LANES(sv, p1, p2, q1, q2);
}

/** runPair over [i0, i1) of four channels. */
LANES_INLINE void steady_pairs_body(float **bufs, const double **ca, double **sa, const double **cb, double **sb, int i0, int i1) {
  const v4d a0 = LANES(ca, 0), a1 = LANES(ca, 1), a2 = LANES(ca, 2), a3 = LANES(ca, 3), a4 = LANES(ca, 4);
  const v4d b0 = LANES(cb, 0), b1 = LANES(cb, 1), b2 = LANES(cb, 2), b3 = LANES(cb, 3), b4 = LANES(cb, 4);
  v4d x1 = LANES(sa, 0), x2 = LANES(sa, 1), u1 = LANES(sa, 2), u2 = LANES(sa, 3);
  v4d v1 = LANES(sb, 0), v2 = LANES(sb, 1), w1 = LANES(sb, 2), w2 = LANES(sb, 3);
  for (int i = i0; i < i1; i++) {
    v4d x = GATHER(bufs, i);
    v4d u = a0 * x + a1 * x1 + a2 * x2 - a4 * u2 - a3 * u1;
    x2 = x1;
    x1 = x;
    u2 = u1;
    u1 = u;
    v4d w = b0 * u + b1 * v1 + b2 * v2 - b4 * w2 - b3 * w1;
    v2 = v1;
    v1 = u;
    w2 = w1;
    w1 = w;
    SCATTER(bufs, i, w);
  }
  FLUSH_LANES(sa, x1, x2, u1, u2);
  FLUSH_LANES(sb, v1, v2, w1, w2);
}

/** runSectionGlide over [0, i1) of four channels; lane l starts at glide position pos[l] of len[l]. */
LANES_INLINE void glide_singles_body(float **bufs, const double **cs, double **ss, const int *pos, const int *len, int i1) {
  const v4d t0 = LANES(cs, 0), t1 = LANES(cs, 1), t2 = LANES(cs, 2), t3 = LANES(cs, 3), t4 = LANES(cs, 4);
  const v4d d0 = LANES(cs, 5), d1 = LANES(cs, 6), d2 = LANES(cs, 7), d3 = LANES(cs, 8), d4 = LANES(cs, 9);
  const v4d n = INTS(len), inv = 1.0 / n;
  v4d p = INTS(pos);
  v4d x1 = LANES(ss, 0), x2 = LANES(ss, 1), y1 = LANES(ss, 2), y2 = LANES(ss, 3);
  for (int i = 0; i < i1; i++, p += 1.0) {
    v4d r = REMAINING_LANES(p, n, inv);
    v4d x = GATHER(bufs, i);
    v4d y = (t0 - d0 * r) * x + (t1 - d1 * r) * x1 + (t2 - d2 * r) * x2 - (t4 - d4 * r) * y2 - (t3 - d3 * r) * y1;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    SCATTER(bufs, i, y);
  }
  FLUSH_LANES(ss, x1, x2, y1, y2);
}

/** runPairGlide over [0, i1) of four channels. */
LANES_INLINE void glide_pairs_body(float **bufs, const double **ca, double **sa, const double **cb, double **sb,
                                   const int *posA, const int *lenA, const int *posB, const int *lenB, int i1) {
  const v4d a0 = LANES(ca, 0), a1 = LANES(ca, 1), a2 = LANES(ca, 2), a3 = LANES(ca, 3), a4 = LANES(ca, 4);
  const v4d e0 = LANES(ca, 5), e1 = LANES(ca, 6), e2 = LANES(ca, 7), e3 = LANES(ca, 8), e4 = LANES(ca, 9);
  const v4d b0 = LANES(cb, 0), b1 = LANES(cb, 1), b2 = LANES(cb, 2), b3 = LANES(cb, 3), b4 = LANES(cb, 4);
  const v4d f0 = LANES(cb, 5), f1 = LANES(cb, 6), f2 = LANES(cb, 7), f3 = LANES(cb, 8), f4 = LANES(cb, 9);
  const v4d nA = INTS(lenA), invA = 1.0 / nA, nB = INTS(lenB), invB = 1.0 / nB;
  v4d pa = INTS(posA), pb = INTS(posB);
  v4d x1 = LANES(sa, 0), x2 = LANES(sa, 1), u1 = LANES(sa, 2), u2 = LANES(sa, 3);
  v4d v1 = LANES(sb, 0), v2 = LANES(sb, 1), w1 = LANES(sb, 2), w2 = LANES(sb, 3);
  for (int i = 0; i < i1; i++, pa += 1.0, pb += 1.0) {
    v4d ra = REMAINING_LANES(pa, nA, invA), rb = REMAINING_LANES(pb, nB, invB);
    v4d x = GATHER(bufs, i);
    v4d u = (a0 - e0 * ra) * x + (a1 - e1 * ra) * x1 + (a2 - e2 * ra) * x2 - (a4 - e4 * ra) * u2 - (a3 - e3 * ra) * u1;
    x2 = x1;
    x1 = x;
    u2 = u1;
    u1 = u;
    v4d w = (b0 - f0 * rb) * u + (b1 - f1 * rb) * v1 + (b2 - f2 * rb) * v2 - (b4 - f4 * rb) * w2 - (b3 - f3 * rb) * w1;
    v2 = v1;
    v1 = u;
    w2 = w1;
    w1 = w;
    SCATTER(bufs, i, w);
  }
  FLUSH_LANES(sa, x1, x2, u1, u2);
  FLUSH_LANES(sb, v1, v2, w1, w2);
}

/* The kernels one instruction set runs. */
struct lanes {
  const char *name;
  void (*singles)(float **, const double **, double **, int, int, int);
  void (*pairs)(float **, const double **, double **, const double **, double **, int, int);
  void (*glide_singles)(float **, const double **, double **, const int *, const int *, int);
  void (*glide_pairs)(float **, const double **, double **, const double **, double **, const int *, const int *, const int *, const int *, int);
};

/* Wrappers of the bodies compiled for one instruction set (`attr`: its target attribute). */
#define LANES_VARIANT(suffix, attr)                                                                                   \
  attr static void singles_##suffix(float **b, const double **c, double **s, int i0, int i1, int v) {                 \
    steady_singles_body(b, c, s, i0, i1, v);                                                                          \
  }                                                                                                                   \
  attr static void pairs_##suffix(float **b, const double **ca, double **sa, const double **cb, double **sb, int i0,  \
                                  int i1) {                                                                           \
    steady_pairs_body(b, ca, sa, cb, sb, i0, i1);                                                                     \
  }                                                                                                                   \
  attr static void glide_singles_##suffix(float **b, const double **c, double **s, const int *p, const int *n,       \
                                          int i1) {                                                                   \
    glide_singles_body(b, c, s, p, n, i1);                                                                            \
  }                                                                                                                   \
  attr static void glide_pairs_##suffix(float **b, const double **ca, double **sa, const double **cb, double **sb,    \
                                        const int *pa, const int *na, const int *pb, const int *nb, int i1) {         \
    glide_pairs_body(b, ca, sa, cb, sb, pa, na, pb, nb, i1);                                                          \
  }                                                                                                                   \
  static const struct lanes lanes_##suffix = {#suffix, singles_##suffix, pairs_##suffix, glide_singles_##suffix,     \
                                              glide_pairs_##suffix};

#endif
