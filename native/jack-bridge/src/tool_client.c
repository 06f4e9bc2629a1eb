/*
 * Measuring clients, all in C so that nothing of faderd's own path is in them:
 *  - passthrough: each input port copied to its output port in the same cycle (the floor any JACK
 *    client has: what a minimal client adds to a loop);
 *  - click: every `interval` frames a single-sample click leaves out_1 at the first frame of a cycle;
 *    the first sample on in_1 above `threshold` after it ends the measurement; the round trip is the
 *    difference of the two positions on JACK's frame clock (jack_last_frame_time plus the offset in
 *    the buffer), so scheduling never blurs it;
 *  - ramp: out_1 carries a counter of JACK's frame clock, ((frame mod 2^20) + 1) / 2^21 (exact in
 *    float32); every sounding sample on in_1 says which frame it left at, so a path that passes
 *    samples unchanged shows its delay at every sample, and any block lost, repeated or reordered
 *    shows as a jump. Silence (0) is counted apart.
 * Any of them can be told to sleep through its next cycle: an xrun on demand, for tests.
 */
#include "clients.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RAMP_BITS 20
#define RAMP_MASK ((1u << RAMP_BITS) - 1u)
#define RAMP_SCALE ((float)(1u << (RAMP_BITS + 1)))

static void set64(int64_t *p, int64_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
static int64_t get64(const int64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static void inc64(int64_t *p) { __atomic_add_fetch(p, 1, __ATOMIC_RELAXED); }

static void click_in(tool_client_t *t, const float *in, jack_nframes_t n, jack_nframes_t ft) {
  if (!t->armed) return;
  for (jack_nframes_t i = 0; i < n; i++) {
    float x = in[i] < 0 ? -in[i] : in[i];
    if (x > t->threshold) {
      int64_t d = (int64_t)(uint32_t)(ft + i - t->sent_at);
      set64(&t->stats.delay_last, d);
      if (get64(&t->stats.heard) == 0 || d < get64(&t->stats.delay_min)) set64(&t->stats.delay_min, d);
      if (d > get64(&t->stats.delay_max)) set64(&t->stats.delay_max, d);
      inc64(&t->stats.heard);
      t->armed = 0;
      return;
    }
  }
  if ((uint32_t)(ft + n - t->sent_at) >= t->interval) {
    inc64(&t->stats.lost);
    t->armed = 0;
  }
}

static void click_out(tool_client_t *t, float *out, jack_nframes_t n, jack_nframes_t ft) {
  memset(out, 0, n * sizeof(float));
  if (t->armed) return;
  if (t->started && (int32_t)(ft - t->next_at) < 0) return;
  out[0] = t->level;
  t->sent_at = ft;
  t->next_at = ft + t->interval;
  t->armed = 1;
  t->started = 1;
  inc64(&t->stats.sent);
}

static void ramp_in(tool_client_t *t, const float *in, jack_nframes_t n, jack_nframes_t ft) {
  int64_t silent = 0;
  for (jack_nframes_t i = 0; i < n; i++) {
    if (in[i] == 0) {
      silent++;
      continue;
    }
    uint32_t sent = (uint32_t)(in[i] * RAMP_SCALE) - 1u;
    int64_t d = (int64_t)((ft + i - sent) & RAMP_MASK);
    if (t->ramp_prev >= 0 && d != t->ramp_prev) inc64(&t->stats.jumps);
    if (t->ramp_prev < 0 || d < get64(&t->stats.ramp_min)) set64(&t->stats.ramp_min, d);
    if (d > get64(&t->stats.ramp_max)) set64(&t->stats.ramp_max, d);
    t->ramp_prev = d;
  }
  __atomic_add_fetch(&t->stats.samples, (int64_t)n, __ATOMIC_RELAXED);
  __atomic_add_fetch(&t->stats.silent, silent, __ATOMIC_RELAXED);
}

static void ramp_out(float *out, jack_nframes_t n, jack_nframes_t ft) {
  for (jack_nframes_t i = 0; i < n; i++) out[i] = (float)(((ft + i) & RAMP_MASK) + 1u) / RAMP_SCALE;
}

static int process(jack_nframes_t n, void *arg) {
  tool_client_t *t = arg;
  jack_nframes_t ft = jack.last_frame_time(t->base.client);
  inc64(&t->stats.cycles);
  int32_t stall = __atomic_exchange_n(&t->stall_ms, 0, __ATOMIC_RELAXED);
  if (stall > 0) {
    struct timespec ts = {stall / 1000, (long)(stall % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  if (t->mode == TOOL_PASSTHROUGH) {
    for (int c = 0; c < t->n; c++) memcpy(jack.port_get_buffer(t->out_ports[c], n), jack.port_get_buffer(t->in_ports[c], n), n * sizeof(float));
    return 0;
  }
  /* Input first: a click sent this cycle cannot come back within it. */
  const float *in = jack.port_get_buffer(t->in_ports[0], n);
  float *out = jack.port_get_buffer(t->out_ports[0], n);
  if (t->mode == TOOL_CLICK) {
    click_in(t, in, n, ft);
    click_out(t, out, n, ft);
  } else {
    ramp_in(t, in, n, ft);
    ramp_out(out, n, ft);
  }
  for (int c = 1; c < t->n; c++) memcpy(jack.port_get_buffer(t->out_ports[c], n), out, n * sizeof(float));
  return 0;
}

static int on_xrun(void *arg) {
  tool_client_t *t = arg;
  inc64(&t->stats.xruns);
  return 0;
}

tool_client_t *tool_client_open(const char *name, int mode, int channels, jack_nframes_t interval, float level, float threshold, char *why, size_t why_len) {
  if (channels < 1 || channels > MAX_PORTS || mode < TOOL_PASSTHROUGH || mode > TOOL_RAMP) {
    snprintf(why, why_len, "bad channel count (%d) or mode (%d)", channels, mode);
    return NULL;
  }
  tool_client_t *t = calloc(1, sizeof *t);
  if (!t) {
    snprintf(why, why_len, "out of memory");
    return NULL;
  }
  t->base.kind = KIND_TOOL;
  t->mode = mode;
  t->n = channels;
  t->interval = interval;
  t->level = level;
  t->threshold = threshold;
  t->ramp_prev = -1;
  t->base.client = open_jack_client(name, why, why_len);
  if (!t->base.client) {
    free(t);
    return NULL;
  }
  char port[32];
  for (int c = 0; c < channels; c++) {
    snprintf(port, sizeof port, "in_%d", c + 1);
    t->in_ports[c] = jack.port_register(t->base.client, port, FADERD_JACK_AUDIO_TYPE, JackPortIsInput, 0);
    snprintf(port, sizeof port, "out_%d", c + 1);
    t->out_ports[c] = jack.port_register(t->base.client, port, FADERD_JACK_AUDIO_TYPE, JackPortIsOutput, 0);
    if (!t->in_ports[c] || !t->out_ports[c]) {
      snprintf(why, why_len, "JACK refused to register the ports: %s", jack_api_last_error());
      jack.client_close(t->base.client);
      free(t);
      return NULL;
    }
  }
  jack.set_process_callback(t->base.client, process, t);
  jack.set_xrun_callback(t->base.client, on_xrun, t);
  return t;
}

void tool_client_stats(tool_client_t *t, tool_stats_t *out) {
  const int64_t *src = (const int64_t *)&t->stats;
  int64_t *dst = (int64_t *)out;
  for (size_t i = 0; i < sizeof(tool_stats_t) / sizeof(int64_t); i++) dst[i] = get64(&src[i]);
}

void tool_client_stall(tool_client_t *t, int32_t ms) { __atomic_store_n(&t->stall_ms, ms, __ATOMIC_RELAXED); }

void tool_client_close(tool_client_t *t) {
  if (t->base.client) {
    if (t->base.active) jack.deactivate(t->base.client);
    jack.client_close(t->base.client);
    t->base.client = NULL;
  }
}
