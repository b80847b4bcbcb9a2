/* SPDX-License-Identifier: MIT
 * The daemon for real: `sitewatch run` on 1 s intervals against nginx and
 * the blocking test plugin, stopped with SIGTERM, reloaded with SIGHUP. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <fcntl.h>

#include "app.h"
#include "config.h"
#include "engine.h"
#include "host.h"
#include "result.h"
#include "schedule.h"
#include "sink.h"
#include "store.h"
#include "storeq.h"
#include "support.h"

static struct t_nginx ngx;
static char *conf, *plugins, *db, *errlog;

/* A plugin folder with the built plugins and the test plugin. */
static void link_plugins(void)
{
    plugins = t_tmpdir();
    const char *names[] = {"http.so", "sqlite.so"};
    char from[1024], to[1024];
    for (int i = 0; i < 2; i++) {
        snprintf(from, sizeof from, "%s/%s", t_plugin_dir(), names[i]);
        snprintf(to, sizeof to, "%s/%s", plugins, names[i]);
        ck_assert_int_eq(symlink(from, to), 0);
    }
    snprintf(from, sizeof from, "%s/constcheck.so", getenv("SW_TEST_PLUGINS"));
    snprintf(to, sizeof to, "%s/constcheck.so", plugins);
    ck_assert_int_eq(symlink(from, to), 0);
}

static void setup(void)
{
    ck_assert_int_eq(t_nginx_start(&ngx), 0);
    link_plugins();
    conf = t_tmpdir();
    db = malloc(strlen(conf) + 16);
    sprintf(db, "%s/sw.db", conf);
    errlog = malloc(strlen(conf) + 16);
    sprintf(errlog, "%s/../swlog.%d", conf, getpid());
    free(t_write(conf, "0core.ini",
                 "[core]\nplugin_dir = %s\nmin_interval = 1s\nlocation = lab\n[storage sqlite]\npath = %s\n",
                 plugins, db));
}

static void teardown(void)
{
    t_nginx_stop(&ngx);
    if (getenv("SW_KEEP_TMP") == NULL)
        unlink(errlog);
    t_rmtree(conf);
    t_rmtree(plugins);
    free(conf);
    free(plugins);
    free(db);
    free(errlog);
}

static int64_t wall_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Wait up to SECONDS for TEXT in the daemon's log (a reload is read off
 * the loop now: under valgrind it takes a while); then LOG_HAS it. */
static void log_wait(const char *text, int seconds)
{
    for (int i = 0; i < seconds * 10; i++) {
        char *log = t_read(errlog);
        int found = log && strstr(log, text);
        free(log);
        if (found)
            return;
        t_msleep(100);
    }
}

#define LOG_HAS(text)                                                                                        \
    do {                                                                                                     \
        char *log_ = t_read(errlog);                                                                         \
        ck_assert_msg(strstr(log_, text) != NULL, "'%s' not in the log:\n%s", text, log_);                   \
        free(log_);                                                                                          \
    } while (0)

START_TEST(sigterm_stores_everything)
{
    free(t_write(conf, "sites.ini",
                 "[site web]\nurl = http://127.0.0.1:%d/ok\nchecks = http\ninterval = 1s\n"
                 "[site const]\nurl = http://unused.invalid/\nchecks = constcheck\ninterval = 1s\n"
                 "constcheck.verdict = WARN\nconstcheck.reason = always warns\n",
                 ngx.port));
    pid_t pid = t_sitewatch_bg(conf, errlog, "run", NULL);
    t_msleep(4200);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 15), 0);
    LOG_HAS("SIGTERM: stopping");

    long web = t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='web'");
    long cst = t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='const'");
    ck_assert_msg(web >= 4 && web <= 5, "web has %ld results", web);
    ck_assert_msg(cst >= 4 && cst <= 5, "const has %ld results", cst);
    /* Every check nginx answered is stored, and nothing else. */
    ck_assert_int_eq(web, t_nginx_hits(&ngx, "GET /ok"));
    char want[96];
    snprintf(want, sizeof want, "stopped: %ld result(s) stored, 0 dropped", web + cst);
    LOG_HAS(want);
    ck_assert_int_eq(
        t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='const' AND verdict='WARN' "
                       "AND reason='always warns' AND json_extract(metrics,'$.\"const.answer\"')=42"),
        cst);
    /* The schedule does not drift: 1 s apart, whatever each run took. */
    ck_assert_int_eq(
        t_sql_long(db, "SELECT count(*) FROM (SELECT scheduled - lag(scheduled) OVER (ORDER BY scheduled)"
                       " AS gap FROM results_v WHERE site='web') WHERE gap NOT BETWEEN 998000 AND 1002000"),
        0);
    /* Every result says how late it started; none was late here. */
    ck_assert_int_eq(
        t_sql_long(db, "SELECT count(*) FROM results WHERE json_extract(metrics,'$.\"sched.lag\"') IS NULL"),
        0);
    ck_assert_int_eq(
        t_sql_long(db, "SELECT count(*) FROM results WHERE json_extract(metrics,'$.\"sched.lag\"') > 0.2"),
        0);
    /* since: the const site has been WARN since its first run. */
    ck_assert_int_eq(t_sql_long(db, "SELECT count(DISTINCT since) FROM results_v WHERE site='const'"), 1);
}
END_TEST

