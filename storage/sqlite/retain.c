/* SPDX-License-Identifier: MIT
 * Forgetting: `purge` (results of a site, or older than a date, with their
 * rollups, and those still on their way) and retention (raw results after
 * keep_raw, rollups after keep_rollups), the latter in small steps on the
 * writer thread so a year's backlog never holds the write lock for long. */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "sqlite.h"

#define SERIES_OF "SELECT id FROM series WHERE ?1 IS NULL OR site = ?1"

static int64_t retain_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* ---- purge, and results that arrive after it ----
 * A daemon beside `remove --purge` runs the site until its reload (300 ms
 * after the folder settles) and its run in flight still ends: 2 of 3 tries
 * kept a result stored after the purge.  Waiting for the reload would not
 * do (a command cannot see it, and a run in flight ends later still), so
 * the purge leaves a record in the file, and the writer drops results of
 * that site started before it, rollups and all: a purge of everything
 * holds for runs that start up to PURGE_HOLD after it.  The table is made
 * by the first purge (no migration: files nobody purged stay as they
 * are), and a record goes after PURGE_KEEP: no result is that late. */
#define PURGE_HOLD 5000000LL            /* 5 s: a reload is 300 ms after the change */
#define PURGE_KEEP (30 * 86400000000LL) /* 30 days */

int sqlite_purge(void *p, const char *site, int64_t before, int64_t *deleted)
{
    struct sqlite_inst *s = p;
    static const char *const sql[] = {
        "DELETE FROM results WHERE started < ?2 AND series IN (" SERIES_OF ")",
        /* slots that straddle BEFORE stay whole; series rows stay too (the
         * writer caches their ids, and a row costs a few bytes) */
        "DELETE FROM rollups WHERE start + span <= ?2 AND series IN (" SERIES_OF ")",
        "CREATE TABLE IF NOT EXISTS purges(site TEXT PRIMARY KEY, before INTEGER NOT NULL) WITHOUT ROWID",
        "INSERT INTO purges VALUES (coalesce(?1, ''), ?3)"
        " ON CONFLICT(site) DO UPDATE SET before = max(before, excluded.before)",
        "DELETE FROM purges WHERE before < ?4",
    };
    int64_t now = retain_now();
    int64_t hold = before == INT64_MAX || before > now + PURGE_HOLD ? now + PURGE_HOLD : before;
    /* A record for results older than PURGE_KEEP is not worth keeping. */
    size_t nsql = hold < now - PURGE_KEEP ? 2 : sizeof sql / sizeof *sql;
    *deleted = 0;
    if (sqlite_writer_ready(s) || sqlite_exec(s->wdb, "BEGIN IMMEDIATE", s->path))
        return SW_ESTORAGE;
    int rc = 0;
    for (size_t i = 0; i < nsql && !rc; i++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->wdb, sql[i], -1, &st, NULL) != SQLITE_OK) {
            rc = sqlite_fail(s->wdb, "cannot purge", s->path);
            break;
        }
        int np = sqlite3_bind_parameter_count(st);
        if (site && np >= 1)
            sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
        int64_t v[] = {before, hold, now - PURGE_KEEP};
        for (int k = 2; k <= np; k++)
            sqlite3_bind_int64(st, k, v[k - 2]);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sqlite_fail(s->wdb, "cannot purge", s->path);
        else if (i == 0)
            *deleted = sqlite3_changes64(s->wdb);
        sqlite3_finalize(st);
    }
    if (rc || sqlite_exec(s->wdb, "COMMIT", s->path)) {
        sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
        return SW_ESTORAGE;
    }
    s->purged_version = -1; /* this connection's own commit does not change data_version */
    return 0;
}

void sqlite_purged_clear(struct sqlite_inst *s)
{
    for (size_t i = 0; i < s->npurged; i++)
        free(s->purged[i].site);
    free(s->purged);
    s->purged = NULL;
    s->npurged = 0;
    s->purged_version = -1;
}

static int64_t purged_data_version(sqlite3 *db)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

