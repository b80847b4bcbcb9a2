/* SPDX-License-Identifier: MIT
 * Managing sites from the command line (add, remove, set-interval: the
 * files they write and every refusal), a running daemon picking changes
 * up, purge and retention on a database the test fills with old results
 * (rows gone, rollups and uptime right, percentiles from the raw rows),
 * history, the pid file, one daemon per database, journald lines, and the
 * systemd unit. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "result.h"
#include "store.h"
#include "support.h"
#include "util.h"

#define DAY  86400000000LL
#define HOUR 3600000000LL

static char *dir, *db, *errlog;

static void setup(void)
{
    dir = t_conf_dir("min_interval = 1s\nlocation = lab\n", &db);
    errlog = malloc(strlen(dir) + 16);
    sprintf(errlog, "%s.log", dir);
    free(t_write(dir, "sites.ini",
                 "; the main site\n[site main]\nurl = http://127.0.0.1:1/\nchecks = http\n"
                 "interval = 60s      ; once a minute\nhttp.warn_after = 2s\n\n"
                 "; another\n[site other]\nurl = http://127.0.0.1:1/o\nchecks = http\n"));
}

static void teardown(void)
{
    if (!getenv("SW_KEEP_TMP")) {
        t_rmtree(dir);
        unlink(errlog);
    }
    free(dir);
    free(db);
    free(errlog);
}

static char *conf_file(const char *name)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return t_read(path);
}

static int conf_exists(const char *name)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* Fail unless S holds WANT (no WANT: anything goes). */
static void has(const char *s, const char *want)
{
    if (want)
        T_HAS(s, want);
}

/* Run sitewatch with ARGS; expect STATUS and, when given, TEXT in its
 * stdout (OUT) or stderr (ERR). */
#define RUN(want_status, want_out, want_err, ...)                                                            \
    do {                                                                                                     \
        struct t_out o_ = t_sitewatch(dir, __VA_ARGS__, NULL);                                               \
        ck_assert_msg(o_.status == (want_status), "exit %d, not %d\nout: %s\nerr: %s", o_.status,            \
                      (want_status), o_.out, o_.err);                                                        \
        has(o_.out, want_out);                                                                               \
        has(o_.err, want_err);                                                                               \
        t_out_free(&o_);                                                                                     \
    } while (0)

START_TEST(add_writes_a_file)
{
    RUN(0, "added site shop in", NULL, "add", "shop", "https://127.0.0.1:1/cart", "--interval", "30s",
        "--set", "https.expect_content=Basket", "--set", "timeout=5s");
    char *t = conf_file("shop.ini");
    T_HAS(t, "[site shop]\nurl = https://127.0.0.1:1/cart\nchecks = https\ninterval = 30s\n"
             "https.expect_content = Basket\ntimeout = 5s\n");
    free(t);
    RUN(0, "OK, 3 site(s)", NULL, "validate");
    /* --checks when the URL does not say */
    RUN(0, NULL, NULL, "add", "ns", "http://127.0.0.1:1/", "--checks", "http,dns", "--set",
        "dns.server=127.0.0.1");
    t = conf_file("ns.ini");
    T_HAS(t, "checks = http,dns\n");
    free(t);
}
END_TEST

START_TEST(add_refusals)
{
    char *before = conf_file("sites.ini");
    RUN(1, NULL, "sitewatch: add: site main already exists (", "add", "main", "http://127.0.0.1:1/");
    RUN(1, NULL, "x.ini:3: in [site x], url = \"notaurl\": expected an http:// or https:// URL", "add", "x",
        "notaurl", "--checks", "http");
    RUN(1, NULL, "unknown check plugin 'nope': there is no", "add", "x", "http://127.0.0.1:1/", "--checks",
        "nope");
    RUN(1, NULL, "x.ini:5: unknown key 'http.colour' in [site x]: plugin http accepts", "add", "x",
        "http://127.0.0.1:1/", "--set", "http.colour=red");
    RUN(1, NULL, "x.ini:5: in [site x], interval = \"soon\": expected", "add", "x", "http://127.0.0.1:1/",
        "--interval", "soon");
    RUN(1, NULL, "cannot be a site name", "add", "a/b", "http://127.0.0.1:1/");
    RUN(1, NULL, "cannot be a site name", "add", ".hidden", "http://127.0.0.1:1/");
    RUN(1, NULL, "which checks? give --checks", "add", "x", "ftp://127.0.0.1/");
    RUN(3, NULL, "--set takes KEY=VALUE", "add", "x", "http://127.0.0.1:1/", "--set", "novalue");
    RUN(3, NULL, "usage: sitewatch add NAME URL", "add", "x");
    RUN(1, NULL, "nothing was changed", "add", "x", "notaurl", "--checks", "http");
    ck_assert(!conf_exists("x.ini"));
    char *after = conf_file("sites.ini");
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    /* A folder with an error already is refused before any change. */
    free(t_write(dir, "broken.ini", "[site broken]\nurl = http://127.0.0.1:1/\n"));
    RUN(1, NULL, "has 1 error(s) already; fix them first", "add", "y", "http://127.0.0.1:1/");
}
END_TEST

