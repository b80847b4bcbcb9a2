/* SPDX-License-Identifier: MIT
 * `history` (past results of one site) and `uptime` (per site and check,
 * with WARN counted apart), read from the first storage that can answer:
 * the same history reads output plugins use, so uptime is summed by the
 * storage from its rollups, not by reading every result. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "host.h"
#include "log.h"
#include "result.h"
#include "units.h"
#include "util.h"

static struct sw_loaded *history_storage(struct sw_loaded *p)
{
    if (!p)
        fprintf(stderr, "sitewatch: no [storage] section whose plugin can read history back (sqlite can)\n");
    return p;
}

static int history_known(struct sw_app *a, const char *name)
{
    for (int s = 0; s < a->conf->nsites; s++)
        if (strcmp(a->conf->sites[s].name, name) == 0)
            return 1;
    fprintf(stderr,
            "sitewatch: no site named '%s' in %s (results of removed sites: sqlite3 on the database)\n", name,
            a->dir);
    return 0;
}

static int print_cb(const sw_result *r, void *ud)
{
    struct sw_app *a = ud;
    if (a->json) {
        struct buf b = {0};
        sw_result_json(r, &b);
        puts(sw_text(&b));
        buf_free(&b);
        return 0;
    }
    char t[40], d[32];
    sw_fmt_time(r->started, t, sizeof t);
    t[10] = ' ';
    t[19] = '\0';
    printf("%-19s  %-6s  %-10s  %-7s  %8s  %s\n", t, r->check, r->location, sw_verdict_name(r->verdict),
           sw_fmt_duration(r->duration, d, sizeof d), r->reason ? r->reason : "");
    return 0;
}

int sw_cmd_history(struct sw_app *a)
{
    const char *name = NULL;
    long last = 50;
    for (int i = 0; i < a->nargs; i++) {
        char *end;
        if (strcmp(a->args[i], "--last") == 0 && i + 1 < a->nargs) {
            last = strtol(a->args[++i], &end, 10);
            if (*end || last <= 0 || last > 1000000) {
                fprintf(stderr, "sitewatch: history: --last takes a count from 1, not '%s'\n", a->args[i]);
                return 3;
            }
        } else if (a->args[i][0] != '-' && !name) {
            name = a->args[i];
        } else {
            fprintf(stderr, "sitewatch: history: unexpected '%s'\n", a->args[i]);
            return 3;
        }
    }
    if (!name) {
        fprintf(stderr, "usage: sitewatch history NAME [--last 50] [--format json]\n");
        return 3;
    }
    if (sw_app_load(a, 0) < 0 || !history_known(a, name)) {
        sw_app_close(a);
        return 1;
    }
    sw_app_open_storage(a);
    void *inst;
    struct sw_loaded *p = history_storage(SW_STOREQ_READER(a->q, storage_history, &inst));
    int rc = p ? 0 : 1;
    if (p && !a->json)
        printf("%-19s  %-6s  %-10s  %-7s  %8s  %s\n", "STARTED (UTC)", "CHECK", "LOCATION", "VERDICT", "TIME",
               "REASON");
    if (p && (rc = p->desc.storage_history(inst, name, NULL, 0, INT64_MAX, (int)last, 0, print_cb, a)) != 0)
        fprintf(stderr, "sitewatch: %s: cannot read history: %s\n", p->name, sw_strerror(rc));
    sw_app_close(a);
    return rc ? 1 : 0;
}

struct uptime_sum {
    int64_t n[4];
    int64_t maintenance; /* left out of n[], so out of the uptime */
    double p95;
};

static int sum_cb(const struct sw_bucket *b, void *ud)
{
    struct uptime_sum *u = ud;
    for (int v = 0; v < 4; v++)
        u->n[v] += b->count[v];
    if (b->size >= offsetof(struct sw_bucket, lat_p95) + sizeof b->lat_p95)
        u->p95 = b->lat_p95;
    if (b->size >= offsetof(struct sw_bucket, maintenance) + sizeof b->maintenance)
        u->maintenance += b->maintenance;
    return 0;
}

