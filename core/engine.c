/* SPDX-License-Identifier: MIT
 * Scheduling and running: one uv timer armed for the earliest due series in
 * a heap, runs started on the loop (async plugins) or the worker pool
 * (blocking plugins), a guard timer per run, and orderly stop and reload. */
#include "engine.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host.h"
#include "log.h"
#include "maint.h"
#include "result.h"
#include "units.h"
#include "util.h"

enum { RUN_CANCEL_NONE, RUN_CANCEL_GUARD, RUN_CANCEL_STOP };

/* ---- a configuration and who holds it ---- */

/* The engine holds the configuration it runs; a reload moves that hold to
 * the old series it frees on the next loop turn, and each series it
 * retires while a run of it goes on takes one more: the old configuration
 * goes with the last series that points into it. */
struct sw_conf_hold {
    struct sw_conf *conf;
    int refs;
};

static struct sw_conf_hold *conf_hold_new(struct sw_conf *c)
{
    struct sw_conf_hold *h = sw_xcalloc(1, sizeof *h);
    h->conf = c;
    h->refs = 1;
    return h;
}

static struct sw_conf_hold *conf_hold_ref(struct sw_conf_hold *h)
{
    h->refs++;
    return h;
}

static void conf_hold_unref(struct sw_conf_hold *h)
{
    if (!h || --h->refs > 0)
        return;
    sw_conf_free(h->conf);
    free(h);
}

/* ---- the max_in_flight queue ---- */

/* Series due while max_in_flight runs go on wait here, first come first
 * run, each at most once (its waiting flag), with the time it was due. */
struct engine_waitq {
    struct sw_series *head, *tail;
};

static void waitq_push(struct engine_waitq *q, struct sw_series *se, int64_t due)
{
    se->waiting = 1;
    se->wait_due = due;
    se->wait_next = NULL;
    if (q->tail)
        q->tail->wait_next = se;
    else
        q->head = se;
    q->tail = se;
}

/* The longest waiting, out of the queue; NULL when it is empty. */
static struct sw_series *waitq_pop(struct engine_waitq *q)
{
    struct sw_series *se = q->head;
    if (!se)
        return NULL;
    q->head = se->wait_next;
    if (!q->head)
        q->tail = NULL;
    se->waiting = 0;
    se->wait_next = NULL;
    return se;
}

/* Empty it: none of its series runs for having waited. */
static void waitq_clear(struct engine_waitq *q)
{
    while (waitq_pop(q))
        ;
}
/* How long past its timeout a run may go before the core cancels it: the
 * plugin should time out first and give the better reason. */
#define ENGINE_GUARD_GRACE 2000000

struct sw_engine {
    uv_loop_t *loop;
    struct sw_conf *conf;
    struct sw_series **series;
    int nseries;
    struct sw_storeq *q;
    struct sw_heap heap;
    uv_timer_t tick;
    uv_signal_t sig_term, sig_int, sig_hup;
    uv_fs_event_t watch;  /* the config folder */
    uv_timer_t settle;    /* a burst of file events makes one reload */
    int64_t settle_first; /* monotonic: the burst's first event */
    int inflight;
    int stuck;                   /* blocking runs given up on, their threads still in plugin code */
    int stuck_max, stuck_warned; /* see engine_stuck_max */
    struct engine_waitq waitq;
    struct sw_sinks sinks; /* where each result goes (sink.h) */
    int once, remaining, stopping;
    const char *dir;
    struct sw_conf_hold *conf_hold; /* conf, held by the engine while it runs it */
    /* Series replaced by reloads, kept while their runs finish (each holds
     * its configuration). */
    struct sw_series **retired;
    int nretired;
    /* The reload going on, if any (see engine_reload_request). */
    struct {
        int phase;          /* RELOAD_* */
        int again;          /* asked for meanwhile: one more when this is over */
        const char *why;    /* of the next one */
        uv_work_t work;     /* reads the folder on a worker thread */
        uv_idle_t step;     /* binds a slice of the sites a loop turn */
        uv_timer_t hold;    /* RELOAD_GAP after one, before the next */
        struct sw_conf *nc; /* the new config and its series, until the swap */
        struct sw_series_binder *binder;
        struct sw_series **fresh;
        int n;
        struct sw_series **dead;        /* the old, freed after the swap... */
        struct sw_conf_hold *dead_conf; /* ...with the hold on their configuration */
        int64_t started, held_max;      /* monotonic; the longest it held the loop */
        int kept;
    } rl;
};

enum { RELOAD_IDLE, RELOAD_READING, RELOAD_BINDING, RELOAD_DIFFING, RELOAD_SWAPPING, RELOAD_FREEING };

static void engine_arm(struct sw_engine *e);
static void engine_maybe_done(struct sw_engine *e);
static int engine_stuck_refuses(struct sw_engine *e, struct sw_series *se, int64_t due);
static void engine_reload_drop(struct sw_engine *e);

