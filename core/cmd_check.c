/* SPDX-License-Identifier: MIT
 * `check`: every series once, printed, exit code of the worst verdict. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "log.h"
#include "result.h"
#include "sink.h"
#include "units.h"
#include "util.h"

/* Keep only the series of the sites named on the command line. */
static int check_filter(struct sw_app *a)
{
    if (!a->nargs)
        return 0;
    for (int i = 0; i < a->nargs; i++) {
        if (a->args[i][0] == '-') {
            fprintf(stderr, "sitewatch: check: unknown option '%s' (check takes site names)\n", a->args[i]);
            return -1;
        }
        int known = 0;
        for (int s = 0; s < a->conf->nsites; s++)
            known |= strcmp(a->conf->sites[s].name, a->args[i]) == 0;
        if (!known) {
            fprintf(stderr, "sitewatch: no site named '%s' in %s\n", a->args[i], a->dir);
            return -1;
        }
    }
    int m = 0;
    for (int j = 0; j < a->nseries; j++) {
        int keep = 0;
        for (int i = 0; i < a->nargs; i++)
            keep |= strcmp(a->series[j]->site->name, a->args[i]) == 0;
        if (keep)
            a->series[m++] = a->series[j];
        else
            sw_series_free(a->series[j]);
    }
    a->series[m] = NULL;
    a->nseries = m;
    return 0;
}

static void print_table(sw_result **v, int n)
{
    int ws = 4, wc = 5;
    for (int i = 0; i < n; i++) {
        int ls = (int)strlen(v[i]->site), lc = (int)strlen(v[i]->check);
        ws = ls > ws ? ls : ws;
        wc = lc > wc ? lc : wc;
    }
    printf("%-*s  %-*s  %-7s  %8s  %s\n", ws, "SITE", wc, "CHECK", "VERDICT", "TIME", "REASON");
    for (int i = 0; i < n; i++) {
        char d[32];
        printf("%-*s  %-*s  %-7s  %8s  %s\n", ws, v[i]->site, wc, v[i]->check, sw_verdict_name(v[i]->verdict),
               sw_fmt_duration(v[i]->duration, d, sizeof d), v[i]->reason ? v[i]->reason : "");
    }
}

int sw_cmd_check(struct sw_app *a)
{
    if (sw_app_load(a, 1) < 0 || check_filter(a) < 0) {
        sw_app_close(a);
        return SW_UNKNOWN;
    }
    sw_app_open_storage(a);
    struct sw_collector *got = sw_collector_new(a->nseries);
    a->eng = sw_engine_new(a->loop, a->conf, a->series, a->q);
    sw_engine_seed(a->eng);
    sw_sink_register(a->eng, "collector", sw_sink_collect, NULL, got);
    sw_storeq_start(a->q);
    sw_engine_run_once(a->eng);
    sw_storeq_stop(a->q);

    /* Printed in configuration order, whatever order they finished in:
     * the collector holds each series' result at the series' index. */
    sw_result **ordered = sw_xcalloc((size_t)a->nseries + 1, sizeof *ordered); /* borrowed from got */
    int n = 0, worst = SW_OK;
    for (int i = 0; i < a->nseries; i++)
        if (sw_collector_get(got, i))
            ordered[n++] = sw_collector_get(got, i);
    for (int i = 0; i < n; i++)
        worst = sw_verdict_worst(worst, ordered[i]->verdict);
    if (a->json) {
        for (int i = 0; i < n; i++) {
            struct buf b = {0};
            sw_result_json(ordered[i], &b);
            puts(sw_text(&b));
            buf_free(&b);
        }
    } else {
        print_table(ordered, n);
    }
    fflush(stdout);
    free(ordered);
    sw_collector_free(got);
    if (sw_storeq_dropped(a->q))
        worst = sw_verdict_worst(worst, SW_UNKNOWN);
    sw_exit_if_stuck(a->eng, n ? worst : SW_UNKNOWN, 5000000);
    sw_app_close(a);
    return n ? worst : SW_UNKNOWN;
}
