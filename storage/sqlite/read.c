/* SPDX-License-Identifier: MIT
 * Reading back: results newest first (status, the recent cache, pages) and
 * buckets of aggregates (uptime, graphs).  A bucket query splits its window
 * into the widest rollup slots that fit whole (day, then hour, then 5 min)
 * and reads only the ragged edges from raw results, so a 30-day uptime costs
 * about a hundred rows whatever the interval, and still counts exactly the
 * results started in [from, to). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite.h"

#define SQLITE_MAX_BUCKETS 100000

#define SQLITE_RESULT_COLS                                                                                   \
    "SELECT s.site, s.check_name, s.location, r.scheduled, r.started, r.duration,"                           \
    " r.verdict, r.since, r.reason, r.metrics, r.info FROM series s"                                         \
    " JOIN results r ON r.series = s.id AND r.started >= ?3 AND r.started < ?4"

/* The sums a bucket needs, as the rollups table and raw results give them:
 * series location, bucket index, then the 15 columns of struct sqlite_acc. */
#define SQLITE_SUMS                                                                                          \
    "sum(n_ok), sum(n_warn), sum(n_fail), sum(n_unknown), sum(lat_n), sum(lat_sum), min(lat_min),"           \
    " max(lat_max), sum(ph_n), sum(ph_dns), sum(ph_connect), sum(ph_tls), sum(ph_first_byte),"               \
    " sum(ph_transfer)"

int sqlite_prepare_read(struct sqlite_inst *s)
{
    return sqlite_prepare(s->rdb, SQLITE_RESULT_COLS " WHERE s.site = ?1 ORDER BY r.started DESC LIMIT ?5",
                          &s->hist_all, s->path) ||
           sqlite_prepare(s->rdb,
                          SQLITE_RESULT_COLS " WHERE s.site = ?1 AND s.check_name = ?2"
                                             " ORDER BY r.started DESC LIMIT ?5",
                          &s->hist_one, s->path) ||
           sqlite_prepare(s->rdb, "SELECT key, value, type FROM json_each(?)", &s->each_json, s->path) ||
           sqlite_prepare(s->rdb,
                          "SELECT s.location, (u.start - ?3) / ?4, " SQLITE_SUMS
                          " FROM series s JOIN rollups u ON u.series = s.id AND u.span = ?5"
                          " AND u.start >= ?6 AND u.start < ?7"
                          " WHERE s.site = ?1 AND (?2 IS NULL OR s.check_name = ?2) GROUP BY 1, 2",
                          &s->sum_rollups, s->path) ||
           sqlite_prepare(
               s->rdb,
               "SELECT location, (started - ?3) / ?4, " SQLITE_SUMS " FROM ("
               " SELECT location, started, verdict = 0 AS n_ok, verdict = 1 AS n_warn,"
               "  verdict = 2 AS n_fail, verdict = 3 AS n_unknown, verdict <= 1 AS lat_n,"
               "  CASE WHEN verdict <= 1 THEN duration ELSE 0 END AS lat_sum,"
               "  CASE WHEN verdict <= 1 THEN duration END AS lat_min,"
               "  CASE WHEN verdict <= 1 THEN duration END AS lat_max,"
               "  t IS NOT NULL AS ph_n, coalesce(d, 0) AS ph_dns, coalesce(c, 0) AS ph_connect,"
               "  coalesce(l, 0) AS ph_tls, coalesce(f, 0) AS ph_first_byte,"
               "  CASE WHEN t IS NULL THEN 0"
               "   ELSE max(0, t - coalesce(d, 0) - coalesce(c, 0) - coalesce(l, 0) - coalesce(f, 0)) END"
               "   AS ph_transfer"
               " FROM (SELECT s.location, r.started, r.verdict, r.duration,"
               "   json_extract(r.metrics, '$.\"time.total\"') AS t, json_extract(r.metrics, "
               "'$.\"time.dns\"') AS d,"
               "   json_extract(r.metrics, '$.\"time.connect\"') AS c,"
               "   json_extract(r.metrics, '$.\"time.tls\"') AS l,"
               "   json_extract(r.metrics, '$.\"time.first_byte\"') AS f"
               "  FROM series s JOIN results r ON r.series = s.id AND r.started >= ?6 AND r.started < ?7"
               "  WHERE s.site = ?1 AND (?2 IS NULL OR s.check_name = ?2)))"
               " GROUP BY 1, 2",
               &s->sum_raw, s->path);
}

