/* SPDX-License-Identifier: MIT
 * The storage queues: one per storage target, each with its own writer
 * thread, so a slow or failing target never delays another.  The loop
 * pushes finished results; each writer drains its queue in batches (one
 * transaction per batch).  Bounded: overflow is counted and logged.  A
 * failing target is retried with backoff while its results wait.  Reads
 * do not go through a queue: one target, chosen once when storage opens
 * ([core] read_from), answers them. */
#ifndef SW_STOREQ_H
#define SW_STOREQ_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "loader.h"
#include "sitewatch/plugin.h"

struct sw_storeq;

/* Queues of at most CAP results each. */
struct sw_storeq *sw_storeq_new(size_t cap);
/* Add the opened storage instance INST of PLUGIN, named NAME ([storage
 * NAME]; copied), owned by the queues from now on (closed in
 * sw_storeq_free).  Returns its index, the target sw_storeq_push_to
 * takes, or SW_EBUSY past SW_STORAGE_MAX (which the configuration refuses). */
int sw_storeq_add(struct sw_storeq *q, const char *name, struct sw_loaded *plugin, void *inst);
/* The same, named after its plugin (kept for older callers). */
int sw_storeq_add_target(struct sw_storeq *q, struct sw_loaded *plugin, void *inst);
int sw_storeq_ntargets(const struct sw_storeq *q);
struct sw_loaded *sw_storeq_target(const struct sw_storeq *q, int i, void **inst);
/* Target I's name (its section's), NULL past the end; a target by name, -1
 * if none. */
const char *sw_storeq_target_name(const struct sw_storeq *q, int i);
int sw_storeq_find(const struct sw_storeq *q, const char *name);

/* Whether P can read results back (offers any storage read). */
int sw_storeq_can_read(const struct sw_loaded *p);
/* Choose, once, the target reads go to: the one named NAME, or with NULL
 * the first that can read.  Its index, or -1 (NAME is not open or cannot
 * read: reads find nothing). */
int sw_storeq_set_reader(struct sw_storeq *q, const char *name);
/* The reader (its instance in *INST), or NULL.  Without a choice made,
 * the first target that can read. */
struct sw_loaded *sw_storeq_read_from(const struct sw_storeq *q, void **inst);
/* The reader if its plugin offers the descriptor member at OFFSET (a read
 * such as storage_recent), its instance in *INST; NULL if not.
 * SW_STOREQ_READER(q, storage_buckets, &inst) names the member. */
struct sw_loaded *sw_storeq_reader(const struct sw_storeq *q, size_t offset, void **inst);
#define SW_STOREQ_READER(q, member, inst) sw_storeq_reader((q), offsetof(struct sw_plugin, member), (inst))

/* Retention (keep raw results and rollups this long, microseconds): each
 * writer applies it to its target if it can, in small steps between
 * batches, two seconds after start and then every ten minutes. */
void sw_storeq_set_retention(struct sw_storeq *q, int64_t keep_raw, int64_t keep_rollups);
/* FN(ARG) is called from a writer thread (or the loop, for a full queue)
 * when a target begins or stops failing or results are dropped (as often
 * as that is logged): it must only signal (such as uv_async_send) and not
 * call back into the queues.  NULL: no call. */
void sw_storeq_on_change(struct sw_storeq *q, void (*fn)(void *), void *arg);
/* Start a writer thread per target. */
void sw_storeq_start(struct sw_storeq *q);
/* Queue R for target T (it takes a new reference; never blocks on a
 * write; a full queue drops R and counts it).  Past the targets: nothing. */
void sw_storeq_push_to(struct sw_storeq *q, int t, sw_result *r);
/* Queue R for every target, as sw_storeq_push_to does. */
void sw_storeq_push(struct sw_storeq *q, sw_result *r);
/* Write everything queued, in every target at once; stop the threads. */
void sw_storeq_stop(struct sw_storeq *q);
/* Results lost, summed over targets: a queue was full, or a failing
 * target held too many (or still held some at stop). */
uint64_t sw_storeq_dropped(struct sw_storeq *q);
/* Whether target T is failing now: 1 with since when (wall clock) and its
 * error in ERR (N bytes), else 0.  [any thread] */
int sw_storeq_target_failing(struct sw_storeq *q, int t, int64_t *since, char *err, size_t n);
/* Results written (by each target: with two targets, counted twice). */
uint64_t sw_storeq_written(const struct sw_storeq *q);
/* The queues and each target's health as one JSON object: queued (all
 * targets), capacity (each), dropped (because a queue was full), and per
 * storage its name, plugin, state (ok, failing with the error and since
 * when), queued, waiting (queued or held for a retry), written, dropped
 * (all it lost) and queue_full (of those, lost because its queue was
 * full). */
struct buf;
void sw_storeq_health_json(struct sw_storeq *q, struct buf *b);
/* Stop if running, close the targets, free. */
void sw_storeq_free(struct sw_storeq *q);

#endif
