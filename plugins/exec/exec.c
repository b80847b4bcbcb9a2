/* SPDX-License-Identifier: MIT
 *
 * exec: a sitewatch notify plugin that runs a command per message, for
 * whatever no other notifier reaches (a pager's CLI, an SMS gateway's
 * script, a ticket).  No shell: `command` is split into words as a shell
 * would split it (words.h) and run through the host's api->proc_spawn in
 * a process group of its own.  The event is in its environment (SW_EVENT,
 * SW_SITE, ... of the message's first event; SW_ID, SW_COUNT, SW_SUBJECT
 * of the message) and the message's JSON on its stdin.  Exit 0 is
 * delivered; any other end is not (the core tries again later), said with
 * the exit code or signal and the start of what it wrote to stderr.  At
 * the notifier's timeout its process group is stopped: SIGTERM a grace
 * before it, SIGKILL at it.
 *
 * Why one `command` line and not repeated `arg` keys: it reads as the
 * user would type it, and it is the rule of issue 20's exec check
 * (exec.command), so one rule holds for both.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/config.h"
#include "lib/err.h"
#include "words.h"

SW_PLUGIN_INIT1

/* What of its output is kept, and how much of it is said. */
#define EX_KEEP 4096
#define EX_SAY  200

static const struct sw_key ex_keys[] = {
    {.name = "command",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REQUIRED,
     .help = "the program (an absolute path) and its arguments, split as a shell splits words ('...', "
             "\"...\", \\), but no shell runs it"},
    {.name = "env",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REPEATS,
     .help = "NAME=VALUE added to the command's environment (besides PATH, HOME, LANG and the SW_ "
             "variables)"},
    {.name = NULL},
};

/* The event's fields, each as SW_<NAME> (api->message_field's names). */
static const char *const ex_fields[] = {"event",    "series", "site",  "check", "location",
                                        "verdict",  "reason", "since", "at",    "url",
                                        "downtime", "page",   NULL};

struct ex {
    char **argv;
    char **env; /* the user's NAME=VALUE */
    int nenv;
    sw_message *m; /* the delivery under way */
    sw_proc *proc;
};

/* ---- open / close ---- */

static void ex_free(struct ex *x)
{
    words_free(x->argv);
    for (int i = 0; i < x->nenv; i++)
        free(x->env[i]);
    free(x->env);
    free(x);
}

/* The program: absolute, there, executable, changed by nobody but its
 * owner (the daemon runs it with its own rights). */
static int ex_check_program(const sw_config *cfg, const char *prog)
{
    struct stat st;
    if (prog[0] != '/')
        return sw_api->config_error(cfg, "command",
                                    "a command whose program is an absolute path such as "
                                    "/usr/local/bin/page-oncall (the daemon's PATH is not a shell's)");
    if (stat(prog, &st) != 0)
        return errno == ENOMEM ? SW_ENOMEM
                               : sw_api->config_error(cfg, "command", "a program that exists (%s: %s)", prog,
                                                      strerror(errno));
    if (!S_ISREG(st.st_mode))
        return sw_api->config_error(cfg, "command", "a program file (%s is not a regular file)", prog);
    if (access(prog, X_OK) != 0)
        return sw_api->config_error(cfg, "command", "an executable program (%s: %s)", prog, strerror(errno));
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return sw_api->config_error(cfg, "command",
                                    "a program only its owner may change (%s is writable by %s: chmod go-w "
                                    "it)",
                                    prog, (st.st_mode & S_IWOTH) ? "everyone" : "its group");
    return 0;
}

static int ex_open_env(const sw_config *cfg, struct ex *x)
{
    int n = sw_api->config_count(cfg, "env"), rc = 0;
    if (n && !(x->env = calloc((size_t)n, sizeof *x->env)))
        return SW_ENOMEM;
    for (int i = 0; i < n; i++) {
        const char *e = sw_api->config_get_nth(cfg, "env", i);
        const char *eq = strchr(e, '=');
        int ok = eq && eq > e && (isalpha((unsigned char)*e) || *e == '_');
        for (const char *c = e; ok && c < eq; c++)
            ok = isalnum((unsigned char)*c) || *c == '_';
        if (!ok) {
            ERR_KEEP_FIRST(rc, config_error_at(sw_api, cfg, "env", i, "NAME=VALUE, such as PAGER_TEAM=web"));
            continue;
        }
        if (strncmp(e, "SW_", 3) == 0) {
            ERR_KEEP_FIRST(rc, config_error_at(sw_api, cfg, "env", i,
                                               "a name that does not start with SW_ (the event's own)"));
            continue;
        }
        if (!(x->env[x->nenv] = strdup(e)))
            return SW_ENOMEM;
        x->nenv++;
    }
    return rc;
}

