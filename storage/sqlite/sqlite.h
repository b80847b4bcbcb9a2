/* SPDX-License-Identifier: MIT
 * The sqlite storage plugin's shared state: one instance per [storage
 * sqlite], a writer connection (the storage thread) and a reader connection
 * (status, render, seeding), each with its prepared statements. */
#ifndef SW_STORAGE_SQLITE_H
#define SW_STORAGE_SQLITE_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/types.h>

#include <sitewatch/plugin.h>

SW_PLUGIN_INIT3

/* Rollup spans, microseconds: every result is also counted into the 10-min,
 * hourly and daily slot it falls in, so history reads aggregate a few
 * hundred rows instead of every result. */
#define SQLITE_SPANS 3
extern const int64_t sqlite_spans[SQLITE_SPANS];

/* The phases a file keeps (phases.c), by slot: the metric, its rollups
 * column, and its index in sw_bucket.phase[] (-1: none). */
struct sqlite_phases {
    int n;
    char **names, **cols;
    int *legacy;
    /* The last result stored before schema 4, which reports no
     * time.transfer of its own (read.c computes it); INT64_MAX in a file
     * still at schema 3, read where it may not be migrated. */
    sqlite3_int64 v3_last;
};

/* Schema 3's five phase columns, as rows (slot, metric, col, legacy):
 * migration 4 starts the phases table with them, and a schema-3 file that
 * may not be written is read through them. */
#define SQLITE_PHASES_V3                                                                                     \
    "(0, 'time.dns', 'ph_dns', 0), (1, 'time.connect', 'ph_connect', 1), (2, 'time.tls', 'ph_tls', 2),"      \
    " (3, 'time.first_byte', 'ph_first_byte', 3), (4, 'time.transfer', 'ph_transfer', 4)"

/* A read connection with its statements.  Reads (status, seeding, renders)
 * take one from the instance's small pool, so an output may read from
 * several threads at once, each on its own connection. */
struct sqlite_reader {
    const char *path;
    sqlite3 *rdb;
    int generation; /* the instance's generation it was opened in */
    sqlite3_stmt *hist_series, *each_json, *sum_rollups, *sum_raw, *series_locs;
    sqlite3_stmt *read_begin, *read_end;
    struct sqlite_phases phases; /* as the file had them when the reader opened */
    int busy;
};
#define SQLITE_READERS 4

struct sqlite_series_slot {
    char *key; /* site NUL check NUL location */
    size_t len;
    uint64_t hash;
    sqlite3_int64 id;
};

#define SQLITE_RETAIN_SQL 8

/* A purge of SITE ("": every site) also refuses results started before
 * BEFORE that reach the writer later (retain.c). */
struct sqlite_purged {
    char *site;
    int64_t before;
};

struct sqlite_inst {
    char *path;
    int busy_ms;
    int lock_fd;                      /* PATH.lock, held by the daemon that writes PATH, or -1 */
    int64_t retain_cursor;            /* the last series retention went through */
    struct sqlite_series_slot *cache; /* the writer's series ids */
    size_t cache_cap, cache_n;
    sqlite3 *wdb; /* the writer thread's connection; NULL until it can be opened */
    dev_t dev;    /* the file it has open, to notice the file deleted or replaced */
    ino_t ino;
    int daemon;             /* opened by `sitewatch run`: claim the file, wait for it */
    int generation;         /* bumped when the writer opens a new file: readers reopen */
    int waiting_since_open; /* the daemon started without the file */
    sqlite3_stmt *ins_series, *get_series, *ins_result, *upsert_rollup;
    struct sqlite_phases phases;                  /* the writer's, with a column each in upsert_rollup */
    const struct sw_metric_decl *const *declared; /* the declarations phases was last matched with */
    sqlite3_stmt *retain_st[SQLITE_RETAIN_SQL];   /* retain.c's, prepared on first use */
    int big_cache;                                /* the writer's page cache is set for a backlog */
    struct sqlite_purged *purged;                 /* the purges table as of the batch, by site */
    size_t npurged;
    int64_t purged_version; /* PRAGMA data_version when it was read; -1: read it again */
    pthread_mutex_t lock;   /* guards the readers' busy flags */
    pthread_cond_t freed;
    struct sqlite_reader readers[SQLITE_READERS];
};

int sqlite_fail(sqlite3 *db, const char *what, const char *path);
int sqlite_exec(sqlite3 *db, const char *sql, const char *path);
int sqlite_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, const char *path);
/* The schema version of DB, without taking the write lock (0 if none). */
int sqlite_version(sqlite3 *db);
/* Open PATH with FLAGS (read-write connections get WAL). */
int sqlite_connect(const char *path, int flags, int busy_ms, sqlite3 **db);

/* The writer connection, ready to write: opened now if it could not be
 * before, opened again if its file was deleted or replaced.  0 or an
 * SW_E* code. */
int sqlite_writer_ready(struct sqlite_inst *s);

/* phases.c */
struct buf;
int sqlite_phases_load(sqlite3 *db, const char *path, struct sqlite_phases *ph);
void sqlite_phases_free(struct sqlite_phases *ph);
/* The slot of phase NAME, or -1. */
int sqlite_phase_slot(const struct sqlite_phases *ph, const char *name);
/* FMT once per phase, each after ", ", with %c its column and %m its
 * metric as a JSON path: "ph_dns", '$."time.dns"'. */
void sqlite_phases_sql(const struct sqlite_phases *ph, struct buf *b, const char *fmt);
/* Writer, before a batch: a column for each declared phase the file lacks
 * (when api->metrics_declared has a new list), then the upsert anew. */
int sqlite_phases_sync(struct sqlite_inst *s);

/* write.c */
int sqlite_prepare_write(struct sqlite_inst *s);
/* The rollup upsert for the writer's phases (s->phases). */
int sqlite_prepare_upsert(struct sqlite_inst *s);
int sqlite_write(void *inst, const sw_result *const *results, size_t n);
void sqlite_series_cache_clear(struct sqlite_inst *s);

/* retain.c */
int sqlite_purge(void *inst, const char *site, int64_t before, int64_t *deleted);
/* In the writer's transaction: read the purges again if another
 * connection committed since (one PRAGMA a batch otherwise). */
int sqlite_purged_refresh(struct sqlite_inst *s);
/* Whether R is of a site purged after R started (so not to be stored). */
int sqlite_purged_refuses(const struct sqlite_inst *s, const sw_result *r);
void sqlite_purged_clear(struct sqlite_inst *s);
int sqlite_retain(void *inst, int64_t raw_before, int64_t rollups_before, int budget);

/* read.c */
void sqlite_reader_close(struct sqlite_reader *r);
int sqlite_recent(void *inst, const char *site, const char *check, int limit, sw_result_cb cb, void *ud);
int sqlite_history(void *inst, const char *site, const char *check, int64_t from, int64_t to, int limit,
                   uint32_t flags, sw_result_cb cb, void *ud);
int sqlite_buckets(void *inst, const char *site, const char *check, int64_t from, int64_t to, int64_t step,
                   uint32_t flags, sw_bucket_cb cb, void *ud);

#endif
