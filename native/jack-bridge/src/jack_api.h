/*
 * The part of JACK's client API faderd uses, loaded from libjack.so.0 at run time (dlopen), so that
 * building the addon needs no JACK headers and a machine without JACK simply has no JACK backend.
 * The declarations follow <jack/jack.h> and <jack/types.h>; the ABI has been stable since JACK 0.120.
 */
#ifndef FADERD_JACK_API_H
#define FADERD_JACK_API_H

#include <stdint.h>

typedef uint32_t jack_nframes_t;
typedef uint64_t jack_time_t;
typedef struct _jack_client jack_client_t;
typedef struct _jack_port jack_port_t;
typedef int jack_options_t;
typedef int jack_status_t;
typedef int jack_latency_callback_mode_t;

typedef struct {
  jack_nframes_t min;
  jack_nframes_t max;
} jack_latency_range_t;

/* jack_options_t */
enum { JackNoStartServer = 0x01 };

/* jack_status_t bits */
enum {
  JackFailure = 0x01,
  JackNameNotUnique = 0x04,
  JackServerFailed = 0x10,
  JackServerError = 0x20,
  JackShmFailure = 0x200,
  JackVersionError = 0x400,
};

enum {
  JackPortIsInput = 0x1,
  JackPortIsOutput = 0x2,
  JackPortIsPhysical = 0x4,
  JackCaptureLatency = 0,
  JackPlaybackLatency = 1,
};

#define FADERD_JACK_AUDIO_TYPE "32 bit float mono audio"

typedef int (*JackProcessCallback)(jack_nframes_t nframes, void *arg);
typedef int (*JackXRunCallback)(void *arg);
typedef int (*JackBufferSizeCallback)(jack_nframes_t nframes, void *arg);
typedef void (*JackInfoShutdownCallback)(jack_status_t code, const char *reason, void *arg);
typedef void (*JackLatencyCallback)(jack_latency_callback_mode_t mode, void *arg);

/* One pointer per function; filled by jack_api_load(). */
typedef struct {
  jack_client_t *(*client_open)(const char *name, jack_options_t options, jack_status_t *status, ...);
  int (*client_close)(jack_client_t *client);
  char *(*get_client_name)(jack_client_t *client);
  int (*set_process_callback)(jack_client_t *client, JackProcessCallback cb, void *arg);
  int (*set_xrun_callback)(jack_client_t *client, JackXRunCallback cb, void *arg);
  int (*set_buffer_size_callback)(jack_client_t *client, JackBufferSizeCallback cb, void *arg);
  int (*set_latency_callback)(jack_client_t *client, JackLatencyCallback cb, void *arg);
  void (*on_info_shutdown)(jack_client_t *client, JackInfoShutdownCallback cb, void *arg);
  int (*activate)(jack_client_t *client);
  int (*deactivate)(jack_client_t *client);
  jack_nframes_t (*get_sample_rate)(jack_client_t *client);
  jack_nframes_t (*get_buffer_size)(jack_client_t *client);
  jack_port_t *(*port_register)(jack_client_t *client, const char *name, const char *type, unsigned long flags, unsigned long buffer_size);
  void *(*port_get_buffer)(jack_port_t *port, jack_nframes_t nframes);
  const char *(*port_name)(const jack_port_t *port);
  jack_port_t *(*port_by_name)(jack_client_t *client, const char *name);
  void (*port_get_latency_range)(jack_port_t *port, jack_latency_callback_mode_t mode, jack_latency_range_t *range);
  void (*port_set_latency_range)(jack_port_t *port, jack_latency_callback_mode_t mode, jack_latency_range_t *range);
  int (*connect)(jack_client_t *client, const char *src, const char *dst);
  const char **(*get_ports)(jack_client_t *client, const char *name_pattern, const char *type_pattern, unsigned long flags);
  void (*free)(void *ptr);
  jack_nframes_t (*last_frame_time)(const jack_client_t *client);
  int (*get_cycle_times)(const jack_client_t *client, jack_nframes_t *current_frames, jack_time_t *current_usecs, jack_time_t *next_usecs, float *period_usecs);
  jack_time_t (*get_time)(void);
  void (*set_error_function)(void (*fn)(const char *msg));
  void (*set_info_function)(void (*fn)(const char *msg));
  const char *(*get_version_string)(void);
  int (*is_realtime)(jack_client_t *client);
} jack_api_t;

extern jack_api_t jack;

/* Loads libjack once. Returns NULL when it is ready, else why not (a static string). */
const char *jack_api_load(void);

/* The last error libjack reported (its messages are kept here instead of printed). */
const char *jack_api_last_error(void);
void jack_api_clear_error(void);

#endif
