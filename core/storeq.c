/* SPDX-License-Identifier: MIT */
#include "storeq.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "result.h"
#include "util.h"

#define STOREQ_BATCH       65536 /* a backlog is written in few, large transactions */
#define STOREQ_MAX_TARGETS 32

/* A ring of results, oldest first, that grows by doubling up to the
 * queue's size and is let go when it empties after holding many.  At
 * steady load it holds a few hundred: a ring of queue_size slots (800 KB
 * at the default, for the queue and for each target) was resident once it
 * had turned.  Its count is kept by its owner (published under the lock). */
struct sq_ring {
    sw_result **v;
    size_t size, head;
};

static sw_result **sq_slot(const struct sq_ring *r, size_t i)
{
    return &r->v[(r->head + i) % r->size];
}

/* Room for one more behind the N held, up to MAX in all. */
static void sq_ring_room(struct sq_ring *r, size_t n, size_t max)
{
    if (n < r->size)
        return;
    size_t size = r->size ? r->size * 2 : 256;
    size = size < max ? size : max;
    sw_result **v = sw_xmalloc(size * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = *sq_slot(r, i);
    free(r->v);
    *r = (struct sq_ring){v, size, 0};
}

static sw_result *sq_ring_pop(struct sq_ring *r)
{
    sw_result *x = r->v[r->head];
    r->head = (r->head + 1) % r->size;
    return x;
}

/* Empty (N is 0) after a backlog: give the memory back. */
static void sq_ring_trim(struct sq_ring *r, size_t n)
{
    if (!n && r->size > 1024) {
        free(r->v);
        *r = (struct sq_ring){0};
    }
}

struct sq_target {
    struct sw_loaded *plugin;
    void *inst;
    /* What this target has still to write, oldest first.  A target that
     * fails keeps its own results (up to the queue's size) and is retried
     * with backoff; the other targets go on. */
    struct sq_ring pend;
    size_t npend;
    int64_t retry_at, backoff; /* monotonic */
    /* Health, read by other threads under the queue's lock. */
    int failing;
    int64_t failing_since; /* wall clock */
    char error[160];
    uint64_t dropped, written;
};

struct sw_storeq {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    int running, stop;
    struct sq_ring ring;
    size_t cap, count; /* cap: the queue's size */
    atomic_uint_fast64_t dropped, written;
    struct sq_target targets[STOREQ_MAX_TARGETS];
    int ntargets;
    int64_t keep_raw, keep_rollups; /* 0: no retention */
    void (*on_change)(void *);      /* see sw_storeq_on_change */
    void *on_change_arg;
};

#define STOREQ_RETAIN_FIRST  2000000   /* the first pass, after start */
#define STOREQ_RETAIN_EVERY  600000000 /* then a pass every 10 min */
#define STOREQ_RETAIN_STEP   50000     /* between steps of a pass when idle */
#define STOREQ_RETAIN_BUDGET 5000      /* rows a step may touch */
#define STOREQ_LINGER        1000000   /* gather results this long before a batch */
#define STOREQ_RETRY_FIRST   250000    /* a failed write is tried again after this... */
#define STOREQ_RETRY_MAX     10000000  /* ...doubling up to this */

void sw_storeq_on_change(struct sw_storeq *q, void (*fn)(void *), void *arg)
{
    pthread_mutex_lock(&q->lock);
    q->on_change = fn;
    q->on_change_arg = arg;
    pthread_mutex_unlock(&q->lock);
}

/* Called with the lock held: a target began or stopped failing, or lost
 * results (as often as that is logged). */
static void sq_changed(struct sw_storeq *q)
{
    if (q->on_change)
        q->on_change(q->on_change_arg);
}

void sw_storeq_set_retention(struct sw_storeq *q, int64_t keep_raw, int64_t keep_rollups)
{
    q->keep_raw = keep_raw;
    q->keep_rollups = keep_rollups;
}

struct sw_storeq *sw_storeq_new(size_t cap)
{
    struct sw_storeq *q = sw_xcalloc(1, sizeof *q);
    pthread_mutex_init(&q->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cond, &ca);
    pthread_condattr_destroy(&ca);
    q->cap = cap ? cap : 1;
    return q;
}

int sw_storeq_add_target(struct sw_storeq *q, struct sw_loaded *plugin, void *inst)
{
    if (q->ntargets == STOREQ_MAX_TARGETS)
        return SW_EBUSY;
    q->targets[q->ntargets] = (struct sq_target){.plugin = plugin, .inst = inst};
    return q->ntargets++;
}

int sw_storeq_ntargets(const struct sw_storeq *q)
{
    return q->ntargets;
}

struct sw_loaded *sw_storeq_reader(const struct sw_storeq *q, size_t offset, void **inst)
{
    for (int t = 0; q && t < q->ntargets; t++) {
        void (*fn)(void);
        memcpy(&fn, (const char *)&q->targets[t].plugin->desc + offset, sizeof fn);
        if (fn) {
            *inst = q->targets[t].inst;
            return q->targets[t].plugin;
        }
    }
    return NULL;
}

struct sw_loaded *sw_storeq_target(const struct sw_storeq *q, int i, void **inst)
{
    if (i < 0 || i >= q->ntargets)
        return NULL;
    if (inst)
        *inst = q->targets[i].inst;
    return q->targets[i].plugin;
}

/* A batch is as big as STOREQ_BATCH, or the whole queue if that is less:
 * the writer stops gathering then. */
static size_t sq_full_batch(const struct sw_storeq *q)
{
    return q->cap < STOREQ_BATCH ? q->cap : STOREQ_BATCH;
}

void sw_storeq_push(struct sw_storeq *q, sw_result *r)
{
    pthread_mutex_lock(&q->lock);
    if (q->count == q->cap) {
        pthread_mutex_unlock(&q->lock);
        uint64_t n = atomic_fetch_add(&q->dropped, 1) + 1;
        /* Log the first and then every power of two, not every drop. */
        if ((n & (n - 1)) == 0) {
            sw_err("storage queue full (%zu results): %llu result(s) dropped so far; is storage failing?",
                   q->cap, (unsigned long long)n);
            pthread_mutex_lock(&q->lock);
            sq_changed(q);
            pthread_mutex_unlock(&q->lock);
        }
        return;
    }
    sq_ring_room(&q->ring, q->count, q->cap);
    *sq_slot(&q->ring, q->count++) = sw_result_ref(r);
    /* The writer wants to know when there is work, and when a batch is
     * full; while it lingers, a wake-up per result is only a syscall. */
    if (q->count == 1 || q->count == sq_full_batch(q))
        pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

static int64_t sq_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Wait on the queue's condition (lock held) until the monotonic time UNTIL,
 * or for ever when UNTIL is 0.  The condition runs on the monotonic clock:
 * a wall-clock jump neither stalls nor hurries the writer. */
static void sq_wait_until(struct sw_storeq *q, int64_t until)
{
    if (!until) {
        pthread_cond_wait(&q->cond, &q->lock);
        return;
    }
    struct timespec ts = {(time_t)(until / 1000000), (long)(until % 1000000) * 1000};
    pthread_cond_timedwait(&q->cond, &q->lock, &ts);
}

static int64_t sq_min_due(int64_t a, int64_t b)
{
    return !a ? b : !b ? a : a < b ? a : b;
}

/* Give target T its share of a batch (by store_mask).  When it already
 * holds as many results as the queue can, its oldest go: counted and
 * logged, never blocking the others. */
static void sq_take(struct sw_storeq *q, int t, sw_result **batch, size_t n)
{
    struct sq_target *tg = &q->targets[t];
    /* Only this thread changes npend and dropped: count here, publish once. */
    size_t npend = tg->npend;
    uint64_t dropped = tg->dropped;
    int logged = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(batch[i]->store_mask & (1u << t)))
            continue;
        if (npend == q->cap) {
            sw_result_unref(sq_ring_pop(&tg->pend));
            npend--;
            dropped++;
            if ((dropped & (dropped - 1)) == 0) { /* the first, then every power of two */
                logged = 1;
                sw_err("%s: storage is failing and %zu result(s) wait for it: %llu oldest dropped so far",
                       tg->plugin->name, q->cap, (unsigned long long)dropped);
            }
        }
        sq_ring_room(&tg->pend, npend, q->cap);
        *sq_slot(&tg->pend, npend++) = sw_result_ref(batch[i]);
    }
    pthread_mutex_lock(&q->lock);
    tg->npend = npend;
    tg->dropped = dropped;
    if (logged)
        sq_changed(q);
    pthread_mutex_unlock(&q->lock);
}

