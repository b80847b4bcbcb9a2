/* SPDX-License-Identifier: MIT
 * The alert state of one series: UP, PENDING, DOWN from its verdicts, and
 * what is owed to the people who are told.  Two halves: sw_alert_result
 * counts a result into the state ("what is"), sw_alert_owed compares that
 * with what was told and gives the next event to announce, unless a
 * maintenance window or a parent that is DOWN holds it.  Because "told" is
 * part of the state and the state is kept in the store (alertdb.h), a
 * restart neither repeats an event nor loses one: it is derived again from
 * the same state, with the same id.  No engine, no clock: times are
 * microseconds since the epoch, passed in, and after it (0 means "none"
 * in the state). */
#ifndef SW_ALERT_H
#define SW_ALERT_H

#include <stdint.h>

#include "config.h"
#include "result.h"

enum sw_alert_state { SW_ALERT_UP = 0, SW_ALERT_PENDING = 1, SW_ALERT_DOWN = 2 };
enum sw_alert_kind { SW_EVENT_DOWN = 1, SW_EVENT_UP = 2, SW_EVENT_REMINDER = 3 };

/* The alert keys of a site (or [core]), already validated. */
struct sw_alert_rules {
    int alert_after;      /* failed results in a row before DOWN, >= 1 */
    int recover_after;    /* passed results in a row before UP again, >= 1 */
    int64_t remind_every; /* while DOWN and told, again this often; 0 = never */
    int alert_on;         /* SW_FAIL: only FAIL counts as failed; SW_WARN: WARN does too */
};

/* Plain data, copied freely; zero-initialised it is UP with nothing told. */
struct sw_alert {
    int state;                    /* enum sw_alert_state */
    int fails, passes;            /* counted results in a row (PENDING; DOWN recovering) */
    int64_t since;                /* the first failed result of this run; 0 when UP */
    int64_t passing_since;        /* the first passed result of a recovery under way */
    int64_t told_since;           /* the incident told DOWN (its since); 0: none */
    int64_t told_end;             /* when that incident ended, once it has; else 0 */
    int64_t last_told;            /* its DOWN or latest REMINDER went at */
    int reminders;                /* REMINDERs told for it */
    int acked;                    /* no more reminders until it recovers */
    char reason[SW_REASON_MAX];   /* the latest failed result's */
    char parent[SW_NAME_MAX + 1]; /* "unreachable: PARENT is down" while set */
};

/* What may not be announced now.  MAINTENANCE (a window or a silence)
 * holds everything; PARENT, a depends_on series that is DOWN, holds DOWN
 * and REMINDER but never UP. */
struct sw_alert_hold {
    int maintenance;
    const char *parent; /* its name, or NULL */
};

/* Longest event id, its NUL included. */
#define SW_ALERT_ID_MAX 64

struct sw_alert_event {
    int kind;           /* enum sw_alert_kind */
    int64_t at;         /* when it was decided: the NOW it was owed at */
    int64_t since;      /* when the incident began: its first failed result */
    int64_t downtime;   /* UP: from since to the first passed result */
    int nth;            /* REMINDER: 1, 2, ... */
    const char *reason; /* DOWN, REMINDER: the state's, until its next call */
    /* Stable: the series key's hash, since and the kind (REMINDER: its
     * number), so the same event derived again after a restart has the
     * same id.  Letters, digits, '.' and '-': fit for a Message-ID. */
    char id[SW_ALERT_ID_MAX];
};

/* Count a result of VERDICT with REASON at AT into A.  UNKNOWN counts
 * neither way; WARN counts as passed unless R->alert_on is SW_WARN. */
void sw_alert_result(struct sw_alert *a, const struct sw_alert_rules *r, int verdict, const char *reason,
                     int64_t at);

/* The next event owed for the series KEY at NOW under HOLD: 1 with *EV
 * filled and A marked as told, or 0 when nothing is owed (or it is held).
 * Call it until it returns 0, after each result and whenever a hold ends
 * or a reminder is due (sw_alert_due).  An UP for a told incident comes
 * before the DOWN of a newer one. */
int sw_alert_owed(struct sw_alert *a, const struct sw_alert_rules *r, const char *key,
                  const struct sw_alert_hold *hold, int64_t now, struct sw_alert_event *ev);

/* The DOWN told for the incident A is in, as it was told (its id), for
 * a notifier that is told again what is firing (SW_NOTIFY_RESTATE): 1
 * with *EV, or 0 when A is not DOWN and told. */
int sw_alert_told(const struct sw_alert *a, const char *key, int64_t now, struct sw_alert_event *ev);

/* When the next REMINDER is due (INT64_MAX: none), for a timer. */
int64_t sw_alert_due(const struct sw_alert *a, const struct sw_alert_rules *r);

/* `ack`: no more reminders for the DOWN series A until it recovers.
 * SW_EINVAL when A is not DOWN. */
int sw_alert_ack(struct sw_alert *a);

/* "up", "pending", "down"; "down" events: "DOWN", "UP", "REMINDER". */
const char *sw_alert_state_name(int state);
const char *sw_alert_kind_name(int kind);

#endif
