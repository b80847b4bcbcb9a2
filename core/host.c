/* SPDX-License-Identifier: MIT
 * The host table: thin wrappers from the ABI's opaque handles to the core's
 * config views, results, runs and libuv handles. */
#include "host.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "engine.h"
#include "keys.h"
#include "log.h"
#include "message.h"
#include "metrics.h"
#include "output.h"
#include "result.h"
#include "spawn.h"
#include "units.h"
#include "util.h"

static uv_loop_t *host_loop;
static int host_daemon;

void sw_host_set_daemon(int on)
{
    host_daemon = on;
}

static int host_is_daemon(void)
{
    return host_daemon;
}

void sw_host_set_loop(uv_loop_t *loop)
{
    host_loop = loop;
}

uv_loop_t *sw_host_loop(void)
{
    return host_loop;
}

int64_t sw_now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * SW_S + ts.tv_nsec / 1000;
}

int64_t sw_now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * SW_S + ts.tv_nsec / 1000;
}

/* ---- log ---- */

static void host_log(int level, const char *fmt, ...)
{
    struct buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    sw_log(level, "%s", sw_text(&b));
    buf_free(&b);
}

/* ---- config ---- */

static const char *host_config_get(const sw_config *cfg, const char *key)
{
    struct sw_entry *e = sw_config_single(cfg, key);
    return e ? e->value : NULL;
}

static int host_config_count(const sw_config *cfg, const char *key)
{
    return sw_config_lookup_count(cfg, key);
}

static const char *host_config_get_nth(const sw_config *cfg, const char *key, int i)
{
    struct sw_entry *e = i >= 0 ? sw_config_lookup(cfg, key, i) : NULL;
    return e ? e->value : NULL;
}

static int host_config_duration(const sw_config *cfg, const char *key, int64_t def, int64_t *out)
{
    return sw_config_number(cfg, key, sw_parse_duration, 0, SW_DURATION_EXPECTED, def, out);
}

static int host_config_size(const sw_config *cfg, const char *key, int64_t def, int64_t *out)
{
    return sw_config_number(cfg, key, sw_parse_size, 0, SW_SIZE_EXPECTED, def, out);
}

static int host_config_bool(const sw_config *cfg, const char *key, int def, int *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false", "off", "0"};
    struct sw_entry *e = sw_config_single(cfg, key);
    *out = def;
    if (!e)
        return 0;
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(e->value, yes[i]) == 0)
            return *out = 1, 0;
        if (strcasecmp(e->value, no[i]) == 0)
            return *out = 0, 0;
    }
    return sw_config_bad_value(cfg, key, "yes or no");
}

static int host_config_verror(const sw_config *cfg, const char *key, int nth, const char *fmt, va_list ap)
{
    struct buf b = {0};
    buf_vprintf(&b, fmt, ap);
    int rc = sw_config_bad_value_nth(cfg, key, nth, b.len ? sw_text(&b) : "a valid value");
    buf_free(&b);
    return rc;
}

static int host_config_error(const sw_config *cfg, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = host_config_verror(cfg, key, -1, fmt, ap);
    va_end(ap);
    return rc;
}

static int host_config_error_nth(const sw_config *cfg, const char *key, int i, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = host_config_verror(cfg, key, i, fmt, ap);
    va_end(ap);
    return rc;
}

static const char *host_config_name(const sw_config *cfg)
{
    return cfg->sec->name ? cfg->sec->name : "core";
}

/* ---- results ---- */

static void host_result_set(sw_result *r, int verdict, const char *fmt, ...)
{
    struct buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    sw_result_set(r, verdict, "%s", sw_text(&b));
    buf_free(&b);
}

static const char *host_result_site(const sw_result *r)
{
    return r->site;
}
static const char *host_result_check(const sw_result *r)
{
    return r->check;
}
static const char *host_result_location(const sw_result *r)
{
    return r->location;
}
static int host_result_verdict(const sw_result *r)
{
    return r->verdict;
}
static const char *host_result_reason(const sw_result *r)
{
    return r->reason ? r->reason : "";
}
static int64_t host_result_scheduled(const sw_result *r)
{
    return r->scheduled;
}
static int64_t host_result_started(const sw_result *r)
{
    return r->started;
}
static int64_t host_result_duration(const sw_result *r)
{
    return r->duration;
}
static int64_t host_result_since(const sw_result *r)
{
    return r->since;
}
static int host_result_metric_count(const sw_result *r)
{
    return r->nmetrics;
}
static int host_result_info_count(const sw_result *r)
{
    return r->ninfos;
}

static int host_result_metric_at(const sw_result *r, int i, const char **name, double *value)
{
    if (i < 0 || i >= r->nmetrics)
        return SW_ENOTFOUND;
    *name = r->metrics[i].name;
    *value = r->metrics[i].value;
    return 0;
}

