/*
 * Choosing a kernel family's variant: "avx2" (built where the compiler can, run only on CPUs that
 * have it) or "portable" (SSE2 on x86-64, NEON on arm64, plain C elsewhere). Each family picks at
 * load and exposes an xIsa(name?) call for tests and the bench: both variants give the same bits.
 */
#ifndef FADERD_ISA_H
#define FADERD_ISA_H
#include <string.h>
#include "napi-args.h"

/** The variant `name` names, if this CPU runs it (`avx2` is NULL where it was not built); else NULL. */
static inline const void *isa_pick(const char *name, const void *portable, const void *avx2) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (avx2 && strcmp(name, "avx2") == 0) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? avx2 : NULL;
  }
#endif
  return strcmp(name, "portable") == 0 ? portable : NULL;
}

/**
 * A family's xIsa(name?) call: with a name, `set` selects that variant where this CPU runs it;
 * returns the name of the variant in use (`current`). A name that is not a string throws `usage`.
 */
static inline napi_value isa_call(napi_env env, napi_callback_info info, const char *usage, int (*set)(const char *), const char *(*current)(void)) {
  size_t argc = 1;
  napi_value argv[1], out;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc >= 1) {
    napi_valuetype t;
    if (napi_typeof(env, argv[0], &t) != napi_ok || t != napi_string) return fail(env, usage);
    char name[16];
    size_t n;
    if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, &n) != napi_ok) return NULL;
    set(name);
  }
  if (napi_create_string_utf8(env, current(), NAPI_AUTO_LENGTH, &out) != napi_ok) return NULL;
  return out;
}

#endif