int sqlite_purged_refresh(struct sqlite_inst *s)
{
    int64_t version = purged_data_version(s->wdb);
    if (version >= 0 && version == s->purged_version)
        return 0;
    sqlite_purged_clear(s);
    sqlite3_stmt *st;
    /* No table: nothing was ever purged from this file. */
    if (sqlite3_prepare_v2(s->wdb, "SELECT site, before FROM purges ORDER BY site", -1, &st, NULL) !=
        SQLITE_OK) {
        s->purged_version = version;
        return 0;
    }
    int rc = 0;
    size_t cap = 0;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        if (s->npurged == cap) {
            cap = cap ? cap * 2 : 16;
            struct sqlite_purged *v = realloc(s->purged, sizeof *v * cap);
            if (!v) {
                rc = SW_ENOMEM;
                break;
            }
            s->purged = v;
        }
        const char *site = (const char *)sqlite3_column_text(st, 0);
        struct sqlite_purged *e = &s->purged[s->npurged];
        if (!(e->site = strdup(site ? site : ""))) {
            rc = SW_ENOMEM;
            break;
        }
        e->before = sqlite3_column_int64(st, 1);
        s->npurged++;
    }
    sqlite3_finalize(st);
    if (rc) {
        sqlite_purged_clear(s);
        return rc;
    }
    s->purged_version = version;
    return 0;
}

static int purged_cmp(const void *key, const void *e)
{
    return strcmp(key, ((const struct sqlite_purged *)e)->site);
}

int sqlite_purged_refuses(const struct sqlite_inst *s, const sw_result *r)
{
    if (!s->npurged)
        return 0;
    int64_t started = sw_api->result_started(r);
    const char *site = sw_api->result_site(r);
    const char *keys[] = {site ? site : "", ""};
    for (int k = 0; k < 2; k++) {
        const struct sqlite_purged *e =
            bsearch(keys[k], s->purged, s->npurged, sizeof *s->purged, purged_cmp);
        if (e && started < e->before)
            return 1;
    }
    return 0;
}

/* ---- retention ---- */

#define RETAIN_SERIES 64 /* series looked at per step */

/* A pass looks at every series with the same few statements: prepared
 * once per writer connection (compiling them per series was a quarter of
 * the daemon's CPU at 10,000 sites while a pass ran). */
enum { R_SERIES, R_SLOTS, R_RANK, R_SET_P95, R_HOUR_UNTIL, R_DAY_UNTIL, R_DEL_RAW, R_DEL_ROLLUPS };
static const char *const retain_sql[SQLITE_RETAIN_SQL] = {
    [R_SERIES] = "SELECT id, p95_hour_until, p95_day_until FROM series WHERE id > ?1 ORDER BY id LIMIT ?2",
    [R_SLOTS] = "SELECT start, lat_n FROM rollups WHERE series = ?1 AND span = ?2"
                " AND start >= ?3 AND start + span <= ?4 AND lat_n > 0",
    [R_RANK] = "SELECT duration FROM results WHERE series = ?1 AND started >= ?2"
               " AND started < ?3 AND verdict <= 1 ORDER BY duration LIMIT 1 OFFSET ?4",
    [R_SET_P95] = "UPDATE rollups SET lat_p95 = ?1 WHERE series = ?2 AND span = ?3 AND start = ?4",
    [R_HOUR_UNTIL] = "UPDATE series SET p95_hour_until = ?1 WHERE id = ?2",
    [R_DAY_UNTIL] = "UPDATE series SET p95_day_until = ?1 WHERE id = ?2",
    [R_DEL_RAW] = "DELETE FROM results WHERE id IN (SELECT id FROM results WHERE series = ?1"
                  " AND started < ?2 ORDER BY started LIMIT ?3)",
    [R_DEL_ROLLUPS] = "DELETE FROM rollups WHERE series = ?1 AND span = ?2 AND start <= ?3",
};

/* Statement K, reset, with integer parameters V[0..NV) as ?1..; NULL after
 * logging when it cannot be prepared. */
static sqlite3_stmt *retain_stmt(struct sqlite_inst *s, int k, const int64_t *v, int nv)
{
    if (!s->retain_st[k] && sqlite3_prepare_v3(s->wdb, retain_sql[k], -1, SQLITE_PREPARE_PERSISTENT,
                                               &s->retain_st[k], NULL) != SQLITE_OK) {
        sqlite_fail(s->wdb, "cannot apply retention", s->path);
        return NULL;
    }
    sqlite3_stmt *st = s->retain_st[k];
    sqlite3_reset(st);
    for (int i = 0; i < nv; i++)
        sqlite3_bind_int64(st, i + 1, v[i]);
    return st;
}

