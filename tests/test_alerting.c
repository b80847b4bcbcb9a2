/* SPDX-License-Identifier: MIT
 * Alerting end to end: the daemon checks a real nginx whose answer the
 * test flips (a file present: 503), counts results into each series'
 * state and tells the recorder notify plugin (tests/notify_record.c),
 * which writes each message it is given to a file.  What is checked is
 * what a person would be told: exactly one DOWN with the reason, one UP
 * with the downtime, nothing twice across restarts, nothing lost across a
 * kill -9, digests instead of storms, retries after refusals. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

static struct t_nginx ngx;
static int port;
static char *conf, *plugins, *errlog, *sent, *state;

static void link_plugins(void)
{
    plugins = t_tmpdir();
    char from[1024], to[1024];
    snprintf(from, sizeof from, "%s/http.so", t_plugin_dir());
    snprintf(to, sizeof to, "%s/http.so", plugins);
    ck_assert_int_eq(symlink(from, to), 0);
    snprintf(from, sizeof from, "%s/recorder.so", getenv("SW_TEST_PLUGINS"));
    snprintf(to, sizeof to, "%s/recorder.so", plugins);
    ck_assert_int_eq(symlink(from, to), 0);
}

static void setup(void)
{
    conf = t_tmpdir();
    port = t_free_port();
    /* /flip/NAME answers 503 while the file down-NAME exists (t_flip). */
    ck_assert_int_eq(t_nginx_start_flip(&ngx, port, conf), 0);
    link_plugins();
    errlog = malloc(strlen(conf) + 32);
    sprintf(errlog, "%s/../swlog.%d", conf, getpid());
    sent = malloc(strlen(conf) + 16);
    sprintf(sent, "%s/sent.jsonl", conf);
    state = malloc(strlen(conf) + 16);
    sprintf(state, "%s/state.db", conf);
}

static void teardown(void)
{
    t_nginx_stop(&ngx);
    if (!getenv("SW_KEEP_TMP"))
        unlink(errlog);
    t_rmtree(conf);
    t_rmtree(plugins);
    free(conf), free(plugins), free(errlog), free(sent), free(state);
}

/* [core] and the recorder notifier "rec" with EXTRA lines in it (each
 * event alone unless they give a group_wait). */
static void write_core(const char *core_extra, const char *notify_extra)
{
    const char *extra = notify_extra ? notify_extra : "";
    free(t_write(conf, "0core.ini",
                 "[core]\nplugin_dir = %s\nmin_interval = 1s\nlocation = lab\nstate = %s\nnotify = rec\n"
                 "alert_after = 2\nrecover_after = 2\n%s\n"
                 "[notify rec]\nplugin = recorder\nfile = %s\n%s\n%s\n",
                 plugins, state, core_extra ? core_extra : "", sent,
                 strstr(extra, "group_wait") ? "" : "group_wait = 0s", extra));
}

static void write_site(const char *name, const char *extra)
{
    char file[160];
    snprintf(file, sizeof file, "%s.ini", name);
    free(t_write(conf, file,
                 "[site %s]\nurl = http://127.0.0.1:%d/flip/%s\nchecks = http\ninterval = 1s\n%s\n", name,
                 port, name, extra ? extra : ""));
}

static void set_down(const char *name, int down)
{
    t_flip(conf, name, down);
}

/* How many lines of the recorder's file hold TEXT. */
static int sent_count(const char *text)
{
    char *s = t_read(sent);
    int n = 0;
    for (char *l = s; l && *l;) {
        char *nl = strchr(l, '\n');
        if (nl)
            *nl = '\0';
        n += strstr(l, text) != NULL;
        l = nl ? nl + 1 : l + strlen(l);
    }
    free(s);
    return n;
}

/* Wait up to SECONDS until N lines hold TEXT. */
static int sent_wait(const char *text, int n, int seconds)
{
    for (int i = 0; i < seconds * 10; i++) {
        if (sent_count(text) >= n)
            return 1;
        t_msleep(100);
    }
    return sent_count(text) >= n;
}

static pid_t start_daemon(void)
{
    return t_sitewatch_bg(conf, errlog, "run", NULL);
}

static void stop(pid_t pid)
{
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 30), 0);
}

