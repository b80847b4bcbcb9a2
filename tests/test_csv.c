/* SPDX-License-Identifier: MIT
 * The csv storage: what Python's csv module reads back from the files the
 * plugin writes (hostile fields, one file per UTC day, metrics columns and
 * JSON), columns from the declared metrics and a day's next file when they
 * change, a row torn by a crash cut off at the next open, and config errors. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "loader.h"
#include "metrics.h"
#include "result.h"
#include "store.h"
#include "support.h"

#define DAY 86400000000LL
/* 2026-11-21T23:59:59.5Z and half a second later, the next day. */
#define T_LATE 1795305599500000LL

static char *dir, *csvdir;

static void setup(void)
{
    dir = t_conf_dir(NULL, NULL);
    csvdir = malloc(strlen(dir) + 16);
    sprintf(csvdir, "%s/var/csv", dir);
    free(t_write(dir, "1csv.ini",
                 "[storage csv]\ndir = %s\n[site plain]\nurl = http://127.0.0.1:1/\nchecks = http\n",
                 csvdir));
}

/* The header for a configuration of http checks: the fixed columns, http's
 * declared metrics in its order, the core's, then the JSON columns. */
#define HEADER                                                                                               \
    "started,scheduled,site,check,location,verdict,since,duration_ms,reason,time.dns,time.connect,time.tls," \
    "time.first_byte,time.transfer,time.total,size.body,http.status,http.redirects,match.failed,sched.lag,"  \
    "sched.skipped,metrics,info\n"
/* The header of the files before metrics were declared. */
#define OLD_HEADER                                                                                           \
    "started,scheduled,site,check,location,verdict,since,duration_ms,reason,time.total,time.dns,"            \
    "time.connect,time.tls,time.first_byte,size.body,http.status,tls.days_left,dns.rcode,dns.answers,"       \
    "sched.lag,metrics,info\n"

static void teardown(void)
{
    if (!getenv("SW_KEEP_TMP"))
        t_rmtree(dir);
    free(dir);
    free(csvdir);
}

static struct t_out python(const char *script)
{
    char *py = t_write(dir, "read.py", "%s", script);
    char *argv[] = {"python3", py, csvdir, NULL};
    struct t_out o = t_run(argv, 60);
    free(py);
    ck_assert_msg(o.status == 0, "python: %s%s", o.out, o.err);
    return o;
}

static sw_result *make(const char *site, int64_t started, int verdict, const char *reason)
{
    sw_result *r = sw_result_new(site, "http", "lab");
    r->scheduled = started - 1000;
    r->started = started;
    r->duration = 12345;
    r->since = started - DAY;
    sw_result_set(r, verdict, "x");
    free(r->reason); /* as a plugin could: raw, control characters and all */
    r->reason = strdup(reason);
    sw_result_metric(r, "time.total", 0.012345);
    sw_result_metric(r, "http.status", 200);
    sw_result_metric(r, "custom.thing", 1.5);
    sw_result_info(r, "note", "line one\nline \"two\", with comma");
    return r;
}

START_TEST(python_reads_back)
{
    const char *hostile = "a,b \"quoted\" c\r\nnext line, 'single' <tag> & done ";
    sw_result *v[] = {make("s,1 \"odd\"", T_LATE, SW_FAIL, hostile),
                      make("plain", T_LATE + 500000, SW_OK, "fine")};
    t_store(dir, "csv", v, 2);
    sw_result_unref(v[0]);
    sw_result_unref(v[1]);
    struct t_out o =
        python("import csv,json,sys,os\n"
               "for f in sorted(os.listdir(sys.argv[1])):\n"
               "  rows=list(csv.DictReader(open(os.path.join(sys.argv[1],f),newline='',encoding='utf-8')))\n"
               "  print(f, len(rows))\n"
               "  for r in rows:\n"
               "    print(repr(r['site']), r['started'], r['since'], r['verdict'], r['duration_ms'],\n"
               "          r['time.total'], r['http.status'], repr(r['reason']))\n"
               "    print(json.loads(r['metrics'])['custom.thing'], repr(json.loads(r['info'])['note']))\n");
    T_HAS(o.out, "results-2026-11-21.csv 1\n");
    T_HAS(o.out, "results-2026-11-22.csv 1\n");
    T_HAS(o.out,
          "'s,1 \"odd\"' 2026-11-21T23:59:59.500000Z 2026-11-20T23:59:59.500000Z FAIL 12.345 0.012345 200 "
          "'a,b \"quoted\" c\\r\\nnext line, \\'single\\' <tag> & done '\n");
    T_HAS(o.out, "'plain' 2026-11-22T00:00:00.000000Z");
    T_HAS(o.out, "1.5 'line one\\nline \"two\", with comma'\n");
    t_out_free(&o);
    /* Not world-writable, whatever was asked. */
    char path[2048];
    snprintf(path, sizeof path, "%s/results-2026-11-21.csv", csvdir);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0002, 0);
}
END_TEST

