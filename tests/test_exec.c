/* SPDX-License-Identifier: MIT
 * Running programs: the host's api->proc_spawn on a loop of the test's own
 * (output captured and limited, stdin delivered, the environment exactly
 * as given, exit codes and signals, a timeout that kills the program and
 * the child it forked, SIGKILL for one that ignores SIGTERM, a leftover
 * child swept, cancel, a missing program, no descriptor inherited), and
 * the exec notify plugin through `sitewatch notify-test` with a script
 * that records its environment and stdin: delivered, refused (exit 3),
 * hanging with a child (both killed at the notifier's timeout), and every
 * bad configuration refused with file:line. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "host.h"
#include "support.h"

/* ---- the host call on a loop of the test's ---- */

/* What the callback was given, copied. */
struct ended {
    int calls;
    struct sw_proc_end e;
    char *out, *err, *error_text;
};

static void on_end(sw_proc *p, const struct sw_proc_end *e, void *ud)
{
    (void)p;
    struct ended *x = ud;
    x->calls++;
    x->e = *e;
    x->out = malloc(e->out_len + 1);
    memcpy(x->out, e->out, e->out_len + 1);
    x->err = malloc(e->err_len + 1);
    memcpy(x->err, e->err, e->err_len + 1);
    x->error_text = e->error_text ? strdup(e->error_text) : NULL;
}

static void ended_free(struct ended *x)
{
    free(x->out);
    free(x->err);
    free(x->error_text);
}

static uv_loop_t loop;

static void loop_setup(void)
{
    ck_assert_int_eq(uv_loop_init(&loop), 0);
    sw_host_set_loop(&loop);
}

/* Every handle the call made is closed once it is over: the loop closes. */
static void loop_teardown(void)
{
    uv_run(&loop, UV_RUN_DEFAULT);
    ck_assert_int_eq(uv_loop_close(&loop), 0);
}

static struct sw_spawn spawn_of(const char *const *argv)
{
    return (struct sw_spawn){.size = sizeof(struct sw_spawn), .argv = argv, .timeout = 20 * SW_S};
}

/* Run SP to its end; the callback's copy in *X. */
static void run(const struct sw_spawn *sp, struct ended *x)
{
    memset(x, 0, sizeof *x);
    const struct sw_host_api *api = sw_host_api();
    sw_proc *p = NULL;
    ck_assert_int_eq(api->proc_spawn(sp, on_end, x, &p), 0);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(x->calls, 0); /* never from inside proc_spawn */
    while (!x->calls && uv_run(&loop, UV_RUN_ONCE))
        ;
    ck_assert_int_eq(x->calls, 1);
}