START_TEST(set_interval_keeps_the_file)
{
    RUN(0, "main: interval 60 s -> 5 min in", NULL, "set-interval", "main", "5m");
    RUN(0, "other: interval 60 s -> 2 s in", NULL, "set-interval", "other", "2s");
    char *t = conf_file("sites.ini");
    ck_assert_str_eq(t,
                     "; the main site\n[site main]\nurl = http://127.0.0.1:1/\nchecks = http\n"
                     "interval = 5m       ; once a minute\nhttp.warn_after = 2s\n\n"
                     "; another\n[site other]\nurl = http://127.0.0.1:1/o\nchecks = http\ninterval = 2s\n");
    free(t);
    RUN(3, NULL, "set-interval: 'fast' is not a positive duration", "set-interval", "main", "fast");
    RUN(1, NULL, "interval = 500 ms is below min_interval (1 s)", "set-interval", "main",
        "500ms"); /* below min_interval */
    RUN(1, NULL, "no site named 'nobody'", "set-interval", "nobody", "5m");
    t = conf_file("sites.ini");
    T_HAS(t, "interval = 5m       ; once a minute\n");
    free(t);
}
END_TEST

/* Issue 15.11: the edit commands read a file as the reader does: "key:
 * value", continuation lines, a symlinked file; and a key given twice is
 * refused rather than written. */
START_TEST(edits_read_the_file_as_the_reader_does)
{
    free(t_write(dir, "sites.ini",
                 "[site main]\nurl = http://127.0.0.1:1/\nchecks = http\ninterval: 60s\n"
                 "[site other]\nurl = http://127.0.0.1:1/o\nchecks = http\nhttp.headers = A: 1\n"
                 "  B: 2\n\n[site third]\nurl = http://127.0.0.1:1/t\nchecks = http\n"
                 "interval = 30s\n  45s\n"));
    RUN(1, NULL, "interval = \"45s\": expected interval once", "validate");
    free(t_write(dir, "sites.ini",
                 "[site main]\nurl = http://127.0.0.1:1/\nchecks = http\ninterval: 60s\n"
                 "[site other]\nurl = http://127.0.0.1:1/o\nchecks = http\nhttp.headers = A: 1\n"
                 "  B: 2\n"));
    RUN(0, "main: interval 60 s -> 30 s in", NULL, "set-interval", "main", "30s");
    RUN(0, "other: interval 60 s -> 2 s in", NULL, "set-interval", "other", "2s");
    char *t = conf_file("sites.ini");
    ck_assert_str_eq(t, "[site main]\nurl = http://127.0.0.1:1/\nchecks = http\ninterval: 30s\n"
                        "[site other]\nurl = http://127.0.0.1:1/o\nchecks = http\nhttp.headers = A: 1\n"
                        "  B: 2\ninterval = 2s\n");
    free(t);
    RUN(0, "OK, 2 site(s)", NULL, "validate");

    /* A linked file is edited where it lives; the link stays a link. */
    char *target = sw_xasprintf("%s.real.ini", dir), *link = sw_xasprintf("%s/linked.ini", dir);
    FILE *f = fopen(target, "w");
    fputs("[site linked]\nurl = http://127.0.0.1:1/l\nchecks = http\ninterval = 60s\n", f);
    fclose(f);
    ck_assert_int_eq(symlink(target, link), 0);
    RUN(0, "linked: interval 60 s -> 5 s in", NULL, "set-interval", "linked", "5s");
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    t = t_read(target);
    ck_assert_str_eq(t, "[site linked]\nurl = http://127.0.0.1:1/l\nchecks = http\ninterval = 5s\n");
    free(t);
    unlink(link);
    unlink(target);
    free(link);
    free(target);

    /* Two intervals for one new site: refused, nothing written. */
    RUN(1, NULL, "expected interval once", "add", "shop", "http://127.0.0.1:1/s", "--interval", "30s",
        "--set", "interval=5s");
    ck_assert(!conf_exists("shop.ini"));
}
END_TEST

/* Issue 15.14: --pid-file does not follow a symlink (it would truncate
 * whatever the link points at). */
START_TEST(pid_file_symlink_refused)
{
    char victim[2048], link[2048];
    snprintf(victim, sizeof victim, "%s.victim", dir);
    snprintf(link, sizeof link, "%s/sw.pid", dir);
    FILE *f = fopen(victim, "w");
    fputs("precious\n", f);
    fclose(f);
    ck_assert_int_eq(symlink(victim, link), 0);
    pid_t pid = t_sitewatch_bg(dir, errlog, "run", "--pid-file", link, NULL);
    ck_assert_int_eq(t_wait(pid, 20), 1);
    char *log = t_read(errlog);
    T_HAS(log, "is a symbolic link: refused");
    free(log);
    char *text = t_read(victim);
    ck_assert_str_eq(text, "precious\n");
    free(text);
    unlink(victim);
}
END_TEST

