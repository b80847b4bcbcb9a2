/* SPDX-License-Identifier: MIT
 * Faults in what sitewatch depends on.  The daemon writes every result to
 * SQLite (on a small tmpfs this test mounts, so it can be made read-only
 * or full) and to CSV (on the normal disk, which keeps working): while
 * SQLite fails, its results wait and `status` says so; when it works again
 * they are written, once each, and the CSV never stopped.  Then kill -9
 * mid-run and SIGTERM under load. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

static char *dir, *data, *db, *errlog, *plugins;
static int mounted;

static void link_plugin(const char *from_dir, const char *file)
{
    char from[1024], to[1024];
    snprintf(from, sizeof from, "%s/%s", from_dir, file);
    snprintf(to, sizeof to, "%s/%s", plugins, file);
    ck_assert_int_eq(symlink(from, to), 0);
}

static void setup(void)
{
    dir = t_tmpdir();
    plugins = t_tmpdir();
    link_plugin(t_plugin_dir(), "sqlite.so");
    link_plugin(t_plugin_dir(), "csv.so");
    link_plugin(t_plugin_dir(), "http.so");
    link_plugin(getenv("SW_TEST_PLUGINS"), "constcheck.so");
    data = malloc(strlen(dir) + 16);
    sprintf(data, "%s/data", dir);
    mkdir(data, 0755);
    /* A file system of our own to make read-only or full (needs root). */
    mounted = mount("tmpfs", data, "tmpfs", 0, "size=4m") == 0;
    db = malloc(strlen(dir) + 32);
    sprintf(db, "%s/data/sw.db", dir);
    errlog = malloc(strlen(dir) + 16);
    sprintf(errlog, "%s/err.log", dir);
    free(t_write(dir, "0core.ini",
                 "[core]\nplugin_dir = %s\nmin_interval = 1s\nhealth_file = %s/health.json\n"
                 "[storage sqlite]\npath = %s\nbusy_timeout = 200ms\n"
                 "[storage csv]\ndir = %s/csv\n",
                 plugins, dir, db, dir));
    free(t_write(dir, "sites.ini",
                 "[site a]\nurl = http://unused.invalid/\nchecks = constcheck\ninterval = 1s\n"
                 "[site b]\nurl = http://unused.invalid/\nchecks = constcheck\ninterval = 1s\n"
                 "[site c]\nurl = http://unused.invalid/\nchecks = constcheck\ninterval = 1s\n"));
}

static void teardown(void)
{
    if (mounted)
        umount2(data, MNT_DETACH);
    t_rmtree(dir);
    t_rmtree(plugins);
    free(dir);
    free(plugins);
    free(data);
    free(db);
    free(errlog);
}

/* Rows in the CSV files (each result one line: constcheck's fields have
 * no newline), headers left out. */
static long csv_rows(void)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cat %s/csv/*.csv | grep -vc '^started,' ", dir);
    FILE *p = popen(cmd, "r");
    long n = -1;
    if (fscanf(p, "%ld", &n) != 1)
        n = -1;
    pclose(p);
    return n;
}

static void sh(const char *fmt, const char *arg)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, fmt, arg, arg, arg);
    ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

static long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* `status` once it prints TEXT, tried for up to 10 s: under valgrind the
 * writer may meet the fault late. */
static struct t_out status_showing(const char *text)
{
    for (int i = 0;; i++) {
        struct t_out st = t_sitewatch(dir, "status", NULL);
        if (strstr(st.out, text) || i == 40)
            return st;
        t_out_free(&st);
        t_msleep(250);
    }
}

/* Run the daemon; FAULT(1) breaks storage after 2.5 s (or before the
 * start, when BROKEN_AT_START), FAULT(0) mends it 4 s later; checks status
 * in between; stops 3 s after.  Then SQLite and CSV must hold the same
 * results, each once. */
