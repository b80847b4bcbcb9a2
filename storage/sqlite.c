/* SPDX-License-Identifier: MIT
 *
 * sqlite: results in one SQLite file.  One write transaction per batch from
 * the writer thread, WAL so readers (status, outputs) never block it, a
 * schema_version table with numbered migrations, and every metric of every
 * result kept as JSON that SQL can query (json_extract(metrics,
 * '$."time.total"')).
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sitewatch/plugin.h>

static const char *const sqlite_keys[] = {
    "path",         /* the database file; its folder is created if missing */
    "busy_timeout", /* how long to wait for a lock held by another process */
    NULL,
};

static const struct sw_host_api *api;

/* Append-only: each entry moves the schema from version i to i + 1. */
static const char *const sqlite_migrations[] = {
    /* 1: series (who/where) and results (when/what), times in microseconds */
    "CREATE TABLE series("
    "  id INTEGER PRIMARY KEY,"
    "  site TEXT NOT NULL, check_name TEXT NOT NULL, location TEXT NOT NULL,"
    "  UNIQUE(site, check_name, location));"
    "CREATE TABLE results("
    "  id INTEGER PRIMARY KEY,"
    "  series INTEGER NOT NULL REFERENCES series(id),"
    "  scheduled INTEGER NOT NULL, started INTEGER NOT NULL, duration INTEGER NOT NULL,"
    "  verdict INTEGER NOT NULL, since INTEGER NOT NULL, reason TEXT NOT NULL,"
    "  metrics TEXT NOT NULL DEFAULT '{}', info TEXT NOT NULL DEFAULT '{}');"
    "CREATE INDEX results_series_started ON results(series, started);"
    "CREATE VIEW results_v AS SELECT r.id, s.site, s.check_name AS \"check\", s.location,"
    "  strftime('%Y-%m-%dT%H:%M:%fZ', r.started / 1e6, 'unixepoch') AS started_utc,"
    "  r.scheduled, r.started, r.duration,"
    "  CASE r.verdict WHEN 0 THEN 'OK' WHEN 1 THEN 'WARN' WHEN 2 THEN 'FAIL' ELSE 'UNKNOWN' END AS verdict,"
    "  r.since, r.reason, r.metrics, r.info"
    "  FROM results r JOIN series s ON s.id = r.series;",
};
#define SQLITE_SCHEMA_VERSION ((int)(sizeof sqlite_migrations / sizeof *sqlite_migrations))

struct sqlite_inst {
    char *path;
    sqlite3 *wdb; /* the writer thread's connection */
    sqlite3 *rdb; /* readers' connection */
    sqlite3_stmt *ins_series, *get_series, *ins_result;
    sqlite3_stmt *recent_all, *recent_one, *each_json;
};

static int sqlite_fail(sqlite3 *db, const char *what, const char *path)
{
    api->log(SW_LOG_ERROR, "sqlite: %s: %s (%s)", path, what, db ? sqlite3_errmsg(db) : "no connection");
    return SW_ESTORAGE;
}

static int sqlite_exec(sqlite3 *db, const char *sql, const char *path)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK)
        return 0;
    api->log(SW_LOG_ERROR, "sqlite: %s: %s", path, err ? err : "error");
    sqlite3_free(err);
    return SW_ESTORAGE;
}

static int sqlite_migrate(struct sqlite_inst *s)
{
    sqlite3 *db = s->wdb;
    if (sqlite_exec(db,
                    "BEGIN IMMEDIATE;"
                    "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL);",
                    s->path))
        return SW_ESTORAGE;
    int version = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    if (version > SQLITE_SCHEMA_VERSION) {
        sqlite_exec(db, "ROLLBACK", s->path);
        api->log(SW_LOG_ERROR,
                 "sqlite: %s has schema version %d, newer than this plugin's %d: "
                 "upgrade sitewatch or use another file",
                 s->path, version, SQLITE_SCHEMA_VERSION);
        return SW_ESTORAGE;
    }
    for (int v = version; v < SQLITE_SCHEMA_VERSION; v++) {
        char mark[96];
        snprintf(mark, sizeof mark, "INSERT INTO schema_version(version) VALUES (%d);", v + 1);
        if (sqlite_exec(db, sqlite_migrations[v], s->path) || sqlite_exec(db, mark, s->path)) {
            sqlite_exec(db, "ROLLBACK", s->path);
            return SW_ESTORAGE;
        }
        if (v > 0 || version > 0)
            api->log(SW_LOG_INFO, "sqlite: %s: schema migrated to version %d", s->path, v + 1);
    }
    return sqlite_exec(db, "COMMIT", s->path);
}