/* Issue 15.13: JSON output is always JSON, with every documented key. */
START_TEST(json_output_always_whole)
{
    char health[2048];
    snprintf(health, sizeof health, "%s.health", dir);
    free(t_write(dir, "zz-core.ini", "[core]\nhealth_file = %s\n", health));
    FILE *f = fopen(health, "w");
    fputs("{\"pid\":12,\"updated\":\"2026-12-01T00:00:00Z\",\"queue\":{\"stor", f); /* cut short */
    fclose(f);
    struct t_out o = t_sitewatch(dir, "status", "--format", "json", NULL);
    T_HAS(o.out, "{\"daemon\":{\"error\":\"the health file ");
    T_HAS(o.out, " is not valid JSON\"}}\n");
    ck_assert_ptr_null(strstr(o.out, "\"stor"));
    T_HAS(o.out, "\"since\":null");
    t_out_free(&o);
    o = t_sitewatch(dir, "status", NULL);
    T_HAS(o.out, "is not valid JSON; the daemon's word on its storage is unknown");
    t_out_free(&o);
    unlink(health);
    /* A result with no info still has "info" (and "since"). */
    o = t_sitewatch(dir, "check", "main", "--format", "json", NULL);
    T_HAS(o.out, "\"since\":\"");
    T_HAS(o.out, ",\"info\":{}}");
    t_out_free(&o);
}
END_TEST

START_TEST(remove_section_and_file)
{
    RUN(0, "add", NULL, "add", "solo", "http://127.0.0.1:1/");
    RUN(0, "removed site main from", NULL, "remove", "main");
    char *t = conf_file("sites.ini");
    ck_assert_str_eq(t, "; another\n[site other]\nurl = http://127.0.0.1:1/o\nchecks = http\n");
    free(t);
    RUN(0, "(the file held nothing else: deleted)", NULL, "remove", "solo");
    ck_assert(!conf_exists("solo.ini"));
    RUN(1, NULL, "no site named 'main'", "remove", "main");
}
END_TEST

/* Results of SITE every MINUTES over the last DAYS, verdict by K. */
static int verdict_of(long k)
{
    return k % 11 == 5 ? SW_FAIL : k % 7 == 2 ? SW_WARN : k % 97 == 13 ? SW_UNKNOWN : SW_OK;
}

static int64_t t0;

/* Half an interval off the minute, so no result sits on a window's edge
 * while a command computes "now". */
static int64_t started_at(long k, int minutes)
{
    return t0 - (2 * k + 1) * minutes * 30000000LL;
}

static void fill(const char *site, int days, int minutes)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    t0 = ((int64_t)tv.tv_sec * 1000000 + tv.tv_usec) / 60000000 * 60000000;
    long n = (long)days * 1440 / minutes;
    sw_result **v = calloc((size_t)n, sizeof *v);
    for (long k = 0; k < n; k++) {
        sw_result *r = sw_result_new(site, "http", "lab");
        r->started = r->scheduled = started_at(k, minutes);
        r->duration = 1000 * (10 + k % 37);
        r->since = r->started;
        sw_result_set(r, verdict_of(k), "result %ld", k);
        sw_result_metric(r, "time.total", (double)r->duration / 1e6);
        v[k] = r;
    }
    t_store(dir, "sqlite", v, (size_t)n);
    for (long k = 0; k < n; k++)
        sw_result_unref(v[k]);
    free(v);
}

START_TEST(purge_and_history)
{
    fill("main", 10, 30);
    fill("other", 10, 30);
    long all = t_sql_long(db, "SELECT count(*) FROM results");
    ck_assert_int_eq(all, 2 * 480);
    /* history: newest first, as a table and as JSON */
    struct t_out o = t_sitewatch(dir, "history", "main", "--last", "3", NULL);
    ck_assert_int_eq(o.status, 0);
    T_HAS(o.out, "STARTED (UTC)");
    T_HAS(o.out, "result 0\n");
    T_HAS(o.out, "result 2\n");
    ck_assert_ptr_null(strstr(o.out, "result 3\n"));
    t_out_free(&o);
    o = t_sitewatch(dir, "history", "main", "--last", "1", "--format", "json", NULL);
    T_HAS(o.out, "\"reason\":\"result 0\"");
    t_out_free(&o);
    /* refusals */
    RUN(3, NULL, "at least one of them", "purge");
    RUN(3, NULL, "--before takes a UTC date", "purge", "--before", "yesterday");
    RUN(3, NULL, "not both", "purge", "--before", "2026-01-01", "--older-than", "1d");
    /* older than 5 days: the other half of each site's results */
    RUN(0, "sqlite: deleted 480 result(s)", NULL, "purge", "--older-than", "5d");
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results"), 480);
    /* one site, all of it */
    RUN(0, "sqlite: deleted 240 result(s) of other", NULL, "purge", "--site", "other");
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results_v WHERE site = 'other'"), 0);
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM rollups u JOIN series s ON s.id = u.series"
                                    " WHERE s.site = 'other'"),
                     0);
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results_v WHERE site = 'main'"), 240);
    /* remove --purge: the file and the results */
    RUN(0, "sqlite: deleted 240 result(s) of main", NULL, "remove", "main", "--purge");
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results"), 0);
}
END_TEST

