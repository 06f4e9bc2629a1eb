/*
 * fdlibm.h's log and exp over four doubles at once: per lane the very operations of fdlibm_log and
 * fdlibm_exp, every branch computed and the lane's own one kept (a blend), so each lane is the scalar
 * result bit for bit. Inputs the branches below do not cover (for log: zero, negative, subnormal,
 * Inf, NaN; for exp: |x| >= 708, Inf, NaN) are rare in the compressor; their lanes are recomputed
 * by the scalar function.
 *
 * A template, included by comp.c for each instruction set it has lanes for (AVX2), with:
 *   CL_(name)  the variant's name for `name` (e.g. name##_avx2);
 *   CL_ATTR    the variant's function attributes (e.g. target("avx2"));
 *   CL_MASK(m) the sign bits of a v4l mask's lanes as an int (lane l at bit l);
 *   CL_MAX(a, b) a > b ? a : b per lane (comp-lanes.h's).
 * Built with -ffp-contract=off like the rest: no multiply-add is fused, in vectors either.
 */
#ifndef FADERD_FDLIBM_VEC_TYPES
#define FADERD_FDLIBM_VEC_TYPES
#include "fdlibm.h"

typedef double v4d __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));
typedef long long v4l __attribute__((vector_size(32)));
typedef unsigned long long v4u __attribute__((vector_size(32)));
typedef int v4i __attribute__((vector_size(16)));

#define CL_INLINE static inline __attribute__((always_inline))
#define SPLAT(x) ((v4d){(x), (x), (x), (x)})
/* m ? a : b per lane, m a comparison's result (all ones or all zeros per lane). */
#define BLEND(m, a, b) ((v4d)(((v4l)(a) & (m)) | ((v4l)(b) & ~(m))))
#define BLENDL(m, a, b) (((a) & (m)) | ((b) & ~(m)))
/* The high word of each lane's bits (sign included), as a non-negative 64-bit integer. */
#define HIGH_WORDS(x) ((v4l)((v4u)(x) >> 32))
/* A whole double of magnitude < 2^51 as an integer, and back, exactly (1.5·2^52 moves it into the
 * low bits of the mantissa): what the scalar code's int conversions give, without 64-bit converts. */
#define MAGIC_D 6755399441055744.0
#define MAGIC_L 0x4338000000000000LL
#define WHOLE_TO_L(d) ((v4l)((d) + MAGIC_D) - MAGIC_L)
#define L_TO_D(l) ((v4d)((l) + MAGIC_L) - MAGIC_D)
#endif

/** fdlibm_log per lane. */
CL_INLINE CL_ATTR v4d CL_(vlog)(v4d x) {
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10, Lg1 = 6.666666666666735130e-01,
               Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
               Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01, Lg7 = 1.479819860511658591e-01;
  const v4d x0 = x;
  v4l hx = HIGH_WORDS(x);
  /* Positive normal finite numbers only: the scalar code's first two branches are for the rest. */
  const v4l special = (hx < 0x00100000) | (hx >= 0x7ff00000);
  const int sm = CL_MASK(special);
  if (sm) {
    x = BLEND(special, SPLAT(1), x);
    hx = HIGH_WORDS(x);
  }
  v4l k = (hx >> 20) - 1023;
  const v4l h = hx & 0x000fffff;
  const v4l i = (h + 0x95f64) & 0x100000;
  x = (v4d)(((v4l)x & 0xFFFFFFFFLL) | ((h | (i ^ 0x3ff00000)) << 32)); /* normalize x or x/2 */
  k += i >> 20;
  const v4d f = x - 1.0, dk = L_TO_D(k);
  /* The polynomial in s = f/(2+f), with and without hfsq (as i > 0 or not). The scalar code has a
   * shorter form for k == 0 (f − A where this is dk·ln2_hi − ((A + dk·ln2_lo) − f)): with dk = +0
   * this is 0 − (A − f), and a − b is −(b − a) in round-to-nearest, so the two are the same double. */
  const v4d s = f / (2.0 + f), z = s * s, w = z * z;
  const v4l ij = (h - 0x6147a) | (0x6b851 - h);
  const v4d t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const v4d t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  const v4d R = t2 + t1;
  const v4d hfsq = 0.5 * f * f;
  const v4d withHfsq = dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
  const v4d withoutHfsq = dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
  v4d r = BLEND(ij > 0, withHfsq, withoutHfsq);
  /* -2**-20 <= f < 2**-20: rare, computed only when some lane is there (k == 0 as above). */
  const v4l small = (0x000fffff & (2 + h)) < 3;
  if (CL_MASK(small)) {
    const v4d Rs = f * f * (0.5 - 0.33333333333333333 * f);
    const v4d zeroF = dk * ln2_hi + dk * ln2_lo;
    const v4d nearOne = dk * ln2_hi - ((Rs - dk * ln2_lo) - f);
    r = BLEND(small, BLEND(f == 0.0, zeroF, nearOne), r);
  }
  if (sm)
    for (int l = 0; l < 4; l++)
      if (sm >> l & 1) r[l] = fdlibm_log(x0[l]);
  return r;
}

