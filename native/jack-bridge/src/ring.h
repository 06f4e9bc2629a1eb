/*
 * The native end of the block ring (src/audio/jack/block-ring.ts holds the layout and its
 * description; this side reads the layout from the ring's header). Single producer, single consumer:
 * data is written before the counter that publishes it (release) and read after the counter that
 * announces it (acquire). No locks, no allocation, no system calls.
 */
#ifndef FADERD_RING_H
#define FADERD_RING_H

#include <stdint.h>
#include <string.h>

#define RING_HEAD 0
#define RING_TAIL 16
#define RING_LAYOUT 32
#define RING_SEQ 64

typedef struct {
  int32_t *words; /* the whole SharedArrayBuffer as int32 */
  float *data;
  int32_t slots, channels, frames, mask;
} ring_t;

/* Binds a ring to its memory; returns 0, or -1 when the header does not describe a ring that fits. */
static inline int ring_bind(ring_t *r, void *mem, size_t bytes) {
  int32_t *w = (int32_t *)mem;
  if (bytes < RING_SEQ * 4) return -1;
  r->words = w;
  r->slots = w[RING_LAYOUT];
  r->channels = w[RING_LAYOUT + 1];
  r->frames = w[RING_LAYOUT + 2];
  int32_t data = w[RING_LAYOUT + 3];
  if (r->slots < 2 || (r->slots & (r->slots - 1)) || r->channels < 0 || r->frames < 1 || data < RING_SEQ + r->slots) return -1;
  size_t need = ((size_t)data + (size_t)r->slots * (size_t)(r->channels > 0 ? r->channels : 1) * (size_t)r->frames) * 4;
  if (need > bytes) return -1;
  r->data = (float *)mem + data;
  r->mask = r->slots - 1;
  return 0;
}

static inline int32_t ring_load(const int32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void ring_store(int32_t *p, int32_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }

static inline int32_t ring_readable(const ring_t *r) {
  return (int32_t)((uint32_t)ring_load(&r->words[RING_HEAD]) - (uint32_t)ring_load(&r->words[RING_TAIL]));
}

static inline float *ring_channel(const ring_t *r, int32_t slot, int32_t c) {
  return r->data + ((size_t)slot * (size_t)r->channels + (size_t)c) * (size_t)r->frames;
}

/* Producer: the slot to fill next, or -1 when full. */
static inline int32_t ring_write_slot(const ring_t *r) {
  int32_t head = ring_load(&r->words[RING_HEAD]);
  if ((int32_t)((uint32_t)head - (uint32_t)ring_load(&r->words[RING_TAIL])) >= r->slots) return -1;
  return head & r->mask;
}

static inline void ring_commit_write(ring_t *r, int32_t cycle) {
  int32_t head = ring_load(&r->words[RING_HEAD]);
  r->words[RING_SEQ + (head & r->mask)] = cycle;
  ring_store(&r->words[RING_HEAD], (int32_t)((uint32_t)head + 1u));
}

/* Consumer: the slot to read next, or -1 when empty. */
static inline int32_t ring_read_slot(const ring_t *r) {
  int32_t tail = ring_load(&r->words[RING_TAIL]);
  if (tail == ring_load(&r->words[RING_HEAD])) return -1;
  return tail & r->mask;
}

static inline int32_t ring_cycle_of(const ring_t *r, int32_t slot) { return r->words[RING_SEQ + slot]; }

static inline void ring_commit_read(ring_t *r) {
  int32_t tail = ring_load(&r->words[RING_TAIL]);
  ring_store(&r->words[RING_TAIL], (int32_t)((uint32_t)tail + 1u));
}

#endif
