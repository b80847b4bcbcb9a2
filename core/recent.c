/* SPDX-License-Identifier: MIT */
#include "recent.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- reasons, shared ----
 * At steady state most older results of most sites read alike ("HTTP 200,
 * 8 B in 2 ms"): one counted copy of each text, not 60,000 copies (2 MB
 * at 10,000 sites).  Behind a lock, though only the loop uses it today. */
struct reason {
    struct reason *next; /* in its bucket */
    uint64_t hash;
    unsigned refs;
    char s[];
};

static struct {
    pthread_mutex_t lock;
    struct reason **v;
    size_t cap, n;
} reasons = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0};

static void reasons_grow(void)
{
    size_t cap = reasons.cap ? reasons.cap * 2 : 256;
    struct reason **v = sw_xcalloc(cap, sizeof *v);
    for (size_t i = 0; i < reasons.cap; i++) {
        for (struct reason *r = reasons.v[i], *next; r; r = next) {
            next = r->next;
            r->next = v[r->hash & (cap - 1)];
            v[r->hash & (cap - 1)] = r;
        }
    }
    free(reasons.v);
    reasons.v = v;
    reasons.cap = cap;
}

static const char *reason_get(const char *s)
{
    if (!s)
        return NULL;
    uint64_t h = sw_hash(s, "");
    pthread_mutex_lock(&reasons.lock);
    struct reason *r = reasons.cap ? reasons.v[h & (reasons.cap - 1)] : NULL;
    while (r && (r->hash != h || strcmp(r->s, s) != 0))
        r = r->next;
    if (r) {
        r->refs++;
    } else {
        if (reasons.n >= reasons.cap)
            reasons_grow();
        size_t len = strlen(s) + 1;
        r = sw_xmalloc(sizeof *r + len);
        memcpy(r->s, s, len);
        r->hash = h;
        r->refs = 1;
        r->next = reasons.v[h & (reasons.cap - 1)];
        reasons.v[h & (reasons.cap - 1)] = r;
        reasons.n++;
    }
    pthread_mutex_unlock(&reasons.lock);
    return r->s;
}

/* The lock is held: a snapshot copies or frees the records of every
 * series at once, under one lock rather than one each (at 10,000 sites a
 * lock per record was most of the time the snapshot held the loop). */
static void reason_ref_locked(const char *s)
{
    if (s)
        ((struct reason *)(void *)(s - offsetof(struct reason, s)))->refs++;
}

static void reason_put_locked(const char *s)
{
    if (!s)
        return;
    struct reason *r = (struct reason *)(void *)(s - offsetof(struct reason, s));
    if (--r->refs == 0) {
        struct reason **p = &reasons.v[r->hash & (reasons.cap - 1)];
        while (*p != r)
            p = &(*p)->next;
        *p = r->next;
        reasons.n--;
        free(r);
    }
}

static void reason_put(const char *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&reasons.lock);
    reason_put_locked(s);
    pthread_mutex_unlock(&reasons.lock);
}

/* ---- the cache ---- */

void sw_recent_init(struct sw_recent *c, int max)
{
    memset(c, 0, sizeof *c);
    c->max = max < 1 ? 1 : max;
}

static struct sw_recent_entry *recent_older(const struct sw_recent *c, int i)
{
    return &c->older[(c->first + i) % (c->max - 1)];
}

void sw_recent_free(struct sw_recent *c)
{
    if (c->nolder) {
        pthread_mutex_lock(&reasons.lock);
        for (int i = 0; i < c->nolder; i++)
            reason_put_locked(recent_older(c, i)->reason);
        pthread_mutex_unlock(&reasons.lock);
    }
    free(c->older);
    if (c->newest)
        sw_result_unref(c->newest);
    sw_recent_init(c, c->max);
}

/* Make room for one more record in front: the slot it goes in, the oldest
 * one's when the ring is full (its reason in *GONE, for the caller to put;
 * NULL if none). */
static struct sw_recent_entry *recent_front(struct sw_recent *c, const char **gone)
{
    int cap = c->max - 1;
    if (!c->older)
        c->older = sw_xcalloc((size_t)cap, sizeof *c->older);
    c->first = (c->first + cap - 1) % cap;
    struct sw_recent_entry *e = &c->older[c->first];
    *gone = NULL;
    if (c->nolder == cap)
        *gone = e->reason;
    else
        c->nolder++;
    return e;
}

/* The core marks a result inside a maintenance window (engine.c). */
static int recent_in_maintenance(const sw_result *r)
{
    for (int i = 0; i < r->ninfos; i++)
        if (strcmp(r->infos[i].key, "maintenance") == 0)
            return 1;
    return 0;
}

void sw_recent_push(struct sw_recent *c, sw_result *r)
{
    sw_result *prev = c->newest;
    c->newest = sw_result_ref(r);
    if (!prev)
        return;
    if (c->max > 1) {
        const char *gone;
        *recent_front(c, &gone) = (struct sw_recent_entry){prev->scheduled,
                                                           prev->started,
                                                           prev->duration,
                                                           prev->since,
                                                           reason_get(prev->reason),
                                                           prev->verdict,
                                                           recent_in_maintenance(prev)};
        reason_put(gone);
    }
    sw_result_unref(prev);
}

int sw_recent_count(const struct sw_recent *c)
{
    return c->newest ? 1 + c->nolder : 0;
}

int sw_recent_lend(const struct sw_recent *c, int i, sw_result_cb cb, void *ud)
{
    if (i == 0)
        return cb(c->newest, ud);
    const struct sw_recent_entry *e = recent_older(c, i - 1);
    /* Results are opaque to plugins and lent only for the call: one on the
     * stack, naming the newest's (shared) site, check and location, does. */
    sw_result t = {.site = c->newest->site,
                   .check = c->newest->check,
                   .location = c->newest->location,
                   .scheduled = e->scheduled,
                   .started = e->started,
                   .duration = e->duration,
                   .since = e->since,
                   .verdict = e->verdict,
                   .has_verdict = 1,
                   .reason = (char *)e->reason};
    /* Which window is the newest's to tell; an older one says it was in one. */
    static const struct sw_info in_maintenance = {(char *)"maintenance", (char *)"yes"};
    if (e->maintenance) {
        t.infos = (struct sw_info *)&in_maintenance;
        t.ninfos = 1;
    }
    atomic_init(&t.refs, 1);
    return cb(&t, ud);
}

void sw_recent_copy(struct sw_recent *dst, const struct sw_recent *src)
{
    if (!src->newest)
        return;
    dst->newest = sw_result_ref(src->newest);
    int n = src->nolder < dst->max - 1 ? src->nolder : dst->max - 1;
    if (!n)
        return;
    pthread_mutex_lock(&reasons.lock);
    for (int i = n - 1; i >= 0; i--) {
        const char *gone;
        struct sw_recent_entry *d = recent_front(dst, &gone);
        reason_put_locked(gone);
        *d = *recent_older(src, i);
        reason_ref_locked(d->reason);
    }
    pthread_mutex_unlock(&reasons.lock);
}