static void sq_failed(struct sw_storeq *q, struct sq_target *tg, int rc, size_t m)
{
    tg->backoff = tg->backoff ? (tg->backoff * 2 > STOREQ_RETRY_MAX ? STOREQ_RETRY_MAX : tg->backoff * 2)
                              : STOREQ_RETRY_FIRST;
    tg->retry_at = sq_mono() + tg->backoff;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    pthread_mutex_lock(&q->lock);
    int first = !tg->failing;
    if (first) {
        tg->failing = 1;
        tg->failing_since = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
        sq_changed(q);
    }
    snprintf(tg->error, sizeof tg->error, "%s", sw_strerror(rc));
    size_t waiting = tg->npend;
    pthread_mutex_unlock(&q->lock);
    if (first)
        sw_err("%s: cannot store %zu result(s) (%s); they wait, with what follows (up to %zu), and are "
               "written when it works again",
               tg->plugin->name, m, sw_strerror(rc), q->cap);
    else if (tg->backoff == STOREQ_RETRY_MAX)
        sw_warn("%s: still cannot store (%s); %zu result(s) waiting; next try in %lld s", tg->plugin->name,
                sw_strerror(rc), waiting, (long long)(tg->backoff / 1000000));
}

/* Write what target TG holds, a batch at a time; stops at a failure. */
static void sq_flush(struct sw_storeq *q, struct sq_target *tg, const sw_result **sel)
{
    while (tg->npend) {
        size_t m = 0;
        while (m < tg->npend && m < STOREQ_BATCH) {
            sel[m] = *sq_slot(&tg->pend, m);
            m++;
        }
        int rc = tg->plugin->desc.storage_write(tg->inst, sel, m);
        if (rc != 0) {
            sq_failed(q, tg, rc, m);
            return;
        }
        for (size_t i = 0; i < m; i++)
            sw_result_unref(sq_ring_pop(&tg->pend));
        pthread_mutex_lock(&q->lock);
        tg->npend -= m;
        sq_ring_trim(&tg->pend, tg->npend);
        tg->written += m;
        int was_failing = tg->failing;
        tg->failing = 0;
        if (was_failing)
            sq_changed(q);
        size_t left = tg->npend;
        pthread_mutex_unlock(&q->lock);
        atomic_fetch_add(&q->written, m);
        tg->backoff = 0;
        tg->retry_at = 0;
        if (was_failing)
            sw_info("%s: storing again; %zu waiting result(s) written, %zu to go", tg->plugin->name, m, left);
    }
}

