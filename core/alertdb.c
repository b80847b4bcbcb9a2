/* SPDX-License-Identifier: MIT */
#include "alertdb.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pidfile.h"
#include "util.h"

/* Each step from version N to N + 1, in one transaction with the new
 * user_version: a later session appends, never edits. */
static const char *const adb_migrations[SW_ALERTDB_VERSION] = {
    "CREATE TABLE series(key TEXT PRIMARY KEY, state INTEGER NOT NULL, fails INTEGER NOT NULL,"
    " passes INTEGER NOT NULL, since INTEGER NOT NULL, passing_since INTEGER NOT NULL,"
    " told_since INTEGER NOT NULL, told_end INTEGER NOT NULL, last_told INTEGER NOT NULL,"
    " reminders INTEGER NOT NULL, acked INTEGER NOT NULL, reason TEXT NOT NULL, parent TEXT NOT NULL)"
    " WITHOUT ROWID;"
    /* AUTOINCREMENT: a seq is never reused, so it names one message for
     * as long as anyone holds it. */
    "CREATE TABLE outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, notifier TEXT NOT NULL,"
    " event_id TEXT NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL,"
    " next_attempt INTEGER NOT NULL, created INTEGER NOT NULL, UNIQUE(notifier, event_id));"
    "CREATE INDEX outbox_order ON outbox(notifier, seq);"
    "CREATE TABLE silences(site TEXT NOT NULL, from_t INTEGER NOT NULL, until_t INTEGER NOT NULL);"
    "CREATE INDEX silences_site ON silences(site, until_t);",
    /* 2: `ack` from a command, applied by the daemon's next tick. */
    "CREATE TABLE acks(site TEXT NOT NULL, check_name TEXT NOT NULL, at INTEGER NOT NULL);",
};

enum {
    ADB_SAVE,
    ADB_LOAD,
    ADB_EACH,
    ADB_FORGET,
    ADB_ENQUEUE,
    ADB_OUTBOX,
    ADB_DONE,
    ADB_RETRY,
    ADB_SILENCE,
    ADB_SILENCED,
    ADB_PURGE,
    ADB_ACK,
    ADB_ACKS,
    ADB_ACKS_DONE,
    ADB_SILENCES,
    ADB_NSTMT
};

#define ADB_SERIES_COLS                                                                                      \
    "state, fails, passes, since, passing_since, told_since, told_end, last_told, reminders, acked, "        \
    "reason, "                                                                                               \
    "parent"

static const char *const adb_sql[ADB_NSTMT] = {
    [ADB_SAVE] = "INSERT OR REPLACE INTO series(key, " ADB_SERIES_COLS
                 ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [ADB_LOAD] = "SELECT key, " ADB_SERIES_COLS " FROM series WHERE key = ?1",
    [ADB_EACH] = "SELECT key, " ADB_SERIES_COLS " FROM series ORDER BY key",
    [ADB_FORGET] = "DELETE FROM series WHERE key = ?1",
    [ADB_ENQUEUE] =
        "INSERT OR IGNORE INTO outbox(notifier, event_id, payload, attempts, next_attempt, created)"
        " VALUES (?1, ?2, ?3, 0, ?4, ?4)",
    [ADB_OUTBOX] = "SELECT seq, notifier, event_id, payload, attempts, next_attempt, created FROM outbox"
                   " WHERE ?1 IS NULL OR notifier = ?1 ORDER BY seq",
    [ADB_DONE] = "DELETE FROM outbox WHERE seq = ?1",
    [ADB_RETRY] = "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2 WHERE seq = ?1",
    [ADB_SILENCE] = "INSERT INTO silences(site, from_t, until_t) VALUES (?1, ?2, ?3)",
    [ADB_SILENCED] = "SELECT max(until_t) FROM silences WHERE site = ?1 AND from_t <= ?2 AND until_t > ?2",
    [ADB_PURGE] = "DELETE FROM silences WHERE until_t <= ?1",
    [ADB_ACK] = "INSERT INTO acks(site, check_name, at) VALUES (?1, ?2, ?3)",
    [ADB_ACKS] = "SELECT site, check_name FROM acks ORDER BY rowid",
    [ADB_ACKS_DONE] = "DELETE FROM acks",
    [ADB_SILENCES] = "SELECT site, min(from_t), max(until_t) FROM silences WHERE until_t > ?1 GROUP BY site"
                     " ORDER BY site",
};

struct sw_alertdb {
    sqlite3 *db;
    sqlite3_stmt *st[ADB_NSTMT]; /* prepared on first use */
    char *path, *lock;
    int lock_fd;
};

const char *sw_alertdb_error(const struct sw_alertdb *db)
{
    return sqlite3_errmsg(db->db);
}