/* The first verdict of a series with no history is logged, as a change
 * from nothing: `run` on a config whose every site fails said "running"
 * and then nothing.  A series seeded from storage has a verdict already:
 * the next start logs only a change, in the "OLD -> NEW" form. */
START_TEST(first_verdict_is_logged)
{
    int wait = getenv("SW_VALGRIND") ? 6000 : 2500;
    free(t_write(conf, "sites.ini",
                 "[site const]\nurl = http://unused.invalid/\nchecks = constcheck\ninterval = 1s\n"
                 "constcheck.verdict = FAIL\nconstcheck.reason = DNS: Could not resolve host\n"));
    pid_t pid = t_sitewatch_bg(conf, errlog, "run", NULL);
    t_msleep(wait);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 15), 0);
    LOG_HAS("const constcheck: FAIL: DNS: Could not resolve host\n");
    char *log = t_read(errlog);
    const char *first = strstr(log, "const constcheck: FAIL");
    ck_assert_msg(first && !strstr(first + 1, "const constcheck: FAIL"), "logged more than once:\n%s", log);
    ck_assert_msg(!strstr(log, " -> "), "a first verdict is no change:\n%s", log);
    free(log);

    /* Seeded from storage: FAIL is the verdict the next result replaces. */
    free(t_write(conf, "sites.ini",
                 "[site const]\nurl = http://unused.invalid/\nchecks = constcheck\ninterval = 1s\n"
                 "constcheck.reason = back\n"));
    unlink(errlog); /* or the start is seen in the first run's log */
    pid = t_sitewatch_bg(conf, errlog, "run", NULL);
    t_msleep(wait);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 15), 0);
    LOG_HAS("const constcheck FAIL -> OK: back\n");
    log = t_read(errlog);
    ck_assert_msg(!strstr(log, "const constcheck: OK"), "a seeded series logged a first verdict:\n%s", log);
    free(log);
}
END_TEST

/* The storage router routes by series: a site's store = names the
 * [storage NAME]s its results go to (two instances of one plugin here),
 * a site without store = goes to all; `check` prints in configuration
 * order whatever order the runs finished in, and logs no first verdicts
 * (only the daemon does). */
START_TEST(storage_routes_by_series)
{
    free(t_write(conf, "1more.ini", "[storage other]\nplugin = sqlite\npath = %s/other.db\n", conf));
    free(t_write(conf, "sites.ini",
                 "[site slow]\nurl = http://unused.invalid/\nchecks = constcheck\n"
                 "constcheck.sleep = 300ms\nstore = other\n"
                 "[site both]\nurl = http://unused.invalid/\nchecks = constcheck\n"
                 "[site main]\nurl = http://unused.invalid/\nchecks = constcheck\nstore = sqlite\n"));
    struct t_out o = t_sitewatch(conf, "check", NULL);
    ck_assert_msg(o.status == 0, "%d: %s%s", o.status, o.out, o.err);
    const char *a = strstr(o.out, "slow"), *b = strstr(o.out, "both"), *c = strstr(o.out, "main");
    ck_assert_msg(a && b && c && a < b && b < c, "not in configuration order:\n%s", o.out);
    /* check prints every verdict: its log says no first verdicts. */
    ck_assert_msg(!strstr(o.err, "constcheck: OK"), "%s", o.err);
    t_out_free(&o);
    char other[1024];
    snprintf(other, sizeof other, "%s/other.db", conf);
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='slow'"), 0);
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='both'"), 1);
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='main'"), 1);
    ck_assert_int_eq(t_sql_long(other, "SELECT count(*) FROM results_v WHERE site='slow'"), 1);
    ck_assert_int_eq(t_sql_long(other, "SELECT count(*) FROM results_v WHERE site='both'"), 1);
    ck_assert_int_eq(t_sql_long(other, "SELECT count(*) FROM results_v WHERE site='main'"), 0);
}
END_TEST