int sw_cmd_uptime(struct sw_app *a)
{
    const char *name = NULL, *since_text = "30d";
    int64_t since = 30 * SW_DAY;
    for (int i = 0; i < a->nargs; i++) {
        if (strcmp(a->args[i], "--since") == 0 && i + 1 < a->nargs) {
            since_text = a->args[++i];
            if (sw_parse_duration(since_text, &since) < 0 || since <= 0) {
                fprintf(stderr, "sitewatch: uptime: --since takes a %s or 30d, not '%s'\n", SW_DURATION_WORDS,
                        a->args[i]);
                return 3;
            }
        } else if (a->args[i][0] != '-' && !name) {
            name = a->args[i];
        } else {
            fprintf(stderr, "sitewatch: uptime: unexpected '%s'\n", a->args[i]);
            return 3;
        }
    }
    if (sw_app_load(a, 0) < 0 || (name && !history_known(a, name))) {
        sw_app_close(a);
        return 1;
    }
    sw_app_open_storage(a);
    void *inst;
    struct sw_loaded *p = history_storage(SW_STOREQ_READER(a->q, storage_buckets, &inst));
    int rc = p ? 0 : 1;
    int64_t now = sw_now_wall(), from = now - since > 0 ? now - since : 0;
    if (p && !a->json)
        printf("%-24s %-6s %8s %8s %8s %7s %7s %7s %7s   (last %s)\n", "SITE", "CHECK", "UPTIME", "WARN",
               "RESULTS", "OK", "WARN", "FAIL", "UNKNOWN", since_text);
    for (int s = 0; p && s < a->conf->nsites && !rc; s++) {
        struct sw_site *site = &a->conf->sites[s];
        if (name && strcmp(site->name, name) != 0)
            continue;
        for (int c = 0; c < site->nchecks && !rc; c++) {
            struct uptime_sum u = {.p95 = NAN};
            int64_t *n = u.n;
            rc = p->desc.storage_buckets(inst, site->name, site->checks[c], from, now + 1, now + 1 - from, 0,
                                         sum_cb, &u);
            if (rc) {
                fprintf(stderr, "sitewatch: %s: cannot sum results: %s\n", p->name, sw_strerror(rc));
                break;
            }
            int64_t judged = n[SW_OK] + n[SW_WARN] + n[SW_FAIL];
            double up = judged ? 100.0 * (double)(n[SW_OK] + n[SW_WARN]) / (double)judged : NAN;
            double warn = judged ? 100.0 * (double)n[SW_WARN] / (double)judged : NAN;
            if (a->json) {
                struct buf b = {0};
                buf_puts(&b, "{\"site\":");
                buf_json_str(&b, site->name);
                buf_puts(&b, ",\"check\":");
                buf_json_str(&b, site->checks[c]);
                buf_printf(&b, ",\"since_s\":%lld,\"percent\":", (long long)(since / SW_S));
                buf_json_num(&b, up);
                buf_puts(&b, ",\"warn_percent\":");
                buf_json_num(&b, warn);
                buf_printf(&b,
                           ",\"ok\":%lld,\"warn\":%lld,\"fail\":%lld,\"unknown\":%lld,\"maintenance\":%lld,"
                           "\"p95_ms_max\":",
                           (long long)n[0], (long long)n[1], (long long)n[2], (long long)n[3],
                           (long long)u.maintenance);
                buf_json_num(&b, u.p95 * 1e3);
                buf_puts(&b, "}");
                puts(sw_text(&b));
                buf_free(&b);
            } else {
                char ut[16] = "-", w[16] = "-";
                if (judged) {
                    snprintf(ut, sizeof ut, "%.3f%%", up);
                    snprintf(w, sizeof w, "%.3f%%", warn);
                }
                printf("%-24s %-6s %8s %8s %8lld %7lld %7lld %7lld %7lld", site->name, site->checks[c], ut, w,
                       (long long)(judged + n[SW_UNKNOWN]), (long long)n[0], (long long)n[1], (long long)n[2],
                       (long long)n[3]);
                if (u.maintenance) /* not in the uptime: said, so the counts add up */
                    printf("   + %lld in maintenance", (long long)u.maintenance);
                printf("\n");
            }
        }
    }
    sw_app_close(a);
    return rc ? 1 : 0;
}
