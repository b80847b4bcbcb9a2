/* SPDX-License-Identifier: MIT
 * Reading back: results newest first (status, the recent cache, pages) and
 * buckets of aggregates (uptime, graphs).  A bucket query splits its window
 * into the widest rollup slots that fit whole (day, then hour, then 10 min)
 * and reads only the ragged edges from raw results, so a 30-day uptime costs
 * about a hundred rows whatever the interval, and still counts exactly the
 * results started in [from, to). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "sqlite.h"

#define SQLITE_MAX_BUCKETS 100000

/* Sums of one series' slots (rollups) or raw rows, in two ranges (the left
 * and right edges of a window at one level), each an index range: no join,
 * no GROUP BY; the buckets are summed in C.  A phase is a column each; a raw
 * row stored before schema 4 (id up to ?7) also has its time.total. */
static int sqlite_prepare_sums(struct sqlite_reader *s)
{
    struct buf sql = {0}, cols = {0};
    /* After the phases: results in maintenance (schema 5; a file read as
     * it is at an older version has none). */
    int maint = sqlite_version(s->rdb) >= 5;
    buf_puts(&cols,
             "start, n_ok, n_warn, n_fail, n_unknown, lat_n, lat_sum, lat_min, lat_max, lat_p95, ph_n");
    sqlite_phases_sql(&s->phases, &cols, "%c");
    buf_puts(&cols, maint ? ", n_maint" : ", 0");
    buf_printf(
        &sql,
        "SELECT %s FROM rollups WHERE series = ?1 AND span = ?2 AND start >= ?3 AND start < ?4 UNION ALL"
        " SELECT %s FROM rollups WHERE series = ?1 AND span = ?2 AND start >= ?5 AND start < ?6",
        cols.s, cols.s);
    int rc = sql.failed || cols.failed ? SW_ENOMEM : sqlite_prepare(s->rdb, sql.s, &s->sum_rollups, s->path);
    buf_reset(&sql);
    buf_reset(&cols);
    buf_puts(
        &cols,
        "started, verdict, duration, CASE WHEN id <= ?7 THEN json_extract(metrics, '$.\"time.total\"') END");
    sqlite_phases_sql(&s->phases, &cols, "json_extract(metrics, %m)");
    buf_puts(&cols, ", json_extract(info, '$.maintenance') IS NOT NULL");
    buf_printf(&sql,
               "SELECT %s FROM results WHERE series = ?1 AND started >= ?3 AND started < ?4 UNION ALL"
               " SELECT %s FROM results WHERE series = ?1 AND started >= ?5 AND started < ?6",
               cols.s, cols.s);
    if (!rc)
        rc = sql.failed || cols.failed ? SW_ENOMEM : sqlite_prepare(s->rdb, sql.s, &s->sum_raw, s->path);
    buf_free(&sql);
    buf_free(&cols);
    return rc;
}

static int sqlite_prepare_read(struct sqlite_reader *s)
{
    /* Newest first straight off the (series, started) index, one series
     * at a time: joined over several series SQLite would sort every row
     * in the window to keep the newest few. */
    return sqlite_prepare(s->rdb,
                          "SELECT s.site, s.check_name, s.location, r.scheduled, r.started, r.duration,"
                          " r.verdict, r.since, r.reason, r.metrics, r.info,"
                          " CASE WHEN r.id <= ?5 THEN json_extract(r.metrics, '$.\"time.total\"') END"
                          " FROM results r"
                          " JOIN series s ON s.id = r.series"
                          " WHERE r.series = ?1 AND r.started >= ?2 AND r.started < ?3"
                          " ORDER BY r.started DESC LIMIT ?4",
                          &s->hist_series, s->path) ||
           sqlite_prepare(s->rdb, "SELECT key, value, type FROM json_each(?)", &s->each_json, s->path) ||
           sqlite_phases_load(s->rdb, s->path, &s->phases) || sqlite_prepare_sums(s) ||
           sqlite_prepare(
               s->rdb,
               "SELECT id, location FROM series WHERE site = ?1 AND (?2 IS NULL OR check_name = ?2)"
               " ORDER BY location",
               &s->series_locs, s->path) ||
           sqlite_prepare(s->rdb, "BEGIN", &s->read_begin, s->path) ||
           sqlite_prepare(s->rdb, "COMMIT", &s->read_end, s->path);
}

