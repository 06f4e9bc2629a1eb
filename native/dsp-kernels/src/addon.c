/* The addon's entry: each kernel family adds its functions to the exports (kernels.h). */
#include "kernels.h"

NAPI_MODULE_INIT() {
  if (register_truepeak(env, exports) != napi_ok) return NULL;
  if (register_biquad(env, exports) != napi_ok) return NULL;
  if (register_mix(env, exports) != napi_ok) return NULL;
  if (register_comp(env, exports) != napi_ok) return NULL;
  if (register_gate(env, exports) != napi_ok) return NULL;
  if (register_pcm(env, exports) != napi_ok) return NULL;
  if (register_limiter(env, exports) != napi_ok) return NULL;
  return exports;
}
