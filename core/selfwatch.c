/* SPDX-License-Identifier: MIT */
#include "selfwatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "engine.h"
#include "lib/buf.h"
#include "outbox.h"
#include "storeq.h"
#include "units.h"
#include "util.h"

/* Lag samples kept for one minute's p99: enough for its 99th percentile
 * to mean something, bounded whatever the rate. */
#define SELF_SAMPLES 4096

struct self_part {
    char *name;
    int failing; /* as last told to the alerts; -1: not yet */
};

struct sw_selfwatch {
    struct self_part *parts;
    int nparts;
    /* sched.lag of this minute's results (a reservoir past SELF_SAMPLES) */
    double lag[SELF_SAMPLES];
    int nlag;
    uint64_t seen, rng;
    int64_t minute;   /* the minute being sampled, now / SW_MIN */
    int slow_minutes; /* in a row with p99 over SW_SELF_LAG */
    double last_p99;
    uint64_t dropped;
    int64_t last_drop;
    uint64_t given_up;
    int64_t last_giveup;
    int settled; /* the state file's parts from before were looked at */
};

struct sw_selfwatch *sw_selfwatch_new(void)
{
    struct sw_selfwatch *w = sw_xcalloc(1, sizeof *w);
    w->rng = 0x9e3779b97f4a7c15ull;
    return w;
}

void sw_selfwatch_free(struct sw_selfwatch *w)
{
    if (!w)
        return;
    for (int i = 0; i < w->nparts; i++)
        free(w->parts[i].name);
    free(w->parts);
    free(w);
}

void sw_selfwatch_sink(const struct sw_result_event *ev, void *ud)
{
    struct sw_selfwatch *w = ud;
    const sw_result *r = ev->result;
    for (int i = 0; i < r->nmetrics; i++) {
        if (strcmp(r->metrics[i].name, "sched.lag") != 0)
            continue;
        w->seen++;
        if (w->nlag < SELF_SAMPLES) {
            w->lag[w->nlag++] = r->metrics[i].value;
        } else { /* reservoir: each of the minute's results as likely kept */
            w->rng ^= w->rng << 13, w->rng ^= w->rng >> 7, w->rng ^= w->rng << 17;
            uint64_t k = w->rng % w->seen;
            if (k < SELF_SAMPLES)
                w->lag[k] = r->metrics[i].value;
        }
        return;
    }
}

/* Tell AL about PART when its condition changed (and the first time). */
static void self_say(struct sw_selfwatch *w, struct sw_alerts *al, const char *part, int failing,
                     const char *reason)
{
    struct self_part *p = NULL;
    for (int i = 0; i < w->nparts && !p; i++)
        if (strcmp(w->parts[i].name, part) == 0)
            p = &w->parts[i];
    if (!p) {
        w->parts = sw_xrealloc(w->parts, sizeof *w->parts * (size_t)(w->nparts + 1));
        p = &w->parts[w->nparts++];
        *p = (struct self_part){sw_xstrdup(part), -1};
    }
    if (p->failing == failing)
        return;
    p->failing = failing;
    sw_alerts_self(al, part, failing, reason);
}

static int self_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void self_lag(struct sw_selfwatch *w, struct sw_alerts *al, int64_t now)
{
    int64_t minute = now / SW_MIN;
    if (!w->minute)
        w->minute = minute;
    if (minute == w->minute)
        return;
    /* A minute is over: its p99, if it had results. */
    if (w->nlag) {
        qsort(w->lag, (size_t)w->nlag, sizeof *w->lag, self_cmp);
        w->last_p99 = w->lag[(size_t)((w->nlag - 1) * 99 / 100)];
        w->slow_minutes = w->last_p99 > (double)SW_SELF_LAG / SW_S ? w->slow_minutes + 1 : 0;
    }
    w->nlag = 0;
    w->seen = 0;
    w->minute = minute;
    char reason[160];
    snprintf(reason, sizeof reason,
             "checks start late: p99 of sched.lag over 1 s for %d minutes (%.1f s in the last one); raise "
             "max_in_flight or the intervals, or give it more CPU",
             w->slow_minutes, w->last_p99);
    self_say(w, al, "scheduler", w->slow_minutes >= SW_SELF_LAG_MINUTES, reason);
}

