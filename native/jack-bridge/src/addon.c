/*
 * N-API surface of the JACK bridge (src/audio/jack/addon.ts is its typed wrapper):
 *   available()                       -> { ok, reason?, version? }
 *   openEngine({ name })              -> { handle, name, sampleRate, bufferSize, realtime }
 *   setup(h, { inputs, outputs, prime, inRing, outRing, ctl, onWake })  (rings sized to bufferSize)
 *   openTool({ name, mode, channels, interval, level, threshold })            -> { handle, name, sampleRate, bufferSize }
 *   activate(h), connect(h, src, dst), ports(h, pattern, flags), portLatency(h, port), close(h)
 *   wake(h), shutdownReason(h), toolStats(h), toolStall(h, ms), clock(out)
 * The rings and control words are Int32Arrays over SharedArrayBuffers that JavaScript made; the addon
 * holds references to them until the client is closed. onWake runs on the calling thread's event loop
 * (the engine worker's) after each JACK cycle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clients.h"

#define CHECK(call)                                  \
  do {                                               \
    if ((call) != napi_ok) return throw_last(env);   \
  } while (0)

static napi_value throw_last(napi_env env) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, NULL, info && info->error_message ? info->error_message : "N-API call failed");
  return NULL;
}

static napi_value throw_msg(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static napi_value make_string(napi_env env, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &v);
  return v;
}

static napi_value make_number(napi_env env, double x) {
  napi_value v;
  napi_create_double(env, x, &v);
  return v;
}

static int get_prop(napi_env env, napi_value obj, const char *key, napi_value *out) {
  bool has = false;
  if (napi_has_named_property(env, obj, key, &has) != napi_ok || !has) return 0;
  return napi_get_named_property(env, obj, key, out) == napi_ok;
}

static int get_int(napi_env env, napi_value obj, const char *key, int32_t fallback, int32_t *out) {
  napi_value v;
  *out = fallback;
  if (!get_prop(env, obj, key, &v)) return 1;
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int get_double(napi_env env, napi_value obj, const char *key, double fallback, double *out) {
  napi_value v;
  *out = fallback;
  if (!get_prop(env, obj, key, &v)) return 1;
  return napi_get_value_double(env, v, out) == napi_ok;
}

static int get_str(napi_env env, napi_value obj, const char *key, char *buf, size_t len, const char *fallback) {
  napi_value v;
  snprintf(buf, len, "%s", fallback);
  if (!get_prop(env, obj, key, &v)) return 1;
  size_t n;
  return napi_get_value_string_utf8(env, v, buf, len, &n) == napi_ok;
}

/* An Int32Array property: its memory, its size in bytes, and the typed array itself. */
static int get_int32_array(napi_env env, napi_value obj, const char *key, void **data, size_t *bytes, napi_value *arr) {
  napi_typedarray_type type;
  size_t length, offset;
  napi_value ab;
  if (!get_prop(env, obj, key, arr)) return 0;
  bool is = false;
  if (napi_is_typedarray(env, *arr, &is) != napi_ok || !is) return 0;
  if (napi_get_typedarray_info(env, *arr, &type, &length, data, &ab, &offset) != napi_ok || type != napi_int32_array || !*data) return 0;
  *bytes = length * 4;
  return 1;
}

static client_base_t *handle_of(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) return NULL;
  return p;
}

static napi_value args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  for (size_t i = argc; i < want; i++) napi_get_undefined(env, &argv[i]);
  return argv[0];
}

/* ---- available ---- */

static napi_value available(napi_env env, napi_callback_info info) {
  napi_value out;
  napi_create_object(env, &out);
  const char *why = jack_api_load();
  napi_value ok;
  napi_get_boolean(env, why == NULL, &ok);
  napi_set_named_property(env, out, "ok", ok);
  if (why) napi_set_named_property(env, out, "reason", make_string(env, why));
  else napi_set_named_property(env, out, "version", make_string(env, jack.get_version_string()));
  return out;
}

