/* SPDX-License-Identifier: MIT
 * Sitewatch watching itself, the original probe's guard for unknown
 * failures: a storage failing for over a minute, results dropped, p99 of
 * sched.lag over 1 s for 5 minutes, blocking checks stuck in plugin code,
 * a plugin that failed to load, an outbox that gave up.  Each is a part of
 * the pseudo-site `sitewatch`; a change of a part's condition becomes a
 * SELF event (or its UP) through sw_alerts_self. */
#ifndef SW_SELFWATCH_H
#define SW_SELFWATCH_H

#include <stdint.h>

#include "sink.h"

struct sw_alerts;
struct sw_engine;
struct sw_storeq;
struct sw_selfwatch;

struct sw_selfwatch *sw_selfwatch_new(void);
void sw_selfwatch_free(struct sw_selfwatch *w);
/* The sink that samples each result's sched.lag (UD: the selfwatch). */
void sw_selfwatch_sink(const struct sw_result_event *ev, void *ud);
/* Look at everything once (each second), telling AL what changed. */
void sw_selfwatch_tick(struct sw_selfwatch *w, struct sw_alerts *al, struct sw_engine *e, struct sw_storeq *q,
                       int64_t now);

/* The conditions' limits. */
#define SW_SELF_STORAGE_AFTER (60 * SW_S)  /* failing this long */
#define SW_SELF_DROPS_CLEAR   (5 * SW_MIN) /* no drop for this long: well again */
#define SW_SELF_LAG           (1 * SW_S)   /* p99 of a minute over this */
#define SW_SELF_LAG_MINUTES   5            /* ... this many minutes in a row */
#define SW_SELF_GIVEUP_CLEAR  (10 * SW_MIN)

#endif
