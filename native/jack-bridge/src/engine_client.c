/*
 * faderd's JACK client. Each JACK cycle the process callback
 *   1. numbers the cycle from JACK's frame clock (a cycle JACK skipped still counts, so the numbering,
 *      and with it the latency, never slips after an xrun),
 *   2. queues the capture ports' block in the input ring, tagged with that number, and wakes the
 *      engine worker (uv_async_send: the worker's event loop runs the engine at once),
 *   3. plays the output block rendered from cycle `number - prime`: blocks older than that came too
 *      late and are discarded; if it is not there, silence goes out and the cycle counts as late.
 * With prime 0 the callback waits for this very cycle's block, up to 70 % of the period (a futex on
 * the output ring's head, which the worker wakes); with prime n ≥ 1 the worker has n periods and the
 * callback never waits. The callback never allocates or takes a lock.
 */
#include "clients.h"

#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Share of the period the callback may wait for the engine when nothing is queued ahead. */
#define WAIT_FRACTION 0.7

static long futex(int32_t *addr, int op, int32_t val, const struct timespec *timeout) {
  return syscall(SYS_futex, addr, op, val, timeout, NULL, 0);
}

static void add(int32_t *p, int32_t n) { __atomic_add_fetch(p, n, __ATOMIC_RELAXED); }

/* The output slot holding cycle `want`, discarding blocks older than it; -1 when it is not there. */
static int32_t take_output(engine_client_t *e, int32_t want) {
  for (;;) {
    int32_t s = ring_read_slot(&e->out);
    if (s < 0) return -1;
    int32_t seq = ring_cycle_of(&e->out, s);
    if ((int32_t)((uint32_t)seq - (uint32_t)want) < 0) {
      ring_commit_read(&e->out);
      continue;
    }
    return seq == want ? s : -1;
  }
}

/* Prime 0: waits for this cycle's block until WAIT_FRACTION of the period has gone. */
static int32_t wait_output(engine_client_t *e, int32_t want) {
  jack_nframes_t cf;
  jack_time_t cu, nu;
  float pu;
  jack_time_t now = jack.get_time();
  jack_time_t deadline;
  if (jack.get_cycle_times(e->base.client, &cf, &cu, &nu, &pu) == 0)
    deadline = cu + (jack_time_t)(pu * WAIT_FRACTION);
  else
    deadline = now + (jack_time_t)(1e6 * e->frames / 48000.0 * WAIT_FRACTION);
  add(&e->ctl[CTL_WAITS], 1);
  for (;;) {
    int32_t head = ring_load(&e->out.words[RING_HEAD]);
    int32_t s = take_output(e, want);
    if (s >= 0) return s;
    now = jack.get_time();
    if (now >= deadline) return -1;
    jack_time_t left = deadline - now;
    struct timespec ts = {(time_t)(left / 1000000), (long)(left % 1000000) * 1000};
    futex(&e->out.words[RING_HEAD], FUTEX_WAIT_PRIVATE, head, &ts);
  }
}

static int process(jack_nframes_t n, void *arg) {
  engine_client_t *e = arg;
  add(&e->ctl[CTL_CALLBACKS], 1);
  if (n != e->frames) {
    /* The period changed under the stream: play silence and let the worker reopen it. */
    for (int c = 0; c < e->n_out; c++) memset(jack.port_get_buffer(e->out_ports[c], n), 0, n * sizeof(float));
    ring_store(&e->ctl[CTL_PERIOD], (int32_t)n);
    uv_async_send(&e->async);
    return 0;
  }
  jack_nframes_t ft = jack.last_frame_time(e->base.client);
  if (e->has_last) {
    uint32_t steps = (uint32_t)(ft - e->last_ft) / n;
    if (steps == 0) steps = 1;
    if (steps > 1) add(&e->ctl[CTL_SKIPPED], (int32_t)(steps - 1));
    e->cycle = (int32_t)((uint32_t)e->cycle + steps);
  } else {
    e->has_last = 1;
    e->cycle = 0;
  }
  e->last_ft = ft;
  int32_t cycle = e->cycle;
  ring_store(&e->ctl[CTL_CYCLE], cycle);

  int32_t slot = ring_write_slot(&e->in);
  if (slot >= 0) {
    for (int c = 0; c < e->n_in; c++) memcpy(ring_channel(&e->in, slot, c), jack.port_get_buffer(e->in_ports[c], n), n * sizeof(float));
    ring_commit_write(&e->in, cycle);
  } else {
    add(&e->ctl[CTL_DROPPED], 1);
  }
  uv_async_send(&e->async);

  int32_t want = (int32_t)((uint32_t)cycle - (uint32_t)e->prime);
  int32_t s = take_output(e, want);
  if (s < 0 && e->prime == 0) s = wait_output(e, want);
  if (s >= 0) {
    for (int c = 0; c < e->n_out; c++) memcpy(jack.port_get_buffer(e->out_ports[c], n), ring_channel(&e->out, s, c), n * sizeof(float));
    ring_commit_read(&e->out);
    e->started = 1;
  } else {
    for (int c = 0; c < e->n_out; c++) memset(jack.port_get_buffer(e->out_ports[c], n), 0, n * sizeof(float));
    /* Before the engine's first block arrives, silence is the start-up, not a glitch. */
    if (e->started) add(&e->ctl[CTL_LATE], 1);
  }
  return 0;
}

