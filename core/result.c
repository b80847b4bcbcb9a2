/* SPDX-License-Identifier: MIT */
#include "result.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#include <pthread.h>

/* ---- names, interned ----
 * Every result names its site, check, location and metrics ("time.total",
 * ...): the same strings in every result kept in the recent cache and the
 * storage queue.  One shared copy each saves a malloc and a free per name
 * per result, and tens of MB at 10,000 sites.  The sets only grow: past
 * its cap (a plugin that makes metric names without end, say) a result
 * keeps its own copies. */
struct intern_set {
    pthread_mutex_t lock;
    const char **v; /* open addressing, at most half full */
    size_t cap, n, max;
};

static struct intern_set metric_names = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 4096};
static struct intern_set site_names = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 1u << 20};

static size_t intern_slot(const struct intern_set *set, const char *name, uint64_t h)
{
    size_t i = h % set->cap;
    while (set->v[i] && strcmp(set->v[i], name) != 0)
        i = (i + 1) % set->cap;
    return i;
}

/* A thread interns the same few pointers over and over (a plugin's string
 * literals, a series' site name): a small cache per thread, keyed by the
 * pointer and confirmed by the text (a caller may reuse a buffer), skips
 * the hash and the lock.  Interned names are never freed, so an entry
 * cannot go stale. */
#define INTERN_CACHE 64
struct intern_hit {
    const struct intern_set *set;
    const char *arg, *shared;
};
static _Thread_local struct intern_hit intern_cache[INTERN_CACHE];

static const char *intern(struct intern_set *set, const char *name)
{
    struct intern_hit *hit = &intern_cache[((uintptr_t)name >> 3) % INTERN_CACHE];
    if (hit->arg == name && hit->set == set && strcmp(hit->shared, name) == 0)
        return hit->shared;
    uint64_t h = sw_hash(name, "");
    const char *found = NULL;
    pthread_mutex_lock(&set->lock);
    if (set->cap) {
        size_t i = intern_slot(set, name, h);
        found = set->v[i];
    }
    if (!found && set->n < set->max) {
        if (2 * (set->n + 1) > set->cap) {
            struct intern_set grown = {.cap = set->cap ? 2 * set->cap : 256};
            grown.v = sw_xcalloc(grown.cap, sizeof *grown.v);
            for (size_t i = 0; i < set->cap; i++)
                if (set->v[i])
                    grown.v[intern_slot(&grown, set->v[i], sw_hash(set->v[i], ""))] = set->v[i];
            free(set->v);
            set->v = grown.v;
            set->cap = grown.cap;
        }
        found = set->v[intern_slot(set, name, h)] = sw_xstrdup(name);
        set->n++;
    }
    pthread_mutex_unlock(&set->lock);
    if (found)
        *hit = (struct intern_hit){set, name, found};
    return found;
}

/* A name for a result: shared, or (bit OWN) the result's own copy past
 * the cap. */
static char *result_name(sw_result *r, const char *name, unsigned own)
{
    const char *shared = intern(&site_names, name ? name : "");
    if (shared)
        return (char *)shared;
    r->names_owned |= own;
    return sw_xstrdup(name ? name : "");
}

/* NAME for a metric (BIT RESULT_OWN_METRICS) or info (RESULT_OWN_INFOS) of
 * R: interned, or once one is not, every such name of R its own copy (a
 * flag per result, not per name, keeps a metric at 16 bytes). */
static char *result_own_name(sw_result *r, unsigned bit, const char *name)
{
    const char *shared = r->names_owned & bit ? NULL : intern(&metric_names, name);
    if (shared)
        return (char *)shared;
    if (!(r->names_owned & bit)) {
        r->names_owned |= bit;
        for (int i = 0; bit == RESULT_OWN_METRICS && i < r->nmetrics; i++)
            r->metrics[i].name = sw_xstrdup(r->metrics[i].name);
        for (int i = 0; bit == RESULT_OWN_INFOS && i < r->ninfos; i++)
            r->infos[i].key = sw_xstrdup(r->infos[i].key);
    }
    return sw_xstrdup(name);
}