/* One read transaction around the statements of one call: one snapshot
 * of the file, and one lock instead of one per statement. */
static void sqlite_read_begin(struct sqlite_reader *s)
{
    sqlite3_reset(s->read_begin);
    sqlite3_step(s->read_begin);
}

static void sqlite_read_end(struct sqlite_reader *s)
{
    sqlite3_reset(s->read_end);
    if (sqlite3_step(s->read_end) != SQLITE_DONE)
        sqlite3_exec(s->rdb, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_reset(s->read_end);
    sqlite3_reset(s->read_begin);
}

/* The series of SITE/CHECK (CHECK NULL: every check), by location, in *V
 * (grown as needed; the caller frees it with sqlite_series_free). */
struct sqlite_series {
    sqlite3_int64 id;
    char *loc;
};

static int sqlite_series_of(struct sqlite_reader *s, const char *site, const char *check,
                            struct sqlite_series **v, int *n)
{
    sqlite3_stmt *st = s->series_locs;
    int rc = SQLITE_DONE, cap = 0;
    *n = 0;
    *v = NULL;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, site, -1, SQLITE_TRANSIENT);
    if (check)
        sqlite3_bind_text(st, 2, check, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 2);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            struct sqlite_series *g = realloc(*v, sizeof *g * (size_t)cap);
            if (!g) {
                rc = SQLITE_NOMEM;
                break;
            }
            *v = g;
        }
        (*v)[*n].id = sqlite3_column_int64(st, 0);
        if (!((*v)[*n].loc = strdup((const char *)sqlite3_column_text(st, 1)))) {
            rc = SQLITE_NOMEM;
            break;
        }
        (*n)++;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return 0;
    return rc == SQLITE_NOMEM ? SW_ENOMEM : sqlite_fail(s->rdb, "cannot read series", s->path);
}

static void sqlite_series_free(struct sqlite_series *v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i].loc);
    free(v);
}

/* ---- results stored before schema 4 ----
 * Schema 3 kept no time.transfer: the web checks did not report it, and the
 * rollups summed it as schema 2 computed it, time.total less the other four
 * phases, not below 0.  Migration 4 does not write it into every old result
 * (hundreds of millions on a big file); a result up to phases.v3_last gets
 * it here when read, so its raw row reads like its rollups.  ROW: the
 * result's phases by slot, NaN where it reports none.  The transfer's slot
 * if it was filled in (to the microsecond, like the times it comes from),
 * else -1 (the result reports its own, or the file keeps no transfer). */
static int sqlite_v3_transfer(const struct sqlite_phases *ph, double total, double *row)
{
    int tr = -1;
    for (int p = 0; p < ph->n; p++) {
        if (ph->legacy[p] == SW_PHASE_TRANSFER)
            tr = p;
        else if (ph->legacy[p] >= 0 && ph->legacy[p] < SW_PHASES && !isnan(row[p]))
            total -= row[p];
    }
    if (tr < 0 || !isnan(row[tr]))
        return -1;
    row[tr] = total > 0 ? (double)llround(total * 1e6) / 1e6 : 0;
    return tr;
}

/* ---- results, newest first ---- */