/* libuv's worker pool (UV_THREADPOOL_SIZE threads, 4 by default) runs the
 * blocking checks and the status pages' render.  A run stuck in plugin
 * code holds its worker for as long as the plugin likes, so a hung plugin
 * would take the whole pool within a few intervals and the pages would
 * never be written again.  A series with a stuck run starts no other, and
 * no blocking run starts while this many are stuck: one worker stays for
 * the pages. */
static int engine_stuck_max(void)
{
    const char *s = getenv("UV_THREADPOOL_SIZE");
    long n = s ? strtol(s, NULL, 10) : 4;
    n = n < 1 ? 4 : n > 1024 ? 1024 : n; /* as libuv reads it */
    return (int)n - 1;
}

struct sw_engine *sw_engine_new(uv_loop_t *loop, struct sw_conf *conf, struct sw_series **series,
                                struct sw_storeq *q)
{
    struct sw_engine *e = sw_xcalloc(1, sizeof *e);
    e->loop = loop;
    e->conf = conf;
    e->conf_hold = conf_hold_new(conf);
    e->series = series;
    for (struct sw_series **p = series; *p; p++) {
        (*p)->eng = e;
        (*p)->index = e->nseries++;
    }
    e->q = q;
    e->stuck_max = engine_stuck_max();
    uv_timer_init(loop, &e->tick);
    e->tick.data = e;
    sw_sink_register(e, "recent", sw_sink_recent, NULL, NULL);
    sw_sink_register(e, "changes", sw_sink_changes, NULL, NULL);
    if (q)
        sw_sink_register(e, "storage", sw_sink_storage, NULL, q);
    return e;
}

struct sw_sinks *sw_engine_sinks(struct sw_engine *e)
{
    return &e->sinks;
}

struct sw_series **sw_engine_series(struct sw_engine *e)
{
    return e->series;
}

struct sw_conf *sw_engine_conf(struct sw_engine *e)
{
    return e->conf;
}

/* ---- seeding the recent cache from storage ---- */

/* The newest results of one series, as storage hands them (newest first):
 * as many as [core] recent keeps, the array grown as they come. */
struct seed_ctx {
    struct sw_series *series;
    sw_result **got;
    int n, cap;
};

static int seed_cb(const sw_result *r, void *ud)
{
    struct seed_ctx *s = ud;
    if (s->n < s->series->recent.max) {
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 16;
            s->got = sw_xrealloc(s->got, sizeof *s->got * (size_t)s->cap);
        }
        /* Only the newest keeps its metrics and info in the cache, so the
         * older ones are not copied with theirs; but whether each came
         * inside a maintenance window is the cache's (recent.c). */
        s->got[s->n] = s->n ? sw_result_clone_slim(r) : sw_result_clone(r);
        for (int i = 0; s->n && i < r->ninfos; i++)
            if (strcmp(r->infos[i].key, "maintenance") == 0)
                sw_result_info(s->got[s->n], "maintenance", r->infos[i].value);
        s->n++;
    }
    return s->n >= s->series->recent.max;
}

void sw_engine_seed(struct sw_engine *e)
{
    /* The first storage that can answer is enough. */
    void *inst;
    struct sw_loaded *p = SW_STOREQ_READER(e->q, storage_recent, &inst);
    if (!p)
        return;
    struct seed_ctx s = {0};
    for (struct sw_series **ps = e->series; *ps; ps++) {
        struct sw_series *se = *ps;
        s.series = se;
        s.n = 0;
        if (p->desc.storage_recent(inst, se->site->name, se->check, se->recent.max, seed_cb, &s) != 0)
            sw_warn("%s: cannot read past results of %s %s", p->name, se->site->name, se->check);
        for (int i = s.n - 1; i >= 0; i--) {
            sw_recent_push(&se->recent, s.got[i]);
            sw_result_unref(s.got[i]);
        }
        if (se->recent.newest) { /* the verdict the next result replaces */
            se->verdict = se->recent.newest->verdict;
            se->since = se->recent.newest->since;
        }
    }
    free(s.got);
}

/* ---- finishing a run ---- */

static void run_unref(sw_run *run)
{
    if (--run->refs > 0)
        return;
    if (run->res)
        sw_result_unref(run->res);
    free(run);
}

static void run_guard_closed_cb(uv_handle_t *h)
{
    sw_run *run = h->data;
    free(h);
    run->guard = NULL;
    run_unref(run);
}

/* The series lets go of a finished run (its next one finished, or the
 * series is going away). */
static void run_release(sw_run *run)
{
    run->series = NULL;
    run_unref(run);
}

void sw_series_forget_runs(struct sw_series *se)
{
    if (se->spent)
        run_release(se->spent);
    se->spent = NULL;
}

/* R is SE's result: since when its verdict holds, then one event to every
 * sink. */
