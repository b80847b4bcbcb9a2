/* SPDX-License-Identifier: MIT */
#include "schedule.h"

#include <stdlib.h>

#include "util.h"

int64_t sw_sched_offset(const char *site, const char *check, int64_t interval)
{
    if (interval <= 0)
        return 0;
    uint64_t h = sw_hash(site, check);
    if (interval < SW_SCHED_TICK)
        return (int64_t)(h % (uint64_t)interval);
    return (int64_t)(h % (uint64_t)(interval / SW_SCHED_TICK)) * SW_SCHED_TICK;
}

int64_t sw_sched_first(int64_t now, int64_t offset)
{
    int64_t rem = now % SW_SCHED_TICK;
    return now + (rem ? SW_SCHED_TICK - rem : 0) + offset;
}

int64_t sw_sched_next(int64_t prev, int64_t interval, int64_t now, int64_t *missed)
{
    int64_t next = prev + interval;
    *missed = 0;
    if (next <= now - interval) {
        *missed = (now - next) / interval;
        next += *missed * interval;
    }
    return next;
}

static void heap_set(struct sw_heap *h, size_t i, struct sw_sched_item *it)
{
    h->v[i] = it;
    it->pos = i;
}

static void heap_up(struct sw_heap *h, size_t i)
{
    struct sw_sched_item *it = h->v[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->v[parent]->due <= it->due)
            break;
        heap_set(h, i, h->v[parent]);
        i = parent;
    }
    heap_set(h, i, it);
}

static void heap_down(struct sw_heap *h, size_t i)
{
    struct sw_sched_item *it = h->v[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        int64_t best = it->due;
        if (l < h->n && h->v[l]->due < best)
            m = l, best = h->v[l]->due;
        if (r < h->n && h->v[r]->due < best)
            m = r;
        if (m == i)
            break;
        heap_set(h, i, h->v[m]);
        i = m;
    }
    heap_set(h, i, it);
}

void sw_heap_push(struct sw_heap *h, struct sw_sched_item *it)
{
    /* Already queued: a second pointer to it would outlive its removal
     * (a series freed while the heap still held it).  Move it instead. */
    if (it->pos < h->n && h->v[it->pos] == it) {
        heap_up(h, it->pos);
        heap_down(h, it->pos);
        return;
    }
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->v = sw_xrealloc(h->v, sizeof *h->v * h->cap);
    }
    heap_set(h, h->n++, it);
    heap_up(h, h->n - 1);
}

struct sw_sched_item *sw_heap_top(const struct sw_heap *h)
{
    return h->n ? h->v[0] : NULL;
}

void sw_heap_remove(struct sw_heap *h, struct sw_sched_item *it)
{
    size_t i = it->pos;
    if (i >= h->n || h->v[i] != it)
        return;
    it->pos = SIZE_MAX;
    struct sw_sched_item *last = h->v[--h->n];
    if (i == h->n)
        return;
    heap_set(h, i, last);
    heap_down(h, i);
    heap_up(h, last->pos);
}

struct sw_sched_item *sw_heap_pop(struct sw_heap *h)
{
    struct sw_sched_item *top = sw_heap_top(h);
    if (top)
        sw_heap_remove(h, top);
    return top;
}

void sw_heap_free(struct sw_heap *h)
{
    free(h->v);
    *h = (struct sw_heap){0};
}
