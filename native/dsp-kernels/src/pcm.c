/*
 * WAV sample codec: little-endian 16/24/32-bit integer and 32-bit float PCM ↔ one float32 array per
 * channel. The reference is src/audio/file/pcm.ts (decodePcm, encodePcm): integers scale by
 * 2^-(bits-1) in doubles and narrow to float as a Float32Array store does; writing rounds as
 * Math.round does (V8: ceil, then one down where that overshot by more than a half) and clips to
 * [-full, full - 1], NaN to 0. The results are the reference's, bit for bit.
 *
 *   pcmDecode(bytes: Uint8Array, offset, format, nch, out: Float32Array[], at, frames)
 *   pcmEncode(chans: Float32Array[], format, nch, bytes: Uint8Array, frames)
 *
 * format: 16, 24, 32 (integer) or 0 (32-bit float). Frames are interleaved, nch × width bytes each.
 * Every span is checked first: a bad call throws a TypeError and touches nothing.
 */
#include <stdint.h>
#include <string.h>
#include "kernels.h"
#include "napi-args.h"

#define MAX_CHANNELS 64

static int width_of(int format) {
  return format == 16 ? 2 : format == 24 ? 3 : format == 32 || format == 0 ? 4 : 0;
}

/** The channel arrays of `list` (a JS array of Float32Array, `nch` of them, each ≥ need floats). */
static int channels(napi_env env, napi_value list, int nch, int64_t need, float **out) {
  bool is = false;
  uint32_t len = 0;
  if (napi_is_array(env, list, &is) != napi_ok || !is || napi_get_array_length(env, list, &len) != napi_ok || len < (uint32_t)nch) return 0;
  for (int c = 0; c < nch; c++) {
    napi_value v;
    size_t n;
    void *data;
    if (napi_get_element(env, list, (uint32_t)c, &v) != napi_ok || !typed(env, v, napi_float32_array, &data, &n) || (int64_t)n < need) return 0;
    out[c] = data;
  }
  return 1;
}

static void decode(const uint8_t *in, int format, int nch, float **out, int at, int frames) {
  const int stride = nch * width_of(format);
  for (int c = 0; c < nch; c++) {
    float *dst = out[c] + at;
    const uint8_t *p = in + c * width_of(format);
    switch (format) {
      case 16:
        for (int i = 0; i < frames; i++, p += stride) {
          int16_t v;
          memcpy(&v, p, 2);
          dst[i] = (float)((double)v * (1.0 / 32768.0));
        }
        break;
      case 24:
        for (int i = 0; i < frames; i++, p += stride) {
          int32_t v = (int32_t)(((uint32_t)p[2] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[0] << 8)) >> 8;
          dst[i] = (float)((double)v * (1.0 / 8388608.0));
        }
        break;
      case 32:
        for (int i = 0; i < frames; i++, p += stride) {
          int32_t v;
          memcpy(&v, p, 4);
          dst[i] = (float)((double)v * (1.0 / 2147483648.0));
        }
        break;
      default:
        for (int i = 0; i < frames; i++, p += stride) memcpy(&dst[i], p, 4);
    }
  }
}

/** pcm.ts quantize(): Math.round(x · full) clipped to [-full, full - 1], NaN → 0. */
static inline int32_t quantize(float x, double full) {
  const double y = (double)x * full;
  /* Out of range (or NaN) the clip decides whatever the rounding: Math.round(y) ≥ full - 1 for
   * y ≥ full, ≤ -full for y ≤ -full - 1. In range, ceil by truncation (exact below 2^63). */
  if (!(y < full)) return y == y ? (int32_t)(full - 1) : 0;
  if (!(y > -full - 1)) return (int32_t)(-full);
  /* Branch-free (the halves of random samples would mislead a branch predictor half the time). */
  const double t = (double)(int64_t)y;
  const double up = t < y ? 1.0 : 0.0;
  const double r0 = t + up;
  const double r = r0 - (r0 - 0.5 > y ? 1.0 : 0.0);
  if (r > full - 1) return (int32_t)(full - 1);
  if (r < -full) return (int32_t)(-full);
  return (int32_t)r;
}

