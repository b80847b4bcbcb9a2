/* SPDX-License-Identifier: MIT
 * status.json: what the index shows, for machines (schema in README.md). */
#include <math.h>
#include <time.h>

#include "html.h"

static void json_time(struct buf *b, int64_t us)
{
    time_t s = (time_t)(us / SW_S);
    struct tm tm;
    char v[40];
    gmtime_r(&s, &tm);
    strftime(v, sizeof v, "%Y-%m-%dT%H:%M:%SZ", &tm);
    buf_json_str(b, v);
}

void html_status_json(struct buf *b, const struct html_model *m)
{
    buf_puts(b, "{\"schema\":1,\"generated\":");
    json_time(b, m->now);
    buf_puts(b, ",\"title\":");
    buf_json_str(b, m->title);
    buf_puts(b, ",\"location\":");
    buf_json_str(b, m->location);
    buf_puts(b, ",\"sites\":[");
    for (int i = 0; i < m->nsites; i++) {
        const struct html_site *site = &m->sites[i];
        buf_puts(b, i ? ",\n{\"name\":" : "\n{\"name\":");
        buf_json_str(b, site->name);
        buf_puts(b, ",\"url\":");
        buf_json_str(b, site->url);
        buf_printf(b, ",\"page\":\"site/%s.html\",\"badge\":\"badge/%s.svg\"", site->slug, site->slug);
        buf_puts(b, ",\"page_error\":"); /* null, or which file could not be written and why */
        buf_json_str(b, site->error);
        buf_printf(b, ",\"verdict\":\"%s\",\"since\":", html_verdict_word(site->verdict));
        if (site->since)
            json_time(b, site->since);
        else
            buf_puts(b, "null");
        buf_puts(b, ",\"checks\":[");
        for (int k = 0; k < site->nseries; k++) {
            const struct html_series *s = site->series[k];
            buf_puts(b, k ? ",{\"check\":" : "{\"check\":");
            buf_json_str(b, s->check);
            buf_printf(b, ",\"verdict\":\"%s\",\"interval_s\":", html_verdict_word(s->verdict));
            buf_json_num(b, (double)s->interval / SW_S);
            buf_puts(b, ",\"since\":");
            if (s->nmarks)
                json_time(b, s->since);
            else
                buf_puts(b, "null");
            buf_puts(b, ",\"last\":");
            if (s->nmarks)
                json_time(b, s->last_started);
            else
                buf_puts(b, "null");
            buf_puts(b, ",\"latency_ms\":");
            buf_json_num(b, s->nmarks ? (double)s->last_duration / 1e3 : NAN);
            buf_puts(b, ",\"reason\":");
            buf_json_str(b, s->nmarks ? s->reason : NULL);
            buf_puts(b, ",\"uptime\":{");
            for (int w = 0; w < HTML_WINDOWS; w++) {
                const int64_t *n = s->up[w];
                buf_printf(b, "%s\"%s\":{\"percent\":", w ? "," : "", html_window_name[w]);
                buf_json_num(b, s->have_up ? html_uptime(n) : NAN);
                buf_puts(b, ",\"warn_percent\":");
                buf_json_num(b, s->have_up ? html_warn_share(n) : NAN);
                buf_printf(b, ",\"ok\":%lld,\"warn\":%lld,\"fail\":%lld,\"unknown\":%lld}", (long long)n[0],
                           (long long)n[1], (long long)n[2], (long long)n[3]);
            }
            buf_puts(b, "},\"recent\":[");
            for (int r = 0; r < s->nmarks; r++) {
                const struct html_mark *mk = &s->marks[r];
                buf_puts(b, r ? ",{\"started\":" : "{\"started\":");
                json_time(b, mk->started);
                buf_printf(b, ",\"verdict\":\"%s\",\"maintenance\":%s,\"latency_ms\":",
                           html_verdict_word(mk->verdict), mk->maintenance ? "true" : "false");
                buf_json_num(b, (double)mk->duration / 1e3);
                buf_puts(b, ",\"reason\":");
                buf_json_str(b, mk->reason);
                buf_puts(b, "}");
            }
            buf_puts(b, "]}");
        }
        buf_puts(b, "]}");
    }
    buf_puts(b, "\n]}\n");
}
