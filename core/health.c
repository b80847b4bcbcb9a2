/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "health.h"
#include "host.h"
#include "log.h"
#include "outbox.h"
#include "util.h"

#define HEALTH_EVERY 5000 /* ms */

struct sw_health {
    uv_timer_t timer;
    /* A storage that begins or stops failing is written at once, not at
     * the next tick: `status` should not say "ok" for five seconds after
     * the database went away. */
    uv_async_t changed;
    char *path;
    struct sw_storeq *q;
    struct sw_outbox *outbox; /* or NULL */
    int warned;
    int closed;   /* handles closed so far */
    mode_t umask; /* read once at start: umask() is process-wide, and the
                   * writer thread may be creating files meanwhile */
};

/* Write through a temporary and a rename: a reader sees the old file or
 * the new one, never half of one. */
static void health_write(struct sw_health *h, int stopped)
{
    struct buf b = {0};
    char now[40];
    buf_printf(&b, "{\"pid\":%ld,\"updated\":\"%s\",\"running\":%s,\"queue\":", (long)getpid(),
               sw_fmt_time(sw_now_wall(), now, sizeof now), stopped ? "false" : "true");
    sw_storeq_health_json(h->q, &b);
    if (h->outbox) {
        buf_puts(&b, ",\"notify\":");
        sw_outbox_health_json(h->outbox, &b);
    }
    buf_puts(&b, "}\n");
    /* mkstemp in the same folder (0600), then the mode a reader needs. */
    char *tmp = sw_xasprintf("%s.XXXXXX", h->path);
    int fd = mkstemp(tmp);
    if (fd >= 0)
        fchmod(fd, 0644 & ~h->umask);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (fd >= 0 && !f)
        close(fd);
    int ok = f && fwrite(sw_text(&b), 1, b.len, f) == b.len;
    ok = f && fclose(f) == 0 && ok;
    if (ok && rename(tmp, h->path) != 0)
        ok = 0;
    if (!ok) {
        unlink(tmp);
        if (!h->warned++)
            sw_warn("cannot write the health file %s: %s", h->path, sw_strerror(SW_ESTORAGE));
    } else {
        h->warned = 0;
    }
    free(tmp);
    buf_free(&b);
}

void sw_health_set_outbox(struct sw_health *h, struct sw_outbox *o)
{
    if (h)
        h->outbox = o;
}

static void health_tick(uv_timer_t *t)
{
    health_write(t->data, 0);
}

static void health_changed(uv_async_t *a)
{
    health_write(a->data, 0);
}

static void health_signal(void *arg)
{
    uv_async_send(arg);
}

struct sw_health *sw_health_start(uv_loop_t *loop, const char *path, struct sw_storeq *q)
{
    if (!path || !*path)
        return NULL;
    struct sw_health *h = sw_xcalloc(1, sizeof *h);
    h->path = sw_xstrdup(path);
    h->q = q;
    h->umask = sw_umask();
    uv_timer_init(loop, &h->timer);
    h->timer.data = h;
    health_write(h, 0);
    uv_timer_start(&h->timer, health_tick, HEALTH_EVERY, HEALTH_EVERY);
    uv_unref((uv_handle_t *)&h->timer); /* it does not keep the loop alive */
    uv_async_init(loop, &h->changed, health_changed);
    h->changed.data = h;
    uv_unref((uv_handle_t *)&h->changed);
    sw_storeq_on_change(q, health_signal, &h->changed);
    return h;
}

/* The timer and the async are closed together; the last close frees. */
static void health_free(uv_handle_t *t)
{
    struct sw_health *h = t->data;
    if (++h->closed < 2)
        return;
    free(h->path);
    free(h);
}

void sw_health_stop(struct sw_health *h)
{
    if (!h)
        return;
    sw_storeq_on_change(h->q, NULL, NULL);
    health_write(h, 1);
    uv_close((uv_handle_t *)&h->timer, health_free);
    uv_close((uv_handle_t *)&h->changed, health_free);
}

/* The number after "KEY": in S (0 if absent). */
static long long health_num(const char *s, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(s, k);
    return p ? strtoll(p + strlen(k), NULL, 10) : 0;
}

/* The string after "KEY":" in S into BUF. */
static void health_str(const char *s, const char *key, char *buf, size_t n)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":\"", key);
    const char *p = strstr(s, k);
    size_t len = 0;
    if (p) {
        p += strlen(k);
        while (p[len] && p[len] != '"' && len + 1 < n)
            len++;
        memcpy(buf, p, len);
    }
    buf[len] = '\0';
}

/* ---- a JSON syntax check, for a health file that was cut or overwritten:
 * `status --format json` must never print what is not JSON. */

static const char *hjson_value(const char *s, int depth);

static const char *hjson_ws(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    return s;
}

static const char *hjson_string(const char *s)
{
    if (*s++ != '"')
        return NULL;
    for (; *s != '"'; s++) {
        if ((unsigned char)*s < 0x20)
            return NULL; /* the end of the text, or a raw control character */
        if (*s == '\\') {
            s++;
            if (*s == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
                        return NULL;
                s += 4;
            } else if (!*s || !strchr("\"\\/bfnrt", *s)) {
                return NULL;
            }
        }
    }
    return s + 1;
}

static const char *hjson_number(const char *s)
{
    const char *d;
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9')
            s++;
    else
        return NULL;
    if (*s == '.') {
        for (d = ++s; *s >= '0' && *s <= '9'; s++)
            ;
        if (s == d)
            return NULL;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        for (d = s; *s >= '0' && *s <= '9'; s++)
            ;
        if (s == d)
            return NULL;
    }
    return s;
}

