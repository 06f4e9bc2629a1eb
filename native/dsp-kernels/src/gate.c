/*
 * Gate jobs: the gates of many strips in one call. The reference is src/engine/dsp/gate.ts
 * (process → steadyOpen / steadyClosed / linkedPeaks + span): per strip this file does the same
 * double operations in the same order, its one exp per span is V8's own fdlibm (fdlibm.h), and its
 * one pow per closed span is handed over precomputed by Math.pow (Gate.writeParams and
 * writeSpanFall), so the result is bit-identical. The wrapper is src/engine/native/gate-batch.ts.
 *
 *   gateJobs(f32: Float32Array, f64: Float64Array, jobs: Int32Array, nJobs, frames)
 *
 * Job k is jobs[4k .. 4k+4): [buf0, buf1, nch, block]:
 *   buf0, buf1  the strip's channels at f32[bufX .. bufX+frames), gated in place (buf1 unused, -1,
 *               when nch is 1);
 *   nch         1 or 2;
 *   block       the gate's settings and state at f64[block .. block+GATE_BLOCK) (gate.h).
 * Every offset is checked, and every block's span fall checked to be for this `frames`, before
 * anything runs: a bad one throws a TypeError naming the job and the field, and nothing is changed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "fdlibm.h"
#include "gate.h"
#include "kernels.h"
#include "napi-args.h"
#include "isa.h"

#include "strip-jobs.h"
/** linked-peak.ts PEAK_SPAN; util.ts FLUSH_BELOW. */
#define PEAK_SPAN 2048
#define FLUSH_BELOW 1e-30
#include "linked-peaks.h"

#include "gate-scan.h"

/** The scan variant in use (gate-scan.h): chosen at load, switched by gateIsa for tests. */
struct scan {
  const char *name;
  float (*peak_max)(const float *a, const float *b, int n);
  int (*last_at)(const float *a, const float *b, int n, float m);
};
static const struct scan scan_portable = {"portable", peak_max_portable, last_at_portable};
#ifdef HAVE_GATE_AVX2
static const struct scan scan_avx2 = {"avx2", peak_max_avx2, last_at_avx2};
#endif
static const struct scan *scan = &scan_portable;

/** Selects the variant: "avx2" (where the CPU has it) or "portable"; false when it cannot. */
static int set_isa(const char *name) {
#ifdef HAVE_GATE_AVX2
  const struct scan *v = isa_pick(name, &scan_portable, &scan_avx2);
#else
  const struct scan *v = isa_pick(name, &scan_portable, NULL);
#endif
  if (v) scan = v;
  return v != NULL;
}

static const char *isa_name(void) {
  return scan->name;
}

/** Gate.steadyOpen: nothing in [from, to) can start a close; the state in closed form. */
static int steady_open(double *p, float *const *ch, int nch, int from, int to) {
  const int n = to - from;
  double *s = p + GATE_STATE_AT;
  if (s[S_GAIN_DB] != 0 || s[S_ENV] < p[P_OPEN] || s[S_ENV_HOLD] < n) return 0;
  const float *a = ch[0] + from, *b = nch == 2 ? ch[1] + from : NULL;
  const float m = scan->peak_max(a, b, n);
  if (m >= s[S_ENV]) {
    // The last frame at the new peak re-armed the detector's hold; later ones counted it down.
    const double last = scan->last_at(a, b, n, m);
    s[S_ENV] = m;
    s[S_ENV_HOLD] = p[P_DET_HOLD] - ((double)(n - 1) - last);
  } else s[S_ENV_HOLD] = s[S_ENV_HOLD] - n;
  s[S_HOLD_LEFT] = p[P_HOLD];
  return 1;
}

/** Gate.steadyClosed: nothing in [from, to) reaches the threshold; attenuated by the range. `fall`: detFall^(to − from). */
static int steady_closed(double *p, float *const *ch, int nch, int from, int to, double fall) {
  double *s = p + GATE_STATE_AT;
  if (s[S_GAIN_DB] != -p[P_RANGE] || s[S_ENV] >= p[P_OPEN]) return 0;
  const double m = scan->peak_max(ch[0] + from, nch == 2 ? ch[1] + from : NULL, to - from);
  if (m >= p[P_OPEN] || m != m) return 0;
  const double g = p[P_CLOSED_GAIN];
  if (g != 1) {
    for (int c = 0; c < nch; c++) {
      float *buf = ch[c];
      for (int i = from; i < to; i++) buf[i] = (float)((double)buf[i] * g);
    }
  }
  const double fallen = s[S_ENV] * fall;
  const double env = m >= fallen ? m : fallen;
  s[S_ENV] = env > FLUSH_BELOW ? env : 0;
  s[S_ENV_HOLD] = 0;
  return 1;
}

