/*
 * What keeps `faderd run` one well-behaved process (src/daemon/proc-guard.ts is its typed wrapper):
 *
 *   filterStdio(rules) -> true     fds 1 and 2 become pipes; a thread per pipe copies each line to
 *                                  the original stdout/stderr unless it matches a rule
 *                                  ({ prefix, contains? }): native libraries' stray printf()s
 *                                  (naudiodon, ALSA, JACK) that Node cannot intercept.
 *   restoreStdio()                 puts the original fds back, lets the threads copy what is left in
 *                                  the pipes, and joins them (called on exit, so no line is lost).
 *   watchdog(ms, code, message)    a thread that, ms later, writes message to the original stderr and
 *                                  ends the process with _exit(code), whatever the JS main thread is
 *                                  doing: the bound on how long a stop can take. Called again, it
 *                                  keeps the first deadline and takes the new code and message.
 *   lockFile(path) -> fd | -errno  opens (creating) path and takes an exclusive flock on it without
 *                                  waiting: one daemon per state dir. The kernel drops the lock when
 *                                  the process ends however it ends, so a crash leaves no stale lock.
 *   exitNow(code)                  restoreStdio(), then _exit(code): ends a process whose audio device
 *                                  holds a thread Node would wait for at exit.
 *
 * Bounded memory: a line longer than LINE_MAX bytes is passed on in pieces.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/file.h>
#include <node_api.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 65536
#define MAX_RULES 64
#define RULE_BYTES 128

typedef struct {
  char prefix[RULE_BYTES];
  char contains[RULE_BYTES];
} rule_t;

typedef struct {
  int fd;          /* the fd replaced (1 or 2) */
  int original;    /* a dup of what it was */
  int read_end;
  bool drop_blank; /* native libraries pad stderr with empty lines; faderd writes none there */
  pthread_t thread;
  bool running;
} pump_t;

static rule_t rules[MAX_RULES];
static int rule_count = 0;
static pump_t pumps[2];
static bool installed = false;
static int original_stderr = -1;
/* Set by restoreStdio: a pump copies what is in its pipe now, then ends (children that inherited fd 1
   or 2, such as esbuild's service, may hold the pipe open for good, so end of file may never come). */
static atomic_bool draining = false;

static bool is_noise(const char *line, size_t len) {
  for (int i = 0; i < rule_count; i++) {
    size_t pl = strlen(rules[i].prefix);
    if (len < pl || memcmp(line, rules[i].prefix, pl) != 0) continue;
    if (rules[i].contains[0] == '\0') return true;
    size_t cl = strlen(rules[i].contains);
    for (size_t j = pl; j + cl <= len; j++)
      if (memcmp(line + j, rules[i].contains, cl) == 0) return true;
  }
  return false;
}

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return; /* the reader went away: nothing to do but drop the line */
    p += w;
    n -= (size_t)w;
  }
}

static void emit(pump_t *p, const char *line, size_t len, bool newline) {
  size_t body = len;
  if (body > 0 && line[body - 1] == '\r') body--;
  if (is_noise(line, body)) return;
  if (p->drop_blank) {
    bool blank = true;
    for (size_t i = 0; i < body && blank; i++) blank = line[i] == ' ' || line[i] == '\t';
    if (blank) return;
  }
  write_all(p->original, line, len);
  if (newline) write_all(p->original, "\n", 1);
}

static void *pump_main(void *arg) {
  pump_t *p = arg;
  char *buf = malloc(LINE_MAX_BYTES);
  size_t have = 0;
  if (!buf) return NULL;
  for (;;) {
    struct pollfd pfd = {p->read_end, POLLIN, 0};
    int ready = poll(&pfd, 1, 50);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      if (atomic_load(&draining)) break;
      continue;
    }
    ssize_t r = read(p->read_end, buf + have, LINE_MAX_BYTES - have);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    have += (size_t)r;
    size_t start = 0;
    for (size_t i = 0; i < have; i++) {
      if (buf[i] != '\n') continue;
      emit(p, buf + start, i - start, true);
      start = i + 1;
    }
    if (start == 0 && have == LINE_MAX_BYTES) {
      emit(p, buf, have, false);
      have = 0;
    } else if (start > 0) {
      memmove(buf, buf + start, have - start);
      have -= start;
    }
  }
  if (have > 0) emit(p, buf, have, false);
  free(buf);
  close(p->read_end);
  return NULL;
}