/* ---- the engine client's wake-ups, on the worker's event loop ---- */

/*
 * An engine client has two owners on the worker's thread: its JavaScript handle (an external, released
 * by its finalizer) and its wake-up handle (released when libuv has closed it). Closing stops JACK
 * first, so no callback can touch the handle after uv_close.
 */
static void release(engine_client_t *e) {
  if (--e->owners == 0) free(e);
}

static void on_closed(uv_handle_t *h) { release(h->data); }

static void forget_js(engine_client_t *e) {
  if (e->on_wake) napi_delete_reference(e->env, e->on_wake);
  for (int i = 0; i < 3; i++)
    if (e->keep[i]) napi_delete_reference(e->env, e->keep[i]);
  if (e->actx) napi_async_destroy(e->env, e->actx);
  e->on_wake = NULL;
  e->keep[0] = e->keep[1] = e->keep[2] = NULL;
  e->actx = NULL;
}

static void engine_close(engine_client_t *e) {
  if (e->closing) return;
  engine_client_stop(e);
  forget_js(e);
  if (e->cleanup) napi_remove_async_cleanup_hook(e->cleanup);
  e->cleanup = NULL;
  if (e->async.data) uv_close((uv_handle_t *)&e->async, on_closed);
}

static void on_async(uv_async_t *a) {
  engine_client_t *e = a->data;
  if (e->closing) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(e->env, &scope) != napi_ok) return;
  napi_value cb, recv, result;
  if (napi_get_reference_value(e->env, e->on_wake, &cb) == napi_ok && cb) {
    napi_get_global(e->env, &recv);
    if (napi_make_callback(e->env, e->actx, recv, cb, 0, NULL, &result) == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(e->env, &err);
      napi_fatal_exception(e->env, err);
    }
  }
  napi_close_handle_scope(e->env, scope);
}

static void on_closed_teardown(uv_handle_t *h) {
  engine_client_t *e = h->data;
  napi_remove_async_cleanup_hook(e->cleanup);
  e->cleanup = NULL;
  release(e);
}

/* The thread's environment is going away with the client still open: stop JACK, then the handle. */
static void teardown(napi_async_cleanup_hook_handle handle, void *arg) {
  engine_client_t *e = arg;
  if (e->closing) return;
  engine_client_stop(e);
  uv_close((uv_handle_t *)&e->async, on_closed_teardown);
}

static void engine_finalize(napi_env env, void *data, void *hint) {
  engine_client_t *e = data;
  engine_close(e);
  release(e);
}

static void tool_finalize(napi_env env, void *data, void *hint) {
  tool_client_close(data);
  free(data);
}

static napi_value client_info(napi_env env, client_base_t *base, napi_value handle) {
  napi_value out;
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "handle", handle);
  napi_set_named_property(env, out, "name", make_string(env, jack.get_client_name(base->client)));
  napi_set_named_property(env, out, "sampleRate", make_number(env, jack.get_sample_rate(base->client)));
  napi_set_named_property(env, out, "bufferSize", make_number(env, jack.get_buffer_size(base->client)));
  napi_value rt;
  napi_get_boolean(env, jack.is_realtime(base->client) == 1, &rt);
  napi_set_named_property(env, out, "realtime", rt);
  return out;
}

static napi_value open_engine(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  napi_value opts = args(env, info, 1, argv);
  const char *why = jack_api_load();
  if (why) return throw_msg(env, why);
  char name[64];
  if (!opts || !get_str(env, opts, "name", name, sizeof name, "faderd")) return throw_msg(env, "openEngine({ name }): bad options");
  char err[512];
  engine_client_t *e = engine_client_open(name, err, sizeof err);
  if (!e) return throw_msg(env, err);
  e->env = env;
  e->owners = 1;
  napi_value handle;
  if (napi_create_external(env, e, engine_finalize, NULL, &handle) != napi_ok) {
    engine_client_stop(e);
    free(e);
    return throw_last(env);
  }
  return client_info(env, &e->base, handle);
}