static void survive(void (*fault)(int on), const char *why, int broken_at_start)
{
    if (broken_at_start)
        fault(1);
    pid_t pid = t_sitewatch_bg(dir, errlog, "run", NULL);
    t_msleep(2500);
    long before = broken_at_start ? 0 : t_sql_long(db, "SELECT count(*) FROM results");
    if (!broken_at_start) {
        ck_assert_int_ge(before, 3);
        fault(1);
    }
    long shown_after = mono_ms();
    struct t_out st = status_showing("storage sqlite: FAILING since ");
    shown_after = mono_ms() - shown_after;
    if (shown_after < 2500)
        t_msleep((int)(2500 - shown_after)); /* the run lasts as long as ever */
    long csv_during = csv_rows();
    T_HAS(st.out, "storage sqlite: FAILING since ");
    T_HAS(st.out, " result(s) waiting, 0 dropped");
    t_out_free(&st);
    t_msleep(1500);
    ck_assert_int_gt(csv_rows(), csv_during); /* the other storage went on */
    fault(0);
    t_msleep(3000);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 20), 0);
    char *log = t_read(errlog);
    T_HAS(log, broken_at_start ? "sqlite: cannot open " : "sqlite: cannot store ");
    T_HAS(log, "sqlite: storing again; ");
    T_HAS(log, why);
    long rows = t_sql_long(db, "SELECT count(*) FROM results");
    long distinct = t_sql_long(db, "SELECT count(DISTINCT series || ':' || scheduled) FROM results");
    long csv = csv_rows();
    fprintf(stderr, "faults: %s: %ld rows in sqlite (%ld before the fault), %ld in csv\n", why, rows, before,
            csv);
    ck_assert_int_eq(rows, distinct); /* nothing twice */
    ck_assert_int_eq(rows, csv);      /* nothing lost */
    ck_assert_int_ge(rows, 3 * 8);    /* three sites, every second, for about 9 s */
    char *integrity = t_sql(db, "PRAGMA integrity_check");
    ck_assert_str_eq(integrity, "ok");
    free(integrity);
    st = t_sitewatch(dir, "status", NULL);
    ck_assert_msg(strstr(st.out, "FAILING") == NULL, "%s", st.out);
    t_out_free(&st);
    free(log);
}

static pid_t locker;
static void fault_locked(int on)
{
    if (on) {
        /* Another process takes the write lock and holds it. */
        locker = fork();
        if (locker == 0) {
            char code[1200];
            snprintf(code, sizeof code,
                     "import sqlite3,time\nc=sqlite3.connect('%s',isolation_level=None)\n"
                     "c.execute('BEGIN IMMEDIATE')\ntime.sleep(60)\n",
                     db);
            execlp("python3", "python3", "-c", code, (char *)NULL);
            _exit(127);
        }
    } else {
        kill(locker, SIGKILL);
        t_wait(locker, 5);
    }
}

START_TEST(database_locked_by_another_process)
{
    survive(fault_locked, "database is locked", 0);
}
END_TEST

/* One writer per storage: while SQLite waits out a long busy_timeout on a
 * lock another process holds, the CSV writer goes on at its own pace (with
 * one writer for both, each blocked write held the CSV back 5 s). */
START_TEST(csv_keeps_its_rhythm_while_sqlite_is_locked)
{
    free(t_write(dir, "0core.ini",
                 "[core]\nplugin_dir = %s\nmin_interval = 1s\nhealth_file = %s/health.json\n"
                 "[storage sqlite]\npath = %s\nbusy_timeout = 5s\n"
                 "[storage csv]\ndir = %s/csv\n",
                 plugins, dir, db, dir));
    pid_t pid = t_sitewatch_bg(dir, errlog, "run", NULL);
    t_msleep(2500);
    fault_locked(1);
    t_msleep(1000);
    long last = csv_rows();
    for (int i = 0; i < 5; i++) {
        t_msleep(2000);
        long now = csv_rows();
        ck_assert_msg(now > last, "no CSV rows for 2 s while SQLite was locked (%ld, then %ld)", last, now);
        last = now;
    }
    /* The health file has each writer's own state. */
    char path[1200];
    snprintf(path, sizeof path, "%s/health.json", dir);
    char *health = t_read(path);
    T_HAS(health, "{\"name\":\"sqlite\",\"plugin\":\"sqlite\",\"state\":\"failing\"");
    T_HAS(health, "{\"name\":\"csv\",\"plugin\":\"csv\",\"state\":\"ok\",\"queued\":");
    free(health);
    fault_locked(0);
    t_msleep(2000);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 30), 0);
    long rows = t_sql_long(db, "SELECT count(*) FROM results");
    long distinct = t_sql_long(db, "SELECT count(DISTINCT series || ':' || scheduled) FROM results");
    long csv = csv_rows();
    fprintf(stderr, "faults: rhythm: %ld rows in sqlite, %ld in csv\n", rows, csv);
    ck_assert_int_eq(rows, distinct); /* nothing twice */
    ck_assert_int_eq(rows, csv);      /* SQLite caught up: nothing lost */
}
END_TEST

