/*
 * The true-peak limiter's per-sample loop: src/engine/dsp/limiter.ts, TruePeakLimiter.process after
 * the detectors' peaks() (those are truepeak.c already). The same double operations in the same
 * order (the sliding minimum, the program-dependent release, the moving average with its resum every
 * `attack` samples, the clamp at 1, the float narrowing of every stored sample), so the output and
 * every state value are bit-identical to the TypeScript, which stays the reference and the fallback.
 * The wrapper is src/engine/native/limiter-kernel.ts.
 *
 *   limiterRun(chans, det, delay, st, pos, dqVal, dqIdx, avg, frames) -> boolean
 *
 *   chans   the process() call's channels (an array: a Float32Array of at least `frames` samples, or
 *           undefined for a channel not processed), limited in place;
 *   det     the detectors' peaks, channel c at [c * maxBlock, (c + 1) * maxBlock);
 *   delay   the delay lines, channel c at [c * size, (c + 1) * size), size a power of two;
 *   st      Float64Array: the running doubles, then the settings (LIM_ST_* below);
 *   pos     Int32Array: the ring positions, then the geometry and bypass (LIM_POS_* below);
 *   dqVal, dqIdx  the sliding-minimum deque (power-of-two rings of one length);
 *   avg     the moving average's ring (its length is the attack).
 *
 * The limiter's own arrays are checked to fit together (a TypeError when not: a bug, not input); a
 * channel that is neither undefined nor a long enough Float32Array, or `frames` past maxBlock, makes it
 * return false before anything is changed, and the TypeScript loop then runs (it has its own answer
 * for those). Otherwise it returns true with the block limited and the state advanced.
 */
#include <stdint.h>
#include "kernels.h"
#include "napi-args.h"

/** st: running doubles (limiter.ts COUNTER .. SLOW), then settings. */
enum { ST_COUNTER, ST_AVG_SUM, ST_RELEASE, ST_MIN_GAIN, ST_LAST_GAIN, ST_SLOW, ST_THRESHOLD, ST_FAST, ST_SLOW_ATTACK, ST_SLOW_RELEASE, LIM_ST_SIZE };
/** pos: ring positions, then the geometry and the bypass flag. */
enum { POS_DQ_HEAD, POS_DQ_TAIL, POS_AVG, POS_DELAY, POS_WINDOW, POS_LATENCY, POS_BYPASS, POS_CHANNELS, LIM_POS_SIZE };
/** Channels one call takes (the limiter is stereo or a file's channels). */
#define MAX_CH 64

static int pow2(size_t n) {
  return n > 0 && (n & (n - 1)) == 0;
}

static void run(float *const *bufs, const double *det, float *delay, double *st, int32_t *pos, double *dqVal, double *dqIdx, double *avg,
                int nch, int maxBlock, int size, int dqMask, int A, int frames) {
  const double thr = st[ST_THRESHOLD];
  const double win = pos[POS_WINDOW];
  const double fastC = st[ST_FAST], slowA = st[ST_SLOW_ATTACK], slowR = st[ST_SLOW_RELEASE];
  const int dMask = size - 1;
  const int lat = pos[POS_LATENCY];
  const int bypass = pos[POS_BYPASS] != 0;
  double counter = st[ST_COUNTER];
  double avgSum = st[ST_AVG_SUM];
  double release = st[ST_RELEASE];
  double slow = st[ST_SLOW];
  double g = st[ST_LAST_GAIN];
  double minGain = 1;
  int head = pos[POS_DQ_HEAD], tail = pos[POS_DQ_TAIL], avgPos = pos[POS_AVG], wpos = pos[POS_DELAY];
  for (int i = 0; i < frames; i++) {
    double pk = 0;
    for (int c = 0; c < nch; c++) {
      const double v = det[(size_t)c * maxBlock + i];
      if (v > pk) pk = v;
    }
    const double want = pk > thr ? thr / pk : 1;
    const double k = counter;
    counter = counter + 1;
    while (tail != head && dqVal[(tail - 1) & dqMask] >= want) tail = (tail - 1) & dqMask;
    dqVal[tail] = want;
    dqIdx[tail] = k;
    tail = (tail + 1) & dqMask;
    while (dqIdx[head] <= k - win) head = (head + 1) & dqMask;
    const double held = dqVal[head];
    slow = held < slow ? slow + (held - slow) * slowA : 1 - (1 - slow) * slowR;
    double r = release < slow ? slow - (slow - release) * fastC : slow;
    if (held < r) r = held;
    release = r;
    avgSum += r - avg[avgPos];
    avg[avgPos] = r;
    avgPos = avgPos + 1 == A ? 0 : avgPos + 1;
    if (avgPos == 0) {
      double s = 0;
      for (int j = 0; j < A; j++) s += avg[j];
      avgSum = s;
    }
    g = bypass ? 1 : avgSum / A;
    if (g > 1) g = 1;
    if (g < minGain) minGain = g;
    const int rpos = (wpos - lat) & dMask;
    for (int c = 0; c < nch; c++) {
      float *buf = bufs[c];
      if (!buf) continue;
      float *d = delay + (size_t)c * size;
      d[wpos] = buf[i];
      buf[i] = (float)((double)d[rpos] * g);
    }
    wpos = (wpos + 1) & dMask;
  }
  if (counter > 1e12) {
    for (int j = head; j != tail; j = (j + 1) & dqMask) dqIdx[j] -= counter;
    counter = 0;
  }
  pos[POS_DQ_HEAD] = head;
  pos[POS_DQ_TAIL] = tail;
  pos[POS_AVG] = avgPos;
  pos[POS_DELAY] = wpos;
  st[ST_COUNTER] = counter;
  st[ST_AVG_SUM] = avgSum;
  st[ST_RELEASE] = release;
  st[ST_SLOW] = slow;
  st[ST_LAST_GAIN] = g;
  st[ST_MIN_GAIN] = minGain;
}

