/* SPDX-License-Identifier: MIT */
#include "outbox.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "host.h"
#include "lib/buf.h"
#include "log.h"
#include "units.h"
#include "util.h"

#define OUTBOX_BACKOFF_FIRST (1 * SW_S)
#define OUTBOX_BACKOFF_MAX   (5 * SW_MIN)

struct ob_row {
    int64_t seq, next_attempt, created;
    int attempts;
    char *event_id, *payload;
};

struct ob_one {
    struct sw_outbox *o;
    struct sw_notifier *n;
    uv_timer_t *timer;
    int busy;
    int64_t *seqs; /* what the delivery under way carries */
    int nseqs, attempts;
    /* Delivered, but the state file did not take it yet: not sent again,
     * and taken out of the file first at the next look. */
    int64_t *delivered;
    int ndelivered;
    struct sw_outbox_counts counts;
};

/* When the state file fails: look again after this, not at once. */
#define OUTBOX_STORE_RETRY (10 * SW_S)

struct sw_outbox {
    struct sw_alertdb *db;
    struct ob_one *v;
    int n;
};

int64_t sw_outbox_backoff(int attempts)
{
    int64_t d = OUTBOX_BACKOFF_FIRST;
    for (int i = 1; i < attempts && d < OUTBOX_BACKOFF_MAX; i++)
        d *= 2;
    return d < OUTBOX_BACKOFF_MAX ? d : OUTBOX_BACKOFF_MAX;
}

static void ob_look(struct ob_one *one);

static void ob_on_timer(uv_timer_t *t)
{
    ob_look(t->data);
}

static void ob_arm(struct ob_one *one, int64_t after)
{
    /* At least 1 ms: a 0 ms timer armed inside a timer's callback runs again
     * in the same turn of the loop, and a plugin may end a delivery inside
     * notify_send: that would hold the loop. */
    uint64_t ms = after > 0 ? (uint64_t)((after + SW_MS - 1) / SW_MS) : 1;
    uv_timer_start(one->timer, ob_on_timer, ms ? ms : 1, 0);
}

/* Run each of N seqs through DONE (sw_alertdb_done) or RETRY at NEXT, in
 * one transaction: 0, or the store's error (rolled back). */
static int ob_settle(struct sw_alertdb *db, const int64_t *seqs, int n, int delivered, int64_t next)
{
    int rc = sw_alertdb_begin(db);
    for (int i = 0; rc == 0 && i < n; i++)
        rc = delivered ? sw_alertdb_done(db, seqs[i]) : sw_alertdb_retry(db, seqs[i], next);
    if (rc == 0)
        rc = sw_alertdb_commit(db);
    if (rc != 0)
        sw_alertdb_rollback(db);
    return rc;
}

static int ob_is_delivered(const struct ob_one *one, int64_t seq)
{
    for (int i = 0; i < one->ndelivered; i++)
        if (one->delivered[i] == seq)
            return 1;
    return 0;
}

struct ob_rows {
    struct ob_row *v;
    int n;
};

static int ob_collect(void *ctx, const struct sw_outbox_msg *m)
{
    struct ob_rows *r = ctx;
    r->v[r->n++] = (struct ob_row){m->seq,      m->next_attempt,         m->created,
                                   m->attempts, sw_xstrdup(m->event_id), sw_xstrdup(m->payload)};
    return r->n == SW_OUTBOX_BATCH;
}

static void ob_rows_free(struct ob_rows *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->v[i].event_id), free(r->v[i].payload);
    free(r->v);
}

/* The end of a delivery: out of the store, or again later. */
static void ob_ended(sw_message *m, int err, const char *answer, void *ud)
{
    (void)m;
    struct ob_one *one = ud;
    struct sw_alertdb *db = one->o->db;
    int64_t now = sw_now_wall();
    one->busy = 0;
    int64_t wait = err == 0 ? 0 : sw_outbox_backoff(one->attempts + 1);
    int rc = ob_settle(db, one->seqs, one->nseqs, err == 0, now + wait);
    if (rc != 0) {
        /* Delivered: kept in memory so it is not sent again while the file
         * fails; refused: tried again after the backoff all the same. */
        sw_err("%s: the state file did not take the delivery's outcome: %s", one->n->label,
               sw_alertdb_error(db));
        if (err == 0) {
            one->delivered =
                sw_xrealloc(one->delivered, sizeof *one->delivered * (size_t)(one->ndelivered + one->nseqs));
            memcpy(one->delivered + one->ndelivered, one->seqs, sizeof *one->seqs * (size_t)one->nseqs);
            one->ndelivered += one->nseqs;
        }
    }
    if (err == 0) {
        one->counts.delivered += (uint64_t)one->nseqs;
        one->counts.last_ok = now;
        sw_info("%s: delivered %d event(s): %s", one->n->label, one->nseqs, answer);
    } else {
        char d[32];
        one->counts.failed++;
        one->counts.last_fail = now;
        sw_warn("%s: not delivered (attempt %d; again in %s): %s", one->n->label, one->attempts + 1,
                sw_fmt_duration(sw_outbox_backoff(one->attempts + 1), d, sizeof d),
                *answer ? answer : sw_strerror(err));
    }
    free(one->seqs);
    one->seqs = NULL;
    one->nseqs = 0;
    ob_arm(one, rc != 0 ? (wait > OUTBOX_STORE_RETRY ? wait : OUTBOX_STORE_RETRY) : 0);
}