START_TEST(down_once_then_up_once)
{
    char core[1200];
    snprintf(core, sizeof core, "health_file = %s/health.json", conf);
    write_core(core, NULL);
    write_site("shop", NULL);
    pid_t pid = start_daemon();
    t_msleep(2500); /* a few OK results first */
    set_down("shop", 1);
    ck_assert_msg(sent_wait("\"event\":\"DOWN\"", 1, 20), "no DOWN; log:\n%s", t_read(errlog));
    t_msleep(3000); /* more failed results: still one DOWN */
    ck_assert_int_eq(sent_count("\"event\":\"DOWN\""), 1);
    set_down("shop", 0);
    ck_assert_msg(sent_wait("\"event\":\"UP\"", 1, 20), "no UP; log:\n%s", t_read(errlog));
    t_msleep(2000);
    stop(pid);
    ck_assert_int_eq(sent_count("\"event\":\"DOWN\""), 1);
    ck_assert_int_eq(sent_count("\"event\":\"UP\""), 1);
    char *s = t_read(sent);
    T_HAS(s, "\"site\":\"shop\",\"check\":\"http\",\"location\":\"lab\",\"verdict\":\"FAIL\"");
    T_HAS(s, "\"reason\":\"HTTP 503");
    T_HAS(s, "\"series\":\"shop/http/lab\"");
    T_HAS(s, "\"downtime\":\"");
    free(s);
    char txt[1100];
    snprintf(txt, sizeof txt, "%s.txt", sent);
    s = t_read(txt);
    T_HAS(s, "Subject: [sitewatch] DOWN shop http: HTTP 503");
    T_HAS(s, "Subject: [sitewatch] UP shop http: back after ");
    T_HAS(s, "Latest results, newest first:\n");
    free(s);
    /* The health file counts each notifier's deliveries. */
    snprintf(txt, sizeof txt, "%s/health.json", conf);
    s = t_read(txt);
    T_HAS(s, "\"notify\":[{\"name\":\"rec\",\"busy\":false,\"delivered\":2,\"failed\":0,\"given_up\":0");
    free(s);
}
END_TEST

/* SIGTERM while DOWN, then a start: no second DOWN; recovered while
 * stopped: its UP after the first results. */
START_TEST(restart_neither_repeats_nor_forgets)
{
    write_core(NULL, NULL);
    write_site("shop", NULL);
    set_down("shop", 1);
    pid_t pid = start_daemon();
    ck_assert_msg(sent_wait("\"event\":\"DOWN\"", 1, 20), "no DOWN; log:\n%s", t_read(errlog));
    stop(pid);
    pid = start_daemon();
    t_msleep(4000);
    ck_assert_int_eq(sent_count("\"event\":\"DOWN\""), 1);
    stop(pid);
    set_down("shop", 0);
    pid = start_daemon();
    ck_assert_msg(sent_wait("\"event\":\"UP\"", 1, 20), "no UP after the restart; log:\n%s", t_read(errlog));
    stop(pid);
    ck_assert_int_eq(sent_count("\"event\":\"DOWN\""), 1);
    ck_assert_int_eq(sent_count("\"event\":\"UP\""), 1);
}
END_TEST

/* kill -9 after the DOWN was decided, before the notifier delivered it
 * (it takes 5 s here): after the restart it goes. */
START_TEST(kill_9_before_delivery_loses_nothing)
{
    write_core(NULL, "delay = 5s");
    write_site("shop", NULL);
    set_down("shop", 1);
    pid_t pid = start_daemon();
    char *log = NULL;
    for (int i = 0; i < 200 && !(log && strstr(log, "shop http: DOWN")); i++) {
        free(log);
        t_msleep(100);
        log = t_read(errlog);
    }
    ck_assert_msg(log && strstr(log, "shop http: DOWN"), "never decided: %s", log);
    free(log);
    kill(pid, SIGKILL);
    t_wait(pid, 5);
    ck_assert_int_eq(sent_count("\"event\":\"DOWN\""), 0);
    write_core(NULL, NULL); /* delivers at once now */
    pid = start_daemon();
    ck_assert_msg(sent_wait("\"event\":\"DOWN\"", 1, 20), "lost; log:\n%s", t_read(errlog));
    t_msleep(2000);
    stop(pid);
    ck_assert_int_eq(sent_count("\"event\":\"DOWN\""), 1);
}
END_TEST

/* A notifier that refuses twice: the third attempt delivers, in order,
 * after 1 s and 2 s; the log says each. */