START_TEST(sighup_reload)
{
    free(t_write(conf, "sites.ini",
                 "[site web]\nurl = http://127.0.0.1:%d/ok\nchecks = http\ninterval = 1s\n", ngx.port));
    pid_t pid = t_sitewatch_bg(conf, errlog, "run", NULL);
    t_msleep(1500);
    /* A broken file: refused with its errors, the old config keeps running. */
    free(t_write(conf, "zbroken.ini", "; oops\n[site bad]\nurl = http://127.0.0.1:%d/ok\nchecks = nope\n",
                 ngx.port));
    kill(pid, SIGHUP);
    log_wait("reload refused: 1 error(s)", 15);
    int64_t after_bad = wall_us();
    LOG_HAS("reload refused: 1 error(s)");
    LOG_HAS("zbroken.ini:4: in [site bad], unknown check plugin 'nope'");
    t_msleep(2000);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM results_v WHERE site='web' AND started > %lld",
             (long long)after_bad);
    ck_assert_int_ge(t_sql_long(db, sql), 1);

    /* A good change is taken: a new site appears, the old one keeps going. */
    free(t_write(conf, "zbroken.ini",
                 "[site more]\nurl = http://127.0.0.1:%d/404\nchecks = http\ninterval = 1s\n", ngx.port));
    kill(pid, SIGHUP);
    log_wait("reloaded: 2 site(s)", 20);
    t_msleep(2000); /* a run or two of the new site */
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 15), 0);
    LOG_HAS("reloaded: 2 site(s), 2 check(s), 1 kept their schedule");
    ck_assert_int_ge(t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='more' AND verdict='FAIL'"),
                     1);
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='bad'"), 0);
}
END_TEST

START_TEST(overlap_is_skipped_not_doubled)
{
    /* Each run takes 2.5 s on a 1 s interval: the pair never overlaps
     * itself; the due times in between are recorded as skipped. */
    free(t_write(
        conf, "sites.ini",
        "[site sleepy]\nurl = http://unused.invalid/\nchecks = constcheck\ninterval = 1s\ntimeout = 1s\n"
        "constcheck.sleep = 2500ms\n"));
    pid_t pid = t_sitewatch_bg(conf, errlog, "run", NULL);
    t_msleep(4000);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 15), 0);
    ck_assert_int_ge(
        t_sql_long(db, "SELECT count(*) FROM results_v WHERE reason LIKE 'skipped: the previous run%'"
                       " AND json_extract(metrics,'$.\"sched.skipped\"') = 1"),
        1);
    /* Real runs never overlap: each starts after the previous one ended. */
    ck_assert_int_eq(
        t_sql_long(db,
                   "SELECT count(*) FROM (SELECT started, lag(started + duration) OVER (ORDER BY started)"
                   " AS prev_end FROM results_v WHERE reason NOT LIKE 'skipped%') WHERE started < prev_end"),
        0);
    ck_assert_int_ge(t_sql_long(db, "SELECT count(*) FROM results_v WHERE reason NOT LIKE 'skipped%'"), 1);
}
END_TEST

START_TEST(max_in_flight_queues)
{
    free(t_write(conf, "0core.ini", "[core]\nplugin_dir = %s\nmin_interval = 1s\nmax_in_flight = 1\n",
                 plugins));
    free(
        t_write(conf, "sites.ini",
                "[site one]\nurl = http://unused.invalid/\nchecks = constcheck\nconstcheck.sleep = 300ms\n"
                "[site two]\nurl = http://unused.invalid/\nchecks = constcheck\nconstcheck.sleep = 300ms\n"));
    struct t_out o = t_sitewatch(conf, "check", "--format", "json", NULL);
    ck_assert_int_eq(o.status, 0);
    /* One of the two waited for the other: its sched.lag shows it. */
    double lags[2] = {0, 0};
    const char *p = o.out;
    for (int i = 0; i < 2; i++) {
        p = strstr(p, "\"sched.lag\":");
        ck_assert_ptr_nonnull(p);
        lags[i] = strtod(p + 12, NULL);
        p++;
    }
    double hi = lags[0] > lags[1] ? lags[0] : lags[1], lo = lags[0] + lags[1] - hi;
    ck_assert_msg(hi >= 0.28 && lo < 0.1, "lags %.3f %.3f", lags[0], lags[1]);
    t_out_free(&o);
}
END_TEST

