/* SPDX-License-Identifier: MIT
 * The engine: binds sites x checks to loaded plugins (a struct sw_series
 * each), schedules them on one libuv loop, runs them (async on the loop,
 * blocking on the worker pool), and hands each finished result as one event
 * to the sinks registered for it (sink.h). */
#ifndef SW_ENGINE_H
#define SW_ENGINE_H

#include <uv.h>

#include "config.h"
#include "loader.h"
#include "recent.h"
#include "schedule.h"
#include "sink.h"
#include "sitewatch/plugin.h"
#include "storeq.h"

struct sw_engine;
struct sw_conf_hold;

struct sw_series {
    struct sw_sched_item item; /* first: the heap holds pointers to it */
    struct sw_engine *eng;
    struct sw_site *site; /* in the conf the series was built from */
    char *check;
    struct sw_loaded *plugin;
    void *site_state;
    int64_t interval, timeout;
    char *disabled; /* why it cannot run (plugin failed to load), or NULL */
    int index;      /* its place in the engine's series (see sw_result_event) */
    /* The verdict of its newest result (SW_NO_VERDICT before the first, and
     * none seeded from storage) and since when it holds. */
    int verdict;
    int64_t since;
    struct sw_run *inflight;
    /* The last finished run, kept (not freed) until the next one finishes:
     * a plugin that completes a run twice then hits a run marked done, not
     * freed memory. */
    struct sw_run *spent;
    int stuck;   /* its blocking runs still on a worker thread after their result was given */
    int waiting; /* in the max_in_flight queue (engine.c), due at wait_due */
    int64_t wait_due;
    struct sw_series *wait_next;
    /* Replaced by a reload while a run of it went on: the configuration it
     * points into, held until the series is freed when that run ends. */
    struct sw_conf_hold *retired;
    struct sw_recent recent;
};

/* A run's life, as libuv's handles have theirs: */
enum sw_run_state {
    SW_RUN_RUNNING,   /* the plugin has it */
    SW_RUN_DONE,      /* the plugin completed it and its result was given */
    SW_RUN_ABANDONED, /* the core gave its result; the plugin never completed it (and may yet) */
    SW_RUN_STUCK,     /* abandoned while a worker thread still runs the plugin on it */
};

struct sw_run {
    struct sw_series *series; /* its series, until the series lets go of it */
    sw_result *res;
    int64_t due, start; /* monotonic */
    int64_t scheduled_wall, started_wall;
    uv_timer_t *guard; /* cancels a run that overstays its timeout; freed once closed */
    uv_work_t *work;   /* blocking checks, while on the worker pool */
    enum sw_run_state state;
    int cancelled; /* why the core cancelled it (RUN_CANCEL_*), or 0 */
    int rc;        /* what check_run returned */
    /* Who holds it: its series (from its start until the series' next run
     * ends, or the series goes: see spent), the guard timer until its
     * close is done, and the worker pool while a blocking run is on it.
     * Freed when the last lets go. */
    int refs;
    void *plugin_data; /* the plugin's own for this run (ABI 1.3 run_set_data) */
};

/* Bind CONF's sites to plugins: load each plugin, check its keys, prepare
 * every site.  Errors go into conf->errors.  Returns the series (NULL-
 * terminated, caller frees with sw_series_list_free). */
struct sw_series **sw_series_bind(struct sw_conf *conf, int *nseries);
/* The same in steps, for a reload that must not hold the loop: START
 * loads the [check]/[storage]/[output] sections' plugins; each STEP binds
 * sites until BUDGET microseconds have passed (0: no limit) and returns 1
 * once every site is bound; FINISH frees the binder and returns the series
 * as sw_series_bind does. */
struct sw_series_binder;
struct sw_series_binder *sw_series_bind_start(struct sw_conf *conf);
int sw_series_bind_step(struct sw_series_binder *b, int64_t budget);
struct sw_series **sw_series_bind_finish(struct sw_series_binder *b, int *nseries);
void sw_series_list_free(struct sw_series **series);
void sw_series_free(struct sw_series *series);
/* Let go of the series' finished runs (sw_series_free does this). */
void sw_series_forget_runs(struct sw_series *series);
/* Open every [storage NAME] into Q.  Returns how many could not open
 * because another daemon uses them (SW_EBUSY).  Storage sections are read
 * at start only; a reload keeps them (the storage router, sink_storage.c,
 * routes each series to the targets its site names). */
int sw_storage_open(struct sw_conf *conf, struct sw_storeq *q);

/* Series found by site and check name in one step.  Each series is found at
 * most once: TAKE hands it out and forgets it, so two series of the same
 * names (a config that slipped a check in twice) pair one to one, never
 * one to two.  The index holds pointers only; the series stay the caller's. */
struct sw_series_index {
    struct sw_series **v;
    size_t cap;
};
void sw_series_index_init(struct sw_series_index *ix, struct sw_series *const *series);
struct sw_series *sw_series_index_take(struct sw_series_index *ix, const char *site, const char *check);
void sw_series_index_free(struct sw_series_index *ix);

/* An engine for CONF's SERIES (both the engine's from now on) with its
 * sinks: the recent cache, the log of verdict changes and, with Q, the
 * storage router.  More are added with sw_sink_register. */
struct sw_engine *sw_engine_new(uv_loop_t *loop, struct sw_conf *conf, struct sw_series **series,
                                struct sw_storeq *q);
/* Give each series the results storage already holds (for since, status
 * and the verdict its next result replaces). */
void sw_engine_seed(struct sw_engine *e);
/* Run every series once now, then return. */
void sw_engine_run_once(struct sw_engine *e);
/* Run forever: SIGTERM/SIGINT stop, SIGHUP (or a change of an *.ini in
 * DIR) reloads conf from DIR: read on a worker thread, bound on the loop
 * in slices; requests during a reload, or just after, make one more. */
void sw_engine_run_daemon(struct sw_engine *e, const char *dir);
struct sw_series **sw_engine_series(struct sw_engine *e);
/* The configuration the engine runs now (replaced by reloads). */
struct sw_conf *sw_engine_conf(struct sw_engine *e);
/* Free the engine, its series and conf (after the loop has stopped). */
void sw_engine_free(struct sw_engine *e);
/* Blocking runs still stuck in plugin code after their result was given:
 * wait up to US for their threads to return; how many did not. */
int sw_engine_wait_stuck(struct sw_engine *e, int64_t us);

/* Host-table entries for runs. */
sw_result *sw_run_result(sw_run *run);
int64_t sw_run_timeout(const sw_run *run);
void sw_run_complete(sw_run *run);

#endif
