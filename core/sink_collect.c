/* SPDX-License-Identifier: MIT
 * A command's collector: the results of a one-shot run, one slot per
 * series by its index, so `check` prints them in configuration order with
 * no sort (sorting and bisecting by name cost a second of CPU at 10,000
 * sites, and two series of one site and check could not be told apart). */
#include <stdlib.h>

#include "result.h"
#include "sink.h"
#include "util.h"

struct sw_collector {
    sw_result **v;
    int n;
};

struct sw_collector *sw_collector_new(int nseries)
{
    struct sw_collector *c = sw_xcalloc(1, sizeof *c);
    c->n = nseries;
    c->v = sw_xcalloc((size_t)nseries + 1, sizeof *c->v);
    return c;
}

void sw_sink_collect(const struct sw_result_event *ev, void *ud)
{
    struct sw_collector *c = ud;
    if (ev->index < 0 || ev->index >= c->n)
        return; /* a retired series: not in this run's configuration */
    /* A one-shot run gives each series one result; should one come twice,
     * the newest is the one to show. */
    if (c->v[ev->index])
        sw_result_unref(c->v[ev->index]);
    c->v[ev->index] = sw_result_ref(ev->result);
}

sw_result *sw_collector_get(const struct sw_collector *c, int i)
{
    return i >= 0 && i < c->n ? c->v[i] : NULL;
}

void sw_collector_free(struct sw_collector *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n; i++)
        if (c->v[i])
            sw_result_unref(c->v[i]);
    free(c->v);
    free(c);
}
