/* SPDX-License-Identifier: MIT
 * The storage router: each result to the storage targets of its series
 * (the site's store = list, or every target).  The route is the series',
 * worked out here at delivery: a few string compares per target, nothing
 * kept on the series or carried over by a reload.  Today's queue takes one
 * push and reads the route off the result (its store_mask, a bit per
 * target); once each target has a queue of its own, this pushes to each. */
#include <string.h>

#include "engine.h"
#include "sink.h"
#include "storeq.h"

uint32_t sw_sink_storage_route(const struct sw_storeq *q, const struct sw_job *series)
{
    uint32_t route = 0;
    char **store = series->site->store;
    for (int t = 0; t < sw_storeq_ntargets(q) && t < 32; t++) {
        const char *name = sw_storeq_target(q, t, NULL)->name;
        int wanted = !store;
        for (char **n = store; n && *n && !wanted; n++)
            wanted = strcmp(*n, name) == 0;
        if (wanted)
            route |= 1u << t;
    }
    return route;
}

void sw_sink_storage(const struct sw_result_event *ev, void *ud)
{
    struct sw_storeq *q = ud;
    ev->result->store_mask = sw_sink_storage_route(q, ev->series);
    sw_storeq_push(q, ev->result);
}