static napi_value setup_engine(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  args(env, info, 2, argv);
  client_base_t *b = handle_of(env, argv[0]);
  napi_value opts = argv[1];
  if (!b || b->kind != KIND_ENGINE) return throw_msg(env, "setup: not an engine client");
  engine_client_t *e = (engine_client_t *)b;
  int32_t n_in, n_out, prime;
  void *in_mem, *out_mem, *ctl_mem;
  size_t in_bytes, out_bytes, ctl_bytes;
  napi_value in_arr, out_arr, ctl_arr, on_wake;
  napi_valuetype t;
  if (!get_int(env, opts, "inputs", 0, &n_in) || !get_int(env, opts, "outputs", 2, &n_out) || !get_int(env, opts, "prime", 1, &prime) ||
      !get_int32_array(env, opts, "inRing", &in_mem, &in_bytes, &in_arr) || !get_int32_array(env, opts, "outRing", &out_mem, &out_bytes, &out_arr) ||
      !get_int32_array(env, opts, "ctl", &ctl_mem, &ctl_bytes, &ctl_arr) || ctl_bytes < CTL_COUNT * 4 || !get_prop(env, opts, "onWake", &on_wake) ||
      napi_typeof(env, on_wake, &t) != napi_ok || t != napi_function)
    return throw_msg(env, "setup(handle, { inputs, outputs, prime, inRing, outRing, ctl, onWake }): bad options");
  if (e->closing) return throw_msg(env, "setup: the client is closed");
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_async_init(loop, &e->async, on_async) != 0)
    return throw_msg(env, "cannot set up the wake-up handle on this thread's event loop");
  e->async.data = e;
  e->owners++;
  char err[512];
  if (engine_client_setup(e, n_in, n_out, prime, in_mem, in_bytes, out_mem, out_bytes, ctl_mem, err, sizeof err) != 0) {
    engine_close(e);
    return throw_msg(env, err);
  }
  napi_value resource;
  napi_create_object(env, &resource);
  napi_create_reference(env, on_wake, 1, &e->on_wake);
  napi_create_reference(env, in_arr, 1, &e->keep[0]);
  napi_create_reference(env, out_arr, 1, &e->keep[1]);
  napi_create_reference(env, ctl_arr, 1, &e->keep[2]);
  napi_async_init(env, resource, make_string(env, "faderd.jack"), &e->actx);
  napi_add_async_cleanup_hook(env, teardown, e, &e->cleanup);
  return NULL;
}

static napi_value open_tool(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  napi_value opts = args(env, info, 1, argv);
  const char *why = jack_api_load();
  if (why) return throw_msg(env, why);
  char name[64];
  int32_t mode, channels, interval;
  double level, threshold;
  if (!opts || !get_str(env, opts, "name", name, sizeof name, "faderd-probe") || !get_int(env, opts, "mode", 0, &mode) || !get_int(env, opts, "channels", 1, &channels) ||
      !get_int(env, opts, "interval", 4800, &interval) || !get_double(env, opts, "level", 0.5, &level) || !get_double(env, opts, "threshold", 0.1, &threshold) || interval < 1)
    return throw_msg(env, "openTool({ name, mode, channels, interval, level, threshold }): bad options");
  char err[512];
  tool_client_t *t = tool_client_open(name, mode, channels, (jack_nframes_t)interval, (float)level, (float)threshold, err, sizeof err);
  if (!t) return throw_msg(env, err);
  napi_value handle;
  if (napi_create_external(env, t, tool_finalize, NULL, &handle) != napi_ok) {
    tool_finalize(env, t, NULL);
    return throw_last(env);
  }
  return client_info(env, &t->base, handle);
}

/* ---- either kind ---- */

static napi_value activate(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  client_base_t *b = handle_of(env, args(env, info, 1, argv));
  if (!b || !b->client) return throw_msg(env, "activate: not an open JACK client");
  jack_api_clear_error();
  if (jack.activate(b->client) != 0) {
    char msg[600];
    snprintf(msg, sizeof msg, "JACK would not activate the client: %s", *jack_api_last_error() ? jack_api_last_error() : "no reason given");
    return throw_msg(env, msg);
  }
  b->active = 1;
  return NULL;
}

