/* SPDX-License-Identifier: MIT
 * api->proc_spawn: a child process on the host loop through libuv's
 * process handles (uv_spawn: fork and execvp, no shell), in its own
 * session and process group so that a timeout, a cancel or its end reach
 * everything it started.  Its stdout and stderr are read as they come
 * (kept up to a limit, the rest counted), its input written and closed,
 * and one callback says how it ended.
 *
 * A run is done when the program has exited and both its pipes are at
 * their end.  The timer drives the rest: the timeout (SIGTERM to the
 * group), the grace (SIGKILL), a second grace for pipes that a process
 * which left the group still holds (then they are closed and the run
 * ends anyway), and after the end the sweep of what is left of the group.
 */
#include "spawn.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "host.h"
#include "util.h"

#define SP_OUTPUT_MAX (64 * 1024)
#define SP_GRACE      (1 * SW_S)
/* The sw_spawn of ABI 1.4, the first: smaller is not one. */
#define SP_MIN_SIZE (offsetof(struct sw_spawn, cwd) + sizeof(const char *))

enum sp_phase {
    SP_RUNNING,  /* up to the timeout */
    SP_NOSTART,  /* uv_spawn failed: the timer brings the end to the loop */
    SP_TERMED,   /* timed out: SIGTERM sent, SIGKILL at the grace */
    SP_KILLED,   /* SIGKILL sent: pipes still open at the grace are closed */
    SP_SWEEPING, /* ended; its group's rest had SIGTERM, SIGKILL at the grace */
    SP_OVER,     /* ended (or cancelled): handles closing */
};

struct sp_stream {
    uv_pipe_t pipe;
    struct buf kept;
    int64_t dropped;
    int open; /* reading: its end not seen yet */
};

struct sw_proc {
    uv_process_t proc;
    uv_pipe_t in;
    struct sp_stream out, err;
    uv_timer_t timer;
    uv_write_t wr;
    sw_proc_cb cb;
    void *ud;
    enum sp_phase phase;
    int handles;   /* initialised and not yet closed; freed at 0 */
    int cancelled; /* no callback */
    int exited, exit_code, signal, timed_out;
    int pid;
    int error;
    char *error_text;
    char *input;
    size_t input_len, max;
    int64_t started, ended, grace;
};

/* ---- handles ---- */

static void sp_free(sw_proc *p)
{
    buf_free(&p->out.kept);
    buf_free(&p->err.kept);
    free(p->input);
    free(p->error_text);
    free(p);
}

static void sp_closed(uv_handle_t *h)
{
    sw_proc *p = h->data;
    if (--p->handles == 0)
        sp_free(p);
}

static void sp_close(void *handle)
{
    uv_handle_t *h = handle;
    if (!uv_is_closing(h))
        uv_close(h, sp_closed);
}

static void sp_init_handle(sw_proc *p, void *handle)
{
    ((uv_handle_t *)handle)->data = p;
    p->handles++;
}

static void sp_signal_group(sw_proc *p, int sig)
{
    if (p->pid > 0)
        kill(-p->pid, sig);
}

static void sp_timer(uv_timer_t *t);

static void sp_arm(sw_proc *p, int64_t after)
{
    uv_timer_start(&p->timer, sp_timer, after > 0 ? (uint64_t)((after + SW_MS - 1) / SW_MS) : 0, 0);
}

/* ---- the end ---- */

static void sp_stream_stop(struct sp_stream *s)
{
    s->open = 0;
    sp_close(&s->pipe);
}

static void sp_end(sw_proc *p)
{
    if (p->phase == SP_OVER || p->phase == SP_SWEEPING)
        return;
    if (!p->ended)
        p->ended = sw_now_mono();
    uv_timer_stop(&p->timer);
    sp_stream_stop(&p->out);
    sp_stream_stop(&p->err);
    sp_close(&p->in); /* a write still pending is cancelled */
    if (!p->cancelled) {
        struct sw_proc_end e = {
            .size = sizeof e,
            .error = p->error,
            .error_text = p->error_text,
            .exit_code = p->error                  ? 0
                         : p->exited && !p->signal ? p->exit_code
                                                   : -1,
            .signal = p->signal,
            .timed_out = p->timed_out,
            .out = p->out.kept.s ? p->out.kept.s : "",
            .err = p->err.kept.s ? p->err.kept.s : "",
            .out_len = p->out.kept.len,
            .err_len = p->err.kept.len,
            .out_dropped = p->out.dropped,
            .err_dropped = p->err.dropped,
            .duration = p->ended - p->started,
            .pid = p->pid,
        };
        if (p->out.kept.failed || p->err.kept.failed)
            sw_text(p->out.kept.failed ? &p->out.kept : &p->err.kept); /* out of memory: fatal in the core */
        p->cancelled = 1;                                              /* once */
        p->cb(p, &e, p->ud);
    }
    /* Whatever it left in its group goes too: the sweep gives it the
     * timeout's treatment, SIGTERM and SIGKILL after the grace. */
    if (p->pid > 0 && kill(-p->pid, 0) == 0) {
        kill(-p->pid, SIGTERM);
        p->phase = SP_SWEEPING;
        sp_arm(p, p->grace);
        return;
    }
    p->phase = SP_OVER;
    sp_close(&p->timer);
}

