/*
 * log() and exp() exactly as JavaScript's Math.log and Math.exp compute them in Node 20 (V8 11.3,
 * src/base/ieee754.cc: its port of fdlibm's e_log.c and e_exp.c), so a native kernel that takes a
 * log or an exp gets the TypeScript reference's bits. The C library's log/exp may differ by an ulp.
 *
 * Later V8 releases replaced log with LLVM libc's: the compressor's wrapper
 * (src/engine/native/comp-batch.ts) checks these against Math.log/Math.exp at load and runs the
 * TypeScript compressor when they differ. Built with -ffp-contract=off (binding.gyp): a fused
 * multiply-add would change the roundings.
 *
 * ====================================================
 * Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 *
 * Developed at SunSoft, a Sun Microsystems, Inc. business.
 * Permission to use, copy, modify, and distribute this
 * software is freely granted, provided that this notice
 * is preserved.
 * ====================================================
 */
#ifndef FADERD_FDLIBM_H
#define FADERD_FDLIBM_H
#include <stdint.h>
#include <string.h>

static inline uint64_t fdl_bits(double d) {
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

static inline double fdl_from(uint64_t b) {
  double d;
  memcpy(&d, &b, sizeof d);
  return d;
}

static inline int32_t fdl_hi(double d) { return (int32_t)(uint32_t)(fdl_bits(d) >> 32); }
static inline uint32_t fdl_lo(double d) { return (uint32_t)fdl_bits(d); }
static inline double fdl_with_hi(double d, uint32_t h) { return fdl_from((fdl_bits(d) & 0xFFFFFFFFu) | ((uint64_t)h << 32)); }
static inline double fdl_words(uint32_t h, uint32_t l) { return fdl_from(((uint64_t)h << 32) | l); }

/* e_log.c: log(x) = k*ln2 + log(1+f), log(1+f) from a polynomial in s = f/(2+f). */
static inline double fdlibm_log(double x) {
  static const double ln2_hi = 6.93147180369123816490e-01, /* 3fe62e42 fee00000 */
      ln2_lo = 1.90821492927058770002e-10,                  /* 3dea39ef 35793c76 */
      two54 = 1.80143985094819840000e+16,                   /* 43500000 00000000 */
      Lg1 = 6.666666666666735130e-01,                       /* 3FE55555 55555593 */
      Lg2 = 3.999999999940941908e-01,                       /* 3FD99999 9997FA04 */
      Lg3 = 2.857142874366239149e-01,                       /* 3FD24924 94229359 */
      Lg4 = 2.222219843214978396e-01,                       /* 3FCC71C5 1D8E78AF */
      Lg5 = 1.818357216161805012e-01,                       /* 3FC74664 96CB03DE */
      Lg6 = 1.531383769920937332e-01,                       /* 3FC39A09 D078C69F */
      Lg7 = 1.479819860511658591e-01;                       /* 3FC2F112 DF3E5244 */
  double hfsq, f, s, z, R, w, t1, t2, dk;
  int32_t k, hx, i, j;
  uint32_t lx;
  hx = fdl_hi(x);
  lx = fdl_lo(x);
  k = 0;
  if (hx < 0x00100000) { /* x < 2**-1022 */
    if (((hx & 0x7fffffff) | lx) == 0) return -__builtin_inf(); /* log(+-0)=-inf */
    if (hx < 0) return __builtin_nan("");                         /* log(-#) = NaN */
    k -= 54;
    x *= two54; /* subnormal number, scale up x */
    hx = fdl_hi(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  i = (hx + 0x95f64) & 0x100000;
  x = fdl_with_hi(x, (uint32_t)(hx | (i ^ 0x3ff00000))); /* normalize x or x/2 */
  k += (i >> 20);
  f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) { /* -2**-20 <= f < 2**-20 */
    if (f == 0.0) {
      if (k == 0) return 0.0;
      dk = (double)k;
      return dk * ln2_hi + dk * ln2_lo;
    }
    R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R;
    dk = (double)k;
    return dk * ln2_hi - ((R - dk * ln2_lo) - f);
  }
  s = f / (2.0 + f);
  dk = (double)k;
  z = s * s;
  i = hx - 0x6147a;
  w = z * z;
  j = 0x6b851 - hx;
  t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  i |= j;
  R = t2 + t1;
  if (i > 0) {
    hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
}

/* e_exp.c as V8 has it (with its exp(1) == E special case): x = k*ln2 + r, exp(r) by a rational fit. */
static inline double fdlibm_exp(double x) {
  static const double one = 1.0, halF[2] = {0.5, -0.5},
                      o_threshold = 7.09782712893383973096e+02,                              /* 0x40862E42, 0xFEFA39EF */
      u_threshold = -7.45133219101941108420e+02,                                            /* 0xC0874910, 0xD52D3051 */
      ln2HI[2] = {6.93147180369123816490e-01, -6.93147180369123816490e-01},                 /* 0x3FE62E42, 0xFEE00000 */
      ln2LO[2] = {1.90821492927058770002e-10, -1.90821492927058770002e-10},                 /* 0x3DEA39EF, 0x35793C76 */
      invln2 = 1.44269504088896338700e+00,                                                  /* 0x3FF71547, 0x652B82FE */
      P1 = 1.66666666666666019037e-01,                                                      /* 0x3FC55555, 0x5555553E */
      P2 = -2.77777777770155933842e-03,                                                     /* 0xBF66C16C, 0x16BEBD93 */
      P3 = 6.61375632143793436117e-05,                                                      /* 0x3F11566A, 0xAF25DE2C */
      P4 = -1.65339022054652515390e-06,                                                     /* 0xBEBBBD41, 0xC5D26BF1 */
      P5 = 4.13813679705723846039e-08,                                                      /* 0x3E663769, 0x72BEA4D0 */
      E = 2.718281828459045;                                                                /* 0x4005BF0A, 0x8B145769 */
  static volatile double huge = 1.0e+300, twom1000 = 9.33263618503218878990e-302, /* 2**-1000 */
      two1023 = 8.988465674311579539e307;                                          /* 0x1p1023 */
  double y, hi = 0.0, lo = 0.0, c, t, twopk;
  int32_t k = 0, xsb;
  uint32_t hx;
  hx = (uint32_t)fdl_hi(x);
  xsb = (int32_t)((hx >> 31) & 1); /* sign bit of x */
  hx &= 0x7FFFFFFF;                /* high word of |x| */
  if (hx >= 0x40862E42) {          /* if |x|>=709.78... */
    if (hx >= 0x7FF00000) {
      if (((hx & 0xFFFFF) | fdl_lo(x)) != 0) return x + x; /* NaN */
      return (xsb == 0) ? x : 0.0;                         /* exp(+-inf)={inf,0} */
    }
    if (x > o_threshold) return huge * huge;         /* overflow */
    if (x < u_threshold) return twom1000 * twom1000; /* underflow */
  }
  if (hx > 0x3FD62E42) {   /* if  |x| > 0.5 ln2 */
    if (hx < 0x3FF0A2B2) { /* and |x| < 1.5 ln2 */
      if (x == 1.0) return E;
      hi = x - ln2HI[xsb];
      lo = ln2LO[xsb];
      k = 1 - xsb - xsb;
    } else {
      k = (int32_t)(invln2 * x + halF[xsb]);
      t = k;
      hi = x - t * ln2HI[0]; /* t*ln2HI is exact here */
      lo = t * ln2LO[0];
    }
    x = hi - lo;
  } else if (hx < 0x3E300000) {         /* when |x|<2**-28 */
    if (huge + x > one) return one + x; /* trigger inexact */
  } else {
    k = 0;
  }
  t = x * x;
  if (k >= -1021) twopk = fdl_words(0x3FF00000u + ((uint32_t)k << 20), 0);
  else twopk = fdl_words(0x3FF00000u + ((uint32_t)(k + 1000) << 20), 0);
  c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return one - ((x * c) / (c - 2.0) - x);
  y = one - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * two1023;
    return y * twopk;
  }
  return y * twopk * twom1000;
}

#endif