static napi_value undefined_value(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static napi_value throw_msg(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static bool get_string_prop(napi_env env, napi_value obj, const char *key, char *out, size_t cap) {
  bool has = false;
  out[0] = '\0';
  if (napi_has_named_property(env, obj, key, &has) != napi_ok || !has) return true;
  napi_value v;
  size_t len = 0;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok) return false;
  return napi_get_value_string_utf8(env, v, out, cap, &len) == napi_ok;
}

static napi_value filter_stdio(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (installed) return undefined_value(env);
  uint32_t n = 0;
  bool is_array = false;
  if (argc < 1 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array) return throw_msg(env, "filterStdio(rules): rules must be an array");
  napi_get_array_length(env, argv[0], &n);
  if (n > MAX_RULES) return throw_msg(env, "filterStdio: too many rules");
  for (uint32_t i = 0; i < n; i++) {
    napi_value r;
    napi_get_element(env, argv[0], i, &r);
    if (!get_string_prop(env, r, "prefix", rules[i].prefix, RULE_BYTES) || !get_string_prop(env, r, "contains", rules[i].contains, RULE_BYTES))
      return throw_msg(env, "filterStdio: a rule is { prefix: string, contains?: string }");
  }
  rule_count = (int)n;
  for (int k = 0; k < 2; k++) {
    pump_t *p = &pumps[k];
    int fds[2];
    p->fd = k + 1;
    p->drop_blank = k == 1;
    p->original = fcntl(p->fd, F_DUPFD_CLOEXEC, 3);
    if (p->original < 0 || pipe2(fds, O_CLOEXEC) != 0) return throw_msg(env, "filterStdio: cannot make a pipe");
    p->read_end = fds[0];
    if (dup2(fds[1], p->fd) < 0) return throw_msg(env, "filterStdio: dup2 failed");
    close(fds[1]);
    p->running = pthread_create(&p->thread, NULL, pump_main, p) == 0;
  }
  original_stderr = pumps[1].original;
  installed = true;
  napi_value t;
  napi_get_boolean(env, true, &t);
  return t;
}

static napi_value restore_stdio(napi_env env, napi_callback_info info) {
  if (!installed) return undefined_value(env);
  installed = false;
  /* Putting the originals back closes this process's write ends; each thread copies what is left in
     its pipe and ends at end of file, or once the pipe stays empty for a poll period. */
  for (int k = 0; k < 2; k++) dup2(pumps[k].original, pumps[k].fd);
  atomic_store(&draining, true);
  for (int k = 0; k < 2; k++)
    if (pumps[k].running) pthread_join(pumps[k].thread, NULL);
  return undefined_value(env);
}

/* The watchdog's deadline is fixed when it is first armed; its message and exit code can be updated
   (the stop learns whether the final save worked) under this mutex. */
static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;
static bool wd_armed = false;
static double wd_ms = 0;
static int wd_code = 1;
static char wd_message[2048];

static void *watchdog_main(void *arg) {
  struct timespec ts = {(time_t)(wd_ms / 1000), (long)((wd_ms - 1000.0 * (double)(time_t)(wd_ms / 1000)) * 1e6)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  pthread_mutex_lock(&wd_lock);
  int fd = original_stderr >= 0 ? original_stderr : 2;
  write_all(fd, wd_message, strlen(wd_message));
  _exit(wd_code);
  return NULL;
}

/* Reads (code, message) from argv[first..first+1] into the watchdog's globals. */
static bool read_code_message(napi_env env, napi_value *argv, int *code, char *message, size_t cap) {
  size_t len = 0;
  int32_t c = 1;
  if (napi_get_value_int32(env, argv[0], &c) != napi_ok || napi_get_value_string_utf8(env, argv[1], message, cap, &len) != napi_ok) return false;
  *code = c;
  return true;
}

static napi_value watchdog(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  double ms = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_get_value_double(env, argv[0], &ms) != napi_ok) return throw_msg(env, "watchdog(ms, code, message)");
  pthread_mutex_lock(&wd_lock);
  bool ok = read_code_message(env, argv + 1, &wd_code, wd_message, sizeof wd_message);
  bool start = ok && !wd_armed;
  if (start) {
    wd_ms = ms;
    wd_armed = true;
  }
  pthread_mutex_unlock(&wd_lock);
  if (!ok) return throw_msg(env, "watchdog(ms, code, message)");
  if (start) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, watchdog_main, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) return throw_msg(env, "watchdog: cannot start a thread");
  }
  return undefined_value(env);
}

static napi_value exit_now(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t code = 1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1) napi_get_value_int32(env, argv[0], &code);
  restore_stdio(env, info);
  _exit(code);
  return NULL;
}

static napi_value lock_file(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[4096];
  size_t len = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len >= sizeof path - 1)
    return throw_msg(env, "lockFile(path)");
  int result;
  int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) result = -errno;
  else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    result = -errno;
    close(fd);
  } else result = fd;
  napi_value v;
  napi_create_int32(env, result, &v);
  return v;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"filterStdio", NULL, filter_stdio, NULL, NULL, NULL, napi_default, NULL},
      {"restoreStdio", NULL, restore_stdio, NULL, NULL, NULL, napi_default, NULL},
      {"watchdog", NULL, watchdog, NULL, NULL, NULL, napi_default, NULL},
      {"exitNow", NULL, exit_now, NULL, NULL, NULL, napi_default, NULL},
      {"lockFile", NULL, lock_file, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
