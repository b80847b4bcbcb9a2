/* SPDX-License-Identifier: MIT
 * The recent cache of one series (a site x check): its newest result
 * whole, and the results before it ([core] recent in all) as compact
 * records of times, verdict, reason and whether it came inside a
 * maintenance window.  That is all status, since and the
 * pages need of the older ones; a whole sw_result each was a third of the
 * daemon's heap at 10,000 sites. */
#ifndef SW_RECENT_H
#define SW_RECENT_H

#include <stdint.h>

#include "result.h"

struct sw_recent_entry {
    int64_t scheduled, started, duration, since;
    const char *reason; /* shared (see recent.c), or NULL */
    int verdict;
    int maintenance; /* it came inside a maintenance window: lent with info maintenance */
};

struct sw_recent {
    sw_result *newest;             /* one reference, or NULL when empty */
    struct sw_recent_entry *older; /* a ring of max - 1, made on first use */
    int first, nolder, max;        /* first: the slot of the newest older one */
};

void sw_recent_init(struct sw_recent *c, int max);
void sw_recent_free(struct sw_recent *c);
/* R becomes the newest (a reference is taken); the one before it is kept
 * as a record, and the oldest goes when there are MAX. */
void sw_recent_push(struct sw_recent *c, sw_result *r);
int sw_recent_count(const struct sw_recent *c);
/* Lend the I-th newest (0: the newest, whole; older ones carry times,
 * verdict and reason) to CB for the length of the call; CB's value. */
int sw_recent_lend(const struct sw_recent *c, int i, sw_result_cb cb, void *ud);
/* DST (initialised, empty) gets SRC's results, as many as its max holds:
 * the newest shared, the records copied (a render snapshot, a reload). */
void sw_recent_copy(struct sw_recent *dst, const struct sw_recent *src);

#endif