static int on_xrun(void *arg) {
  engine_client_t *e = arg;
  add(&e->ctl[CTL_XRUNS], 1);
  return 0;
}

static int on_buffer_size(jack_nframes_t n, void *arg) {
  engine_client_t *e = arg;
  ring_store(&e->ctl[CTL_PERIOD], (int32_t)n);
  if (n != e->frames && !e->closing) uv_async_send(&e->async);
  return 0;
}

static void on_shutdown(jack_status_t code, const char *reason, void *arg) {
  engine_client_t *e = arg;
  snprintf(e->shutdown_reason, sizeof e->shutdown_reason, "%s", reason && *reason ? reason : "the JACK server went away");
  ring_store(&e->ctl[CTL_SHUTDOWN], 1);
  if (!e->closing) uv_async_send(&e->async);
}

/*
 * JACK's latency reporting: what arrives at our inputs leaves our outputs prime periods (plus the
 * engine's own delay) later, so other clients and tools (jack_lsp -l, jack_iodelay) see the truth.
 */
static void on_latency(jack_latency_callback_mode_t mode, void *arg) {
  engine_client_t *e = arg;
  jack_nframes_t own = (jack_nframes_t)e->prime * e->frames + (jack_nframes_t)ring_load(&e->ctl[CTL_ENGINE_LATENCY]);
  jack_latency_range_t r = {0, 0}, x;
  if (mode == JackCaptureLatency) {
    for (int c = 0; c < e->n_in; c++) {
      jack.port_get_latency_range(e->in_ports[c], JackCaptureLatency, &x);
      if (c == 0 || x.min < r.min) r.min = x.min;
      if (x.max > r.max) r.max = x.max;
    }
    r.min += own;
    r.max += own;
    for (int c = 0; c < e->n_out; c++) jack.port_set_latency_range(e->out_ports[c], JackCaptureLatency, &r);
  } else {
    for (int c = 0; c < e->n_out; c++) {
      jack.port_get_latency_range(e->out_ports[c], JackPlaybackLatency, &x);
      if (c == 0 || x.min < r.min) r.min = x.min;
      if (x.max > r.max) r.max = x.max;
    }
    r.min += own;
    r.max += own;
    for (int c = 0; c < e->n_in; c++) jack.port_set_latency_range(e->in_ports[c], JackPlaybackLatency, &r);
  }
}

jack_client_t *open_jack_client(const char *name, char *why, size_t why_len) {
  jack_status_t status = 0;
  jack_api_clear_error();
  jack_client_t *c = jack.client_open(name, JackNoStartServer, &status);
  if (c) return c;
  const char *detail = jack_api_last_error();
  if (status & JackServerFailed)
    snprintf(why, why_len, "no JACK server is running%s%s", getenv("JACK_DEFAULT_SERVER") ? " under the name " : "", getenv("JACK_DEFAULT_SERVER") ? getenv("JACK_DEFAULT_SERVER") : "");
  else if (status & JackVersionError)
    snprintf(why, why_len, "the JACK server speaks another protocol version than libjack.so.0");
  else if (status & JackShmFailure)
    snprintf(why, why_len, "cannot map JACK's shared memory (is the server run by another user?)");
  else
    snprintf(why, why_len, "cannot open a JACK client (status 0x%x)%s%s", (unsigned)status, *detail ? ": " : "", detail);
  return NULL;
}

