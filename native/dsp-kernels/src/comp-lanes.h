/*
 * comp.c's compressor (span()) for four strips at once, one per lane of a vector of doubles: per lane
 * the very double operations of the scalar span, in the same order, so each strip's result is the
 * scalar one (and the TypeScript reference's) bit for bit. The four strips share `frames`, so their
 * GAIN_STEP steps fall on the same frames: the step scan (peak, product of hard levels, knee sum),
 * its logs, the release closed form and the exp of the gain run four wide. Lanes part ways on the
 * attack branch: a step with any attacking lane runs the sample-by-sample path for all four, keeps it
 * for the attacking lanes and the release result for the others (blends), and takes a log at a sample
 * only when some attacking lane has a new highest level there.
 *
 * Peaks are linked per step straight from the buffers (8 frames × 4 strips, transposed), a chunk of
 * LANE_CHUNK frames of them before that chunk's gains are applied; the scalar code links a whole
 * span of one strip, then applies its gains, strip after strip. The two read the same levels only
 * while no strip's buffers or block overlap another's (or its own), so comp.c checks that before
 * running a group here.
 *
 * A template like fdlibm-vec.h (included after it, with the same CL_ macros), after comp.c's
 * scale(), ramp(), struct lane_group and constants.
 */

#ifndef FADERD_COMP_LANES_TYPES
#define FADERD_COMP_LANES_TYPES
#define GATHER_P(g, k) ((v4d){(g)->p[0][k], (g)->p[1][k], (g)->p[2][k], (g)->p[3][k]})
#define ZERO4 SPLAT(0.0)
/** One group's settings, lane = strip (span()'s constants). */
struct lane_set {
  v4d thr, slope, knee, halfKnee, kneeStart, kneeEnd, kneeChord, aA, aR, bA, bR, stepA, stepR, stepK, makeup, makeupLin;
};
/** Frames per pass of span4 (a multiple of GAIN_STEP). */
#define LANE_CHUNK 256
/* Lanes of a and b (b's numbered from 4) picked by constant indices (GCC's builtin). */
#define SHUF_F(a, b, i, j, k, l) __builtin_shuffle((a), (b), (v4i){i, j, k, l})
#define SHUF_D(a, b, i, j, k, l) __builtin_shuffle((a), (b), (v4l){i, j, k, l})
#endif

/** Four rows of four floats (one per strip) to four columns (one per frame). */
CL_INLINE CL_ATTR void CL_(transpose_f)(const v4f r[4], v4f c[4]) {
  const v4f t0 = SHUF_F(r[0], r[1], 0, 4, 1, 5), t1 = SHUF_F(r[0], r[1], 2, 6, 3, 7);
  const v4f t2 = SHUF_F(r[2], r[3], 0, 4, 1, 5), t3 = SHUF_F(r[2], r[3], 2, 6, 3, 7);
  c[0] = SHUF_F(t0, t2, 0, 1, 4, 5);
  c[1] = SHUF_F(t0, t2, 2, 3, 6, 7);
  c[2] = SHUF_F(t1, t3, 0, 1, 4, 5);
  c[3] = SHUF_F(t1, t3, 2, 3, 6, 7);
}

/** The same for doubles. */
CL_INLINE CL_ATTR void CL_(transpose_d)(const v4d r[4], v4d c[4]) {
  const v4d t0 = SHUF_D(r[0], r[1], 0, 4, 2, 6), t1 = SHUF_D(r[0], r[1], 1, 5, 3, 7);
  const v4d t2 = SHUF_D(r[2], r[3], 0, 4, 2, 6), t3 = SHUF_D(r[2], r[3], 1, 5, 3, 7);
  c[0] = SHUF_D(t0, t2, 0, 1, 4, 5);
  c[1] = SHUF_D(t1, t3, 0, 1, 4, 5);
  c[2] = SHUF_D(t0, t2, 2, 3, 6, 7);
  c[3] = SHUF_D(t1, t3, 2, 3, 6, 7);
}

/**
 * linked_peaks of frames [at, at+n) of the four strips, frame i in pk[i] (lane = strip). |x| clears
 * the sign bit where the scalar code negates negatives: they differ only on −0 and NaN's sign, which
 * no comparison of a level sees. The larger of the two is `l > r ? l : r`, as there.
 */
