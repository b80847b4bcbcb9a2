/* SPDX-License-Identifier: MIT
 *
 * sitewatch/plugin.h - the stable C ABI between the sitewatch daemon and its
 * plugins (check, storage, output, notify).
 *
 * Two tables cross the boundary, one in each direction:
 *
 *   core -> plugin   const struct sw_host_api *   (functions the core offers)
 *   plugin -> core   const struct sw_plugin *     (what the plugin is and does)
 *
 * Both start with a version and their own size and only ever grow at the
 * end: nothing is reordered, removed or retyped within a major version.  A
 * plugin tests SW_API_HAS(api, member) before calling a member newer than the
 * minor version it needs; the core reads a descriptor member only when the
 * plugin's size covers it.  Everything else that crosses is an opaque handle
 * reached through the host table.
 *
 * A plugin exports exactly one symbol:
 *
 *   const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *api);
 *
 * The name carries the ABI major, so a plugin built for another major is
 * refused at load time with both versions named, never half-run.
 *
 * Threads: every host function may be called from the event-loop thread.
 * Functions marked [any thread] may also be called from worker threads (a
 * blocking check's run, a storage plugin's write).  Plugins never exit the
 * process and never block the loop.
 */
#ifndef SITEWATCH_PLUGIN_H
#define SITEWATCH_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SW_ABI_MAJOR 1
#define SW_ABI_MINOR 4
/* One number for comparisons: major in the high 16 bits, minor in the low. */
#define SW_ABI_VERSION     ((uint32_t)((SW_ABI_MAJOR << 16) | SW_ABI_MINOR))
#define SW_ABI_MAJOR_OF(v) ((unsigned)((v) >> 16))
#define SW_ABI_MINOR_OF(v) ((unsigned)((v)&0xffffu))

/* The exported entry point's name, and a macro for defining it. */
#define SW_ENTRY_SYMBOL "sitewatch_plugin_v1"
#if defined(__GNUC__)
#define SW_EXPORT       __attribute__((visibility("default")))
#define SW_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SW_EXPORT
#define SW_PRINTF(f, a)
#endif

/* Microseconds, the unit of every time and duration that crosses. */
#define SW_US  ((int64_t)1)
#define SW_MS  ((int64_t)1000)
#define SW_S   ((int64_t)1000000)
#define SW_MIN (60 * SW_S)
#define SW_H   (60 * SW_MIN)
#define SW_DAY (24 * SW_H)

/* True when the host table is new enough to hold MEMBER. */
#define SW_API_HAS(api, member) ((api)->size >= offsetof(struct sw_host_api, member) + sizeof((api)->member))

/* Error codes: functions return 0 or one of these (negative).  The table is
 * append-only like the rest of the ABI; api->strerror() names each one. */
#define SW_ERRNO_MAP(X)                                                                                      \
    X(NOMEM, -1, "out of memory")                                                                            \
    X(INVAL, -2, "invalid argument")                                                                         \
    X(CONFIG, -3, "invalid configuration")                                                                   \
    X(IO, -4, "input/output error")                                                                          \
    X(ABI, -5, "incompatible plugin ABI")                                                                    \
    X(NOTFOUND, -6, "not found")                                                                             \
    X(BUSY, -7, "resource busy")                                                                             \
    X(PLUGIN, -8, "plugin error")                                                                            \
    X(TIMEOUT, -9, "timed out")                                                                              \
    X(UNSUPPORTED, -10, "not supported")                                                                     \
    X(STORAGE, -11, "storage error")

enum sw_error {
#define SW_ERR_ENUM(name, code, text) SW_E##name = (code),
    SW_ERRNO_MAP(SW_ERR_ENUM)
#undef SW_ERR_ENUM
};

/* Verdicts, in the order of the Nagios exit codes. */
enum sw_verdict {
    SW_OK = 0,      /* the check passed */
    SW_WARN = 1,    /* passed, but past a warning threshold */
    SW_FAIL = 2,    /* the site failed the check */
    SW_UNKNOWN = 3, /* the monitor could not judge (plugin or config error) */
};

enum sw_log_level { SW_LOG_ERROR = 0, SW_LOG_WARN, SW_LOG_INFO, SW_LOG_DEBUG };

enum sw_plugin_kind {
    SW_KIND_CHECK = 1,
    SW_KIND_STORAGE = 2,
    SW_KIND_OUTPUT = 3,
    SW_KIND_NOTIFY = 4 /* 1.4 */
};