/* Uptime of main from FROM on, from the results fill() made. */
static void expect_uptime(int64_t from, int minutes, long n, char *want, size_t len)
{
    long c[4] = {0};
    for (long k = 0; k < n; k++)
        if (started_at(k, minutes) >= from)
            c[verdict_of(k)]++;
    long judged = c[0] + c[1] + c[2];
    snprintf(want, len, "main                     http   %7.3f%%  %6.3f%% %8ld %7ld %7ld %7ld %7ld\n",
             100.0 * (double)(c[0] + c[1]) / (double)judged, 100.0 * (double)c[1] / (double)judged,
             judged + c[3], c[0], c[1], c[2], c[3]);
}

/* 40 days of results every 10 min; the daemon with keep_raw = 2d deletes
 * the older raw rows, keeps hourly and daily rollups, fills in their 95th
 * percentile first; uptime over 60 days is what the raw rows said. */
START_TEST(retention_rolls_up_then_deletes)
{
    free(t_write(dir, "sites.ini", "[site main]\nurl = http://127.0.0.1:1/\nchecks = http\ninterval = 1h\n"));
    fill("main", 40, 10);
    long n = 40 * 144;
    char want[256];
    expect_uptime(t0 - 60 * DAY, 10, n, want, sizeof want);
    RUN(0, want, NULL, "uptime", "--since", "60d");
    char want7[256];
    expect_uptime(t0 - 7 * DAY, 10, n, want7, sizeof want7);
    RUN(0, want7, NULL, "uptime", "main", "--since", "7d");
    /* The 95th percentile of one complete hour three days back, from the rows. */
    int64_t hour = (t0 - 3 * DAY) / HOUR * HOUR;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT duration FROM results WHERE started >= %lld AND started < %lld AND verdict <= 1"
             " ORDER BY duration LIMIT 1 OFFSET (SELECT (95 * count(*) + 99) / 100 - 1 FROM results"
             " WHERE started >= %lld AND started < %lld AND verdict <= 1)",
             (long long)hour, (long long)(hour + HOUR), (long long)hour, (long long)(hour + HOUR));
    long p95 = t_sql_long(db, sql);
    ck_assert(p95 > 0);
    free(t_write(dir, "1keep.ini", "[core]\nkeep_raw = 2d\nkeep_rollups = 400d\n"));
    pid_t pid = t_sitewatch_bg(dir, errlog, "run", NULL);
    /* the first pass starts 2 s in; 5,760 rows in steps of 5,000 */
    for (int i = 0;
         i < 100 &&
         t_sql_long(
             db, "SELECT count(*) FROM results WHERE started < strftime('%s','now','-2 days') * 1000000") > 0;
         i++)
        t_msleep(100);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 20), 0);
    ck_assert_int_eq(
        t_sql_long(db,
                   "SELECT count(*) FROM results WHERE started < strftime('%s','now','-2 days') * 1000000"),
        0);
    ck_assert(t_sql_long(db, "SELECT count(*) FROM results") >= 2 * 144 - 1);
    /* 10-minute slots went with the raw rows; hours and days stay. */
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM rollups WHERE span = 600000000 AND start + span <= "
                                    "strftime('%s','now','-2 days') * 1000000"),
                     0);
    ck_assert_int_eq(t_sql_long(db,
                                "SELECT sum(n_ok + n_warn + n_fail + n_unknown) FROM rollups WHERE span = "
                                "86400000000"),
                     n);
    snprintf(sql, sizeof sql, "SELECT lat_p95 FROM rollups WHERE span = 3600000000 AND start = %lld",
             (long long)hour);
    ck_assert_int_eq(t_sql_long(db, sql), p95);
    ck_assert_int_eq(t_sql_long(db,
                                "SELECT count(*) FROM rollups WHERE span >= 3600000000 AND lat_p95 IS NULL"
                                " AND start + span <= strftime('%s','now','-1 days') * 1000000"),
                     0);
    /* The same uptime, now from rollups (the window's old edge is empty). */
    RUN(0, want, NULL, "uptime", "--since", "60d");
    /* A window that starts where only hourly rollups are left starts at the
     * next whole hour: the results before it in that hour are gone. */
    struct timeval tv;
    gettimeofday(&tv, NULL);
    int64_t from = ((int64_t)tv.tv_sec * 1000000 - 7 * DAY + HOUR - 1) / HOUR * HOUR;
    expect_uptime(from, 10, n, want7, sizeof want7);
    RUN(0, want7, NULL, "uptime", "main", "--since", "7d");
    /* The rollups' p95 reaches the readers: the largest hourly one of the day. */
    struct t_out o = t_sitewatch(dir, "uptime", "main", "--since", "1d", "--format", "json", NULL);
    long max95 = t_sql_long(db, "SELECT max(lat_p95) FROM rollups WHERE span = 3600000000 AND start >= "
                                "(strftime('%s','now') - 86400) * 1000000");
    char p95json[64];
    snprintf(p95json, sizeof p95json, "\"p95_ms_max\":%g}", (double)max95 / 1e3);
    T_HAS(o.out, p95json);
    t_out_free(&o);
}
END_TEST