/* A crash mid-row leaves a torn tail (here inside a quoted field that
 * already holds a newline); the next open cuts it and appends cleanly. */
START_TEST(torn_row_repaired)
{
    sw_result *v[] = {make("first", T_LATE, SW_OK, "one")};
    t_store(dir, "csv", v, 1);
    sw_result_unref(v[0]);
    char path[2048];
    snprintf(path, sizeof path, "%s/results-2026-11-21.csv", csvdir);
    FILE *f = fopen(path, "a");
    fputs("2026-11-21T23:59:59.600000Z,2026-11-21T23:59:59.6Z,torn,http,lab,OK,,1.0,\"half a reason\nwith",
          f);
    fclose(f);
    v[0] = make("second", T_LATE + 100000, SW_WARN, "two");
    t_store(dir, "csv", v, 1);
    sw_result_unref(v[0]);
    struct t_out o =
        python("import csv,sys,os\n"
               "rows=list(csv.reader(open(os.path.join(sys.argv[1],'results-2026-11-21.csv'),newline='')))\n"
               "print(len(rows), [r[2] for r in rows[1:]], set(len(r) for r in rows))\n");
    T_HAS(o.out, "3 ['first', 'second'] {23}\n");
    t_out_free(&o);
}
END_TEST

static char *csv_file(const char *name)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", csvdir, name);
    return t_read(path);
}

START_TEST(header_from_declarations)
{
    sw_result *v[] = {make("plain", T_LATE, SW_OK, "fine")};
    t_store(dir, "csv", v, 1);
    sw_result_unref(v[0]);
    char *f = csv_file("results-2026-11-21.csv");
    ck_assert_msg(strncmp(f, HEADER, strlen(HEADER)) == 0, "header:\n%.400s", f);
    free(f);
}
END_TEST

/* A file of today with another header (an older sitewatch's, or other
 * check plugins') gets no row of the new one: the day goes on in
 * results-DAY.2.csv, and the next batch finds that one again. */
START_TEST(other_header_next_file)
{
    char var[2048];
    snprintf(var, sizeof var, "%s/var", dir);
    mkdir(var, 0755);
    mkdir(csvdir, 0755);
    const char *old = OLD_HEADER "2026-11-21T10:00:00.000000Z,2026-11-21T10:00:00.000000Z,plain,http,lab,OK,,"
                                 "1.000,fine,0.1,,,,,,200,,,,,{},{}\n";
    free(t_write(csvdir, "results-2026-11-21.csv", "%s", old));
    sw_result *v[] = {make("plain", T_LATE, SW_OK, "first")};
    t_store(dir, "csv", v, 1);
    sw_result_unref(v[0]);
    v[0] = make("plain", T_LATE + 100000, SW_OK, "second");
    t_store(dir, "csv", v, 1);
    sw_result_unref(v[0]);
    char *f = csv_file("results-2026-11-21.csv");
    ck_assert_str_eq(f, old);
    free(f);
    /* Each file: its rows' reasons, and whether every row has its header's length. */
    struct t_out o = python(
        "import csv,sys,glob,os\nfor f in sorted(glob.glob(sys.argv[1] + '/*.csv')):\n"
        "  h, *rows = csv.reader(open(f, newline=''))\n"
        "  print(os.path.basename(f), len(rows), [r[8] for r in rows], {len(r) == len(h) for r in rows})\n");
    T_HAS(o.out, "results-2026-11-21.2.csv 2 ['first', 'second'] {True}\n");
    T_HAS(o.out, "results-2026-11-21.csv 1 ['fine'] {True}\n");
    t_out_free(&o);
    f = csv_file("results-2026-11-21.2.csv");
    ck_assert_msg(strncmp(f, HEADER, strlen(HEADER)) == 0, "header:\n%.400s", f);
    free(f);
}
END_TEST

