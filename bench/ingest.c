/* SPDX-License-Identifier: MIT
 * Storage ingest: N results pushed into the storage queue and written by
 * the writer thread into every [storage] of a config folder, as the daemon
 * does.  Prints results per second and the writer's CPU time per result.
 * Each result is an https check's: the https plugin's declared metrics
 * (noted as binding a site's series does, so the storage keeps a column or
 * rollup sum for each as it would in the daemon), one value each.
 * Not a test: it prints figures.
 *   build/bench/ingest CONFIG_DIR [N] [SITES]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "config.h"
#include "engine.h"
#include "host.h"
#include "loader.h"
#include "metrics.h"
#include "result.h"
#include "storeq.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CONFIG_DIR [N] [SITES]\n", argv[0]);
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 200000, sites = argc > 3 ? atol(argv[3]) : 1000;
    struct sw_conf *c = sw_conf_load(argv[1]);
    if (c->nerrors) {
        for (int i = 0; i < c->nerrors; i++)
            fprintf(stderr, "%s\n", c->errors[i]);
        return 1;
    }
    const struct sw_loaded *https = sw_loader_get(c->plugin_dir, "https");
    if (https->error) {
        fprintf(stderr, "%s: the https plugin: %s\n", argv[0], https->error);
        return 1;
    }
    sw_metrics_note(https);
    struct sw_storeq *q = sw_storeq_new((size_t)n + 16);
    sw_storage_open(c, q);
    /* Results made first, so the figure is the writer's alone. */
    sw_result **v = malloc(sizeof *v * (size_t)n);
    int64_t t0 = sw_now_wall();
    char site[32];
    for (long i = 0; i < n; i++) {
        snprintf(site, sizeof site, "site-%05ld", i % sites);
        sw_result *r = sw_result_new(site, "https", "home");
        r->scheduled = r->started = t0 - (n - i) * 60000000LL / sites;
        r->duration = 40000 + i % 60000;
        r->since = t0;
        sw_result_set(r, i % 200 == 0 ? SW_FAIL : SW_OK, "HTTP 200, 48 KB in %ld ms", r->duration / 1000);
        sw_result_metric(r, "sched.lag", 0.001);
        /* Times of a few ms, whole numbers for the rest (sizes, counts), a
         * 200 status: the JSON about as long as a real result's. */
        for (int m = 0; m < https->nmetrics; m++) {
            const struct sw_metric_decl *d = &https->metrics[m];
            double v = d->unit && strcmp(d->unit, "s") == 0 ? (double)(m + 2) / 1000 : m + 1;
            sw_result_metric(r, d->name, strcmp(d->name, "http.status") == 0 ? 200 : v);
        }
        sw_result_info(r, "http.ip", "127.0.0.1");
        v[i] = r;
    }
    double w0 = now_s(), c0 = cpu_s();
    sw_storeq_start(q);
    for (long i = 0; i < n; i++)
        sw_storeq_push(q, v[i]);
    sw_storeq_stop(q);
    double wall = now_s() - w0, cpu = cpu_s() - c0;
    for (int t = 0; t < sw_storeq_ntargets(q); t++)
        printf("%s%s", t ? "+" : "", sw_storeq_target(q, t, NULL)->name);
    printf(": %ld results (%ld sites) in %.2f s: %.0f results/s, %.1f us CPU per result, %llu dropped\n", n,
           sites, wall, (double)n / wall, cpu / (double)n * 1e6, (unsigned long long)sw_storeq_dropped(q));
    for (long i = 0; i < n; i++)
        sw_result_unref(v[i]);
    free(v);
    sw_storeq_free(q);
    sw_conf_free(c);
    sw_loader_unload_all();
    return 0;
}