CL_INLINE CL_ATTR void CL_(peaks)(const struct lane_group *g, int at, int n, v4d pk[GAIN_STEP]) {
  const v4i absMask = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
  if (n == GAIN_STEP) {
    for (int h = 0; h < GAIN_STEP; h += 4) {
      v4f rows[4], cols[4];
      for (int l = 0; l < 4; l++) {
        v4f a, b;
        memcpy(&a, g->ch[l][0] + at + h, sizeof a);
        memcpy(&b, g->ch[l][1] + at + h, sizeof b);
        a = (v4f)((v4i)a & absMask);
        b = (v4f)((v4i)b & absMask);
        const v4i gt = a > b;
        rows[l] = (v4f)((gt & (v4i)a) | (~gt & (v4i)b));
      }
      CL_(transpose_f)(rows, cols);
      for (int q = 0; q < 4; q++) pk[h + q] = __builtin_convertvector(cols[q], v4d);
    }
    return;
  }
  for (int i = 0; i < n; i++)
    for (int l = 0; l < 4; l++) {
      const float x = g->ch[l][0][at + i], y = g->ch[l][1][at + i];
      const float ax = x < 0 ? -x : x, ay = y < 0 ? -y : y;
      pk[i][l] = ax > ay ? ax : ay;
    }
}

/** The gain computer: reduction (dB) for a level above the knee's start, from its log `lg`. */
#define GAIN_COMPUTER(lg, st)                                                                        \
  ({                                                                                                 \
    const v4d over_ = (lg) * (20 / LN10) - (st)->thr;                                                \
    const v4l inKnee_ = ~(over_ >= (st)->halfKnee);                                                  \
    v4d gr_ = -(st)->slope * over_;                                                                  \
    if (CL_MASK(inKnee_)) {                                                                          \
      const v4d k_ = over_ + (st)->halfKnee;                                                         \
      gr_ = BLEND(inKnee_, (-(st)->slope * k_ * k_) / (2 * (st)->knee), gr_);                        \
    }                                                                                                \
    gr_;                                                                                             \
  })

/**
 * The step's gains applied: per strip, buffers × g1 where g0 == g1 (untouched when that is 1), else
 * the ramp from g0 (g += inc, sample by sample, as ramp() does). n is GAIN_STEP here.
 */
CL_INLINE CL_ATTR void CL_(apply_step)(const struct lane_group *g, int at, v4d g0, v4d g1) {
  const v4l eq = g0 == g1;
  const int em = CL_MASK(eq), skip = em & CL_MASK(g1 == 1.0);
  if (skip == 15) return;
  v4d gains[GAIN_STEP];
  if (em == 15) {
    for (int j = 0; j < GAIN_STEP; j++) gains[j] = g1;
  } else {
    const v4d inc = (g1 - g0) / (double)GAIN_STEP;
    v4d gg = g0;
    for (int j = 0; j < GAIN_STEP; j++) {
      gg += inc;
      gains[j] = BLEND(eq, g1, gg);
    }
  }
  v4d lo[4], hi[4];
  CL_(transpose_d)(gains, lo);
  CL_(transpose_d)(gains + 4, hi);
  for (int l = 0; l < 4; l++) {
    if (skip >> l & 1) continue;
    for (int c = 0; c < g->nch[l]; c++) {
      float *b = g->ch[l][c] + at;
      v4f x0, x1;
      memcpy(&x0, b, sizeof x0);
      memcpy(&x1, b + 4, sizeof x1);
      x0 = __builtin_convertvector(__builtin_convertvector(x0, v4d) * lo[l], v4f);
      x1 = __builtin_convertvector(__builtin_convertvector(x1, v4d) * hi[l], v4f);
      memcpy(b, &x0, sizeof x0);
      memcpy(b + 4, &x1, sizeof x1);
    }
  }
}