/* The number after "KEY": in the object of storage NAME in the health file. */
static long health_of(const char *name, const char *key)
{
    char path[1200], obj[200], k[64];
    snprintf(path, sizeof path, "%s/health.json", dir);
    snprintf(obj, sizeof obj, "{\"name\":\"%s\",", name);
    snprintf(k, sizeof k, "\"%s\":", key);
    char *h = t_read(path);
    const char *p = h ? strstr(h, obj) : NULL;
    const char *end = p ? strchr(p, '}') : NULL;
    p = p ? strstr(p, k) : NULL;
    ck_assert_msg(p && p < end, "no %s of %s in %s", key, name, h ? h : "(no health file)");
    long n = strtol(p + strlen(k), NULL, 10);
    free(h);
    return n;
}

/* A queue full is one storage's: SQLite blocked 8 s in each write fills
 * its queue of 16 and loses results, counted and shown as its own; CSV's
 * queue keeps draining and loses none. */
START_TEST(a_full_queue_is_one_storages)
{
    free(t_write(dir, "0core.ini",
                 "[core]\nplugin_dir = %s\nmin_interval = 1s\nhealth_file = %s/health.json\nqueue_size = 16\n"
                 "[storage sqlite]\npath = %s\nbusy_timeout = 8s\n"
                 "[storage csv]\ndir = %s/csv\n",
                 plugins, dir, db, dir));
    pid_t pid = t_sitewatch_bg(dir, errlog, "run", NULL);
    t_msleep(2000);
    fault_locked(1);
    t_msleep(11000);
    fault_locked(0);
    t_msleep(3000);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 30), 2); /* results were lost: the exit code says so */
    char *log = t_read(errlog);
    T_HAS(log, "sqlite: storage queue full (16 results): 1 result(s) dropped so far");
    ck_assert_msg(strstr(log, "csv: storage queue full") == NULL, "%s", log);
    free(log);
    long full = health_of("sqlite", "queue_full"), dropped = health_of("sqlite", "dropped");
    ck_assert_int_eq(health_of("csv", "dropped"), 0);
    long rows = t_sql_long(db, "SELECT count(*) FROM results");
    long distinct = t_sql_long(db, "SELECT count(DISTINCT series || ':' || scheduled) FROM results");
    long csv = csv_rows();
    fprintf(stderr,
            "faults: full queue: %ld dropped (%ld with the queue full), %ld rows in sqlite, %ld in csv\n",
            dropped, full, rows, csv);
    ck_assert_int_gt(full, 0);
    ck_assert_int_eq(rows, distinct);
    ck_assert_int_eq(rows + dropped, csv);
    struct t_out st = t_sitewatch(dir, "status", NULL);
    T_HAS(st.out, "storage sqlite: ok, but its queue was full: ");
    ck_assert_msg(strstr(st.out, "storage csv:") == NULL, "%s", st.out);
    t_out_free(&st);
}
END_TEST

static void fault_readonly(int on)
{
    ck_assert_int_eq(mount("tmpfs", data, NULL, MS_REMOUNT | (on ? MS_RDONLY : 0), "size=4m"), 0);
}