/* ---- results, newest first ---- */

static void sqlite_fill_json(struct sqlite_inst *s, sw_result *r, const char *json, int metrics)
{
    sqlite3_stmt *st = s->each_json;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, json ? json : "{}", -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        if (!k)
            continue;
        if (metrics && sqlite3_column_type(st, 1) != SQLITE_NULL)
            sqlite_api->result_metric(r, k, sqlite3_column_double(st, 1));
        else if (!metrics)
            sqlite_api->result_info(r, k, (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
}

int sqlite_history(void *p, const char *site, const char *check, int64_t from, int64_t to, int limit,
                   sw_result_cb cb, void *ud)
{
    struct sqlite_inst *s = p;
    sqlite3_stmt *st = check ? s->hist_one : s->hist_all;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, site, -1, SQLITE_TRANSIENT);
    if (check)
        sqlite3_bind_text(st, 2, check, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, from);
    sqlite3_bind_int64(st, 4, to);
    sqlite3_bind_int(st, 5, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sw_result *r = sqlite_api->result_new((const char *)sqlite3_column_text(st, 0),
                                              (const char *)sqlite3_column_text(st, 1),
                                              (const char *)sqlite3_column_text(st, 2));
        sqlite_api->result_set_times(r, sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
                                     sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 7));
        sqlite_api->result_set(r, sqlite3_column_int(st, 6), "%s", (const char *)sqlite3_column_text(st, 8));
        sqlite_fill_json(s, r, (const char *)sqlite3_column_text(st, 9), 1);
        sqlite_fill_json(s, r, (const char *)sqlite3_column_text(st, 10), 0);
        int stop = cb(r, ud);
        sqlite_api->result_free(r);
        if (stop)
            break;
    }
    int ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
    sqlite3_reset(st);
    return ok ? 0 : sqlite_fail(s->rdb, "cannot read results", s->path);
}

int sqlite_recent(void *p, const char *site, const char *check, int limit, sw_result_cb cb, void *ud)
{
    return sqlite_history(p, site, check, INT64_MIN, INT64_MAX, limit, cb, ud);
}

/* ---- buckets ---- */

struct sqlite_acc {
    int64_t n[4], lat_n, lat_sum, lat_min, lat_max, ph_n;
    double ph[SW_PHASES];
};

struct sqlite_loc {
    char *name;
    struct sqlite_acc *b; /* nb buckets */
};

struct sqlite_sum {
    struct sqlite_inst *s;
    const char *site, *check;
    int64_t from, to, step;
    int by_location;
    int64_t nb;
    struct sqlite_loc *locs;
    int nlocs;
    int rc;
};

static struct sqlite_acc *sqlite_loc_buckets(struct sqlite_sum *q, const char *loc)
{
    const char *name = q->by_location && loc ? loc : "";
    for (int i = 0; i < q->nlocs; i++)
        if (strcmp(q->locs[i].name, name) == 0)
            return q->locs[i].b;
    struct sqlite_loc *v = realloc(q->locs, sizeof *v * (size_t)(q->nlocs + 1));
    if (!v)
        return NULL;
    q->locs = v;
    struct sqlite_loc *l = &q->locs[q->nlocs];
    l->name = strdup(name);
    l->b = calloc((size_t)q->nb, sizeof *l->b);
    if (!l->name || !l->b) {
        free(l->name);
        free(l->b);
        return NULL;
    }
    q->nlocs++;
    return l->b;
}

