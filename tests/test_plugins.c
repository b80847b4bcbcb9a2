/* SPDX-License-Identifier: MIT
 * Plugins that break their promises (tests/abi/misbehave.c) and plugin
 * files that must not be loaded: the core stays correct (one result per
 * run, a log line naming the plugin, the other sites on schedule) and says
 * why it refused a file. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"
#include "util.h"

static char *plugins;

static void link_plugin(const char *dir, const char *from_dir, const char *file, const char *as)
{
    char from[1024], to[1024];
    snprintf(from, sizeof from, "%s/%s", from_dir, file);
    snprintf(to, sizeof to, "%s/%s", dir, as);
    ck_assert_int_eq(symlink(from, to), 0);
}

static void setup(void)
{
    plugins = t_tmpdir();
    const char *test = getenv("SW_TEST_PLUGINS");
    link_plugin(plugins, t_plugin_dir(), "sqlite.so", "sqlite.so");
    link_plugin(plugins, t_plugin_dir(), "html.so", "html.so");
    link_plugin(plugins, test, "misbehave.so", "misbehave.so");
    link_plugin(plugins, test, "initfail.so", "initfail.so");
    link_plugin(plugins, test, "noentry.so", "noentry.so");
    link_plugin(plugins, test, "misblock.so", "misblock.so");
    free(t_write(plugins, "text.so", "this is not a shared object\n"));
    /* A real plugin, but anyone may rewrite it. */
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cp %s/misbehave.so %s/writable.so && chmod 0666 %s/writable.so", test, plugins,
             plugins);
    ck_assert_int_eq(system(cmd), 0);
}

static void teardown(void)
{
    t_rmtree(plugins);
    free(plugins);
}

/* A config folder for a daemon over the test plugins, with its database
 * and log paths in DB and ERRLOG (1100 bytes each). */
static char *daemon_dir(char *db, char *errlog)
{
    char *dir = t_tmpdir();
    snprintf(db, 1100, "%s/sw.db", dir);
    snprintf(errlog, 1100, "%s/err.log", dir);
    free(t_write(dir, "0core.ini",
                 "[core]\nplugin_dir = %s\nmin_interval = 1s\n[storage sqlite]\npath = %s\n", plugins, db));
    return dir;
}

/* The daemon on DIR, with a worker pool of POOL threads (NULL: libuv's
 * default). */
static pid_t daemon_start(const char *dir, const char *errlog, const char *pool)
{
    if (pool)
        setenv("UV_THREADPOOL_SIZE", pool, 1);
    pid_t pid = t_sitewatch_bg(dir, errlog, "run", NULL);
    if (pool)
        unsetenv("UV_THREADPOOL_SIZE");
    return pid;
}

/* SIGTERM, which must stop it within 30 s whatever its plugins do; its log. */
static char *daemon_stop(pid_t pid, const char *errlog)
{
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 30), 0);
    return t_read(errlog);
}

