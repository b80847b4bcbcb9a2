/* SPDX-License-Identifier: MIT
 * Phases by name.  The rollups hold a sum column per phase, and the table
 * phases says which metric each column sums: the writer adds a column when
 * a check plugin declares a phase the file has not seen (SW_METRIC_PHASE in
 * api->metrics_declared), and readers build their SQL from the table, so
 * neither knows a metric's name and there is no fixed number of phases.
 * The five columns made by schema version 2 are its first rows. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "sqlite.h"

void sqlite_phases_free(struct sqlite_phases *ph)
{
    for (int i = 0; i < ph->n; i++) {
        free(ph->names[i]);
        free(ph->cols[i]);
    }
    free(ph->names);
    free(ph->cols);
    free(ph->legacy);
    memset(ph, 0, sizeof *ph);
}

/* Names put into SQL as they are (a column in double quotes, a metric in
 * a JSON path in single quotes): letters, digits and "_.-" only.  Columns
 * are this plugin's own ph_N; a phase named otherwise gets no column. */
static int phases_name_ok(const char *s)
{
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
    return s && *s && !s[strspn(s, ok)];
}

/* Room for one more phase in PH; 0 or SW_ENOMEM. */
static int phases_grow(struct sqlite_phases *ph)
{
    int cap = ph->n + 1;
    char **names = realloc(ph->names, sizeof *names * (size_t)cap);
    if (names)
        ph->names = names;
    char **cols = names ? realloc(ph->cols, sizeof *cols * (size_t)cap) : NULL;
    if (cols)
        ph->cols = cols;
    int *legacy = cols ? realloc(ph->legacy, sizeof *legacy * (size_t)cap) : NULL;
    if (legacy)
        ph->legacy = legacy;
    return legacy ? 0 : SW_ENOMEM;
}

/* The last result stored before schema 4 into *LAST (migration 4 noted it). */
static int phases_v3_last(sqlite3 *db, const char *path, sqlite3_int64 *last)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT last_id FROM results_v3", -1, &st, NULL) != SQLITE_OK)
        return sqlite_fail(db, "cannot read which results are older than schema 4", path);
    *last = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return 0;
}

int sqlite_phases_load(sqlite3 *db, const char *path, struct sqlite_phases *ph)
{
    sqlite_phases_free(ph);
    /* A file at schema 3 is here only where it may not be migrated
     * (sqlite_migrate): its columns are version 2's, every result older. */
    int v3 = sqlite_version(db) == 3;
    sqlite3_stmt *st;
    if (v3)
        ph->v3_last = INT64_MAX;
    else if (phases_v3_last(db, path, &ph->v3_last))
        return SW_ESTORAGE;
    if (sqlite3_prepare_v2(db,
                           v3 ? "SELECT column2, column3, column4 FROM (VALUES " SQLITE_PHASES_V3
                                ") ORDER BY column1"
                              : "SELECT metric, col, coalesce(legacy, -1) FROM phases ORDER BY slot",
                           -1, &st, NULL) != SQLITE_OK)
        return sqlite_fail(db, "cannot read the phases", path);
    int rc = 0;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *col = (const char *)sqlite3_column_text(st, 1);
        if (!phases_name_ok(name) || !phases_name_ok(col)) {
            sw_api->log(SW_LOG_ERROR, "sqlite: %s: table phases has a row with a bad metric or column", path);
            rc = SW_ESTORAGE;
        } else if (!(rc = phases_grow(ph))) {
            ph->names[ph->n] = strdup(name);
            ph->cols[ph->n] = strdup(col);
            ph->legacy[ph->n] = sqlite3_column_int(st, 2);
            ph->n++;
            if (!ph->names[ph->n - 1] || !ph->cols[ph->n - 1])
                rc = SW_ENOMEM;
        }
    }
    sqlite3_finalize(st);
    if (rc)
        sqlite_phases_free(ph);
    return rc;
}

int sqlite_phase_slot(const struct sqlite_phases *ph, const char *name)
{
    for (int i = 0; i < ph->n; i++)
        if (strcmp(ph->names[i], name) == 0)
            return i;
    return -1;
}