/* One step of retention on every target that offers it; 1 while any has
 * more to do.  A failing target is left alone until it writes again. */
static int sq_retain_step(struct sw_storeq *q)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    int more = 0;
    for (int t = 0; t < q->ntargets; t++) {
        struct sq_target *tg = &q->targets[t];
        if (!tg->plugin->desc.storage_retain || tg->retry_at)
            continue;
        int rc = tg->plugin->desc.storage_retain(tg->inst, now - q->keep_raw, now - q->keep_rollups,
                                                 STOREQ_RETAIN_BUDGET);
        if (rc < 0)
            sw_warn("%s: retention step failed (%s); tried again at the next pass", tg->plugin->name,
                    sw_strerror(rc));
        more |= rc == 1;
    }
    return more;
}

/* When the writer must wake up with nothing queued: a retry or retention. */
static int64_t sq_next_due(struct sw_storeq *q, int64_t retain_due)
{
    int64_t due = q->keep_raw ? retain_due : 0;
    for (int t = 0; t < q->ntargets; t++)
        if (q->targets[t].npend && q->targets[t].retry_at)
            due = sq_min_due(due, q->targets[t].retry_at);
    return due;
}

/* Stopping: a few last tries for targets still failing, then what they
 * hold is lost, and said so. */
static void sq_last_tries(struct sw_storeq *q, const sw_result **sel)
{
    for (int t = 0; t < q->ntargets; t++) {
        struct sq_target *tg = &q->targets[t];
        for (int i = 0; i < 3 && tg->npend; i++) {
            if (i) {
                struct timespec ts = {0, 200000000};
                nanosleep(&ts, NULL);
            }
            sq_flush(q, tg, sel);
        }
        if (tg->npend)
            sw_err("%s: storage still failing at stop (%s): %zu result(s) not stored", tg->plugin->name,
                   tg->error, tg->npend);
        pthread_mutex_lock(&q->lock);
        tg->dropped += tg->npend;
        pthread_mutex_unlock(&q->lock);
        while (tg->npend) {
            sw_result_unref(sq_ring_pop(&tg->pend));
            tg->npend--;
        }
    }
}

