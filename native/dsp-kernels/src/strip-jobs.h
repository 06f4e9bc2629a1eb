/*
 * The job table the per-strip kernels share (the compressors' comp.c, the gates' gate.c; written by
 * src/engine/native/strip-jobs.ts): job k is jobs[4k .. 4k+4) = [buf0, buf1, nch, block], the
 * strip's channels at f32[buf0 ..) (and f32[buf1 ..) when nch is 2) and its settings and state at
 * f64[block ..). strip_jobs_args reads a call's (f32, f64, jobs, nJobs, frames) and checks every job
 * before anything runs: a bad one throws a TypeError naming the call, the job and the field.
 */
#ifndef FADERD_STRIP_JOBS_H
#define FADERD_STRIP_JOBS_H
#include <stdint.h>
#include <stdio.h>
#include "napi-args.h"

#define JOB_STRIDE 4
enum { J_BUF0, J_BUF1, J_NCH, J_BLOCK };

struct strip_jobs {
  float *f32;
  double *f64;
  int32_t *jobs;
  size_t nf, nd;
  int njobs, frames;
};

/** A job's channels into ch[0], ch[1] (a mono strip's one channel in both); returns the count. */
static inline int job_channels(float *f32, const int32_t *j, float *ch[2]) {
  const int nch = j[J_NCH];
  ch[0] = f32 + j[J_BUF0];
  ch[1] = nch == 2 ? f32 + j[J_BUF1] : ch[0];
  return nch;
}

/** A kernel's own check of a job beyond its spans: what is wrong, or NULL. */
typedef const char *(*job_check)(const int32_t *job, int frames, const double *f64);

/**
 * The call's arguments into *out, every job checked (its channels inside f32 for `frames`, its
 * `block` doubles inside f64, then `extra`); 0 after throwing (the caller returns NULL).
 */
static inline int strip_jobs_args(napi_env env, napi_callback_info info, const char *name, int block, job_check extra, struct strip_jobs *out) {
  size_t argc = 5;
  napi_value argv[5];
  char msg[200];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < 5) {
    snprintf(msg, sizeof msg, "%s(f32, f64, jobs, nJobs, frames): 5 arguments", name);
    return fail(env, msg), 0;
  }
  size_t nj;
  const char *bad = !typed(env, argv[0], napi_float32_array, (void **)&out->f32, &out->nf)   ? "f32 must be a Float32Array"
                    : !typed(env, argv[1], napi_float64_array, (void **)&out->f64, &out->nd) ? "f64 must be a Float64Array"
                    : !typed(env, argv[2], napi_int32_array, (void **)&out->jobs, &nj)       ? "jobs must be an Int32Array"
                    : !whole(env, argv[3], 0, (double)(nj / JOB_STRIDE), &out->njobs)         ? "nJobs must be a whole number with 4 * nJobs <= jobs.length"
                    : !whole(env, argv[4], 0, (double)out->nf, &out->frames)                  ? "frames must be a whole number within f32.length"
                                                                                              : NULL;
  if (bad) {
    snprintf(msg, sizeof msg, "%s: %s", name, bad);
    return fail(env, msg), 0;
  }
  for (int k = 0; k < out->njobs && out->frames > 0; k++) {
    const int32_t *j = out->jobs + (size_t)k * JOB_STRIDE;
    const char *what = j[J_NCH] != 1 && j[J_NCH] != 2                   ? "nch"
                       : !inside(j[J_BUF0], out->frames, out->nf)                     ? "buf0"
                       : j[J_NCH] == 2 && !inside(j[J_BUF1], out->frames, out->nf)    ? "buf1"
                       : !inside(j[J_BLOCK], block, out->nd)                          ? "block"
                       : extra                                                        ? extra(j, out->frames, out->f64)
                                                                                      : NULL;
    if (what) {
      snprintf(msg, sizeof msg, "%s: job %d: bad %s (f32 %zu, f64 %zu, frames %d)", name, k, what, out->nf, out->nd, out->frames);
      return fail(env, msg), 0;
    }
  }
  return 1;
}

#endif
