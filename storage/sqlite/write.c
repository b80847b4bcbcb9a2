/* SPDX-License-Identifier: MIT
 * Writing a batch: one transaction holding each result's row and its count
 * in the three rollups.  Rollups are updated in place (an upsert per span),
 * so a result that arrives late still lands in the right slot. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "sqlite.h"

int sqlite_prepare_upsert(struct sqlite_inst *s)
{
    struct buf sql = {0};
    /* A schema-3 file read as it is never gets this far with a write, but
     * its statements are prepared: without n_maint, ?13 is left unused. */
    int maint = sqlite_version(s->wdb) >= 5;
    buf_puts(&sql, "INSERT INTO rollups(series, span, start, n_ok, n_warn, n_fail, n_unknown, lat_n, lat_sum,"
                   " lat_min, lat_max, ph_n");
    buf_puts(&sql, maint ? ", n_maint" : "");
    sqlite_phases_sql(&s->phases, &sql, "%c");
    buf_puts(&sql, maint ? ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13"
                         : ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12");
    for (int p = 0; p < s->phases.n; p++)
        buf_printf(&sql, ", ?%d", 14 + p);
    buf_puts(&sql,
             ") ON CONFLICT DO UPDATE SET n_ok = n_ok + excluded.n_ok, n_warn = n_warn + excluded.n_warn,"
             "  n_fail = n_fail + excluded.n_fail, n_unknown = n_unknown + excluded.n_unknown,"
             "  lat_n = lat_n + excluded.lat_n, lat_sum = lat_sum + excluded.lat_sum,"
             "  lat_min = min(coalesce(lat_min, excluded.lat_min), coalesce(excluded.lat_min, lat_min)),"
             "  lat_max = max(coalesce(lat_max, excluded.lat_max), coalesce(excluded.lat_max, lat_max)),"
             "  ph_n = ph_n + excluded.ph_n");
    buf_puts(&sql, maint ? ", n_maint = n_maint + excluded.n_maint" : "");
    sqlite_phases_sql(&s->phases, &sql, "%c = %c + excluded.%c");
    int rc = sql.failed ? SW_ENOMEM : sqlite_prepare(s->wdb, sql.s, &s->upsert_rollup, s->path);
    buf_free(&sql);
    return rc;
}

int sqlite_prepare_write(struct sqlite_inst *s)
{
    return sqlite_prepare(s->wdb, "INSERT OR IGNORE INTO series(site, check_name, location) VALUES (?,?,?)",
                          &s->ins_series, s->path) ||
           sqlite_prepare(s->wdb, "SELECT id FROM series WHERE site=? AND check_name=? AND location=?",
                          &s->get_series, s->path) ||
           sqlite_prepare(s->wdb,
                          "INSERT INTO results(series, scheduled, started, duration, verdict, since, reason,"
                          " metrics, info) VALUES (?,?,?,?,?,?,?,?,?)",
                          &s->ins_result, s->path) ||
           sqlite_phases_load(s->wdb, s->path, &s->phases) || sqlite_prepare_upsert(s);
}

/* The metrics (or infos) of R as one JSON object. */
static void sqlite_json_of(const sw_result *r, int metrics, struct buf *b)
{
    buf_reset(b);
    buf_puts(b, "{");
    int n = metrics ? sw_api->result_metric_count(r) : sw_api->result_info_count(r);
    for (int i = 0; i < n; i++) {
        const char *k, *sv;
        double v;
        if (i)
            buf_puts(b, ",");
        if (metrics) {
            sw_api->result_metric_at(r, i, &k, &v);
            buf_json_str(b, k);
            buf_puts(b, ":");
            buf_json_num(b, v);
        } else {
            sw_api->result_info_at(r, i, &k, &sv);
            buf_json_str(b, k);
            buf_puts(b, ":");
            buf_json_str(b, sv);
        }
    }
    buf_puts(b, "}");
}

/* ---- series ids, cached ----
 * Each result names its series by site, check and location; looking the
 * id up in SQL costs two statements a result, so the writer keeps the ids
 * it has seen in a small open-addressing table.  Series rows are never
 * deleted (purge keeps them), so an id never goes stale; after a rolled
 * back batch the table is emptied, as its new ids went with the batch. */