static int ex_open(void *plugin_state, const sw_config *cfg, void **inst)
{
    (void)plugin_state;
    struct ex *x = calloc(1, sizeof *x);
    if (!x)
        return SW_ENOMEM;
    const char *cmd = sw_api->config_get(cfg, "command");
    int rc = cmd ? 0 : SW_ECONFIG, n = 0; /* missing: the core said so */
    if (cmd) {
        char why[300];
        int wrc = words_split(cmd, &x->argv, &n, why, sizeof why);
        if (wrc == SW_EINVAL)
            rc = sw_api->config_error(cfg, "command", "%s", why);
        else if (wrc)
            rc = wrc;
        else if (n == 0)
            rc = sw_api->config_error(cfg, "command", "a program to run, and its arguments");
        else
            rc = ex_check_program(cfg, x->argv[0]);
    }
    ERR_KEEP_FIRST(rc, ex_open_env(cfg, x));
    if (rc) {
        ex_free(x);
        return rc == SW_ENOMEM ? SW_ENOMEM : SW_ECONFIG;
    }
    *inst = x;
    return 0;
}

/* ---- a delivery ---- */

/* The command's environment: the user's, then the message's. */
static char **ex_environment(const struct ex *x, sw_message *m)
{
    size_t cap = (size_t)x->nenv + sizeof ex_fields / sizeof *ex_fields + 4, n = 0;
    char **env = calloc(cap, sizeof *env);
    if (!env)
        return NULL;
    int failed = 0;
    for (int i = 0; i < x->nenv && !failed; i++)
        failed = !(env[n++] = strdup(x->env[i]));
    for (const char *const *f = ex_fields; *f && !failed; f++) {
        const char *v = sw_api->message_field(m, 0, *f);
        if (!v) /* none for this event: unset */
            continue;
        char up[32];
        size_t k = 0;
        for (; (*f)[k] && k + 1 < sizeof up; k++)
            up[k] = (char)toupper((unsigned char)(*f)[k]);
        up[k] = '\0';
        failed = asprintf(&env[n++], "SW_%s=%s", up, v) < 0;
    }
    if (!failed)
        failed = asprintf(&env[n++], "SW_ID=%s", sw_api->message_id(m)) < 0;
    if (!failed)
        failed = asprintf(&env[n++], "SW_COUNT=%d", sw_api->message_count(m)) < 0;
    if (!failed)
        failed = asprintf(&env[n++], "SW_SUBJECT=%s", sw_api->message_subject(m)) < 0;
    if (failed) {
        env[n - 1] = NULL; /* asprintf leaves it undefined */
        for (size_t i = 0; i < n; i++)
            free(env[i]);
        free(env);
        return NULL;
    }
    return env;
}

static void ex_env_free(char **env)
{
    for (char **e = env; e && *e; e++)
        free(*e);
    free(env);
}

/* The start of S (LEN bytes) into B: up to EX_SAY bytes, only its first
 * line when FIRST_LINE, cut where a UTF-8 character starts, trimmed.  The
 * core makes what is left one clean line. */