START_TEST(sigterm_cancels_in_flight)
{
    /* /stall answers after 8 s; with a 2 s interval and timeout a run is
     * always in flight.  SIGTERM ends it at once, and it is still stored. */
    free(
        t_write(conf, "sites.ini",
                "[site stall]\nurl = http://127.0.0.1:%d/stall\nchecks = http\ninterval = 2s\ntimeout = 2s\n",
                ngx.port));
    pid_t pid = t_sitewatch_bg(conf, errlog, "run", NULL);
    /* Mid-way through the first run, well away from its timeout and the
     * next start (the phase is a fixed hash of the names). */
    t_msleep((int)(sw_sched_offset("stall", "http", 2000000) / 1000) + 1000);
    int64_t t0 = wall_us();
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 15), 0);
    ck_assert_msg(wall_us() - t0 < 1500000, "took %lld us to stop", (long long)(wall_us() - t0));
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results_v WHERE verdict='UNKNOWN' AND reason LIKE "
                                    "'cancelled after % s: sitewatch is stopping' OR reason LIKE "
                                    "'cancelled after % ms: sitewatch is stopping'"),
                     1);
}
END_TEST

START_TEST(kill_9_keeps_the_file_sound)
{
    free(t_write(conf, "sites.ini",
                 "[site web]\nurl = http://127.0.0.1:%d/ok\nchecks = http\ninterval = 1s\n"
                 "[site const]\nurl = http://unused.invalid/\nchecks = constcheck\ninterval = 1s\n",
                 ngx.port));
    pid_t pid = t_sitewatch_bg(conf, errlog, "run", NULL);
    t_msleep(2600);
    kill(pid, SIGKILL);
    ck_assert_int_eq(t_wait(pid, 15), 128 + SIGKILL);
    char *ok = t_sql(db, "PRAGMA integrity_check");
    ck_assert_str_eq(ok, "ok");
    free(ok);
    long before = t_sql_long(db, "SELECT count(*) FROM results");
    ck_assert_int_ge(before, 2);
    /* It starts again on the same file and carries on. */
    pid = t_sitewatch_bg(conf, errlog, "run", NULL);
    /* Until it has stored a new result (results reach storage within the
     * writer's second; under valgrind everything before that is slow). */
    for (int i = 0; i < 100 && t_sql_long(db, "SELECT count(*) FROM results") <= before; i++)
        t_msleep(200);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 15), 0);
    long after = t_sql_long(db, "SELECT count(*) FROM results");
    if (after <= before) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "tail -20 %s >&2", errlog);
        (void)!system(cmd);
    }
    ck_assert_int_gt(after, before);
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM (SELECT series, started FROM results GROUP BY 1, 2 "
                                    "HAVING count(*) > 1)"),
                     0);
    ok = t_sql(db, "PRAGMA integrity_check");
    ck_assert_str_eq(ok, "ok");
    free(ok);
}
END_TEST

START_TEST(reload_while_in_flight)
{
    /* /slow takes 1.2 s of every 2 s: reloads land on runs in flight,
     * whose series retire and are freed when their runs end. */
    free(t_write(conf, "sites.ini",
                 "[site slow]\nurl = http://127.0.0.1:%d/slow\nchecks = http\ninterval = 2s\ntimeout = 2s\n"
                 "http.warn_after = 3s\n",
                 ngx.port));
    pid_t pid = t_sitewatch_bg(conf, errlog, "run", NULL);
    t_msleep(1000);
    for (int i = 0; i < 6; i++) {
        kill(pid, SIGHUP);
        t_msleep(400);
    }
    t_msleep(1500);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 15), 0);
    LOG_HAS("reloaded: 1 site(s), 1 check(s), 1 kept their schedule");
    /* Runs that straddled a reload were stored like any other. */
    ck_assert_int_ge(t_sql_long(db, "SELECT count(*) FROM results_v WHERE verdict = 'OK'"), 2);
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results_v WHERE verdict NOT IN ('OK', 'UNKNOWN')"),
                     0);
    /* Every request nginx completed is one stored result (a run cancelled at
     * stop is stored too, as UNKNOWN, and nginx logs it as 499). */
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results_v WHERE reason NOT LIKE 'cancelled%'"),
                     t_nginx_hits(&ngx, "\"GET /slow HTTP/1.1\" 200"));
}
END_TEST

