/* SPDX-License-Identifier: MIT
 * `run`: the daemon.  Exit codes: 0 after SIGTERM/SIGINT with everything
 * stored, 1 when it cannot start (configuration, pid file, a database
 * another daemon writes), 2 after a stop with results dropped (the queue
 * overflowed, or storage still failed at the end), 3 for a bad command
 * line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "app.h"
#include "health.h"
#include "host.h"
#include "log.h"
#include "pidfile.h"
#include "sink.h"

int sw_cmd_run(struct sw_app *a)
{
    const char *pidfile = NULL;
    for (int i = 0; i < a->nargs; i++) {
        if (strcmp(a->args[i], "--pid-file") == 0 && i + 1 < a->nargs)
            pidfile = a->args[++i];
        else if (strncmp(a->args[i], "--pid-file=", 11) == 0)
            pidfile = a->args[i] + 11;
        else if (strcmp(a->args[i], "--pid-file") == 0) {
            fprintf(stderr, "sitewatch: run: --pid-file needs a PATH\n");
            return 3;
        } else {
            fprintf(stderr, "sitewatch: run: unexpected '%s' (run takes --pid-file PATH)\n", a->args[i]);
            return 3;
        }
    }
    int pidfd = -1;
    char *why = NULL;
    if (pidfile && sw_pidfile_take(pidfile, &pidfd, &why) != 0) {
        sw_err("not starting: %s", why);
        free(why);
        return 1;
    }
    /* Storage that must have one writer (sqlite) claims its file now. */
    sw_host_set_daemon(1);
    int rc = 0;
    if (sw_app_load(a, 1) < 0) {
        rc = 1;
    } else if (sw_app_open_storage(a) > 0) {
        sw_err("not starting: a database above is written by another sitewatch daemon");
        rc = 1;
    } else if (a->conf->nerrors) {
        sw_err("not starting: %d error(s) in the storage configuration above", a->conf->nerrors);
        rc = 1;
    }
    /* The state file only where someone is to be told: one daemon a
     * file, and a configuration without [notify] writes none. */
    struct sw_alerts *alerts = NULL;
    if (!rc && a->conf->nnotifiers && !(alerts = sw_alerts_open(a->conf, a->notifiers, &why))) {
        sw_err("not starting: %s", why);
        free(why);
        rc = 1;
    }
    if (rc) {
        sw_app_close(a);
        sw_pidfile_drop(pidfile, pidfd);
        return rc;
    }
    a->eng = sw_engine_new(a->loop, a->conf, a->series, a->q);
    sw_engine_seed(a->eng);
    sw_sink_register(a->eng, "first verdicts", sw_sink_first_verdicts, NULL, NULL);
    if (alerts)
        sw_alerts_start(alerts, a->eng, a->q);
    sw_storeq_set_retention(a->q, a->conf->keep_raw, a->conf->keep_rollups);
    sw_storeq_start(a->q);
    sw_outputs_start(a->out, a->loop, a->eng, a->q);
    struct sw_health *health = sw_health_start(a->loop, a->conf->health_file, a->q);
    if (alerts)
        sw_health_set_outbox(health, sw_alerts_outbox(alerts));
    sw_engine_run_daemon(a->eng, a->dir);
    sw_outputs_stop(a->out);
    sw_storeq_stop(a->q);
    sw_health_stop(health); /* its last write still counts the deliveries */
    sw_alerts_free(alerts); /* what is owed stays in the state file */
    if (sw_engine_wait_stuck(a->eng, 5000000)) {
        sw_pidfile_drop(pidfile, pidfd); /* the exit below skips the end */
        sw_exit_if_stuck(a->eng, 0, 0);
    }
    /* One last render with everything stored, so the pages left behind
     * show how things stood when the daemon stopped. */
    if (sw_outputs_count(a->out))
        sw_outputs_render_now(a->out, a->eng, a->q);
    uint64_t dropped = sw_storeq_dropped(a->q);
    sw_info("stopped: %llu result(s) stored, %llu dropped", (unsigned long long)sw_storeq_written(a->q),
            (unsigned long long)dropped);
    sw_app_close(a);
    sw_pidfile_drop(pidfile, pidfd);
    /* A supervisor or a script reads the exit code, not the log: a result
     * lost is a failure it must see. */
    return dropped ? 2 : 0;
}