sw_result *sw_result_new(const char *site, const char *check, const char *location)
{
    sw_result *r = sw_xcalloc(1, sizeof *r);
    atomic_init(&r->refs, 1);
    r->site = result_name(r, site, RESULT_OWN_SITE);
    r->check = result_name(r, check, RESULT_OWN_CHECK);
    r->location = result_name(r, location, RESULT_OWN_LOCATION);
    r->verdict = SW_UNKNOWN;
    return r;
}

sw_result *sw_result_ref(sw_result *r)
{
    atomic_fetch_add(&r->refs, 1);
    return r;
}

void sw_result_unref(sw_result *r)
{
    if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    if (r->names_owned & RESULT_OWN_SITE)
        free(r->site);
    if (r->names_owned & RESULT_OWN_CHECK)
        free(r->check);
    if (r->names_owned & RESULT_OWN_LOCATION)
        free(r->location);
    free(r->reason);
    for (int i = 0; i < r->nmetrics; i++)
        if (r->names_owned & RESULT_OWN_METRICS)
            free((char *)r->metrics[i].name);
    free(r->metrics);
    for (int i = 0; i < r->ninfos; i++) {
        if (r->names_owned & RESULT_OWN_INFOS)
            free(r->infos[i].key);
        free(r->infos[i].value);
    }
    free(r->infos);
    free(r);
}

sw_result *sw_result_clone_slim(const sw_result *r)
{
    sw_result *c = sw_result_new(r->site, r->check, r->location);
    c->scheduled = r->scheduled;
    c->started = r->started;
    c->duration = r->duration;
    c->since = r->since;
    c->verdict = r->verdict;
    c->has_verdict = r->has_verdict;
    c->reason = r->reason ? sw_xstrdup(r->reason) : NULL;
    return c;
}

sw_result *sw_result_clone(const sw_result *r)
{
    sw_result *c = sw_result_clone_slim(r);
    for (int i = 0; i < r->nmetrics; i++)
        sw_result_metric(c, r->metrics[i].name, r->metrics[i].value);
    for (int i = 0; i < r->ninfos; i++)
        sw_result_info(c, r->infos[i].key, r->infos[i].value);
    return c;
}

/* Text a server controls (a header compared by a rule, a TXT record, a
 * list of answers) would otherwise be stored whole in every result: a
 * 90 KB Content-Type became a 90 KB reason, 130 MB a day for one site.
 * S is cut in place to at most MAX bytes, at a character boundary (S is
 * valid UTF-8 by now), and ends with a mark that says so. */
#define RESULT_CUT_MARK "\xe2\x80\xa6 (cut)" /* "… (cut)" */

static char *result_cap(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return s;
    size_t keep = max - (sizeof RESULT_CUT_MARK - 1);
    while (keep && ((unsigned char)s[keep] & 0xc0) == 0x80) /* not inside a character */
        keep--;
    memcpy(s + keep, RESULT_CUT_MARK, sizeof RESULT_CUT_MARK);
    return s;
}

/* An info value as stored and shown: valid UTF-8, no secrets, at most 4 KiB. */
static char *sw_info_text(const char *value)
{
    char *safe = sw_redact(value);
    char *clean = sw_text_clean(safe, 0);
    free(safe);
    return result_cap(clean, SW_INFO_MAX);
}

void sw_result_trim(sw_result *r)
{
    if (r->nmetrics && r->nmetrics < r->cmetrics) {
        r->metrics = sw_xrealloc(r->metrics, sizeof *r->metrics * (size_t)r->nmetrics);
        r->cmetrics = r->nmetrics;
    }
    if (r->ninfos && r->ninfos < r->cinfos) {
        r->infos = sw_xrealloc(r->infos, sizeof *r->infos * (size_t)r->ninfos);
        r->cinfos = r->ninfos;
    }
}

void sw_result_set(sw_result *r, int verdict, const char *fmt, ...)
{
    if (verdict < SW_OK || verdict > SW_UNKNOWN)
        verdict = SW_UNKNOWN;
    struct buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    /* A reason is one line of valid UTF-8, whatever a server sent: every
     * store, log and page can then take it as it is. */
    free(r->reason);
    char *safe = sw_redact(sw_text(&b));
    r->reason = result_cap(sw_text_clean(safe, 1), SW_REASON_MAX);
    free(safe);
    buf_free(&b);
    r->verdict = verdict;
    r->has_verdict = 1;
}