static void engine_deliver(struct sw_engine *e, struct sw_series *se, sw_result *r)
{
    struct sw_result_event ev = {
        .result = r, .series = se, .index = se->retired ? -1 : se->index, .prev_verdict = se->verdict};
    r->since = se->verdict == r->verdict && se->since ? se->since : r->started;
    se->verdict = r->verdict;
    se->since = r->since;
    /* Checked and stored as usual, but marked: the alerts hold, and every
     * reader can tell the result came inside a window. */
    struct sw_conf *c = sw_engine_conf(e);
    int64_t end;
    const struct sw_maint *m =
        c->nmaint ? sw_maint_active(c->maint, (size_t)c->nmaint, se->site->name, r->started, &end) : NULL;
    if (m)
        sw_result_info(r, "maintenance", m->name);
    sw_result_trim(r);
    sw_sinks_deliver(&e->sinks, &ev);
}

/* Free a retired series once its last run ended, and let go of its
 * configuration (freed with the last series that points into it). */
static void engine_free_retired(struct sw_engine *e, struct sw_series *se)
{
    for (int i = 0; i < e->nretired; i++) {
        if (e->retired[i] == se) {
            e->retired[i] = e->retired[--e->nretired];
            break;
        }
    }
    struct sw_conf_hold *h = se->retired;
    sw_series_free(se);
    conf_hold_unref(h);
}

static void run_start(struct sw_engine *e, struct sw_series *se, int64_t due);

/* RUN ends as END (done, abandoned or stuck): its series gets its result,
 * its slot goes to the longest waiting series.  Once only: a run that has
 * ended already is a plugin completing it twice, or late. */
static void engine_finish(sw_run *run, enum sw_run_state end)
{
    struct sw_series *se = run->series;
    sw_result *r = run->res;
    char d[32];
    if (run->state != SW_RUN_RUNNING) {
        if (se)
            sw_err("%s: run of %s completed %s; ignored (plugin bug)", se->check, se->site->name,
                   run->state == SW_RUN_DONE ? "twice" : "after sitewatch gave up on it");
        return;
    }
    struct sw_engine *e = se->eng;
    run->state = end;
    uv_timer_stop(run->guard);
    if (end != SW_RUN_DONE) {
        /* The plugin may still write into its result (on another thread,
         * for a stuck blocking run): deliver a new one. */
        r = sw_result_new(se->site->name, se->check, e->conf->location);
        r->scheduled = run->scheduled_wall;
        r->started = run->started_wall;
        sw_result_metric(r, "sched.lag", (double)(run->start - run->due) / SW_S);
    } else {
        run->res = NULL;
    }
    r->duration = sw_now_mono() - run->start;
    if (run->cancelled == RUN_CANCEL_STOP)
        sw_result_set(r, SW_UNKNOWN, "cancelled after %s: sitewatch is stopping",
                      sw_fmt_duration(r->duration, d, sizeof d));
    else if (end == SW_RUN_STUCK)
        sw_result_set(r, SW_UNKNOWN, "check plugin %s did not return within %s; its thread is stuck",
                      se->check, sw_fmt_duration(r->duration, d, sizeof d));
    else if (run->cancelled == RUN_CANCEL_GUARD)
        sw_result_set(r, SW_UNKNOWN, "check plugin %s did not finish within %s; cancelled", se->check,
                      sw_fmt_duration(r->duration, d, sizeof d));
    else if (run->rc != 0)
        sw_result_set(r, SW_UNKNOWN, "check plugin %s could not run: %s", se->check, sw_strerror(run->rc));
    else if (!r->has_verdict)
        sw_result_set(r, SW_UNKNOWN, "check plugin %s gave no verdict", se->check);
    engine_deliver(e, se, r);
    sw_result_unref(r);
    se->inflight = NULL;
    e->inflight--;
    uv_close((uv_handle_t *)run->guard, run_guard_closed_cb);
    if (end != SW_RUN_STUCK) {
        sw_series_forget_runs(se);
        se->spent = run;
    } else {
        /* The series lets go now; the worker pool's reference keeps the
         * run until its thread returns, and the series waits for that
         * (se->stuck), so run->series stays good until then. */
        run_unref(run);
    }
    if (se->retired && !se->stuck)
        engine_free_retired(e, se);
    if (e->once)
        e->remaining--;
    /* A slot is free: the longest-waiting series goes next. */
    struct sw_series *w;
    while (e->inflight < e->conf->max_in_flight && !e->stopping && (w = waitq_pop(&e->waitq)))
        if (!engine_stuck_refuses(e, w, w->wait_due))
            run_start(e, w, w->wait_due);
    engine_maybe_done(e);
}

sw_result *sw_run_result(sw_run *run)
{
    return run->res;
}

int64_t sw_run_timeout(const sw_run *run)
{
    return run->series ? run->series->timeout : 0;
}

void sw_run_complete(sw_run *run)
{
    engine_finish(run, SW_RUN_DONE);
}

/* ---- starting a run ---- */