/** Gate.span: frames [from, to) sample by sample, their linked peaks in peaks[0 .. to − from). */
static void span(double *p, float *const *ch, int nch, const float *peaks, int from, int to) {
  const double DB_TO_LN = LN10 / 20;
  double *s = p + GATE_STATE_AT;
  const double detHold = p[P_DET_HOLD], detFall = p[P_DET_FALL];
  const double openLin = p[P_OPEN], closeLin = p[P_CLOSE];
  const double attStep = p[P_ATT_STEP], relStep = p[P_REL_STEP];
  const double closedDb = -p[P_RANGE], closedGain = p[P_CLOSED_GAIN];
  const double holdSamples = p[P_HOLD];
  const double attRatio = p[P_ATT_RATIO], relRatio = p[P_REL_RATIO];
  double env = s[S_ENV], envHold = s[S_ENV_HOLD], holdLeft = s[S_HOLD_LEFT];
  double gDb = s[S_GAIN_DB], transitions = s[S_TRANSITIONS];
  int open = s[S_OPEN] != 0;
  double gLin = fdlibm_exp(gDb * DB_TO_LN);
  float *left = ch[0], *right = nch == 2 ? ch[1] : ch[0];
  for (int i = from; i < to; i++) {
    const double peak = peaks[i - from];
    if (peak >= env) {
      env = peak;
      envHold = detHold;
    } else if (envHold > 0) {
      envHold--;
    } else {
      env *= detFall;
    }

    if (env >= openLin) {
      if (!open) transitions++;
      open = 1;
      holdLeft = holdSamples;
    } else if (open) {
      if (env >= closeLin) holdLeft = holdSamples;
      else if (holdLeft > 0) holdLeft--;
      else {
        open = 0;
        transitions++;
      }
    }

    const double targetDb = open ? 0 : closedDb;
    double g;
    if (gDb == targetDb) {
      if (open) continue;
      g = closedGain;
    } else {
      if (gDb < targetDb) {
        gDb += attStep;
        gLin *= attRatio;
        if (gDb >= targetDb) {
          gDb = targetDb;
          gLin = open ? 1 : closedGain;
        }
      } else {
        gDb -= relStep;
        gLin *= relRatio;
        if (gDb <= targetDb) {
          gDb = targetDb;
          gLin = open ? 1 : closedGain;
        }
      }
      g = gLin;
    }
    left[i] = (float)((double)left[i] * g);
    if (nch == 2) right[i] = (float)((double)right[i] * g);
  }
  s[S_ENV] = env > FLUSH_BELOW ? env : 0;
  s[S_ENV_HOLD] = envHold;
  s[S_HOLD_LEFT] = holdLeft;
  s[S_GAIN_DB] = gDb;
  s[S_OPEN] = open ? 1 : 0;
  s[S_TRANSITIONS] = transitions;
}

/** Gate.process: a span of PEAK_SPAN frames at a time. */
static void run_job(float *f32, double *f64, const int32_t *j, int frames) {
  float peaks[PEAK_SPAN];
  float *ch[2];
  const int nch = job_channels(f32, j, ch);
  double *p = f64 + j[J_BLOCK];
  for (int from = 0; from < frames; from += PEAK_SPAN) {
    const int to = frames - from > PEAK_SPAN ? from + PEAK_SPAN : frames;
    const double fall = to == frames ? p[P_FALL_LAST] : p[P_FALL_SPAN];
    if (p[GATE_STATE_AT + S_OPEN] != 0 ? steady_open(p, ch, nch, from, to) : steady_closed(p, ch, nch, from, to, fall)) continue;
    linked_peaks(ch, nch, from, to, peaks);
    span(p, ch, nch, peaks, from, to);
  }
}

/** Beyond its spans, a gate job needs the fall for these frames (Gate.writeSpanFall). */
static const char *check_fall(const int32_t *j, int frames, const double *f64) {
  return f64[j[J_BLOCK] + P_FALL_FRAMES] != (double)frames ? "fall (Gate.writeSpanFall, for these frames)" : NULL;
}

static napi_value gate_jobs(napi_env env, napi_callback_info info) {
  struct strip_jobs a;
  if (!strip_jobs_args(env, info, "gateJobs", GATE_BLOCK, check_fall, &a)) return NULL;
  if (a.frames == 0) return NULL;
  for (int k = 0; k < a.njobs; k++) run_job(a.f32, a.f64, a.jobs + (size_t)k * JOB_STRIDE, a.frames);
  return NULL;
}

/**
 * gateIsa(name?): with a name ("avx2", "portable"), selects that variant of the scan if this CPU
 * runs it; returns the variant in use. For tests and the bench: both give the same bits.
 */
static napi_value gate_isa(napi_env env, napi_callback_info info) {
  return isa_call(env, info, "gateIsa(name): name must be \"avx2\" or \"portable\"", set_isa, isa_name);
}

napi_status register_gate(napi_env env, napi_value exports) {
  napi_value fn, v;
  napi_status st;
  if (!set_isa("avx2")) set_isa("portable");
  if ((st = napi_create_function(env, "gateIsa", NAPI_AUTO_LENGTH, gate_isa, NULL, &fn)) != napi_ok) return st;
  if ((st = napi_set_named_property(env, exports, "gateIsa", fn)) != napi_ok) return st;
  if ((st = napi_create_function(env, "gateJobs", NAPI_AUTO_LENGTH, gate_jobs, NULL, &fn)) != napi_ok) return st;
  if ((st = napi_set_named_property(env, exports, "gateJobs", fn)) != napi_ok) return st;
  if ((st = napi_create_int32(env, JOB_STRIDE, &v)) != napi_ok) return st;
  if ((st = napi_set_named_property(env, exports, "gateJobStride", v)) != napi_ok) return st;
  if ((st = napi_create_int32(env, GATE_BLOCK, &v)) != napi_ok) return st;
  return napi_set_named_property(env, exports, "gateBlock", v);
}