/* Run statement K to its end (and count its changes into *N when given). */
static int retain_run(struct sqlite_inst *s, int k, const int64_t *v, int nv, int64_t *n)
{
    sqlite3_stmt *st = retain_stmt(s, k, v, nv);
    if (!st)
        return SW_ESTORAGE;
    int rc = sqlite3_step(st);
    if (n)
        *n += sqlite3_changes64(s->wdb);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : sqlite_fail(s->wdb, "cannot apply retention", s->path);
}

/* The 95th percentile (nearest rank) of the answered results of SERIES'
 * complete slots of SPAN from its watermark on; moves the watermark. */
static int retain_p95(struct sqlite_inst *s, int64_t series, int64_t span, int64_t until, int64_t complete,
                      int64_t *work)
{
    if (until >= complete) /* nothing completed since the last pass */
        return 0;
    int64_t sv[] = {series, span, until, complete};
    sqlite3_stmt *slots = retain_stmt(s, R_SLOTS, sv, 4);
    if (!slots)
        return SW_ESTORAGE;
    int rc = 0;
    while (!rc && sqlite3_step(slots) == SQLITE_ROW) {
        int64_t start = sqlite3_column_int64(slots, 0), n = sqlite3_column_int64(slots, 1);
        int64_t rv[] = {series, start, start + span, (95 * n + 99) / 100 - 1};
        sqlite3_stmt *rank = retain_stmt(s, R_RANK, rv, 4);
        if (!rank) {
            rc = SW_ESTORAGE;
        } else if (sqlite3_step(rank) == SQLITE_ROW) { /* none: its results are gone already */
            int64_t v[] = {sqlite3_column_int64(rank, 0), series, span, start};
            sqlite3_reset(rank);
            rc = retain_run(s, R_SET_P95, v, 4, NULL);
        }
        (*work)++;
    }
    sqlite3_reset(slots);
    if (s->retain_st[R_RANK])
        sqlite3_reset(s->retain_st[R_RANK]);
    if (!rc) {
        int64_t v[] = {complete, series};
        rc = retain_run(s, span == sqlite_spans[1] ? R_HOUR_UNTIL : R_DAY_UNTIL, v, 2, NULL);
    }
    return rc;
}

int sqlite_retain(void *p, int64_t raw_before, int64_t rollups_before, int budget)
{
    struct sqlite_inst *s = p;
    int64_t now = retain_now(), work = 0;
    int64_t hour = sqlite_spans[1], day = sqlite_spans[2], ten = sqlite_spans[0];
    if (sqlite_writer_ready(s) || sqlite_exec(s->wdb, "BEGIN IMMEDIATE", s->path))
        return SW_ESTORAGE;
    int rc = 0, more = 0, n = 0;
    int64_t cv[] = {s->retain_cursor, RETAIN_SERIES};
    sqlite3_stmt *st = retain_stmt(s, R_SERIES, cv, 2);
    if (!st) {
        sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
        return SW_ESTORAGE;
    }
    while (!rc && work < budget && sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        n++;
        /* First the percentiles, while the raw results are still there. */
        rc = retain_p95(s, id, hour, sqlite3_column_int64(st, 1), now / hour * hour, &work);
        if (!rc)
            rc = retain_p95(s, id, day, sqlite3_column_int64(st, 2), now / day * day, &work);
        /* Then the raw results, at most what is left of the budget. */
        int64_t left = budget - work > 100 ? budget - work : 100, deleted = 0;
        int64_t v[] = {id, raw_before, left};
        if (!rc)
            rc = retain_run(s, R_DEL_RAW, v, 3, &deleted);
        work += deleted;
        int64_t r10[] = {id, ten, raw_before - ten}, rup[] = {id, hour, rollups_before - hour},
                rday[] = {id, day, rollups_before - day};
        if (!rc)
            rc = retain_run(s, R_DEL_ROLLUPS, r10, 3, &work);
        if (!rc)
            rc = retain_run(s, R_DEL_ROLLUPS, rup, 3, &work);
        if (!rc)
            rc = retain_run(s, R_DEL_ROLLUPS, rday, 3, &work);
        if (deleted == left) { /* this series has more: come back to it */
            more = 1;
            break;
        }
        s->retain_cursor = id;
    }
    sqlite3_reset(st);
    if (rc || sqlite_exec(s->wdb, "COMMIT", s->path)) {
        sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
        return SW_ESTORAGE;
    }
    if (!more && n < RETAIN_SERIES && work < budget) {
        s->retain_cursor = 0; /* a whole pass done */
        return 0;
    }
    return 1;
}
