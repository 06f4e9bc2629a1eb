#include "kernels.h"

napi_status register_truepeak(napi_env env, napi_value exports) { return napi_ok; }