/* Flags of a check plugin (sw_plugin.flags). */
#define SW_CHECK_ASYNC 0x1u /* run() returns at once and completes on the loop */
/* ABI 1.4, a notify plugin's flag: it keeps what is firing (Alertmanager
 * does).  Each time the daemon starts, before anything new, it is sent one
 * message with the DOWN event (its first id; "at" now) of every series it
 * notifies that is still DOWN and was told, so what it keeps survives a
 * restart of sitewatch. */
#define SW_NOTIFY_RESTATE 0x2u

/* Events for api->watch_fd / watch_update. */
#define SW_WATCH_READ  0x1
#define SW_WATCH_WRITE 0x2

/* ---- opaque handles ---------------------------------------------------- */

/* A configuration view: for a check plugin, one site as that plugin sees it
 * (PLUGIN.key in the site, then the [check PLUGIN] defaults, then the site's
 * own common keys such as url); for storage and output plugins, their section.
 * Owned by the core; valid during the call it is passed to. */
typedef struct sw_config sw_config;
/* One execution of one check for one site.  Owned by the core; valid from
 * run() until the plugin calls api->run_complete(). */
typedef struct sw_run sw_run;
/* One result: who, when, verdict, reason, metrics, info.  Owned by the core
 * unless created with api->result_new(). */
typedef struct sw_result sw_result;
/* An fd watcher or a timer on the core's event loop. */
typedef struct sw_watch sw_watch;
typedef struct sw_timer sw_timer;

/* ABI 1.2: a snapshot of what the core knows (sites, checks, their recent
 * results) lent to an output plugin for one render, and the door through
 * which it reads history from storage.  Valid during that render only. */
typedef struct sw_render sw_render;

/* ABI 1.4: one message for a notify plugin to deliver: one alert event,
 * or a digest of the events that came for its notifier within group_wait.
 * Owned by the core; valid from notify_send until api->message_done(). */
typedef struct sw_message sw_message;

/* ABI 1.4: a child process started with api->proc_spawn.  Owned by the
 * core; valid until its sw_proc_cb returns or api->proc_cancel(). */
typedef struct sw_proc sw_proc;

/* ABI 1.2: one slice of a series' history, aggregated by the storage where
 * the data lives.  Filled by a storage plugin, lent to the caller's
 * sw_bucket_cb; read a member only when size covers it. */
struct sw_bucket {
    uint32_t size;        /* sizeof(struct sw_bucket) of whoever filled it */
    const char *location; /* with SW_BUCKETS_BY_LOCATION; NULL otherwise */
    int64_t start, span;  /* microseconds since the epoch (UTC); microseconds */
    /* Results by verdict: count[SW_OK], [SW_WARN], [SW_FAIL], [SW_UNKNOWN]. */
    int64_t count[4];
    /* Duration of the answered results (OK and WARN), seconds; NaN if none. */
    double lat_min, lat_avg, lat_max;
    /* Mean phases of the results that report them, seconds (NaN if none):
     * SW_PHASE_DNS time.dns, _CONNECT time.connect, _TLS time.tls,
     * _FIRST_BYTE time.first_byte, _TRANSFER time.transfer (the whole
     * fetch less the others).  ABI 1.3 has every declared phase by name:
     * see phase_names below. */
    double phase[5];
    /* The 95th percentile of answered latency, seconds: exact for one
     * complete hourly or daily slot, the largest of its slots' when the
     * bucket spans several (an upper bound); NaN until storage has it. */
    double lat_p95;
    /* ABI 1.3: the phases by name, whichever check plugin declared them
     * (SW_METRIC_PHASE): NPHASES of them, the same names in every bucket
     * of one call, in the order the storage first met them.
     * phase_names[i] is the metric ("time.dns"), phase_means[i] its mean
     * in seconds over the results that report any phase (a result without
     * this one counts 0), NaN when none do.  Both arrays are lent for the
     * call.  phase[] above keeps the five web phases for plugins built
     * against 1.2. */
    int nphases;
    const char *const *phase_names;
    const double *phase_means;
    /* ABI 1.4: results that came inside a maintenance window (info
     * "maintenance"): counted here, not in count[], so uptime leaves them
     * out; their latency is not in lat_*. */
    int64_t maintenance;
};
enum { SW_PHASE_DNS, SW_PHASE_CONNECT, SW_PHASE_TLS, SW_PHASE_FIRST_BYTE, SW_PHASE_TRANSFER, SW_PHASES };
/* Flags of a bucket query. */
#define SW_BUCKETS_BY_LOCATION 0x1u /* one list of buckets per location, in name order */
/* Flags of a history query. */
#define SW_HISTORY_SUMMARY 0x1u /* times, verdict and reason only: no metrics, no info */