/* Log lines of the daemon's ERRLOG that contain TEXT. */
static int log_count(const char *text)
{
    char *log = t_read(errlog);
    int n = 0;
    for (const char *p = log; (p = strstr(p, text)); p += strlen(text))
        n++;
    free(log);
    return n;
}

START_TEST(sighup_burst_is_coalesced)
{
    free(t_write(conf, "sites.ini",
                 "[site const]\nurl = http://unused.invalid/\nchecks = constcheck\ninterval = 1s\n"));
    pid_t pid = t_sitewatch_bg(conf, errlog, "run", NULL);
    t_msleep(500);
    /* A millisecond apart, so the kernel does not merge them itself: each
     * one reaches the daemon. */
    for (int i = 0; i < 100; i++) {
        kill(pid, SIGHUP);
        t_msleep(1);
    }
    t_msleep(getenv("SW_VALGRIND") ? 4000 : 1500);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 15), 0);
    int reloads = log_count("SIGHUP: reloading"), done = log_count("reloaded: 1 site(s)");
    fprintf(stderr, "daemon: 100 SIGHUPs made %d reload(s)\n", reloads);
    /* The first at once, the rest merged into one after it. */
    ck_assert_msg(reloads >= 1 && reloads <= 3, "%d reloads", reloads);
    ck_assert_int_eq(done, reloads);
}
END_TEST

/* A file rewritten every 100 ms (a script in a loop) neither reloads the
 * daemon each time nor puts the reload off for as long as it goes on. */
START_TEST(file_events_coalesced_not_starved)
{
    free(t_write(conf, "sites.ini",
                 "[site const]\nurl = http://unused.invalid/\nchecks = constcheck\ninterval = 1s\n"));
    pid_t pid = t_sitewatch_bg(conf, errlog, "run", NULL);
    t_msleep(500);
    int during = 0;
    for (int i = 0; i < 40; i++) {
        free(t_write(conf, "extra.ini",
                     "[site extra]\nurl = http://unused.invalid/%d\nchecks = constcheck\ninterval = 1s\n",
                     i));
        t_msleep(100);
        if (i == 34)
            during = log_count("the config folder changed: reloading");
    }
    /* Every reload that began ends, taken or (a file caught half written)
     * refused; under valgrind a reload takes seconds. */
    for (int i = 0; i < 200; i++) {
        int begun = log_count("the config folder changed: reloading");
        if (log_count("reloaded: 2 site(s)") + log_count("reload refused") >= begun && i >= 10)
            break;
        t_msleep(100);
    }
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 15), 0);
    int reloads = log_count("the config folder changed: reloading");
    int taken = log_count("reloaded: 2 site(s)"), refused = log_count("reload refused");
    fprintf(stderr, "daemon: 40 rewrites in 4 s: %d reload(s), %d while they went on, %d refused\n", reloads,
            during, refused);
    ck_assert_msg(during >= 1, "no reload while the file kept changing");
    ck_assert_msg(reloads <= 4, "%d reloads", reloads);
    ck_assert_int_ge(taken, 1);
    ck_assert_int_eq(taken + refused, reloads);
}
END_TEST

/* A reload of 10,000 sites leaves the loop free: the runs due meanwhile
 * start on time (the reload read, matched and diffed them in 3 s, on the
 * loop, where a 1 s site missed runs). */
/* Under ASan reading 10,000 sites takes 30 s here (config.c grows its
 * site array one at a time, and ASan's realloc always moves it), so an
 * ASan build reloads fewer, as valgrind does. */
#if defined(__SANITIZE_ADDRESS__)
#define T_ASAN 1
#else
#define T_ASAN 0
#endif

