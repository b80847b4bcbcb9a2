/* SPDX-License-Identifier: MIT
 * The recent cache as a sink: each result becomes its series' newest. */
#include "engine.h"
#include "sink.h"

void sw_sink_recent(const struct sw_result_event *ev, void *ud)
{
    (void)ud;
    sw_recent_push(&ev->series->recent, ev->result);
}