/* ABI 1.3: a key a plugin accepts, declared so that the core parses and
 * validates it (reporting "file:line: in [site x], KEY = "v": expected
 * ..."), hands the plugin typed values (api->config_value) and documents
 * it (`sitewatch plugins NAME`).  A plugin lists them in
 * sw_plugin.key_decls, ended by an entry whose name is NULL, and says
 * sizeof(struct sw_key) in key_size: the struct may grow at its end. */
enum sw_key_type {
    SW_KEY_STRING = 1, /* any text */
    SW_KEY_DURATION,   /* "250ms 10s 5m 1h 1d": microseconds */
    SW_KEY_SIZE,       /* "512 200k 2M 1G" (k = 1024): bytes */
    SW_KEY_BOOL,       /* yes/no, true/false, on/off, 1/0: 1 or 0 */
    SW_KEY_INT,        /* a whole number */
    SW_KEY_WORD,       /* one of words[], any case: its index */
    SW_KEY_URL,        /* an absolute URL, scheme://host... */
    SW_KEY_REGEX,      /* a PCRE2 pattern (the plugin compiles it) */
    SW_KEY_LIST,       /* items separated by commas (the plugin splits it) */
};
/* Flags of a key. */
#define SW_KEY_REPEATS  0x1u /* may be given more than once; every value is kept */
#define SW_KEY_REQUIRED 0x2u /* a section (or site) without it is refused */

struct sw_key {
    const char *name;
    int type;                 /* enum sw_key_type */
    uint32_t flags;           /* SW_KEY_* */
    const char *def;          /* the default as it would be written ("5s"), or NULL */
    int64_t min, max;         /* INT, DURATION, SIZE: bounds, inclusive; min == max == 0: none */
    const char *const *words; /* WORD: the words, NULL-terminated */
    const char *help;         /* one line, for people */
};

/* ABI 1.3: a metric a plugin records, declared so that storage, the status
 * site and metrics endpoints can name and describe it without knowing the
 * plugin (api->metrics_declared lists them all).  Ended by an entry whose
 * name is NULL; metric_size says sizeof(struct sw_metric_decl): the
 * struct may grow at its end, and what a smaller entry lacks is NULL. */
/* SW_METRIC_PHASE: one stretch of a run, in seconds (time.dns,
 * time.connect ...); a result's phases stack up to at most its whole time.
 * Storage keeps their means per bucket; the status site stacks them. */
#define SW_METRIC_PHASE 0x1u
struct sw_metric_decl {
    const char *name;  /* "time.dns" */
    const char *unit;  /* "s", "B", "1" (a count), "%" */
    uint32_t flags;    /* SW_METRIC_* */
    const char *help;  /* one line */
    const char *label; /* a word or two for legends: "DNS", "first byte"; NULL: the name */
};

typedef void (*sw_watch_cb)(sw_watch *w, int fd, int events, void *ud);
typedef void (*sw_timer_cb)(sw_timer *t, void *ud);
/* Called once per result read back from storage; the result is only lent for
 * the call.  Return non-zero to stop the iteration. */
typedef int (*sw_result_cb)(const sw_result *r, void *ud);
/* ABI 1.2: called once per bucket, oldest first; non-zero stops. */
typedef int (*sw_bucket_cb)(const struct sw_bucket *b, void *ud);

/* ABI 1.4: what api->proc_spawn runs.  Zero it, set size to
 * sizeof(struct sw_spawn) (the struct may grow at its end: the core reads
 * only what size covers), then what is needed.  Lent for the call: the
 * core copies what it keeps. */
struct sw_spawn {
    uint32_t size;
    /* The program and its arguments, NULL-terminated, handed to execve as
     * they are: no shell, no globbing, no variables.  argv[0] is the
     * program: a path, or a name without '/' looked up in the child's PATH. */
    const char *const *argv;
    /* NAME=VALUE entries for the child's environment, NULL-terminated, or
     * NULL.  The child gets PATH, HOME and LANG from the daemon's
     * environment (PATH=/usr/local/bin:/usr/bin:/bin when it has none)
     * and these, nothing else of the daemon's; an entry here replaces the
     * daemon's of the same name, and a later entry an earlier one. */
    const char *const *env;
    /* INPUT_LEN bytes written to the child's stdin, which is then closed;
     * INPUT NULL: stdin is /dev/null.  A child that exits without reading
     * it all is no error. */
    const char *input;
    size_t input_len;
    /* Of each of stdout and stderr the first OUTPUT_MAX bytes are kept
     * (0: 64 KiB); the rest is read, counted and dropped, so a child that
     * floods never blocks on a full pipe. */
    size_t output_max;
    /* Microseconds.  TIMEOUT after the start (0: never) its process group
     * gets SIGTERM, and SIGKILL GRACE later (0: 1 s). */
    int64_t timeout, grace;
    /* The child's working directory; NULL: the daemon's. */
    const char *cwd;
};

