/* Loading libjack.so.0 at run time: see jack_api.h. */
#include "jack_api.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

jack_api_t jack;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *load_error = NULL;
static char load_error_buf[512];

/* libjack prints its errors to stderr by default; faderd words its own, so they are kept instead. */
static char last_error[512];
static pthread_mutex_t error_lock = PTHREAD_MUTEX_INITIALIZER;

static void keep_error(const char *msg) {
  pthread_mutex_lock(&error_lock);
  snprintf(last_error, sizeof last_error, "%s", msg);
  pthread_mutex_unlock(&error_lock);
}

static void drop_info(const char *msg) { (void)msg; }

const char *jack_api_last_error(void) { return last_error; }

void jack_api_clear_error(void) {
  pthread_mutex_lock(&error_lock);
  last_error[0] = 0;
  pthread_mutex_unlock(&error_lock);
}

#define SYM(field, name)                                                                   \
  do {                                                                                     \
    *(void **)(&jack.field) = dlsym(lib, name);                                            \
    if (!jack.field) {                                                                     \
      snprintf(load_error_buf, sizeof load_error_buf, "libjack.so.0 has no %s (too old)", name); \
      load_error = load_error_buf;                                                         \
      return;                                                                              \
    }                                                                                      \
  } while (0)

static void load(void) {
  void *lib = dlopen("libjack.so.0", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    snprintf(load_error_buf, sizeof load_error_buf, "libjack.so.0 cannot be loaded (%s): install JACK (Debian: apt-get install jackd2)", dlerror());
    load_error = load_error_buf;
    return;
  }
  SYM(client_open, "jack_client_open");
  SYM(client_close, "jack_client_close");
  SYM(get_client_name, "jack_get_client_name");
  SYM(set_process_callback, "jack_set_process_callback");
  SYM(set_xrun_callback, "jack_set_xrun_callback");
  SYM(set_buffer_size_callback, "jack_set_buffer_size_callback");
  SYM(set_latency_callback, "jack_set_latency_callback");
  SYM(on_info_shutdown, "jack_on_info_shutdown");
  SYM(activate, "jack_activate");
  SYM(deactivate, "jack_deactivate");
  SYM(get_sample_rate, "jack_get_sample_rate");
  SYM(get_buffer_size, "jack_get_buffer_size");
  SYM(port_register, "jack_port_register");
  SYM(port_get_buffer, "jack_port_get_buffer");
  SYM(port_name, "jack_port_name");
  SYM(port_by_name, "jack_port_by_name");
  SYM(port_get_latency_range, "jack_port_get_latency_range");
  SYM(port_set_latency_range, "jack_port_set_latency_range");
  SYM(connect, "jack_connect");
  SYM(get_ports, "jack_get_ports");
  SYM(free, "jack_free");
  SYM(last_frame_time, "jack_last_frame_time");
  SYM(get_cycle_times, "jack_get_cycle_times");
  SYM(get_time, "jack_get_time");
  SYM(set_error_function, "jack_set_error_function");
  SYM(set_info_function, "jack_set_info_function");
  SYM(get_version_string, "jack_get_version_string");
  SYM(is_realtime, "jack_is_realtime");
  jack.set_error_function(keep_error);
  jack.set_info_function(drop_info);
}

const char *jack_api_load(void) {
  pthread_once(&once, load);
  return load_error;
}
