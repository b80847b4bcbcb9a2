/* SPDX-License-Identifier: MIT */
#include "storeq.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "result.h"
#include "util.h"

#define STOREQ_BATCH 65536 /* a backlog is written in few, large transactions */

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

/* One storage target: its own bounded queue, drained in batches by its own
 * writer thread, so a target that is slow or failing (a locked database
 * holding each write for its busy_timeout) never delays another. */
struct sq_target {
    struct sw_storeq *q;
    char *name; /* the section's: [storage NAME] */
    struct sw_loaded *plugin;
    void *inst;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    int running, stop;
    /* Queued by the loop, not yet taken by the writer. */
    struct sq_ring ring;
    size_t count;
    /* Taken and still to write, oldest first.  A target that fails keeps
     * its results (up to the queue's size) and is retried with backoff. */
    struct sq_ring pend;
    size_t npend;
    int64_t retry_at, backoff; /* monotonic; the writer's own */
    /* Health, read by other threads under the lock. */
    int failing;
    int64_t failing_since; /* wall clock */
    char error[160];
    uint64_t dropped; /* every result this target lost */
    uint64_t full;    /* of which: its queue was full */
    uint64_t written;
    uint64_t shed; /* the writer's own: oldest let go while failing */
};

struct sw_storeq {
    size_t cap; /* each target's queue holds this many */
    struct sq_target *targets[SW_STORAGE_MAX];
    int ntargets;
    int reader, chosen;             /* the target reads go to (-1: none), once chosen */
    int64_t keep_raw, keep_rollups; /* 0: no retention */
    pthread_mutex_t cb_lock;        /* taken after a target's lock, never before */
    void (*on_change)(void *);      /* see sw_storeq_on_change */
    void *on_change_arg;
};

#define STOREQ_RETAIN_FIRST  (2 * SW_S)    /* the first pass, after start */
#define STOREQ_RETAIN_EVERY  (10 * SW_MIN) /* then a pass every 10 min */
#define STOREQ_RETAIN_STEP   (50 * SW_MS)  /* between steps of a pass when idle */
#define STOREQ_RETAIN_BUDGET 5000          /* rows a step may touch */
#define STOREQ_LINGER        SW_S          /* gather results this long before a batch */
#define STOREQ_RETRY_FIRST   (250 * SW_MS) /* a failed write is tried again after this... */
#define STOREQ_RETRY_MAX     (10 * SW_S)   /* ...doubling up to this */

void sw_storeq_on_change(struct sw_storeq *q, void (*fn)(void *), void *arg)
{
    pthread_mutex_lock(&q->cb_lock);
    q->on_change = fn;
    q->on_change_arg = arg;
    pthread_mutex_unlock(&q->cb_lock);
}

/* A target began or stopped failing, or lost results (as often as that is
 * logged).  Called with or without the target's lock. */
static void sq_changed(struct sw_storeq *q)
{
    pthread_mutex_lock(&q->cb_lock);
    if (q->on_change)
        q->on_change(q->on_change_arg);
    pthread_mutex_unlock(&q->cb_lock);
}

void sw_storeq_set_retention(struct sw_storeq *q, int64_t keep_raw, int64_t keep_rollups)
{
    q->keep_raw = keep_raw;
    q->keep_rollups = keep_rollups;
}

struct sw_storeq *sw_storeq_new(size_t cap)
{
    struct sw_storeq *q = sw_xcalloc(1, sizeof *q);
    pthread_mutex_init(&q->cb_lock, NULL);
    q->cap = cap ? cap : 1;
    q->reader = -1;
    return q;
}

int sw_storeq_add(struct sw_storeq *q, const char *name, struct sw_loaded *plugin, void *inst)
{
    if (q->ntargets == SW_STORAGE_MAX)
        return SW_EBUSY; /* the configuration refuses more (config.c) */
    struct sq_target *tg = sw_xcalloc(1, sizeof *tg);
    *tg = (struct sq_target){.q = q, .name = sw_xstrdup(name), .plugin = plugin, .inst = inst};
    pthread_mutex_init(&tg->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&tg->cond, &ca);
    pthread_condattr_destroy(&ca);
    q->targets[q->ntargets] = tg;
    return q->ntargets++;
}

int sw_storeq_add_target(struct sw_storeq *q, struct sw_loaded *plugin, void *inst)
{
    return sw_storeq_add(q, plugin->name, plugin, inst);
}