static uint64_t series_hash(const char *a, const char *b, const char *c)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *s[] = {a, b, c}, **p = s; p < s + 3; p++) {
        for (const unsigned char *q = (const unsigned char *)*p; *q; q++)
            h = (h ^ *q) * 1099511628211ULL;
        h = (h ^ 0xff) * 1099511628211ULL; /* a separator no byte of a name can be */
    }
    return h;
}

void sqlite_series_cache_clear(struct sqlite_inst *s)
{
    for (size_t i = 0; i < s->cache_cap; i++)
        free(s->cache[i].key);
    free(s->cache);
    s->cache = NULL;
    s->cache_cap = s->cache_n = 0;
}

static struct sqlite_series_slot *series_slot(struct sqlite_inst *s, uint64_t h, const char *key, size_t len)
{
    for (size_t i = h & (s->cache_cap - 1);; i = (i + 1) & (s->cache_cap - 1)) {
        struct sqlite_series_slot *e = &s->cache[i];
        if (!e->key || (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0))
            return e;
    }
}

static void series_remember(struct sqlite_inst *s, uint64_t h, const char *key, size_t len, sqlite3_int64 id)
{
    if ((s->cache_n + 1) * 4 > s->cache_cap * 3) { /* at most 3/4 full: short probes, less memory */
        size_t cap = s->cache_cap ? s->cache_cap * 2 : 1024;
        struct sqlite_series_slot *old = s->cache, *v = calloc(cap, sizeof *v);
        size_t oldcap = s->cache_cap;
        if (!v)
            return; /* no cache: the next lookup asks SQL again */
        s->cache = v;
        s->cache_cap = cap;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].key)
                *series_slot(s, old[i].hash, old[i].key, old[i].len) = old[i];
        free(old);
    }
    struct sqlite_series_slot *e = series_slot(s, h, key, len);
    if (e->key)
        return;
    if (!(e->key = malloc(len)))
        return;
    memcpy(e->key, key, len);
    e->len = len;
    e->hash = h;
    e->id = id;
    s->cache_n++;
}

static int sqlite_series(struct sqlite_inst *s, const sw_result *r, sqlite3_int64 *id)
{
    const char *v[3] = {sw_api->result_site(r), sw_api->result_check(r), sw_api->result_location(r)};
    char key[768];
    int len = snprintf(key, sizeof key, "%s%c%s%c%s", v[0], 0, v[1], 0, v[2]);
    uint64_t h = series_hash(v[0], v[1], v[2]);
    int cacheable = len > 0 && (size_t)len < sizeof key;
    if (cacheable && s->cache_cap) {
        struct sqlite_series_slot *e = series_slot(s, h, key, (size_t)len);
        if (e->key) {
            *id = e->id;
            return 0;
        }
    }
    sqlite3_stmt *sts[2] = {s->ins_series, s->get_series};
    for (int k = 0; k < 2; k++) {
        sqlite3_reset(sts[k]);
        for (int i = 0; i < 3; i++)
            sqlite3_bind_text(sts[k], i + 1, v[i], -1, SQLITE_STATIC);
        int rc = sqlite3_step(sts[k]);
        if (k == 1 && rc == SQLITE_ROW)
            *id = sqlite3_column_int64(sts[k], 0);
        else if (rc != SQLITE_DONE)
            return -1;
    }
    sqlite3_reset(s->get_series);
    if (cacheable)
        series_remember(s, h, key, (size_t)len, *id);
    return 0;
}

/* The phases R reports, seconds, into PH (one per phase of the file; 0
 * for one it lacks); whether it reports any. */
static int sqlite_phases(const struct sqlite_phases *phases, const sw_result *r, double *ph)
{
    int any = 0;
    memset(ph, 0, sizeof *ph * (size_t)phases->n);
    int n = sw_api->result_metric_count(r);
    for (int i = 0; i < n; i++) {
        const char *k;
        double v;
        sw_api->result_metric_at(r, i, &k, &v);
        int p = isfinite(v) ? sqlite_phase_slot(phases, k) : -1;
        if (p >= 0) {
            ph[p] = v;
            any = 1;
        }
    }
    return any;
}