engine_client_t *engine_client_open(const char *name, char *why, size_t why_len) {
  engine_client_t *e = calloc(1, sizeof *e);
  if (!e) {
    snprintf(why, why_len, "out of memory");
    return NULL;
  }
  e->base.kind = KIND_ENGINE;
  e->base.client = open_jack_client(name, why, why_len);
  if (!e->base.client) {
    free(e);
    return NULL;
  }
  e->frames = jack.get_buffer_size(e->base.client);
  return e;
}

int engine_client_setup(engine_client_t *e, int n_in, int n_out, int32_t prime, void *in_mem, size_t in_bytes, void *out_mem, size_t out_bytes, int32_t *ctl,
                        char *why, size_t why_len) {
  if (e->set_up || !e->base.client) {
    snprintf(why, why_len, "the client is already set up, or closed");
    return -1;
  }
  if (n_in < 0 || n_out < 1 || n_in > MAX_PORTS || n_out > MAX_PORTS || prime < 0) {
    snprintf(why, why_len, "bad port counts (%d in, %d out) or prime (%d)", n_in, n_out, prime);
    return -1;
  }
  if (ring_bind(&e->in, in_mem, in_bytes) || ring_bind(&e->out, out_mem, out_bytes)) {
    snprintf(why, why_len, "the block rings are malformed");
    return -1;
  }
  e->frames = jack.get_buffer_size(e->base.client);
  if (e->in.frames != (int32_t)e->frames || e->out.frames != (int32_t)e->frames || e->in.channels != n_in || e->out.channels != n_out || e->out.slots <= prime) {
    snprintf(why, why_len, "the block rings (%d/%d frames, %d/%d channels, %d slots) do not fit JACK's period of %u frames with %d in, %d out, prime %d",
             e->in.frames, e->out.frames, e->in.channels, e->out.channels, e->out.slots, e->frames, n_in, n_out, prime);
    return -1;
  }
  e->n_in = n_in;
  e->n_out = n_out;
  e->prime = prime;
  e->ctl = ctl;
  ring_store(&ctl[CTL_PERIOD], (int32_t)e->frames);
  ring_store(&ctl[CTL_PRIME], prime);
  char port[32];
  for (int c = 0; c < n_in; c++) {
    snprintf(port, sizeof port, "in_%d", c + 1);
    if (!(e->in_ports[c] = jack.port_register(e->base.client, port, FADERD_JACK_AUDIO_TYPE, JackPortIsInput, 0))) goto port_failed;
  }
  for (int c = 0; c < n_out; c++) {
    snprintf(port, sizeof port, "out_%d", c + 1);
    if (!(e->out_ports[c] = jack.port_register(e->base.client, port, FADERD_JACK_AUDIO_TYPE, JackPortIsOutput, 0))) goto port_failed;
  }
  jack.set_process_callback(e->base.client, process, e);
  jack.set_xrun_callback(e->base.client, on_xrun, e);
  jack.set_buffer_size_callback(e->base.client, on_buffer_size, e);
  jack.set_latency_callback(e->base.client, on_latency, e);
  jack.on_info_shutdown(e->base.client, on_shutdown, e);
  e->set_up = 1;
  return 0;

port_failed:
  snprintf(why, why_len, "JACK refused to register faderd's ports: %s", jack_api_last_error());
  return -1;
}

void engine_client_wake(engine_client_t *e) {
  if (e->set_up) futex(&e->out.words[RING_HEAD], FUTEX_WAKE_PRIVATE, 1, NULL);
}

void engine_client_stop(engine_client_t *e) {
  e->closing = 1;
  if (e->base.client) {
    /*
     * A server that has shut the client down (on_shutdown ran) takes no more requests, and libjack's
     * close then waits for the client's process thread, which may be parked for good on the dead
     * server's semaphore: the caller (the engine worker) would never return, and faderd would neither
     * fall back nor take JACK back. The client is left as it is instead: its threads and mappings are
     * a dead server's, and cost nothing while they wait.
     */
    if (!e->ctl || !ring_load(&e->ctl[CTL_SHUTDOWN])) {
      if (e->base.active) jack.deactivate(e->base.client);
      jack.client_close(e->base.client);
    }
    e->base.client = NULL;
    e->base.active = 0;
  }
}
