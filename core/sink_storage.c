/* SPDX-License-Identifier: MIT
 * The storage router: each result to the storage targets of its series,
 * the [storage NAME]s its site's store = list names, or every target.
 * The route is the series', worked out here at delivery: a few string
 * compares per target, nothing kept on the series or carried over by a
 * reload.  Today's storeq takes one push and reads the route off the
 * result (its store_mask, a bit per target), giving it to each of those
 * targets' queues; a push per target would take that field off the
 * result. */
#include <string.h>

#include "engine.h"
#include "sink.h"
#include "storeq.h"

uint32_t sw_sink_storage_route(const struct sw_storeq *q, const struct sw_series *series)
{
    uint32_t route = 0;
    char **store = series->site->store;
    for (int t = 0; t < sw_storeq_ntargets(q) && t < SW_STORAGE_MAX; t++) {
        const char *name = sw_storeq_target_name(q, t); /* its [storage NAME] */
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
