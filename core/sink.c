/* SPDX-License-Identifier: MIT
 * The list of sinks an engine hands each result event to (see sink.h). */
#include "sink.h"

#include <stdlib.h>

#include "util.h"

void sw_sink_register(struct sw_engine *e, const char *name, sw_sink_fn fn, void (*release)(void *ud),
                      void *ud)
{
    struct sw_sinks *s = sw_engine_sinks(e);
    s->v = sw_xrealloc(s->v, sizeof *s->v * (size_t)(s->n + 1));
    s->v[s->n++] = (struct sw_sink){name, fn, release, ud};
}

void sw_sinks_deliver(const struct sw_sinks *s, const struct sw_result_event *ev)
{
    for (int i = 0; i < s->n; i++)
        s->v[i].fn(ev, s->v[i].ud);
}

void sw_sinks_free(struct sw_sinks *s)
{
    for (int i = 0; i < s->n; i++)
        if (s->v[i].release)
            s->v[i].release(s->v[i].ud);
    free(s->v);
    *s = (struct sw_sinks){0};
}