START_TEST(database_folder_read_only)
{
    if (!mounted) {
        fprintf(stderr, "faults: SKIPPED read-only: cannot mount a tmpfs here (not root?)\n");
        return;
    }
    /* The kernel refuses to make a file system read-only while a file on
     * it is open for writing, so the folder is read-only from the start. */
    survive(fault_readonly, "Read-only file system", 1);
}
END_TEST

static void fault_full(int on)
{
    if (on)
        sh("dd if=/dev/zero of=%s/filler bs=64k 2>/dev/null; test -f %s/filler", data);
    else
        sh("rm %s/filler", data);
}

START_TEST(disk_full)
{
    if (!mounted) {
        fprintf(stderr, "faults: SKIPPED disk full: cannot mount a tmpfs here (not root?)\n");
        return;
    }
    survive(fault_full, "database or disk is full", 0);
}
END_TEST

/* More results wait than the queue holds: the oldest go, counted, logged
 * and shown by status; what was kept is written once; CSV lost nothing. */
START_TEST(overflow_is_counted_logged_and_shown)
{
    free(t_write(dir, "1queue.ini", "[core]\nqueue_size = 16\n"));
    pid_t pid = t_sitewatch_bg(dir, errlog, "run", NULL);
    t_msleep(1500);
    fault_locked(1);
    t_msleep(9000); /* about 27 results for a queue of 16 */
    struct t_out st = t_sitewatch(dir, "status", NULL);
    T_HAS(st.out, "storage sqlite: FAILING since ");
    ck_assert_msg(strstr(st.out, " 0 dropped") == NULL, "%s", st.out);
    t_out_free(&st);
    fault_locked(0);
    t_msleep(2500);
    kill(pid, SIGTERM);
    /* Results were lost: the exit code says so, not only the log. */
    ck_assert_int_eq(t_wait(pid, 20), 2);
    char *log = t_read(errlog);
    T_HAS(log, "sqlite: storage is failing and 16 result(s) wait for it: 1 oldest dropped so far");
    T_HAS(log, "stopped: ");
    ck_assert_msg(strstr(log, " dropped\n") && !strstr(log, "stored, 0 dropped"), "%s", log);
    free(log);
    st = t_sitewatch(dir, "status", NULL);
    const char *p = strstr(st.out, "storage sqlite: ok, but ");
    ck_assert_msg(p != NULL, "%s", st.out);
    long dropped = strtol(p + strlen("storage sqlite: ok, but "), NULL, 10);
    long rows = t_sql_long(db, "SELECT count(*) FROM results");
    long distinct = t_sql_long(db, "SELECT count(DISTINCT series || ':' || scheduled) FROM results");
    long csv = csv_rows();
    fprintf(stderr, "faults: overflow: %ld dropped, %ld rows in sqlite, %ld in csv\n", dropped, rows, csv);
    ck_assert_int_gt(dropped, 0);
    ck_assert_int_eq(rows, distinct);
    ck_assert_int_eq(rows + dropped, csv);
    t_out_free(&st);
}
END_TEST

/* The database deleted under the daemon: writing on into the unlinked
 * file would lose everything; it notices and starts a new file. */
START_TEST(database_deleted_under_the_daemon)
{
    pid_t pid = t_sitewatch_bg(dir, errlog, "run", NULL);
    t_msleep(2500);
    ck_assert_int_ge(t_sql_long(db, "SELECT count(*) FROM results"), 3);
    sh("rm -f %s %s-wal %s-shm", db);
    t_msleep(3000);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 20), 0);
    char *log = t_read(errlog);
    T_HAS(log, "was deleted or replaced under sitewatch; opening it again");
    free(log);
    long rows = t_sql_long(db, "SELECT count(*) FROM results");
    fprintf(stderr, "faults: deleted: %ld rows in the new file\n", rows);
    ck_assert_int_ge(rows, 3 * 2);
    /* status reads the new file too (its readers were reopened). */
    struct t_out st = t_sitewatch(dir, "status", NULL);
    ck_assert_msg(strstr(st.out, "no results yet") == NULL, "%s", st.out);
    t_out_free(&st);
}
END_TEST