static int sqlite_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, const char *path)
{
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return sqlite_fail(db, "cannot prepare a statement", path);
    return 0;
}

static int sqlite_connect(const char *path, int flags, int busy_ms, sqlite3 **db)
{
    if (sqlite3_open_v2(path, db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        return sqlite_fail(*db, "cannot open", path);
    sqlite3_busy_timeout(*db, busy_ms);
    if (flags & SQLITE_OPEN_READONLY)
        return 0;
    return sqlite_exec(*db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", path);
}

static void sqlite_close(void *p)
{
    struct sqlite_inst *s = p;
    if (!s)
        return;
    sqlite3_stmt *sts[] = {s->ins_series, s->get_series, s->ins_result,
                           s->recent_all, s->recent_one, s->each_json};
    for (size_t i = 0; i < sizeof sts / sizeof *sts; i++)
        sqlite3_finalize(sts[i]);
    sqlite3_close(s->rdb);
    sqlite3_close(s->wdb);
    free(s->path);
    free(s);
}

/* mkdir -p the folder that will hold PATH. */
static void sqlite_mkdirs(const char *path)
{
    char *d = strdup(path);
    if (!d)
        return;
    for (char *p = d + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(d, 0755);
        *p = '/';
    }
    free(d);
}

static int sqlite_open(void *state, const sw_config *cfg, void **out)
{
    (void)state;
    const char *path = api->config_get(cfg, "path");
    if (!path || !*path)
        return api->config_error(cfg, "path", "the database file, e.g. var/sitewatch.db");
    int64_t busy;
    if (api->config_duration(cfg, "busy_timeout", 5000000, &busy))
        return SW_ECONFIG;
    struct sqlite_inst *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return SW_ENOMEM;
    }
    sqlite_mkdirs(path);
    int ms = (int)(busy / 1000);
    int rc = sqlite_connect(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, ms, &s->wdb);
    if (!rc)
        rc = sqlite_migrate(s);
    if (!rc)
        rc = sqlite_connect(path, SQLITE_OPEN_READONLY, ms, &s->rdb);
    if (!rc)
        rc =
            sqlite_prepare(s->wdb, "INSERT OR IGNORE INTO series(site, check_name, location) VALUES (?,?,?)",
                           &s->ins_series, path) ||
            sqlite_prepare(s->wdb, "SELECT id FROM series WHERE site=? AND check_name=? AND location=?",
                           &s->get_series, path) ||
            sqlite_prepare(s->wdb,
                           "INSERT INTO results(series, scheduled, started, duration, verdict, since, reason,"
                           " metrics, info) VALUES (?,?,?,?,?,?,?,?,?)",
                           &s->ins_result, path) ||
            sqlite_prepare(s->rdb,
                           "SELECT s.site, s.check_name, s.location, r.scheduled, r.started, r.duration,"
                           " r.verdict, r.since, r.reason, r.metrics, r.info FROM results r"
                           " JOIN series s ON s.id = r.series WHERE s.site = ?1"
                           " ORDER BY r.started DESC LIMIT ?3",
                           &s->recent_all, path) ||
            sqlite_prepare(s->rdb,
                           "SELECT s.site, s.check_name, s.location, r.scheduled, r.started, r.duration,"
                           " r.verdict, r.since, r.reason, r.metrics, r.info FROM results r"
                           " JOIN series s ON s.id = r.series WHERE s.site = ?1 AND s.check_name = ?2"
                           " ORDER BY r.started DESC LIMIT ?3",
                           &s->recent_one, path) ||
            sqlite_prepare(s->rdb, "SELECT key, value, type FROM json_each(?)", &s->each_json, path);
    if (rc) {
        sqlite_close(s);
        return rc < 0 ? rc : SW_ESTORAGE;
    }
    *out = s;
    return 0;
}

/* ---- writing ---- */

struct sqlite_buf {
    char *s;
    size_t len, cap;
};

static int sqlite_put(struct sqlite_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p)
            return -1;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

/* A JSON string: the names and texts come from plugins and servers. */
static void sqlite_json_str(struct sqlite_buf *b, const char *s)
{
    sqlite_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            sqlite_put(b, esc, 2);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            sqlite_put(b, esc, 6);
        } else {
            sqlite_put(b, (const char *)p, 1);
        }
    }
    sqlite_put(b, "\"", 1);
}