/** A step's levels (pass 1 of span4): its linked peaks into pk, its grMax and grMean. */
CL_INLINE CL_ATTR void CL_(levels)(const struct lane_group *g, const struct lane_set *st, int start, int n, v4d *pk, v4d *grMaxOut, v4d *grMeanOut) {
  const double LN_TO_DB = 20 / LN10;
  CL_(peaks)(g, start, n, pk);
  v4d amax = ZERO4, prod = SPLAT(1.0), nHard = ZERO4, sumKnee = ZERO4;
  for (int i = 0; i < n; i++) {
    const v4d a = pk[i];
    amax = CL_MAX(a, amax);
    const v4l hard = a > st->kneeEnd, inKnee = ~hard & (a > st->kneeStart);
    prod = BLEND(hard, prod * a, prod);
    nHard = BLEND(hard, nHard + 1.0, nHard);
    sumKnee = BLEND(inKnee, sumKnee + st->kneeChord * (a - st->kneeStart), sumKnee);
  }
  v4d grMax = ZERO4;
  const v4l above = amax > st->kneeStart;
  if (CL_MASK(above)) grMax = BLEND(above, GAIN_COMPUTER(CL_(vlog)(BLEND(above, amax, SPLAT(1.0))), st), ZERO4);
  v4d hardSum = ZERO4;
  const v4l anyHard = nHard > 0.0;
  if (CL_MASK(anyHard)) hardSum = BLEND(anyHard, -st->slope * (CL_(vlog)(BLEND(anyHard, prod, SPLAT(1.0))) * LN_TO_DB - nHard * st->thr), ZERO4);
  *grMaxOut = grMax;
  /* x / 8 and x · 0.125 are the same double (a power of two): a multiply for whole steps. */
  *grMeanOut = n == GAIN_STEP ? (hardSum + sumKnee) * (1.0 / GAIN_STEP) : (hardSum + sumKnee) / (double)n;
}

/** A step of the detector (pass 2 of span4): eq. 17 on y1 and yL, attack sample by sample or release in closed form. */
CL_INLINE CL_ATTR void CL_(detect)(const struct lane_set *st, const v4d *pk, int n, v4d grMax, v4d grMean, v4d *y1p, v4d *yLp) {
  v4d y1 = *y1p, yL = *yLp;
  const v4l attack = grMax > y1;
  const int am = CL_MASK(attack);
  v4d y1r = y1, yLr = yL;
  if (am != 15) {
    const v4d gr = grMean;
    if (n == GAIN_STEP) {
      const v4d d = y1 - gr;
      y1r = gr + d * st->stepR;
      yLr = gr + (yL - gr) * st->stepA + d * st->stepK;
    } else {
      for (int i = 0; i < n; i++) {
        y1r += st->bR * (gr - y1r);
        yLr = st->aA * yLr + st->bA * y1r;
      }
    }
  }
  if (am) {
    v4d aSeen = ZERO4;
    for (int i = 0; i < n; i++) {
      const v4d a = pk[i];
      v4d gr = grMean;
      const v4l rises = attack & (a > aSeen) & (a > st->kneeStart);
      if (CL_MASK(rises)) {
        aSeen = BLEND(rises, a, aSeen);
        gr = BLEND(rises, GAIN_COMPUTER(CL_(vlog)(BLEND(rises, a, SPLAT(1.0))), st), grMean);
      }
      y1 = BLEND(gr > y1, gr, y1 + st->bR * (grMean - y1));
      yL = st->aA * yL + st->bA * y1;
    }
    y1r = BLEND(attack, y1, y1r);
    yLr = BLEND(attack, yL, yLr);
  }
  *y1p = y1r;
  *yLp = yLr;
}

/** The exact gain for a reduction yL (dB): make-up only when it is gone. */
CL_INLINE CL_ATTR v4d CL_(gain)(const struct lane_set *st, v4d yL) {
  const double DB_TO_LN = LN10 / 20;
  const v4l gone = yL < GONE_DB;
  if (CL_MASK(gone) == 15) return st->makeupLin;
  return BLEND(gone, st->makeupLin, CL_(vexp)(BLEND(gone, ZERO4, (st->makeup - yL) * DB_TO_LN)));
}

/**
 * span() of four strips over frames [from, frames), LANE_CHUNK frames at a time in three passes:
 * every step's levels and their logs (no step waits for another), then the detector and each step's
 * exact gain (the only chain from step to step, short in release), then the gains applied.
 */
