/* SPDX-License-Identifier: MIT
 * Delivering each notifier's outbox (alertdb.h): in order, one message at
 * a time, the events that came within its group_wait as one digest, a
 * failed one again after 1 s, 2 s, 4 s ... up to 5 min, until give_up_after
 * (then logged and counted).  A message leaves the store only once its
 * plugin said it was delivered, so a crash sends it again, never loses
 * it.  Each notifier has its own timer and its own delivery: one that
 * hangs or refuses holds back nobody else. */
#ifndef SW_OUTBOX_H
#define SW_OUTBOX_H

#include <stdint.h>

#include "alertdb.h"
#include "notifier.h"

struct sw_outbox;

/* Deliver NS's outboxes in DB (both outlive the outbox). */
struct sw_outbox *sw_outbox_new(struct sw_alertdb *db, struct sw_notifiers *ns);
/* Something was enqueued for NOTIFIER (NULL: for any): look again. */
void sw_outbox_kick(struct sw_outbox *o, const char *notifier);
/* Stop the timers; a delivery under way is the notifiers' to cancel (what
 * it carried stays in the store). */
void sw_outbox_free(struct sw_outbox *o);

/* Per notifier, for `alerts` and the health file. */
struct sw_outbox_counts {
    uint64_t delivered, failed, given_up; /* events; failed: attempts */
    int64_t last_ok, last_fail;           /* wall clock, 0: never */
};
int sw_outbox_counts(const struct sw_outbox *o, const char *notifier, struct sw_outbox_counts *out);
/* How many notifiers, and the I-th's counts. */
int sw_outbox_count(const struct sw_outbox *o);
int sw_outbox_counts_at(const struct sw_outbox *o, int i, struct sw_outbox_counts *out);

/* Every notifier's counts as a JSON array for the health file: name,
 * busy, delivered, failed (attempts), given_up, last_ok, last_fail. */
struct buf;
void sw_outbox_health_json(const struct sw_outbox *o, struct buf *b);

/* The wait before attempt N + 1 after N failed ones (N >= 1). */
int64_t sw_outbox_backoff(int attempts);

/* Most events in one message; more wait for the next. */
#define SW_OUTBOX_BATCH 1000

#endif
