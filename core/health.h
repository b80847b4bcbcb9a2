/* SPDX-License-Identifier: MIT
 * The daemon's health file ([core] health_file): the storage queue and each
 * storage target's state as JSON, rewritten every few seconds, so that
 * `sitewatch status` can say when storage is failing even though the
 * failing storage is what it would read. */
#ifndef SW_HEALTH_H
#define SW_HEALTH_H

#include <uv.h>

#include "storeq.h"

struct sw_health;

/* Start rewriting PATH every few seconds on LOOP (NULL when PATH is). */
struct sw_health *sw_health_start(uv_loop_t *loop, const char *path, struct sw_storeq *q);
/* Also each notifier's deliveries (NULL: none any more). */
struct sw_outbox;
void sw_health_set_outbox(struct sw_health *h, struct sw_outbox *o);
/* Write it once more, marked stopped, and stop. */
void sw_health_stop(struct sw_health *h);
/* Print PATH's news for `status` to OUT: one line per storage that is
 * failing or dropped results (text), or the object as a line (JSON). */
void sw_health_show(const char *path, int json, FILE *out);

#endif