CL_INLINE CL_ATTR void CL_(span4)(const struct lane_group *g, int from, int frames) {
  const double DB_TO_LN = LN10 / 20;
  struct lane_set st;
  st.thr = GATHER_P(g, P_THR);
  st.slope = GATHER_P(g, P_SLOPE);
  st.knee = GATHER_P(g, P_KNEE);
  st.halfKnee = st.knee / 2;
  st.kneeStart = GATHER_P(g, P_KSTART);
  st.kneeEnd = GATHER_P(g, P_KEND);
  st.kneeChord = GATHER_P(g, P_KCHORD);
  st.aA = GATHER_P(g, P_AA);
  st.aR = GATHER_P(g, P_AR);
  st.bA = 1 - st.aA;
  st.bR = 1 - st.aR;
  st.stepA = GATHER_P(g, P_STEPA);
  st.stepR = GATHER_P(g, P_STEPR);
  st.stepK = GATHER_P(g, P_STEPK);
  st.makeup = GATHER_P(g, P_MAKEUP);
  st.makeupLin = CL_(vexp)(st.makeup * DB_TO_LN);
  v4d y1 = GATHER_P(g, S_Y1), yL = GATHER_P(g, S_YL), g0 = GATHER_P(g, S_GAIN);
  const v4l fresh = g0 != g0;
  if (CL_MASK(fresh)) g0 = BLEND(fresh, CL_(gain)(&st, yL), g0);
  v4d pk[LANE_CHUNK], grMax[LANE_CHUNK / GAIN_STEP], grMean[LANE_CHUNK / GAIN_STEP], gains[LANE_CHUNK / GAIN_STEP + 1];
  for (int c0 = from; c0 < frames; c0 += LANE_CHUNK) {
    const int c1 = frames - c0 > LANE_CHUNK ? c0 + LANE_CHUNK : frames, steps = (c1 - c0 + GAIN_STEP - 1) / GAIN_STEP;
#define STEP_N(s) (c1 - c0 - (s) * GAIN_STEP < GAIN_STEP ? c1 - c0 - (s) * GAIN_STEP : GAIN_STEP)
    for (int s = 0; s < steps; s++) CL_(levels)(g, &st, c0 + s * GAIN_STEP, STEP_N(s), pk + s * GAIN_STEP, grMax + s, grMean + s);
    gains[0] = g0;
    for (int s = 0; s < steps; s++) {
      CL_(detect)(&st, pk + s * GAIN_STEP, STEP_N(s), grMax[s], grMean[s], &y1, &yL);
      gains[s + 1] = CL_(gain)(&st, yL);
    }
    for (int s = 0; s < steps; s++) {
      const int start = c0 + s * GAIN_STEP, n = STEP_N(s);
      const v4d ga = gains[s], gb = gains[s + 1];
      if (n == GAIN_STEP) CL_(apply_step)(g, start, ga, gb);
      else
        for (int l = 0; l < 4; l++) {
          if (ga[l] == gb[l]) {
            if (gb[l] != 1)
              for (int c = 0; c < g->nch[l]; c++) scale(g->ch[l][c], start, start + n, gb[l]);
          } else {
            const double inc = (gb[l] - ga[l]) / (double)n;
            for (int c = 0; c < g->nch[l]; c++) ramp(g->ch[l][c], start, start + n, ga[l], inc);
          }
        }
    }
#undef STEP_N
    g0 = gains[steps];
  }
  const v4l keep1 = y1 > GONE_DB, keepL = yL > GONE_DB;
  y1 = BLEND(keep1, y1, ZERO4);
  yL = BLEND(keepL, yL, ZERO4);
  for (int l = 0; l < 4; l++) {
    g->p[l][S_Y1] = y1[l];
    g->p[l][S_YL] = yL[l];
    g->p[l][S_GAIN] = g0[l];
  }
}

/** run_job for four strips: a span of PEAK_SPAN frames at a time, as there. */
CL_ATTR static void CL_(run_group)(const struct lane_group *g, int frames) {
  for (int from = 0; from < frames; from += PEAK_SPAN) {
    const int to = frames - from > PEAK_SPAN ? from + PEAK_SPAN : frames;
    CL_(span4)(g, from, to);
  }
}

/** vlog / vexp over a whole array, four at a time (the last few padded), for tests. */
CL_ATTR static void CL_(map_log)(const double *in, double *out, size_t n) {
  for (size_t i = 0; i < n; i += 4) {
    v4d x = {1, 1, 1, 1};
    for (size_t l = 0; l < 4 && i + l < n; l++) x[l] = in[i + l];
    const v4d r = CL_(vlog)(x);
    for (size_t l = 0; l < 4 && i + l < n; l++) out[i + l] = r[l];
  }
}

CL_ATTR static void CL_(map_exp)(const double *in, double *out, size_t n) {
  for (size_t i = 0; i < n; i += 4) {
    v4d x = {0, 0, 0, 0};
    for (size_t l = 0; l < 4 && i + l < n; l++) x[l] = in[i + l];
    const v4d r = CL_(vexp)(x);
    for (size_t l = 0; l < 4 && i + l < n; l++) out[i + l] = r[l];
  }
}
