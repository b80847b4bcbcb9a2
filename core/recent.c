/* SPDX-License-Identifier: MIT */
#include "recent.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

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
    for (int i = 0; i < c->nolder; i++)
        free(recent_older(c, i)->reason);
    free(c->older);
    if (c->newest)
        sw_result_unref(c->newest);
    sw_recent_init(c, c->max);
}

/* Make room for one more record in front: the slot it goes in, the oldest
 * one's when the ring is full. */
static struct sw_recent_entry *recent_front(struct sw_recent *c)
{
    int cap = c->max - 1;
    if (!c->older)
        c->older = sw_xcalloc((size_t)cap, sizeof *c->older);
    c->first = (c->first + cap - 1) % cap;
    struct sw_recent_entry *e = &c->older[c->first];
    if (c->nolder == cap)
        free(e->reason);
    else
        c->nolder++;
    return e;
}

void sw_recent_push(struct sw_recent *c, sw_result *r)
{
    sw_result *prev = c->newest;
    c->newest = sw_result_ref(r);
    if (!prev)
        return;
    if (c->max > 1)
        *recent_front(c) = (struct sw_recent_entry){prev->scheduled,
                                                    prev->started,
                                                    prev->duration,
                                                    prev->since,
                                                    prev->reason ? sw_xstrdup(prev->reason) : NULL,
                                                    prev->verdict};
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
                   .reason = e->reason};
    atomic_init(&t.refs, 1);
    return cb(&t, ud);
}

void sw_recent_copy(struct sw_recent *dst, const struct sw_recent *src)
{
    if (!src->newest)
        return;
    dst->newest = sw_result_ref(src->newest);
    int n = src->nolder < dst->max - 1 ? src->nolder : dst->max - 1;
    for (int i = n - 1; i >= 0; i--) {
        const struct sw_recent_entry *e = recent_older(src, i);
        struct sw_recent_entry *d = recent_front(dst);
        *d = *e;
        d->reason = e->reason ? sw_xstrdup(e->reason) : NULL;
    }
}
