/* SPDX-License-Identifier: MIT
 * The log of verdict changes: what a person watching the daemon's log sees
 * happen.  A series with no history (none in storage either) logs its
 * first verdict too, as a change from nothing: without it, `run` on a
 * config whose every site fails said "running" and then nothing. */
#include "engine.h"
#include "log.h"
#include "sink.h"

void sw_sink_changes(const struct sw_result_event *ev, void *ud)
{
    (void)ud;
    const sw_result *r = ev->result;
    if (ev->prev_verdict != SW_NO_VERDICT && ev->prev_verdict != r->verdict)
        sw_info("%s %s %s -> %s: %s", r->site, r->check, sw_verdict_name(ev->prev_verdict),
                sw_verdict_name(r->verdict), r->reason ? r->reason : "");
}

void sw_sink_first_verdicts(const struct sw_result_event *ev, void *ud)
{
    (void)ud;
    const sw_result *r = ev->result;
    if (ev->prev_verdict == SW_NO_VERDICT)
        sw_info("%s %s: %s: %s", r->site, r->check, sw_verdict_name(r->verdict), r->reason ? r->reason : "");
}