static void ob_look(struct ob_one *one)
{
    if (one->busy)
        return;
    struct sw_alertdb *db = one->o->db;
    struct sw_notifier *n = one->n;
    if (one->ndelivered) { /* what the file did not take the last time */
        if (ob_settle(db, one->delivered, one->ndelivered, 1, 0) != 0) {
            ob_arm(one, OUTBOX_STORE_RETRY);
            return;
        }
        free(one->delivered);
        one->delivered = NULL;
        one->ndelivered = 0;
    }
    struct ob_rows rows = {sw_xcalloc(SW_OUTBOX_BATCH, sizeof *rows.v), 0};
    if (sw_alertdb_outbox(db, n->name, ob_collect, &rows) < 0) {
        sw_err("%s: cannot read its outbox: %s; trying again in 10 s", n->label, sw_alertdb_error(db));
        ob_rows_free(&rows);
        ob_arm(one, 10 * SW_S);
        return;
    }
    int64_t now = sw_now_wall();
    int first = 0;
    /* Too old to matter any more: said in the log, counted, dropped, in one
     * transaction (a sync each would hold the loop). */
    while (first < rows.n && rows.v[first].created + n->give_up_after <= now)
        first++;
    if (first) {
        int64_t *seqs = sw_xcalloc((size_t)first, sizeof *seqs);
        for (int i = 0; i < first; i++)
            seqs[i] = rows.v[i].seq;
        if (ob_settle(db, seqs, first, 1, 0) == 0) {
            for (int i = 0; i < first; i++) {
                char d[32];
                struct ob_row *r = &rows.v[i];
                sw_err("%s: gave up on event %s after %d attempt(s) over %s (give_up_after)", n->label,
                       r->event_id, r->attempts, sw_fmt_duration(now - r->created, d, sizeof d));
            }
            one->counts.given_up += (uint64_t)first;
        }
        free(seqs);
    }
    if (first == rows.n) {
        /* A full batch given up: what is behind it is looked at next. */
        if (first)
            ob_arm(one, first == SW_OUTBOX_BATCH ? 0 : OUTBOX_STORE_RETRY);
        ob_rows_free(&rows);
        return;
    }
    struct ob_row *head = &rows.v[first];
    int64_t wait = head->next_attempt - now;
    /* A first attempt waits for the others of its group_wait. */
    if (head->attempts == 0 && head->created + n->group_wait - now > wait)
        wait = head->created + n->group_wait - now;
    if (wait > 0) {
        ob_arm(one, wait);
        ob_rows_free(&rows);
        return;
    }
    sw_message *m = sw_notifier_message(n);
    one->seqs = sw_xcalloc((size_t)(rows.n - first), sizeof *one->seqs);
    one->nseqs = 0;
    one->attempts = head->attempts;
    for (int i = first; i < rows.n && rows.v[i].next_attempt <= now; i++) {
        /* A message tried before goes again as it went, the same events
         * under the same id: newer ones wait for the next message. */
        if (head->attempts &&
            (rows.v[i].attempts != head->attempts || rows.v[i].next_attempt != head->next_attempt))
            break;
        if (ob_is_delivered(one, rows.v[i].seq))
            continue;
        if (sw_message_add(m, rows.v[i].payload) < 0) {
            sw_err("%s: dropped event %s: its stored form is not an event", n->label, rows.v[i].event_id);
            sw_alertdb_done(db, rows.v[i].seq);
            continue;
        }
        one->seqs[one->nseqs++] = rows.v[i].seq;
    }
    ob_rows_free(&rows);
    if (!one->nseqs) {
        sw_message_free(m);
        free(one->seqs);
        one->seqs = NULL;
        ob_arm(one, 0);
        return;
    }
    one->busy = 1;
    n->done = ob_ended;
    n->ud = one;
    sw_notifier_send(n, m);
}

