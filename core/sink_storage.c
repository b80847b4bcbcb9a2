/* SPDX-License-Identifier: MIT
 * The storage router: each result to the storage targets of its series,
 * the [storage NAME]s its site's store = list names, or every target.
 * The route is the series', worked out here at delivery and handed to the
 * queues one target at a time: a few string compares per target, nothing
 * kept on the series or the result, nor carried over by a reload. */
#include <string.h>

#include "engine.h"
#include "sink.h"
#include "storeq.h"

/* Whether STORE (a site's store = list) names NAME. */
static int storage_named(char *const *store, const char *name)
{
    for (char *const *n = store; *n; n++)
        if (strcmp(*n, name) == 0)
            return 1;
    return 0;
}

void sw_sink_storage(const struct sw_result_event *ev, void *ud)
{
    struct sw_storeq *q = ud;
    char **store = ev->series->site->store;
    if (!store) {
        sw_storeq_push(q, ev->result);
        return;
    }
    /* By target, not by name: a name listed twice stores once. */
    for (int t = 0; t < sw_storeq_ntargets(q); t++)
        if (storage_named(store, sw_storeq_target_name(q, t)))
            sw_storeq_push_to(q, t, ev->result);
}