START_TEST(refused_then_retried)
{
    write_core(NULL, "fail = 2");
    write_site("shop", NULL);
    set_down("shop", 1);
    pid_t pid = start_daemon();
    ck_assert_msg(sent_wait("\"event\":\"DOWN\"", 1, 30), "never delivered; log:\n%s", t_read(errlog));
    stop(pid);
    char *log = t_read(errlog);
    T_HAS(log, "[notify rec]");
    T_HAS(log, "not delivered (attempt 1; again in 1 s): refused on purpose (attempt 1)");
    T_HAS(log, "not delivered (attempt 2; again in 2 s): refused on purpose (attempt 2)");
    T_HAS(log, "delivered 1 event(s): recorded 1 event(s)");
    free(log);
    ck_assert_int_eq(sent_count("\"event\":\"DOWN\""), 1);
}
END_TEST

/* 30 sites down at once, group_wait 3 s: one digest, not 30 messages. */
START_TEST(storm_is_one_digest)
{
    write_core(NULL, "group_wait = 3s");
    char name[32];
    for (int i = 0; i < 30; i++) {
        snprintf(name, sizeof name, "site%02d", i);
        write_site(name, NULL);
        set_down(name, 1);
    }
    pid_t pid = start_daemon();
    ck_assert_msg(sent_wait("\"event\":\"DIGEST\"", 1, 30), "no digest; log:\n%s", t_read(errlog));
    t_msleep(4000);
    stop(pid);
    char *s = t_read(sent);
    int lines = 0;
    for (char *p = s; (p = strchr(p, '\n')); p++)
        lines++;
    ck_assert_msg(lines <= 3, "%d messages for 30 sites:\n%s", lines, s);
    T_HAS(s, "\"count\":");
    free(s);
    char txt[1100];
    snprintf(txt, sizeof txt, "%s.txt", sent);
    s = t_read(txt);
    T_HAS(s, " events: ");
    T_HAS(s, "  and ");
    T_HAS(s, " more\n");
    free(s);
}
END_TEST

/* While the parent router is failing or DOWN, the child's DOWN waits;
 * the router back while the child is still down: the child's DOWN then. */
START_TEST(depends_on_holds_the_child)
{
    write_core(NULL, NULL);
    write_site("router", NULL);
    write_site("shop", "depends_on = router");
    set_down("router", 1);
    set_down("shop", 1);
    pid_t pid = start_daemon();
    ck_assert_msg(sent_wait("\"site\":\"router\"", 1, 20), "no DOWN for router; log:\n%s", t_read(errlog));
    t_msleep(3000);
    ck_assert_int_eq(sent_count("\"site\":\"shop\""), 0);
    set_down("router", 0);
    ck_assert_msg(sent_wait("\"event\":\"DOWN\",\"id\"", 2, 20) && sent_wait("\"site\":\"shop\"", 1, 1),
                  "shop never announced; log:\n%s", t_read(errlog));
    stop(pid);
}
END_TEST

/* notify-test through the recorder: the TEST event, delivered, exit 0. */
START_TEST(notify_test_through_the_real_path)
{
    write_core(NULL, NULL);
    write_site("shop", NULL);
    struct t_out o = t_sitewatch(conf, "notify-test", "rec", NULL);
    ck_assert_msg(o.status == 0, "%s%s", o.out, o.err);
    T_HAS(o.out, "rec: delivered: recorded 1 event(s)");
    t_out_free(&o);
    ck_assert_int_eq(sent_count("\"event\":\"TEST\""), 1);
    o = t_sitewatch(conf, "notify-test", "nosuch", NULL);
    ck_assert_int_eq(o.status, 1);
    T_HAS(o.err, "no [notify nosuch] section");
    t_out_free(&o);
    write_core(NULL, "fail = 1");
    o = t_sitewatch(conf, "notify-test", "rec", NULL);
    ck_assert_int_eq(o.status, 1);
    T_HAS(o.out, "rec: not delivered: refused on purpose (attempt 1)");
    t_out_free(&o);
}
END_TEST

/* A check plugin that fails to load: sitewatch says so about itself, to
 * notify_self (here [core] notify's). */
