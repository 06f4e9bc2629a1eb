/*
 * Mixing jobs: the arithmetic after the strips' processing — fader copies, sends into bus and fx
 * inputs, pans into stereo sums, the stereo fold of mono sends, the master gain — of a whole strip
 * group in one call, SIMD over frames (4 per vector of doubles; mix-ops.h). The reference is the
 * TypeScript (src/engine/graph/send.ts, strip.ts processPost/panTo, src/engine/dsp/pan.ts,
 * SendInput.fold, graph.ts processMaster): per frame this file does the same double operations in
 * the same order and narrows to float as a Float32Array store does, so the result is bit-identical;
 * src/engine/native/mix-batch.ts writes the jobs.
 *
 *   mixJobs(f32: Float32Array, jobs: Int32Array, params: Float64Array, nJobs, frames)
 *
 * Job k is jobs[8k .. 8k+8): [op, a, b, c, d, ramp, rampN, flags], its doubles params[12k .. 12k+12):
 *   a, b    the source buffer(s), f32[a .. a+frames) (b: the right side of a stereo source);
 *   c, d    the destination(s), likewise (d: the right side);
 *   ramp    a per-frame gain written by the TypeScript ramp (GainRamp.fill) at f32[ramp ..), or -1;
 *   rampN   a pan's ramp frames in this block (0 .. frames); flags: 1 add, 2 the ramp lands here.
 * Ops (which fields they read):
 *   1 mono      c += a·k (a·ramp·k)                        k = params[0]
 *   2 stereo    c += a·k, d += b·k (g = ramp·k)
 *   3 st2mono   c += (a + b)·k (·ramp·k)                    k already halved
 *   4 copy      c = a·k (a·ramp)
 *   5 fold      v = a·√½; c += v; d += v
 *   6 pan mono  a → c, d; params [gl gr il ir tl tr]
 *   7 pan st.   a, b → c, d; params [ll rl lr rr, increments, targets]
 *   8 gain2     c *= k, d *= k (·ramp)
 *   9 add2ramp  c += a·ramp, d += b·ramp                    (a solo gate ramping; ramp required)
 * Jobs run one after another in table order (each over all its frames), so sums into one
 * destination add up in the order the TypeScript adds them. Every offset is checked before anything
 * runs: a bad one throws a TypeError naming the job and the field, and nothing is mixed. A job's
 * buffers may be the same buffer (in place) but must not overlap at an offset.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "kernels.h"
#include "napi-args.h"

#define MIX_JOB_STRIDE 8
#define MIX_PARAM_STRIDE 12
enum { J_OP, J_A, J_B, J_C, J_D, J_RAMP, J_RAMPN, J_FLAGS };
enum { OP_MONO = 1, OP_STEREO, OP_ST2MONO, OP_COPY, OP_FOLD, OP_PAN_MONO, OP_PAN_STEREO, OP_GAIN2, OP_ADD2_RAMP, OP_LAST = OP_ADD2_RAMP };
enum { F_ADD = 1, F_LAND = 2 };
/** What the TypeScript checks before it uses this kernel (mixJobLayout): strides and the last op. */
#define MIX_LAYOUT (MIX_JOB_STRIDE * 10000 + MIX_PARAM_STRIDE * 100 + OP_LAST)

#include "mix-ops.h"

MIX_VARIANT(portable, )
#if defined(__x86_64__) && defined(__GNUC__)
#define MIX_HAVE_AVX2 1
MIX_VARIANT(avx2, __attribute__((target("avx2"))))
#endif

typedef void (*mix_run)(float *, const int32_t *, const double *, int, int);
static mix_run run = run_portable;
static const char *isa = "portable";

/** Selects the variant: "avx2" (where the CPU has it) or "portable"; false when it cannot. */
static int set_isa(const char *name) {
#ifdef MIX_HAVE_AVX2
  if (strcmp(name, "avx2") == 0) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2")) return 0;
    run = run_avx2;
    isa = "avx2";
    return 1;
  }
#endif
  if (strcmp(name, "portable") == 0) {
    run = run_portable;
    isa = "portable";
    return 1;
  }
  return 0;
}