/* kill -9 in the middle of things, then a restart on the same file: it
 * opens, is intact, and holds no result twice. */
START_TEST(kill_9_then_restart)
{
    pid_t pid = t_sitewatch_bg(dir, errlog, "run", NULL);
    t_msleep(3300);
    long before = t_sql_long(db, "SELECT count(*) FROM results");
    kill(pid, SIGKILL);
    t_wait(pid, 5);
    pid = t_sitewatch_bg(dir, errlog, "run", NULL);
    /* Until the restart has stored its own rows: under valgrind its start
     * alone can take most of a fixed wait. */
    for (int i = 0; i < 200 && t_sql_long(db, "SELECT count(*) FROM results") < before + 3; i++)
        t_msleep(100);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 20), 0);
    char *integrity = t_sql(db, "PRAGMA integrity_check");
    ck_assert_str_eq(integrity, "ok");
    free(integrity);
    long rows = t_sql_long(db, "SELECT count(*) FROM results");
    long distinct = t_sql_long(db, "SELECT count(DISTINCT series || ':' || scheduled) FROM results");
    /* Per site, the slots stored before the kill are all still there: at
     * most the batch being written (100 ms of results) was lost. */
    fprintf(stderr, "faults: kill -9: %ld rows before, %ld after the restart\n", before, rows);
    ck_assert_int_eq(rows, distinct);
    ck_assert_int_ge(rows, before + 3);
    ck_assert_int_eq(
        t_sql_long(db, "SELECT count(*) FROM rollups WHERE span = 600000000"),
        t_sql_long(db, "SELECT count(DISTINCT series || ':' || (started / 600000000)) FROM results"));
    ck_assert_int_eq(t_sql_long(db,
                                "SELECT sum(n_ok + n_warn + n_fail + n_unknown) FROM rollups WHERE span = "
                                "86400000000"),
                     rows);
}
END_TEST

/* SIGTERM under load: 300 sites against nginx every second.  Every check
 * nginx answered has its row (OK ones can be no more than nginx served;
 * the cancelled ones are stored as UNKNOWN), and none was dropped. */
START_TEST(sigterm_under_load_loses_nothing)
{
    struct t_nginx ngx;
    ck_assert_int_eq(t_nginx_start(&ngx), 0);
    char path[1100];
    snprintf(path, sizeof path, "%s/sites.ini", dir);
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 300; i++)
        fprintf(f, "[site s%d]\nurl = http://127.0.0.1:%d/ok\nchecks = http\ninterval = 1s\n", i, ngx.port);
    fclose(f);
    pid_t pid = t_sitewatch_bg(dir, errlog, "run", NULL);
    t_msleep(4200);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 20), 0);
    long served = t_nginx_hits(&ngx, "GET /ok");
    long rows = t_sql_long(db, "SELECT count(*) FROM results");
    long ok = t_sql_long(db, "SELECT count(*) FROM results WHERE verdict = 0");
    long csv = csv_rows();
    char *log = t_read(errlog);
    fprintf(stderr, "faults: SIGTERM under load: nginx served %ld, %ld rows (%ld OK), %ld in csv\n", served,
            rows, ok, csv);
    T_HAS(log, ", 0 dropped");
    ck_assert_int_ge(rows, getenv("SW_VALGRIND") ? 300 : 300 * 3); /* valgrind: memory, not speed */
    ck_assert_int_le(ok, served);
    ck_assert_int_ge(rows, served); /* every request nginx saw has its result */
    ck_assert_int_eq(rows, csv);
    free(log);
    t_nginx_stop(&ngx);
}
END_TEST

/* The wall clock jumps an hour forward, then two back (libfaketime moves
 * it for the daemon alone; the monotonic clock is left true).  Scheduling
 * runs on the monotonic clock: each site keeps one run a second, none is
 * skipped or doubled, lags stay small, and the writer (which waits on the
 * monotonic clock) keeps storing through the jumps. */