int sw_storeq_ntargets(const struct sw_storeq *q)
{
    return q->ntargets;
}

int sw_storeq_can_read(const struct sw_loaded *p)
{
    return p && (p->desc.storage_recent || p->desc.storage_history || p->desc.storage_buckets);
}

int sw_storeq_set_reader(struct sw_storeq *q, const char *name)
{
    q->reader = -1;
    q->chosen = 1;
    for (int t = 0; t < q->ntargets && q->reader < 0; t++)
        if (sw_storeq_can_read(q->targets[t]->plugin) && (!name || strcmp(q->targets[t]->name, name) == 0))
            q->reader = t;
    return q->reader;
}

struct sw_loaded *sw_storeq_read_from(const struct sw_storeq *q, void **inst)
{
    int t = q ? q->reader : -1;
    /* Not chosen (a queue filled by hand): the first that can read.  Once
     * chosen, a read_from that did not open reads nothing, rather than
     * some other database. */
    for (int i = 0; q && !q->chosen && i < q->ntargets && t < 0; i++)
        if (sw_storeq_can_read(q->targets[i]->plugin))
            t = i;
    if (t < 0)
        return NULL;
    if (inst)
        *inst = q->targets[t]->inst;
    return q->targets[t]->plugin;
}

struct sw_loaded *sw_storeq_reader(const struct sw_storeq *q, size_t offset, void **inst)
{
    void *in = NULL;
    struct sw_loaded *p = sw_storeq_read_from(q, &in);
    if (!p)
        return NULL;
    void (*fn)(void);
    memcpy(&fn, (const char *)&p->desc + offset, sizeof fn);
    if (!fn)
        return NULL;
    *inst = in;
    return p;
}

struct sw_loaded *sw_storeq_target(const struct sw_storeq *q, int i, void **inst)
{
    if (i < 0 || i >= q->ntargets)
        return NULL;
    if (inst)
        *inst = q->targets[i]->inst;
    return q->targets[i]->plugin;
}

const char *sw_storeq_target_name(const struct sw_storeq *q, int i)
{
    return i < 0 || i >= q->ntargets ? NULL : q->targets[i]->name;
}

int sw_storeq_find(const struct sw_storeq *q, const char *name)
{
    for (int t = 0; t < q->ntargets; t++)
        if (strcmp(q->targets[t]->name, name) == 0)
            return t;
    return -1;
}

/* A batch is as big as STOREQ_BATCH, or the whole queue if that is less:
 * the writer stops gathering then. */
static size_t sq_full_batch(const struct sw_storeq *q)
{
    return q->cap < STOREQ_BATCH ? q->cap : STOREQ_BATCH;
}

static void sq_push(struct sq_target *tg, sw_result *r)
{
    struct sw_storeq *q = tg->q;
    pthread_mutex_lock(&tg->lock);
    if (tg->count == q->cap) {
        uint64_t n = ++tg->full;
        tg->dropped++;
        pthread_mutex_unlock(&tg->lock);
        /* Log the first and then every power of two, not every drop. */
        if ((n & (n - 1)) == 0) {
            sw_err("%s: storage queue full (%zu results): %llu result(s) dropped so far; is storage failing?",
                   tg->name, q->cap, (unsigned long long)n);
            sq_changed(q);
        }
        return;
    }
    sq_ring_room(&tg->ring, tg->count, q->cap);
    *sq_slot(&tg->ring, tg->count++) = sw_result_ref(r);
    /* The writer wants to know when there is work, and when a batch is
     * full; while it lingers, a wake-up per result is only a syscall. */
    if (tg->count == 1 || tg->count == sq_full_batch(q))
        pthread_cond_signal(&tg->cond);
    pthread_mutex_unlock(&tg->lock);
}

void sw_storeq_push_to(struct sw_storeq *q, int t, sw_result *r)
{
    if (t >= 0 && t < q->ntargets)
        sq_push(q->targets[t], r);
}

void sw_storeq_push(struct sw_storeq *q, sw_result *r)
{
    for (int t = 0; t < q->ntargets; t++)
        sq_push(q->targets[t], r);
}

static int64_t sq_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * SW_S + ts.tv_nsec / 1000;
}