START_TEST(big_reload_keeps_the_schedule)
{
    int slow = getenv("SW_VALGRIND") != NULL || T_ASAN, n = getenv("SW_VALGRIND") ? 500
                                                            : T_ASAN              ? 1000
                                                                                  : 10000;
    char path[1100];
    snprintf(path, sizeof path, "%s/sites.ini", conf);
    FILE *f = fopen(path, "w");
    for (int i = 0; i < n; i++)
        fprintf(f, "[site s%d]\nurl = http://unused.invalid/%d\nchecks = constcheck\ninterval = 60s\n", i, i);
    fprintf(f, "[site probe]\nurl = http://unused.invalid/\nchecks = constcheck\ninterval = 1s\n");
    fclose(f);
    pid_t pid = t_sitewatch_bg(conf, errlog, "run", NULL);
    t_msleep(2000);
    int64_t from = wall_us();
    for (int i = 0; i < 2; i++) {
        kill(pid, SIGHUP);
        t_msleep(2000);
    }
    int64_t to = wall_us();
    t_msleep(500);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 30), 0);
    ck_assert_int_eq(log_count("reloaded: "), 2);
    ck_assert_int_eq(log_count("missed: the loop was stalled"), 0);
    /* At 10,000 sites a minute every 100 ms tick has runs due: the worst
     * lag of those due during the reloads is the longest stall. */
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM results_v WHERE scheduled BETWEEN %lld AND %lld AND "
             "json_extract(metrics,'$.\"sched.lag\"') > %s",
             (long long)from, (long long)to, slow ? "1.0" : "0.2");
    long late = t_sql_long(db, sql);
    snprintf(
        sql, sizeof sql,
        "SELECT max(json_extract(metrics,'$.\"sched.lag\"')) FROM results_v WHERE scheduled BETWEEN %lld "
        "AND %lld",
        (long long)from, (long long)to);
    char *worst = t_sql(db, sql);
    fprintf(stderr, "daemon: reload of %d sites: worst sched.lag %s s\n", n, worst);
    free(worst);
    ck_assert_int_eq(late, 0);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM results_v WHERE site='probe' AND scheduled BETWEEN %lld AND %lld",
             (long long)from, (long long)to);
    ck_assert_int_ge(t_sql_long(db, sql), 3);
}
END_TEST

/* ---- the engine in this process, with series no config would make ---- */

static char *ip_dir, *ip_log;
static int ip_results;

static void ip_setup(void)
{
    link_plugins();
    conf = t_tmpdir();
    ip_dir = conf;
    free(t_write(conf, "0core.ini", "[core]\nplugin_dir = %s\nmin_interval = 1s\n", plugins));
    free(t_write(conf, "sites.ini",
                 "[site dup]\nurl = http://unused.invalid/\nchecks = constcheck\ninterval = 1s\n"));
    ip_log = t_write(conf, "ip.log", "%s", "");
    ip_results = 0;
}

static void ip_teardown(void)
{
    t_rmtree(ip_dir);
    t_rmtree(plugins);
    unlink(ip_log);
    free(ip_log);
    free(ip_dir);
    free(plugins);
}

static void ip_count(const struct sw_result_event *ev, void *ud)
{
    (void)ev;
    (void)ud;
    ip_results++;
}

/* ip_dir's configuration of one series, loaded and bound on a new LOOP
 * that the host uses. */
static struct sw_conf *ip_load_one(uv_loop_t *loop, struct sw_series ***series)
{
    uv_loop_init(loop);
    sw_host_set_loop(loop);
    struct sw_conf *c = sw_conf_load(ip_dir);
    ck_assert_int_eq(c->nerrors, 0);
    int n;
    *series = sw_series_bind(c, &n);
    ck_assert_int_eq(n, 1);
    return c;
}

/* Run E's daemon on LOOP with CB called every EVERY ms (first after FIRST,
 * its data a step counter from 0), then free E and close LOOP. */
static void ip_run(uv_loop_t *loop, struct sw_engine *e, uv_timer_cb cb, uint64_t first, uint64_t every)
{
    uv_timer_t t;
    int step = 0;
    uv_timer_init(loop, &t);
    t.data = &step;
    uv_timer_start(&t, cb, first, every);
    sw_engine_run_daemon(e, ip_dir);
    uv_close((uv_handle_t *)&t, NULL);
    sw_engine_free(e);
    sw_host_release_loop();
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
}

static void ip_signal_cb(uv_timer_t *t)
{
    int *step = t->data;
    /* Three reloads, then stop. */
    raise(++*step < 4 ? SIGHUP : SIGTERM);
}

/* Two series of one site and check (what `checks = constcheck, constcheck`
 * made before the config refused it): a reload pairs the new series with one
 * of them, not both, so the heap never holds it twice and no freed series is
 * run after the next reload. */
