/* SPDX-License-Identifier: MIT */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "host.h"
#include "log.h"
#include "util.h"

void sw_app_print_errors(const struct sw_conf *c, int from)
{
    for (int i = from; i < c->nerrors; i++)
        fprintf(stderr, "%s\n", c->errors[i]);
}

int sw_app_load(struct sw_app *a, int bind)
{
    a->loop = sw_xmalloc(sizeof *a->loop);
    uv_loop_init(a->loop);
    sw_host_set_loop(a->loop);
    a->conf = sw_conf_load(a->dir);
    if (bind) { /* even with errors: validate lists every one */
        a->series = sw_series_bind(a->conf, &a->nseries);
        /* Outputs check their own values when opened; they write nothing
         * until a render. */
        a->out = sw_outputs_open(a->conf);
        /* Notifiers contact nobody when opened: validate checks them. */
        a->notifiers = sw_notifiers_open(a->conf);
    }
    if (a->conf->nerrors) {
        sw_app_print_errors(a->conf, 0);
        fprintf(stderr, "%s: %d configuration error(s)\n", a->dir, a->conf->nerrors);
        return -1;
    }
    for (int i = 0; i < a->nseries; i++)
        if (a->series[i]->disabled)
            sw_err("site %s: check %s disabled: %s", a->series[i]->site->name, a->series[i]->check,
                   a->series[i]->disabled);
    return 0;
}

int sw_app_open_storage(struct sw_app *a)
{
    int before = a->conf->nerrors;
    a->q = sw_storeq_new((size_t)a->conf->queue_size);
    int busy = sw_storage_open(a->conf, a->q);
    sw_app_print_errors(a->conf, before);
    return busy;
}

void sw_exit_if_stuck(struct sw_engine *e, int code, int64_t us)
{
    int stuck = e ? sw_engine_wait_stuck(e, us) : 0;
    if (!stuck)
        return;
    sw_err("%d blocking check(s) still stuck in plugin code; exiting without waiting for them (plugin bug)",
           stuck);
    fflush(stdout);
    fflush(stderr);
    _exit(code);
}

void sw_app_close(struct sw_app *a)
{
    sw_outputs_free(a->out); /* before the loop and the plugins go */
    a->out = NULL;
    sw_notifiers_free(a->notifiers);
    a->notifiers = NULL;
    if (a->q)
        sw_storeq_stop(a->q);
    if (a->eng) {
        sw_engine_free(a->eng); /* frees series and conf */
        a->series = NULL;
        a->conf = NULL;
    }
    sw_series_list_free(a->series);
    sw_storeq_free(a->q);
    sw_loader_unload_all();
    if (a->loop) {
        /* Let plugins' closed handles finish closing. */
        sw_host_release_loop();
        uv_run(a->loop, UV_RUN_DEFAULT);
        uv_loop_close(a->loop);
        free(a->loop);
    }
    sw_conf_free(a->conf);
}