void sw_result_metric(sw_result *r, const char *name, double value)
{
    /* While R's names are all interned, one is found by its pointer. */
    const char *shared = r->names_owned & RESULT_OWN_METRICS ? NULL : intern(&metric_names, name);
    for (int i = 0; i < r->nmetrics; i++) {
        if (shared ? r->metrics[i].name == shared : strcmp(r->metrics[i].name, name) == 0) {
            r->metrics[i].value = value;
            return;
        }
    }
    if (r->nmetrics == r->cmetrics) {
        r->cmetrics = r->cmetrics ? r->cmetrics * 2 : 12; /* a web check makes about ten */
        r->metrics = sw_xrealloc(r->metrics, sizeof *r->metrics * (size_t)r->cmetrics);
    }
    /* before the count moves */
    const char *own = shared ? shared : result_own_name(r, RESULT_OWN_METRICS, name);
    r->metrics[r->nmetrics++] = (struct sw_metric){own, value};
}

void sw_result_info(sw_result *r, const char *key, const char *value)
{
    for (int i = 0; i < r->ninfos; i++) {
        if (strcmp(r->infos[i].key, key) == 0) {
            free(r->infos[i].value);
            r->infos[i].value = sw_info_text(value);
            return;
        }
    }
    if (r->ninfos == r->cinfos) {
        r->cinfos = r->cinfos ? r->cinfos * 2 : 2;
        r->infos = sw_xrealloc(r->infos, sizeof *r->infos * (size_t)r->cinfos);
    }
    /* Info names are as few as metric names: shared the same way. */
    char *name = sw_text_clean(key, 1);
    char *own = result_own_name(r, RESULT_OWN_INFOS, name); /* before the count moves */
    r->infos[r->ninfos++] = (struct sw_info){own, sw_info_text(value)};
    free(name);
}

void sw_result_json(const sw_result *r, struct buf *b)
{
    char t[40];
    buf_puts(b, "{\"site\":");
    buf_json_str(b, r->site);
    buf_puts(b, ",\"check\":");
    buf_json_str(b, r->check);
    buf_puts(b, ",\"location\":");
    buf_json_str(b, r->location);
    buf_printf(b, ",\"scheduled\":\"%s\"", sw_fmt_time(r->scheduled, t, sizeof t));
    buf_printf(b, ",\"started\":\"%s\"", sw_fmt_time(r->started, t, sizeof t));
    buf_printf(b, ",\"duration_ms\":%.1f", (double)r->duration / SW_MS);
    buf_printf(b, ",\"verdict\":\"%s\"", sw_verdict_name(r->verdict));
    buf_puts(b, ",\"reason\":");
    buf_json_str(b, r->reason ? r->reason : "");
    /* Every field always, as docs/results.md says: a reader need not
     * test for a missing key. */
    if (r->since)
        buf_printf(b, ",\"since\":\"%s\"", sw_fmt_time(r->since, t, sizeof t));
    else
        buf_puts(b, ",\"since\":null");
    buf_puts(b, ",\"metrics\":{");
    for (int i = 0; i < r->nmetrics; i++) {
        if (i)
            buf_puts(b, ",");
        buf_json_str(b, r->metrics[i].name);
        buf_puts(b, ":");
        buf_json_num(b, r->metrics[i].value);
    }
    buf_puts(b, "}");
    buf_puts(b, ",\"info\":{");
    for (int i = 0; i < r->ninfos; i++) {
        if (i)
            buf_puts(b, ",");
        buf_json_str(b, r->infos[i].key);
        buf_puts(b, ":");
        buf_json_str(b, r->infos[i].value);
    }
    buf_puts(b, "}}");
}

const char *sw_verdict_name(int v)
{
    static const char *const names[] = {"OK", "WARN", "FAIL", "UNKNOWN"};
    return v >= 0 && v <= 3 ? names[v] : "UNKNOWN";
}

int sw_verdict_worst(int a, int b)
{
    /* Rank by severity: FAIL beats UNKNOWN beats WARN beats OK. */
    static const int rank[] = {[SW_OK] = 0, [SW_WARN] = 1, [SW_UNKNOWN] = 2, [SW_FAIL] = 3};
    return rank[a] >= rank[b] ? a : b;
}
