/*
 * The vector part of the true-peak search (see truepeak.c), written once over a vector of 4 doubles
 * and included there once per build:
 *
 *   V(x)     the vector layer's operation x: load, store, splat, add, mul, absmax (truepeak.c);
 *   VEC      its type (one AVX2 register, or two SSE2/NEON registers);
 *   NAME(x)  this build's name for x.
 *
 * Every lane runs the reference's operations in the reference's order; only the number of intervals
 * computed at once differs from truepeak.ts.
 */

/*
 * The reference's span maximum, `m = 0; for each: a = |w[k]|; if (a > m) m = a`, over w[k0 .. k1),
 * eight lanes at a time. The result is the same double: the largest |w[k]| that is not NaN, or +0
 * (the maximum does not depend on the order, no lane starts from or keeps a −0, NaN never wins).
 */
static inline __attribute__((always_inline)) double NAME(span_max)(const double *w, long k0, long k1) {
  VEC m0 = V(splat)(0), m1 = m0;
  long k = k0;
  for (; k + 8 <= k1; k += 8) {
    m0 = V(absmax)(m0, w + k);
    m1 = V(absmax)(m1, w + k + 4);
  }
  double l0[4], l1[4];
  V(store)(l0, m0);
  V(store)(l1, m1);
  double m = 0;
  for (int l = 0; l < 4; l++) {
    if (l0[l] > m) m = l0[l];
    if (l1[l] > m) m = l1[l];
  }
  for (; k < k1; k++) {
    const double a = absd(w[k]);
    if (a > m) m = a;
  }
  return m;
}

/*
 * NV vectors (4·NV consecutive intervals from j0) through all three stages, peaks into out[0 .. 4·NV).
 * Inlined with NV constant, so the accumulators stay in registers.
 */
static inline __attribute__((always_inline)) void NAME(group)(const tp_tables *T, const double *w, long j0, int NV, double floor, double *out) {
  double y[16], q1[16], q3[16];
  tp_iv iv[16];
  const int n = 4 * NV;

  /* Stage 1: the half-sample point, HALF_COEF[k] · (w[a + k] + w[b − k]) in k order per lane. */
  {
    VEC acc[4] = {V(splat)(0), V(splat)(0), V(splat)(0), V(splat)(0)};
    const double *a = w + j0 - TP_HALF + 1;
    const double *b = w + j0 + TP_HALF;
    for (int k = 0; k < TP_HALF; k++) {
      const VEC c = V(splat)(T->half[k]);
      for (int g = 0; g < NV; g++) acc[g] = V(add)(acc[g], V(mul)(c, V(add)(V(load)(a + 4 * g + k), V(load)(b + 4 * g - k))));
    }
    for (int g = 0; g < NV; g++) V(store)(y + 4 * g, acc[g]);
  }
  unsigned need2 = 0;
  for (int i = 0; i < n; i++) if (stage1(w, j0 + i, y[i], floor, T->stage2, &iv[i], &out[i])) need2 |= 1u << i;
  if (!need2) return;

  /* Stage 2: the quarter points p = Q and 3Q of every interval in the group (any one may need them). */
  {
    VEC a1[4] = {V(splat)(0), V(splat)(0), V(splat)(0), V(splat)(0)};
    VEC a3[4] = {V(splat)(0), V(splat)(0), V(splat)(0), V(splat)(0)};
    const double *c1 = T->coef + Q * TAPS;
    const double *c3 = T->coef + 3 * Q * TAPS;
    const double *x = w + j0 - TP_HALF + 1;
    for (int k = 0; k < TAPS; k++) {
      const VEC k1 = V(splat)(c1[k]);
      const VEC k3 = V(splat)(c3[k]);
      for (int g = 0; g < NV; g++) {
        const VEC xv = V(load)(x + 4 * g + k);
        a1[g] = V(add)(a1[g], V(mul)(k1, xv));
        a3[g] = V(add)(a3[g], V(mul)(k3, xv));
      }
    }
    for (int g = 0; g < NV; g++) {
      V(store)(q1 + 4 * g, a1[g]);
      V(store)(q3 + 4 * g, a3[g]);
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
    VEC acc[4] = {V(splat)(0), V(splat)(0), V(splat)(0), V(splat)(0)};
    const double *tab[4];
    const double *x[4];
    for (int r = 0; r < 4; r++) {
      const int i = idx[r < cnt ? r : 0];
      const int s = direction(&iv[i], q1[i], q3[i]);
      tab[r] = &T->stage3[iv[i].m * 2 + (s > 0)][0][0];
      x[r] = w + j0 + i - TP_HALF;
    }
    for (int t = 0; t < WIN; t++) {
      for (int r = 0; r < 4; r++) acc[r] = V(add)(acc[r], V(mul)(V(load)(tab[r] + 4 * t), V(splat)(x[r][t])));
    }
    for (int r = 0; r < cnt; r++) {
      const int i = idx[r];
      double c[4];
      V(store)(c, acc[r]);
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
static inline __attribute__((always_inline)) void NAME(scan)(const tp_tables *T, const double *w, long h, long n, double floor, double *out) {
  for (long s0 = 0; s0 < n; s0 += SPAN) {
    const long s1 = s0 + SPAN < n ? s0 + SPAN : n;
    const double m = NAME(span_max)(w, h + s0 - TP_LAG - TP_HALF, h + s1 - TP_LAG + TP_HALF);
    if (m * T->max_l1 < floor) {
      for (long i = s0; i < s1; i++) out[i] = absd(w[h + i - TP_LAG]);
      continue;
    }
    long i = s0;
    for (; i + 16 <= s1; i += 16) NAME(group)(T, w, h + i - TP_LAG, 4, floor, out + i);
    for (; i + 4 <= s1; i += 4) NAME(group)(T, w, h + i - TP_LAG, 1, floor, out + i);
    for (; i < s1; i++) out[i] = interval_peak(T, w, h + i - TP_LAG, floor);
  }
}
