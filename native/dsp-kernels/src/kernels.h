/*
 * The dsp-kernels addon: fast versions of faderd's hot DSP loops. Each family registers its
 * functions on the addon's exports; the TypeScript kernel it mirrors stays the reference, and
 * tests compare the two result by result (see src/engine/native/).
 *
 * Every kernel keeps the reference's arithmetic in the reference's order (doubles, no fused
 * multiply-add: built with -ffp-contract=off), so the fast and the reference paths agree exactly
 * and a session sounds the same with or without the addon.
 */
#ifndef FADERD_DSP_KERNELS_H
#define FADERD_DSP_KERNELS_H
#include <node_api.h>

napi_status register_truepeak(napi_env env, napi_value exports);
napi_status register_biquad(napi_env env, napi_value exports);
napi_status register_mix(napi_env env, napi_value exports);
napi_status register_comp(napi_env env, napi_value exports);
napi_status register_gate(napi_env env, napi_value exports);
napi_status register_pcm(napi_env env, napi_value exports);
napi_status register_limiter(napi_env env, napi_value exports);

#endif