/* Results inside a maintenance window are stored, marked, and left out
 * of uptime: counted apart, so the counts still add up. */
START_TEST(maintenance_left_out_of_uptime)
{
    time_t now = time(NULL) - 60;
    struct tm tm;
    gmtime_r(&now, &tm);
    char start[32];
    strftime(start, sizeof start, "%Y-%m-%d %H:%M", &tm);
    free(t_write(dir, "window.ini", "[maintenance upgrade]\nsites = main\nstart = %s\nduration = 1h\n",
                 start));
    for (int i = 0; i < 2; i++) {
        struct t_out o = t_sitewatch(dir, "check", NULL);
        t_out_free(&o);
    }
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results_v WHERE site = 'main' AND info LIKE "
                                    "'%\"maintenance\":\"upgrade\"%'"),
                     2);
    struct t_out o = t_sitewatch(dir, "uptime", "--format", "json", NULL);
    ck_assert_msg(o.status == 0, "%s", o.err);
    char *l = t_json_line(o.out, "main");
    ck_assert_msg(l && strstr(l, "\"percent\":null") && strstr(l, "\"fail\":0,") &&
                      strstr(l, "\"maintenance\":2,"),
                  "%s", o.out);
    free(l);
    l = t_json_line(o.out, "other");
    ck_assert_msg(l && strstr(l, "\"fail\":2,") && strstr(l, "\"maintenance\":0,"), "%s", o.out);
    free(l);
    t_out_free(&o);
    o = t_sitewatch(dir, "uptime", "main", NULL);
    T_HAS(o.out, "   + 2 in maintenance\n");
    t_out_free(&o);
    /* The status site gives them a colour of their own, status.json says so. */
    free(t_write(dir, "out.ini", "[output html]\ndir = %s/public\n", dir));
    o = t_sitewatch(dir, "render", NULL);
    ck_assert_msg(o.status == 0, "%s", o.err);
    t_out_free(&o);
    char *index = conf_file("public/index.html");
    ck_assert_ptr_nonnull(index);
    /* Both of main's results, the older one too. */
    const char *m1 = strstr(index, "<span class=\"mark v-fail maint\" title=\"");
    ck_assert_msg(m1 && strstr(m1 + 1, "<span class=\"mark v-fail maint\" title=\""), "%s", index);
    T_HAS(index, " \xc2\xb7 FAIL (maintenance) \xc2\xb7 ");
    T_HAS(index, "<span class=\"mark v-fail\" title=\""); /* other, not in the window */
    free(index);
    char *json = conf_file("public/status.json");
    T_HAS(json, "\"verdict\":\"FAIL\",\"maintenance\":true,");
    T_HAS(json, "\"verdict\":\"FAIL\",\"maintenance\":false,");
    free(json);
}
END_TEST

/* The daemon sees add, set-interval and remove by itself. */
START_TEST(daemon_picks_up_changes)
{
    struct t_nginx ngx;
    ck_assert_int_eq(t_nginx_start(&ngx), 0);
    free(t_write(dir, "sites.ini",
                 "[site main]\nurl = http://127.0.0.1:%d/ok\nchecks = http\ninterval = 1s\n", ngx.port));
    pid_t pid = t_sitewatch_bg(dir, errlog, "run", NULL);
    t_msleep(800);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ok?new", ngx.port);
    RUN(0, "added site fresh", NULL, "add", "fresh", url, "--interval", "1s");
    long got = 0;
    for (int i = 0; i < 60 && got < 2; i++) {
        t_msleep(100);
        got = t_sql_long(db, "SELECT count(*) FROM results_v WHERE site = 'fresh' AND verdict = 'OK'");
    }
    ck_assert_msg(got >= 2, "the new site has %ld results", got);
    RUN(0, NULL, NULL, "set-interval", "fresh", "2s");
    RUN(0, NULL, NULL, "remove", "main");
    t_msleep(1500);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 20), 0);
    t_nginx_stop(&ngx);
    char *log = t_read(errlog);
    T_HAS(log, "the config folder changed: reloading");
    T_HAS(log, "added site fresh (http, every 1 s) from");
    T_HAS(log, "site fresh: interval 1 s -> 2 s");
    T_HAS(log, "removed site main");
    free(log);
}
END_TEST