/* ABI 1.4: how a child ended, lent to its sw_proc_cb for the call.  A
 * member is there when size covers it. */
struct sw_proc_end {
    uint32_t size; /* sizeof(struct sw_proc_end) in the core */
    /* 0: it ran.  SW_ENOTFOUND (no such program) or SW_EIO (any other
     * reason: not executable, a bad cwd) when it could not start; then
     * error_text says why, naming the program ("cannot run /usr/bin/x: no
     * such file or directory"), and what follows is empty.  NULL when it
     * ran. */
    int error;
    const char *error_text;
    /* Its exit code (0..255), or -1 when a signal ended it: SIGNAL, 0 when
     * it exited. */
    int exit_code, signal;
    /* 1 when the timeout came first: its group got SIGTERM (and SIGKILL).
     * The exit code may still be set: it exited, but a process it started
     * kept its stdout or stderr open. */
    int timed_out;
    /* What it wrote, each NUL-terminated ("" when nothing), at most
     * output_max bytes (the lengths count NULs it wrote); *_dropped: the
     * bytes past output_max, read and dropped. */
    const char *out, *err;
    size_t out_len, err_len;
    int64_t out_dropped, err_dropped;
    int64_t duration; /* microseconds, from the start until it ended */
    int pid;          /* its process id, also its process group's (0: it did not start) */
};
/* ABI 1.4: the end of a child started with api->proc_spawn, on the loop. */
typedef void (*sw_proc_cb)(sw_proc *proc, const struct sw_proc_end *end, void *ud);

/* ---- the host table: core -> plugin ------------------------------------ */

struct sw_host_api {
    uint32_t version; /* SW_ABI_VERSION of the core */
    uint32_t size;    /* sizeof(struct sw_host_api) in the core */

    /* Log one line.  Start the message with the plugin's name ("http: ...").
     * [any thread] */
    void (*log)(int level, const char *fmt, ...) SW_PRINTF(2, 3);
    /* Text for an SW_E* code (never NULL). [any thread] */
    const char *(*strerror)(int err);

    /* -- configuration (valid only inside prepare/open callbacks) -- */

    /* Value of KEY, or NULL when unset.  A repeated key returns its last value. */
    const char *(*config_get)(const sw_config *cfg, const char *key);
    /* How many times KEY is given, and the I-th value (0-based). */
    int (*config_count)(const sw_config *cfg, const char *key);
    const char *(*config_get_nth)(const sw_config *cfg, const char *key, int i);
    /* Typed readers: store DEF when KEY is unset; on a bad value report a
     * config error naming file, line, key, value and what was expected, and
     * return SW_ECONFIG.  Durations are "250ms 10s 5m 1h" (out in
     * microseconds), sizes "512 200k 2M" (out in bytes), booleans
     * "yes/no/true/false/on/off/1/0". */
    int (*config_duration)(const sw_config *cfg, const char *key, int64_t def, int64_t *out);
    int (*config_size)(const sw_config *cfg, const char *key, int64_t def, int64_t *out);
    int (*config_bool)(const sw_config *cfg, const char *key, int def, int *out);
    /* Report a plugin-specific config error about KEY (file and line of KEY
     * are added by the core); returns SW_ECONFIG for convenience. */
    int (*config_error)(const sw_config *cfg, const char *key, const char *fmt, ...) SW_PRINTF(3, 4);
    /* The site's name for a check view, the section's name otherwise. */
    const char *(*config_name)(const sw_config *cfg);

    /* -- runs (check plugins) -- */

    /* The result this run fills in.  Valid until run_complete(). [any thread] */
    sw_result *(*run_result)(sw_run *run);
    /* The run's timeout in microseconds (the site's or PLUGIN.timeout).
     * The core cancels the run a little after it, but the plugin should
     * time out on its own and say so in the reason. [any thread] */
    int64_t (*run_timeout)(const sw_run *run);
    /* Async checks only, on the loop thread: the run is finished.  Exactly
     * once per run, possibly from inside run() or cancel().  The run and its
     * result must not be touched afterwards.  (A second call before the
     * series' next run finishes is detected, logged and ignored; later it is
     * undefined.) */
    void (*run_complete)(sw_run *run);

    /* -- results -- */

    /* Set the verdict and a one-line reason a person can act on. [any thread] */
    void (*result_set)(sw_result *r, int verdict, const char *fmt, ...) SW_PRINTF(3, 4);
    /* Add a named numeric metric (times in seconds, sizes in bytes).
     * Setting a name twice keeps the last value. [any thread] */
    void (*result_metric)(sw_result *r, const char *name, double value);
    /* Add a named text info value (certificate subject, DNS answers, ...). [any thread] */
    void (*result_info)(sw_result *r, const char *key, const char *value);