static void run_guard_cb(uv_timer_t *t)
{
    sw_run *run = t->data;
    struct sw_series *se = run->series;
    if (run->state != SW_RUN_RUNNING)
        return;
    if (!(se->plugin->desc.flags & SW_CHECK_ASYNC)) {
        /* A worker thread cannot be interrupted: the site gets its result
         * now, and the thread is left to return when it does (the series and
         * the run wait for it). */
        sw_err("%s: blocking run of %s did not return within its timeout; sitewatch gives its result and the "
               "worker thread stays busy until the plugin returns (plugin bug)",
               se->check, se->site->name);
        se->stuck++;
        se->eng->stuck++;
        engine_finish(run, SW_RUN_STUCK);
        return;
    }
    run->cancelled = run->cancelled ? run->cancelled : RUN_CANCEL_GUARD;
    se->plugin->desc.check_cancel(se->site_state, run);
    if (run->state == SW_RUN_RUNNING) {
        /* Cancel did not end it either: the site must still get its one
         * result, and the schedule its slot back. */
        sw_err("%s: run of %s not completed even after cancel; sitewatch gives its result (plugin bug)",
               se->check, se->site->name);
        engine_finish(run, SW_RUN_ABANDONED);
    }
}

static void run_work_cb(uv_work_t *w)
{
    sw_run *run = w->data;
    run->rc = run->series->plugin->desc.check_run(run->series->site_state, run);
}

static void run_after_work_cb(uv_work_t *w, int status)
{
    (void)status;
    sw_run *run = w->data;
    free(w);
    run->work = NULL;
    if (run->state != SW_RUN_STUCK) {
        engine_finish(run, SW_RUN_DONE);
        run_unref(run); /* the worker's */
        return;
    }
    struct sw_series *se = run->series;
    struct sw_engine *e = se->eng;
    char d[32];
    sw_warn("%s: the stuck run of %s returned after %s; its result was given already", se->check,
            se->site->name, sw_fmt_duration(sw_now_mono() - run->start, d, sizeof d));
    se->stuck--;
    e->stuck--;
    run->state = SW_RUN_ABANDONED; /* its thread is back */
    run->series = NULL;
    run_unref(run); /* the worker's */
    if (se->retired && !se->stuck && !se->inflight)
        engine_free_retired(e, se);
    engine_maybe_done(e);
}

