/* SPDX-License-Identifier: MIT
 * site/NAME.html: per check, response time over 24 h and 7 d, where the
 * time goes, results per location, the info of the last result and the
 * last 50 results with their reasons. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

#define H_10MIN (10 * SW_MIN)
#define H_HOUR  SW_H

/* The response-time graph over the window of LEN ending now, in STEP
 * buckets aligned to STEP (so storage can answer from whole rollup slots);
 * the buckets are handed back in KEEP when given. */
static void site_graph(struct buf *b, const struct html_model *m, const struct html_series *s, int64_t len,
                       int64_t step, const char *label, struct bucket_list *keep)
{
    struct html_graph g = {.to = m->now, .step = step, .day_ticks = len > SW_DAY};
    /* A pause of more than two checks (or two buckets) is a gap in the data. */
    g.gap = 2 * (s->interval > step ? s->interval : step);
    g.from = (m->now / step + 1) * step - len;
    struct bucket_list l = {0};
    int rc = sw_api->history_buckets(m->rd, s->site, s->check, g.from, g.to, step, 0, bucket_cb, &l);
    if (rc == 0 && !l.failed) {
        g.b = l.v;
        g.n = l.n;
        html_svg_latency(b, &g, label);
    } else {
        buf_puts(b, "<p class=\"none\">No history: no storage that can answer.</p>\n");
    }
    if (keep && rc == 0 && !l.failed)
        *keep = l;
    else
        bucket_list_free(&l);
}

/* Where the time goes per hour over the last 24 h, from the 10-minute
 * buckets the 24 h graph already read: each phase's mean weighted by the
 * answered results of each bucket. */
static void site_phases(struct buf *b, const struct html_model *m, const struct bucket_list *five,
                        const char *label)
{
    enum { HOURS = 24 };
    int nph = five->nnames;
    if (!nph)
        return;
    struct sw_bucket hb[HOURS];
    double w[HOURS] = {0}, *sum = calloc((size_t)HOURS * (size_t)nph, sizeof *sum);
    if (!sum) {
        b->failed = 1;
        return;
    }
    struct html_graph g = {.to = m->now, .step = H_HOUR, .gap = 2 * H_HOUR};
    g.from = (m->now / H_HOUR + 1) * H_HOUR - html_window[HTML_24H];
    for (int i = 0; i < five->n; i++) {
        const struct sw_bucket *k = &five->v[i];
        int64_t h = (k->start - g.from) / H_HOUR;
        double n = (double)(k->count[SW_OK] + k->count[SW_WARN]);
        if (h < 0 || h >= HOURS || k->nphases != nph || !(k->phase_means[0] == k->phase_means[0]) || n <= 0)
            continue;
        w[h] += n;
        for (int p = 0; p < nph; p++)
            sum[h * nph + p] += k->phase_means[p] * n;
    }
    for (int h = 0; h < HOURS; h++) {
        if (w[h] <= 0)
            continue;
        struct sw_bucket *k = &hb[g.n++];
        memset(k, 0, sizeof *k);
        k->size = sizeof *k;
        k->lat_p95 = NAN;
        k->start = g.from + h * H_HOUR;
        k->span = H_HOUR;
        for (int p = 0; p < nph; p++)
            sum[h * nph + p] /= w[h];
        k->nphases = nph;
        k->phase_names = (const char *const *)five->names;
        k->phase_means = &sum[h * nph];
    }
    g.b = hb;
    if (g.n) {
        buf_puts(b, "<h3>Where the time goes, last 24 hours</h3>\n");
        html_svg_phases(b, &g, label);
    }
    free(sum);
}