/** The first field of job `j` that is out of range, or NULL. */
static const char *check_job(const int32_t *j, int frames, size_t nf) {
  int op = j[J_OP];
  if (op < OP_MONO || op > OP_LAST) return "op";
  int reads_a = op != OP_GAIN2;
  int reads_b = op == OP_STEREO || op == OP_ST2MONO || op == OP_PAN_STEREO || op == OP_ADD2_RAMP;
  int reads_d = op == OP_STEREO || op == OP_FOLD || op == OP_PAN_MONO || op == OP_PAN_STEREO || op == OP_GAIN2 || op == OP_ADD2_RAMP;
  int pan = op == OP_PAN_MONO || op == OP_PAN_STEREO;
  if (reads_a && !inside(j[J_A], frames, nf)) return "a";
  if (reads_b && !inside(j[J_B], frames, nf)) return "b";
  if (!inside(j[J_C], frames, nf)) return "c";
  if (reads_d && !inside(j[J_D], frames, nf)) return "d";
  if (!pan && op != OP_FOLD && (j[J_RAMP] != -1 || op == OP_ADD2_RAMP) && !inside(j[J_RAMP], frames, nf)) return "ramp";
  if (pan && !(j[J_RAMPN] >= 0 && j[J_RAMPN] <= frames)) return "rampN";
  if (pan && (j[J_FLAGS] & ~(F_ADD | F_LAND))) return "flags";
  return NULL;
}

static napi_value mix_jobs(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 5) return fail(env, "mixJobs(f32, jobs, params, nJobs, frames): 5 arguments");
  float *f32;
  int32_t *jobs;
  double *params;
  size_t nf, nj, np;
  if (!typed(env, argv[0], napi_float32_array, (void **)&f32, &nf)) return fail(env, "mixJobs: f32 must be a Float32Array");
  if (!typed(env, argv[1], napi_int32_array, (void **)&jobs, &nj)) return fail(env, "mixJobs: jobs must be an Int32Array");
  if (!typed(env, argv[2], napi_float64_array, (void **)&params, &np)) return fail(env, "mixJobs: params must be a Float64Array");
  int njobs, frames;
  size_t cap = nj / MIX_JOB_STRIDE < np / MIX_PARAM_STRIDE ? nj / MIX_JOB_STRIDE : np / MIX_PARAM_STRIDE;
  if (!whole(env, argv[3], 0, (double)cap, &njobs))
    return fail(env, "mixJobs: nJobs must be a whole number with 8 * nJobs <= jobs.length and 12 * nJobs <= params.length");
  if (!whole(env, argv[4], 0, (double)nf, &frames)) return fail(env, "mixJobs: frames must be a whole number within f32.length");
  for (int k = 0; k < njobs; k++) {
    const char *bad = check_job(jobs + (size_t)k * MIX_JOB_STRIDE, frames, nf);
    if (bad) {
      char msg[160];
      snprintf(msg, sizeof msg, "mixJobs: job %d: %s is out of range (f32 %zu, frames %d)", k, bad, nf, frames);
      return fail(env, msg);
    }
  }
  if (frames > 0) run(f32, jobs, params, njobs, frames);
  return NULL;
}

/** mixIsa(name?): selects "avx2" or "portable" where this CPU runs it; returns the one in use. */
static napi_value mix_isa(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc >= 1) {
    napi_valuetype t;
    if (napi_typeof(env, argv[0], &t) != napi_ok || t != napi_string) return fail(env, "mixIsa(name): name must be \"avx2\" or \"portable\"");
    char name[16];
    size_t n;
    if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, &n) != napi_ok) return NULL;
    set_isa(name);
  }
  if (napi_create_string_utf8(env, isa, NAPI_AUTO_LENGTH, &out) != napi_ok) return NULL;
  return out;
}

napi_status register_mix(napi_env env, napi_value exports) {
  napi_value fn, isafn, stride;
  if (!set_isa("avx2")) set_isa("portable");
  napi_status st;
  if ((st = napi_create_function(env, "mixJobs", NAPI_AUTO_LENGTH, mix_jobs, NULL, &fn)) != napi_ok) return st;
  if ((st = napi_set_named_property(env, exports, "mixJobs", fn)) != napi_ok) return st;
  if ((st = napi_create_function(env, "mixIsa", NAPI_AUTO_LENGTH, mix_isa, NULL, &isafn)) != napi_ok) return st;
  if ((st = napi_set_named_property(env, exports, "mixIsa", isafn)) != napi_ok) return st;
  if ((st = napi_create_int32(env, MIX_LAYOUT, &stride)) != napi_ok) return st;
  if ((st = napi_set_named_property(env, exports, "mixJobLayout", stride)) != napi_ok) return st;
  return napi_ok;
}