START_TEST(one_daemon_per_database_and_pid_file)
{
    char pidfile[2048], second[2048];
    snprintf(pidfile, sizeof pidfile, "%s/sw.pid", dir);
    snprintf(second, sizeof second, "%s.2", errlog);
    pid_t pid = t_sitewatch_bg(dir, errlog, "run", "--pid-file", pidfile, NULL);
    char *text = NULL;
    for (int i = 0; i < 50 && !(text && *text); i++) {
        free(text);
        t_msleep(100);
        text = t_read(pidfile);
    }
    char want[64];
    snprintf(want, sizeof want, "%d\n", (int)pid);
    ck_assert_str_eq(text, want);
    free(text);
    /* the same pid file */
    pid_t p2 = t_sitewatch_bg(dir, second, "run", "--pid-file", pidfile, NULL);
    ck_assert_int_eq(t_wait(p2, 20), 1);
    char *log = t_read(second);
    snprintf(want, sizeof want, "another sitewatch (pid %d) is running with the pid file", (int)pid);
    T_HAS(log, want);
    free(log);
    /* another pid file, the same database */
    p2 = t_sitewatch_bg(dir, second, "run", NULL);
    ck_assert_int_eq(t_wait(p2, 20), 1);
    log = t_read(second);
    snprintf(want, sizeof want, "is being written by another sitewatch daemon (pid %d", (int)pid);
    T_HAS(log, want);
    T_HAS(log, "not starting");
    free(log);
    unlink(second);
    /* one-shot commands still work beside the daemon */
    RUN(2, NULL, NULL, "check", "main");
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 20), 0);
    ck_assert_int_eq(access(pidfile, F_OK), -1);
}
END_TEST

/* Under systemd stderr is the journal: priorities instead of timestamps. */
START_TEST(journal_lines)
{
    free(t_write(dir, "sites.ini", "[site main]\nurl = http://127.0.0.1:1/\nchecks = http\ninterval = 1s\n"));
    FILE *f = fopen(errlog, "w");
    fclose(f);
    struct stat st;
    ck_assert_int_eq(stat(errlog, &st), 0);
    char js[64];
    snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", js, 1);
    pid_t pid = t_sitewatch_bg(dir, errlog, "run", NULL);
    unsetenv("JOURNAL_STREAM");
    t_msleep(1500);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 20), 0);
    char *log = t_read(errlog);
    T_HAS(log, "<6>running: 1 site(s)");
    T_HAS(log, "<6>SIGTERM: stopping");
    ck_assert_ptr_null(strstr(log, "Z info:"));
    free(log);
}
END_TEST

/* The shipped unit is valid for systemd (when this machine has it). */
START_TEST(systemd_unit)
{
    if (access("/usr/bin/systemd-analyze", X_OK) != 0) {
        fprintf(stderr, "systemd_unit: skipped: no systemd-analyze on this machine\n");
        return;
    }
    char src[2048], *unit = NULL;
    snprintf(src, sizeof src, "%s/dist/sitewatch.service", t_source_root());
    char *text = t_read(src);
    T_HAS(text, "DynamicUser=yes");
    T_HAS(text, "ProtectSystem=strict");
    T_HAS(text, "StateDirectory=sitewatch");
    T_HAS(text, "NoNewPrivileges=yes");
    /* verify wants the binary where ExecStart says: point it at the build */
    char *at = strstr(text, "/usr/local/bin/sitewatch -c");
    ck_assert_ptr_nonnull(at);
    unit = t_write(dir, "sitewatch.service", "%.*s%s%s", (int)(at - text), text, t_bin(),
                   at + strlen("/usr/local/bin/sitewatch"));
    /* verify also looks up the man pages in Documentation=: the built ones */
    char *man = sw_xasprintf("%s/man", dir);
    for (int s = 1; s <= 5; s += 4) {
        char *sec = sw_xasprintf("%s/man%d", man, s);
        ck_assert_int_eq(mkdir(man, 0755) == 0 || access(man, F_OK) == 0, 1);
        ck_assert_int_eq(mkdir(sec, 0755), 0);
        char *page = sw_xasprintf("%s/docs/sitewatch%s.%d", t_build_root(), s == 5 ? ".conf" : "", s);
        char *to = sw_xasprintf("%s/sitewatch%s.%d", sec, s == 5 ? ".conf" : "", s);
        ck_assert_int_eq(symlink(page, to), 0);
        free(page);
        free(to);
        free(sec);
    }
    setenv("MANPATH", man, 1);
    free(man);
    char *argv[] = {"systemd-analyze", "verify", unit, NULL};
    struct t_out o = t_run(argv, 60);
    ck_assert_msg(o.status == 0, "%s%s", o.out, o.err);
    t_out_free(&o);
    free(text);
    free(unit);
}
END_TEST