static void site_locations(struct buf *b, const struct html_model *m, const struct html_series *s)
{
    (void)m;
    const struct bucket_list l = s->locs;
    if (l.n < 2)
        return;
    buf_puts(b, "<h3>By location, last 24 h</h3>\n<table class=\"locations\"><thead><tr><th>Location</th>"
                "<th>Results</th><th>Uptime</th><th>Failures</th><th>Mean latency</th><th>Max latency</th>"
                "</tr></thead><tbody>\n");
    for (int i = 0; i < l.n; i++) {
        const struct sw_bucket *k = &l.v[i];
        buf_puts(b, "<tr data-location=\"");
        buf_html(b, k->location);
        buf_puts(b, "\"><td>");
        buf_html(b, k->location);
        buf_printf(b, "</td><td class=\"num\">%lld</td><td class=\"num\">",
                   (long long)(k->count[0] + k->count[1] + k->count[2] + k->count[3]));
        html_percent(b, html_uptime(k->count));
        buf_printf(b, "</td><td class=\"num\">%lld</td><td class=\"num\">", (long long)k->count[SW_FAIL]);
        html_ms(b, k->lat_avg);
        buf_puts(b, "</td><td class=\"num\">");
        html_ms(b, k->lat_max);
        buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</tbody></table>\n");
}

static int details_cb(const sw_result *r, void *ud)
{
    struct buf *b = ud;
    const struct sw_host_api *api = sw_api;
    int ni = api->result_info_count(r), nm = api->result_metric_count(r);
    if (!ni && !nm)
        return 1;
    buf_puts(b, "<h3>Details of the last result</h3>\n<table class=\"details\"><tbody>\n");
    for (int i = 0; i < ni; i++) {
        const char *k, *v;
        api->result_info_at(r, i, &k, &v);
        buf_puts(b, "<tr><th>");
        buf_html(b, k);
        buf_puts(b, "</th><td><pre>");
        buf_html(b, v);
        buf_puts(b, "</pre></td></tr>\n");
    }
    for (int i = 0; i < nm; i++) {
        const char *k;
        double v;
        api->result_metric_at(r, i, &k, &v);
        buf_puts(b, "<tr><th>");
        buf_html(b, k);
        buf_printf(b, "</th><td class=\"num\">%.6g</td></tr>\n", v);
    }
    buf_puts(b, "</tbody></table>\n");
    return 1;
}

static int row_cb(const sw_result *r, void *ud)
{
    struct buf *b = ud;
    const struct sw_host_api *api = sw_api;
    int v = api->result_verdict(r);
    buf_printf(b, "<tr class=\"v-%s\"><td>", html_verdict_class(v));
    html_time(b, api->result_started(r), 1);
    buf_puts(b, "</td><td>");
    buf_html(b, api->result_location(r));
    buf_printf(b,
               "</td><td class=\"verdict v-%s\"><span class=\"glyph\" aria-hidden=\"true\">%s</span> %s</td>",
               html_verdict_class(v), html_verdict_glyph(v), html_verdict_word(v));
    buf_puts(b, "<td class=\"num\">");
    html_ms(b, (double)api->result_duration(r) / SW_S);
    buf_puts(b, "</td><td class=\"reason\">");
    buf_html(b, api->result_reason(r));
    buf_puts(b, "</td></tr>\n");
    return 0;
}

static void site_check(struct buf *b, const struct html_model *m, const struct html_series *s)
{
    buf_puts(b, "<section class=\"check\" id=\"check-");
    buf_html(b, s->check);
    buf_puts(b, "\">\n<h2>");
    buf_html(b, s->check);
    buf_printf(
        b,
        " <span class=\"verdict v-%s\"><span class=\"glyph\" aria-hidden=\"true\">%s</span> %s</span></h2>\n",
        html_verdict_class(s->verdict), html_verdict_glyph(s->verdict), html_verdict_word(s->verdict));
    if (s->nmarks) {
        buf_puts(b, "<p class=\"reason\">");
        buf_html(b, s->reason);
        buf_puts(b, "</p>\n<p class=\"meta\">Since ");
        html_time(b, s->since, 0);
        buf_puts(b, " \xc2\xb7 last checked ");
        html_time(b, s->last_started, 1);
        buf_puts(b, " \xc2\xb7 every ");
        char d[32];
        buf_puts(b, sw_api->format_duration(s->interval, d, sizeof d));
        buf_puts(b, " \xc2\xb7 uptime ");
        for (int w = 0; w < HTML_WINDOWS; w++) {
            buf_printf(b, "%s%s ", w ? ", " : "", html_window_name[w]);
            html_percent(b, s->have_up ? html_uptime(s->up[w]) : NAN);
        }
        buf_puts(b, "</p>\n");
    } else {
        buf_puts(b, "<p class=\"none\">No results yet.</p>\n");
    }
    struct buf label = {0};
    buf_printf(&label, "%s %s: response time, last 24 hours", s->site, s->check);
    buf_puts(b, "<h3>Response time, last 24 hours</h3>\n");
    struct bucket_list five = {0};
    site_graph(b, m, s, html_window[HTML_24H], H_10MIN, label.s ? label.s : "", &five);
    buf_reset(&label);
    buf_printf(&label, "%s %s: response time, last 7 days", s->site, s->check);
    buf_puts(b, "<h3>Response time, last 7 days</h3>\n");
    site_graph(b, m, s, html_window[HTML_7D], H_HOUR, label.s ? label.s : "", NULL);
    buf_reset(&label);
    buf_printf(&label, "%s %s: where the time goes, per hour, last 24 hours", s->site, s->check);
    site_phases(b, m, &five, label.s ? label.s : "");
    bucket_list_free(&five);
    b->failed |= label.failed;
    buf_free(&label);
    site_locations(b, m, s);
    sw_api->render_recent(m->rd, s->index, 1, details_cb, b);
    buf_printf(b,
               "<h3>Last %d results</h3>\n<table class=\"results\"><thead><tr><th>Started</th>"
               "<th>Location</th><th>Status</th><th>Time</th><th>Reason</th></tr></thead><tbody>\n",
               HTML_LAST);
    if (sw_api->history_results(m->rd, s->site, s->check, 0, m->now + 1, HTML_LAST, SW_HISTORY_SUMMARY,
                                row_cb, b) != 0)
        sw_api->render_recent(m->rd, s->index, HTML_LAST, row_cb, b);
    buf_puts(b, "</tbody></table>\n</section>\n");
}

int html_site_page(struct buf *b, const struct html_model *m, const struct html_site *s)
{
    struct buf title = {0};
    buf_printf(&title, "%s \xc2\xb7 %s", s->name, m->title);
    html_page_head(b, m, title.s ? title.s : "", "../");
    buf_free(&title);
    buf_puts(b, "<header><nav><a href=\"../index.html\">\xe2\x86\x90 all sites</a></nav>\n<h1>");
    buf_html(b, s->name);
    buf_printf(
        b,
        " <span class=\"verdict v-%s\"><span class=\"glyph\" aria-hidden=\"true\">%s</span> %s</span></h1>\n",
        html_verdict_class(s->verdict), html_verdict_glyph(s->verdict), html_verdict_word(s->verdict));
    if (s->url) {
        buf_puts(b, "<p class=\"url\">");
        buf_html(b, s->url);
        buf_puts(b, "</p>\n");
    }
    buf_puts(b, "</header>\n<main>\n");
    for (int i = 0; i < s->nseries; i++)
        site_check(b, m, s->series[i]);
    buf_puts(b, "</main>\n");
    html_page_foot(b, m);
    return b->failed ? SW_ENOMEM : 0;
}
