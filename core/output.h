/* SPDX-License-Identifier: MIT
 * Output plugins: opening each [output NAME], the snapshot (sw_render) they
 * render from, and when they render: on demand (`sitewatch render`) or
 * every `every` in the daemon, off the loop on the worker pool, one render
 * at a time. */
#ifndef SW_OUTPUT_H
#define SW_OUTPUT_H

#include <uv.h>

#include "config.h"
#include "engine.h"
#include "storeq.h"

struct sw_outputs;

/* Open every [output NAME] of C; a section that fails is left out (its
 * configuration errors are added to C's errors, other failures logged).
 * Never NULL. */
struct sw_outputs *sw_outputs_open(struct sw_conf *c);
int sw_outputs_count(const struct sw_outputs *o);
/* Render every output now from ENG's series and Q's storage; returns how many
 * failed. */
int sw_outputs_render_now(struct sw_outputs *o, struct sw_engine *eng, struct sw_storeq *q);
/* Daemon: render each output every `every` on LOOP's worker pool. */
void sw_outputs_start(struct sw_outputs *o, uv_loop_t *loop, struct sw_engine *eng, struct sw_storeq *q);
/* Stop the timer and wait for a render in flight (runs LOOP meanwhile). */
void sw_outputs_stop(struct sw_outputs *o);
/* Close every output (after stop). */
void sw_outputs_free(struct sw_outputs *o);

/* A snapshot of ENG's series and their recent results (loop thread). */
struct sw_render *sw_render_new(struct sw_engine *eng, struct sw_storeq *q);
void sw_render_free(struct sw_render *rd);

/* Host-table entries (ABI 1.2). */
int64_t sw_render_now(const sw_render *rd);
const char *sw_render_location(const sw_render *rd);
int sw_render_series_count(const sw_render *rd);
int sw_render_series_at(const sw_render *rd, int i, const char **site, const char **check, const char **url,
                        int64_t *interval);
int sw_render_recent(const sw_render *rd, int i, int limit, sw_result_cb cb, void *ud);
int sw_history_results(const sw_render *rd, const char *site, const char *check, int64_t from, int64_t to,
                       int limit, uint32_t flags, sw_result_cb cb, void *ud);
int sw_history_buckets(const sw_render *rd, const char *site, const char *check, int64_t from, int64_t to,
                       int64_t step, uint32_t flags, sw_bucket_cb cb, void *ud);

#endif