static void sqlite_fill_json(struct sqlite_reader *s, sw_result *r, const char *json, int metrics)
{
    if (!json || strcmp(json, "{}") == 0)
        return; /* most infos: no need to start the JSON reader */
    sqlite3_stmt *st = s->each_json;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, json ? json : "{}", -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        if (!k)
            continue;
        if (metrics && sqlite3_column_type(st, 1) != SQLITE_NULL)
            sw_api->result_metric(r, k, sqlite3_column_double(st, 1));
        else if (!metrics)
            sw_api->result_info(r, k, (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
}

/* R, a result stored before schema 4 with time TOTAL, as it reads now: with
 * its time.transfer.  ROW: room for a phase per slot. */
static void sqlite_v3_result(struct sqlite_reader *s, sw_result *r, double total, double *row)
{
    for (int p = 0; p < s->phases.n; p++)
        row[p] = NAN;
    for (int i = 0; i < sw_api->result_metric_count(r); i++) {
        const char *k;
        double v;
        sw_api->result_metric_at(r, i, &k, &v);
        int p = sqlite_phase_slot(&s->phases, k);
        if (p >= 0)
            row[p] = v;
    }
    int tr = sqlite_v3_transfer(&s->phases, total, row);
    if (tr >= 0)
        sw_api->result_metric(r, s->phases.names[tr], row[tr]);
}

/* The rows of ST as results; each goes to CB, or into *KEEP when given. */
static int sqlite_rows(struct sqlite_reader *s, sqlite3_stmt *st, uint32_t flags, sw_result_cb cb, void *ud,
                       sw_result ***keep, int *nkeep)
{
    double *row = malloc(sizeof *row * (size_t)(s->phases.n + 1));
    if (!row)
        return SW_ENOMEM;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sw_result *r = sw_api->result_new((const char *)sqlite3_column_text(st, 0),
                                          (const char *)sqlite3_column_text(st, 1),
                                          (const char *)sqlite3_column_text(st, 2));
        sw_api->result_set_times(r, sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
                                 sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 7));
        sw_api->result_set(r, sqlite3_column_int(st, 6), "%s", (const char *)sqlite3_column_text(st, 8));
        if (!(flags & SW_HISTORY_SUMMARY)) {
            sqlite_fill_json(s, r, (const char *)sqlite3_column_text(st, 9), 1);
            sqlite_fill_json(s, r, (const char *)sqlite3_column_text(st, 10), 0);
            if (sqlite3_column_type(st, 11) != SQLITE_NULL)
                sqlite_v3_result(s, r, sqlite3_column_double(st, 11), row);
        }
        if (keep) {
            sw_result **v = realloc(*keep, sizeof *v * (size_t)(*nkeep + 1));
            if (!v) {
                sw_api->result_free(r);
                free(row);
                return SW_ENOMEM;
            }
            *keep = v;
            v[(*nkeep)++] = r;
            continue;
        }
        int stop = cb(r, ud);
        sw_api->result_free(r);
        if (stop) {
            free(row);
            return 1;
        }
    }
    free(row);
    return rc == SQLITE_DONE ? 0 : sqlite_fail(s->rdb, "cannot read results", s->path);
}

static int sqlite_newer_first(const void *a, const void *b)
{
    int64_t x = sw_api->result_started(*(sw_result *const *)a);
    int64_t y = sw_api->result_started(*(sw_result *const *)b);
    return (x < y) - (x > y);
}

static int sqlite_history_on(struct sqlite_reader *s, const char *site, const char *check, int64_t from,
                             int64_t to, int limit, uint32_t flags, sw_result_cb cb, void *ud)
{
    struct sqlite_series *ser;
    int n = 0;
    sqlite_read_begin(s);
    int rc = sqlite_series_of(s, site, check, &ser, &n);
    if (rc) {
        sqlite_read_end(s);
        sqlite_series_free(ser, n);
        return rc;
    }
    /* One series (one check, one location: the usual case) streams; several
     * are read newest-first each and merged. */
    sw_result **keep = NULL;
    int nkeep = 0;
    sqlite3_stmt *st = s->hist_series;
    for (int i = 0; i < n && rc == 0; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, ser[i].id);
        sqlite3_bind_int64(st, 2, from);
        sqlite3_bind_int64(st, 3, to);
        sqlite3_bind_int(st, 4, limit);
        sqlite3_bind_int64(st, 5, s->phases.v3_last);
        rc = sqlite_rows(s, st, flags, cb, ud, n > 1 ? &keep : NULL, &nkeep);
    }
    sqlite3_reset(st);
    sqlite_read_end(s);
    sqlite_series_free(ser, n);
    if (keep) {
        qsort(keep, (size_t)nkeep, sizeof *keep, sqlite_newer_first);
        int stop = rc != 0;
        for (int i = 0; i < nkeep; i++) {
            if (!stop && i < limit)
                stop = cb(keep[i], ud);
            sw_api->result_free(keep[i]);
        }
        free(keep);
    }
    return rc < 0 ? rc : 0;
}

int sqlite_recent(void *p, const char *site, const char *check, int limit, sw_result_cb cb, void *ud)
{
    return sqlite_history(p, site, check, INT64_MIN, INT64_MAX, limit, 0, cb, ud);
}

/* ---- buckets ---- */