static void run_sh(const char *script, struct ended *x)
{
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    struct sw_spawn sp = spawn_of(argv);
    run(&sp, x);
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* PID is gone (or a zombie nobody has reaped yet), within MS. */
static int gone(int pid, int ms)
{
    char path[64], st[256];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    for (int waited = 0;; waited += 20) {
        FILE *f = fopen(path, "r");
        if (!f)
            return 1;
        size_t n = fread(st, 1, sizeof st - 1, f);
        fclose(f);
        st[n] = '\0';
        const char *q = strrchr(st, ')');
        if (!q || q[2] == 'Z' || q[2] == 'X')
            return 1;
        if (waited >= ms)
            return 0;
        t_msleep(20);
    }
}

/* The pid a script wrote to FILE. */
static int pid_in(const char *file)
{
    char *t = NULL;
    for (int i = 0; i < 250; i++) { /* the shell makes it, then writes it */
        if ((t = t_read(file)) && strchr(t, '\n'))
            break;
        free(t);
        t = NULL;
        t_msleep(20);
    }
    ck_assert_msg(t != NULL, "%s was not written", file);
    int pid = atoi(t);
    free(t);
    ck_assert_int_gt(pid, 1);
    return pid;
}

START_TEST(spawn_output_captured)
{
    struct ended x;
    run_sh("printf 'out one\\nout two'; printf 'err one' >&2", &x);
    ck_assert_int_eq(x.e.error, 0);
    ck_assert_ptr_null(x.error_text);
    ck_assert_int_eq(x.e.exit_code, 0);
    ck_assert_int_eq(x.e.signal, 0);
    ck_assert_int_eq(x.e.timed_out, 0);
    ck_assert_str_eq(x.out, "out one\nout two");
    ck_assert_str_eq(x.err, "err one");
    ck_assert_int_eq((int)x.e.out_dropped + (int)x.e.err_dropped, 0);
    ck_assert_int_gt(x.e.pid, 1);
    ck_assert(x.e.duration > 0 && x.e.duration < 10 * SW_S);
    ck_assert_uint_ge(x.e.size, sizeof(struct sw_proc_end));
    ended_free(&x);
}
END_TEST

START_TEST(spawn_output_limited_rest_counted)
{
    const char *argv[] = {"/bin/sh", "-c", "head -c 200000 /dev/zero; head -c 5000 /dev/zero >&2", NULL};
    struct sw_spawn sp = spawn_of(argv);
    sp.output_max = 1000;
    struct ended x;
    run(&sp, &x);
    ck_assert_int_eq(x.e.exit_code, 0);
    ck_assert_uint_eq(x.e.out_len, 1000);
    ck_assert_int_eq(x.e.out_dropped, 199000);
    ck_assert_uint_eq(x.e.err_len, 1000);
    ck_assert_int_eq(x.e.err_dropped, 4000);
    ended_free(&x);

    /* The default: 64 KiB each. */
    sp.output_max = 0;
    run(&sp, &x);
    ck_assert_uint_eq(x.e.out_len, 65536);
    ck_assert_int_eq(x.e.out_dropped, 200000 - 65536);
    ck_assert_uint_eq(x.e.err_len, 5000);
    ended_free(&x);
}
END_TEST

START_TEST(spawn_stdin_delivered)
{
    /* 300 KB, more than any pipe holds, NULs included, back through cat. */
    size_t n = 300000;
    char *in = malloc(n);
    for (size_t i = 0; i < n; i++)
        in[i] = (char)(i * 7 % 251);
    const char *argv[] = {"/bin/cat", NULL};
    struct sw_spawn sp = spawn_of(argv);
    sp.input = in;
    sp.input_len = n;
    sp.output_max = n + 10;
    struct ended x;
    run(&sp, &x);
    ck_assert_int_eq(x.e.exit_code, 0);
    ck_assert_uint_eq(x.e.out_len, n);
    ck_assert(memcmp(x.out, in, n) == 0);
    ended_free(&x);
    free(in);

    /* Without input stdin is /dev/null: cat ends at once. */
    sp = spawn_of(argv);
    run(&sp, &x);
    ck_assert_int_eq(x.e.exit_code, 0);
    ck_assert_str_eq(x.out, "");
    ended_free(&x);

    /* A child that reads nothing and exits: no SIGPIPE, no error. */
    const char *quit[] = {"/bin/true", NULL};
    char *big = calloc(1, 1 << 20);
    sp = spawn_of(quit);
    sp.input = big;
    sp.input_len = 1 << 20;
    run(&sp, &x);
    ck_assert_int_eq(x.e.exit_code, 0);
    ended_free(&x);
    free(big);
}
END_TEST

START_TEST(spawn_env_as_given)
{
    setenv("SW_TEST_NOT_PASSED", "secret", 1);
    setenv("LANG", "de_DE.UTF-8", 1);
    setenv("HOME", "/home/tester", 1);
    const char *argv[] = {"/usr/bin/env", NULL};
    const char *env[] = {"FOO=bar baz", "LANG=C.UTF-8", "EMPTY=", "FOO=last wins", NULL};
    struct sw_spawn sp = spawn_of(argv);
    sp.env = env;
    struct ended x;
    run(&sp, &x);
    ck_assert_int_eq(x.e.exit_code, 0);
    char want[4096];
    snprintf(want, sizeof want, "PATH=%s\nHOME=/home/tester\nLANG=C.UTF-8\nFOO=last wins\nEMPTY=\n",
             getenv("PATH"));
    ck_assert_str_eq(x.out, want);
    ended_free(&x);

    /* No PATH in the daemon's: a plain one; a name is looked up in it. */
    unsetenv("PATH");
    unsetenv("LANG");
    const char *byname[] = {"env", NULL};
    sp = spawn_of(byname);
    run(&sp, &x);
    ck_assert_int_eq(x.e.error, 0);
    ck_assert_str_eq(x.out, "PATH=/usr/local/bin:/usr/bin:/bin\nHOME=/home/tester\n");
    ended_free(&x);
}
END_TEST

static const struct {
    const char *script;
    int code, sig;
} exits[] = {
    {"exit 0", 0, 0},
    {"exit 1", 1, 0},
    {"exit 3", 3, 0},
    {"exit 126", 126, 0},
    {"exit 255", 255, 0},
    {"kill -TERM $$", -1, SIGTERM},
    {"kill -KILL $$", -1, SIGKILL},
};

START_TEST(spawn_exit_codes)
{
    struct ended x;
    run_sh(exits[_i].script, &x);
    ck_assert_int_eq(x.e.error, 0);
    ck_assert_int_eq(x.e.exit_code, exits[_i].code);
    ck_assert_int_eq(x.e.signal, exits[_i].sig);
    ck_assert_int_eq(x.e.timed_out, 0);
    ended_free(&x);
}
END_TEST

/* "PREFIX sleep 60 & ...; wait" (its child's pid in a file) run with
 * TIMEOUT and GRACE: how it ended, how long it took, and that its child
 * is gone afterwards. */
static double run_with_child(const char *prefix, int64_t timeout, int64_t grace, struct ended *x)
{
    char *dir = t_tmpdir(), script[800], file[700];
    snprintf(script, sizeof script, "%s sleep 60 & echo $! > %s/child; wait", prefix, dir);
    snprintf(file, sizeof file, "%s/child", dir);
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    struct sw_spawn sp = spawn_of(argv);
    sp.timeout = timeout;
    sp.grace = grace;
    double t0 = mono_s();
    run(&sp, x);
    double took = mono_s() - t0;
    int child = pid_in(file);
    ck_assert_msg(gone(child, 2000), "its child %d still runs", child);
    ck_assert_msg(gone(x->e.pid, 0), "it still runs");
    t_rmtree(dir);
    free(dir);
    return took;
}

START_TEST(spawn_timeout_kills_the_group)
{
    struct ended x;
    double took = run_with_child("", 500 * SW_MS, 0, &x);
    ck_assert_int_eq(x.e.timed_out, 1);
    ck_assert_int_eq(x.e.exit_code, -1);
    ck_assert_int_eq(x.e.signal, SIGTERM);
    ck_assert_msg(took >= 0.45 && took < 3, "took %.2f s", took);
    ended_free(&x);
}
END_TEST

START_TEST(spawn_sigterm_ignored_then_sigkill)
{
    struct ended x;
    double took = run_with_child("trap '' TERM;", 300 * SW_MS, 400 * SW_MS, &x);
    ck_assert_int_eq(x.e.timed_out, 1);
    ck_assert_int_eq(x.e.signal, SIGKILL);
    ck_assert_msg(took >= 0.65 && took < 3, "took %.2f s", took);
    ended_free(&x);
}
END_TEST

/* It exited at once, its child holds stdout: the end waits for the
 * timeout, which kills the child. */
START_TEST(spawn_child_holding_stdout_timed_out)
{
    struct ended x;
    const char *argv[] = {"/bin/sh", "-c", "sleep 60 & echo $!", NULL};
    struct sw_spawn sp = spawn_of(argv);
    sp.timeout = 400 * SW_MS;
    run(&sp, &x);
    ck_assert_int_eq(x.e.timed_out, 1);
    ck_assert_int_eq(x.e.exit_code, 0); /* it exited, on time */
    int child = atoi(x.out);
    ck_assert_int_gt(child, 1);
    ck_assert_msg(gone(child, 2000), "its child %d still runs", child);
    ended_free(&x);
}
END_TEST

/* A child that let go of stdout outlives nothing: swept after the end. */
START_TEST(spawn_leftover_swept)
{
    struct ended x;
    double t0 = mono_s();
    run_sh("sleep 60 >/dev/null 2>&1 & echo $!", &x);
    ck_assert_msg(mono_s() - t0 < 2, "the end waited for the leftover");
    ck_assert_int_eq(x.e.exit_code, 0);
    ck_assert_int_eq(x.e.timed_out, 0);
    int child = atoi(x.out);
    ck_assert_int_gt(child, 1);
    uv_run(&loop, UV_RUN_DEFAULT); /* the sweep */
    ck_assert_msg(gone(child, 2000), "its child %d still runs", child);
    ended_free(&x);
}
END_TEST

static int cancel_calls;
static void never(sw_proc *p, const struct sw_proc_end *e, void *ud)
{
    (void)p, (void)e, (void)ud;
    cancel_calls++;
}

static void cancel_now(uv_timer_t *t)
{
    sw_host_api()->proc_cancel(t->data);
    uv_close((uv_handle_t *)t, NULL);
}

START_TEST(spawn_cancel_kills_no_callback)
{
    char *dir = t_tmpdir(), script[800], file[700];
    snprintf(script, sizeof script, "sleep 60 & echo $! > %s/child; wait", dir);
    snprintf(file, sizeof file, "%s/child", dir);
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    struct sw_spawn sp = spawn_of(argv);
    sw_proc *p = NULL;
    ck_assert_int_eq(sw_host_api()->proc_spawn(&sp, never, NULL, &p), 0);
    int child = pid_in(file);
    uv_timer_t t;
    uv_timer_init(&loop, &t);
    t.data = p;
    uv_timer_start(&t, cancel_now, 50, 0);
    double t0 = mono_s();
    uv_run(&loop, UV_RUN_DEFAULT);
    ck_assert_msg(mono_s() - t0 < 2, "the cancel waited");
    ck_assert_int_eq(cancel_calls, 0);
    ck_assert_msg(gone(child, 2000), "its child %d still runs", child);
    t_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(spawn_missing_program_said)
{
    const char *argv[] = {"/nonexistent/sitewatch-notify", "x", NULL};
    struct sw_spawn sp = spawn_of(argv);
    struct ended x;
    run(&sp, &x);
    ck_assert_int_eq(x.e.error, SW_ENOTFOUND);
    ck_assert_str_eq(x.error_text, "cannot run /nonexistent/sitewatch-notify: no such file or directory");
    ck_assert_int_eq(x.e.pid, 0);
    ck_assert_str_eq(x.out, "");
    ended_free(&x);

    /* A file that is not executable. */
    char *dir = t_tmpdir();
    char *f = t_write(dir, "notx", "#!/bin/sh\necho hi\n");
    const char *notx[] = {f, NULL};
    sp = spawn_of(notx);
    run(&sp, &x);
    ck_assert_int_eq(x.e.error, SW_EIO);
    ck_assert_ptr_nonnull(strstr(x.error_text, "permission denied"));
    ck_assert_ptr_nonnull(strstr(x.error_text, f));
    ended_free(&x);
    free(f);
    t_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(spawn_bad_arguments_refused)
{
    const struct sw_host_api *api = sw_host_api();
    const char *argv[] = {"/bin/true", NULL}, *none[] = {NULL}, *noeq[] = {"NOEQUALS", NULL},
               *noname[] = {"=x", NULL};
    struct sw_spawn sp = spawn_of(none);
    ck_assert_int_eq(api->proc_spawn(&sp, never, NULL, NULL), SW_EINVAL);
    sp = spawn_of(argv);
    sp.env = noeq;
    ck_assert_int_eq(api->proc_spawn(&sp, never, NULL, NULL), SW_EINVAL);
    sp.env = noname;
    ck_assert_int_eq(api->proc_spawn(&sp, never, NULL, NULL), SW_EINVAL);
    sp.env = NULL;
    sp.size = 4;
    ck_assert_int_eq(api->proc_spawn(&sp, never, NULL, NULL), SW_EINVAL);
    sp.size = sizeof sp;
    ck_assert_int_eq(api->proc_spawn(&sp, NULL, NULL, NULL), SW_EINVAL);
    ck_assert_int_eq(api->proc_spawn(NULL, never, NULL, NULL), SW_EINVAL);
    uv_run(&loop, UV_RUN_DEFAULT);
    ck_assert_int_eq(cancel_calls, 0);
}
END_TEST

START_TEST(spawn_no_descriptor_inherited)
{
    int fd = open("/dev/null", O_RDONLY); /* without O_CLOEXEC */
    ck_assert_int_ge(fd, 3);
    char script[200];
    snprintf(script, sizeof script, "ls /proc/$$/fd; test -e /proc/$$/fd/%d && echo leaked", fd);
    struct ended x;
    run_sh(script, &x);
    ck_assert_msg(!strstr(x.out, "leaked"), "descriptor %d reached the child:\n%s", fd, x.out);
    ck_assert_str_eq(x.out, "0\n1\n2\n");
    ended_free(&x);
    close(fd);
}
END_TEST

/* ---- the exec notify plugin through notify-test ---- */

static char *files; /* scripts and what they record */

/* A folder with [notify pager] running COMMAND (FILES in it replaced by
 * the files folder) and EXTRA lines; its notify-test, timed. */
static struct t_out notify_test(const char *command, const char *extra, double *took)
{
    char cmd[2000];
    size_t k = 0;
    for (const char *p = command; *p && k + 1 < sizeof cmd;) {
        if (strncmp(p, "FILES", 5) == 0) {
            k += (size_t)snprintf(cmd + k, sizeof cmd - k, "%s", files);
            p += 5;
        } else {
            cmd[k++] = *p++;
        }
    }
    cmd[k < sizeof cmd ? k : sizeof cmd - 1] = '\0';
    char *dir = t_conf_dir(NULL, NULL);
    free(t_write(dir, "n.ini", "[notify pager]\nplugin = exec\ncommand = %s\n%s", cmd, extra ? extra : ""));
    double t0 = mono_s();
    struct t_out o = t_sitewatch(dir, "notify-test", "pager", NULL);
    if (took)
        *took = mono_s() - t0;
    t_rmtree(dir);
    free(dir);
    return o;
}

static char *script(const char *name, const char *body)
{
    char *path = t_write(files, name, "#!/bin/sh\n%s\n", body);
    chmod(path, 0755);
    return path;
}

static char *file_in(const char *name)
{
    char path[800];
    snprintf(path, sizeof path, "%s/%s", files, name);
    return t_read(path);
}

/* The NAME=... line of ENV ("NAME=" itself when absent: no line has it). */
static int env_has(const char *env, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = env; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
        if (strncmp(p, line, n) == 0)
            return 1;
    return 0;
}

START_TEST(notify_delivered_env_and_stdin)
{
    free(script("record", "env > \"$0.env\"\ncat > \"$0.stdin\"\n"
                          "for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done > \"$0.args\"\n"
                          "echo '  paged oncall 42  '\necho 'second line'\necho 'on stderr' >&2"));
    struct t_out o = notify_test("FILES/record \"two words\" 'single $quoted' back\\ slash \"\" 'it'\\''s'",
                                 "env = TEAM=web ops\n", NULL);
    ck_assert_msg(o.status == 0, "exit %d\n%s%s", o.status, o.out, o.err);
    T_HAS(o.out, "pager: delivered: exit 0: paged oncall 42\n");
    t_out_free(&o);

    char *args = file_in("record.args");
    ck_assert_str_eq(args, "[two words]\n[single $quoted]\n[back slash]\n[]\n[it's]\n");
    free(args);

    char *env = file_in("record.env");
    ck_assert_ptr_nonnull(env);
    char path[4200];
    snprintf(path, sizeof path, "PATH=%s\n", getenv("PATH"));
    const char *const want[] = {path,
                                "TEAM=web ops\n",
                                "SW_EVENT=TEST\n",
                                "SW_SITE=sitewatch\n",
                                "SW_LOCATION=",
                                "SW_REASON=a test message from sitewatch on ",
                                "SW_AT=20",
                                "SW_ID=test.",
                                "SW_COUNT=1\n",
                                "SW_SUBJECT=[sitewatch] TEST: a test message"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_msg(env_has(env, want[i]), "no %s in\n%s", want[i], env);
    /* Nothing else of sitewatch's environment: only these names (and the
     * shell's own PWD). */
    for (const char *p = env; *p;) {
        const char *nl = strchr(p, '\n'), *eq = strchr(p, '=');
        ck_assert_ptr_nonnull(eq);
        int len = (int)(eq - p);
        int ok = strncmp(p, "SW_", 3) == 0 && strncmp(p, "SW_TEST_", 8) != 0;
        static const char *const allowed[] = {"PATH", "HOME", "LANG", "PWD", "TEAM"};
        for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
            ok |= len == (int)strlen(allowed[i]) && strncmp(p, allowed[i], (size_t)len) == 0;
        ck_assert_msg(ok, "%.*s reached the command:\n%s", len, p, env);
        p = nl ? nl + 1 : p + strlen(p);
    }
    ck_assert(!env_has(env, "SW_PAGE=")); /* no public_url: unset */

    /* stdin: the message's JSON, its id the one in SW_ID. */
    char *in = file_in("record.stdin");
    ck_assert_ptr_nonnull(in);
    T_HAS(in, "\"event\":\"TEST\"");
    T_HAS(in, "\"site\":\"sitewatch\"");
    const char *id = strstr(env, "SW_ID=") + 6;
    char quoted[200];
    snprintf(quoted, sizeof quoted, "\"id\":\"%.*s\"", (int)strcspn(id, "\n"), id);
    T_HAS(in, quoted);
    free(in);
    free(env);
}
END_TEST

static const struct {
    const char *body, *said;
} refusing[] = {
    {"echo 'quota exceeded' >&2\necho 'try later' >&2\nexit 3",
     "pager: not delivered: exit 3: quota exceeded try later\n"},
    {"echo 'only on stdout'\nexit 1", "pager: not delivered: exit 1: only on stdout\n"},
    {"exit 2", "pager: not delivered: exit 2\n"},
    {"kill -KILL $$", "pager: not delivered: killed by signal 9 SIGKILL\n"},
};

START_TEST(notify_exit_not_zero_not_delivered)
{
    free(script("refuse", refusing[_i].body));
    struct t_out o = notify_test("FILES/refuse", NULL, NULL);
    ck_assert_msg(o.status == 1, "exit %d\n%s%s", o.status, o.out, o.err);
    ck_assert_msg(strstr(o.out, refusing[_i].said), "want %s in\n%s%s", refusing[_i].said, o.out, o.err);
    t_out_free(&o);
}
END_TEST

START_TEST(notify_hanging_killed_with_its_child)
{
    free(script("hang", "sleep 300 &\necho $! > \"$0.child\"\nwait"));
    double took = 0;
    struct t_out o = notify_test("FILES/hang", "timeout = 2s\n", &took);
    ck_assert_msg(o.status == 1, "exit %d\n%s%s", o.status, o.out, o.err);
    T_HAS(o.out, "pager: not delivered: timed out after 2 s: its process group was stopped");
    ck_assert_msg(took >= 1.9 && took < 8, "took %.2f s", took);
    char path[800];
    snprintf(path, sizeof path, "%s/hang.child", files);
    int child = pid_in(path);
    ck_assert_msg(gone(child, 2000), "its child %d still runs", child);
    t_out_free(&o);
}
END_TEST

/* Through the daemon: two sites failing within group_wait make one digest;
 * the command gets its first event's fields, its count and its subject,
 * and every event on stdin. */
START_TEST(daemon_digest_of_two_downs)
{
    free(script("log", "{ env; echo ---; cat; echo; echo ===; } >> \"$0.out\""));
    char path[800];
    snprintf(path, sizeof path, "%s/log.out", files);
    unlink(path);
    char *dir = t_tmpdir();
    int port = t_free_port(); /* nobody listens: connection refused, FAIL */
    free(t_write(dir, "0core.ini",
                 "[core]\nplugin_dir = %s\nstate = %s/state.db\nalert_after = 1\nmin_interval = 1s\n"
                 "notify = pager\npublic_url = https://status.example.org/\n"
                 "[notify pager]\nplugin = exec\ncommand = %s/log\ngroup_wait = 3s\n"
                 "[site shop]\nurl = http://127.0.0.1:%d/\nchecks = http\ninterval = 1s\n"
                 "[site api]\nurl = http://127.0.0.1:%d/api\nchecks = http\ninterval = 1s\n",
                 t_plugin_dir(), dir, files, port, port));
    char errfile[700];
    snprintf(errfile, sizeof errfile, "%s/err.log", dir);
    pid_t pid = t_sitewatch_bg(dir, errfile, "run", NULL);
    char *out = NULL;
    for (int i = 0; i < 300 && !(out && strstr(out, "===")); i++) {
        free(out);
        t_msleep(100);
        out = t_read(path);
    }
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 30), 0);
    char *log = t_read(errfile);
    ck_assert_msg(out && strstr(out, "==="), "nothing ran:\n%s", log);
    ck_assert_msg(!strstr(strstr(out, "===") + 3, "==="), "more than one message:\n%s", out);
    char url[100], subject[100];
    snprintf(url, sizeof url, "SW_URL=http://127.0.0.1:%d/", port);
    const char *first = strstr(out, "SW_SITE=shop\n") ? "shop" : "api";
    snprintf(subject, sizeof subject, "SW_SERIES=%s/http/local\n", first);
    const char *const want[] = {"SW_EVENT=DOWN\n",
                                "SW_CHECK=http\n",
                                "SW_LOCATION=local\n",
                                "SW_VERDICT=FAIL\n",
                                "SW_REASON=",
                                "SW_SINCE=20",
                                url,
                                subject,
                                "SW_COUNT=2\n",
                                "SW_SUBJECT=[sitewatch] ",
                                "SW_PAGE=https://status.example.org/",
                                "SW_ID="};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_msg(env_has(out, want[i]), "no %s in\n%s\n%s", want[i], out, log);
    ck_assert(!env_has(out, "SW_DOWNTIME="));
    const char *json = strstr(out, "---\n") + 4;
    T_HAS(json, "\"event\":\"DIGEST\"");
    T_HAS(json, "\"site\":\"shop\"");
    T_HAS(json, "\"site\":\"api\"");
    T_HAS(log, "delivered 2 event(s): exit 0");
    free(log);
    free(out);
    t_rmtree(dir);
    free(dir);
}
END_TEST

/* The bad configurations, each refused with file:line and what was
 * expected; FILES is the files folder. */
static const struct {
    const char *ini, *want;
} bad[] = {
    {"", "command"},
    {"command =\n", "command"},
    {"command = page-oncall --now\n",
     "command = \"page-oncall --now\": expected a command whose program is an absolute path"},
    {"command = ./page\n", "expected a command whose program is an absolute path"},
    {"command = /nonexistent/page --now\n",
     "expected a program that exists (/nonexistent/page: No such file or directory)"},
    {"command = FILES\n", "expected a program file (FILES is not a regular file)"},
    {"command = FILES/notx\n", "expected an executable program (FILES/notx: Permission denied)"},
    {"command = FILES/everyone\n",
     "expected a program only its owner may change (FILES/everyone is writable by "
     "everyone: chmod go-w it)"},
    {"command = FILES/group\n", "is writable by its group"},
    {"command = /bin/echo 'abc\n", "expected a command whose ' quotes are closed"},
    {"command = /bin/echo \"abc\n", "expected a command whose \" quotes are closed"},
    {"command = /bin/echo abc\\\n", "expected a command whose last \\ escapes something"},
    {"command = /bin/echo hi | mail ops\n",
     "expected a command without shell syntax: | would be a pipe in a shell, and no shell runs it (quote it, "
     "'|', to pass it as it is)"},
    {"command = /bin/echo $HOME\n", "$ would be a variable or a substitution in a shell"},
    {"command = /bin/echo \"$HOME\"\n", "$ would be a variable or a substitution in a shell, also inside "
                                        "\"...\", and no shell runs it (write \\$ "
                                        "to pass it as it is)"},
    {"command = /bin/echo `id`\n", "` would be a command substitution"},
    {"command = /bin/echo *.log\n", "* would be a file name pattern"},
    {"command = /bin/echo hi > /tmp/x\n", "> would be a redirection"},
    {"command = /bin/echo ~/x\n", "~ would be the home folder"},
    {"command = /bin/true\nenv = NOEQUALS\n",
     "env = \"NOEQUALS\": expected NAME=VALUE, such as PAGER_TEAM=web"},
    {"command = /bin/true\nenv = 9X=1\n", "env = \"9X=1\": expected NAME=VALUE"},
    {"command = /bin/true\nenv = SW_SITE=x\n", "expected a name that does not start with SW_"},
    {"command = /bin/true\ntimeout = 0s\n", "timeout"},
};

START_TEST(bad_config_refused)
{
    char ini[1200], want[800];
    size_t k = 0;
    k = (size_t)snprintf(ini, sizeof ini, "[notify n]\nplugin = exec\n");
    for (const char *p = bad[_i].ini; *p && k + 1 < sizeof ini;)
        if (strncmp(p, "FILES", 5) == 0)
            k += (size_t)snprintf(ini + k, sizeof ini - k, "%s", files), p += 5;
        else
            ini[k++] = *p++;
    ini[k] = '\0';
    k = 0;
    for (const char *p = bad[_i].want; *p && k + 1 < sizeof want;)
        if (strncmp(p, "FILES", 5) == 0)
            k += (size_t)snprintf(want + k, sizeof want - k, "%s", files), p += 5;
        else
            want[k++] = *p++;
    want[k] = '\0';
    const char *const w[] = {want, "a.ini:", "[notify n]", "!out of memory"};
    t_validate_errors(ini, w, sizeof w / sizeof *w);
}
END_TEST

START_TEST(good_config_validates)
{
    char *dir = t_conf_dir(NULL, NULL);
    free(t_write(
        dir, "a.ini",
        "[notify a]\nplugin = exec\ncommand = /bin/true\n"
        "[notify b]\nplugin = exec\ncommand = /bin/echo 'a | b' \"\\$HOME\" \\* x~y#z \\~\nenv = A=1\nenv = "
        "B_2=two words\ntimeout = 30s\n"));
    struct t_out o = t_sitewatch(dir, "validate", NULL);
    ck_assert_msg(o.status == 0, "exit %d\n%s%s", o.status, o.out, o.err);
    t_out_free(&o);
    t_rmtree(dir);
    free(dir);
}
END_TEST

/* The shipped example loads and validates as it is. */
START_TEST(shipped_example_validates)
{
    char path[700];
    snprintf(path, sizeof path, "%s/conf.d/examples/notify-exec.ini", t_source_root());
    char *text = t_read(path);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    char *dir = t_conf_dir(NULL, NULL);
    free(t_write(dir, "notify-exec.ini", "%s", text));
    struct t_out o = t_sitewatch(dir, "validate", NULL);
    ck_assert_msg(o.status == 0, "exit %d\n%s%s", o.status, o.out, o.err);
    t_out_free(&o);
    free(text);
    t_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(declared_keys)
{
    const char *const want[] = {"\"command\"", "\"env\"", "no shell"};
    t_plugin_declares("exec", want, sizeof want / sizeof *want);
}
END_TEST

Suite *spawn_suite(void)
{
    Suite *s = suite_create("exec");
    TCase *tc = tcase_create("spawn");
    tcase_add_checked_fixture(tc, loop_setup, loop_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, spawn_output_captured);
    tcase_add_test(tc, spawn_output_limited_rest_counted);
    tcase_add_test(tc, spawn_stdin_delivered);
    tcase_add_test(tc, spawn_env_as_given);
    tcase_add_loop_test(tc, spawn_exit_codes, 0, (int)(sizeof exits / sizeof *exits));
    tcase_add_test(tc, spawn_timeout_kills_the_group);
    tcase_add_test(tc, spawn_sigterm_ignored_then_sigkill);
    tcase_add_test(tc, spawn_child_holding_stdout_timed_out);
    tcase_add_test(tc, spawn_leftover_swept);
    tcase_add_test(tc, spawn_cancel_kills_no_callback);
    tcase_add_test(tc, spawn_missing_program_said);
    tcase_add_test(tc, spawn_bad_arguments_refused);
    tcase_add_test(tc, spawn_no_descriptor_inherited);
    suite_add_tcase(s, tc);

    tc = tcase_create("notify");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, notify_delivered_env_and_stdin);
    tcase_add_loop_test(tc, notify_exit_not_zero_not_delivered, 0, (int)(sizeof refusing / sizeof *refusing));
    tcase_add_test(tc, notify_hanging_killed_with_its_child);
    tcase_add_test(tc, daemon_digest_of_two_downs);
    tcase_add_loop_test(tc, bad_config_refused, 0, (int)(sizeof bad / sizeof *bad));
    tcase_add_test(tc, good_config_validates);
    tcase_add_test(tc, shipped_example_validates);
    tcase_add_test(tc, declared_keys);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    /* What sitewatch has in its environment and must not pass on. */
    setenv("SW_TEST_NOT_PASSED", "secret", 1);
    files = t_tmpdir();
    char *f = t_write(files, "notx", "#!/bin/sh\n");
    chmod(f, 0644);
    free(f);
    f = t_write(files, "everyone", "#!/bin/sh\n");
    chmod(f, 0777);
    free(f);
    f = t_write(files, "group", "#!/bin/sh\n");
    chmod(f, 0775);
    free(f);
    int rc = t_run_suite(spawn_suite(), 0);
    t_rmtree(files);
    free(files);
    return rc;
}