static napi_value boolean(napi_env env, bool b) {
  napi_value v;
  if (napi_get_boolean(env, b, &v) != napi_ok) return NULL;
  return v;
}

static napi_value limiter_run(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 9) return fail(env, "limiterRun(chans, det, delay, st, pos, dqVal, dqIdx, avg, frames): 9 arguments");
  double *det, *st, *dqVal, *dqIdx, *avg;
  float *delay;
  int32_t *pos;
  size_t ndet, ndelay, nst, npos, ndq, ndq2, navg;
  if (!typed(env, argv[1], napi_float64_array, (void **)&det, &ndet)) return fail(env, "limiterRun: det must be a Float64Array");
  if (!typed(env, argv[2], napi_float32_array, (void **)&delay, &ndelay)) return fail(env, "limiterRun: delay must be a Float32Array");
  if (!typed(env, argv[3], napi_float64_array, (void **)&st, &nst) || nst < LIM_ST_SIZE) return fail(env, "limiterRun: st must be a Float64Array of the limiter's state");
  if (!typed(env, argv[4], napi_int32_array, (void **)&pos, &npos) || npos < LIM_POS_SIZE) return fail(env, "limiterRun: pos must be an Int32Array of the limiter's positions");
  if (!typed(env, argv[5], napi_float64_array, (void **)&dqVal, &ndq) || !typed(env, argv[6], napi_float64_array, (void **)&dqIdx, &ndq2) || ndq != ndq2 || !pow2(ndq) || ndq > (1u << 30))
    return fail(env, "limiterRun: dqVal and dqIdx must be Float64Arrays of one power-of-two length");
  if (!typed(env, argv[7], napi_float64_array, (void **)&avg, &navg) || navg == 0 || navg > (1u << 30)) return fail(env, "limiterRun: avg must be a non-empty Float64Array");
  const int nch = pos[POS_CHANNELS];
  if (nch < 1 || nch > MAX_CH || ndet % (size_t)nch != 0 || ndelay % (size_t)nch != 0) return fail(env, "limiterRun: pos's channel count does not fit det and delay");
  const size_t mb = ndet / (size_t)nch, size = ndelay / (size_t)nch;
  if (mb > (1u << 30) || !pow2(size) || size > (1u << 30)) return fail(env, "limiterRun: delay's lines must be a power of two long");
  const int dqMask = (int)ndq - 1, A = (int)navg;
  if (pos[POS_DQ_HEAD] < 0 || pos[POS_DQ_HEAD] > dqMask || pos[POS_DQ_TAIL] < 0 || pos[POS_DQ_TAIL] > dqMask || pos[POS_AVG] < 0 || pos[POS_AVG] >= A ||
      pos[POS_DELAY] < 0 || (size_t)pos[POS_DELAY] >= size || pos[POS_LATENCY] < 0 || (size_t)pos[POS_LATENCY] >= size || pos[POS_WINDOW] < 1 || pos[POS_WINDOW] > dqMask)
    return fail(env, "limiterRun: pos holds a position outside its ring");
  int frames;
  if (!whole(env, argv[8], 0, (double)mb, &frames)) return boolean(env, false);
  float *bufs[MAX_CH];
  for (int c = 0; c < nch; c++) {
    napi_value v;
    napi_valuetype t;
    size_t n;
    bufs[c] = NULL;
    if (napi_get_element(env, argv[0], (uint32_t)c, &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok) return NULL;
    if (t == napi_undefined) continue;
    if (!typed(env, v, napi_float32_array, (void **)&bufs[c], &n) || n < (size_t)frames) return boolean(env, false);
  }
  run(bufs, det, delay, st, pos, dqVal, dqIdx, avg, nch, (int)mb, (int)size, dqMask, A, frames);
  return boolean(env, true);
}

napi_status register_limiter(napi_env env, napi_value exports) {
  napi_value fn, v;
  napi_status s;
  if ((s = napi_create_function(env, "limiterRun", NAPI_AUTO_LENGTH, limiter_run, NULL, &fn)) != napi_ok) return s;
  if ((s = napi_set_named_property(env, exports, "limiterRun", fn)) != napi_ok) return s;
  if ((s = napi_create_int32(env, LIM_ST_SIZE, &v)) != napi_ok) return s;
  if ((s = napi_set_named_property(env, exports, "limiterStateSize", v)) != napi_ok) return s;
  if ((s = napi_create_int32(env, LIM_POS_SIZE, &v)) != napi_ok) return s;
  return napi_set_named_property(env, exports, "limiterPosSize", v);
}