/* Add the rows of ST (rollups or raw, over [lo, hi)) into the buckets. */
static void sqlite_sum_range(struct sqlite_sum *q, sqlite3_stmt *st, int64_t span, int64_t lo, int64_t hi)
{
    if (q->rc || lo >= hi)
        return;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, q->site, -1, SQLITE_TRANSIENT);
    if (q->check)
        sqlite3_bind_text(st, 2, q->check, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int64(st, 3, q->from);
    /* One bucket takes everything: slots need not line up with it. */
    sqlite3_bind_int64(st, 4, q->nb == 1 ? INT64_MAX : q->step);
    if (span) {
        sqlite3_bind_int64(st, 5, span);
        sqlite3_bind_int64(st, 6, lo);
        sqlite3_bind_int64(st, 7, hi);
    } else {
        sqlite3_bind_int64(st, 6, lo);
        sqlite3_bind_int64(st, 7, hi);
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t i = sqlite3_column_int64(st, 1);
        struct sqlite_acc *b = sqlite_loc_buckets(q, (const char *)sqlite3_column_text(st, 0));
        if (!b) {
            q->rc = SW_ENOMEM;
            break;
        }
        if (i < 0 || i >= q->nb)
            continue;
        struct sqlite_acc *a = &b[i];
        for (int v = 0; v < 4; v++)
            a->n[v] += sqlite3_column_int64(st, 2 + v);
        int64_t lat_n = sqlite3_column_int64(st, 6);
        if (lat_n) {
            int64_t mn = sqlite3_column_int64(st, 8), mx = sqlite3_column_int64(st, 9);
            a->lat_min = a->lat_n && a->lat_min < mn ? a->lat_min : mn;
            a->lat_max = a->lat_n && a->lat_max > mx ? a->lat_max : mx;
            a->lat_n += lat_n;
            a->lat_sum += sqlite3_column_int64(st, 7);
        }
        a->ph_n += sqlite3_column_int64(st, 10);
        for (int p = 0; p < SW_PHASES; p++)
            a->ph[p] += sqlite3_column_double(st, 11 + p);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE && !q->rc)
        q->rc = sqlite_fail(q->s->rdb, "cannot sum results", q->s->path);
    sqlite3_reset(st);
}

/* Cover [lo, hi) with whole slots of span LEVEL and finer, raw at the edges. */
static void sqlite_cover(struct sqlite_sum *q, int64_t lo, int64_t hi, int level)
{
    if (lo >= hi)
        return;
    for (; level >= 0; level--) {
        int64_t span = sqlite_spans[level];
        /* Slots are placed in a bucket by their start: with several buckets
         * a slot must not straddle two, so the span must divide the step. */
        if (q->nb > 1 && (q->step % span != 0 || q->from % span != 0))
            continue;
        int64_t a = (lo + span - 1) / span * span, b = hi / span * span;
        if (a >= b)
            continue;
        sqlite_sum_range(q, q->s->sum_rollups, span, a, b);
        sqlite_cover(q, lo, a, level - 1);
        sqlite_cover(q, b, hi, level - 1);
        return;
    }
    sqlite_sum_range(q, q->s->sum_raw, 0, lo, hi);
}

static int sqlite_loc_cmp(const void *a, const void *b)
{
    return strcmp(((const struct sqlite_loc *)a)->name, ((const struct sqlite_loc *)b)->name);
}

int sqlite_buckets(void *p, const char *site, const char *check, int64_t from, int64_t to, int64_t step,
                   uint32_t flags, sw_bucket_cb cb, void *ud)
{
    /* Times before 1970 cannot be stored; refusing them keeps the slot
     * arithmetic free of negative division. */
    if (step <= 0 || from < 0 || to <= from || (to - from) / step >= SQLITE_MAX_BUCKETS)
        return SW_EINVAL;
    struct sqlite_sum q = {.s = p, .site = site, .check = check, .from = from, .to = to, .step = step};
    q.by_location = (flags & SW_BUCKETS_BY_LOCATION) != 0;
    q.nb = (to - from + step - 1) / step;
    sqlite_cover(&q, from, to, SQLITE_SPANS - 1);
    if (q.by_location)
        qsort(q.locs, (size_t)q.nlocs, sizeof *q.locs, sqlite_loc_cmp);
    int stop = 0;
    for (int l = 0; l < q.nlocs; l++) {
        for (int64_t i = 0; i < q.nb && !stop && !q.rc; i++) {
            const struct sqlite_acc *a = &q.locs[l].b[i];
            if (!a->n[0] && !a->n[1] && !a->n[2] && !a->n[3])
                continue;
            struct sw_bucket b = {.size = sizeof b, .location = q.by_location ? q.locs[l].name : NULL};
            b.start = from + i * step;
            b.span = b.start + step > to ? to - b.start : step;
            memcpy(b.count, a->n, sizeof b.count);
            b.lat_min = a->lat_n ? (double)a->lat_min / 1e6 : NAN;
            b.lat_max = a->lat_n ? (double)a->lat_max / 1e6 : NAN;
            b.lat_avg = a->lat_n ? (double)a->lat_sum / (double)a->lat_n / 1e6 : NAN;
            for (int ph = 0; ph < SW_PHASES; ph++)
                b.phase[ph] = a->ph_n ? a->ph[ph] / (double)a->ph_n : NAN;
            stop = cb(&b, ud);
        }
        free(q.locs[l].name);
        free(q.locs[l].b);
    }
    free(q.locs);
    return q.rc;
}
