/* SPDX-License-Identifier: MIT
 * The outbox under a notifier that will not deliver: one that hangs is cut
 * at its timeout and tried again while the checks keep their rhythm; one
 * that always refuses is given up after give_up_after, logged, counted in
 * the health file, and sitewatch says so about itself to notify_self.
 * Real daemon, real nginx (a site flipped by a file), the recorder notify
 * plugin (tests/notify_record.c). */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

static struct t_nginx ngx;
static int port;
static char *conf, *plugins, *errlog, *db;

static void setup(void)
{
    conf = t_tmpdir();
    port = t_free_port();
    ck_assert_int_eq(t_nginx_start_flip(&ngx, port, conf), 0);
    plugins = t_tmpdir();
    const char *names[][2] = {{"http.so", NULL}, {"sqlite.so", NULL}, {"recorder.so", "tests"}};
    for (int i = 0; i < 3; i++) {
        char from[1024], to[1024];
        snprintf(from, sizeof from, "%s/%s", names[i][1] ? getenv("SW_TEST_PLUGINS") : t_plugin_dir(),
                 names[i][0]);
        snprintf(to, sizeof to, "%s/%s", plugins, names[i][0]);
        ck_assert_int_eq(symlink(from, to), 0);
    }
    errlog = malloc(strlen(conf) + 32);
    sprintf(errlog, "%s/../swlog.%d", conf, getpid());
    db = malloc(strlen(conf) + 16);
    sprintf(db, "%s/sw.db", conf);
}

static void teardown(void)
{
    t_nginx_stop(&ngx);
    if (!getenv("SW_KEEP_TMP"))
        unlink(errlog);
    t_rmtree(conf);
    t_rmtree(plugins);
    free(conf), free(plugins), free(errlog), free(db);
}

/* NOTIFY: the [notify bad] section's own lines. */
static void write_conf(const char *notify)
{
    free(t_write(conf, "0core.ini",
                 "[core]\nplugin_dir = %1$s\nmin_interval = 1s\nlocation = lab\nstate = %2$s/state.db\n"
                 "notify = bad\nnotify_self = self\nalert_after = 1\nrecover_after = 1\n"
                 "health_file = %2$s/health.json\n"
                 "[storage sqlite]\npath = %3$s\n"
                 "[notify bad]\nplugin = recorder\nfile = %2$s/bad.jsonl\ngroup_wait = 0s\n%4$s\n"
                 "[notify self]\nplugin = recorder\nfile = %2$s/self.jsonl\ngroup_wait = 0s\n",
                 plugins, conf, db, notify));
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "s%d.ini", i);
        free(t_write(conf, name,
                     "[site s%d]\nurl = http://127.0.0.1:%d/flip/s%d\nchecks = http\ninterval = 1s\n", i,
                     port, i));
    }
}

static char *log_wait(const char *text, int seconds)
{
    char *log = NULL;
    for (int i = 0; i < seconds * 10; i++) {
        free(log);
        log = t_read(errlog);
        if (log && strstr(log, text))
            return log;
        t_msleep(100);
    }
    return log;
}

START_TEST(hanging_notifier_is_cut_and_checks_keep_their_rhythm)
{
    write_conf("hang = yes\ntimeout = 1s");
    t_flip(conf, "s0", 1);
    pid_t pid = t_sitewatch_bg(conf, errlog, "run", NULL);
    char *log = log_wait("again in 2 s", 30);
    ck_assert_msg(log && strstr(log, "[notify bad]"), "%s", log);
    T_HAS(log, "not delivered (attempt 1; again in 1 s): cancelled (attempt 1)");
    T_HAS(log, "not delivered (attempt 2; again in 2 s): cancelled (attempt 2)");
    free(log);
    t_msleep(2000);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 30), 0);
    /* Every site kept its one-second rhythm while the notifier hung. */
    char *max = t_sql(db, "SELECT max(json_extract(metrics, '$.\"sched.lag\"')) FROM results");
    double lag = strtod(max, NULL);
    free(max);
    long rows = t_sql_long(
        db, "SELECT count(*) FROM results WHERE series IN (SELECT id FROM series WHERE site = 's4')");
    fprintf(stderr, "outbox: hanging notifier: max sched.lag %.3f s, %ld results of s4\n", lag, rows);
    /* valgrind's own slowness is no notifier's doing */
    ck_assert_msg(lag < (getenv("SW_VALGRIND") ? 2.0 : 0.5), "sched.lag %.3f s", lag);
    ck_assert_int_ge(rows, 4);
}
END_TEST

START_TEST(refusing_notifier_is_given_up_and_said)
{
    write_conf("fail = 1000000\ngive_up_after = 1min");
    t_flip(conf, "s0", 1);
    pid_t pid = t_sitewatch_bg(conf, errlog, "run", NULL);
    char *log = log_wait("gave up on event", 100);
    ck_assert_msg(log && strstr(log, "gave up on event"), "%s", log);
    T_HAS(log, "[notify bad]");
    T_HAS(log, "(give_up_after)");
    free(log);
    char self[1100];
    snprintf(self, sizeof self, "%s/self.jsonl", conf);
    char *s = NULL;
    for (int i = 0; i < 100 && !(s && strstr(s, "\"check\":\"notify\"")); i++) {
        free(s);
        t_msleep(100);
        s = t_read(self);
    }
    ck_assert_msg(s && strstr(s, "\"event\":\"SELF\""), "%s", s ? s : "(nothing for notify_self)");
    T_HAS(s, "\"site\":\"sitewatch\",\"check\":\"notify\"");
    free(s);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 30), 0);
    snprintf(self, sizeof self, "%s/health.json", conf);
    s = t_read(self);
    T_HAS(s, "{\"name\":\"bad\",\"busy\":false,\"delivered\":0,");
    T_HAS(s, "\"given_up\":1");
    free(s);
    /* status says it too. */
    struct t_out o = t_sitewatch(conf, "status", NULL);
    T_HAS(o.out, "notify bad: FAILING: its last attempt at ");
    T_HAS(o.out, "notify bad: 1 event(s) given up, not delivered (give_up_after)");
    ck_assert_msg(!strstr(o.out, "notify self:"), "%s", o.out);
    t_out_free(&o);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("outbox");
    TCase *tc = tcase_create("outbox");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, hanging_notifier_is_cut_and_checks_keep_their_rhythm);
    tcase_add_test(tc, refusing_notifier_is_given_up_and_said);
    suite_add_tcase(s, tc);
    return t_run_suite(s, 0);
}