static int host_result_info_at(const sw_result *r, int i, const char **key, const char **value)
{
    if (i < 0 || i >= r->ninfos)
        return SW_ENOTFOUND;
    *key = r->infos[i].key;
    *value = r->infos[i].value;
    return 0;
}

static void host_result_set_times(sw_result *r, int64_t scheduled, int64_t started, int64_t duration,
                                  int64_t since)
{
    r->scheduled = scheduled;
    r->started = started;
    r->duration = duration;
    r->since = since;
}

static void host_result_free(sw_result *r)
{
    sw_result_unref(r);
}

/* ---- loop: fd watchers and timers ---- */

/* Plugin sockets live in one epoll set of the host's, which the loop
 * watches as a single fd.  A uv_poll_t per socket cost seven epoll_ctl
 * calls a connection (libuv checks each new fd with an add and a delete,
 * and every change of events is a delete and an add); here it is one add,
 * one modify per change and one delete.  The set is level-triggered, as
 * uv_poll is. */
struct sw_watch {
    sw_watch_cb cb;
    void *ud;
    int fd, events, closed;
    sw_watch *next_dead;
};

struct sw_timer {
    uv_timer_t timer;
    sw_timer_cb cb;
    void *ud;
};

static int host_epfd = -1;
static uv_poll_t host_ep_poll;
static int host_dispatching;
static sw_watch *host_dead; /* closed while their events were being dispatched */

static void host_free_handle(uv_handle_t *h)
{
    free(h->data);
}

static int host_watch_update(sw_watch *w, int events);

static void host_ep_cb(uv_poll_t *h, int status, int events)
{
    (void)h, (void)status, (void)events;
    struct epoll_event ev[64];
    int n = epoll_wait(host_epfd, ev, 64, 0);
    host_dispatching = 1;
    for (int i = 0; i < n; i++) {
        sw_watch *w = ev[i].data.ptr;
        if (w->closed)
            continue;
        int got;
        if (ev[i].events & EPOLLERR) {
            /* As uv_poll does: the watch stops (a level-triggered error
             * would come back at once) until the plugin updates it. */
            host_watch_update(w, 0);
            got = -1;
        } else if (ev[i].events & EPOLLHUP) {
            got = w->events; /* the read or write sees the end */
        } else {
            got = ((ev[i].events & EPOLLIN) ? SW_WATCH_READ : 0) |
                  ((ev[i].events & EPOLLOUT) ? SW_WATCH_WRITE : 0);
        }
        if (got)
            w->cb(w, w->fd, got, w->ud);
    }
    host_dispatching = 0;
    while (host_dead) {
        sw_watch *w = host_dead;
        host_dead = w->next_dead;
        free(w);
    }
}

/* The set is made with the first watch; its loop handle does not keep the
 * loop alive by itself (a run's guard timer does). */
static int host_ep_open(void)
{
    if (host_epfd >= 0)
        return 0;
    host_epfd = epoll_create1(EPOLL_CLOEXEC);
    if (host_epfd < 0)
        return -1;
    if (uv_poll_init(host_loop, &host_ep_poll, host_epfd) != 0 ||
        uv_poll_start(&host_ep_poll, UV_READABLE, host_ep_cb) != 0) {
        close(host_epfd);
        host_epfd = -1;
        return -1;
    }
    uv_unref((uv_handle_t *)&host_ep_poll);
    return 0;
}

static void host_ep_closed(uv_handle_t *h)
{
    (void)h;
    close(host_epfd);
    host_epfd = -1;
}

void sw_host_release_loop(void)
{
    if (host_epfd >= 0 && !uv_is_closing((uv_handle_t *)&host_ep_poll))
        uv_close((uv_handle_t *)&host_ep_poll, host_ep_closed);
}

static uint32_t host_ep_events(int ev)
{
    return ((ev & SW_WATCH_READ) ? EPOLLIN : 0) | ((ev & SW_WATCH_WRITE) ? EPOLLOUT : 0);
}

/* A watch with no events is out of the set: epoll reports errors and
 * hang-ups even when no event is asked for, and the set is level-triggered. */
static int host_ep_set(sw_watch *w, int events)
{
    events &= SW_WATCH_READ | SW_WATCH_WRITE;
    int op = !events ? EPOLL_CTL_DEL : w->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (events == w->events)
        return 0;
    w->events = events;
    struct epoll_event ev = {.events = host_ep_events(events), .data.ptr = w};
    return epoll_ctl(host_epfd, op, w->fd, &ev);
}

static sw_watch *host_watch_fd(int fd, int events, sw_watch_cb cb, void *ud)
{
    if (host_ep_open() < 0)
        return NULL;
    sw_watch *w = sw_xcalloc(1, sizeof *w);
    w->cb = cb;
    w->ud = ud;
    w->fd = fd;
    if (host_ep_set(w, events) != 0) {
        free(w);
        return NULL;
    }
    return w;
}

