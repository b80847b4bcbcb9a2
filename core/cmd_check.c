/* SPDX-License-Identifier: MIT
 * `check`: every pair once, printed, exit code of the worst verdict. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "log.h"
#include "result.h"
#include "units.h"
#include "util.h"

struct collected {
    sw_result **v;
    int n, size;
};

static void collect_cb(const sw_result *r, void *ud)
{
    struct collected *c = ud;
    if (c->n == c->size) {
        c->size = c->size ? c->size * 2 : 64;
        c->v = sw_xrealloc(c->v, sizeof *c->v * (size_t)c->size);
    }
    c->v[c->n++] = sw_result_ref((sw_result *)r);
}

static int by_pair(const char *site_a, const char *check_a, const char *site_b, const char *check_b)
{
    int c = strcmp(site_a, site_b);
    return c ? c : strcmp(check_a, check_b);
}

static int result_cmp(const void *a, const void *b)
{
    const sw_result *x = *(sw_result *const *)a, *y = *(sw_result *const *)b;
    return by_pair(x->site, x->check, y->site, y->check);
}

/* The first of the N results sorted in V that is JOB's, or N. */
static int first_of_job(sw_result **v, int n, const struct sw_job *job)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (by_pair(v[mid]->site, v[mid]->check, job->site->name, job->check) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int sw_check_order(sw_result **v, int n, struct sw_job *const *jobs, sw_result **out)
{
    if (n)
        qsort(v, (size_t)n, sizeof *v, result_cmp);
    char *taken = sw_xcalloc((size_t)n + 1, 1);
    int m = 0;
    for (struct sw_job *const *pj = jobs; *pj; pj++)
        for (int i = first_of_job(v, n, *pj);
             i < n && by_pair(v[i]->site, v[i]->check, (*pj)->site->name, (*pj)->check) == 0; i++)
            if (!taken[i]) {
                taken[i] = 1;
                out[m++] = v[i];
            }
    free(taken);
    return m;
}

/* Keep only the jobs of the sites named on the command line. */
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
    for (int j = 0; j < a->njobs; j++) {
        int keep = 0;
        for (int i = 0; i < a->nargs; i++)
            keep |= strcmp(a->jobs[j]->site->name, a->args[i]) == 0;
        if (keep)
            a->jobs[m++] = a->jobs[j];
        else
            sw_job_free(a->jobs[j]);
    }
    a->jobs[m] = NULL;
    a->njobs = m;
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
    struct collected got = {0};
    a->eng = sw_engine_new(a->loop, a->conf, a->jobs, a->q);
    sw_engine_seed(a->eng);
    sw_engine_on_result(a->eng, collect_cb, &got);
    sw_storeq_start(a->q);
    sw_engine_run_once(a->eng);
    sw_storeq_stop(a->q);

    /* Printed in configuration order, whatever order they finished in. */
    sw_result **ordered = sw_xcalloc((size_t)got.n + 1, sizeof *ordered); /* borrowed from got */
    int n = sw_check_order(got.v, got.n, sw_engine_jobs(a->eng), ordered), worst = SW_OK;
    for (int i = 0; i < n; i++)
        worst = sw_verdict_worst(worst, ordered[i]->verdict);
    if (a->json) {
        for (int i = 0; i < n; i++) {
            struct sw_buf b = {0};
            sw_result_json(ordered[i], &b);
            puts(b.s);
            sw_buf_free(&b);
        }
    } else {
        print_table(ordered, n);
    }
    fflush(stdout);
    for (int i = 0; i < got.n; i++)
        sw_result_unref(got.v[i]);
    free(ordered);
    free(got.v);
    if (sw_storeq_dropped(a->q))
        worst = sw_verdict_worst(worst, SW_UNKNOWN);
    sw_exit_if_stuck(a->eng, n ? worst : SW_UNKNOWN, 5000000);
    sw_app_close(a);
    return n ? worst : SW_UNKNOWN;
}