struct sqlite_acc {
    int64_t n[5], lat_n, lat_sum, lat_min, lat_max, ph_n; /* n[4]: in maintenance */
    int64_t p95;                                          /* the largest slot p95 seen, or 0 */
};

struct sqlite_sum {
    struct sqlite_reader *s;
    int64_t from, to, step, nb;
    sqlite3_int64 series;
    struct sqlite_acc *cur; /* the buckets of the series being read */
    double *ph;             /* their phase sums, nph a bucket */
    double *row;            /* one row's phases */
    int nph, rc;
};

/* The bucket of time T, or -1. */
static int64_t sqlite_bucket_of(const struct sqlite_sum *q, int64_t t)
{
    /* One bucket takes everything: slots need not line up with it. */
    int64_t i = q->nb == 1 ? 0 : (t - q->from) / q->step;
    return i >= 0 && i < q->nb ? i : -1;
}

static void sqlite_add(struct sqlite_sum *q, int64_t i, const int64_t n[4], int64_t lat_n, int64_t lat_sum,
                       int64_t lat_min, int64_t lat_max, int64_t ph_n)
{
    struct sqlite_acc *a = &q->cur[i];
    for (int v = 0; v < 5; v++)
        a->n[v] += n[v];
    if (lat_n) {
        a->lat_min = a->lat_n && a->lat_min < lat_min ? a->lat_min : lat_min;
        a->lat_max = a->lat_n && a->lat_max > lat_max ? a->lat_max : lat_max;
        a->lat_n += lat_n;
        a->lat_sum += lat_sum;
    }
    a->ph_n += ph_n;
    double *sum = q->ph + (size_t)i * (size_t)q->nph;
    for (int p = 0; p < q->nph; p++)
        sum[p] += q->row[p];
}

/* Add the series' rollup slots of SPAN in [lo, hi) and [lo2, hi2), or
 * (SPAN 0) its raw results there, into its buckets.  Columns: see
 * sqlite_prepare_sums. */
static void sqlite_sum_range(struct sqlite_sum *q, int64_t span, int64_t lo, int64_t hi, int64_t lo2,
                             int64_t hi2)
{
    if (q->rc || (lo >= hi && lo2 >= hi2))
        return;
    sqlite3_stmt *st = span ? q->s->sum_rollups : q->s->sum_raw;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, q->series);
    sqlite3_bind_int64(st, 2, span);
    sqlite3_bind_int64(st, 3, lo);
    sqlite3_bind_int64(st, 4, hi);
    sqlite3_bind_int64(st, 5, lo2);
    sqlite3_bind_int64(st, 6, hi2);
    if (!span)
        sqlite3_bind_int64(st, 7, q->s->phases.v3_last);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t n[5] = {0}, b = sqlite_bucket_of(q, sqlite3_column_int64(st, 0));
        if (b < 0)
            continue;
        int first = span ? 11 : 4, has_ph = 0;
        for (int p = 0; p < q->nph; p++) {
            int has = sqlite3_column_type(st, first + p) != SQLITE_NULL;
            has_ph |= has;
            q->row[p] = has ? sqlite3_column_double(st, first + p) : NAN;
        }
        if (!span && sqlite3_column_type(st, 3) != SQLITE_NULL &&
            sqlite_v3_transfer(&q->s->phases, sqlite3_column_double(st, 3), q->row) >= 0)
            has_ph = 1;
        for (int p = 0; p < q->nph; p++)
            if (isnan(q->row[p]))
                q->row[p] = 0; /* summed as none */
        if (span) {
            for (int v = 0; v < 4; v++)
                n[v] = sqlite3_column_int64(st, 1 + v);
            n[4] = sqlite3_column_int64(st, first + q->nph);
            sqlite_add(q, b, n, sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 6),
                       sqlite3_column_int64(st, 7), sqlite3_column_int64(st, 8),
                       sqlite3_column_int64(st, 10));
            if (sqlite3_column_type(st, 9) != SQLITE_NULL && sqlite3_column_int64(st, 9) > q->cur[b].p95)
                q->cur[b].p95 = sqlite3_column_int64(st, 9);
            continue;
        }
        int verdict = sqlite3_column_int(st, 1) & 3;
        int64_t d = sqlite3_column_int64(st, 2);
        int in_maint = sqlite3_column_int(st, first + q->nph);
        n[in_maint ? 4 : verdict] = 1;
        int answered = !in_maint && verdict <= SW_WARN;
        sqlite_add(q, b, n, answered, answered ? d : 0, d, d, has_ph);
    }
    if (rc != SQLITE_DONE)
        q->rc = sqlite_fail(q->s->rdb, "cannot sum results", q->s->path);
    sqlite3_reset(st);
}