struct ob_strays {
    struct sw_notifiers *ns;
    char **said;
    int n;
};

static int ob_stray(void *ctx, const struct sw_outbox_msg *m)
{
    struct ob_strays *st = ctx;
    if (sw_notifiers_find(st->ns, m->notifier))
        return 0;
    for (int i = 0; i < st->n; i++)
        if (strcmp(st->said[i], m->notifier) == 0)
            return 0;
    st->said = sw_xrealloc(st->said, sizeof *st->said * (size_t)(st->n + 1));
    st->said[st->n++] = sw_xstrdup(m->notifier);
    sw_warn("messages wait for notifier %s, which is not open (its section is gone, or it failed to open): "
            "they go when it opens",
            m->notifier);
    return 0;
}

struct sw_outbox *sw_outbox_new(struct sw_alertdb *db, struct sw_notifiers *ns)
{
    /* What waits for a notifier this run has not opened is said, once. */
    struct ob_strays strays = {.ns = ns};
    sw_alertdb_outbox(db, NULL, ob_stray, &strays);
    for (int i = 0; i < strays.n; i++)
        free(strays.said[i]);
    free(strays.said);
    struct sw_outbox *o = sw_xcalloc(1, sizeof *o);
    o->db = db;
    o->n = ns->n;
    o->v = sw_xcalloc((size_t)ns->n + 1, sizeof *o->v);
    for (int i = 0; i < ns->n; i++) {
        struct ob_one *one = &o->v[i];
        one->o = o;
        one->n = &ns->v[i];
        one->timer = sw_xmalloc(sizeof *one->timer);
        uv_timer_init(sw_host_loop(), one->timer);
        one->timer->data = one;
        ob_arm(one, 0); /* what a previous run left */
    }
    return o;
}

void sw_outbox_kick(struct sw_outbox *o, const char *notifier)
{
    for (int i = 0; o && i < o->n; i++)
        if (!notifier || strcmp(o->v[i].n->name, notifier) == 0)
            if (!o->v[i].busy)
                ob_arm(&o->v[i], 0);
}

static void ob_timer_closed(uv_handle_t *h)
{
    free(h);
}

void sw_outbox_free(struct sw_outbox *o)
{
    if (!o)
        return;
    for (int i = 0; i < o->n; i++) {
        struct ob_one *one = &o->v[i];
        if (one->busy) { /* ends through the notifier's cancel, with nobody to hear it */
            one->n->done = NULL;
            one->n->ud = NULL;
        }
        free(one->seqs);
        free(one->delivered);
        uv_close((uv_handle_t *)one->timer, ob_timer_closed);
    }
    free(o->v);
    free(o);
}

int sw_outbox_counts(const struct sw_outbox *o, const char *notifier, struct sw_outbox_counts *out)
{
    for (int i = 0; o && i < o->n; i++)
        if (strcmp(o->v[i].n->name, notifier) == 0) {
            *out = o->v[i].counts;
            return 0;
        }
    return SW_ENOTFOUND;
}

int sw_outbox_count(const struct sw_outbox *o)
{
    return o ? o->n : 0;
}

int sw_outbox_counts_at(const struct sw_outbox *o, int i, struct sw_outbox_counts *out)
{
    if (!o || i < 0 || i >= o->n)
        return SW_ENOTFOUND;
    *out = o->v[i].counts;
    return 0;
}

void sw_outbox_health_json(const struct sw_outbox *o, struct buf *b)
{
    buf_puts(b, "[");
    for (int i = 0; o && i < o->n; i++) {
        const struct ob_one *one = &o->v[i];
        char t[40];
        buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        buf_json_str(b, one->n->name);
        buf_printf(b, ",\"busy\":%s,\"delivered\":%llu,\"failed\":%llu,\"given_up\":%llu",
                   one->busy ? "true" : "false", (unsigned long long)one->counts.delivered,
                   (unsigned long long)one->counts.failed, (unsigned long long)one->counts.given_up);
        buf_puts(b, ",\"last_ok\":");
        buf_json_str(b, one->counts.last_ok ? sw_fmt_time(one->counts.last_ok, t, sizeof t) : NULL);
        buf_puts(b, ",\"last_fail\":");
        buf_json_str(b, one->counts.last_fail ? sw_fmt_time(one->counts.last_fail, t, sizeof t) : NULL);
        buf_puts(b, "}");
    }
    buf_puts(b, "]");
}