static void *sq_main(void *arg)
{
    struct sw_storeq *q = arg;
    sw_result **batch = sw_xcalloc(STOREQ_BATCH, sizeof *batch);
    const sw_result **sel = sw_xcalloc(STOREQ_BATCH, sizeof *sel);
    int64_t retain_due = sq_mono() + STOREQ_RETAIN_FIRST;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        for (;;) {
            int64_t due = sq_next_due(q, retain_due);
            if (q->count || q->stop || (due && sq_mono() >= due))
                break;
            sq_wait_until(q, due);
        }
        /* Let more results come for a moment: a transaction costs about the
         * same for one result as for a thousand (the commit writes the same
         * index and rollup pages), and checks finish a few at a time. */
        int64_t linger_end = sq_mono() + STOREQ_LINGER;
        while (q->count && q->count < sq_full_batch(q) && !q->stop && sq_mono() < linger_end)
            sq_wait_until(q, linger_end);
        size_t n = 0;
        while (q->count && n < STOREQ_BATCH) {
            batch[n++] = sq_ring_pop(&q->ring);
            q->count--;
        }
        sq_ring_trim(&q->ring, q->count);
        int done = q->stop && !q->count;
        pthread_mutex_unlock(&q->lock);

        int64_t now = sq_mono();
        for (int t = 0; t < q->ntargets; t++) {
            struct sq_target *tg = &q->targets[t];
            sq_take(q, t, batch, n);
            if (tg->npend && (!tg->retry_at || now >= tg->retry_at))
                sq_flush(q, tg, sel);
        }
        for (size_t i = 0; i < n; i++)
            sw_result_unref(batch[i]);
        if (done) {
            sq_last_tries(q, sel);
            break;
        }
        /* Under steady load the queue is never empty: a step between batches. */
        if (q->keep_raw && sq_mono() >= retain_due)
            retain_due = sq_mono() + (sq_retain_step(q) ? STOREQ_RETAIN_STEP : STOREQ_RETAIN_EVERY);
    }
    free(batch);
    free(sel);
    return NULL;
}

void sw_storeq_start(struct sw_storeq *q)
{
    if (q->running)
        return;
    q->running = pthread_create(&q->thread, NULL, sq_main, q) == 0;
    if (!q->running)
        sw_err("cannot start the storage writer thread");
}

void sw_storeq_stop(struct sw_storeq *q)
{
    if (!q->running)
        return;
    pthread_mutex_lock(&q->lock);
    q->stop = 1;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
    pthread_join(q->thread, NULL);
    q->running = 0;
}

uint64_t sw_storeq_dropped(struct sw_storeq *q)
{
    uint64_t n = atomic_load(&q->dropped);
    pthread_mutex_lock(&q->lock);
    for (int t = 0; t < q->ntargets; t++)
        n += q->targets[t].dropped;
    pthread_mutex_unlock(&q->lock);
    return n;
}

void sw_storeq_health_json(struct sw_storeq *q, struct sw_buf *b)
{
    pthread_mutex_lock(&q->lock);
    sw_buf_printf(b, "{\"queued\":%zu,\"capacity\":%zu,\"dropped\":%llu,\"storage\":[", q->count, q->cap,
                  (unsigned long long)atomic_load(&q->dropped));
    for (int t = 0; t < q->ntargets; t++) {
        const struct sq_target *tg = &q->targets[t];
        char since[40];
        sw_buf_puts(b, t ? ",{\"name\":" : "{\"name\":");
        sw_buf_json_str(b, tg->plugin->name);
        sw_buf_printf(b, ",\"state\":\"%s\",\"waiting\":%zu,\"written\":%llu,\"dropped\":%llu",
                      tg->failing ? "failing" : "ok", tg->npend, (unsigned long long)tg->written,
                      (unsigned long long)tg->dropped);
        if (tg->failing) {
            sw_buf_puts(b, ",\"error\":");
            sw_buf_json_str(b, tg->error);
            sw_buf_printf(b, ",\"failing_since\":\"%s\"",
                          sw_fmt_time(tg->failing_since, since, sizeof since));
        }
        sw_buf_puts(b, "}");
    }
    sw_buf_puts(b, "]}");
    pthread_mutex_unlock(&q->lock);
}

uint64_t sw_storeq_written(const struct sw_storeq *q)
{
    return atomic_load(&q->written);
}

void sw_storeq_free(struct sw_storeq *q)
{
    if (!q)
        return;
    sw_storeq_stop(q);
    for (size_t i = 0; i < q->count; i++)
        sw_result_unref(*sq_slot(&q->ring, i));
    for (int t = 0; t < q->ntargets; t++) {
        struct sq_target *tg = &q->targets[t];
        for (size_t i = 0; i < tg->npend; i++)
            sw_result_unref(*sq_slot(&tg->pend, i));
        free(tg->pend.v);
        if (tg->plugin->desc.storage_close)
            tg->plugin->desc.storage_close(tg->inst);
    }
    free(q->ring.v);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
    free(q);
}
