/* SPDX-License-Identifier: MIT
 *
 * sqlite: results in one SQLite file.  One write transaction per batch from
 * the writer thread, WAL so readers (status, outputs) never block it, a
 * schema_version table with numbered migrations, every metric of every
 * result kept as JSON that SQL can query (json_extract(metrics,
 * '$."time.total"')), and rollups (counts, latency, the means of every
 * declared phase per 10 min, hour and day) kept current in the same
 * transaction for history reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/fs.h"
#include "sqlite.h"

static const struct sw_key sqlite_keys[] = {
    {.name = "path",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REQUIRED,
     .help = "the database file; its folder is created if missing"},
    {.name = "busy_timeout",
     .type = SW_KEY_DURATION,
     .def = "5s",
     .help = "wait this long for a lock held by another process"},
    {0},
};

SW_PLUGIN_INIT1

const int64_t sqlite_spans[SQLITE_SPANS] = {600000000LL, 3600000000LL, 86400000000LL};

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
    /* 2: rollups per series and slot (10 min, 1 h, 1 d; span and start in
     * microseconds), with the results already stored counted in. */
    "CREATE TABLE rollups("
    "  series INTEGER NOT NULL, span INTEGER NOT NULL, start INTEGER NOT NULL,"
    "  n_ok INTEGER NOT NULL, n_warn INTEGER NOT NULL, n_fail INTEGER NOT NULL, n_unknown INTEGER NOT NULL,"
    "  lat_n INTEGER NOT NULL, lat_sum INTEGER NOT NULL, lat_min INTEGER, lat_max INTEGER,"
    "  ph_n INTEGER NOT NULL, ph_dns REAL NOT NULL, ph_connect REAL NOT NULL, ph_tls REAL NOT NULL,"
    "  ph_first_byte REAL NOT NULL, ph_transfer REAL NOT NULL,"
    "  PRIMARY KEY(series, span, start)) WITHOUT ROWID;"
    "INSERT INTO rollups SELECT series, span, started / span * span,"
    "  sum(verdict = 0), sum(verdict = 1), sum(verdict = 2), sum(verdict = 3),"
    "  sum(verdict <= 1), coalesce(sum(CASE WHEN verdict <= 1 THEN duration END), 0),"
    "  min(CASE WHEN verdict <= 1 THEN duration END), max(CASE WHEN verdict <= 1 THEN duration END),"
    "  sum(t IS NOT NULL), coalesce(sum(d), 0), coalesce(sum(c), 0), coalesce(sum(s), 0), coalesce(sum(f), "
    "0),"
    "  coalesce(sum(max(0, t - coalesce(d, 0) - coalesce(c, 0) - coalesce(s, 0) - coalesce(f, 0))), 0)"
    "  FROM (SELECT series, started, duration, verdict,"
    "    json_extract(metrics, '$.\"time.total\"') AS t, json_extract(metrics, '$.\"time.dns\"') AS d,"
    "    json_extract(metrics, '$.\"time.connect\"') AS c, json_extract(metrics, '$.\"time.tls\"') AS s,"
    "    json_extract(metrics, '$.\"time.first_byte\"') AS f FROM results),"
    "  (SELECT 600000000 AS span UNION ALL SELECT 3600000000 UNION ALL SELECT 86400000000)"
    "  GROUP BY 1, 2, 3;",
    /* 3: the 95th percentile of answered latency per hourly and daily slot,
     * filled in by retention once a slot is complete (from the raw results,
     * before they go), and how far each series has been done. */
    "ALTER TABLE rollups ADD COLUMN lat_p95 INTEGER;"
    "ALTER TABLE series ADD COLUMN p95_hour_until INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE series ADD COLUMN p95_day_until INTEGER NOT NULL DEFAULT 0;",
    /* 4: phases by name: which metric each sum column of rollups holds
     * (version 2's five first, with their place in sw_bucket.phase[]; a
     * phase declared later gets a column of its own, phases.c), and the
     * last result stored before it.  Those results have no time.transfer,
     * which the web checks now report: read.c computes it for them, so this
     * writes two small tables and not every result again (hundreds of
     * millions of rows on a big file: a long start, the file locked, a WAL
     * as big as the table). */
    "CREATE TABLE phases(slot INTEGER PRIMARY KEY, metric TEXT NOT NULL UNIQUE, col TEXT NOT NULL UNIQUE,"
    "  legacy INTEGER);"
    "INSERT INTO phases VALUES " SQLITE_PHASES_V3 ";"
    "CREATE TABLE results_v3(last_id INTEGER NOT NULL);"
    "INSERT INTO results_v3 SELECT coalesce(max(id), 0) FROM results;",
    /* 5: results inside a maintenance window (info "maintenance") are
     * counted apart, not by verdict, so uptime leaves them out; none
     * before this version were. */
    "ALTER TABLE rollups ADD COLUMN n_maint INTEGER NOT NULL DEFAULT 0;",
};
#define SQLITE_SCHEMA_VERSION ((int)(sizeof sqlite_migrations / sizeof *sqlite_migrations))