/* Issue 15, item 13: a storage that is configured but cannot be opened is
 * not "no storage that can delete results": purge, remove --purge and
 * status name it and fail (a folder, then a file that is not a database,
 * where the SQLite file should be). */
START_TEST(purge_storage_that_cannot_open)
{
    for (int round = 0; round < 2; round++) {
        if (round == 0) {
            ck_assert_int_eq(mkdir(db, 0700), 0);
        } else {
            ck_assert_int_eq(rmdir(db), 0);
            free(t_write(dir, "sw.db", "not a database, but long enough to be read as one's header\n"));
        }
        const char *const cmds[][4] = {{"purge", "--site", "main", NULL},
                                       {"purge", "--older-than", "1d", NULL},
                                       {"status", NULL, NULL, NULL}};
        for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
            struct t_out o = t_sitewatch(dir, cmds[i][0], cmds[i][1], cmds[i][2], cmds[i][3]);
            int want = strcmp(cmds[i][0], "status") == 0 ? 3 : 1;
            ck_assert_msg(o.status == want, "%s: exit %d, not %d\nout: %s\nerr: %s", cmds[i][0], o.status,
                          want, o.out, o.err);
            T_HAS(o.err, "sitewatch: [storage sqlite] (");
            T_HAS(o.err, "0core.ini:5) failed to open (the error above says why)");
            T_HAS(o.err, round == 0 ? "unable to open database file" : "file is not a database");
            ck_assert_msg(!strstr(o.out, "no storage") && !strstr(o.err, "no storage") &&
                              !strstr(o.err, "no [storage] section"),
                          "out: %s\nerr: %s", o.out, o.err);
            t_out_free(&o);
        }
    }
    /* remove --purge: the site goes from the file, the purge fails loudly */
    RUN(1, "removed site main from", "0core.ini:5) failed to open", "remove", "main", "--purge");
    char *t = conf_file("sites.ini");
    ck_assert_ptr_null(strstr(t, "[site main]"));
    free(t);
}
END_TEST

/* Issue 15, item 10: `remove --purge` beside a running daemon leaves no
 * result behind.  The daemon runs the site until its reload (300 ms after
 * the change) and its run in flight still ends; the purge's record in the
 * file makes the writer drop those.  Five tries at a 1 s site; each waits
 * past the reload and the next run, then counts rows and rollups. */
START_TEST(remove_purge_beside_daemon_keeps_nothing)
{
    free(t_write(dir, "sites.ini", "[site keep]\nurl = http://127.0.0.1:1/\nchecks = http\ninterval = 1s\n"));
    pid_t pid = t_sitewatch_bg(dir, errlog, "run", NULL);
    const char *rows = "SELECT count(*) FROM results_v WHERE site = 'gone'";
    const char *rollups =
        "SELECT count(*) FROM rollups WHERE series IN (SELECT id FROM series WHERE site = 'gone')";
    for (int attempt = 0; attempt < 5; attempt++) {
        free(t_write(dir, "gone.ini",
                     "[site gone]\nurl = http://127.0.0.1:1/g\nchecks = http\ninterval = 1s\n"));
        long got = 0;
        /* the last purge holds for 5 s: runs that start in it are not stored */
        for (int i = 0; i < 150 && got < 1; i++) {
            t_msleep(100);
            got = t_sql_long(db, rows);
        }
        ck_assert_msg(got >= 1, "try %d: the site has no result to purge", attempt);
        /* A result was just written: purge at a different point of the
         * site's second each time, so that some try has its next run start
         * between the purge and the reload, or its result still queued. */
        t_msleep(100 + 200 * attempt);
        RUN(0, "sqlite: deleted", NULL, "remove", "gone", "--purge");
        t_msleep(2500);
        long left = t_sql_long(db, rows), left_rollups = t_sql_long(db, rollups);
        ck_assert_msg(left == 0 && left_rollups == 0,
                      "try %d: %ld result(s) and %ld rollup(s) of the purged site", attempt, left,
                      left_rollups);
    }
    long kept = t_sql_long(db, "SELECT count(*) FROM results_v WHERE site = 'keep'");
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 20), 0);
    ck_assert_msg(kept >= 10, "the other site has only %ld results", kept);
}
END_TEST

/* Results of `history NAME --format json`: one object each. */
static int history_count(const char *name)
{
    struct t_out o = t_sitewatch(dir, "history", name, "--format", "json", NULL);
    ck_assert_msg(o.status == 0, "history %s: exit %d\n%s", name, o.status, o.err);
    int n = 0;
    for (const char *p = o.out; (p = strstr(p, "\"verdict\"")); p++)
        n++;
    t_out_free(&o);
    return n;
}

/* Two [storage] of one plugin (plugin = sqlite) side by side: each takes
 * every result; reads go to the one read_from names, chosen at open. */
