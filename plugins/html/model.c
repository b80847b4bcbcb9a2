/* SPDX-License-Identifier: MIT
 * Gathering what the pages show: the newest results from the snapshot's
 * recent cache, uptime counts from storage buckets (one bucket per window,
 * computed by the storage), and sites ordered worst first. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

const int64_t html_window[HTML_WINDOWS] = {86400000000LL, 7 * 86400000000LL, 30 * 86400000000LL};
const char *const html_window_name[HTML_WINDOWS] = {"24h", "7d", "30d"};

double html_uptime(const int64_t n[4])
{
    int64_t judged = n[SW_OK] + n[SW_WARN] + n[SW_FAIL];
    return judged ? 100.0 * (double)(n[SW_OK] + n[SW_WARN]) / (double)judged : NAN;
}

double html_warn_share(const int64_t n[4])
{
    int64_t judged = n[SW_OK] + n[SW_WARN] + n[SW_FAIL];
    return judged ? 100.0 * (double)n[SW_WARN] / (double)judged : NAN;
}

static char *html_strdup(const char *s)
{
    return strdup(s ? s : "");
}

static int mark_cb(const sw_result *r, void *ud)
{
    struct html_series *s = ud;
    const struct sw_host_api *api = html_api;
    if (s->nmarks == 0) {
        s->verdict = api->result_verdict(r);
        s->since = api->result_since(r);
        s->last_started = api->result_started(r);
        s->last_duration = api->result_duration(r);
        s->reason = html_strdup(api->result_reason(r));
    }
    struct html_mark *k = &s->marks[s->nmarks++];
    k->started = api->result_started(r);
    k->duration = api->result_duration(r);
    k->verdict = api->result_verdict(r);
    k->reason = html_strdup(api->result_reason(r));
    return s->nmarks == HTML_MARKS;
}

static int up_cb(const struct sw_bucket *b, void *ud)
{
    int64_t *n = ud;
    for (int v = 0; v < 4; v++)
        n[v] += b->count[v];
    return 0;
}

/* Severity for ordering: FAIL, UNKNOWN, WARN, OK. */
static int html_rank(int v)
{
    static const int rank[] = {[SW_OK] = 3, [SW_WARN] = 2, [SW_FAIL] = 0, [SW_UNKNOWN] = 1};
    return v >= 0 && v <= 3 ? rank[v] : 1;
}

static int site_cmp(const void *a, const void *b)
{
    const struct html_site *x = a, *y = b;
    int d = html_rank(x->verdict) - html_rank(y->verdict);
    /* then configuration order, which the series pointers follow */
    return d ? d : (x->series[0] > y->series[0]) - (x->series[0] < y->series[0]);
}

int html_model_build(struct html_model *m, const sw_render *rd, const struct html_inst *h)
{
    const struct sw_host_api *api = html_api;
    memset(m, 0, sizeof *m);
    m->rd = rd;
    m->now = api->render_now(rd);
    m->title = h->title;
    m->refresh = h->refresh;
    m->location = api->render_location(rd);
    int n = api->render_series_count(rd);
    m->series = calloc((size_t)n + 1, sizeof *m->series);
    m->sites = calloc((size_t)n + 1, sizeof *m->sites);
    if (!m->series || !m->sites)
        return SW_ENOMEM;
    for (int i = 0; i < n; i++) {
        struct html_series *s = &m->series[m->nseries++];
        api->render_series_at(rd, i, &s->site, &s->check, &s->url, &s->interval);
        s->index = i;
        s->verdict = SW_UNKNOWN;
        api->render_recent(rd, i, HTML_MARKS, mark_cb, s);
        s->have_up = 1;
        for (int w = 0; w < HTML_WINDOWS && s->have_up; w++) {
            int64_t from = m->now - html_window[w];
            int rc = api->history_buckets(rd, s->site, s->check, from < 0 ? 0 : from, m->now + 1,
                                          html_window[w] + 1, 0, up_cb, s->up[w]);
            s->have_up = rc == 0;
        }
    }
    /* Group by site, keeping the configuration order of first appearance. */
    for (int i = 0; i < m->nseries; i++) {
        struct html_series *s = &m->series[i];
        struct html_site *site = NULL;
        for (int k = 0; k < m->nsites && !site; k++)
            if (strcmp(m->sites[k].name, s->site) == 0)
                site = &m->sites[k];
        if (!site) {
            site = &m->sites[m->nsites++];
            site->name = s->site;
            site->url = s->url;
            site->slug = html_slug(s->site);
            site->series = calloc((size_t)m->nseries, sizeof *site->series);
            site->verdict = -1;
            if (!site->slug || !site->series)
                return SW_ENOMEM;
        }
        site->series[site->nseries++] = s;
        int worse = site->verdict < 0 || html_rank(s->verdict) < html_rank(site->verdict);
        if (worse || (s->verdict == site->verdict && s->since && s->since < site->since)) {
            site->verdict = s->verdict;
            site->since = s->since;
        }
    }
    qsort(m->sites, (size_t)m->nsites, sizeof *m->sites, site_cmp);
    return 0;
}

void html_model_free(struct html_model *m)
{
    for (int i = 0; i < m->nseries; i++) {
        free(m->series[i].reason);
        for (int k = 0; k < m->series[i].nmarks; k++)
            free(m->series[i].marks[k].reason);
    }
    for (int i = 0; i < m->nsites; i++) {
        free(m->sites[i].slug);
        free(m->sites[i].series);
    }
    free(m->series);
    free(m->sites);
}