START_TEST(reload_pairs_one_to_one)
{
    int fd = open(ip_log, O_WRONLY | O_APPEND);
    ck_assert_int_ge(fd, 0);
    dup2(fd, 2);
    close(fd);
    uv_loop_t loop;
    uv_loop_init(&loop);
    sw_host_set_loop(&loop);
    struct sw_conf *c = sw_conf_load(ip_dir);
    ck_assert_int_eq(c->nerrors, 0);
    int n1, n2;
    struct sw_series **a = sw_series_bind(c, &n1), **b = sw_series_bind(c, &n2);
    ck_assert_int_eq(n1 + n2, 2);
    struct sw_series **series = calloc(3, sizeof *series);
    series[0] = a[0];
    series[1] = b[0];
    free(a);
    free(b);
    struct sw_engine *e = sw_engine_new(&loop, c, series, NULL);
    sw_sink_register(e, "count", ip_count, NULL, NULL);
    ip_run(&loop, e, ip_signal_cb, 700, 700);
    char *log = t_read(ip_log);
    ck_assert_msg(strstr(log, "2 kept") == NULL, "%s", log);
    int reloads = 0;
    for (const char *p = log; (p = strstr(p, "reloaded: 1 site(s), 1 check(s), 1 kept their schedule")); p++)
        reloads++;
    ck_assert_msg(reloads == 3, "%d reloads:\n%s", reloads, log);
    ck_assert_msg(ip_results >= 2, "%d results:\n%s", ip_results, log);
    free(log);
}
END_TEST

/* An extra sink, registered from outside the engine, sees every result
 * with the verdict it replaces: none before the first, then each one's
 * predecessor, also across a reload that changes the verdict. */
struct seen {
    int n, prev[64], verdict[64], index[64];
    int recent_ok; /* the recent cache (an earlier sink) had each result first */
};

static void ip_seen(const struct sw_result_event *ev, void *ud)
{
    struct seen *s = ud;
    if (s->n < 64) {
        s->prev[s->n] = ev->prev_verdict;
        s->verdict[s->n] = ev->result->verdict;
        s->index[s->n] = ev->index;
        s->n++;
    }
    s->recent_ok += ev->series->recent.newest == ev->result;
}

static void ip_flip_cb(uv_timer_t *t)
{
    int *step = t->data;
    if (++*step == 1) {
        free(t_write(ip_dir, "sites.ini",
                     "[site dup]\nurl = http://unused.invalid/\nchecks = constcheck\ninterval = 1s\n"));
        raise(SIGHUP);
    } else if (*step == 4) {
        raise(SIGTERM);
    }
}

START_TEST(extra_sink_sees_every_result)
{
    int fd = open(ip_log, O_WRONLY | O_APPEND);
    ck_assert_int_ge(fd, 0);
    dup2(fd, 2);
    close(fd);
    free(t_write(ip_dir, "sites.ini",
                 "[site dup]\nurl = http://unused.invalid/\nchecks = constcheck\ninterval = 1s\n"
                 "constcheck.verdict = FAIL\n"));
    uv_loop_t loop;
    struct sw_series **series;
    struct sw_conf *c = ip_load_one(&loop, &series);
    struct sw_engine *e = sw_engine_new(&loop, c, series, NULL);
    struct seen seen = {0};
    sw_sink_register(e, "first verdicts", sw_sink_first_verdicts, NULL, NULL); /* as run does */
    sw_sink_register(e, "seen", ip_seen, NULL, &seen);
    ip_run(&loop, e, ip_flip_cb, 1500, 1000);
    char *log = t_read(ip_log);
    ck_assert_msg(seen.n >= 3, "%d results:\n%s", seen.n, log);
    ck_assert_int_eq(seen.recent_ok, seen.n);
    ck_assert_int_eq(seen.prev[0], SW_NO_VERDICT);
    ck_assert_int_eq(seen.verdict[0], SW_FAIL);
    int flips = 0;
    for (int i = 0; i < seen.n; i++) {
        ck_assert_int_eq(seen.index[i], 0);
        if (i)
            ck_assert_int_eq(seen.prev[i], seen.verdict[i - 1]);
        flips += i && seen.prev[i] == SW_FAIL && seen.verdict[i] == SW_OK;
    }
    ck_assert_msg(flips == 1, "%d changes FAIL -> OK:\n%s", flips, log);
    ck_assert_msg(strstr(log, "dup constcheck: FAIL: constant") && strstr(log, "dup constcheck FAIL -> OK"),
                  "%s", log);
    free(log);
}
END_TEST

/* Seeding takes as many results as [core] recent keeps, past the 1,024
 * it was capped at, and gives the series the verdict its next result
 * replaces. */
