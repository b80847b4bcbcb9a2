/* SPDX-License-Identifier: MIT */
#include "storeq.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "result.h"
#include "util.h"

#define STOREQ_BATCH       4096
#define STOREQ_MAX_TARGETS 32

struct sq_target {
    struct sw_loaded *plugin;
    void *inst;
};

struct sw_storeq {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    int running, stop;
    sw_result **ring;
    size_t cap, head, count;
    atomic_uint_fast64_t dropped, written;
    struct sq_target targets[STOREQ_MAX_TARGETS];
    int ntargets;
    int64_t keep_raw, keep_rollups; /* 0: no retention */
};

#define STOREQ_RETAIN_FIRST  2000000   /* the first pass, after start */
#define STOREQ_RETAIN_EVERY  600000000 /* then a pass every 10 min */
#define STOREQ_RETAIN_STEP   50000     /* between steps of a pass when idle */
#define STOREQ_RETAIN_BUDGET 5000      /* rows a step may touch */
#define STOREQ_LINGER        100000    /* gather results this long before a batch */

void sw_storeq_set_retention(struct sw_storeq *q, int64_t keep_raw, int64_t keep_rollups)
{
    q->keep_raw = keep_raw;
    q->keep_rollups = keep_rollups;
}

struct sw_storeq *sw_storeq_new(size_t cap)
{
    struct sw_storeq *q = sw_xcalloc(1, sizeof *q);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    q->cap = cap;
    q->ring = sw_xcalloc(cap, sizeof *q->ring);
    return q;
}

int sw_storeq_add_target(struct sw_storeq *q, struct sw_loaded *plugin, void *inst)
{
    if (q->ntargets == STOREQ_MAX_TARGETS)
        return SW_EBUSY;
    q->targets[q->ntargets] = (struct sq_target){plugin, inst};
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

void sw_storeq_push(struct sw_storeq *q, sw_result *r)
{
    pthread_mutex_lock(&q->lock);
    if (q->count == q->cap) {
        pthread_mutex_unlock(&q->lock);
        uint64_t n = atomic_fetch_add(&q->dropped, 1) + 1;
        /* Log the first and then every power of two, not every drop. */
        if ((n & (n - 1)) == 0)
            sw_err("storage queue full (%zu results): %llu result(s) dropped so far; is storage failing?",
                   q->cap, (unsigned long long)n);
        return;
    }
    q->ring[(q->head + q->count++) % q->cap] = sw_result_ref(r);
    /* The writer wants to know when there is work, and when a batch is
     * full; while it lingers, a wake-up per result is only a syscall. */
    if (q->count == 1 || q->count == STOREQ_BATCH)
        pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

/* Wait up to US microseconds unless asked to stop; returns q->stop. */
static int sq_sleep(struct sw_storeq *q, int64_t us)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(us / 1000000);
    ts.tv_nsec += (long)(us % 1000000) * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&q->lock);
    while (!q->stop && pthread_cond_timedwait(&q->cond, &q->lock, &ts) != ETIMEDOUT)
        ;
    int stop = q->stop;
    pthread_mutex_unlock(&q->lock);
    return stop;
}

static void sq_write_target(struct sw_storeq *q, int t, sw_result **batch, size_t n, const sw_result **sel)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (batch[i]->store_mask & (1u << t))
            sel[m++] = batch[i];
    if (!m)
        return;
    struct sq_target *tg = &q->targets[t];
    int64_t backoff = 100000;
    int tries_after_stop = 0;
    for (;;) {
        int rc = tg->plugin->desc.storage_write(tg->inst, sel, m);
        if (rc == 0)
            return;
        /* Keep the batch and retry: results are lost only if we must exit. */
        int stopping;
        pthread_mutex_lock(&q->lock);
        stopping = q->stop;
        pthread_mutex_unlock(&q->lock);
        if (stopping && ++tries_after_stop >= 3) {
            sw_err("%s: storage write failed (%s) while stopping; %zu result(s) not stored", tg->plugin->name,
                   sw_strerror(rc), m);
            return;
        }
        sw_warn("%s: storage write of %zu result(s) failed (%s); retrying in %lld ms", tg->plugin->name, m,
                sw_strerror(rc), (long long)(backoff / 1000));
        sq_sleep(q, backoff);
        backoff = backoff * 2 > 30000000 ? 30000000 : backoff * 2;
    }
}

/* One step of retention on every target that offers it; 1 while any has
 * more to do. */
static int sq_retain_step(struct sw_storeq *q)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    int more = 0;
    for (int t = 0; t < q->ntargets; t++) {
        struct sq_target *tg = &q->targets[t];
        if (!tg->plugin->desc.storage_retain)
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

static int64_t sq_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void *sq_main(void *arg)
{
    struct sw_storeq *q = arg;
    sw_result **batch = sw_xcalloc(STOREQ_BATCH, sizeof *batch);
    const sw_result **sel = sw_xcalloc(STOREQ_BATCH, sizeof *sel);
    int64_t retain_due = sq_mono() + STOREQ_RETAIN_FIRST;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        while (!q->count && !q->stop && !(q->keep_raw && sq_mono() >= retain_due)) {
            if (!q->keep_raw) {
                pthread_cond_wait(&q->cond, &q->lock);
                continue;
            }
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t wait = retain_due - sq_mono();
            ts.tv_sec += (time_t)(wait / 1000000);
            ts.tv_nsec += (long)(wait % 1000000) * 1000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&q->cond, &q->lock, &ts);
        }
        if (!q->count && q->stop) {
            pthread_mutex_unlock(&q->lock);
            break;
        }
        if (!q->count) { /* idle and retention is due: one step */
            pthread_mutex_unlock(&q->lock);
            retain_due = sq_mono() + (sq_retain_step(q) ? STOREQ_RETAIN_STEP : STOREQ_RETAIN_EVERY);
            continue;
        }
        /* Let more results come for a moment: a transaction costs about the
         * same for one result as for a thousand (the commit writes the same
         * index and rollup pages), and checks finish a few at a time. */
        int64_t linger_end = sq_mono() + STOREQ_LINGER;
        while (q->count < STOREQ_BATCH && !q->stop && sq_mono() < linger_end) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t wait = linger_end - sq_mono();
            ts.tv_nsec += (long)(wait > 0 ? wait : 0) * 1000;
            while (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&q->cond, &q->lock, &ts);
        }
        size_t n = 0;
        while (q->count && n < STOREQ_BATCH) {
            batch[n++] = q->ring[q->head];
            q->head = (q->head + 1) % q->cap;
            q->count--;
        }
        pthread_mutex_unlock(&q->lock);

        for (int t = 0; t < q->ntargets; t++)
            sq_write_target(q, t, batch, n, sel);
        atomic_fetch_add(&q->written, n);
        for (size_t i = 0; i < n; i++)
            sw_result_unref(batch[i]);
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

uint64_t sw_storeq_dropped(const struct sw_storeq *q)
{
    return atomic_load(&q->dropped);
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
        sw_result_unref(q->ring[(q->head + i) % q->cap]);
    for (int t = 0; t < q->ntargets; t++)
        if (q->targets[t].plugin->desc.storage_close)
            q->targets[t].plugin->desc.storage_close(q->targets[t].inst);
    free(q->ring);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
    free(q);
}