/* Members or elements up to CLOSE; OBJECT: each is "key": value. */
static const char *hjson_list(const char *s, int depth, char close, int object)
{
    s = hjson_ws(s + 1);
    if (*s == close)
        return s + 1;
    for (;;) {
        if (object) {
            if (!(s = hjson_string(s)))
                return NULL;
            s = hjson_ws(s);
            if (*s++ != ':')
                return NULL;
        }
        if (!(s = hjson_value(s, depth + 1)))
            return NULL;
        s = hjson_ws(s);
        if (*s == close)
            return s + 1;
        if (*s++ != ',')
            return NULL;
        s = hjson_ws(s);
    }
}

static const char *hjson_value(const char *s, int depth)
{
    s = hjson_ws(s);
    if (depth > 32)
        return NULL;
    switch (*s) {
    case '{': return hjson_list(s, depth, '}', 1);
    case '[': return hjson_list(s, depth, ']', 0);
    case '"': return hjson_string(s);
    case 't': return strncmp(s, "true", 4) == 0 ? s + 4 : NULL;
    case 'f': return strncmp(s, "false", 5) == 0 ? s + 5 : NULL;
    case 'n': return strncmp(s, "null", 4) == 0 ? s + 4 : NULL;
    default: return hjson_number(s);
    }
}

/* Whether TEXT is one JSON object and nothing else. */
static int health_json_ok(const char *text)
{
    const char *s = hjson_ws(text);
    return *s == '{' && (s = hjson_value(s, 0)) && !*hjson_ws(s);
}

void sw_health_show(const char *path, int json, FILE *out)
{
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char text[32768]; /* 32 storages, each failing with a long error */
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    text[strcspn(text, "\n")] = '\0';
    if (!health_json_ok(text)) {
        /* Cut short, or not ours: say so rather than pass it on. */
        if (json) {
            struct buf b = {0};
            buf_puts(&b, "{\"daemon\":{\"error\":");
            char *why = sw_xasprintf("the health file %s is not valid JSON", path);
            buf_json_str(&b, why);
            free(why);
            buf_puts(&b, "}}\n");
            fputs(sw_text(&b), out);
            buf_free(&b);
        } else {
            fprintf(out,
                    "daemon: the health file %s is not valid JSON; the daemon's word on its storage is "
                    "unknown\n",
                    path);
        }
        return;
    }
    if (json) {
        fprintf(out, "{\"daemon\":%s}\n", text);
        return;
    }
    char updated[40];
    health_str(text, "updated", updated, sizeof updated);
    /* One line per storage that is failing or lost results; none when all
     * is well (the table below is the news then). */
    /* The notifiers come after the storages: each list read on its own. */
    char *notify = strstr(text, ",\"notify\":[");
    if (notify)
        *notify++ = '\0';
    const char *p = strstr(text, "\"storage\":[");
    while (p && (p = strstr(p, "{\"name\":\""))) {
        const char *end = strchr(p, '}');
        char one[1024], name[SW_NAME_MAX + 1], state[16], err[200], since[40];
        size_t len = end ? (size_t)(end - p) : strlen(p);
        len = len < sizeof one - 1 ? len : sizeof one - 1;
        memcpy(one, p, len);
        one[len] = '\0';
        health_str(one, "name", name, sizeof name);
        health_str(one, "state", state, sizeof state);
        long long waiting = health_num(one, "waiting"), dropped = health_num(one, "dropped");
        if (strcmp(state, "failing") == 0) {
            health_str(one, "error", err, sizeof err);
            health_str(one, "failing_since", since, sizeof since);
            fprintf(out,
                    "storage %s: FAILING since %s (%s): %lld result(s) waiting, %lld dropped (as of %s)\n",
                    name, since, err, waiting, dropped, updated);
        } else if (dropped) {
            /* Its dropped counts both; a daemon before per-storage queues
             * has no queue_full (its full queue is the line below). */
            long long full = health_num(one, "queue_full");
            if (dropped > full)
                fprintf(out, "storage %s: ok, but %lld result(s) were dropped while it failed (as of %s)\n",
                        name, dropped - full, updated);
            if (full)
                fprintf(out, "storage %s: ok, but its queue was full: %lld result(s) dropped (as of %s)\n",
                        name, full, updated);
        }
        p += len;
    }
    long long qdrop = health_num(text, "dropped");
    if (qdrop && !strstr(text, "\"queue_full\":"))
        fprintf(out, "storage queue: %lld result(s) dropped because it was full (as of %s)\n", qdrop,
                updated);
    /* A notifier whose last attempt failed, or that gave messages up. */
    for (p = notify; p && (p = strstr(p, "{\"name\":\""));) {
        const char *end = strchr(p, '}');
        char one[1024], name[SW_NAME_MAX + 1], ok[40], fail[40];
        size_t len = end ? (size_t)(end - p) : strlen(p);
        len = len < sizeof one - 1 ? len : sizeof one - 1;
        memcpy(one, p, len);
        one[len] = '\0';
        health_str(one, "name", name, sizeof name);
        health_str(one, "last_ok", ok, sizeof ok);
        health_str(one, "last_fail", fail, sizeof fail);
        long long given_up = health_num(one, "given_up");
        if (*fail && strcmp(fail, ok) > 0) /* RFC 3339 in UTC: compared as text */
            fprintf(out,
                    "notify %s: FAILING: its last attempt at %s failed (last delivered: %s) (as of %s)\n",
                    name, fail, *ok ? ok : "never", updated);
        if (given_up)
            fprintf(out, "notify %s: %lld event(s) given up, not delivered (give_up_after) (as of %s)\n",
                    name, given_up, updated);
        p += len;
    }
}