START_TEST(seed_takes_all_recent)
{
    free(t_write(ip_dir, "0core.ini",
                 "[core]\nplugin_dir = %s\nmin_interval = 1s\nrecent = 1500\n"
                 "[storage sqlite]\npath = %s/seed.db\n",
                 plugins, ip_dir));
    enum { N = 1600 };
    sw_result **v = calloc(N, sizeof *v);
    for (int i = 0; i < N; i++) {
        v[i] = sw_result_new("dup", "constcheck", "lab");
        v[i]->scheduled = v[i]->started = 1700000000000000 + (int64_t)i * 1000000;
        v[i]->since = v[i]->started;
        sw_result_set(v[i], i == N - 1 ? SW_WARN : SW_OK, "seeded %d", i);
    }
    t_store(ip_dir, "sqlite", v, N);
    for (int i = 0; i < N; i++)
        sw_result_unref(v[i]);
    free(v);

    uv_loop_t loop;
    struct sw_series **series;
    struct sw_conf *c = ip_load_one(&loop, &series);
    struct sw_storeq *q = sw_storeq_new(100);
    sw_storage_open(c, q);
    struct sw_engine *e = sw_engine_new(&loop, c, series, q);
    sw_engine_seed(e);
    struct sw_series *se = sw_engine_series(e)[0];
    ck_assert_int_eq(sw_recent_count(&se->recent), 1500);
    ck_assert_int_eq(se->verdict, SW_WARN);
    ck_assert_str_eq(se->recent.newest->reason, "seeded 1599");
    sw_engine_free(e);
    sw_storeq_free(q);
    sw_host_release_loop();
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
}
END_TEST

/* check's collector with two series of one site and check: each gets its
 * own result, placed by its index whatever order they came in, and a
 * retired series' result (index -1) is not one of them. */
START_TEST(collector_places_by_series_index)
{
    struct sw_site dup = {.name = "dup"}, b = {.name = "b"};
    struct sw_series series[3] = {{.site = &b, .check = "constcheck"},
                                  {.site = &dup, .check = "constcheck"},
                                  {.site = &dup, .check = "constcheck"}};
    sw_result *v[4] = {sw_result_new("dup", "constcheck", "lab"), sw_result_new("z", "constcheck", "lab"),
                       sw_result_new("b", "constcheck", "lab"), sw_result_new("dup", "constcheck", "lab")};
    int index[4] = {2, -1, 0, 1};
    struct sw_collector *c = sw_collector_new(3);
    for (int i = 0; i < 4; i++) {
        struct sw_result_event ev = {.result = v[i],
                                     .series = index[i] < 0 ? &series[0] : &series[index[i]],
                                     .index = index[i],
                                     .prev_verdict = SW_NO_VERDICT};
        sw_sink_collect(&ev, c);
    }
    ck_assert_ptr_eq(sw_collector_get(c, 0), v[2]);
    ck_assert_ptr_eq(sw_collector_get(c, 1), v[3]);
    ck_assert_ptr_eq(sw_collector_get(c, 2), v[0]);
    ck_assert_ptr_null(sw_collector_get(c, 3));
    for (int i = 0; i < 4; i++)
        sw_result_unref(v[i]);
    sw_collector_free(c); /* the last references */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("daemon");
    TCase *tc = tcase_create("run");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, sigterm_stores_everything);
    tcase_add_test(tc, first_verdict_is_logged);
    tcase_add_test(tc, storage_routes_by_series);
    tcase_add_test(tc, sighup_reload);
    tcase_add_test(tc, overlap_is_skipped_not_doubled);
    tcase_add_test(tc, max_in_flight_queues);
    tcase_add_test(tc, sigterm_cancels_in_flight);
    tcase_add_test(tc, kill_9_keeps_the_file_sound);
    tcase_add_test(tc, reload_while_in_flight);
    tcase_add_test(tc, sighup_burst_is_coalesced);
    tcase_add_test(tc, file_events_coalesced_not_starved);
    tcase_add_test(tc, big_reload_keeps_the_schedule);
    suite_add_tcase(s, tc);
    TCase *ip = tcase_create("in-process");
    tcase_add_checked_fixture(ip, ip_setup, ip_teardown);
    tcase_set_timeout(ip, 60);
    tcase_add_test(ip, reload_pairs_one_to_one);
    tcase_add_test(ip, extra_sink_sees_every_result);
    tcase_add_test(ip, seed_takes_all_recent);
    tcase_add_test(ip, collector_places_by_series_index);
    suite_add_tcase(s, ip);
    return t_run_suite(s, 0);
}
