/*
 * Argument checks shared by the kernels' N-API calls: every typed array is the type it must be, every
 * count a whole number in range, every span inside its array, and a bad call throws a TypeError
 * before anything is read or written.
 */
#ifndef FADERD_NAPI_ARGS_H
#define FADERD_NAPI_ARGS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <node_api.h>

/** Throws a TypeError with `msg`; returns NULL for the call to return. */
static inline napi_value fail(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

/** Whether `v` is a typed array of type `want`; its data and length (elements) into *data and *len. */
static inline int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  napi_typedarray_type t;
  if (napi_get_typedarray_info(env, v, &t, len, data, NULL, NULL) != napi_ok || t != want) return 0;
  return 1;
}

/** Whether `v` is a whole number in [lo, hi] (hi capped at INT32_MAX), into *out. */
static inline int whole(napi_env env, napi_value v, double lo, double hi, int *out) {
  double d;
  if (hi > 2147483647.0) hi = 2147483647.0;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= lo && d <= hi) || d != (double)(int)d) return 0;
  *out = (int)d;
  return 1;
}

/** Whether [at, at+n) lies inside [0, len). */
static inline int inside(int64_t at, int64_t n, size_t len) {
  return at >= 0 && at + n <= (int64_t)len;
}

#endif