static void self_storage(struct sw_selfwatch *w, struct sw_alerts *al, struct sw_storeq *q, int64_t now)
{
    for (int t = 0; q && t < sw_storeq_ntargets(q); t++) {
        int64_t since = 0;
        char err[200] = "", part[160], reason[400], when[40];
        int failing = sw_storeq_target_failing(q, t, &since, err, sizeof err);
        snprintf(part, sizeof part, "storage %s", sw_storeq_target_name(q, t));
        snprintf(reason, sizeof reason, "failing since %s: %s",
                 since ? sw_fmt_time(since, when, sizeof when) : "?", err);
        self_say(w, al, part, failing && now - since > SW_SELF_STORAGE_AFTER,
                 failing ? reason : "writing again");
    }
    uint64_t dropped = q ? sw_storeq_dropped(q) : 0;
    if (dropped > w->dropped)
        w->last_drop = now;
    char reason[200];
    snprintf(reason, sizeof reason, "%llu result(s) dropped so far (a storage failing or a queue full)",
             (unsigned long long)dropped);
    w->dropped = dropped;
    self_say(w, al, "results", w->last_drop && now - w->last_drop < SW_SELF_DROPS_CLEAR, reason);
}

static void self_checks(struct sw_selfwatch *w, struct sw_alerts *al, struct sw_engine *e)
{
    int stuck = 0;
    const char *stuck_plugin = NULL;
    for (struct sw_series **p = sw_engine_series(e); p && *p; p++) {
        struct sw_series *se = *p;
        if (se->stuck)
            stuck++, stuck_plugin = se->check;
        if (se->disabled) { /* a plugin that failed to load: once per plugin */
            char part[160];
            snprintf(part, sizeof part, "plugin %s", se->check);
            self_say(w, al, part, 1, se->disabled);
        }
    }
    char reason[200];
    snprintf(reason, sizeof reason, "%d blocking check(s) stuck in plugin code (%s): a plugin bug", stuck,
             stuck_plugin ? stuck_plugin : "-");
    self_say(w, al, "checks", stuck > 0, reason);
}

static void self_outbox(struct sw_selfwatch *w, struct sw_alerts *al, int64_t now)
{
    uint64_t given_up = 0;
    struct sw_outbox *o = sw_alerts_outbox(al);
    for (int i = 0; o && i < sw_outbox_count(o); i++) {
        struct sw_outbox_counts n;
        if (sw_outbox_counts_at(o, i, &n) == 0)
            given_up += n.given_up;
    }
    if (given_up > w->given_up)
        w->last_giveup = now;
    w->given_up = given_up;
    char reason[200];
    snprintf(reason, sizeof reason,
             "%llu message(s) given up after give_up_after without being delivered (see the log)",
             (unsigned long long)given_up);
    self_say(w, al, "notify", w->last_giveup && now - w->last_giveup < SW_SELF_GIVEUP_CLEAR, reason);
}

/* Whether PART is failing as this process sees it. */
static int self_failing(void *ctx, const char *part)
{
    const struct sw_selfwatch *w = ctx;
    for (int i = 0; i < w->nparts; i++)
        if (strcmp(w->parts[i].name, part) == 0)
            return w->parts[i].failing == 1;
    return 0;
}

void sw_selfwatch_tick(struct sw_selfwatch *w, struct sw_alerts *al, struct sw_engine *e, struct sw_storeq *q,
                       int64_t now)
{
    self_lag(w, al, now);
    self_storage(w, al, q, now);
    self_checks(w, al, e);
    self_outbox(w, al, now);
    if (!w->settled) { /* what a previous run left as not well, and is not */
        sw_alerts_self_settle(al, self_failing, w);
        w->settled = 1;
    }
}