static void sqlite_json_of(const sw_result *r, int metrics, struct sqlite_buf *b)
{
    b->len = 0;
    sqlite_put(b, "{", 1);
    int n = metrics ? api->result_metric_count(r) : api->result_info_count(r);
    for (int i = 0; i < n; i++) {
        const char *k, *sv;
        double v;
        char num[40];
        if (i)
            sqlite_put(b, ",", 1);
        if (metrics) {
            api->result_metric_at(r, i, &k, &v);
            sqlite_json_str(b, k);
            snprintf(num, sizeof num, ":%.15g", v);
            if (v != v || v - v != 0) /* NaN or infinite: JSON has no such number */
                snprintf(num, sizeof num, ":null");
            sqlite_put(b, num, strlen(num));
        } else {
            api->result_info_at(r, i, &k, &sv);
            sqlite_json_str(b, k);
            sqlite_put(b, ":", 1);
            sqlite_json_str(b, sv);
        }
    }
    sqlite_put(b, "}", 1);
}

static int sqlite_series(struct sqlite_inst *s, const sw_result *r, sqlite3_int64 *id)
{
    const char *v[3] = {api->result_site(r), api->result_check(r), api->result_location(r)};
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

static int sqlite_write(void *p, const sw_result *const *results, size_t n)
{
    struct sqlite_inst *s = p;
    struct sqlite_buf mb = {0}, ib = {0};
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
        sqlite3_stmt *st = s->ins_result;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, series);
        sqlite3_bind_int64(st, 2, api->result_scheduled(r));
        sqlite3_bind_int64(st, 3, api->result_started(r));
        sqlite3_bind_int64(st, 4, api->result_duration(r));
        sqlite3_bind_int(st, 5, api->result_verdict(r));
        sqlite3_bind_int64(st, 6, api->result_since(r));
        sqlite3_bind_text(st, 7, api->result_reason(r), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, mb.s ? mb.s : "{}", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, ib.s ? ib.s : "{}", -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sqlite_fail(s->wdb, "cannot store a result", s->path);
        sqlite3_reset(st);
    }
    free(mb.s);
    free(ib.s);
    if (rc || sqlite_exec(s->wdb, "COMMIT", s->path)) {
        sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
        return SW_ESTORAGE;
    }
    return 0;
}

/* ---- reading back ---- */

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
            api->result_metric(r, k, sqlite3_column_double(st, 1));
        else if (!metrics)
            api->result_info(r, k, (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
}

static int sqlite_recent(void *p, const char *site, const char *check, int limit, sw_result_cb cb, void *ud)
{
    struct sqlite_inst *s = p;
    sqlite3_stmt *st = check ? s->recent_one : s->recent_all;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, site, -1, SQLITE_TRANSIENT);
    if (check)
        sqlite3_bind_text(st, 2, check, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sw_result *r = api->result_new((const char *)sqlite3_column_text(st, 0),
                                       (const char *)sqlite3_column_text(st, 1),
                                       (const char *)sqlite3_column_text(st, 2));
        api->result_set_times(r, sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
                              sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 7));
        api->result_set(r, sqlite3_column_int(st, 6), "%s", (const char *)sqlite3_column_text(st, 8));
        sqlite_fill_json(s, r, (const char *)sqlite3_column_text(st, 9), 1);
        sqlite_fill_json(s, r, (const char *)sqlite3_column_text(st, 10), 0);
        int stop = cb(r, ud);
        api->result_free(r);
        if (stop)
            break;
    }
    int ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
    sqlite3_reset(st);
    return ok ? 0 : sqlite_fail(s->rdb, "cannot read results", s->path);
}

static const struct sw_plugin sqlite_plugin = {
    .abi_version = SW_ABI_VERSION,
    .size = sizeof(struct sw_plugin),
    .name = "sqlite",
    .kind = SW_KIND_STORAGE,
    .description = "results in an SQLite file (WAL, batched transactions)",
    .keys = sqlite_keys,
    .storage_open = sqlite_open,
    .storage_close = sqlite_close,
    .storage_write = sqlite_write,
    .storage_recent = sqlite_recent,
};

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *host)
{
    api = host;
    return &sqlite_plugin;
}
