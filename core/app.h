/* SPDX-License-Identifier: MIT
 * What every command shares: options, loading the configuration, binding
 * plugins, opening storage, and tearing it all down in the right order. */
#ifndef SW_APP_H
#define SW_APP_H

#include <uv.h>

#include "config.h"
#include "engine.h"
#include "notifier.h"
#include "output.h"
#include "storeq.h"

struct sw_app {
    const char *dir; /* -c DIR */
    int json;        /* --format json */
    char **args;     /* the command's own arguments */
    int nargs;
    uv_loop_t *loop;
    struct sw_conf *conf;
    struct sw_series **series;
    int nseries;
    struct sw_storeq *q;
    struct sw_engine *eng;
    struct sw_outputs *out;
    struct sw_notifiers *notifiers; /* opened with the plugins (BIND) */
};

/* Read the config; with BIND, load plugins, prepare every site, open
 * every output and every notifier.  Prints
 * every error and returns -1 when there are any. */
int sw_app_load(struct sw_app *a, int bind);
/* Open storage targets (and start nothing yet); returns how many are in
 * use by another daemon (SW_EBUSY). */
int sw_app_open_storage(struct sw_app *a);
/* Print conf errors from index FROM on, to stderr. */
void sw_app_print_errors(const struct sw_conf *c, int from);
void sw_app_close(struct sw_app *a);
/* Blocking checks stuck in plugin code cannot be stopped, and the plugins
 * cannot be unloaded under them: wait up to US for them to return, then
 * exit with CODE without tearing down (results are stored by then). */
void sw_exit_if_stuck(struct sw_engine *e, int code, int64_t us);

int sw_cmd_check(struct sw_app *a);
int sw_cmd_run(struct sw_app *a);
int sw_cmd_status(struct sw_app *a);
int sw_cmd_plugins(struct sw_app *a);
int sw_cmd_validate(struct sw_app *a);
int sw_cmd_render(struct sw_app *a);
int sw_cmd_add(struct sw_app *a);
int sw_cmd_remove(struct sw_app *a);
int sw_cmd_set_interval(struct sw_app *a);
int sw_cmd_purge(struct sw_app *a);
int sw_cmd_history(struct sw_app *a);
int sw_cmd_uptime(struct sw_app *a);
int sw_cmd_notify_test(struct sw_app *a);
int sw_cmd_alerts(struct sw_app *a);
int sw_cmd_ack(struct sw_app *a);
int sw_cmd_silence(struct sw_app *a);

#endif