int sqlite_fail(sqlite3 *db, const char *what, const char *path)
{
    sw_api->log(SW_LOG_ERROR, "sqlite: %s: %s (%s)", path, what, db ? sqlite3_errmsg(db) : "no connection");
    return SW_ESTORAGE;
}

int sqlite_exec(sqlite3 *db, const char *sql, const char *path)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK)
        return 0;
    sw_api->log(SW_LOG_ERROR, "sqlite: %s: %s", path, err ? err : "error");
    sqlite3_free(err);
    return SW_ESTORAGE;
}

int sqlite_version(sqlite3 *db)
{
    int version = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    return version;
}

static int sqlite_migrate(struct sqlite_inst *s)
{
    sqlite3 *db = s->wdb;
    /* Up to date: nothing to write, so a file another process holds
     * locked can still be opened (status, history while it writes). */
    int version = sqlite_version(db);
    if (version == SQLITE_SCHEMA_VERSION)
        return 0;
    /* A command on a file it may not write (status, history by another
     * user) reads a schema-3 file as it is; the daemon waits until it can
     * migrate it. */
    if (version == 3 && !s->daemon && sqlite3_db_readonly(db, "main") == 1) {
        sw_api->log(SW_LOG_INFO, "sqlite: %s is read-only at schema version 3: read as it is, not migrated",
                    s->path);
        return 0;
    }
    if (sqlite_exec(db,
                    "BEGIN IMMEDIATE;"
                    "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL);",
                    s->path))
        return SW_ESTORAGE;
    version = sqlite_version(db);
    if (version > SQLITE_SCHEMA_VERSION) {
        sqlite_exec(db, "ROLLBACK", s->path);
        sw_api->log(SW_LOG_ERROR,
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
        if (version > 0) /* an existing file was upgraded */
            sw_api->log(SW_LOG_INFO, "sqlite: %s: schema migrated to version %d", s->path, v + 1);
    }
    return sqlite_exec(db, "COMMIT", s->path);
}

int sqlite_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, const char *path)
{
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return sqlite_fail(db, "cannot prepare a statement", path);
    return 0;
}

int sqlite_connect(const char *path, int flags, int busy_ms, sqlite3 **db)
{
    if (sqlite3_open_v2(path, db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        return sqlite_fail(*db, "cannot open", path);
    sqlite3_busy_timeout(*db, busy_ms);
    if (flags & SQLITE_OPEN_READONLY)
        return 0;
    /* The writer touches the index and rollup pages of every series in each
     * batch: 2 MB of page cache for a steady second's results; a backlog
     * gets more for its batch (sqlite_write). */
    return sqlite_exec(*db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-2048;",
                       path);
}

/* The daemon that writes PATH holds PATH.lock (flock) for its life: a
 * second daemon on the same file is refused with the first one's pid
 * instead of taking turns with it unknowingly.  Commands (check, status,
 * render) do not take it: SQLite's own locking serves them. */
static int sqlite_claim(struct sqlite_inst *s)
{
    char *lock = malloc(strlen(s->path) + 6);
    if (!lock)
        return SW_ENOMEM;
    sprintf(lock, "%s.lock", s->path);
    int rc = 0;
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        sw_api->log(SW_LOG_ERROR, "sqlite: cannot open %s: %s", lock, strerror(errno));
        rc = SW_ESTORAGE;
    } else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        sw_api->log(SW_LOG_ERROR,
                    "sqlite: %s is being written by another sitewatch daemon (pid %s, holding %s); two "
                    "daemons must not share a database: stop that one, or give this one its own path",
                    s->path, *pid ? pid : "?", lock);
        close(fd);
        rc = SW_EBUSY;
    } else {
        char pid[32];
        int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len)
            sw_api->log(SW_LOG_WARN, "sqlite: cannot write the pid into %s", lock);
        s->lock_fd = fd;
    }
    free(lock);
    return rc;
}