void sqlite_phases_sql(const struct sqlite_phases *ph, struct buf *b, const char *fmt)
{
    for (int i = 0; i < ph->n; i++) {
        buf_puts(b, ", ");
        for (const char *f = fmt; *f; f++) {
            if (f[0] == '%' && (f[1] == 'c' || f[1] == 'm')) {
                buf_printf(b, f[1] == 'c' ? "\"%s\"" : "'$.\"%s\"'",
                           f[1] == 'c' ? ph->cols[i] : ph->names[i]);
                f++;
            } else {
                buf_put(b, f, 1);
            }
        }
    }
}

/* Whether M is a phase PH has no column for (and can have one). */
static int sqlite_phase_new(const struct sqlite_phases *ph, const struct sw_metric_decl *m)
{
    return (m->flags & SW_METRIC_PHASE) && phases_name_ok(m->name) && sqlite_phase_slot(ph, m->name) < 0;
}

/* The declared phases the file has no column for yet, added in one
 * transaction; read again under the write lock, as another process may
 * have added some meanwhile. */
static int phases_add(struct sqlite_inst *s, const struct sw_metric_decl *const *list, int n)
{
    if (sqlite_exec(s->wdb, "BEGIN IMMEDIATE", s->path))
        return SW_ESTORAGE;
    int rc = sqlite_phases_load(s->wdb, s->path, &s->phases), added = 0;
    for (int i = 0; i < n && !rc; i++) {
        if (!sqlite_phase_new(&s->phases, list[i]))
            continue;
        sqlite3_stmt *st;
        struct buf sql = {0};
        buf_printf(&sql, "ALTER TABLE rollups ADD COLUMN \"ph_%d\" REAL NOT NULL DEFAULT 0",
                   s->phases.n + added);
        rc = sql.failed ? SW_ENOMEM : sqlite_exec(s->wdb, sql.s, s->path);
        buf_reset(&sql);
        buf_printf(&sql, "ph_%d", s->phases.n + added);
        if (!rc && sqlite3_prepare_v2(s->wdb, "INSERT INTO phases(slot, metric, col) VALUES (?, ?, ?)", -1,
                                      &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int(st, 1, s->phases.n + added);
            sqlite3_bind_text(st, 2, list[i]->name, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, sql.s, -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = sqlite_fail(s->wdb, "cannot add a phase", s->path);
            sqlite3_finalize(st);
        } else if (!rc) {
            rc = sqlite_fail(s->wdb, "cannot add a phase", s->path);
        }
        buf_free(&sql);
        if (!rc) {
            sw_api->log(SW_LOG_INFO, "sqlite: %s: phase %s gets a rollup column of its own", s->path,
                        list[i]->name);
            added++;
        }
    }
    if (rc || sqlite_exec(s->wdb, "COMMIT", s->path)) {
        sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
        return SW_ESTORAGE;
    }
    return added;
}

int sqlite_phases_sync(struct sqlite_inst *s)
{
    if (!SW_API_HAS(sw_api, metrics_declared))
        return 0;
    const struct sw_metric_decl *const *list;
    int n = sw_api->metrics_declared(&list);
    if (list == s->declared)
        return 0;
    int missing = 0;
    for (int i = 0; i < n; i++)
        missing |= sqlite_phase_new(&s->phases, list[i]);
    if (!missing) {
        s->declared = list;
        return 0;
    }
    /* A file that cannot take a column now still takes the batch, and the
     * next batch tries again.  Either way the writer reads back what the
     * file has; the upsert names every column, and readers, which build
     * their SQL from the table too, open anew. */
    int added = phases_add(s, list, n);
    sqlite3_finalize(s->upsert_rollup);
    s->upsert_rollup = NULL;
    int rc = sqlite_phases_load(s->wdb, s->path, &s->phases);
    if (!rc)
        rc = sqlite_prepare_upsert(s);
    if (rc)
        return rc;
    __atomic_add_fetch(&s->generation, 1, __ATOMIC_RELEASE);
    if (added >= 0)
        s->declared = list;
    return 0;
}