static void two_databases(const char *read_from, int both)
{
    free(t_write(dir, "0core.ini",
                 "[core]\nplugin_dir = %s\nmin_interval = 1s\nread_from = %s\n"
                 "[storage two]\nplugin = sqlite\npath = %s/two.db\n%s%s%s",
                 t_plugin_dir(), read_from, dir, both ? "[storage one]\nplugin = sqlite\npath = " : "",
                 both ? dir : "", both ? "/one.db\n" : ""));
}

START_TEST(two_sqlite_instances_and_read_from)
{
    char one[2048], two[2048];
    snprintf(one, sizeof one, "%s/one.db", dir);
    snprintf(two, sizeof two, "%s/two.db", dir);
    two_databases("two", 0);
    RUN(2, "main", NULL, "check");
    two_databases("two", 1);
    RUN(2, "main", NULL, "check");
    RUN(2, "main", NULL, "check");
    ck_assert_int_eq(t_sql_long(two, "SELECT count(*) FROM results"), 6);
    ck_assert_int_eq(t_sql_long(one, "SELECT count(*) FROM results"), 4);
    ck_assert_int_eq(history_count("main"), 3);
    two_databases("one", 1);
    ck_assert_int_eq(history_count("main"), 2);
    RUN(2, "main ", NULL, "status");
    /* The first that can read, without read_from: [storage two], first in the file. */
    free(t_write(dir, "0core.ini",
                 "[core]\nplugin_dir = %s\nmin_interval = 1s\n[storage two]\nplugin = sqlite\npath = "
                 "%s\n[storage one]\nplugin = sqlite\npath = %s\n",
                 t_plugin_dir(), two, one));
    ck_assert_int_eq(history_count("main"), 3);
    /* purge says which instance deleted what. */
    RUN(0, "two: deleted 3 result(s) of other\none: deleted 2 result(s) of other", NULL, "purge", "--site",
        "other");
    /* read_from's storage does not open: nothing is read, rather than the other database. */
    two_databases("one", 1);
    ck_assert_int_eq(unlink(one), 0);
    ck_assert_int_eq(mkdir(one, 0755), 0);
    RUN(3, NULL, "[storage one] (", "status");
}
END_TEST

/* A site's store = names instances, not plugins: each result goes to the
 * [storage NAME]s its site lists. */
START_TEST(store_names_instances)
{
    char one[2048], two[2048];
    snprintf(one, sizeof one, "%s/one.db", dir);
    snprintf(two, sizeof two, "%s/two.db", dir);
    free(t_write(dir, "0core.ini",
                 "[core]\nplugin_dir = %s\nmin_interval = 1s\n[storage one]\nplugin = sqlite\npath = %s\n"
                 "[storage two]\nplugin = sqlite\npath = %s\n",
                 t_plugin_dir(), one, two));
    free(t_write(dir, "sites.ini",
                 "[site main]\nurl = http://127.0.0.1:1/\nchecks = http\nstore = two\n"
                 "[site other]\nurl = http://127.0.0.1:1/o\nchecks = http\n"));
    RUN(2, "main", NULL, "check");
    ck_assert_int_eq(t_sql_long(two, "SELECT count(*) FROM results_v WHERE site = 'main'"), 1);
    ck_assert_int_eq(t_sql_long(one, "SELECT count(*) FROM results_v WHERE site = 'main'"), 0);
    ck_assert_int_eq(t_sql_long(one, "SELECT count(*) FROM results_v WHERE site = 'other'"), 1);
    ck_assert_int_eq(t_sql_long(two, "SELECT count(*) FROM results_v WHERE site = 'other'"), 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("manage");
    TCase *tc = tcase_create("manage");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, add_writes_a_file);
    tcase_add_test(tc, maintenance_left_out_of_uptime);
    tcase_add_test(tc, add_refusals);
    tcase_add_test(tc, set_interval_keeps_the_file);
    tcase_add_test(tc, edits_read_the_file_as_the_reader_does);
    tcase_add_test(tc, pid_file_symlink_refused);
    tcase_add_test(tc, json_output_always_whole);
    tcase_add_test(tc, remove_section_and_file);
    tcase_add_test(tc, purge_and_history);
    tcase_add_test(tc, retention_rolls_up_then_deletes);
    tcase_add_test(tc, daemon_picks_up_changes);
    tcase_add_test(tc, one_daemon_per_database_and_pid_file);
    tcase_add_test(tc, journal_lines);
    tcase_add_test(tc, systemd_unit);
    tcase_add_test(tc, purge_storage_that_cannot_open);
    tcase_add_test(tc, remove_purge_beside_daemon_keeps_nothing);
    tcase_add_test(tc, two_sqlite_instances_and_read_from);
    tcase_add_test(tc, store_names_instances);
    suite_add_tcase(s, tc);
    return t_run_suite(s, 0);
}