START_TEST(wall_clock_jumps)
{
    const char *lib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";
    if (access(lib, R_OK) != 0 || getenv("SW_VALGRIND")) {
        fprintf(stderr, "faults: SKIPPED clock jumps: %s\n",
                getenv("SW_VALGRIND") ? "not under valgrind" : lib);
        return;
    }
    char clockfile[1100];
    snprintf(clockfile, sizeof clockfile, "%s/faketime", dir);
    free(t_write(dir, "faketime", "+0\n"));
    setenv("LD_PRELOAD", lib, 1);
    setenv("FAKETIME_TIMESTAMP_FILE", clockfile, 1);
    setenv("FAKETIME_NO_CACHE", "1", 1);
    setenv("DONT_FAKE_MONOTONIC", "1", 1);
    char *asan = getenv("ASAN_OPTIONS") ? strdup(getenv("ASAN_OPTIONS")) : NULL;
    char opts[512];
    snprintf(opts, sizeof opts, "%s:verify_asan_link_order=0", asan ? asan : "");
    setenv("ASAN_OPTIONS", opts, 1); /* the preload comes before ASan's runtime */
    pid_t pid = t_sitewatch_bg(dir, errlog, "run", NULL);
    unsetenv("LD_PRELOAD");
    if (asan)
        setenv("ASAN_OPTIONS", asan, 1);
    free(asan);
    t_msleep(2500);
    free(t_write(dir, "faketime", "+3600\n"));
    t_msleep(2500);
    long mid = t_sql_long(db, "SELECT count(*) FROM results");
    free(t_write(dir, "faketime", "-3600\n"));
    t_msleep(2500);
    long late = t_sql_long(db, "SELECT count(*) FROM results");
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 20), 0);
    char *log = t_read(errlog);
    long rows = t_sql_long(db, "SELECT count(*) FROM results");
    long ahead =
        t_sql_long(db, "SELECT count(*) FROM results WHERE started > strftime('%s','now') * 1000000 + "
                       "1800000000");
    long behind =
        t_sql_long(db, "SELECT count(*) FROM results WHERE started < strftime('%s','now') * 1000000 - "
                       "1800000000");
    fprintf(stderr,
            "faults: clock jumps: %ld rows (%ld an hour ahead, %ld an hour behind), %ld then %ld stored "
            "during the run\n",
            rows, ahead, behind, mid, late);
    /* One run a second per site, through both jumps. */
    ck_assert_int_ge(rows, 3 * 6);
    ck_assert_int_le(rows, 3 * 9);
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results WHERE json_extract(metrics, "
                                    "'$.\"sched.skipped\"') IS NOT NULL"),
                     0);
    ck_assert_int_eq(
        t_sql_long(db, "SELECT count(*) FROM results WHERE json_extract(metrics, '$.\"sched.lag\"') > "
                       "0.2 OR duration < 0 OR duration > 1000000 OR started < scheduled OR "
                       "started - scheduled > 500000"),
        0);
    ck_assert_msg(strstr(log, "missed") == NULL, "%s", log);
    /* Stored times follow the wall clock as it was: some an hour ahead,
     * some an hour behind; and the writer kept writing after each jump. */
    ck_assert_int_gt(ahead, 0);
    ck_assert_int_gt(behind, 0);
    ck_assert_int_gt(late, mid);
    free(log);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("storage");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, database_locked_by_another_process);
    tcase_add_test(tc, csv_keeps_its_rhythm_while_sqlite_is_locked);
    tcase_add_test(tc, a_full_queue_is_one_storages);
    tcase_add_test(tc, database_folder_read_only);
    tcase_add_test(tc, disk_full);
    tcase_add_test(tc, overflow_is_counted_logged_and_shown);
    tcase_add_test(tc, database_deleted_under_the_daemon);
    tcase_add_test(tc, kill_9_then_restart);
    tcase_add_test(tc, sigterm_under_load_loses_nothing);
    tcase_add_test(tc, wall_clock_jumps);
    suite_add_tcase(s, tc);
    return t_run_suite(s, 0);
}
