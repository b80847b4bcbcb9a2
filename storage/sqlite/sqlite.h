/* SPDX-License-Identifier: MIT
 * The sqlite storage plugin's shared state: one instance per [storage
 * sqlite], a writer connection (the storage thread) and a reader connection
 * (status, render, seeding), each with its prepared statements. */
#ifndef SW_STORAGE_SQLITE_H
#define SW_STORAGE_SQLITE_H

#include <sqlite3.h>
#include <stdint.h>

#include <sitewatch/plugin.h>

extern const struct sw_host_api *sqlite_api;

/* Rollup spans, microseconds: every result is also counted into the 10-min,
 * hourly and daily slot it falls in, so history reads aggregate a few
 * hundred rows instead of every result. */
#define SQLITE_SPANS 3
extern const int64_t sqlite_spans[SQLITE_SPANS];

struct sqlite_inst {
    char *path;
    sqlite3 *wdb; /* the writer thread's connection */
    sqlite3 *rdb; /* readers' connection */
    sqlite3_stmt *ins_series, *get_series, *ins_result, *upsert_rollup;
    sqlite3_stmt *hist_series, *each_json, *sum_rollups, *sum_raw, *series_locs;
    sqlite3_stmt *read_begin, *read_end;
};

int sqlite_fail(sqlite3 *db, const char *what, const char *path);
int sqlite_exec(sqlite3 *db, const char *sql, const char *path);
int sqlite_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, const char *path);

/* write.c */
int sqlite_prepare_write(struct sqlite_inst *s);
int sqlite_write(void *inst, const sw_result *const *results, size_t n);

/* read.c */
int sqlite_prepare_read(struct sqlite_inst *s);
int sqlite_recent(void *inst, const char *site, const char *check, int limit, sw_result_cb cb, void *ud);
int sqlite_history(void *inst, const char *site, const char *check, int64_t from, int64_t to, int limit,
                   uint32_t flags, sw_result_cb cb, void *ud);
int sqlite_buckets(void *inst, const char *site, const char *check, int64_t from, int64_t to, int64_t step,
                   uint32_t flags, sw_bucket_cb cb, void *ud);

#endif
