/* SPDX-License-Identifier: MIT
 * `render`: write every [output] once from what storage holds, then exit.
 * The same snapshot the daemon renders from, with the recent cache seeded
 * from storage instead of from live runs. */
#include <stdio.h>

#include "app.h"
#include "log.h"

int sw_cmd_render(struct sw_app *a)
{
    if (a->nargs) {
        fprintf(stderr, "sitewatch: render takes no arguments\n");
        return 3;
    }
    if (sw_app_load(a, 1) < 0) {
        sw_app_close(a);
        return 1;
    }
    sw_app_open_storage(a);
    if (!sw_outputs_count(a->out)) {
        fprintf(stderr, "sitewatch: nothing to render: %s has no [output NAME] section that opens\n", a->dir);
        sw_app_close(a);
        return 1;
    }
    a->eng = sw_engine_new(a->loop, a->conf, a->series, a->q);
    sw_engine_seed(a->eng);
    int failed = sw_outputs_render_now(a->out, a->eng, a->q);
    sw_app_close(a);
    return failed ? 1 : 0;
}