/* Cover [lo, hi) with the widest whole slots, then finer ones towards each
 * edge, raw results at the very edges.  After the first level there are
 * two ranges left (one each side), read together: one statement a level. */
static void sqlite_cover(struct sqlite_sum *q, int64_t lo, int64_t hi)
{
    int64_t l0 = lo, l1 = hi, r0 = hi, r1 = hi; /* still to cover: [l0, l1) and [r0, r1) */
    int split = 0;
    for (int level = SQLITE_SPANS - 1; level >= 0; level--) {
        int64_t span = sqlite_spans[level];
        /* Slots are placed in a bucket by their start: with several buckets
         * a slot must not straddle two, so the span must divide the step. */
        if (q->nb > 1 && (q->step % span != 0 || q->from % span != 0))
            continue;
        if (!split) {
            int64_t a = (lo + span - 1) / span * span, b = hi / span * span;
            if (a >= b)
                continue;
            sqlite_sum_range(q, span, a, b, 0, 0);
            l1 = a;
            r0 = b;
            split = 1;
        } else {
            /* l1 and r0 are whole slots of a coarser span, so of this one too */
            int64_t a = (l0 + span - 1) / span * span, b = r1 / span * span;
            sqlite_sum_range(q, span, a, l1, r0, b);
            l1 = a;
            r0 = b;
        }
    }
    sqlite_sum_range(q, 0, l0, l1, r0, r1);
}

static int sqlite_emit(const struct sqlite_sum *q, const char *location, sw_bucket_cb cb, void *ud)
{
    const struct sqlite_phases *phases = &q->s->phases;
    for (int64_t i = 0; i < q->nb; i++) {
        const struct sqlite_acc *a = &q->cur[i];
        if (!a->n[0] && !a->n[1] && !a->n[2] && !a->n[3] && !a->n[4])
            continue;
        struct sw_bucket b = {.size = sizeof b, .location = location};
        b.start = q->from + i * q->step;
        b.span = b.start + q->step > q->to ? q->to - b.start : q->step;
        memcpy(b.count, a->n, sizeof b.count);
        b.maintenance = a->n[4];
        b.lat_min = a->lat_n ? (double)a->lat_min / 1e6 : NAN;
        b.lat_max = a->lat_n ? (double)a->lat_max / 1e6 : NAN;
        b.lat_avg = a->lat_n ? (double)a->lat_sum / (double)a->lat_n / 1e6 : NAN;
        b.lat_p95 = a->p95 ? (double)a->p95 / 1e6 : NAN;
        const double *sum = q->ph + (size_t)i * (size_t)q->nph;
        for (int p = 0; p < SW_PHASES; p++)
            b.phase[p] = NAN;
        for (int p = 0; p < q->nph; p++) {
            q->row[p] = a->ph_n ? sum[p] / (double)a->ph_n : NAN;
            if (phases->legacy[p] >= 0 && phases->legacy[p] < SW_PHASES)
                b.phase[phases->legacy[p]] = q->row[p];
        }
        b.nphases = q->nph;
        b.phase_names = (const char *const *)phases->names;
        b.phase_means = q->row;
        if (cb(&b, ud))
            return 1;
    }
    return 0;
}

