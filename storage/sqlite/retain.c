/* SPDX-License-Identifier: MIT
 * Forgetting: `purge` (results of a site, or older than a date, with their
 * rollups) and retention (raw results after keep_raw, rollups after
 * keep_rollups), the latter in small steps on the writer thread so a
 * year's backlog never holds the write lock for long. */
#include <stdlib.h>

#include "sqlite.h"

#define SERIES_OF "SELECT id FROM series WHERE ?1 IS NULL OR site = ?1"

int sqlite_purge(void *p, const char *site, int64_t before, int64_t *deleted)
{
    struct sqlite_inst *s = p;
    static const char *const sql[] = {
        "DELETE FROM results WHERE started < ?2 AND series IN (" SERIES_OF ")",
        /* slots that straddle BEFORE stay whole */
        "DELETE FROM rollups WHERE start + span <= ?2 AND series IN (" SERIES_OF ")",
        "DELETE FROM series WHERE (?1 IS NULL OR site = ?1)"
        " AND NOT EXISTS (SELECT 1 FROM results r WHERE r.series = series.id)"
        " AND NOT EXISTS (SELECT 1 FROM rollups u WHERE u.series = series.id)",
    };
    *deleted = 0;
    if (sqlite_exec(s->wdb, "BEGIN IMMEDIATE", s->path))
        return SW_ESTORAGE;
    int rc = 0;
    for (size_t i = 0; i < sizeof sql / sizeof *sql && !rc; i++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->wdb, sql[i], -1, &st, NULL) != SQLITE_OK) {
            rc = sqlite_fail(s->wdb, "cannot purge", s->path);
            break;
        }
        if (site)
            sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, before);
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
    return 0;
}