/** fdlibm_exp per lane. */
CL_INLINE CL_ATTR v4d CL_(vexp)(v4d x) {
  const double ln2HI = 6.93147180369123816490e-01, ln2LO = 1.90821492927058770002e-10, invln2 = 1.44269504088896338700e+00,
               P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03, P3 = 6.61375632143793436117e-05,
               P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08, E = 2.718281828459045;
  const v4d x0 = x;
  v4l hx = HIGH_WORDS(x) & 0x7FFFFFFF;
  /* |x| < 708: k stays within [-1021, 1021], where 2^k is one normal double (the scalar code's
   * overflow, underflow, Inf and NaN branches and its k < -1021 scaling are for the rest). */
  const v4l special = hx >= 0x40862000;
  const int sm = CL_MASK(special);
  if (sm) {
    x = BLEND(special, SPLAT(0), x);
    hx = HIGH_WORDS(x) & 0x7FFFFFFF;
  }
  const v4l neg = x < 0.0;
  const v4l big = hx > 0x3FD62E42;            /* |x| > 0.5 ln2 */
  const v4l tiny = hx < 0x3E300000;           /* |x| < 2**-28: 1 + x */
  const v4d half = BLEND(neg, SPLAT(-0.5), SPLAT(0.5));
  /* (int32_t)(invln2 * x + halF[xsb]): truncated toward zero (|.| < 2^31 here). */
  const v4d kt = __builtin_convertvector(__builtin_convertvector(invln2 * x + half, v4i), v4d);
  /* The scalar code takes k = ±1 for 0.5 ln2 < |x| < 1.5 ln2, where this truncation gives ±1 too
   * (|invln2·x| < 1.49999), and x − ln2HI[xsb], ln2LO[xsb] are then x − t·ln2HI, t·ln2LO: one form. */
  const v4d t = BLEND(big, kt, SPLAT(0));
  const v4d hi = x - t * ln2HI, lo = t * ln2LO;
  const v4d xr = BLEND(big, hi - lo, x);
  const v4d tt = xr * xr;
  const v4d c = xr - tt * (P1 + tt * (P2 + tt * (P3 + tt * (P4 + tt * P5))));
  /* (x·c)/(c − 2) for k == 0, (x·c)/(2 − c) else: one division. */
  const v4l kz = t == 0.0;
  const v4d q = (xr * c) / BLEND(kz, c - 2.0, 2.0 - c);
  const v4d r0 = 1.0 - (q - xr);
  const v4d y = 1.0 - ((lo - q) - hi);
  const v4d twopk = (v4d)((WHOLE_TO_L(t) + 1023) << 52);
  v4d r = BLEND(kz, r0, y * twopk);
  r = BLEND(tiny, 1.0 + x, r);
  r = BLEND(x == 1.0, SPLAT(E), r);
  if (sm)
    for (int l = 0; l < 4; l++)
      if (sm >> l & 1) r[l] = fdlibm_exp(x0[l]);
  return r;
}