static int sqlite_buckets_on(struct sqlite_reader *s, const char *site, const char *check, int64_t from,
                             int64_t to, int64_t step, uint32_t flags, sw_bucket_cb cb, void *ud)
{
    /* Times before 1970 cannot be stored; refusing them keeps the slot
     * arithmetic free of negative division. */
    if (step <= 0 || from < 0 || to <= from || (to - from) / step >= SQLITE_MAX_BUCKETS)
        return SW_EINVAL;
    struct sqlite_sum q = {.s = s, .from = from, .to = to, .step = step};
    q.nb = (to - from + step - 1) / step;
    /* The series of SITE/CHECK, by location; each summed on its own, and
     * merged into one list unless asked per location. */
    struct sqlite_series *ser;
    int n = 0, stop = 0;
    sqlite_read_begin(s);
    q.rc = sqlite_series_of(s, site, check, &ser, &n);
    int by_loc = (flags & SW_BUCKETS_BY_LOCATION) != 0;
    q.nph = s->phases.n;
    q.cur = calloc((size_t)q.nb, sizeof *q.cur);
    q.ph = calloc((size_t)q.nb * (size_t)q.nph + 1, sizeof *q.ph);
    q.row = calloc((size_t)q.nph + 1, sizeof *q.row);
    if (!q.cur || !q.ph || !q.row)
        q.rc = SW_ENOMEM;
    for (int i = 0; i < n && !q.rc && !stop; i++) {
        q.series = ser[i].id;
        sqlite_cover(&q, from, to);
        /* A location's series (one per check) are consecutive: emit when the
         * next one is elsewhere. */
        int last = i + 1 == n || (by_loc && strcmp(ser[i + 1].loc, ser[i].loc) != 0);
        if (last && (by_loc || i + 1 == n) && !q.rc) {
            stop = sqlite_emit(&q, by_loc ? ser[i].loc : NULL, cb, ud);
            memset(q.cur, 0, sizeof *q.cur * (size_t)q.nb);
            memset(q.ph, 0, sizeof *q.ph * (size_t)q.nb * (size_t)q.nph);
        }
    }
    sqlite_read_end(s);
    sqlite_series_free(ser, n);
    free(q.cur);
    free(q.ph);
    free(q.row);
    return q.rc;
}

/* ---- the reader pool ---- */

void sqlite_reader_close(struct sqlite_reader *r)
{
    sqlite3_stmt *sts[] = {r->hist_series, r->each_json,  r->sum_rollups, r->sum_raw,
                           r->series_locs, r->read_begin, r->read_end};
    for (size_t i = 0; i < sizeof sts / sizeof *sts; i++)
        sqlite3_finalize(sts[i]);
    sqlite3_close(r->rdb);
    sqlite_phases_free(&r->phases);
    memset(r, 0, sizeof *r);
}

/* A free reader, opened on first use; waits while all are busy. */
static struct sqlite_reader *sqlite_reader_get(struct sqlite_inst *s, int *rc)
{
    struct sqlite_reader *r = NULL;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        for (int i = 0; i < SQLITE_READERS && !r; i++)
            if (!s->readers[i].busy)
                r = &s->readers[i];
        if (r)
            break;
        pthread_cond_wait(&s->freed, &s->lock);
    }
    r->busy = 1;
    pthread_mutex_unlock(&s->lock);
    *rc = 0;
    int gen = __atomic_load_n(&s->generation, __ATOMIC_ACQUIRE);
    if (r->rdb && r->generation != gen) /* the writer opened a new file */
        sqlite_reader_close(r);
    if (!r->rdb) {
        r->generation = gen;
        r->path = s->path;
        *rc = sqlite_connect(s->path, SQLITE_OPEN_READONLY, s->busy_ms, &r->rdb);
        if (!*rc)
            *rc = sqlite_prepare_read(r) ? SW_ESTORAGE : 0;
        if (*rc)
            sqlite_reader_close(r);
    }
    return r;
}

static void sqlite_reader_put(struct sqlite_inst *s, struct sqlite_reader *r)
{
    pthread_mutex_lock(&s->lock);
    r->busy = 0;
    pthread_cond_signal(&s->freed);
    pthread_mutex_unlock(&s->lock);
}

int sqlite_history(void *p, const char *site, const char *check, int64_t from, int64_t to, int limit,
                   uint32_t flags, sw_result_cb cb, void *ud)
{
    int rc;
    struct sqlite_reader *r = sqlite_reader_get(p, &rc);
    if (!rc)
        rc = sqlite_history_on(r, site, check, from, to, limit, flags, cb, ud);
    sqlite_reader_put(p, r);
    return rc;
}

int sqlite_buckets(void *p, const char *site, const char *check, int64_t from, int64_t to, int64_t step,
                   uint32_t flags, sw_bucket_cb cb, void *ud)
{
    int rc;
    struct sqlite_reader *r = sqlite_reader_get(p, &rc);
    if (!rc)
        rc = sqlite_buckets_on(r, site, check, from, to, step, flags, cb, ud);
    sqlite_reader_put(p, r);
    return rc;
}
