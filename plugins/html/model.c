/* SPDX-License-Identifier: MIT
 * Gathering what the pages show: the newest results from the snapshot's
 * recent cache, uptime counts from storage buckets (one bucket per window,
 * computed by the storage), and sites ordered worst first. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

const int64_t html_window[HTML_WINDOWS] = {SW_DAY, 7 * SW_DAY, 30 * SW_DAY};
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

/* The phase names of B into L, once a list. */
static int bucket_names(struct bucket_list *l, const struct sw_bucket *b)
{
    if (l->names || !b->nphases)
        return 0;
    if (!(l->names = calloc((size_t)b->nphases, sizeof *l->names)))
        return -1;
    for (int p = 0; p < b->nphases; p++) {
        if (!(l->names[p] = strdup(b->phase_names[p]))) {
            while (p--)
                free(l->names[p]);
            free(l->names);
            l->names = NULL;
            return -1;
        }
    }
    l->nnames = b->nphases;
    return 0;
}

int bucket_cb(const struct sw_bucket *b, void *ud)
{
    struct bucket_list *l = ud;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 64;
        struct sw_bucket *v = realloc(l->v, sizeof *v * (size_t)cap);
        if (!v) {
            l->failed = 1;
            return 1;
        }
        l->v = v;
        l->cap = cap;
    }
    /* Copy what this plugin knows; a smaller struct from an older storage
     * leaves the rest NaN/zero (and no phases by name). */
    struct sw_bucket *k = &l->v[l->n++];
    memset(k, 0, sizeof *k);
    memcpy(k, b, b->size < sizeof *k ? b->size : sizeof *k);
    if (b->size < offsetof(struct sw_bucket, lat_p95) + sizeof k->lat_p95)
        k->lat_p95 = NAN;
    if (b->size < offsetof(struct sw_bucket, phase) + sizeof k->phase)
        for (int p = 0; p < SW_PHASES; p++)
            k->phase[p] = NAN;
    if (b->size < offsetof(struct sw_bucket, phase_means) + sizeof k->phase_means)
        k->nphases = 0;
    k->location = b->location ? strdup(b->location) : NULL;
    double *means = NULL;
    if (k->nphases && !bucket_names(l, b) && l->nnames == k->nphases &&
        (means = malloc(sizeof *means * (size_t)k->nphases)))
        memcpy(means, b->phase_means, sizeof *means * (size_t)k->nphases);
    k->nphases = means ? k->nphases : 0;
    k->phase_means = means;
    k->phase_names = (const char *const *)l->names;
    return 0;
}

void bucket_list_free(struct bucket_list *l)
{
    for (int i = 0; i < l->n; i++) {
        free((char *)l->v[i].location);
        free((double *)l->v[i].phase_means);
    }
    for (int p = 0; p < l->nnames; p++)
        free(l->names[p]);
    free(l->names);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int mark_cb(const sw_result *r, void *ud)
{
    struct html_series *s = ud;
    const struct sw_host_api *api = sw_api;
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
    k->maintenance = 0;
    for (int i = 0, n = api->result_info_count(r); i < n; i++) {
        const char *key, *value;
        if (api->result_info_at(r, i, &key, &value) == 0 && strcmp(key, "maintenance") == 0)
            k->maintenance = 1;
    }
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

/* ---- grouping series by site ----
 * One pass with a hash of site names, then each site's slice of one
 * array: linear in series.  (A series array per site as long as all
 * series, and a linear search for the site, made 10,000 sites 714 MB and
 * 6 s; 20,000 2.8 GB and 17 s.) */

static uint64_t html_name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

static int html_group_sites(struct html_model *m)
{
    size_t cap = 16;
    while (cap < (size_t)m->nseries * 2)
        cap *= 2;
    int *slot = calloc(cap, sizeof *slot);                   /* site index + 1, or 0 */
    int *of = malloc(((size_t)m->nseries + 1) * sizeof *of); /* each series' site */
    m->site_series = calloc((size_t)m->nseries + 1, sizeof *m->site_series);
    if (!slot || !of || !m->site_series) {
        free(slot);
        free(of);
        return SW_ENOMEM;
    }
    int rc = 0;
    /* Sites in the configuration order of their first series. */
    for (int i = 0; i < m->nseries && !rc; i++) {
        struct html_series *s = &m->series[i];
        size_t k = html_name_hash(s->site) & (cap - 1);
        while (slot[k] && strcmp(m->sites[slot[k] - 1].name, s->site) != 0)
            k = (k + 1) & (cap - 1);
        if (!slot[k]) {
            struct html_site *site = &m->sites[m->nsites++];
            site->name = s->site;
            site->url = s->url;
            site->slug = html_slug(s->site);
            site->verdict = -1;
            slot[k] = m->nsites;
            if (!site->slug)
                rc = SW_ENOMEM;
        }
        of[i] = slot[k] - 1;
        m->sites[of[i]].nseries++;
    }
    /* Each site's slice, then its series in order. */
    for (int k = 0, at = 0; k < m->nsites && !rc; k++) {
        m->sites[k].series = m->site_series + at;
        at += m->sites[k].nseries;
        m->sites[k].nseries = 0;
    }
    for (int i = 0; i < m->nseries && !rc; i++) {
        struct html_series *s = &m->series[i];
        struct html_site *site = &m->sites[of[i]];
        site->series[site->nseries++] = s;
        int worse = site->verdict < 0 || html_rank(s->verdict) < html_rank(site->verdict);
        if (worse || (s->verdict == site->verdict && s->since && s->since < site->since)) {
            site->verdict = s->verdict;
            site->since = s->since;
        }
    }
    free(slot);
    free(of);
    if (rc)
        return rc;
    qsort(m->sites, (size_t)m->nsites, sizeof *m->sites, site_cmp);
    return 0;
}

int html_model_build(struct html_model *m, const sw_render *rd, const struct html_inst *h)
{
    const struct sw_host_api *api = sw_api;
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
            /* The last 24 h per location: the site page's table, and their
             * sum is the 24 h uptime. */
            int by_loc = w == HTML_24H;
            int rc = api->history_buckets(rd, s->site, s->check, from < 0 ? 0 : from, m->now + 1,
                                          html_window[w] + 1, by_loc ? SW_BUCKETS_BY_LOCATION : 0,
                                          by_loc ? bucket_cb : up_cb, by_loc ? (void *)&s->locs : s->up[w]);
            for (int i = 0; by_loc && i < s->locs.n; i++)
                up_cb(&s->locs.v[i], s->up[w]);
            s->have_up = rc == 0 && !s->locs.failed;
        }
    }
    return html_group_sites(m);
}

void html_model_free(struct html_model *m)
{
    for (int i = 0; i < m->nseries; i++) {
        free(m->series[i].reason);
        bucket_list_free(&m->series[i].locs);
        for (int k = 0; k < m->series[i].nmarks; k++)
            free(m->series[i].marks[k].reason);
    }
    for (int i = 0; i < m->nsites; i++) {
        free(m->sites[i].slug);
        free(m->sites[i].error);
    }
    free(m->site_series);
    free(m->series);
    free(m->sites);
}