static void sqlite_writer_close(struct sqlite_inst *s)
{
    sqlite3_stmt *sts[] = {s->ins_series, s->get_series, s->ins_result, s->upsert_rollup};
    for (size_t i = 0; i < sizeof sts / sizeof *sts; i++)
        sqlite3_finalize(sts[i]);
    s->ins_series = s->get_series = s->ins_result = s->upsert_rollup = NULL;
    for (int i = 0; i < SQLITE_RETAIN_SQL; i++) {
        sqlite3_finalize(s->retain_st[i]);
        s->retain_st[i] = NULL;
    }
    sqlite3_close(s->wdb);
    s->wdb = NULL;
    s->big_cache = 0;
    sqlite_phases_free(&s->phases);
    s->declared = NULL; /* the next file is matched with the declarations anew */
    sqlite_series_cache_clear(s);
    sqlite_purged_clear(s); /* read again from whichever file opens next */
}

static int sqlite_writer_open(struct sqlite_inst *s)
{
    int rc = sqlite_connect(s->path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, s->busy_ms, &s->wdb);
    if (!rc)
        rc = sqlite_migrate(s);
    if (!rc)
        rc = sqlite_prepare_write(s);
    struct stat st;
    if (!rc && stat(s->path, &st) != 0)
        rc = SW_ESTORAGE;
    if (rc) {
        sqlite_writer_close(s);
        return rc < 0 ? rc : SW_ESTORAGE;
    }
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    __atomic_add_fetch(&s->generation, 1, __ATOMIC_RELEASE);
    return 0;
}

int sqlite_writer_ready(struct sqlite_inst *s)
{
    struct stat st;
    if (s->wdb) {
        if (stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
            return 0;
        /* Writing on would fill a file nobody can see any more. */
        sw_api->log(SW_LOG_WARN, "sqlite: %s was deleted or replaced under sitewatch; opening it again",
                    s->path);
        sqlite_writer_close(s);
    }
    int rc = s->daemon && s->lock_fd < 0 ? sqlite_claim(s) : 0;
    if (!rc)
        rc = sqlite_writer_open(s);
    if (!rc && s->waiting_since_open) {
        sw_api->log(SW_LOG_INFO, "sqlite: %s is open now", s->path);
        s->waiting_since_open = 0;
    }
    return rc;
}

static void sqlite_close(void *p)
{
    struct sqlite_inst *s = p;
    if (!s)
        return;
    sqlite_writer_close(s);
    for (int i = 0; i < SQLITE_READERS; i++)
        sqlite_reader_close(&s->readers[i]);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->freed);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    sqlite_series_cache_clear(s);
    free(s->path);
    free(s);
}

static int sqlite_open(void *state, const sw_config *cfg, void **out)
{
    (void)state;
    const char *path = sw_api->config_get(cfg, "path");
    if (!path) /* required: the core said so */
        return SW_ECONFIG;
    if (!*path)
        return sw_api->config_error(cfg, "path", "the database file, e.g. var/sitewatch.db");
    int64_t busy = sw_api->config_value(cfg, "busy_timeout", -1);
    struct sqlite_inst *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return SW_ENOMEM;
    }
    const char *slash = strrchr(path, '/');
    if (slash && slash > path)
        fs_mkdirs(path, (int)(slash - path), NULL); /* sqlite3_open names the failure */
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->freed, NULL);
    s->busy_ms = (int)(busy / 1000);
    s->lock_fd = -1;
    s->purged_version = -1;
    s->daemon = SW_API_HAS(sw_api, is_daemon) && sw_api->is_daemon();
    int rc = sqlite_writer_ready(s);
    if (rc && s->daemon && rc != SW_EBUSY) {
        /* The daemon starts anyway (a folder not mounted or writable yet, a
         * full disk): results wait in the queue, and each batch tries
         * again to open the file. */
        sw_api->log(SW_LOG_ERROR, "sqlite: cannot open %s now; results wait and it is tried again", path);
        s->waiting_since_open = 1;
        rc = 0;
    }
    if (rc) {
        sqlite_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

static const struct sw_plugin sqlite_plugin = {
    .abi_version = SW_ABI_VERSION,
    .size = sizeof(struct sw_plugin),
    .name = "sqlite",
    .kind = SW_KIND_STORAGE,
    .description = "results in an SQLite file (WAL, batched transactions)",
    .key_decls = sqlite_keys,
    .key_size = sizeof(struct sw_key),
    .storage_open = sqlite_open,
    .storage_close = sqlite_close,
    .storage_write = sqlite_write,
    .storage_recent = sqlite_recent,
    .storage_history = sqlite_history,
    .storage_buckets = sqlite_buckets,
    .storage_purge = sqlite_purge,
    .storage_retain = sqlite_retain,
};

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *host)
{
    SW_PLUGIN_INIT2(host);
    return &sqlite_plugin;
}