int sw_engine_wait_stuck(struct sw_engine *e, int64_t us)
{
    int64_t end = sw_now_mono() + us;
    while (e->stuck && sw_now_mono() < end) {
        uv_run(e->loop, UV_RUN_NOWAIT);
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    return e->stuck;
}

/* A result that never ran (disabled plugin, overlap): made and delivered now. */
static void engine_note(struct sw_engine *e, struct sw_series *se, int64_t due, int skipped, const char *fmt,
                        ...) SW_PRINTF(5, 6);
static void engine_note(struct sw_engine *e, struct sw_series *se, int64_t due, int skipped, const char *fmt,
                        ...)
{
    int64_t now = sw_now_mono(), wall = sw_now_wall();
    sw_result *r = sw_result_new(se->site->name, se->check, e->conf->location);
    r->scheduled = wall - (now - due);
    r->started = wall;
    struct buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    sw_result_set(r, SW_UNKNOWN, "%s", sw_text(&b));
    buf_free(&b);
    sw_result_metric(r, "sched.lag", (double)(now - due) / SW_S);
    if (skipped)
        sw_result_metric(r, "sched.skipped", 1);
    engine_deliver(e, se, r);
    sw_result_unref(r);
}

static void run_start(struct sw_engine *e, struct sw_series *se, int64_t due)
{
    int64_t now = sw_now_mono(), wall = sw_now_wall();
    sw_run *run = sw_xcalloc(1, sizeof *run);
    run->refs = 2; /* the series' and the guard's */
    run->state = SW_RUN_RUNNING;
    run->series = se;
    run->due = due;
    run->start = now;
    run->res = sw_result_new(se->site->name, se->check, e->conf->location);
    run->res->scheduled = run->scheduled_wall = wall - (now - due);
    run->res->started = run->started_wall = wall;
    sw_result_metric(run->res, "sched.lag", (double)(now - due) / SW_S);
    run->guard = sw_xmalloc(sizeof *run->guard);
    uv_timer_init(e->loop, run->guard);
    run->guard->data = run;
    se->inflight = run;
    e->inflight++;
    uv_timer_start(run->guard, run_guard_cb, (uint64_t)((se->timeout + ENGINE_GUARD_GRACE) / SW_MS), 0);
    if (se->plugin->desc.flags & SW_CHECK_ASYNC) {
        int rc = se->plugin->desc.check_run(se->site_state, run);
        if (rc != 0 && run->state == SW_RUN_RUNNING) {
            run->rc = rc;
            engine_finish(run, SW_RUN_DONE);
        }
        return;
    }
    run->work = sw_xmalloc(sizeof *run->work);
    run->work->data = run;
    run->refs++; /* the worker's, until run_after_work_cb */
    if (uv_queue_work(e->loop, run->work, run_work_cb, run_after_work_cb) != 0) {
        free(run->work);
        run->work = NULL;
        run->refs--;
        run->rc = SW_EBUSY;
        engine_finish(run, SW_RUN_DONE);
    }
}

/* Whether blocking series SE may not start now (see engine_stuck_max); if so
 * its run gets an UNKNOWN saying why. */
static int engine_stuck_refuses(struct sw_engine *e, struct sw_series *se, int64_t due)
{
    if (se->plugin->desc.flags & SW_CHECK_ASYNC)
        return 0;
    if (!se->stuck && e->stuck < e->stuck_max) {
        e->stuck_warned = 0;
        return 0;
    }
    if (se->stuck) {
        engine_note(e, se, due, 1, "not started: its last run is still stuck in check plugin %s's code",
                    se->check);
    } else {
        if (!e->stuck_warned++)
            sw_err(
                "%d blocking run(s) are stuck in plugin code: no blocking check starts until one returns, so "
                "that a worker thread is left for the status pages",
                e->stuck);
        engine_note(
            e, se, due, 1,
            "not started: %d blocking run(s) of other sites are stuck in plugin code, holding all the "
            "worker threads but the one kept for the status pages",
            e->stuck);
    }
    if (e->once)
        e->remaining--;
    return 1;
}

/* The series is due: run it, queue it behind max_in_flight, or record why not. */
static void engine_dispatch(struct sw_engine *e, struct sw_series *se, int64_t due)
{
    char d[32];
    if (se->disabled) {
        engine_note(e, se, due, 0, "%s", se->disabled);
        if (e->once)
            e->remaining--;
        return;
    }
    if (!se->site_state) {
        engine_note(e, se, due, 0, "check plugin %s refused this site's configuration", se->check);
        if (e->once)
            e->remaining--;
        return;
    }
    if (se->inflight || se->waiting) {
        int64_t since = se->inflight ? se->inflight->start : se->wait_due;
        engine_note(e, se, due, 1, "skipped: the previous run (due %s ago) is still %s",
                    sw_fmt_duration(sw_now_mono() - since, d, sizeof d),
                    se->inflight ? "running" : "waiting");
        return;
    }
    if (engine_stuck_refuses(e, se, due))
        return;
    if (e->inflight >= e->conf->max_in_flight) {
        waitq_push(&e->waitq, se, due);
        return;
    }
    run_start(e, se, due);
}

static void engine_tick(uv_timer_t *t)
{
    struct sw_engine *e = t->data;
    int64_t now = sw_now_mono();
    struct sw_sched_item *it;
    while (!e->stopping && (it = sw_heap_top(&e->heap)) && it->due <= now) {
        sw_heap_pop(&e->heap);
        struct sw_series *se = (struct sw_series *)it;
        int64_t due = it->due;
        if (!e->once) {
            int64_t missed;
            it->due = sw_sched_next(due, se->interval, now, &missed);
            if (missed)
                sw_warn("%s %s: %lld run(s) missed: the loop was stalled", se->site->name, se->check,
                        (long long)missed);
            sw_heap_push(&e->heap, it);
        }
        engine_dispatch(e, se, due);
    }
    engine_arm(e);
    engine_maybe_done(e);
}

static void engine_arm(struct sw_engine *e)
{
    struct sw_sched_item *it = sw_heap_top(&e->heap);
    if (!it || e->stopping) {
        uv_timer_stop(&e->tick);
        return;
    }
    int64_t wait = it->due - sw_now_mono();
    uv_timer_start(&e->tick, engine_tick, wait <= 0 ? 0 : (uint64_t)((wait + SW_MS - 1) / SW_MS), 0);
}

static void engine_close_handles(struct sw_engine *e)
{
    uv_timer_stop(&e->tick);
    uv_handle_t *hs[] = {(uv_handle_t *)&e->sig_term, (uv_handle_t *)&e->sig_int, (uv_handle_t *)&e->sig_hup,
                         (uv_handle_t *)&e->watch,    (uv_handle_t *)&e->settle,  (uv_handle_t *)&e->rl.step,
                         (uv_handle_t *)&e->rl.hold};
    for (size_t i = 0; i < sizeof hs / sizeof *hs; i++)
        if (hs[i]->loop && !uv_is_closing(hs[i]))
            uv_close(hs[i], NULL);
    uv_stop(e->loop);
}

static void engine_maybe_done(struct sw_engine *e)
{
    if (e->once && e->remaining <= 0 && e->inflight == 0)
        engine_close_handles(e);
    else if (e->stopping && e->inflight == 0 && e->rl.phase != RELOAD_READING)
        engine_close_handles(e); /* a reading reload ends on its own, soon */
}

static void engine_schedule_all(struct sw_engine *e, int spread)
{
    int64_t now = sw_now_mono();
    for (struct sw_series **p = e->series; *p; p++) {
        struct sw_series *se = *p;
        if (se->item.pos != SIZE_MAX)
            continue;
        se->eng = e;
        se->item.due =
            spread ? sw_sched_first(now, sw_sched_offset(se->site->name, se->check, se->interval)) : now;
        sw_heap_push(&e->heap, &se->item);
    }
    engine_arm(e);
}

void sw_engine_run_once(struct sw_engine *e)
{
    e->once = 1;
    e->remaining = e->nseries;
    if (e->nseries == 0)
        return;
    engine_schedule_all(e, 0);
    uv_run(e->loop, UV_RUN_DEFAULT);
}

/* ---- the daemon: signals, stop, reload ---- */

static void engine_stop(struct sw_engine *e, const char *why)
{
    if (e->stopping)
        return;
    e->stopping = 1;
    sw_info("%s: stopping; %d run(s) in flight", why, e->inflight);
    uv_timer_stop(&e->tick);
    if (e->rl.phase != RELOAD_READING)
        engine_reload_drop(e);
    waitq_clear(&e->waitq);
    /* Cancel what can be cancelled; blocking runs finish on their own. */
    struct sw_series **lists[] = {e->series, e->retired};
    int counts[] = {e->nseries, e->nretired};
    for (int l = 0; l < 2; l++) {
        /* Backwards: a retired series whose run ends here leaves its list by
         * swapping the last one into its place. */
        for (int i = counts[l] - 1; i >= 0; i--) {
            struct sw_series *se = lists[l][i];
            sw_run *run = se->inflight;
            if (run && (se->plugin->desc.flags & SW_CHECK_ASYNC) && run->state == SW_RUN_RUNNING) {
                run->cancelled = RUN_CANCEL_STOP;
                se->plugin->desc.check_cancel(se->site_state, run);
                if (run->state == SW_RUN_RUNNING) /* a plugin that ignores cancel must not hold the stop */
                    engine_finish(run, SW_RUN_ABANDONED);
            }
        }
    }
    engine_maybe_done(e);
}

/* ---- reload: read off the loop, bind in slices, swap ---- */

/* Reading the folder (50 ms at 20,000 sites) runs on a worker thread;
 * binding the plugins must stay on the loop (plugins prepare and init on
 * the loop thread), so it runs in slices of this long, the loop serving
 * timers and I/O in between; the diff, the swap and the freeing of the
 * old series follow, linear, a loop turn each (see engine_reload_step). */
#define RELOAD_SLICE 3000
/* Requests made while a reload runs, or this soon after one ended, make
 * one more reload when it is over: a burst of SIGHUPs or edits is two
 * reloads, not one per request. */
#define RELOAD_GAP 300000

static void engine_reload_begin(struct sw_engine *e);

static int64_t engine_held(struct sw_engine *e, int64_t since)
{
    int64_t d = sw_now_mono() - since;
    if (d > e->rl.held_max)
        e->rl.held_max = d;
    return d;
}

/* Drop what a reload holds: the new config and series if it stops before
 * the swap, the old ones left to free if after. */
static void engine_reload_drop(struct sw_engine *e)
{
    if (e->rl.binder) {
        int n;
        sw_series_list_free(sw_series_bind_finish(e->rl.binder, &n));
        e->rl.binder = NULL;
    }
    sw_series_list_free(e->rl.fresh);
    sw_conf_free(e->rl.nc);
    sw_series_list_free(e->rl.dead);
    conf_hold_unref(e->rl.dead_conf);
    e->rl.fresh = e->rl.dead = NULL;
    e->rl.nc = NULL;
    e->rl.dead_conf = NULL;
    if (e->rl.step.loop)
        uv_idle_stop(&e->rl.step);
    e->rl.phase = RELOAD_IDLE;
}

static void engine_reload_hold_cb(uv_timer_t *t)
{
    struct sw_engine *e = t->data;
    if (e->rl.again && !e->stopping)
        engine_reload_begin(e);
}

/* Carry over: each new series takes the phase, the recent results and the
 * verdict of the old one of its site and check, found by hash, each old
 * one at most once (two of one site and check pair one to one).  Returns
 * how many found theirs. */
static int engine_reload_carry_over(struct sw_engine *e, struct sw_series **fresh, int n)
{
    int kept = 0;
    struct sw_series_index ix;
    sw_series_index_init(&ix, e->series);
    for (int i = 0; i < n; i++) {
        struct sw_series *se = fresh[i];
        se->eng = e;
        se->index = i;
        struct sw_series *o = sw_series_index_take(&ix, se->site->name, se->check);
        if (!o)
            continue;
        sw_recent_copy(&se->recent, &o->recent);
        se->verdict = o->verdict;
        se->since = o->since;
        if (o->item.pos != SIZE_MAX && o->interval == se->interval) {
            se->item.due = o->item.due;
            sw_heap_push(&e->heap, &se->item);
        }
        kept++;
    }
    sw_series_index_free(&ix);
    return kept;
}

/* Retire: the old series leave the schedule and the max_in_flight queue
 * (every series in it is an old one: a retired series has a run in
 * flight, so it is never queued).  One with a run still going on (or a
 * stuck thread, which still uses its state) is retired, holding its
 * configuration, and freed when that run ends; the others are left in
 * rl.dead, with the engine's hold on the old configuration in
 * rl.dead_conf, freed on the next turn. */
static void engine_reload_retire(struct sw_engine *e)
{
    waitq_clear(&e->waitq);
    int m = 0;
    for (int k = 0; k < e->nseries; k++) {
        struct sw_series *o = e->series[k];
        sw_heap_remove(&e->heap, &o->item);
        if (o->inflight || o->stuck) {
            o->retired = conf_hold_ref(e->conf_hold);
            e->retired = sw_xrealloc(e->retired, sizeof *e->retired * (size_t)(e->nretired + 1));
            e->retired[e->nretired++] = o;
        } else {
            e->series[m++] = o;
        }
    }
    e->series[m] = NULL;
    e->rl.dead = e->series;
    e->rl.dead_conf = e->conf_hold;
    e->conf_hold = NULL;
}

/* Put the new series in place of the old: carry over, retire, and run
 * the new configuration. */
static void engine_reload_swap(struct sw_engine *e)
{
    e->rl.kept = engine_reload_carry_over(e, e->rl.fresh, e->rl.n);
    engine_reload_retire(e);
    e->conf = e->rl.nc;
    e->conf_hold = conf_hold_new(e->rl.nc);
    e->series = e->rl.fresh;
    e->nseries = e->rl.n;
    e->rl.nc = NULL;
    e->rl.fresh = NULL;
    engine_schedule_all(e, 1);
}

/* A reload's loop-side work, a piece a loop turn (each a few ms at 20,000
 * sites, where all of it at once held the loop for 15-25 ms): bind a slice
 * of the sites; then refuse, or log the changes; swap; free the old. */
static void engine_reload_step(uv_idle_t *h)
{
    struct sw_engine *e = h->data;
    int64_t t0 = sw_now_mono();
    char d[32];
    switch (e->rl.phase) {
    case RELOAD_BINDING:
        if (!sw_series_bind_step(e->rl.binder, RELOAD_SLICE))
            break;
        e->rl.fresh = sw_series_bind_finish(e->rl.binder, &e->rl.n);
        e->rl.binder = NULL;
        if (e->rl.nc->nerrors) {
            struct sw_conf *nc = e->rl.nc;
            sw_err("reload refused: %d error(s) in %s; the running configuration stays", nc->nerrors, e->dir);
            for (int i = 0; i < nc->nerrors; i++)
                sw_err("%s", nc->errors[i]);
            engine_reload_drop(e);
            uv_timer_start(&e->rl.hold, engine_reload_hold_cb, RELOAD_GAP / SW_MS, 0);
            return;
        }
        e->rl.phase = RELOAD_DIFFING;
        break;
    case RELOAD_DIFFING:
        if (!sw_conf_log_changes(e->conf, e->rl.nc))
            sw_info("reload: no site changed");
        e->rl.phase = RELOAD_SWAPPING;
        break;
    case RELOAD_SWAPPING:
        engine_reload_swap(e);
        e->rl.phase = RELOAD_FREEING;
        break;
    case RELOAD_FREEING:
        engine_reload_drop(e); /* the old series and conf */
        engine_held(e, t0);
        sw_info("reloaded: %d site(s), %d check(s), %d kept their schedule; in %s, the loop held at most "
                "%.1f ms at a time",
                e->conf->nsites, e->nseries, e->rl.kept,
                sw_fmt_duration(sw_now_mono() - e->rl.started, d, sizeof d), (double)e->rl.held_max / SW_MS);
        uv_timer_start(&e->rl.hold, engine_reload_hold_cb, RELOAD_GAP / SW_MS, 0);
        return;
    }
    engine_held(e, t0);
}

static void engine_reload_read(uv_work_t *w)
{
    struct sw_engine *e = w->data;
    e->rl.nc = sw_conf_load(e->dir); /* touches nothing the loop uses */
}

static void engine_reload_read_done(uv_work_t *w, int status)
{
    struct sw_engine *e = w->data;
    (void)status;
    if (e->stopping) {
        engine_reload_drop(e);
        engine_maybe_done(e);
        return;
    }
    int64_t t0 = sw_now_mono();
    e->rl.phase = RELOAD_BINDING;
    e->rl.binder = sw_series_bind_start(e->rl.nc);
    engine_held(e, t0);
    uv_idle_start(&e->rl.step, engine_reload_step);
}

static void engine_reload_begin(struct sw_engine *e)
{
    sw_info("%s: reloading %s", e->rl.why, e->dir);
    e->rl.again = 0;
    e->rl.phase = RELOAD_READING;
    e->rl.started = sw_now_mono();
    e->rl.held_max = 0;
    e->rl.work.data = e;
    if (uv_queue_work(e->loop, &e->rl.work, engine_reload_read, engine_reload_read_done) != 0) {
        engine_reload_read(&e->rl.work); /* no worker: read here */
        engine_reload_read_done(&e->rl.work, 0);
    }
}

/* Reload now, or once the reload going (or just ended) is over. */
static void engine_reload_request(struct sw_engine *e, const char *why)
{
    if (e->rl.phase != RELOAD_IDLE || uv_is_active((uv_handle_t *)&e->rl.hold)) {
        if (!e->rl.again)
            e->rl.why = why;
        e->rl.again = 1;
        return;
    }
    e->rl.why = why;
    engine_reload_begin(e);
}

static void engine_signal(uv_signal_t *h, int sig)
{
    struct sw_engine *e = h->data;
    if (sig == SIGHUP && e->stopping)
        sw_info("SIGHUP ignored: stopping");
    else if (sig == SIGHUP)
        engine_reload_request(e, "SIGHUP");
    else
        engine_stop(e, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* The longest a stream of file events puts a reload off. */
#define ENGINE_SETTLE_MAX 2000000

static void engine_settled(uv_timer_t *t)
{
    struct sw_engine *e = t->data;
    if (!e->stopping)
        engine_reload_request(e, "the config folder changed");
}

/* An *.ini file in the folder changed (commands write NAME.ini through a
 * dot-named temporary, so one rename, but editors may make several
 * events): reload once things have been quiet for a moment.  inotify
 * reports events as they come, also during a reload; they only restart
 * this timer, and a reload asked for meanwhile waits its turn. */
static void engine_folder_event(uv_fs_event_t *h, const char *file, int events, int status)
{
    (void)events;
    struct sw_engine *e = h->data;
    size_t n = file ? strlen(file) : 0;
    if (status < 0 || e->stopping || !file || file[0] == '.' || n < 5 || strcmp(file + n - 4, ".ini") != 0)
        return;
    /* A file rewritten more often than that (a script looping) would put
     * the reload off for as long as it goes on: after ENGINE_SETTLE_MAX of
     * events the timer is left to run out. */
    int64_t now = sw_now_mono();
    if (!uv_is_active((uv_handle_t *)&e->settle))
        e->settle_first = now;
    if (now - e->settle_first < ENGINE_SETTLE_MAX)
        uv_timer_start(&e->settle, engine_settled, 300, 0);
}

static void engine_watch_folder(struct sw_engine *e)
{
    uv_timer_init(e->loop, &e->settle);
    e->settle.data = e;
    uv_idle_init(e->loop, &e->rl.step);
    e->rl.step.data = e;
    uv_timer_init(e->loop, &e->rl.hold);
    e->rl.hold.data = e;
    uv_fs_event_init(e->loop, &e->watch);
    e->watch.data = e;
    int rc = uv_fs_event_start(&e->watch, engine_folder_event, e->dir, 0);
    if (rc < 0)
        sw_warn("cannot watch %s for changes (%s): send SIGHUP after editing it", e->dir, uv_strerror(rc));
}

void sw_engine_run_daemon(struct sw_engine *e, const char *dir)
{
    e->dir = dir;
    uv_signal_t *sigs[] = {&e->sig_term, &e->sig_int, &e->sig_hup};
    int nums[] = {SIGTERM, SIGINT, SIGHUP};
    for (int i = 0; i < 3; i++) {
        uv_signal_init(e->loop, sigs[i]);
        sigs[i]->data = e;
        uv_signal_start(sigs[i], engine_signal, nums[i]);
    }
    engine_watch_folder(e);
    engine_schedule_all(e, 1);
    sw_info("running: %d site(s), %d check(s), location %s", e->conf->nsites, e->nseries, e->conf->location);
    uv_run(e->loop, UV_RUN_DEFAULT);
}

void sw_engine_free(struct sw_engine *e)
{
    if (!e)
        return;
    if (!uv_is_closing((uv_handle_t *)&e->tick))
        uv_close((uv_handle_t *)&e->tick, NULL);
    uv_run(e->loop, UV_RUN_NOWAIT);
    if (e->rl.phase != RELOAD_READING)
        engine_reload_drop(e);
    sw_heap_free(&e->heap);
    sw_series_list_free(e->series);
    for (int i = 0; i < e->nretired; i++) {
        struct sw_conf_hold *h = e->retired[i]->retired;
        sw_series_free(e->retired[i]);
        conf_hold_unref(h);
    }
    free(e->retired);
    conf_hold_unref(e->conf_hold);
    sw_sinks_free(&e->sinks);
    free(e);
}