static napi_value connect_ports(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  args(env, info, 3, argv);
  client_base_t *b = handle_of(env, argv[0]);
  char src[320], dst[320];
  size_t n;
  if (!b || !b->client || napi_get_value_string_utf8(env, argv[1], src, sizeof src, &n) != napi_ok || napi_get_value_string_utf8(env, argv[2], dst, sizeof dst, &n) != napi_ok)
    return throw_msg(env, "connect(handle, source, destination): bad arguments");
  jack_api_clear_error();
  int r = jack.connect(b->client, src, dst);
  /* EEXIST: already connected, which is what was asked. */
  if (r != 0 && r != 17) {
    char msg[800];
    snprintf(msg, sizeof msg, "cannot connect %s to %s%s%s", src, dst, *jack_api_last_error() ? ": " : "", jack_api_last_error());
    return throw_msg(env, msg);
  }
  return NULL;
}

static napi_value list_ports(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  args(env, info, 3, argv);
  client_base_t *b = handle_of(env, argv[0]);
  char pattern[320];
  size_t n;
  int32_t flags = 0;
  if (!b || !b->client) return throw_msg(env, "ports: not an open JACK client");
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t == napi_string) napi_get_value_string_utf8(env, argv[1], pattern, sizeof pattern, &n);
  else pattern[0] = 0;
  napi_typeof(env, argv[2], &t);
  if (t == napi_number) napi_get_value_int32(env, argv[2], &flags);
  const char **ports = jack.get_ports(b->client, pattern[0] ? pattern : NULL, FADERD_JACK_AUDIO_TYPE, (unsigned long)flags);
  napi_value out;
  napi_create_array(env, &out);
  if (ports) {
    for (uint32_t i = 0; ports[i]; i++) napi_set_element(env, out, i, make_string(env, ports[i]));
    jack.free(ports);
  }
  return out;
}

static napi_value port_latency(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  args(env, info, 2, argv);
  client_base_t *b = handle_of(env, argv[0]);
  char name[320];
  size_t n;
  if (!b || !b->client || napi_get_value_string_utf8(env, argv[1], name, sizeof name, &n) != napi_ok) return throw_msg(env, "portLatency(handle, port): bad arguments");
  jack_port_t *p = jack.port_by_name(b->client, name);
  if (!p) return NULL;
  jack_latency_range_t cap, play;
  jack.port_get_latency_range(p, JackCaptureLatency, &cap);
  jack.port_get_latency_range(p, JackPlaybackLatency, &play);
  napi_value out, c, pl;
  napi_create_object(env, &out);
  napi_create_array_with_length(env, 2, &c);
  napi_create_array_with_length(env, 2, &pl);
  napi_set_element(env, c, 0, make_number(env, cap.min));
  napi_set_element(env, c, 1, make_number(env, cap.max));
  napi_set_element(env, pl, 0, make_number(env, play.min));
  napi_set_element(env, pl, 1, make_number(env, play.max));
  napi_set_named_property(env, out, "capture", c);
  napi_set_named_property(env, out, "playback", pl);
  return out;
}

static napi_value close_client(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  client_base_t *b = handle_of(env, args(env, info, 1, argv));
  if (!b) return throw_msg(env, "close: not a JACK client handle");
  /* The struct lives on until its handle is collected, so a second close is harmless. */
  if (b->kind == KIND_ENGINE) engine_close((engine_client_t *)b);
  else tool_client_close((tool_client_t *)b);
  return NULL;
}

/* ---- engine client only ---- */

static engine_client_t *engine_of(napi_env env, napi_value v) {
  client_base_t *b = handle_of(env, v);
  if (!b || b->kind != KIND_ENGINE) return NULL;
  engine_client_t *e = (engine_client_t *)b;
  return e->closing ? NULL : e;
}