START_TEST(self_alert_for_a_plugin_that_cannot_load)
{
    char from[1024], to[1024];
    snprintf(from, sizeof from, "%s/initfail.so", getenv("SW_TEST_PLUGINS"));
    snprintf(to, sizeof to, "%s/initfail.so", plugins);
    ck_assert_int_eq(symlink(from, to), 0);
    write_core(NULL, NULL);
    write_site("shop", NULL);
    free(t_write(conf, "broken.ini",
                 "[site broken]\nurl = http://127.0.0.1:%d/flip/broken\nchecks = initfail\n", port));
    pid_t pid = start_daemon();
    ck_assert_msg(sent_wait("\"event\":\"SELF\"", 1, 20), "no SELF; log:\n%s", t_read(errlog));
    t_msleep(2000);
    stop(pid);
    ck_assert_int_eq(sent_count("\"event\":\"SELF\""), 1);
    ck_assert_int_eq(sent_count("\"site\":\"sitewatch\",\"check\":\"plugin initfail\""), 1);
    char txt[1100];
    snprintf(txt, sizeof txt, "%s.txt", sent);
    char *s = t_read(txt);
    T_HAS(s, "Subject: [sitewatch] SELF sitewatch plugin initfail: ");
    free(s);
    /* The site that used it gone, the next start tells the part well again. */
    char path[1100];
    snprintf(path, sizeof path, "%s/broken.ini", conf);
    unlink(path);
    pid = start_daemon();
    ck_assert_msg(sent_wait("\"event\":\"UP\"", 1, 20), "no UP for the part; log:\n%s", t_read(errlog));
    stop(pid);
    ck_assert_int_eq(sent_count("\"event\":\"UP\",\"id\""), 1);
    ck_assert_int_eq(sent_count("\"site\":\"sitewatch\",\"check\":\"plugin initfail\""), 2);
}
END_TEST

/* A window over now: checked, not told; when it ends with the site still
 * down, the DOWN goes then. */
START_TEST(maintenance_holds_until_the_window_ends)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char start[32];
    strftime(start, sizeof start, "%Y-%m-%d %H:%M", &tm);
    write_core(NULL, NULL);
    write_site("shop", NULL);
    /* Ends 8 s from now. */
    free(t_write(conf, "window.ini", "[maintenance upgrade]\nsites = shop\nstart = %s\nduration = %ds\n",
                 start, tm.tm_sec + 8));
    set_down("shop", 1);
    /* Results inside the window say so. */
    struct t_out o = t_sitewatch(conf, "check", "--format", "json", NULL);
    T_HAS(o.out, "\"maintenance\":\"upgrade\"");
    t_out_free(&o);
    pid_t pid = start_daemon();
    t_msleep(5000);
    ck_assert_int_eq(sent_count("\"event\":\"DOWN\""), 0);
    ck_assert_msg(sent_wait("\"event\":\"DOWN\"", 1, 20), "no DOWN after the window; log:\n%s",
                  t_read(errlog));
    ck_assert_int_ge(time(NULL), now + 7);
    stop(pid);
}
END_TEST

/* `silence SITE 6s` (before the daemon even runs): held, then told. */
START_TEST(silence_holds_then_tells)
{
    write_core(NULL, NULL);
    write_site("shop", NULL);
    set_down("shop", 1);
    struct t_out o = t_sitewatch(conf, "silence", "shop", "6s", NULL);
    ck_assert_msg(o.status == 0, "%s%s", o.out, o.err);
    T_HAS(o.out, "shop: silenced until ");
    t_out_free(&o);
    time_t t0 = time(NULL);
    pid_t pid = start_daemon();
    t_msleep(4000);
    ck_assert_int_eq(sent_count("\"event\":\"DOWN\""), 0);
    ck_assert_msg(sent_wait("\"event\":\"DOWN\"", 1, 20), "no DOWN after the silence; log:\n%s",
                  t_read(errlog));
    ck_assert_int_ge(time(NULL), t0 + 5);
    stop(pid);
    o = t_sitewatch(conf, "silence", "nosuch", "1h", NULL);
    ck_assert_int_eq(o.status, 1);
    T_HAS(o.err, "no site named 'nosuch'");
    t_out_free(&o);
}
END_TEST

/* remind_every = 1min: the DOWN site is reminded, the acknowledged one
 * is not; `alerts` shows both and who was told. */
