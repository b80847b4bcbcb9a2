/* SPDX-License-Identifier: MIT
 * The storage queue: the loop pushes finished results, one writer thread
 * drains them in batches into every storage target (one transaction per
 * batch per target).  Bounded: overflow is counted and logged.  A failing
 * target is retried with backoff while its results wait. */
#ifndef SW_STOREQ_H
#define SW_STOREQ_H

#include <stddef.h>
#include <stdint.h>

#include "loader.h"
#include "sitewatch/plugin.h"

struct sw_storeq;

/* A queue of at most CAP results. */
struct sw_storeq *sw_storeq_new(size_t cap);
/* Add an opened storage instance (owned by the queue from now on: closed in
 * sw_storeq_free).  Returns its index, the bit in a result's store_mask. */
int sw_storeq_add_target(struct sw_storeq *q, struct sw_loaded *plugin, void *inst);
int sw_storeq_ntargets(const struct sw_storeq *q);
/* The first target whose plugin offers the descriptor member at OFFSET
 * (a read such as storage_recent), its instance in *INST; NULL if none.
 * SW_STOREQ_READER(q, storage_buckets, &inst) names the member. */
struct sw_loaded *sw_storeq_reader(const struct sw_storeq *q, size_t offset, void **inst);
#define SW_STOREQ_READER(q, member, inst) sw_storeq_reader((q), offsetof(struct sw_plugin, member), (inst))
struct sw_loaded *sw_storeq_target(const struct sw_storeq *q, int i, void **inst);
/* Retention (keep raw results and rollups this long, microseconds): the
 * writer thread applies it to every target that can, in small steps
 * between batches, two seconds after start and then every ten minutes. */
void sw_storeq_set_retention(struct sw_storeq *q, int64_t keep_raw, int64_t keep_rollups);
/* FN(ARG) is called from the writer thread, with the queue's lock held,
 * when a target begins or stops failing or results are dropped (as often
 * as that is logged): it must only signal (such as
 * uv_async_send) and not call back into the queue.  NULL: no call. */
void sw_storeq_on_change(struct sw_storeq *q, void (*fn)(void *), void *arg);
void sw_storeq_start(struct sw_storeq *q);
/* Queue R (takes a new reference; never blocks). */
void sw_storeq_push(struct sw_storeq *q, sw_result *r);
/* Write everything queued, stop the thread. */
void sw_storeq_stop(struct sw_storeq *q);
/* Results lost: the queue was full, or a failing target held too many
 * (or still held some at stop). */
uint64_t sw_storeq_dropped(struct sw_storeq *q);
/* Results written (by each target: with two targets, counted twice). */
uint64_t sw_storeq_written(const struct sw_storeq *q);
/* The queue and each target's health as one JSON object: queued,
 * capacity, dropped, and per storage its state (ok, failing with the error
 * and since when), results waiting, written and dropped. */
struct sw_buf;
void sw_storeq_health_json(struct sw_storeq *q, struct sw_buf *b);
/* Stop if running, close the targets, free. */
void sw_storeq_free(struct sw_storeq *q);

#endif
