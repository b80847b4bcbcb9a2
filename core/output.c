/* SPDX-License-Identifier: MIT */
#include "output.h"

#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>

#include "host.h"
#include "keys.h"
#include "log.h"
#include "result.h"
#include "units.h"
#include "util.h"

#define OUTPUT_DEFAULT_EVERY SW_MIN
#define OUTPUT_MIN_EVERY     SW_S /* a render is not free */

struct output_one {
    struct sw_loaded *plugin;
    void *inst;
    char *label; /* "[output html] (file:line)" for messages */
    int64_t every, due;
};

struct sw_outputs {
    struct output_one *v;
    int n;
    uv_loop_t *loop;
    uv_timer_t timer;
    uv_work_t work;
    struct sw_engine *eng;
    struct sw_storeq *q;
    struct sw_render *rd; /* the snapshot of the render in flight */
    int busy, started, stopping;
};

/* ---- the snapshot ---- */

struct render_series {
    char *site, *check, *url;
    int64_t interval;
    struct sw_recent recent;
};

struct sw_render {
    int64_t now;
    char *location;
    struct render_series *s;
    int n;
    struct sw_storeq *q;
};

struct sw_render *sw_render_new(struct sw_engine *eng, struct sw_storeq *q)
{
    struct sw_render *rd = sw_xcalloc(1, sizeof *rd);
    rd->now = sw_now_wall();
    rd->location = sw_xstrdup(sw_engine_conf(eng)->location);
    rd->q = q;
    struct sw_series **series = sw_engine_series(eng);
    int n = 0;
    while (series[n])
        n++;
    rd->s = sw_xcalloc((size_t)n + 1, sizeof *rd->s);
    for (int i = 0; i < n; i++) {
        struct sw_series *se = series[i];
        struct render_series *s = &rd->s[rd->n++];
        s->site = sw_xstrdup(se->site->name);
        s->check = sw_xstrdup(se->check);
        s->url = se->site->url ? sw_redact(se->site->url) : NULL; /* pages show it: no password */
        s->interval = se->interval;
        /* Results are immutable once delivered: the newest is shared with
         * the render thread, only the older records are copied. */
        sw_recent_init(&s->recent, se->recent.max);
        sw_recent_copy(&s->recent, &se->recent);
    }
    return rd;
}

void sw_render_free(struct sw_render *rd)
{
    if (!rd)
        return;
    for (int i = 0; i < rd->n; i++) {
        struct render_series *s = &rd->s[i];
        sw_recent_free(&s->recent);
        free(s->site);
        free(s->check);
        free(s->url);
    }
    free(rd->s);
    free(rd->location);
    free(rd);
}

int64_t sw_render_now(const sw_render *rd)
{
    return rd->now;
}

const char *sw_render_location(const sw_render *rd)
{
    return rd->location;
}

int sw_render_series_count(const sw_render *rd)
{
    return rd->n;
}

int sw_render_series_at(const sw_render *rd, int i, const char **site, const char **check, const char **url,
                        int64_t *interval)
{
    if (i < 0 || i >= rd->n)
        return SW_ENOTFOUND;
    const struct render_series *s = &rd->s[i];
    if (site)
        *site = s->site;
    if (check)
        *check = s->check;
    if (url)
        *url = s->url;
    if (interval)
        *interval = s->interval;
    return 0;
}

int sw_render_recent(const sw_render *rd, int i, int limit, sw_result_cb cb, void *ud)
{
    if (i < 0 || i >= rd->n || !cb)
        return SW_ENOTFOUND;
    const struct render_series *s = &rd->s[i];
    for (int r = 0; r < sw_recent_count(&s->recent) && r < limit; r++)
        if (sw_recent_lend(&s->recent, r, cb, ud))
            break;
    return 0;
}

int sw_history_results(const sw_render *rd, const char *site, const char *check, int64_t from, int64_t to,
                       int limit, uint32_t flags, sw_result_cb cb, void *ud)
{
    void *inst;
    struct sw_loaded *p = SW_STOREQ_READER(rd->q, storage_history, &inst);
    if (!p || !site || !cb)
        return p ? SW_EINVAL : SW_EUNSUPPORTED;
    return p->desc.storage_history(inst, site, check, from, to, limit, flags, cb, ud);
}