static int host_watch_update(sw_watch *w, int events)
{
    return host_ep_set(w, events) == 0 ? 0 : SW_EIO;
}

static void host_watch_close(sw_watch *w)
{
    if (!w)
        return;
    /* The fd may be closed already (the kernel then dropped it itself). */
    host_ep_set(w, 0);
    if (host_dispatching) {
        w->closed = 1;
        w->next_dead = host_dead;
        host_dead = w;
    } else {
        free(w);
    }
}

static void host_timer_cb(uv_timer_t *h)
{
    sw_timer *t = h->data;
    t->cb(t, t->ud);
}

static sw_timer *host_timer_new(sw_timer_cb cb, void *ud)
{
    sw_timer *t = sw_xcalloc(1, sizeof *t);
    uv_timer_init(host_loop, &t->timer);
    t->timer.data = t;
    t->cb = cb;
    t->ud = ud;
    return t;
}

static int host_timer_start(sw_timer *t, int64_t after)
{
    uint64_t ms = after <= 0 ? 0 : (uint64_t)((after + SW_MS - 1) / SW_MS);
    return uv_timer_start(&t->timer, host_timer_cb, ms, 0) == 0 ? 0 : SW_EIO;
}

static void host_timer_stop(sw_timer *t)
{
    uv_timer_stop(&t->timer);
}

static void host_timer_close(sw_timer *t)
{
    if (t)
        uv_close((uv_handle_t *)&t->timer, host_free_handle);
}

/* ---- ABI 1.3 ---- */

static int64_t host_config_value(const sw_config *cfg, const char *key, int i)
{
    return sw_keys_value(cfg, key, i);
}

static void host_run_set_data(sw_run *run, void *data)
{
    run->plugin_data = data;
}

static void *host_run_data(const sw_run *run)
{
    return run->plugin_data;
}

static const struct sw_host_api host_table = {
    .version = SW_ABI_VERSION,
    .size = sizeof(struct sw_host_api),
    .log = host_log,
    .strerror = sw_strerror,
    .config_get = host_config_get,
    .config_count = host_config_count,
    .config_get_nth = host_config_get_nth,
    .config_duration = host_config_duration,
    .config_size = host_config_size,
    .config_bool = host_config_bool,
    .config_error = host_config_error,
    .config_name = host_config_name,
    .run_result = sw_run_result,
    .run_timeout = sw_run_timeout,
    .run_complete = sw_run_complete,
    .result_set = host_result_set,
    .result_metric = sw_result_metric,
    .result_info = sw_result_info,
    .result_site = host_result_site,
    .result_check = host_result_check,
    .result_location = host_result_location,
    .result_verdict = host_result_verdict,
    .result_reason = host_result_reason,
    .result_scheduled = host_result_scheduled,
    .result_started = host_result_started,
    .result_duration = host_result_duration,
    .result_since = host_result_since,
    .result_metric_count = host_result_metric_count,
    .result_metric_at = host_result_metric_at,
    .result_info_count = host_result_info_count,
    .result_info_at = host_result_info_at,
    .result_new = sw_result_new,
    .result_set_times = host_result_set_times,
    .result_free = host_result_free,
    .watch_fd = host_watch_fd,
    .watch_update = host_watch_update,
    .watch_close = host_watch_close,
    .timer_new = host_timer_new,
    .timer_start = host_timer_start,
    .timer_stop = host_timer_stop,
    .timer_close = host_timer_close,
    .now_mono = sw_now_mono,
    .now_wall = sw_now_wall,
    .format_duration = sw_fmt_duration,
    .format_size = sw_fmt_size,
    .config_error_nth = host_config_error_nth,
    .render_now = sw_render_now,
    .render_location = sw_render_location,
    .render_series_count = sw_render_series_count,
    .render_series_at = sw_render_series_at,
    .render_recent = sw_render_recent,
    .history_results = sw_history_results,
    .history_buckets = sw_history_buckets,
    .is_daemon = host_is_daemon,
    .config_value = host_config_value,
    .run_set_data = host_run_set_data,
    .run_data = host_run_data,
    .metrics_declared = sw_metrics_declared,
    .message_count = sw_message_count,
    .message_field = sw_message_field,
    .message_subject = sw_message_subject,
    .message_text = sw_message_text,
    .message_json = sw_message_json,
    .message_id = sw_message_id,
    .message_timeout = sw_message_timeout,
    .message_set_data = sw_message_set_data,
    .message_data = sw_message_data,
    .message_done = sw_message_done,
    .proc_spawn = sw_proc_spawn,
    .proc_cancel = sw_proc_cancel,
};

const struct sw_host_api *sw_host_api(void)
{
    return &host_table;
}
