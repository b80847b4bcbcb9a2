/* SPDX-License-Identifier: MIT
 * `status`: each site x check's latest verdict, since when, and its last
 * results, read back from the first storage that can answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "health.h"
#include "host.h"
#include "log.h"
#include "result.h"
#include "units.h"
#include "util.h"

#define STATUS_LAST 7

struct status_rows {
    sw_result *v[STATUS_LAST];
    int n;
};

static int status_cb(const sw_result *r, void *ud)
{
    struct status_rows *s = ud;
    if (s->n < STATUS_LAST)
        s->v[s->n++] = sw_result_clone(r);
    return s->n >= STATUS_LAST;
}

static void status_ago(int64_t us, char *buf, size_t n)
{
    int64_t s = us / SW_S;
    if (s < 120)
        snprintf(buf, n, "%llds", (long long)s);
    else if (s < 7200)
        snprintf(buf, n, "%lldm", (long long)(s / 60));
    else if (s < 172800)
        snprintf(buf, n, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
    else
        snprintf(buf, n, "%lldd%02lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
}

int sw_cmd_status(struct sw_app *a)
{
    if (sw_app_load(a, 0) < 0) {
        sw_app_close(a);
        return SW_UNKNOWN;
    }
    sw_app_open_storage(a);
    /* The daemon's word on its storage first: when storage fails, the
     * table below may be stale or missing. */
    sw_health_show(a->conf->health_file, a->json, stdout);
    void *inst = NULL;
    struct sw_loaded *p = SW_STOREQ_READER(a->q, storage_recent, &inst);
    if (!p) {
        /* A storage that is configured but failed to open is not a storage
         * that cannot read: say which, the error above says why. */
        int unopened = 0;
        for (int i = 0; i < a->conf->nsecs; i++) {
            struct sw_section *s = a->conf->secs[i];
            int open = 0;
            for (int t = 0; s->kind == SW_SEC_STORAGE && t < sw_storeq_ntargets(a->q) && !open; t++)
                open = strcmp(sw_storeq_target_name(a->q, t), s->name) == 0;
            if (s->kind == SW_SEC_STORAGE && !open) {
                fprintf(stderr,
                        "sitewatch: [storage %s] (%s:%d) failed to open (the error above says why); no "
                        "results to show\n",
                        s->name, s->file, s->line);
                unopened++;
            }
        }
        if (!unopened)
            fprintf(stderr, "sitewatch: no [storage] section whose plugin can read results back\n");
        sw_app_close(a);
        return SW_UNKNOWN;
    }
    int worst = SW_OK;
    int64_t now = sw_now_wall();
    if (!a->json)
        printf("%-24s %-6s %-7s %-20s %10s %8s  %s\n", "SITE", "CHECK", "VERDICT", "SINCE (UTC)", "LAST",
               "LATENCY", "LAST 7, NEWEST FIRST (O=OK W=WARN F=FAIL U=UNKNOWN)");
    for (int s = 0; s < a->conf->nsites; s++) {
        struct sw_site *site = &a->conf->sites[s];
        for (int c = 0; c < site->nchecks; c++) {
            struct status_rows rows = {0};
            p->desc.storage_recent(inst, site->name, site->checks[c], STATUS_LAST, status_cb, &rows);
            sw_result *last = rows.n ? rows.v[0] : NULL;
            worst = sw_verdict_worst(worst, last ? last->verdict : SW_UNKNOWN);
            char since[40] = "-", ago[16] = "-", lat[16] = "-", marks[STATUS_LAST * 2 + 1] = "";
            if (last) {
                sw_fmt_time(last->since, since, sizeof since);
                if (!a->json) { /* a person reads seconds: 2026-11-21 07:54:02 */
                    since[10] = ' ';
                    since[19] = '\0';
                }
                status_ago(now - (last->started + last->duration), ago, sizeof ago);
                strcat(ago, " ago");
                sw_fmt_duration(last->duration, lat, sizeof lat);
            }
            for (int i = 0; i < rows.n; i++) {
                marks[2 * i] = "OWFU"[rows.v[i]->verdict & 3];
                marks[2 * i + 1] = ' ';
                marks[2 * i + 2] = '\0';
            }
            if (a->json) {
                struct buf b = {0};
                buf_puts(&b, "{\"site\":");
                buf_json_str(&b, site->name);
                buf_puts(&b, ",\"check\":");
                buf_json_str(&b, site->checks[c]);
                buf_printf(&b, ",\"verdict\":\"%s\"", last ? sw_verdict_name(last->verdict) : "UNKNOWN");
                if (last && last->since)
                    buf_printf(&b, ",\"since\":\"%s\"", since);
                else
                    buf_puts(&b, ",\"since\":null");
                buf_puts(&b, ",\"recent\":[");
                for (int i = 0; i < rows.n; i++) {
                    if (i)
                        buf_puts(&b, ",");
                    sw_result_json(rows.v[i], &b);
                }
                buf_puts(&b, "]}");
                puts(sw_text(&b));
                buf_free(&b);
            } else {
                printf("%-24s %-6s %-7s %-20s %10s %8s  %s%s\n", site->name, site->checks[c],
                       last ? sw_verdict_name(last->verdict) : "-", since, ago, lat, marks,
                       last ? "" : "no results yet");
                if (last && last->verdict != SW_OK)
                    printf("%-24s %s\n", "", last->reason ? last->reason : "");
            }
            for (int i = 0; i < rows.n; i++)
                sw_result_unref(rows.v[i]);
        }
    }
    sw_app_close(a);
    return worst;
}