int sw_history_buckets(const sw_render *rd, const char *site, const char *check, int64_t from, int64_t to,
                       int64_t step, uint32_t flags, sw_bucket_cb cb, void *ud)
{
    void *inst;
    struct sw_loaded *p = SW_STOREQ_READER(rd->q, storage_buckets, &inst);
    if (!p || !site || !cb || step <= 0 || to <= from)
        return p ? SW_EINVAL : SW_EUNSUPPORTED;
    return p->desc.storage_buckets(inst, site, check, from, to, step, flags, cb, ud);
}

/* Whether P declares KEY (ABI 1.3 key_decls). */
static int output_declares(const struct sw_loaded *p, const char *key)
{
    for (int i = 0; i < p->nkeys; i++)
        if (strcmp(p->keys[i].name, key) == 0)
            return 1;
    return 0;
}

/* ---- opening and rendering ---- */

struct sw_outputs *sw_outputs_open(struct sw_conf *c)
{
    struct sw_outputs *o = sw_xcalloc(1, sizeof *o);
    for (int i = 0; i < c->nsecs; i++) {
        struct sw_section *s = c->secs[i];
        if (s->kind != SW_SEC_OUTPUT)
            continue;
        struct sw_loaded *p = sw_loader_get(c->plugin_dir, sw_section_plugin(s));
        char *label = sw_xasprintf("[output %s] (%s:%d)", s->name, s->file, s->line);
        if (!p->found || (!p->error && p->desc.kind != SW_KIND_OUTPUT)) {
            free(label); /* a configuration error (series.c) says so */
            continue;
        }
        if (p->error) {
            sw_err("%s: not used: %s", label, p->error);
            free(label);
            continue;
        }
        struct sw_config view = sw_config_section_view(c, s);
        int before = c->nerrors;
        /* `every` is the plugin's key, never the core's: the core renders
         * by the value of a plugin that declares it (html does: its default
         * and bounds, checked with its other keys, and the same value its
         * pages' refresh uses); one that does not is rendered at the
         * default. */
        int64_t every =
            output_declares(p, "every") ? sw_keys_value(&view, "every", -1) : OUTPUT_DEFAULT_EVERY;
        if (every < OUTPUT_MIN_EVERY)
            every = OUTPUT_MIN_EVERY;
        void *inst = NULL;
        /* Opened even after an error in `every`, so one run lists them all. */
        int rc = p->desc.output_open(p->state, &view, &inst);
        if (rc == 0 && c->nerrors != before) {
            if (p->desc.output_close)
                p->desc.output_close(inst);
            rc = SW_ECONFIG;
        }
        if (rc != 0) {
            if (c->nerrors == before) /* config errors are the caller's to print */
                sw_err("%s: cannot open: %s; it is not rendered", label, sw_strerror(rc));
            free(label);
            continue;
        }
        o->v = sw_xrealloc(o->v, sizeof *o->v * (size_t)(o->n + 1));
        o->v[o->n++] = (struct output_one){p, inst, label, every, 0};
    }
    return o;
}

int sw_outputs_count(const struct sw_outputs *o)
{
    return o->n;
}

/* Render output I from RD; 0 or the plugin's error (logged). */
static int output_render_one(struct output_one *out, const struct sw_render *rd)
{
    const struct sw_plugin *d = &out->plugin->desc;
    int64_t t0 = sw_now_mono();
    int rc = d->output_render_view ? d->output_render_view(out->inst, rd) : d->output_render(out->inst);
    char took[32];
    sw_fmt_duration(sw_now_mono() - t0, took, sizeof took);
    if (rc != 0)
        sw_err("%s: render ended with an error after %s: %s", out->label, took, sw_strerror(rc));
    else
        sw_debug("%s: rendered in %s", out->label, took);
    return rc;
}

int sw_outputs_render_now(struct sw_outputs *o, struct sw_engine *eng, struct sw_storeq *q)
{
    struct sw_render *rd = sw_render_new(eng, q);
    int failed = 0;
    for (int i = 0; i < o->n; i++)
        failed += output_render_one(&o->v[i], rd) != 0;
    sw_render_free(rd);
    return failed;
}

static void outputs_arm(struct sw_outputs *o);