static napi_value wake(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  engine_client_t *e = engine_of(env, args(env, info, 1, argv));
  if (e) engine_client_wake(e);
  return NULL;
}

static napi_value shutdown_reason(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  client_base_t *b = handle_of(env, args(env, info, 1, argv));
  if (!b || b->kind != KIND_ENGINE) return throw_msg(env, "shutdownReason: not an engine client");
  return make_string(env, ((engine_client_t *)b)->shutdown_reason);
}

/* ---- tool client only ---- */

static napi_value tool_stats(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  client_base_t *b = handle_of(env, args(env, info, 1, argv));
  if (!b || b->kind != KIND_TOOL) return throw_msg(env, "toolStats: not a tool client");
  tool_stats_t s;
  tool_client_stats((tool_client_t *)b, &s);
  napi_value out;
  napi_create_object(env, &out);
#define FIELD(js, f) napi_set_named_property(env, out, js, make_number(env, (double)s.f))
  FIELD("cycles", cycles);
  FIELD("xruns", xruns);
  FIELD("sent", sent);
  FIELD("heard", heard);
  FIELD("lost", lost);
  FIELD("delayLast", delay_last);
  FIELD("delayMin", delay_min);
  FIELD("delayMax", delay_max);
  FIELD("samples", samples);
  FIELD("silent", silent);
  FIELD("jumps", jumps);
  FIELD("rampMin", ramp_min);
  FIELD("rampMax", ramp_max);
#undef FIELD
  return out;
}

static napi_value tool_stall(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  args(env, info, 2, argv);
  client_base_t *b = handle_of(env, argv[0]);
  int32_t ms;
  if (!b || b->kind != KIND_TOOL || napi_get_value_int32(env, argv[1], &ms) != napi_ok || ms < 0 || ms > 10000) return throw_msg(env, "toolStall(handle, ms 0..10000): bad arguments");
  tool_client_stall((tool_client_t *)b, ms);
  return NULL;
}

/*
 * clock(out, i): writes CLOCK_MONOTONIC in milliseconds into out[i] (a Float64Array). Timing a block
 * with performance.now() allocates (Node 20 builds it from an hrtime array, and its double comes back
 * boxed); this writes into memory the caller owns and returns nothing, so it allocates nothing.
 */
static napi_value clock_ms(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  args(env, info, 2, argv);
  napi_typedarray_type type;
  size_t length;
  void *data;
  uint32_t i = 0;
  napi_valuetype t;
  if (napi_typeof(env, argv[1], &t) == napi_ok && t == napi_number) napi_get_value_uint32(env, argv[1], &i);
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_float64_array || i >= length)
    return throw_msg(env, "clock(out, index): out must be a Float64Array with a slot at index");
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ((double *)data)[i] = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"available", NULL, available, NULL, NULL, NULL, napi_default, NULL},
      {"openEngine", NULL, open_engine, NULL, NULL, NULL, napi_default, NULL},
      {"setup", NULL, setup_engine, NULL, NULL, NULL, napi_default, NULL},
      {"openTool", NULL, open_tool, NULL, NULL, NULL, napi_default, NULL},
      {"activate", NULL, activate, NULL, NULL, NULL, napi_default, NULL},
      {"connect", NULL, connect_ports, NULL, NULL, NULL, napi_default, NULL},
      {"ports", NULL, list_ports, NULL, NULL, NULL, napi_default, NULL},
      {"portLatency", NULL, port_latency, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_client, NULL, NULL, NULL, napi_default, NULL},
      {"wake", NULL, wake, NULL, NULL, NULL, napi_default, NULL},
      {"shutdownReason", NULL, shutdown_reason, NULL, NULL, NULL, napi_default, NULL},
      {"toolStats", NULL, tool_stats, NULL, NULL, NULL, napi_default, NULL},
      {"toolStall", NULL, tool_stall, NULL, NULL, NULL, napi_default, NULL},
      {"clock", NULL, clock_ms, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