/* ---- rollups, summed per batch ----
 * A batch's results are first summed per (series, span, slot) in memory,
 * then each sum is one upsert: a batch of many results per slot costs a
 * statement per slot, not three per result. */

struct rollup_add {
    int64_t series, span, start;
    int64_t n[5], lat_n, lat_sum, lat_min, lat_max, ph_n; /* n[4]: in maintenance */
    double *ph;                                           /* the phases' sums, in the batch's array */
};

static int rollup_cmp(const void *a, const void *b)
{
    const struct rollup_add *x = a, *y = b;
    if (x->series != y->series)
        return x->series < y->series ? -1 : 1;
    if (x->span != y->span)
        return x->span < y->span ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

/* Add R's three slots to V (3 entries), their phases at PH (3 x NPH). */
/* Whether R came inside a maintenance window: the core marks it so. */
static int rollup_in_maintenance(const sw_result *r)
{
    for (int i = 0, n = sw_api->result_info_count(r); i < n; i++) {
        const char *k, *v;
        if (sw_api->result_info_at(r, i, &k, &v) == 0 && strcmp(k, "maintenance") == 0)
            return 1;
    }
    return 0;
}

static void rollup_of(struct rollup_add *v, double *ph, const struct sqlite_phases *phases,
                      sqlite3_int64 series, const sw_result *r)
{
    /* Counted apart, not by its verdict: uptime leaves it out. */
    int verdict = rollup_in_maintenance(r) ? 4 : sw_api->result_verdict(r) & 3;
    int64_t started = sw_api->result_started(r), d = sw_api->result_duration(r);
    size_t nph = (size_t)phases->n;
    int has_ph = sqlite_phases(phases, r, ph);
    for (int k = 0; k < SQLITE_SPANS; k++) {
        struct rollup_add *a = &v[k];
        memset(a, 0, sizeof *a);
        a->ph = ph + (size_t)k * nph;
        if (k)
            memcpy(a->ph, ph, sizeof *ph * nph);
        a->series = series;
        a->span = sqlite_spans[k];
        a->start = started / a->span * a->span;
        a->n[verdict] = 1;
        if (verdict <= SW_WARN) {
            a->lat_n = 1;
            a->lat_sum = a->lat_min = a->lat_max = d;
        }
        a->ph_n = has_ph;
    }
}

static void rollup_merge(struct rollup_add *a, const struct rollup_add *b, int nph)
{
    for (int v = 0; v < 5; v++)
        a->n[v] += b->n[v];
    if (b->lat_n) {
        a->lat_min = a->lat_n && a->lat_min < b->lat_min ? a->lat_min : b->lat_min;
        a->lat_max = a->lat_n && a->lat_max > b->lat_max ? a->lat_max : b->lat_max;
        a->lat_n += b->lat_n;
        a->lat_sum += b->lat_sum;
    }
    a->ph_n += b->ph_n;
    for (int p = 0; p < nph; p++)
        a->ph[p] += b->ph[p];
}

static int rollup_upsert(struct sqlite_inst *s, const struct rollup_add *a)
{
    sqlite3_stmt *st = s->upsert_rollup;
    sqlite3_reset(st);
    int64_t ints[] = {a->series, a->span, a->start, a->n[0], a->n[1], a->n[2], a->n[3], a->lat_n, a->lat_sum};
    for (int i = 0; i < 9; i++)
        sqlite3_bind_int64(st, i + 1, ints[i]);
    if (a->lat_n) {
        sqlite3_bind_int64(st, 10, a->lat_min);
        sqlite3_bind_int64(st, 11, a->lat_max);
    } else {
        sqlite3_bind_null(st, 10);
        sqlite3_bind_null(st, 11);
    }
    sqlite3_bind_int64(st, 12, a->ph_n);
    sqlite3_bind_int64(st, 13, a->n[4]);
    for (int p = 0; p < s->phases.n; p++)
        sqlite3_bind_double(st, 14 + p, a->ph[p]);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int rollups_write(struct sqlite_inst *s, struct rollup_add *v, size_t n)
{
    qsort(v, n, sizeof *v, rollup_cmp);
    for (size_t i = 0; i < n;) {
        struct rollup_add sum = v[i];
        size_t j = i + 1;
        for (; j < n && rollup_cmp(&v[j], &sum) == 0; j++)
            rollup_merge(&sum, &v[j], s->phases.n);
        if (rollup_upsert(s, &sum) < 0)
            return -1;
        i = j;
    }
    return 0;
}

/* The page cache follows the batch: a backlog (after start, or storage
 * coming back) is written faster with 16 MB (about 15% in bench/storage-
 * ingest), while a steady second's results need little, and a daemon at
 * 10,000 sites should not hold 16 MB for the rare backlog.  Shrinking gives
 * the pages back. */
#define SQLITE_BIG_BATCH 4096

static void sqlite_cache_for(struct sqlite_inst *s, size_t n)
{
    int big = n >= SQLITE_BIG_BATCH;
    if (big != s->big_cache &&
        sqlite_exec(s->wdb, big ? "PRAGMA cache_size=-16384" : "PRAGMA cache_size=-2048", s->path) == 0)
        s->big_cache = big;
}

int sqlite_write(void *p, const sw_result *const *results, size_t n)
{
    struct sqlite_inst *s = p;
    int ready = sqlite_writer_ready(s);
    if (!ready)
        ready = sqlite_phases_sync(s);
    if (ready)
        return ready;
    sqlite_cache_for(s, n);
    struct buf mb = {0}, ib = {0};
    size_t nph = (size_t)s->phases.n;
    struct rollup_add *adds = malloc(sizeof *adds * SQLITE_SPANS * (n ? n : 1));
    double *phs = malloc(sizeof *phs * SQLITE_SPANS * (n ? n : 1) * (nph ? nph : 1));
    if (!adds || !phs || sqlite_exec(s->wdb, "BEGIN IMMEDIATE", s->path)) {
        free(adds);
        free(phs);
        return adds && phs ? SW_ESTORAGE : SW_ENOMEM;
    }
    /* Read under the write lock: a purge commits before this batch (and
     * its record is seen here) or after it (and deletes what it wrote). */
    int rc = sqlite_purged_refresh(s);
    size_t nadd = 0, refused = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const sw_result *r = results[i];
        if (sqlite_purged_refuses(s, r)) {
            refused++;
            continue;
        }
        sqlite3_int64 series = 0;
        if (sqlite_series(s, r, &series) < 0) {
            rc = sqlite_fail(s->wdb, "cannot store a series", s->path);
            break;
        }
        sqlite_json_of(r, 1, &mb);
        sqlite_json_of(r, 0, &ib);
        if (mb.failed || ib.failed) {
            rc = SW_ENOMEM;
            break;
        }
        sqlite3_stmt *st = s->ins_result;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, series);
        sqlite3_bind_int64(st, 2, sw_api->result_scheduled(r));
        sqlite3_bind_int64(st, 3, sw_api->result_started(r));
        sqlite3_bind_int64(st, 4, sw_api->result_duration(r));
        sqlite3_bind_int(st, 5, sw_api->result_verdict(r));
        sqlite3_bind_int64(st, 6, sw_api->result_since(r));
        sqlite3_bind_text(st, 7, sw_api->result_reason(r), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, mb.s, (int)mb.len, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, ib.s, (int)ib.len, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sqlite_fail(s->wdb, "cannot store a result", s->path);
        rollup_of(&adds[SQLITE_SPANS * nadd], &phs[SQLITE_SPANS * nadd * nph], &s->phases, series, r);
        nadd++;
        sqlite3_reset(st);
    }
    if (!rc && rollups_write(s, adds, SQLITE_SPANS * nadd) < 0)
        rc = sqlite_fail(s->wdb, "cannot update the rollups", s->path);
    free(adds);
    free(phs);
    buf_free(&mb);
    buf_free(&ib);
    if (rc || sqlite_exec(s->wdb, "COMMIT", s->path)) {
        sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
        sqlite_series_cache_clear(s); /* ids made in the batch are gone */
        return rc == SW_ENOMEM ? rc : SW_ESTORAGE;
    }
    if (refused)
        sw_api->log(SW_LOG_INFO,
                    "sqlite: %s: %zu result(s) not stored: their site was purged after they started", s->path,
                    refused);
    return 0;
}