static void ex_say(struct buf *b, const char *s, size_t len, int first_line)
{
    while (len && isspace((unsigned char)*s))
        s++, len--;
    size_t n = 0;
    while (n < len && n < EX_SAY && s[n] != '\0' && !(first_line && s[n] == '\n'))
        n++;
    int cut = n == EX_SAY && n < len;
    while (cut && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    buf_put(b, s, n);
    if (cut)
        buf_puts(b, "...");
}

static void ex_ended(sw_proc *proc, const struct sw_proc_end *e, void *ud)
{
    (void)proc;
    struct ex *x = ud;
    sw_message *m = x->m;
    x->m = NULL;
    x->proc = NULL;
    sw_api->message_set_data(m, NULL);
    struct buf said = {0};
    int err = SW_EIO;
    char t[32];
    if (e->error) {
        buf_puts(&said, e->error_text);
        err = e->error;
    } else if (e->timed_out) {
        buf_printf(&said, "timed out after %s: its process group was stopped (SIGTERM, then SIGKILL)",
                   sw_api->format_duration(sw_api->message_timeout(m), t, sizeof t));
        err = SW_ETIMEOUT;
    } else if (e->signal) {
        const char *abbrev = sigabbrev_np(e->signal);
        buf_printf(&said, "killed by signal %d%s%s", e->signal, abbrev ? " SIG" : "", abbrev ? abbrev : "");
    } else {
        buf_printf(&said, "exit %d", e->exit_code);
        err = e->exit_code == 0 ? 0 : SW_EIO;
    }
    /* Delivered: its first line of stdout; not: the start of stderr (of
     * stdout when stderr says nothing). */
    const char *what = err == 0 || !e->err_len ? e->out : e->err;
    size_t what_len = err == 0 || !e->err_len ? e->out_len : e->err_len;
    if (!e->error && what_len) {
        size_t before = said.len;
        buf_puts(&said, ": ");
        ex_say(&said, what, what_len, err == 0);
        if (said.len == before + 2) { /* only blanks */
            said.len = before;
            said.s[said.len] = '\0';
        }
    }
    sw_api->message_done(m, err, "%s", said.failed || !said.s ? "out of memory" : said.s);
    buf_free(&said);
}

static int ex_send(void *inst, sw_message *m)
{
    struct ex *x = inst;
    char **env = ex_environment(x, m);
    if (!env)
        return SW_ENOMEM;
    const char *json = sw_api->message_json(m);
    /* The whole group ends by the notifier's timeout: SIGTERM a grace
     * before it (a quarter of it, at most 1 s), SIGKILL at it; the core's
     * own cancel comes a little later still. */
    int64_t timeout = sw_api->message_timeout(m), grace = timeout / 4 < SW_S ? timeout / 4 : SW_S;
    struct sw_spawn sp = {
        .size = sizeof sp,
        .argv = (const char *const *)x->argv,
        .env = (const char *const *)env,
        .input = json,
        .input_len = strlen(json),
        .output_max = EX_KEEP,
        .timeout = timeout - grace,
        .grace = grace,
    };
    x->m = m;
    int rc = sw_api->proc_spawn(&sp, ex_ended, x, &x->proc);
    ex_env_free(env);
    if (rc) {
        x->m = NULL;
        return rc;
    }
    sw_api->message_set_data(m, x);
    return 0;
}

static void ex_cancel(void *inst, sw_message *m)
{
    struct ex *x = inst;
    if (x->m != m || !x->proc)
        return;
    sw_api->proc_cancel(x->proc);
    x->proc = NULL;
    x->m = NULL;
    sw_api->message_set_data(m, NULL);
    char t[32];
    sw_api->message_done(m, SW_ETIMEOUT, "cancelled: no end within %s; its process group was killed",
                         sw_api->format_duration(sw_api->message_timeout(m), t, sizeof t));
}

static void ex_close(void *inst)
{
    struct ex *x = inst;
    if (x->m) /* shutdown mid-delivery: the message ends, the core keeps it for next time */
        ex_cancel(x, x->m);
    ex_free(x);
}

static const struct sw_plugin ex_plugin = {
    .abi_version = SW_ABI_VERSION,
    .size = sizeof(struct sw_plugin),
    .name = "exec",
    .kind = SW_KIND_NOTIFY,
    .description = "runs a command per alert (no shell): the event in SW_* variables, its JSON on stdin",
    .key_decls = ex_keys,
    .key_size = sizeof(struct sw_key),
    .notify_open = ex_open,
    .notify_close = ex_close,
    .notify_send = ex_send,
    .notify_cancel = ex_cancel,
};

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *api)
{
    SW_PLUGIN_INIT2(api);
    if (!SW_API_HAS(api, proc_cancel)) {
        api->log(SW_LOG_ERROR, "exec: needs a sitewatch whose ABI 1.4 has proc_spawn (notify plugins)");
        return NULL;
    }
    return &ex_plugin;
}