    /* Readers, for storage and output plugins. [any thread] */
    const char *(*result_site)(const sw_result *r);
    const char *(*result_check)(const sw_result *r);
    const char *(*result_location)(const sw_result *r);
    int (*result_verdict)(const sw_result *r);
    const char *(*result_reason)(const sw_result *r);
    /* Times in microseconds since the Unix epoch (UTC); duration in
     * microseconds; since = when the current verdict began. */
    int64_t (*result_scheduled)(const sw_result *r);
    int64_t (*result_started)(const sw_result *r);
    int64_t (*result_duration)(const sw_result *r);
    int64_t (*result_since)(const sw_result *r);
    /* Metrics and infos by index, 0 <= i < count; returns 0 or SW_ENOTFOUND. */
    int (*result_metric_count)(const sw_result *r);
    int (*result_metric_at)(const sw_result *r, int i, const char **name, double *value);
    int (*result_info_count)(const sw_result *r);
    int (*result_info_at)(const sw_result *r, int i, const char **key, const char **value);

    /* For storage plugins reading history back: make a result, fill it with
     * result_set/result_metric/result_info and result_set_times, pass it to
     * the caller's sw_result_cb, then free it. [any thread] */
    sw_result *(*result_new)(const char *site, const char *check, const char *location);
    void (*result_set_times)(sw_result *r, int64_t scheduled, int64_t started, int64_t duration,
                             int64_t since);
    void (*result_free)(sw_result *r);

    /* -- the event loop (loop thread only) -- */

    /* Watch FD for EVENTS (SW_WATCH_READ|SW_WATCH_WRITE); CB gets the events
     * that are ready, or -1 in events on a poll error. */
    sw_watch *(*watch_fd)(int fd, int events, sw_watch_cb cb, void *ud);
    int (*watch_update)(sw_watch *w, int events);
    /* Stop and free the watcher (safe inside its own callback). */
    void (*watch_close)(sw_watch *w);
    sw_timer *(*timer_new)(sw_timer_cb cb, void *ud);
    /* (Re)arm a one-shot timer AFTER microseconds from now. */
    int (*timer_start)(sw_timer *t, int64_t after);
    void (*timer_stop)(sw_timer *t);
    void (*timer_close)(sw_timer *t);
    /* Monotonic and wall clocks, microseconds. [any thread] */
    int64_t (*now_mono)(void);
    int64_t (*now_wall)(void);

    /* -- words for reasons, the same in every plugin [any thread] -- */

    /* "250 ms", "10 s", "1.5 s", "5 min" into BUF (N bytes); returns BUF. */
    char *(*format_duration)(int64_t us, char *buf, size_t n);
    /* "512 B", "200 KB", "1.5 MB" (powers of 1024) into BUF; returns BUF. */
    char *(*format_size)(int64_t bytes, char *buf, size_t n);

    /* New members go here, each marked with the minor that added it. */

    /* ABI 1.1: as config_error, about the I-th value (0-based) of a key
     * given several times, so the error names that value's own line. */
    int (*config_error_nth)(const sw_config *cfg, const char *key, int i, const char *fmt, ...)
        SW_PRINTF(4, 5);

    /* ABI 1.2: what an output plugin renders from.  [any thread; the core
     * runs one render at a time] */

    /* The wall clock when the snapshot was taken (microseconds). */
    int64_t (*render_now)(const sw_render *rd);
    /* This probe's [core] location. */
    const char *(*render_location)(const sw_render *rd);
    /* The sites x checks, in configuration order: 0 <= i < count.  *url may
     * be NULL (a check that needs none); interval in microseconds. */
    int (*render_series_count)(const sw_render *rd);
    int (*render_series_at)(const sw_render *rd, int i, const char **site, const char **check,
                            const char **url, int64_t *interval);
    /* The newest results of series I held in memory (the recent cache, at
     * least [core] recent of them), newest first, at most LIMIT, each lent
     * to CB.  Only the newest carries metrics and info; the older ones
     * carry times, verdict and reason. */
    int (*render_recent)(const sw_render *rd, int i, int limit, sw_result_cb cb, void *ud);
    /* History from the first storage that can answer (SW_EUNSUPPORTED when
     * none can): results of SITE/CHECK (CHECK NULL = every check) started in
     * [FROM, TO), newest first, at most LIMIT (FLAGS: SW_HISTORY_SUMMARY
     * when metrics and info are not needed); and aggregates over [FROM, TO)
     * in buckets of STEP microseconds from FROM, oldest first, empty buckets
     * left out.  Times are microseconds since the epoch. */
    int (*history_results)(const sw_render *rd, const char *site, const char *check, int64_t from, int64_t to,
                           int limit, uint32_t flags, sw_result_cb cb, void *ud);
    int (*history_buckets)(const sw_render *rd, const char *site, const char *check, int64_t from, int64_t to,
                           int64_t step, uint32_t flags, sw_bucket_cb cb, void *ud);