static void encode(float **in, int format, int nch, uint8_t *out, int frames) {
  /* Frame by frame: the bytes are written in order. */
  uint8_t *p = out;
  switch (format) {
    case 16:
      for (int i = 0; i < frames; i++)
        for (int c = 0; c < nch; c++, p += 2) {
          int16_t v = (int16_t)quantize(in[c][i], 32768.0);
          memcpy(p, &v, 2);
        }
      break;
    case 24:
      for (int i = 0; i < frames; i++)
        for (int c = 0; c < nch; c++, p += 3) {
          uint32_t v = (uint32_t)quantize(in[c][i], 8388608.0);
          p[0] = (uint8_t)v;
          p[1] = (uint8_t)(v >> 8);
          p[2] = (uint8_t)(v >> 16);
        }
      break;
    case 32:
      for (int i = 0; i < frames; i++)
        for (int c = 0; c < nch; c++, p += 4) {
          int32_t v = quantize(in[c][i], 2147483648.0);
          memcpy(p, &v, 4);
        }
      break;
    default:
      for (int i = 0; i < frames; i++)
        for (int c = 0; c < nch; c++, p += 4) memcpy(p, &in[c][i], 4);
  }
}

static napi_value pcm_decode(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 7) return fail(env, "pcmDecode(bytes, offset, format, nch, out, at, frames)");
  void *bytes;
  size_t len;
  int offset, format, nch, at, frames;
  if (!typed(env, argv[0], napi_uint8_array, &bytes, &len)) return fail(env, "pcmDecode: bytes must be a Uint8Array");
  if (!whole(env, argv[1], 0, 2147483647.0, &offset) || !whole(env, argv[2], 0, 32, &format) || width_of(format) == 0) return fail(env, "pcmDecode: bad offset or format");
  if (!whole(env, argv[3], 1, MAX_CHANNELS, &nch) || !whole(env, argv[5], 0, 2147483647.0, &at) || !whole(env, argv[6], 0, 2147483647.0, &frames)) return fail(env, "pcmDecode: bad channel count, at or frames");
  if (!inside(offset, (int64_t)frames * nch * width_of(format), len)) return fail(env, "pcmDecode: the frames run past the bytes");
  float *out[MAX_CHANNELS];
  if (!channels(env, argv[4], nch, (int64_t)at + frames, out)) return fail(env, "pcmDecode: out must hold nch Float32Arrays of at + frames");
  decode((const uint8_t *)bytes + offset, format, nch, out, at, frames);
  return NULL;
}

static napi_value pcm_encode(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5) return fail(env, "pcmEncode(chans, format, nch, bytes, frames)");
  void *bytes;
  size_t len;
  int format, nch, frames;
  if (!whole(env, argv[1], 0, 32, &format) || width_of(format) == 0 || !whole(env, argv[2], 1, MAX_CHANNELS, &nch) || !whole(env, argv[4], 0, 2147483647.0, &frames)) return fail(env, "pcmEncode: bad format, channel count or frames");
  if (!typed(env, argv[3], napi_uint8_array, &bytes, &len) || !inside(0, (int64_t)frames * nch * width_of(format), len)) return fail(env, "pcmEncode: bytes must be a Uint8Array holding the frames");
  float *in[MAX_CHANNELS];
  if (!channels(env, argv[0], nch, frames, in)) return fail(env, "pcmEncode: chans must hold nch Float32Arrays of frames");
  encode(in, format, nch, bytes, frames);
  return NULL;
}

napi_status register_pcm(napi_env env, napi_value exports) {
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
  return napi_ok; /* the samples are copied as the host stores numbers: little-endian hosts only */
#endif
  napi_property_descriptor props[] = {
      {"pcmDecode", NULL, pcm_decode, NULL, NULL, NULL, napi_default, NULL},
      {"pcmEncode", NULL, pcm_encode, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