START_TEST(misbehaving_runs_still_give_one_result_each)
{
    char db[1100], errlog[1100];
    char *dir = daemon_dir(db, errlog);
    free(t_write(
        dir, "sites.ini",
        "[site ok]\nurl = http://unused.invalid/\nchecks = misbehave\nmisbehave.mode = ok\ninterval = 1s\n"
        "[site twice]\nurl = http://unused.invalid/\nchecks = misbehave\nmisbehave.mode = twice\n"
        "interval = 1s\n"
        "[site twice-later]\nurl = http://unused.invalid/\nchecks = misbehave\n"
        "misbehave.mode = twice-later\ninterval = 1s\n"
        "[site never]\nurl = http://unused.invalid/\nchecks = misbehave\nmisbehave.mode = never\ninterval = "
        "4s\ntimeout = 1s\n"
        "[site late]\nurl = http://unused.invalid/\nchecks = misbehave\nmisbehave.mode = late\ninterval = "
        "4s\ntimeout = 1s\n"));
    pid_t pid = daemon_start(dir, errlog, NULL);
    t_msleep(8500);
    char *log = daemon_stop(pid, errlog); /* a plugin that ignores cancel does not hold the stop */

    /* The well-behaved site kept its schedule. */
    ck_assert_int_ge(t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='ok' AND verdict='OK'"), 7);
    /* Completing twice: logged, and still one result per scheduled run. */
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) - count(DISTINCT site || scheduled) FROM results_v"), 0);
    ck_assert_int_ge(t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='twice' AND verdict='OK'"), 7);
    ck_assert_int_ge(
        t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='twice-later' AND verdict='OK'"), 7);
    T_HAS(log, "misbehave: run of twice completed twice; ignored (plugin bug)");
    T_HAS(log, "misbehave: run of twice-later completed twice; ignored (plugin bug)");
    /* Never completing: the core gives the result at timeout + grace. */
    T_HAS(log,
          "misbehave: run of never not completed even after cancel; sitewatch gives its result (plugin bug)");
    ck_assert_int_ge(t_sql_long(db,
                                "SELECT count(*) FROM results_v WHERE site='never' AND verdict='UNKNOWN' AND "
                                "reason = 'check plugin misbehave did not finish within 3.0 s; cancelled'"),
                     1);
    ck_assert_int_ge(t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='never'"), 2);
    ck_assert_int_eq(
        t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='never' AND verdict<>'UNKNOWN'"), 0);
    /* Completing after the core gave up: ignored, no second result. */
    T_HAS(log, "misbehave: run of late completed after sitewatch gave up on it; ignored (plugin bug)");
    ck_assert_int_ge(t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='late' AND verdict='UNKNOWN'"),
                     2);
    free(log);
    t_rmtree(dir);
    free(dir);
}
END_TEST

/* A blocking plugin that never returns (or returns long after its
 * timeout): the site still gets one UNKNOWN result per run at timeout +
 * 2 s, the others keep their schedule, and the daemon and `check` still
 * end (a thread in plugin code cannot be stopped: they exit without it). */
START_TEST(stuck_blocking_runs_still_give_one_result_each)
{
    char db[1100], errlog[1100];
    char *dir = daemon_dir(db, errlog);
    free(t_write(
        dir, "sites.ini",
        "[site ok]\nurl = http://unused.invalid/\nchecks = misblock\nmisblock.mode = ok\ninterval = 1s\n"
        "[site hang]\nurl = http://unused.invalid/\nchecks = misblock\nmisblock.mode = hang\n"
        "interval = 4s\ntimeout = 1s\n"
        "[site slow]\nurl = http://unused.invalid/\nchecks = misblock\nmisblock.mode = slow\n"
        "interval = 5s\ntimeout = 1s\n"));
    pid_t pid = daemon_start(dir, errlog, NULL);
    t_msleep(9000);
    char *log = daemon_stop(pid, errlog);
    T_HAS(log,
          "misblock: blocking run of hang did not return within its timeout; sitewatch gives its result");
    T_HAS(log, "misblock: the stuck run of slow returned after 4.0 s; its result was given already");
    T_HAS(log, "blocking check(s) still stuck in plugin code; exiting without waiting for them");
    free(log);
    ck_assert_int_ge(t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='ok' AND verdict='OK'"), 7);
    ck_assert_int_ge(
        t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='hang' AND reason LIKE 'check plugin "
                       "misblock did not return within 3._ s; its thread is stuck'"),
        1);
    ck_assert_int_eq(
        t_sql_long(db, "SELECT count(*) FROM results_v WHERE site IN ('hang', 'slow') AND verdict <> "
                       "'UNKNOWN'"),
        0);
    /* A series with a run stuck on a worker thread starts no other: a hung
     * plugin holds one worker, not one more each interval. */
    ck_assert_int_ge(t_sql_long(db, "SELECT count(*) FROM results_v WHERE site='hang' AND reason = 'not "
                                    "started: its last run is still stuck in check plugin misblock''s code'"),
                     1);
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) - count(DISTINCT site || scheduled) FROM results_v"), 0);

    /* `check` gives the hung site its UNKNOWN and exits. */
    struct t_out o = t_sitewatch(dir, "check", "hang", "--format", "json", NULL);
    ck_assert_int_eq(o.status, 3);
    char *l = t_site_line(&o, "hang");
    T_HAS(l, "\"verdict\":\"UNKNOWN\",\"reason\":\"check plugin misblock did not return within 3.");
    free(l);
    t_out_free(&o);
    t_rmtree(dir);
    free(dir);
}
END_TEST

/* Runs stuck in plugin code may not take the last worker thread, which
 * the status pages need: with a pool of 2, once one run is stuck no
 * blocking run starts (each gets an UNKNOWN saying why, the log says it
 * once), and the pages are still written. */
START_TEST(stuck_runs_leave_a_worker_for_the_pages)
{
    char db[1100], errlog[1100];
    char *dir = daemon_dir(db, errlog);
    free(t_write(
        dir, "sites.ini",
        "[site ok]\nurl = http://unused.invalid/\nchecks = misblock\nmisblock.mode = ok\ninterval = 1s\n"
        "[site hang]\nurl = http://unused.invalid/\nchecks = misblock\nmisblock.mode = hang\n"
        "interval = 2s\ntimeout = 1s\n"
        "[output html]\ndir = %s/public\nevery = 1s\n",
        dir));
    pid_t pid = daemon_start(dir, errlog, "2");
    char *status = sw_xasprintf("%s/public/status.json", dir);
    t_msleep(7000);
    struct stat before;
    ck_assert_int_eq(stat(status, &before), 0);
    t_msleep(3000);
    struct stat after;
    ck_assert_int_eq(stat(status, &after), 0);
    char *log = daemon_stop(pid, errlog);
    /* hang's first run starts within 2 s and is stuck 3 s later; without
     * the limits its next run would take the second worker for good. */
    ck_assert_msg(
        after.st_mtim.tv_sec > before.st_mtim.tv_sec ||
            (after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec > before.st_mtim.tv_nsec),
        "status.json not rewritten between 7 s and 10 s");
    T_HAS(log, "1 blocking run(s) are stuck in plugin code: no blocking check starts until one returns");
    free(log);
    ck_assert_int_ge(t_sql_long(db,
                                "SELECT count(*) FROM results_v WHERE site='ok' AND reason = 'not started: 1 "
                                "blocking run(s) of other sites are stuck in plugin code, holding all the "
                                "worker threads but the one kept for the status pages'"),
                     1);
    free(status);
    t_rmtree(dir);
    free(dir);
}
END_TEST

/* Two runs that start together and hang together still take the whole
 * pool (the limits above act on starts, and a hung run holds its worker
 * from its start): the daemon still stops on SIGTERM, calling off the
 * render that waits for a worker, where it used to wait for it for ever. */
START_TEST(stop_with_every_worker_stuck)
{
    char db[1100], errlog[1100];
    char *dir = daemon_dir(db, errlog);
    free(t_write(dir, "sites.ini",
                 "[site hang1]\nurl = http://unused.invalid/\nchecks = misblock\nmisblock.mode = hang\n"
                 "interval = 1s\ntimeout = 1s\n"
                 "[site hang2]\nurl = http://unused.invalid/\nchecks = misblock\nmisblock.mode = hang\n"
                 "interval = 1s\ntimeout = 1s\n"
                 "[output html]\ndir = %s/public\nevery = 1s\n",
                 dir));
    pid_t pid = daemon_start(dir, errlog, "2");
    t_msleep(6000);
    char *log = daemon_stop(pid, errlog);
    T_HAS(log, "blocking check(s) still stuck in plugin code; exiting without waiting for them");
    free(log);
    t_rmtree(dir);
    free(dir);
}
END_TEST

/* One row per plugin file that must not run, with the reason its users get. */
START_TEST(bad_plugin_files_are_refused_with_a_reason)
{
    char *open_dir = t_tmpdir();
    link_plugin(open_dir, getenv("SW_TEST_PLUGINS"), "misbehave.so", "misbehave.so");
    ck_assert_int_eq(chmod(open_dir, 0777), 0);
    char *dir = t_tmpdir();
    free(t_write(dir, "0core.ini", "[core]\nplugin_dir = %s\n", plugins));
    free(t_write(dir, "sites.ini",
                 "[site initfail]\nurl = http://unused.invalid/\nchecks = initfail\n"
                 "[site noentry]\nurl = http://unused.invalid/\nchecks = noentry\n"
                 "[site text]\nurl = http://unused.invalid/\nchecks = text\n"
                 "[site writable]\nurl = http://unused.invalid/\nchecks = writable\n"
                 "[site fine]\nurl = http://unused.invalid/\nchecks = misbehave\nmisbehave.mode = ok\n"));
    struct t_out o = t_sitewatch(dir, "check", "--format", "json", NULL);
    ck_assert_int_eq(o.status, 3);
    const struct {
        const char *site, *reason;
    } rows[] = {
        {"initfail", "plugin initfail failed to load: %s/initfail.so: init failed: "},
        {"noentry", "plugin noentry failed to load: %s/noentry.so: no sitewatch_plugin_v1 symbol"},
        {"text",
         "plugin text failed to load: %s/text.so: cannot load: file too short (is it a shared object"},
        {"writable", "plugin writable failed to load: %s/writable.so: refused: the file is writable by other "
                     "users (mode 0666); chmod o-w it"},
        {"fine", "answered (ok)"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char want[2048];
        snprintf(want, sizeof want, rows[i].reason, plugins);
        char *l = t_site_line(&o, rows[i].site);
        T_HAS(l, want);
        free(l);
    }
    t_out_free(&o);

    /* A folder anyone may write to: a plugin there could be swapped. */
    free(t_write(dir, "0core.ini", "[core]\nplugin_dir = %s\n", open_dir));
    free(t_write(dir, "sites.ini",
                 "[site fine]\nurl = http://unused.invalid/\nchecks = misbehave\nmisbehave.mode = ok\n"));
    o = t_sitewatch(dir, "validate", NULL);
    ck_assert_int_eq(o.status, 1);
    char want[2048];
    snprintf(want, sizeof want,
             "check misbehave cannot run: plugin misbehave failed to load: %s/misbehave.so: refused: its "
             "folder %s "
             "is writable by other users (mode 0777); chmod o-w it",
             open_dir, open_dir);
    T_HAS(o.err, want);
    t_out_free(&o);

    /* A site cannot name a plugin by path: names are looked up in plugin_dir. */
    free(t_write(dir, "0core.ini", "[core]\nplugin_dir = %s\n", plugins));
    free(t_write(dir, "sites.ini", "[site path]\nurl = http://unused.invalid/\nchecks = ../../tmp/evil\n"));
    o = t_sitewatch(dir, "validate", NULL);
    ck_assert_int_eq(o.status, 1);
    T_HAS(o.err, "sites.ini:3: in [site path], check plugin name '../../tmp/evil' is not a name: plugins are "
                 "found by name in plugin_dir (letters, digits, '_' and '-')");
    t_out_free(&o);

    /* A prepare that refuses names the key and what it wanted. */
    free(t_write(
        dir, "sites.ini",
        "[site bogus]\nurl = http://unused.invalid/\nchecks = misbehave\nmisbehave.mode = sideways\n"));
    o = t_sitewatch(dir, "validate", NULL);
    ck_assert_int_eq(o.status, 1);
    T_HAS(o.err, "sites.ini:4: in [site bogus], misbehave.mode = \"sideways\": expected ok, twice, "
                 "twice-later, never, "
                 "late, hang or slow");
    t_out_free(&o);
    chmod(open_dir, 0700);
    t_rmtree(open_dir);
    t_rmtree(dir);
    free(open_dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("plugins");
    TCase *tc = tcase_create("misbehaving");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, misbehaving_runs_still_give_one_result_each);
    tcase_add_test(tc, stuck_blocking_runs_still_give_one_result_each);
    tcase_add_test(tc, stuck_runs_leave_a_worker_for_the_pages);
    tcase_add_test(tc, stop_with_every_worker_stuck);
    tcase_add_test(tc, bad_plugin_files_are_refused_with_a_reason);
    suite_add_tcase(s, tc);
    return t_run_suite(s, 0);
}