    /* ABI 1.2: non-zero in the daemon (`sitewatch run`), zero in one-shot
     * commands.  Storage that must have a single writer claims its file in
     * storage_open when this is set, and returns SW_EBUSY (with a log line
     * naming the other process) when another daemon has it. [any thread] */
    int (*is_daemon)(void);

    /* ABI 1.3: the parsed value of a declared key (struct sw_key): the I-th
     * value (0-based, -1: the last) of KEY, or its declared default when
     * unset.  DURATION in microseconds, SIZE in bytes, BOOL 1 or 0, INT as
     * is, WORD the index in words[].  The core checks every value before
     * check_prepare / storage_open / output_open is called and reports a
     * bad one itself; the callback still runs, so that the plugin's own
     * errors come out in the same pass, and a refused value reads as the
     * default here (the configuration is refused anyway: the plugin need
     * not report it again).  Valid in the same callbacks as config_get. */
    int64_t (*config_value)(const sw_config *cfg, const char *key, int i);
    /* ABI 1.3: data of the plugin's own for one run, e.g. the transfer that
     * cancel must stop, so cancel finds it without a search; NULL until
     * set.  Set and read by the run's own code: on the loop for an async
     * run, on its worker thread for a blocking one.  The plugin owns what
     * it points to and frees it before run_complete (async) or before
     * check_run returns (blocking). */
    void (*run_set_data)(sw_run *run, void *data);
    void *(*run_data)(const sw_run *run);
    /* ABI 1.3: the metrics results may carry, for storage and outputs to
     * name columns, legends and help by: those of every check plugin the
     * configuration uses (sw_plugin.metric_decls), plugins in name order
     * and each in its own order, then the core's own (sched.lag,
     * sched.skipped); each name once, as its first declaration says.
     * Returns how many and sets *LIST to that many entries; an entry's
     * label is never NULL (the name when the plugin gives none).  A list
     * and its entries stay as they are for the life of the process: when
     * a reload brings a check plugin that declares more, the next call
     * returns a new list, so a caller that compares *LIST with the one it
     * had sees the change.  [any thread] */
    int (*metrics_declared)(const struct sw_metric_decl *const **list);

    /* ABI 1.4: what a message says, for notify plugins, on the loop thread.
     * The core words every message, so that every notifier says the same
     * and a plugin only carries it. */

    /* How many events M carries: 1, or more for a digest. */
    int (*message_count)(const sw_message *m);
    /* Field NAME of event I (0 <= I < count), or NULL when the event has
     * none (and for a name this core does not know):
     *   event     DOWN, UP, REMINDER, SELF (sitewatch about itself), TEST
     *   id        the event's stable id (the same after a restart)
     *   series    "site/check/location": one key per series, e.g. a dedup key
     *   site, check, location
     *   verdict   OK, WARN, FAIL, UNKNOWN: the latest result's
     *   reason    one line a person can act on
     *   since     when the incident began, "2026-12-01T10:00:00.000000Z" (UTC)
     *   at        when the event was decided, the same form
     *   downtime  UP: how long it was down, in words ("12 min")
     *   url       the site's url
     *   page      its page on the status site ([core] public_url set) */
    const char *(*message_field)(const sw_message *m, int i, const char *name);
    /* M as people read it: a one-line subject ("[sitewatch] DOWN shop
     * https: HTTP 503, expected 200-399"), a plain-text body (a digest lists
     * the first 20 events, then "and N more"), and the documented JSON
     * object (docs/alerts.md; a digest is {"event": "DIGEST", "events":
     * [...], ...}).  UTF-8, lines ended by "\n". */
    const char *(*message_subject)(const sw_message *m);
    const char *(*message_text)(const sw_message *m);
    const char *(*message_json)(const sw_message *m);
    /* A stable id for M (its one event's, or one made of a digest's
     * events): letters, digits, '.' and '-', fit for a Message-ID or a
     * receiver's dedup key.  A message sent again has the same id. */
    const char *(*message_id)(const sw_message *m);
    /* How long a delivery may take, microseconds (the notifier's timeout):
     * the core cancels it a little after. */
    int64_t (*message_timeout)(const sw_message *m);
    /* The plugin's own data for M (e.g. the transfer cancel must stop),
     * NULL until set; freed by the plugin before message_done. */
    void (*message_set_data)(sw_message *m, void *data);
    void *(*message_data)(const sw_message *m);
    /* The delivery of M is over: ERR 0 delivered, or an SW_E* code (the
     * core tries again later, with backoff).  FMT says what the other end
     * answered ("250 2.0.0 Ok: queued as 4F1A", "HTTP 500: ..."), for the
     * log and `notify-test`; no secrets in it.  Exactly once per message,
     * possibly from inside notify_send or notify_cancel; M must not be
     * touched afterwards. */
    void (*message_done)(sw_message *m, int err, const char *fmt, ...) SW_PRINTF(3, 4);