START_TEST(reminders_and_ack)
{
    write_core("remind_every = 1min", NULL);
    write_site("shop", NULL);
    write_site("api", NULL);
    set_down("shop", 1);
    set_down("api", 1);
    pid_t pid = start_daemon();
    ck_assert_msg(sent_wait("\"event\":\"DOWN\"", 2, 20), "no DOWNs; log:\n%s", t_read(errlog));
    struct t_out o = t_sitewatch(conf, "ack", "api", NULL);
    ck_assert_msg(o.status == 0, "%s%s", o.out, o.err);
    T_HAS(o.out, "api: acknowledged");
    t_out_free(&o);
    o = t_sitewatch(conf, "alerts", NULL);
    ck_assert_msg(o.status == 0, "%s%s", o.out, o.err);
    T_HAS(o.out, "shop/http/lab");
    T_HAS(o.out, "down");
    T_HAS(o.out, "told rec at ");
    T_HAS(o.out, "outbox rec: ");
    t_out_free(&o);
    o = t_sitewatch(conf, "ack", "nosuch", NULL);
    ck_assert_int_eq(o.status, 1);
    t_out_free(&o);
    ck_assert_msg(sent_wait("\"event\":\"REMINDER\"", 1, 80), "no REMINDER; log:\n%s", t_read(errlog));
    t_msleep(1500);
    o = t_sitewatch(conf, "alerts", "--format", "json", NULL);
    T_HAS(o.out, "{\"series\":\"api/http/lab\",\"state\":\"down\"");
    T_HAS(o.out, "\"acked\":true");
    T_HAS(o.out, "{\"outbox\":\"rec\",\"waiting\":0}");
    t_out_free(&o);
    stop(pid);
    ck_assert_int_eq(sent_count("\"event\":\"REMINDER\""), 1);
    ck_assert_int_eq(sent_count("\"event\":\"REMINDER\",\"id\":\""), 1);
    char *s = t_read(sent);
    char *rem = strstr(s, "\"event\":\"REMINDER\"");
    ck_assert_msg(rem && strstr(rem, "\"site\":\"shop\""), "%s", s);
    free(s);
    /* recover: api is no longer acked afterwards (covered by alert.c) */
    set_down("shop", 0);
    set_down("api", 0);
}
END_TEST

/* A reload does not reopen notifiers: it says so; what a site owes a
 * notifier added by the reload waits in the state file for the restart. */
START_TEST(reload_names_notifiers_it_does_not_reopen)
{
    write_core(NULL, NULL);
    write_site("shop", NULL);
    pid_t pid = start_daemon();
    t_msleep(2000);
    char second[1200];
    snprintf(second, sizeof second, "%s.2", sent);
    free(
        t_write(conf, "more.ini", "[notify later]\nplugin = recorder\nfile = %s\ngroup_wait = 0s\n", second));
    write_site("shop", "notify = rec, later");
    kill(pid, SIGHUP);
    char *log = NULL;
    for (int i = 0; i < 100 && !(log && strstr(log, "takes effect when sitewatch is restarted")); i++) {
        free(log);
        t_msleep(100);
        log = t_read(errlog);
    }
    ck_assert_msg(log && strstr(log, "[notify later] ("), "%s", log);
    T_HAS(log, "added: it takes effect when sitewatch is restarted");
    free(log);
    set_down("shop", 1);
    ck_assert_msg(sent_wait("\"event\":\"DOWN\"", 1, 20), "no DOWN; log:\n%s", t_read(errlog));
    stop(pid);
    /* The restart opens it: what waited for it goes. */
    pid = start_daemon();
    for (int i = 0; i < 100 && access(second, F_OK) != 0; i++)
        t_msleep(100);
    stop(pid);
    char *s2 = t_read(second);
    ck_assert_msg(s2 && strstr(s2, "\"event\":\"DOWN\""), "%s", s2 ? s2 : "(nothing)");
    free(s2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alerting");
    TCase *tc = tcase_create("daemon");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, notify_test_through_the_real_path);
    tcase_add_test(tc, down_once_then_up_once);
    tcase_add_test(tc, restart_neither_repeats_nor_forgets);
    tcase_add_test(tc, kill_9_before_delivery_loses_nothing);
    tcase_add_test(tc, refused_then_retried);
    tcase_add_test(tc, storm_is_one_digest);
    tcase_add_test(tc, depends_on_holds_the_child);
    tcase_add_test(tc, self_alert_for_a_plugin_that_cannot_load);
    tcase_add_test(tc, maintenance_holds_until_the_window_ends);
    tcase_add_test(tc, silence_holds_then_tells);
    tcase_add_test(tc, reminders_and_ack);
    tcase_add_test(tc, reload_names_notifiers_it_does_not_reopen);
    suite_add_tcase(s, tc);
    return t_run_suite(s, 0);
}