/* Wait on the target's condition (lock held) until the monotonic time
 * UNTIL, or for ever when UNTIL is 0.  The condition runs on the monotonic
 * clock: a wall-clock jump neither stalls nor hurries the writer. */
static void sq_wait_until(struct sq_target *tg, int64_t until)
{
    if (!until) {
        pthread_cond_wait(&tg->cond, &tg->lock);
        return;
    }
    struct timespec ts = {(time_t)(until / SW_S), (long)(until % SW_S) * 1000};
    pthread_cond_timedwait(&tg->cond, &tg->lock, &ts);
}

static int64_t sq_min_due(int64_t a, int64_t b)
{
    return !a ? b : !b ? a : a < b ? a : b;
}

/* Add a batch to what the target holds.  When it already holds as many
 * results as the queue can, its oldest go: counted and logged. */
static void sq_take(struct sq_target *tg, sw_result **batch, size_t n)
{
    struct sw_storeq *q = tg->q;
    /* Only this thread changes npend: count here, publish once. */
    size_t npend = tg->npend;
    uint64_t lost = 0;
    int logged = 0;
    for (size_t i = 0; i < n; i++) {
        if (npend == q->cap) {
            sw_result_unref(sq_ring_pop(&tg->pend));
            npend--;
            lost++;
            uint64_t d = ++tg->shed;
            if ((d & (d - 1)) == 0) { /* the first, then every power of two */
                logged = 1;
                sw_err("%s: storage is failing and %zu result(s) wait for it: %llu oldest dropped so far",
                       tg->name, q->cap, (unsigned long long)d);
            }
        }
        sq_ring_room(&tg->pend, npend, q->cap);
        *sq_slot(&tg->pend, npend++) = batch[i]; /* the queue's reference, handed on */
    }
    pthread_mutex_lock(&tg->lock);
    tg->npend = npend;
    tg->dropped += lost;
    pthread_mutex_unlock(&tg->lock);
    if (logged)
        sq_changed(q);
}

static void sq_failed(struct sq_target *tg, int rc, size_t m)
{
    struct sw_storeq *q = tg->q;
    tg->backoff = tg->backoff ? (tg->backoff * 2 > STOREQ_RETRY_MAX ? STOREQ_RETRY_MAX : tg->backoff * 2)
                              : STOREQ_RETRY_FIRST;
    tg->retry_at = sq_mono() + tg->backoff;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    pthread_mutex_lock(&tg->lock);
    int first = !tg->failing;
    if (first) {
        tg->failing = 1;
        tg->failing_since = (int64_t)ts.tv_sec * SW_S + ts.tv_nsec / 1000;
    }
    snprintf(tg->error, sizeof tg->error, "%s", sw_strerror(rc));
    size_t waiting = tg->npend + tg->count;
    pthread_mutex_unlock(&tg->lock);
    if (first) {
        sq_changed(q);
        sw_err("%s: cannot store %zu result(s) (%s); they wait, with what follows (up to %zu), and are "
               "written when it works again",
               tg->name, m, sw_strerror(rc), q->cap);
    } else if (tg->backoff == STOREQ_RETRY_MAX) {
        sw_warn("%s: still cannot store (%s); %zu result(s) waiting; next try in %lld s", tg->name,
                sw_strerror(rc), waiting, (long long)(tg->backoff / SW_S));
    }
}

/* Write what the target holds, a batch at a time; stops at a failure. */
static void sq_flush(struct sq_target *tg, const sw_result **sel)
{
    while (tg->npend) {
        size_t m = 0;
        while (m < tg->npend && m < STOREQ_BATCH) {
            sel[m] = *sq_slot(&tg->pend, m);
            m++;
        }
        int rc = tg->plugin->desc.storage_write(tg->inst, sel, m);
        if (rc != 0) {
            sq_failed(tg, rc, m);
            return;
        }
        for (size_t i = 0; i < m; i++)
            sw_result_unref(sq_ring_pop(&tg->pend));
        pthread_mutex_lock(&tg->lock);
        tg->npend -= m;
        sq_ring_trim(&tg->pend, tg->npend);
        tg->written += m;
        int was_failing = tg->failing;
        tg->failing = 0;
        size_t left = tg->npend;
        pthread_mutex_unlock(&tg->lock);
        if (was_failing)
            sq_changed(tg->q);
        tg->backoff = 0;
        tg->retry_at = 0;
        if (was_failing)
            sw_info("%s: storing again; %zu waiting result(s) written, %zu to go", tg->name, m, left);
    }
}

