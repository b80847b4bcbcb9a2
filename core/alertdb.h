/* SPDX-License-Identifier: MIT
 * The state store, [core] state = var/state.db: each series' alert state,
 * each notifier's outbox, and the ad-hoc silences, in one SQLite file.
 * What is decided and what it sends go in one transaction (begin, save,
 * enqueue, commit), and a message leaves the outbox only when it was
 * delivered (or given up), so a crash at any point loses nothing and at
 * worst sends a message twice, under the same event id.  One process
 * writes it (a lock file says which); others may read it.  Not thread
 * safe: one thread uses a handle. */
#ifndef SW_ALERTDB_H
#define SW_ALERTDB_H

#include <stdint.h>

#include "alert.h"

/* The schema this build writes (PRAGMA user_version). */
#define SW_ALERTDB_VERSION 2

/* How a process opens the store: the daemon writes it (and holds the
 * lock), `alerts` reads it beside the daemon, `ack` and `silence` add
 * requests beside it (rows the daemon applies; no lock). */
enum { SW_ALERTDB_WRITE = 0, SW_ALERTDB_READ = 1, SW_ALERTDB_REQUEST = 2 };

struct sw_alertdb;

struct sw_outbox_msg {
    int64_t seq; /* the outbox's order, never reused */
    const char *notifier, *event_id, *payload;
    int attempts;
    int64_t next_attempt, created;
};

/* Open (creating, mode 0600) the store at PATH in MODE (SW_ALERTDB_*):
 * to write, holding PATH.lock, to read or to add requests beside the
 * writer.  0, or SW_ESTORAGE
 * (SW_EBUSY: another process writes it) with *WHY a sentence to log, which
 * the caller frees. */
int sw_alertdb_open(const char *path, int mode, struct sw_alertdb **out, char **why);
void sw_alertdb_close(struct sw_alertdb *db);
/* The last error, for a log line. */
const char *sw_alertdb_error(const struct sw_alertdb *db);

/* A transaction around saves and enqueues; rollback undoes them all. */
int sw_alertdb_begin(struct sw_alertdb *db);
int sw_alertdb_commit(struct sw_alertdb *db);
void sw_alertdb_rollback(struct sw_alertdb *db);

/* The state of the series KEY: save replaces it; load gives SW_ENOTFOUND
 * (and A zeroed: UP, nothing told) for a series never saved. */
int sw_alertdb_save(struct sw_alertdb *db, const char *key, const struct sw_alert *a);
int sw_alertdb_load(struct sw_alertdb *db, const char *key, struct sw_alert *a);
/* Every saved series, in key order; a nonzero return of CB stops (and is
 * returned). */
int sw_alertdb_each_series(struct sw_alertdb *db,
                           int (*cb)(void *ctx, const char *key, const struct sw_alert *a), void *ctx);
/* Forget the series KEY (no longer in the config). */
int sw_alertdb_forget(struct sw_alertdb *db, const char *key);

/* Append PAYLOAD for NOTIFIER to its outbox; an EVENT_ID it already holds
 * is not added again (an event derived twice is one message). */
int sw_alertdb_enqueue(struct sw_alertdb *db, const char *notifier, const char *event_id, const char *payload,
                       int64_t now);
/* NOTIFIER's messages in order (NULL: every notifier's, in order); the
 * strings live until CB returns; a nonzero return of CB stops. */
int sw_alertdb_outbox(struct sw_alertdb *db, const char *notifier,
                      int (*cb)(void *ctx, const struct sw_outbox_msg *m), void *ctx);
/* Delivered (or given up): the message leaves the outbox. */
int sw_alertdb_done(struct sw_alertdb *db, int64_t seq);
/* Not delivered: one more attempt counted, the next at NEXT. */
int sw_alertdb_retry(struct sw_alertdb *db, int64_t seq, int64_t next);

/* `silence SITE DURATION`: SITE is held from FROM until UNTIL. */
int sw_alertdb_silence(struct sw_alertdb *db, const char *site, int64_t from, int64_t until);
/* Whether SITE is silenced at T: 1 with the latest *UNTIL, else 0 (or an
 * error). */
int sw_alertdb_silenced(struct sw_alertdb *db, const char *site, int64_t t, int64_t *until);
/* The silences not over by T, a site each (its earliest start, its latest
 * end), in name order; CB's nonzero return stops. */
int sw_alertdb_each_silence(struct sw_alertdb *db, int64_t t,
                            int (*cb)(void *ctx, const char *site, int64_t from, int64_t until), void *ctx);
/* Drop the silences over by T. */
int sw_alertdb_purge_silences(struct sw_alertdb *db, int64_t t);

/* `ack SITE [--check CHECK]` (CHECK NULL: every check of SITE), asked at
 * AT; the daemon takes the requests: CB for each in order, then they are
 * gone.  Returns how many, or an error (CB's nonzero return stops). */
int sw_alertdb_ack(struct sw_alertdb *db, const char *site, const char *check, int64_t at);
int sw_alertdb_take_acks(struct sw_alertdb *db, int (*cb)(void *ctx, const char *site, const char *check),
                         void *ctx);

#endif
