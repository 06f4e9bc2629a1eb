/*
 * The two kinds of JACK client the addon runs:
 *  - the engine client: faderd's own ports, exchanging one block per JACK cycle with the engine
 *    worker through two block rings (engine_client.c);
 *  - tool clients for measuring: a bare passthrough, a click prober and a ramp checker, each
 *    entirely in C (tool_client.c).
 */
#ifndef FADERD_CLIENTS_H
#define FADERD_CLIENTS_H

#include <node_api.h>
#include <uv.h>

#include "jack_api.h"
#include "ring.h"

#define MAX_PORTS 256

enum { KIND_ENGINE = 1, KIND_TOOL = 2 };

/* What every client starts with, so that activate/connect/close can take either kind. */
typedef struct {
  int kind;
  jack_client_t *client;
  int active;
} client_base_t;

/*
 * Control words shared with the engine worker (an Int32Array over a SharedArrayBuffer). The same
 * indexes are named in src/audio/jack/control.ts.
 */
enum {
  CTL_CYCLE = 0,       /* number of the JACK cycle the callback last started (skipped cycles count) */
  CTL_LATE = 1,        /* cycles whose output block was not there in time (silence went out) */
  CTL_DROPPED = 2,     /* input blocks the callback could not queue (the worker far behind) */
  CTL_XRUNS = 3,       /* xruns JACK reported */
  CTL_SHUTDOWN = 4,    /* 1 once the server has shut the client down */
  CTL_PERIOD = 5,      /* JACK's buffer size as last announced */
  CTL_PRIME = 6,       /* output blocks queued ahead (0: the callback waits for this cycle's block) */
  CTL_SKIPPED = 7,     /* cycles the frame clock jumped over (JACK-level xruns) */
  CTL_CALLBACKS = 8,   /* process callbacks run */
  CTL_ENGINE_LATENCY = 9, /* the engine's own delay in frames, for the latency JACK reports */
  CTL_WAITS = 10,      /* cycles the callback had to wait for the engine (prime 0) */
  CTL_COUNT = 16
};

typedef struct {
  client_base_t base;
  jack_port_t *in_ports[MAX_PORTS];
  jack_port_t *out_ports[MAX_PORTS];
  int n_in, n_out;
  ring_t in, out;
  int32_t *ctl;
  jack_nframes_t frames;
  int32_t prime;
  /* callback-thread state */
  jack_nframes_t last_ft;
  int has_last;
  int32_t cycle;
  int started;
  /* waking the worker */
  uv_async_t async;
  napi_env env;
  napi_ref on_wake;
  napi_ref keep[3];
  napi_async_context actx;
  napi_async_cleanup_hook_handle cleanup;
  int closing;
  int set_up;
  int owners;
  char shutdown_reason[256];
} engine_client_t;

/* Opens the client (ports come with setup); on failure returns NULL with `why` filled in. */
engine_client_t *engine_client_open(const char *name, char *why, size_t why_len);
/* Binds the rings and control words, registers the ports and callbacks; returns 0, or -1 with `why`. */
int engine_client_setup(engine_client_t *e, int n_in, int n_out, int32_t prime, void *in_mem, size_t in_bytes, void *out_mem, size_t out_bytes, int32_t *ctl,
                        char *why, size_t why_len);
/* Wakes the callback if it waits for an output block (prime 0). */
void engine_client_wake(engine_client_t *e);
/* Stops JACK's threads; after this no callback runs. Idempotent. */
void engine_client_stop(engine_client_t *e);

enum { TOOL_PASSTHROUGH = 0, TOOL_CLICK = 1, TOOL_RAMP = 2 };

/* Figures a tool client keeps (written by its process thread, read with atomic loads). */
typedef struct {
  int64_t cycles;
  int64_t xruns;
  int64_t sent;     /* clicks sent */
  int64_t heard;    /* clicks detected */
  int64_t lost;     /* clicks not back within the interval */
  int64_t delay_last, delay_min, delay_max; /* click round trips, frames */
  int64_t samples;  /* ramp: samples checked */
  int64_t silent;   /* ramp: samples that were silence */
  int64_t jumps;    /* ramp: changes of delay between consecutive sounding samples */
  int64_t ramp_min, ramp_max; /* ramp: delay, frames */
} tool_stats_t;

typedef struct {
  client_base_t base;
  int mode;
  int n;
  jack_port_t *in_ports[MAX_PORTS];
  jack_port_t *out_ports[MAX_PORTS];
  /* click state */
  jack_nframes_t interval;
  float level, threshold;
  int armed;
  jack_nframes_t sent_at, next_at;
  int started;
  /* ramp state */
  int64_t ramp_prev;
  /* set from JavaScript: the next cycle sleeps this long (a forced xrun) */
  int32_t stall_ms;
  tool_stats_t stats;
} tool_client_t;

tool_client_t *tool_client_open(const char *name, int mode, int channels, jack_nframes_t interval, float level, float threshold, char *why, size_t why_len);
void tool_client_stats(tool_client_t *t, tool_stats_t *out);
void tool_client_close(tool_client_t *t);
/* The client's next cycle sleeps `ms` milliseconds: an xrun on demand, for tests. */
void tool_client_stall(tool_client_t *t, int32_t ms);

/* Shared by both kinds: open a JACK client by name, wording the failure. */
jack_client_t *open_jack_client(const char *name, char *why, size_t why_len);

#endif