/* One step of retention, if the target offers it; 1 while it has more to
 * do.  A failing target is left alone until it writes again. */
static int sq_retain_step(struct sq_target *tg)
{
    struct sw_storeq *q = tg->q;
    if (!tg->plugin->desc.storage_retain || tg->retry_at)
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * SW_S + ts.tv_nsec / 1000;
    int rc = tg->plugin->desc.storage_retain(tg->inst, now - q->keep_raw, now - q->keep_rollups,
                                             STOREQ_RETAIN_BUDGET);
    if (rc < 0)
        sw_warn("%s: retention step failed (%s); tried again at the next pass", tg->name, sw_strerror(rc));
    return rc == 1;
}

/* Stopping: a few last tries while the target still fails, then what it
 * holds is lost, and said so. */
static void sq_last_tries(struct sq_target *tg, const sw_result **sel)
{
    for (int i = 0; i < 3 && tg->npend; i++) {
        if (i) {
            struct timespec ts = {0, 200000000};
            nanosleep(&ts, NULL);
        }
        sq_flush(tg, sel);
    }
    if (tg->npend)
        sw_err("%s: storage still failing at stop (%s): %zu result(s) not stored", tg->name, tg->error,
               tg->npend);
    pthread_mutex_lock(&tg->lock);
    tg->dropped += tg->npend;
    pthread_mutex_unlock(&tg->lock);
    while (tg->npend) {
        sw_result_unref(sq_ring_pop(&tg->pend));
        tg->npend--;
    }
}

static void *sq_main(void *arg)
{
    struct sq_target *tg = arg;
    struct sw_storeq *q = tg->q;
    size_t most = sq_full_batch(q);
    sw_result **batch = sw_xcalloc(most, sizeof *batch);
    const sw_result **sel = sw_xcalloc(most, sizeof *sel); /* a target holds at most cap */
    int64_t retain_due = sq_mono() + STOREQ_RETAIN_FIRST;
    for (;;) {
        pthread_mutex_lock(&tg->lock);
        for (;;) {
            /* Wake up with nothing queued for a retry, or retention. */
            int64_t due = q->keep_raw && tg->plugin->desc.storage_retain ? retain_due : 0;
            if (tg->npend && tg->retry_at)
                due = sq_min_due(due, tg->retry_at);
            if (tg->count || tg->stop || (due && sq_mono() >= due))
                break;
            sq_wait_until(tg, due);
        }
        /* Let more results come for a moment: a transaction costs about the
         * same for one result as for a thousand (the commit writes the same
         * index and rollup pages), and checks finish a few at a time. */
        int64_t linger_end = sq_mono() + STOREQ_LINGER;
        while (tg->count && tg->count < most && !tg->stop && sq_mono() < linger_end)
            sq_wait_until(tg, linger_end);
        size_t n = 0;
        while (tg->count && n < most) {
            batch[n++] = sq_ring_pop(&tg->ring);
            tg->count--;
        }
        sq_ring_trim(&tg->ring, tg->count);
        int done = tg->stop && !tg->count;
        pthread_mutex_unlock(&tg->lock);

        sq_take(tg, batch, n);
        if (tg->npend && (!tg->retry_at || sq_mono() >= tg->retry_at))
            sq_flush(tg, sel);
        if (done) {
            sq_last_tries(tg, sel);
            break;
        }
        /* Under steady load the queue is never empty: a step between batches. */
        if (q->keep_raw && sq_mono() >= retain_due)
            retain_due = sq_mono() + (sq_retain_step(tg) ? STOREQ_RETAIN_STEP : STOREQ_RETAIN_EVERY);
    }
    free(batch);
    free(sel);
    return NULL;
}

void sw_storeq_start(struct sw_storeq *q)
{
    for (int t = 0; t < q->ntargets; t++) {
        struct sq_target *tg = q->targets[t];
        if (tg->running)
            continue;
        tg->running = pthread_create(&tg->thread, NULL, sq_main, tg) == 0;
        if (!tg->running)
            sw_err("%s: cannot start the storage writer thread; its results are not stored", tg->name);
    }
}