    /* ABI 1.4: a child process run from the loop (libuv's process
     * handles), for plugins that run programs; loop thread only.  What
     * runs is SP (struct sw_spawn): its own session and process group
     * (setsid), stdin, stdout and stderr its only descriptors (every other
     * one the daemon has is close-on-exec), signals at their defaults.  It
     * ends when it has exited and its stdout and stderr are closed (a
     * process it started that holds them open keeps it going, up to the
     * timeout); what of its group still runs then gets SIGTERM, and
     * SIGKILL after the grace: nothing it starts outlives it.
     *
     * proc_spawn returns 0, and CB is called exactly once, later on the
     * loop (never from inside proc_spawn), with how it ended; also when
     * the program could not be started (end->error).  *PROC, when PROC is
     * not NULL, is its handle until CB returns.  SW_EINVAL (no argv[0], an
     * env entry without NAME=, SP's size too small) starts nothing and
     * calls nothing.  The daemon ignores SIGPIPE from the first call on:
     * a child that closes its stdin early is an EPIPE, not the end of
     * sitewatch. */
    int (*proc_spawn)(const struct sw_spawn *sp, sw_proc_cb cb, void *ud, sw_proc **proc);
    /* Stop PROC now: SIGKILL to its process group; its CB is not called
     * (the core reaps it and frees what it had).  Only before CB runs. */
    void (*proc_cancel)(sw_proc *proc);
};

/* ---- the plugin descriptor: plugin -> core ----------------------------- */

struct sw_plugin {
    uint32_t abi_version; /* SW_ABI_VERSION the plugin was built against */
    uint32_t size;        /* sizeof(struct sw_plugin) the plugin was built with */
    const char *name;     /* must equal the file name without ".so" */
    int kind;             /* enum sw_plugin_kind */
    const char *description;
    /* NULL-terminated list of the keys the plugin accepts; any other key in
     * its section (or PLUGIN.key in a site) is refused by the core. */
    const char *const *keys;
    uint32_t flags; /* SW_CHECK_ASYNC for async checks */

    /* Once per process, after loading / before unloading.  Both optional. */
    int (*init)(void **plugin_state);
    void (*shutdown)(void *plugin_state);

    /* -- check plugins -- */

    /* Parse and validate one site's view; on success *site_state is the
     * plugin's, freed by release().  Report errors with api->config_error. */
    int (*check_prepare)(void *plugin_state, const sw_config *cfg, void **site_state);
    void (*check_release)(void *site_state);
    /* Run the check.  Blocking plugins run on a worker thread and fill the
     * result before returning; async plugins run on the loop, return at once
     * and call api->run_complete() later. A non-zero return means the run
     * could not start: the core completes it as UNKNOWN with that error. */
    int (*check_run)(void *site_state, sw_run *run);
    /* Async only: stop RUN now (timeout or shutdown); must lead to exactly
     * one api->run_complete(run), during this call or later on the loop.
     * (If it does not, the core gives the site its UNKNOWN result itself and
     * logs a plugin bug; a later run_complete of that run is logged and
     * ignored.  A blocking run still going at timeout + 2 s is treated the
     * same way, and its thread is left to return.) */
    void (*check_cancel)(void *site_state, sw_run *run);

    /* -- storage plugins (open/close/write run on the writer thread; read
     * calls may come from any one thread at a time) -- */

    int (*storage_open)(void *plugin_state, const sw_config *cfg, void **inst);
    void (*storage_close)(void *inst);
    /* Store N results atomically (one transaction); on failure nothing of
     * the batch is kept and the core retries it later. */
    int (*storage_write)(void *inst, const sw_result *const *results, size_t n);
    /* Optional: the LIMIT newest results of SITE/CHECK (CHECK NULL = every
     * check), newest first, each lent to CB. */
    int (*storage_recent)(void *inst, const char *site, const char *check, int limit, sw_result_cb cb,
                          void *ud);

    /* -- output plugins -- */