static sqlite3_stmt *adb_stmt(struct sw_alertdb *db, int which)
{
    if (!db->st[which] && sqlite3_prepare_v3(db->db, adb_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                                             &db->st[which], NULL) != SQLITE_OK)
        return NULL;
    sqlite3_reset(db->st[which]);
    sqlite3_clear_bindings(db->st[which]);
    return db->st[which];
}

/* Step a statement that returns no rows. */
static int adb_run(sqlite3_stmt *st)
{
    int rc = st && sqlite3_step(st) == SQLITE_DONE ? 0 : SW_ESTORAGE;
    if (st)
        sqlite3_reset(st);
    return rc;
}

/* Run statement WHICH with TEXT (or none) as ?1 and the N numbers V after
 * it. */
static int adb_do(struct sw_alertdb *db, int which, const char *text, int n, const int64_t *v)
{
    sqlite3_stmt *st = adb_stmt(db, which);
    if (!st)
        return SW_ESTORAGE;
    int first = text ? 2 : 1;
    if (text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    for (int i = 0; i < n; i++)
        sqlite3_bind_int64(st, first + i, v[i]);
    return adb_run(st);
}

static int adb_exec(struct sw_alertdb *db, const char *sql)
{
    return sqlite3_exec(db->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : SW_ESTORAGE;
}

static int adb_version(struct sw_alertdb *db)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(db->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int adb_migrate(struct sw_alertdb *db, char **why)
{
    if (adb_exec(db, "BEGIN IMMEDIATE")) {
        *why = sw_xasprintf("state %s: cannot begin: %s", db->path, sqlite3_errmsg(db->db));
        return SW_ESTORAGE;
    }
    int v = adb_version(db);
    if (v < 0 || v > SW_ALERTDB_VERSION) {
        adb_exec(db, "ROLLBACK");
        *why = v < 0 ? sw_xasprintf("state %s: cannot read its version: %s", db->path, sqlite3_errmsg(db->db))
                     : sw_xasprintf("state %s has schema version %d, newer than this sitewatch's %d: upgrade "
                                    "sitewatch or give [core] state another file",
                                    db->path, v, SW_ALERTDB_VERSION);
        return SW_ESTORAGE;
    }
    for (; v < SW_ALERTDB_VERSION; v++) {
        char mark[48];
        snprintf(mark, sizeof mark, "PRAGMA user_version = %d", v + 1);
        if (adb_exec(db, adb_migrations[v]) || adb_exec(db, mark)) {
            *why = sw_xasprintf("state %s: cannot migrate to version %d: %s", db->path, v + 1,
                                sqlite3_errmsg(db->db));
            adb_exec(db, "ROLLBACK");
            return SW_ESTORAGE;
        }
    }
    if (adb_exec(db, "COMMIT")) {
        *why = sw_xasprintf("state %s: cannot commit: %s", db->path, sqlite3_errmsg(db->db));
        return SW_ESTORAGE;
    }
    return 0;
}

/* The file and the WAL and shared-memory files SQLite makes beside it
 * (with the file's own mode) hold who was told what: 0600 from the first
 * byte, and an older file's mode narrowed. */
static int adb_private(const char *path, char **why)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0) {
        *why = sw_xasprintf("state %s: cannot open: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return SW_ESTORAGE;
    }
    close(fd); /* before SQLite opens it: closing a file drops its locks */
    for (int i = 0; i < 2; i++) {
        char *side = sw_xasprintf("%s%s", path, i ? "-shm" : "-wal");
        if (chmod(side, 0600) != 0 && errno != ENOENT)
            *why = sw_xasprintf("state %s: cannot make %s private: %s", path, side, strerror(errno));
        free(side);
        if (*why)
            return SW_ESTORAGE;
    }
    return 0;
}

int sw_alertdb_open(const char *path, int mode, struct sw_alertdb **out, char **why)
{
    int readonly = mode == SW_ALERTDB_READ;
    *out = NULL;
    *why = NULL;
    struct sw_alertdb *db = sw_xcalloc(1, sizeof *db);
    db->path = sw_xstrdup(path);
    db->lock = sw_xasprintf("%s.lock", path);
    db->lock_fd = -1;
    int rc = 0;
    if (mode == SW_ALERTDB_WRITE) {
        char *lock_why = NULL;
        if (sw_pidfile_take(db->lock, &db->lock_fd, &lock_why) != 0) {
            *why = sw_xasprintf("state %s: %s", path, lock_why);
            free(lock_why);
            rc = SW_EBUSY;
        }
    }
    if (!rc && !readonly)
        rc = adb_private(path, why);
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (!rc && sqlite3_open_v2(path, &db->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        *why = sw_xasprintf("state %s: cannot open: %s", path,
                            db->db ? sqlite3_errmsg(db->db) : "out of memory");
        rc = SW_ESTORAGE;
    }
    if (!rc)
        sqlite3_busy_timeout(db->db, 5000);
    /* WAL: readers (the alerts command) never wait for the writer.
     * synchronous=FULL: each commit is on the disk before it returns, so
     * a decided message survives a power cut or a kernel crash too, not
     * only a kill -9 (which NORMAL already survives: the WAL is in the
     * kernel's cache).  Commits follow changes of state, not results, so
     * the fsync each costs is affordable. */
    if (!rc && !readonly && adb_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL")) {
        *why = sw_xasprintf("state %s: cannot set WAL mode: %s", path, sqlite3_errmsg(db->db));
        rc = SW_ESTORAGE;
    }
    if (!rc && !readonly)
        rc = adb_migrate(db, why);
    if (!rc && readonly && adb_version(db) != SW_ALERTDB_VERSION) {
        *why = sw_xasprintf("state %s has schema version %d: expected %d, written by a running sitewatch",
                            path, adb_version(db), SW_ALERTDB_VERSION);
        rc = SW_ESTORAGE;
    }
    if (rc) {
        sw_alertdb_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

void sw_alertdb_close(struct sw_alertdb *db)
{
    if (!db)
        return;
    for (int i = 0; i < ADB_NSTMT; i++)
        sqlite3_finalize(db->st[i]);
    sqlite3_close(db->db);
    sw_pidfile_drop(db->lock, db->lock_fd);
    free(db->path);
    free(db->lock);
    free(db);
}

int sw_alertdb_begin(struct sw_alertdb *db)
{
    return adb_exec(db, "BEGIN IMMEDIATE");
}

int sw_alertdb_commit(struct sw_alertdb *db)
{
    return adb_exec(db, "COMMIT");
}

void sw_alertdb_rollback(struct sw_alertdb *db)
{
    adb_exec(db, "ROLLBACK");
}

int sw_alertdb_save(struct sw_alertdb *db, const char *key, const struct sw_alert *a)
{
    sqlite3_stmt *st = adb_stmt(db, ADB_SAVE);
    if (!st)
        return SW_ESTORAGE;
    const int64_t v[] = {a->state,      a->fails,    a->passes,    a->since,     a->passing_since,
                         a->told_since, a->told_end, a->last_told, a->reminders, a->acked};
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    for (int i = 0; i < 10; i++)
        sqlite3_bind_int64(st, i + 2, v[i]);
    sqlite3_bind_text(st, 12, a->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, a->parent, -1, SQLITE_STATIC);
    return adb_run(st);
}

/* A row of ADB_LOAD or ADB_EACH: key, then the columns in struct order. */
static void adb_row(sqlite3_stmt *st, struct sw_alert *a)
{
    memset(a, 0, sizeof *a);
    a->state = sqlite3_column_int(st, 1);
    a->fails = sqlite3_column_int(st, 2);
    a->passes = sqlite3_column_int(st, 3);
    a->since = sqlite3_column_int64(st, 4);
    a->passing_since = sqlite3_column_int64(st, 5);
    a->told_since = sqlite3_column_int64(st, 6);
    a->told_end = sqlite3_column_int64(st, 7);
    a->last_told = sqlite3_column_int64(st, 8);
    a->reminders = sqlite3_column_int(st, 9);
    a->acked = sqlite3_column_int(st, 10);
    const unsigned char *reason = sqlite3_column_text(st, 11), *parent = sqlite3_column_text(st, 12);
    snprintf(a->reason, sizeof a->reason, "%s", reason ? (const char *)reason : "");
    snprintf(a->parent, sizeof a->parent, "%s", parent ? (const char *)parent : "");
}

int sw_alertdb_load(struct sw_alertdb *db, const char *key, struct sw_alert *a)
{
    memset(a, 0, sizeof *a);
    sqlite3_stmt *st = adb_stmt(db, ADB_LOAD);
    if (!st)
        return SW_ESTORAGE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int step = sqlite3_step(st), rc = step == SQLITE_DONE ? SW_ENOTFOUND : SW_ESTORAGE;
    if (step == SQLITE_ROW) {
        adb_row(st, a);
        rc = 0;
    }
    sqlite3_reset(st);
    return rc;
}

int sw_alertdb_each_series(struct sw_alertdb *db,
                           int (*cb)(void *ctx, const char *key, const struct sw_alert *a), void *ctx)
{
    sqlite3_stmt *st = adb_stmt(db, ADB_EACH);
    if (!st)
        return SW_ESTORAGE;
    struct sw_alert *a = sw_xmalloc(sizeof *a);
    int rc = 0, step;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        adb_row(st, a);
        rc = cb(ctx, (const char *)sqlite3_column_text(st, 0), a);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = SW_ESTORAGE;
    sqlite3_reset(st);
    free(a);
    return rc;
}

int sw_alertdb_forget(struct sw_alertdb *db, const char *key)
{
    return adb_do(db, ADB_FORGET, key, 0, NULL);
}

int sw_alertdb_enqueue(struct sw_alertdb *db, const char *notifier, const char *event_id, const char *payload,
                       int64_t now)
{
    sqlite3_stmt *st = adb_stmt(db, ADB_ENQUEUE);
    if (st) {
        sqlite3_bind_text(st, 1, notifier, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, event_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, payload, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, now);
    }
    return adb_run(st);
}

int sw_alertdb_outbox(struct sw_alertdb *db, const char *notifier,
                      int (*cb)(void *ctx, const struct sw_outbox_msg *m), void *ctx)
{
    sqlite3_stmt *st = adb_stmt(db, ADB_OUTBOX);
    if (!st)
        return SW_ESTORAGE;
    if (notifier)
        sqlite3_bind_text(st, 1, notifier, -1, SQLITE_STATIC);
    int rc = 0, step;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct sw_outbox_msg m = {
            .seq = sqlite3_column_int64(st, 0),
            .notifier = (const char *)sqlite3_column_text(st, 1),
            .event_id = (const char *)sqlite3_column_text(st, 2),
            .payload = (const char *)sqlite3_column_text(st, 3),
            .attempts = sqlite3_column_int(st, 4),
            .next_attempt = sqlite3_column_int64(st, 5),
            .created = sqlite3_column_int64(st, 6),
        };
        rc = cb(ctx, &m);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = SW_ESTORAGE;
    sqlite3_reset(st);
    return rc;
}

int sw_alertdb_done(struct sw_alertdb *db, int64_t seq)
{
    return adb_do(db, ADB_DONE, NULL, 1, &seq);
}

int sw_alertdb_retry(struct sw_alertdb *db, int64_t seq, int64_t next)
{
    return adb_do(db, ADB_RETRY, NULL, 2, (const int64_t[]){seq, next});
}

int sw_alertdb_silence(struct sw_alertdb *db, const char *site, int64_t from, int64_t until)
{
    return adb_do(db, ADB_SILENCE, site, 2, (const int64_t[]){from, until});
}

int sw_alertdb_silenced(struct sw_alertdb *db, const char *site, int64_t t, int64_t *until)
{
    sqlite3_stmt *st = adb_stmt(db, ADB_SILENCED);
    if (!st)
        return SW_ESTORAGE;
    sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, t);
    int rc = SW_ESTORAGE;
    if (sqlite3_step(st) == SQLITE_ROW) {
        rc = sqlite3_column_type(st, 0) != SQLITE_NULL;
        if (rc)
            *until = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    return rc;
}

int sw_alertdb_purge_silences(struct sw_alertdb *db, int64_t t)
{
    return adb_do(db, ADB_PURGE, NULL, 1, &t);
}

int sw_alertdb_ack(struct sw_alertdb *db, const char *site, const char *check, int64_t at)
{
    sqlite3_stmt *st = adb_stmt(db, ADB_ACK);
    if (!st)
        return SW_ESTORAGE;
    sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, check ? check : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, at);
    return adb_run(st);
}

int sw_alertdb_take_acks(struct sw_alertdb *db, int (*cb)(void *ctx, const char *site, const char *check),
                         void *ctx)
{
    sqlite3_stmt *st = adb_stmt(db, ADB_ACKS);
    if (!st)
        return SW_ESTORAGE;
    int rc = 0, n = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        const char *check = (const char *)sqlite3_column_text(st, 1);
        rc = cb(ctx, (const char *)sqlite3_column_text(st, 0), check && *check ? check : NULL);
        n++;
    }
    sqlite3_reset(st);
    if (rc == 0 && n)
        rc = adb_do(db, ADB_ACKS_DONE, NULL, 0, NULL);
    return rc < 0 ? rc : n;
}

int sw_alertdb_each_silence(struct sw_alertdb *db, int64_t t,
                            int (*cb)(void *ctx, const char *site, int64_t from, int64_t until), void *ctx)
{
    sqlite3_stmt *st = adb_stmt(db, ADB_SILENCES);
    if (!st)
        return SW_ESTORAGE;
    sqlite3_bind_int64(st, 1, t);
    int rc = 0, step;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
        rc = cb(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
                sqlite3_column_int64(st, 2));
    if (rc == 0 && step != SQLITE_DONE)
        rc = SW_ESTORAGE;
    sqlite3_reset(st);
    return rc;
}