void sw_storeq_stop(struct sw_storeq *q)
{
    /* Every writer is told first, so they all flush at once. */
    for (int t = 0; t < q->ntargets; t++) {
        struct sq_target *tg = q->targets[t];
        pthread_mutex_lock(&tg->lock);
        tg->stop = 1;
        pthread_cond_broadcast(&tg->cond);
        pthread_mutex_unlock(&tg->lock);
    }
    for (int t = 0; t < q->ntargets; t++) {
        struct sq_target *tg = q->targets[t];
        if (tg->running)
            pthread_join(tg->thread, NULL);
        tg->running = 0;
    }
}

uint64_t sw_storeq_dropped(struct sw_storeq *q)
{
    uint64_t n = 0;
    for (int t = 0; t < q->ntargets; t++) {
        struct sq_target *tg = q->targets[t];
        pthread_mutex_lock(&tg->lock);
        n += tg->dropped;
        pthread_mutex_unlock(&tg->lock);
    }
    return n;
}

uint64_t sw_storeq_written(const struct sw_storeq *q)
{
    uint64_t n = 0;
    for (int t = 0; t < q->ntargets; t++) {
        struct sq_target *tg = q->targets[t];
        pthread_mutex_lock(&tg->lock);
        n += tg->written;
        pthread_mutex_unlock(&tg->lock);
    }
    return n;
}

int sw_storeq_target_failing(struct sw_storeq *q, int t, int64_t *since, char *err, size_t n)
{
    if (t < 0 || t >= q->ntargets)
        return 0;
    struct sq_target *tg = q->targets[t];
    pthread_mutex_lock(&tg->lock);
    int failing = tg->failing;
    if (failing) {
        *since = tg->failing_since;
        snprintf(err, n, "%s", tg->error);
    }
    pthread_mutex_unlock(&tg->lock);
    return failing;
}

void sw_storeq_health_json(struct sw_storeq *q, struct buf *b)
{
    struct buf each = {0};
    size_t queued = 0;
    uint64_t full = 0;
    for (int t = 0; t < q->ntargets; t++) {
        struct sq_target *tg = q->targets[t];
        char since[40];
        pthread_mutex_lock(&tg->lock);
        queued += tg->count;
        full += tg->full;
        buf_puts(&each, t ? ",{\"name\":" : "{\"name\":");
        buf_json_str(&each, tg->name);
        buf_puts(&each, ",\"plugin\":");
        buf_json_str(&each, tg->plugin->name);
        buf_printf(&each,
                   ",\"state\":\"%s\",\"queued\":%zu,\"waiting\":%zu,\"written\":%llu,\"dropped\":%llu,"
                   "\"queue_full\":%llu",
                   tg->failing ? "failing" : "ok", tg->count, tg->npend + tg->count,
                   (unsigned long long)tg->written, (unsigned long long)tg->dropped,
                   (unsigned long long)tg->full);
        if (tg->failing) {
            buf_puts(&each, ",\"error\":");
            buf_json_str(&each, tg->error);
            buf_printf(&each, ",\"failing_since\":\"%s\"",
                       sw_fmt_time(tg->failing_since, since, sizeof since));
        }
        buf_puts(&each, "}");
        pthread_mutex_unlock(&tg->lock);
    }
    /* "dropped" here: lost because a queue was full (each storage's own
     * count below holds those and what it lost while failing). */
    buf_printf(b, "{\"queued\":%zu,\"capacity\":%zu,\"dropped\":%llu,\"storage\":[%s]}", queued, q->cap,
               (unsigned long long)full, sw_text(&each));
    buf_free(&each);
}

void sw_storeq_free(struct sw_storeq *q)
{
    if (!q)
        return;
    sw_storeq_stop(q);
    for (int t = 0; t < q->ntargets; t++) {
        struct sq_target *tg = q->targets[t];
        for (size_t i = 0; i < tg->count; i++)
            sw_result_unref(*sq_slot(&tg->ring, i));
        for (size_t i = 0; i < tg->npend; i++)
            sw_result_unref(*sq_slot(&tg->pend, i));
        free(tg->ring.v);
        free(tg->pend.v);
        if (tg->plugin->desc.storage_close)
            tg->plugin->desc.storage_close(tg->inst);
        pthread_mutex_destroy(&tg->lock);
        pthread_cond_destroy(&tg->cond);
        free(tg->name);
        free(tg);
    }
    pthread_mutex_destroy(&q->cb_lock);
    free(q);
}