/* A reload that brings a check plugin with more metrics: the writer sees
 * the new list at its next batch and goes on in the day's next file. */
START_TEST(new_columns_while_open)
{
    struct t_storage t;
    t_storage_open(&t, dir, "csv");
    sw_result *v[] = {make("plain", T_LATE, SW_OK, "before")};
    ck_assert_int_eq(t.p->desc.storage_write(t.inst, (const sw_result *const *)v, 1), 0);
    sw_result_unref(v[0]);
    sw_metrics_note(sw_loader_get(t.conf->plugin_dir, "dns"));
    v[0] = make("plain", T_LATE + 100000, SW_OK, "after");
    ck_assert_int_eq(t.p->desc.storage_write(t.inst, (const sw_result *const *)v, 1), 0);
    sw_result_unref(v[0]);
    t_storage_close(&t);
    char *f = csv_file("results-2026-11-21.csv"), *g = csv_file("results-2026-11-21.2.csv");
    ck_assert_msg(strncmp(f, HEADER, strlen(HEADER)) == 0 && strstr(f, ",before,") && !strstr(f, ",after,"),
                  "%s", f);
    ck_assert_msg(g && strstr(g, ",reason,time.dns_query,dns.rcode,dns.answers,dns.ttl_min,time.dns,") &&
                      strstr(g, ",after,"),
                  "%s", g ? g : "(no second file)");
    free(f);
    free(g);
}
END_TEST

START_TEST(bad_config)
{
    const char *want[] = {"a.ini:5: unknown key 'gzip' in [storage csv]: plugin csv accepts dir, fsync"};
    t_validate_errors(
        "[site x]\nurl = http://127.0.0.1:1/\nchecks = http\n[storage csv]\ngzip = yes\ndir = x\n", want, 1);
    /* csv declares its keys (ABI 1.3): the core checks the values with the
     * rest of the configuration, says which one and why (once: no second
     * line from the open), and nothing runs. */
    char *d = t_conf_dir(NULL, NULL);
    free(t_write(d, "a.ini",
                 "[site x]\nurl = http://127.0.0.1:1/\nchecks = http\n[storage csv]\nfsync = sometimes\n"
                 "dir = %s/csv\n",
                 d));
    struct t_out o = t_sitewatch(d, "check", NULL);
    T_HAS(o.err, "a.ini:5: in [storage csv], fsync = \"sometimes\": expected batch or never");
    ck_assert_msg(strstr(o.err, "[storage csv] (") == NULL, "%s", o.err);
    T_HAS(o.err, "1 configuration error(s)");
    ck_assert_int_eq(o.status, 3);
    ck_assert_msg(strstr(o.out, "x     http") == NULL, "%s", o.out);
    t_out_free(&o);
    t_rmtree(d);
    free(d);
}
END_TEST

/* A required key that is missing is said with its help line: what dir is
 * for tells what to write better than its type ("a value") does. */
START_TEST(missing_dir_says_what_it_is)
{
    const char *want[] = {"a.ini:4: in [storage csv], dir is missing: expected a value (the folder of daily "
                          "files, created if missing)"};
    t_validate_errors("[site x]\nurl = http://127.0.0.1:1/\nchecks = http\n[storage csv]\nfsync = never\n",
                      want, 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("csv");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, python_reads_back);
    tcase_add_test(tc, torn_row_repaired);
    tcase_add_test(tc, header_from_declarations);
    tcase_add_test(tc, other_header_next_file);
    tcase_add_test(tc, new_columns_while_open);
    tcase_add_test(tc, bad_config);
    tcase_add_test(tc, missing_dir_says_what_it_is);
    suite_add_tcase(s, tc);
    return t_run_suite(s, 0);
}
