/* SPDX-License-Identifier: MIT
 * Writing a batch: one transaction holding each result's row and its count
 * in the three rollups.  Rollups are updated in place (an upsert per span),
 * so a result that arrives late still lands in the right slot. */
#include <math.h>
#include <string.h>

#include "../../plugins/common/buf.h"
#include "sqlite.h"

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
           sqlite_prepare(
               s->wdb,
               "INSERT INTO rollups(series, span, start, n_ok, n_warn, n_fail, n_unknown, lat_n, lat_sum,"
               " lat_min, lat_max, ph_n, ph_dns, ph_connect, ph_tls, ph_first_byte, ph_transfer)"
               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 IS NOT NULL, coalesce(?8, 0), ?8, ?8,"
               "  ?9, ?10, ?11, ?12, ?13, ?14)"
               " ON CONFLICT DO UPDATE SET n_ok = n_ok + excluded.n_ok, n_warn = n_warn + excluded.n_warn,"
               "  n_fail = n_fail + excluded.n_fail, n_unknown = n_unknown + excluded.n_unknown,"
               "  lat_n = lat_n + excluded.lat_n, lat_sum = lat_sum + excluded.lat_sum,"
               "  lat_min = min(coalesce(lat_min, excluded.lat_min), coalesce(excluded.lat_min, lat_min)),"
               "  lat_max = max(coalesce(lat_max, excluded.lat_max), coalesce(excluded.lat_max, lat_max)),"
               "  ph_n = ph_n + excluded.ph_n, ph_dns = ph_dns + excluded.ph_dns,"
               "  ph_connect = ph_connect + excluded.ph_connect, ph_tls = ph_tls + excluded.ph_tls,"
               "  ph_first_byte = ph_first_byte + excluded.ph_first_byte,"
               "  ph_transfer = ph_transfer + excluded.ph_transfer",
               &s->upsert_rollup, s->path);
}

/* The metrics (or infos) of R as one JSON object. */
static void sqlite_json_of(const sw_result *r, int metrics, struct buf *b)
{
    buf_reset(b);
    buf_puts(b, "{");
    int n = metrics ? sqlite_api->result_metric_count(r) : sqlite_api->result_info_count(r);
    for (int i = 0; i < n; i++) {
        const char *k, *sv;
        double v;
        if (i)
            buf_puts(b, ",");
        if (metrics) {
            sqlite_api->result_metric_at(r, i, &k, &v);
            buf_json_str(b, k);
            buf_puts(b, ":");
            buf_json_num(b, v);
        } else {
            sqlite_api->result_info_at(r, i, &k, &sv);
            buf_json_str(b, k);
            buf_puts(b, ":");
            buf_json_str(b, sv);
        }
    }
    buf_puts(b, "}");
}

static int sqlite_series(struct sqlite_inst *s, const sw_result *r, sqlite3_int64 *id)
{
    const char *v[3] = {sqlite_api->result_site(r), sqlite_api->result_check(r),
                        sqlite_api->result_location(r)};
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
    return 0;
}

/* The phases of R (SW_PHASE_*), seconds; 0 when R reports no time.total. */
static int sqlite_phases(const sw_result *r, double ph[SW_PHASES])
{
    static const char *const names[] = {"time.dns", "time.connect", "time.tls", "time.first_byte"};
    double total = NAN;
    memset(ph, 0, sizeof(double) * SW_PHASES);
    int n = sqlite_api->result_metric_count(r);
    for (int i = 0; i < n; i++) {
        const char *k;
        double v;
        sqlite_api->result_metric_at(r, i, &k, &v);
        if (!isfinite(v))
            continue;
        if (strcmp(k, "time.total") == 0)
            total = v;
        for (int p = 0; p < SW_PHASE_TRANSFER; p++)
            if (strcmp(k, names[p]) == 0)
                ph[p] = v;
    }
    if (isnan(total))
        return 0;
    double rest = total - ph[0] - ph[1] - ph[2] - ph[3];
    ph[SW_PHASE_TRANSFER] = rest > 0 ? rest : 0;
    return 1;
}

static int sqlite_count_in_rollups(struct sqlite_inst *s, sqlite3_int64 series, const sw_result *r)
{
    int verdict = sqlite_api->result_verdict(r);
    int64_t started = sqlite_api->result_started(r);
    double ph[SW_PHASES];
    int has_ph = sqlite_phases(r, ph);
    sqlite3_stmt *st = s->upsert_rollup;
    for (int k = 0; k < SQLITE_SPANS; k++) {
        int64_t span = sqlite_spans[k];
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, series);
        sqlite3_bind_int64(st, 2, span);
        sqlite3_bind_int64(st, 3, started / span * span);
        for (int v = 0; v < 4; v++)
            sqlite3_bind_int(st, 4 + v, verdict == v);
        if (verdict <= SW_WARN)
            sqlite3_bind_int64(st, 8, sqlite_api->result_duration(r));
        else
            sqlite3_bind_null(st, 8);
        sqlite3_bind_int(st, 9, has_ph);
        for (int p = 0; p < SW_PHASES; p++)
            sqlite3_bind_double(st, 10 + p, ph[p]);
        if (sqlite3_step(st) != SQLITE_DONE)
            return -1;
    }
    sqlite3_reset(st);
    return 0;
}

int sqlite_write(void *p, const sw_result *const *results, size_t n)
{
    struct sqlite_inst *s = p;
    struct buf mb = {0}, ib = {0};
    if (sqlite_exec(s->wdb, "BEGIN IMMEDIATE", s->path))
        return SW_ESTORAGE;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const sw_result *r = results[i];
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
        sqlite3_bind_int64(st, 2, sqlite_api->result_scheduled(r));
        sqlite3_bind_int64(st, 3, sqlite_api->result_started(r));
        sqlite3_bind_int64(st, 4, sqlite_api->result_duration(r));
        sqlite3_bind_int(st, 5, sqlite_api->result_verdict(r));
        sqlite3_bind_int64(st, 6, sqlite_api->result_since(r));
        sqlite3_bind_text(st, 7, sqlite_api->result_reason(r), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, mb.s, (int)mb.len, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, ib.s, (int)ib.len, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sqlite_fail(s->wdb, "cannot store a result", s->path);
        else if (sqlite_count_in_rollups(s, series, r) < 0)
            rc = sqlite_fail(s->wdb, "cannot update the rollups", s->path);
        sqlite3_reset(st);
    }
    buf_free(&mb);
    buf_free(&ib);
    if (rc || sqlite_exec(s->wdb, "COMMIT", s->path)) {
        sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
        return rc == SW_ENOMEM ? rc : SW_ESTORAGE;
    }
    return 0;
}