static void sp_maybe_end(sw_proc *p)
{
    if (p->exited && !p->out.open && !p->err.open)
        sp_end(p);
}

/* ---- libuv callbacks ---- */

static void sp_exited(uv_process_t *h, int64_t status, int sig)
{
    sw_proc *p = h->data;
    p->exited = 1;
    p->exit_code = (int)status;
    p->signal = sig;
    p->ended = sw_now_mono();
    sp_close(&p->proc);
    if (p->phase == SP_OVER) /* cancelled, or forced to end before it exited */
        return;
    sp_maybe_end(p);
}

static void sp_alloc(uv_handle_t *h, size_t want, uv_buf_t *b)
{
    /* One buffer for every read: libuv reads into it and hands it to
     * sp_read at once, on the one loop thread. */
    static char scratch[64 * 1024];
    (void)h, (void)want;
    *b = uv_buf_init(scratch, sizeof scratch);
}

static void sp_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *b)
{
    sw_proc *p = stream->data;
    struct sp_stream *s = (uv_pipe_t *)stream == &p->out.pipe ? &p->out : &p->err;
    if (n < 0) { /* UV_EOF, or an error, which is an end too */
        sp_stream_stop(s);
        sp_maybe_end(p);
        return;
    }
    size_t got = (size_t)n, room = p->max - s->kept.len, keep = got < room ? got : room;
    if (keep)
        buf_put(&s->kept, b->base, keep);
    s->dropped += (int64_t)(got - keep);
}

static void sp_wrote(uv_write_t *w, int status)
{
    (void)status; /* EPIPE: it did not read it all, which is its business */
    sw_proc *p = w->data;
    sp_close(&p->in);
}

static void sp_timer(uv_timer_t *t)
{
    sw_proc *p = t->data;
    switch (p->phase) {
    case SP_NOSTART: sp_end(p); return;
    case SP_RUNNING:
        p->timed_out = 1;
        sp_signal_group(p, SIGTERM);
        p->phase = SP_TERMED;
        break;
    case SP_TERMED:
        sp_signal_group(p, SIGKILL);
        p->phase = SP_KILLED;
        break;
    case SP_KILLED:
        /* Killed, yet a pipe is open: held by a process that left the
         * group (its own setsid).  The run ends without it. */
        sp_end(p);
        return;
    case SP_SWEEPING:
        sp_signal_group(p, SIGKILL);
        p->phase = SP_OVER;
        sp_close(&p->timer);
        return;
    case SP_OVER: return;
    }
    sp_arm(p, p->grace);
}

/* ---- the start ---- */

/* No descriptor of the daemon's reaches a child: libuv's own are
 * close-on-exec, but a plugin's socket or file may not be, and uv_spawn
 * has no hook in the child to close them.  So every descriptor above
 * stderr is marked close-on-exec before the fork: one close_range call
 * (Linux 5.11), else one fcntl per open descriptor.  The daemon itself
 * never execs, so the mark costs it nothing.  (A descriptor a worker
 * thread opens without O_CLOEXEC between this and the fork still leaks
 * into that one child.) */
static void sp_cloexec_all(void)
{
#ifdef CLOSE_RANGE_CLOEXEC
    if (close_range(3, ~0u, CLOSE_RANGE_CLOEXEC) == 0)
        return;
#endif
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        int fd = atoi(de->d_name);
        if (fd < 3 || fd == dirfd(d))
            continue;
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0 && !(fl & FD_CLOEXEC))
            fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
    }
    closedir(d);
}

static void sp_ignore_sigpipe(void)
{
    static int done;
    struct sigaction sa;
    if (done || sigaction(SIGPIPE, NULL, &sa) != 0)
        return;
    done = 1;
    if (sa.sa_handler == SIG_DFL) {
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_IGN;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGPIPE, &sa, NULL);
    }
}

/* NAME=VALUE with a name; the length of NAME= or 0. */
static size_t sp_env_name(const char *e)
{
    const char *eq = e ? strchr(e, '=') : NULL;
    return eq && eq > e ? (size_t)(eq - e) + 1 : 0;
}

/* The child's environment: PATH, HOME and LANG of the daemon's, then
 * EXTRA, each name once (the last one given wins).  A NULL-terminated
 * array of new strings; free with sw_strv_free. */