    int (*output_open)(void *plugin_state, const sw_config *cfg, void **inst);
    void (*output_close)(void *inst);
    int (*output_render)(void *inst);

    /* New members go here, each marked with the minor that added it. */

    /* ABI 1.2, storage: the history reads behind api->history_results and
     * api->history_buckets (same meaning).  Both optional.  Unlike
     * storage_recent they may be called from several threads at once (an
     * output rendering pages in parallel).  Buckets are computed by the storage
     * (in SQL for sqlite), never by handing every row to the caller. */
    int (*storage_history)(void *inst, const char *site, const char *check, int64_t from, int64_t to,
                           int limit, uint32_t flags, sw_result_cb cb, void *ud);
    int (*storage_buckets)(void *inst, const char *site, const char *check, int64_t from, int64_t to,
                           int64_t step, uint32_t flags, sw_bucket_cb cb, void *ud);
    /* ABI 1.2, output: render from RD (preferred over output_render when
     * set).  Runs off the event loop, one render at a time. */
    int (*output_render_view)(void *inst, const sw_render *rd);

    /* ABI 1.2, storage, both optional, called where nothing else writes
     * (a command, or the writer thread between batches):
     * storage_purge deletes the results of SITE (NULL: every site) started
     * before BEFORE (INT64_MAX: all), with their rollups (whole slots before
     * BEFORE); *DELETED gets how many results went.
     * storage_retain applies retention in small steps: deletes results
     * started before RAW_BEFORE and summaries of slots that ended before
     * ROLLUPS_BEFORE (after making sure what is deleted is summed up), at
     * most about BUDGET rows a call; returns 1 while more is left to do, 0
     * when done, or an SW_E* error. */
    int (*storage_purge)(void *inst, const char *site, int64_t before, int64_t *deleted);
    int (*storage_retain)(void *inst, int64_t raw_before, int64_t rollups_before, int budget);

    /* ABI 1.3, every kind, both optional: the keys and the metrics, each
     * list ended by an entry whose name is NULL, with the size of one
     * entry as the plugin was built (sizeof(struct sw_key), sizeof(struct
     * sw_metric_decl)).  With key_decls set, `keys` may be NULL: the core
     * takes the names from the declarations. */
    const struct sw_key *key_decls;
    uint32_t key_size;
    const struct sw_metric_decl *metric_decls;
    uint32_t metric_size;

    /* ABI 1.4, notify plugins (kind SW_KIND_NOTIFY), on the loop thread.
     * notify_open reads and checks the section ([notify NAME]) and
     * contacts nobody: `validate` opens it too.  notify_send delivers M:
     * it returns at once and the delivery ends with exactly one
     * api->message_done(M), during the call or later on the loop; a
     * non-zero return means it could not start (as message_done with that
     * error).  The core hands an instance one message at a time.
     * notify_cancel stops M now (its timeout, or shutdown) and must lead
     * to its message_done. */
    int (*notify_open)(void *plugin_state, const sw_config *cfg, void **inst);
    void (*notify_close)(void *inst);
    int (*notify_send)(void *inst, sw_message *m);
    void (*notify_cancel)(void *inst, sw_message *m);
};

/* Smallest descriptor the core accepts: the v1.0 layout. */
#define SW_PLUGIN_MIN_SIZE (offsetof(struct sw_plugin, output_render) + sizeof(void (*)(void)))

/* The one symbol a plugin exports. */
typedef const struct sw_plugin *(*sw_entry_fn)(const struct sw_host_api *api);

/* One name for the host table in every plugin, as SQLite's extensions do
 * (SQLITE_EXTENSION_INIT1/2/3):
 *
 *   SW_PLUGIN_INIT1                 at file scope, in the file of the entry
 *   SW_PLUGIN_INIT3                 at file scope, in the plugin's other files
 *   SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *api)
 *   {
 *       SW_PLUGIN_INIT2(api);       first: returns NULL for a core of another major
 *       return &my_plugin;
 *   }
 *
 * and the plugin calls sw_api->log(...), sw_api->config_value(...), ... */
#define SW_PLUGIN_INIT1 const struct sw_host_api *sw_api = NULL;
#define SW_PLUGIN_INIT3 extern const struct sw_host_api *sw_api;
#define SW_PLUGIN_INIT2(a)                                                                                   \
    do {                                                                                                     \
        if (!(a) || SW_ABI_MAJOR_OF((a)->version) != SW_ABI_MAJOR)                                           \
            return NULL;                                                                                     \
        sw_api = (a);                                                                                        \
    } while (0)

#ifdef __cplusplus
}
#endif
#endif /* SITEWATCH_PLUGIN_H */
