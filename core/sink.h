/* SPDX-License-Identifier: MIT
 * Where a finished result goes: one event (the result, its series, the
 * verdict it replaces) handed to every sink registered with the engine, in
 * the order they were registered.  The engine registers the recent cache,
 * the log of verdict changes and the storage router; `check` adds its
 * collector, `run` the log of first verdicts (and next the alert state and
 * the metrics).  A new sink is one sw_sink_register, no edit of the
 * engine.
 *
 * Learned from collectd's plugin_register_write and Gatus's watchdog
 * (metrics, store and alerting as three consumers of one result). */
#ifndef SW_SINK_H
#define SW_SINK_H

#include "result.h"

struct sw_engine;
struct sw_series;
struct sw_storeq;

/* The verdict of a series that has none yet (no result, none in storage). */
#define SW_NO_VERDICT (-1)

struct sw_result_event {
    sw_result *result; /* lent for the call: a sink that keeps it takes a reference */
    struct sw_series *series;
    /* The series' place in the configuration the engine runs (0 .. nseries-1),
     * or -1 for a series a reload retired while its run went on. */
    int index;
    int prev_verdict; /* the verdict this result replaces, or SW_NO_VERDICT */
};

/* Called on the loop thread for every result, after the engine has set
 * its since. */
typedef void (*sw_sink_fn)(const struct sw_result_event *ev, void *ud);

/* Add a sink to E's delivery, after those there are.  RELEASE (or NULL)
 * is called with UD when the engine is freed: the sink's state is the
 * engine's from now on. */
void sw_sink_register(struct sw_engine *e, const char *name, sw_sink_fn fn, void (*release)(void *ud),
                      void *ud);

/* The list an engine keeps (engine.c). */
struct sw_sink {
    const char *name;
    sw_sink_fn fn;
    void (*release)(void *ud);
    void *ud;
};
struct sw_sinks {
    struct sw_sink *v;
    int n;
};
struct sw_sinks *sw_engine_sinks(struct sw_engine *e);
void sw_sinks_deliver(const struct sw_sinks *s, const struct sw_result_event *ev);
void sw_sinks_free(struct sw_sinks *s);

/* ---- the sinks sitewatch has ---- */

/* The series' recent cache (sink_recent.c): the result becomes its newest. */
void sw_sink_recent(const struct sw_result_event *ev, void *ud);
/* The log of verdict changes (sink_changes.c): "SITE CHECK OK -> FAIL:
 * reason".  The daemon adds the first verdict of each series with no
 * history, "SITE CHECK: FAIL: reason" (check prints every verdict
 * anyway). */
void sw_sink_changes(const struct sw_result_event *ev, void *ud);
void sw_sink_first_verdicts(const struct sw_result_event *ev, void *ud);
/* The storage router (sink_storage.c), UD the queue: each result to the
 * targets its series stores to (the site's store = list, or all). */
void sw_sink_storage(const struct sw_result_event *ev, void *ud);

/* A command's collector (sink_collect.c): one result per series, placed by
 * the series' index, so `check` prints in configuration order whatever
 * order the runs finished in. */
struct sw_collector;
/* Room for NSERIES; registered with sw_sink_register(e, "collector",
 * sw_sink_collect, NULL, c), freed by the caller with sw_collector_free
 * once the engine runs no more. */
struct sw_collector *sw_collector_new(int nseries);
void sw_sink_collect(const struct sw_result_event *ev, void *ud);
/* The result of series I (a reference the collector keeps), or NULL if
 * none came. */
sw_result *sw_collector_get(const struct sw_collector *c, int i);
void sw_collector_free(struct sw_collector *c);

#endif