static char **sp_environment(const char *const *extra)
{
    static const char *const kept[] = {"PATH", "HOME", "LANG"};
    size_t n = 0, cap = 4;
    for (const char *const *e = extra; e && *e; e++)
        cap++;
    char **env = sw_xcalloc(cap, sizeof *env);
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
        const char *v = getenv(kept[i]);
        if (!v && strcmp(kept[i], "PATH") == 0)
            v = "/usr/local/bin:/usr/bin:/bin";
        if (v)
            env[n++] = sw_xasprintf("%s=%s", kept[i], v);
    }
    for (const char *const *e = extra; e && *e; e++) {
        size_t k = sp_env_name(*e), i = 0;
        while (i < n && strncmp(env[i], *e, k) != 0)
            i++;
        if (i < n)
            free(env[i]);
        else
            n++;
        env[i] = sw_xstrdup(*e);
    }
    return env;
}

static void sp_env_free(char **env)
{
    for (char **e = env; e && *e; e++)
        free(*e);
    free(env);
}

static int sp_check(const struct sw_spawn *sp, sw_proc_cb cb)
{
    if (!sp || !cb || sp->size < SP_MIN_SIZE || !sp->argv || !sp->argv[0] || !sp->argv[0][0])
        return SW_EINVAL;
    for (const char *const *e = sp->env; e && *e; e++)
        if (!sp_env_name(*e))
            return SW_EINVAL;
    return 0;
}

int sw_proc_spawn(const struct sw_spawn *sp, sw_proc_cb cb, void *ud, sw_proc **proc)
{
    if (proc)
        *proc = NULL;
    int rc = sp_check(sp, cb);
    if (rc)
        return rc;
    uv_loop_t *loop = sw_host_loop();
    sw_proc *p = sw_xcalloc(1, sizeof *p);
    p->cb = cb;
    p->ud = ud;
    p->max = sp->output_max ? sp->output_max : SP_OUTPUT_MAX;
    p->grace = sp->grace > 0 ? sp->grace : SP_GRACE;
    uv_timer_init(loop, &p->timer);
    sp_init_handle(p, &p->timer);
    uv_pipe_init(loop, &p->in, 0);
    sp_init_handle(p, &p->in);
    uv_pipe_init(loop, &p->out.pipe, 0);
    sp_init_handle(p, &p->out.pipe);
    uv_pipe_init(loop, &p->err.pipe, 0);
    sp_init_handle(p, &p->err.pipe);

    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE}, /* /dev/null */
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&p->out.pipe},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&p->err.pipe},
    };
    sp_ignore_sigpipe();
    if (sp->input) {
        stdio[0] = (uv_stdio_container_t){.flags = UV_CREATE_PIPE | UV_READABLE_PIPE,
                                          .data.stream = (uv_stream_t *)&p->in};
    }
    size_t argc = 0;
    while (sp->argv[argc])
        argc++;
    char **args = sw_xcalloc(argc + 1, sizeof *args);
    memcpy(args, sp->argv, argc * sizeof *args);
    char **env = sp_environment(sp->env);
    uv_process_options_t o = {
        .exit_cb = sp_exited,
        .file = args[0],
        .args = args,
        .env = env,
        .cwd = sp->cwd,
        .flags = UV_PROCESS_DETACHED, /* setsid(): its own session and group */
        .stdio_count = 3,
        .stdio = stdio,
    };
    sp_cloexec_all();
    p->started = sw_now_mono();
    rc = uv_spawn(loop, &p->proc, &o);
    sp_init_handle(p, &p->proc); /* initialised even when it failed */
    free(args);
    sp_env_free(env);

    if (rc != 0) {
        p->error = rc == UV_ENOENT ? SW_ENOTFOUND : SW_EIO;
        p->error_text = sw_xasprintf("cannot run %s: %s", sp->argv[0], uv_strerror(rc));
        p->phase = SP_NOSTART;
        sp_close(&p->proc);
        sp_arm(p, 0);
    } else {
        p->pid = p->proc.pid;
        p->out.open = p->err.open = 1;
        uv_read_start((uv_stream_t *)&p->out.pipe, sp_alloc, sp_read);
        uv_read_start((uv_stream_t *)&p->err.pipe, sp_alloc, sp_read);
        if (sp->input && sp->input_len) {
            p->input = sw_xmalloc(sp->input_len);
            memcpy(p->input, sp->input, sp->input_len);
            p->input_len = sp->input_len;
            uv_buf_t b = uv_buf_init(p->input, (unsigned)p->input_len);
            p->wr.data = p;
            if (uv_write(&p->wr, (uv_stream_t *)&p->in, &b, 1, sp_wrote) != 0)
                sp_close(&p->in);
        } else {
            sp_close(&p->in);
        }
        if (sp->timeout > 0)
            sp_arm(p, sp->timeout);
    }
    if (proc)
        *proc = p;
    return 0;
}

void sw_proc_cancel(sw_proc *p)
{
    if (!p || p->cancelled)
        return;
    p->cancelled = 1;
    sp_signal_group(p, SIGKILL);
    sp_end(p);
    if (p->phase == SP_SWEEPING) { /* killed already: nothing to wait for */
        p->phase = SP_OVER;
        sp_close(&p->timer);
    }
}