static void outputs_work_cb(uv_work_t *w)
{
    struct sw_outputs *o = w->data;
    int64_t now = sw_now_mono();
    for (int i = 0; i < o->n; i++)
        if (o->v[i].due <= now)
            output_render_one(&o->v[i], o->rd);
    /* Freed here, not on the loop: at 10,000 sites that is milliseconds
     * (its records' reasons are counted under their own lock). */
    sw_render_free(o->rd);
    o->rd = NULL;
#ifdef __GLIBC__
    /* Everything the render made is freed by now, but glibc keeps the
     * pages of the arenas it used (this worker's, the html page threads'):
     * at 10,000 sites the daemon's RSS rose from 28 to 70 MB over five
     * renders with no leak (valgrind finds none after twelve), and
     * malloc_trim gave 15 MB of it back.  A few ms per render. */
    malloc_trim(0);
#endif
}

static void outputs_after_work_cb(uv_work_t *w, int status)
{
    (void)status;
    struct sw_outputs *o = w->data;
    int64_t now = sw_now_mono();
    for (int i = 0; i < o->n; i++)
        if (o->v[i].due <= now)
            o->v[i].due = now + o->v[i].every;
    sw_render_free(o->rd); /* a render called off before it ran */
    o->rd = NULL;
    o->busy = 0;
    if (!o->stopping)
        outputs_arm(o);
}

static void outputs_tick(uv_timer_t *t)
{
    struct sw_outputs *o = t->data;
    if (o->busy || o->stopping)
        return;
    /* The snapshot is taken here, on the loop thread that owns the series;
     * the render itself runs on the worker pool. */
    o->rd = sw_render_new(o->eng, o->q);
    o->busy = 1;
    o->work.data = o;
    if (uv_queue_work(o->loop, &o->work, outputs_work_cb, outputs_after_work_cb) != 0) {
        sw_err("outputs: cannot queue a render");
        sw_render_free(o->rd);
        o->rd = NULL;
        o->busy = 0;
    }
}

static void outputs_arm(struct sw_outputs *o)
{
    int64_t next = INT64_MAX;
    for (int i = 0; i < o->n; i++)
        next = o->v[i].due < next ? o->v[i].due : next;
    if (next == INT64_MAX)
        return;
    int64_t wait = next - sw_now_mono();
    uv_timer_start(&o->timer, outputs_tick, wait <= 0 ? 0 : (uint64_t)((wait + SW_MS - 1) / SW_MS), 0);
}

void sw_outputs_start(struct sw_outputs *o, uv_loop_t *loop, struct sw_engine *eng, struct sw_storeq *q)
{
    if (!o->n)
        return;
    o->loop = loop;
    o->eng = eng;
    o->q = q;
    uv_timer_init(loop, &o->timer);
    o->timer.data = o;
    o->started = 1;
    /* The first render waits one short moment so the first results are in
     * it, then each output keeps its own `every`. */
    int64_t first = sw_now_mono() + 2000000;
    for (int i = 0; i < o->n; i++)
        o->v[i].due = first;
    outputs_arm(o);
}

static void outputs_closed_cb(uv_handle_t *h)
{
    struct sw_outputs *o = h->data;
    o->started = 0;
}

void sw_outputs_stop(struct sw_outputs *o)
{
    if (!o->started || o->stopping)
        return;
    o->stopping = 1;
    uv_close((uv_handle_t *)&o->timer, outputs_closed_cb);
    /* A render still waiting for a worker (every one may be held by a
     * blocking check stuck in plugin code) is called off: the stop must not
     * wait for a plugin.  One already running is waited for. */
    if (o->busy)
        uv_cancel((uv_req_t *)&o->work);
    /* The timer lives inside O: wait for its close and for a render still on
     * the worker pool before anyone frees O. */
    while (o->busy || o->started)
        uv_run(o->loop, UV_RUN_ONCE);
}

void sw_outputs_free(struct sw_outputs *o)
{
    if (!o)
        return;
    sw_outputs_stop(o);
    for (int i = 0; i < o->n; i++) {
        if (o->v[i].plugin->desc.output_close)
            o->v[i].plugin->desc.output_close(o->v[i].inst);
        free(o->v[i].label);
    }
    free(o->v);
    free(o);
}
