/* SPDX-License-Identifier: MIT */
#include "alerts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#include "alert.h"
#include "alertdb.h"
#include "host.h"
#include "log.h"
#include "maint.h"
#include "message.h"
#include "outbox.h"
#include "recent.h"
#include "selfwatch.h"
#include "sink.h"
#include "util.h"

/* The latest results an event's text lists. */
#define ALERTS_LATEST 5

struct al_entry {
    char *key;
    struct sw_alert a;
    struct al_entry *next;
};

struct sw_alerts {
    struct sw_alertdb *db;
    struct sw_storeq *q;
    struct sw_selfwatch *self;
    struct sw_outbox *outbox;
    struct sw_notifiers *ns;
    struct sw_engine *e;
    uv_timer_t *tick;
    struct al_entry **buckets;
    size_t nbuckets, nentries;
    struct al_entry **acked; /* acks of this tick, applied once committed */
    int nacked;
    int64_t purged; /* when the silences over were last dropped */
};

char *sw_alert_key(const char *site, const char *check, const char *location)
{
    return sw_xasprintf("%s/%s/%s", site, check, location);
}

/* ---- the series that are not plainly UP, by key ---- */

static struct al_entry **al_slot(struct sw_alerts *al, const char *key)
{
    struct al_entry **p = &al->buckets[sw_hash(key, NULL) & (al->nbuckets - 1)];
    while (*p && strcmp((*p)->key, key) != 0)
        p = &(*p)->next;
    return p;
}

static void al_grow(struct sw_alerts *al)
{
    size_t n = al->nbuckets ? al->nbuckets * 2 : 64;
    struct al_entry **old = al->buckets;
    size_t oldn = al->nbuckets;
    al->buckets = sw_xcalloc(n, sizeof *al->buckets);
    al->nbuckets = n;
    for (size_t i = 0; i < oldn; i++)
        for (struct al_entry *x = old[i], *next; x; x = next) {
            next = x->next;
            struct al_entry **p = &al->buckets[sw_hash(x->key, NULL) & (n - 1)];
            x->next = *p;
            *p = x;
        }
    free(old);
}

static struct al_entry *al_find(struct sw_alerts *al, const char *key)
{
    return al->nbuckets ? *al_slot(al, key) : NULL;
}

static struct al_entry *al_add(struct sw_alerts *al, const char *key)
{
    if (al->nentries + 1 > al->nbuckets)
        al_grow(al);
    struct al_entry *x = sw_xcalloc(1, sizeof *x);
    x->key = sw_xstrdup(key);
    struct al_entry **p = al_slot(al, key);
    x->next = *p;
    *p = x;
    al->nentries++;
    return x;
}

static void al_remove(struct sw_alerts *al, const char *key)
{
    struct al_entry **p = al_slot(al, key), *x = *p;
    if (!x)
        return;
    *p = x->next;
    free(x->key);
    free(x);
    al->nentries--;
}

static int al_load_one(void *ctx, const char *key, const struct sw_alert *a)
{
    al_add(ctx, key)->a = *a;
    return 0;
}

/* ---- opening ---- */

/* The state file's folder, made when missing (var/ beside a fresh conf.d). */
static void al_make_folder(const char *path)
{
    char *dir = sw_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST)
            sw_warn("state %s: cannot make its folder %s: %s", path, dir, strerror(errno));
    }
    free(dir);
}

struct sw_alerts *sw_alerts_open(struct sw_conf *c, struct sw_notifiers *ns, char **why)
{
    struct sw_alerts *al = sw_xcalloc(1, sizeof *al);
    al_make_folder(c->state);
    if (sw_alertdb_open(c->state, SW_ALERTDB_WRITE, &al->db, why) != 0) {
        free(al);
        return NULL;
    }
    if (sw_alertdb_each_series(al->db, al_load_one, al) < 0) {
        *why = sw_xasprintf("state %s: cannot read it: %s", c->state, sw_alertdb_error(al->db));
        sw_alerts_free(al);
        return NULL;
    }
    al->ns = ns;
    return al;
}

/* ---- deciding ---- */

/* What is judged: a series, or a part of sitewatch itself (the pseudo-site
 * sitewatch, its "check" the part: "storage sqlite"). */
struct al_subject {
    const char *site, *check, *url, *depends_on;
    char **notify;
    struct sw_alert_rules rules;
    const struct sw_recent *recent; /* NULL for sitewatch itself */
    int self;
};

static struct al_subject al_series(const struct sw_series *se)
{
    const struct sw_site *site = se->site;
    return (struct al_subject){
        .site = site->name,
        .check = se->check,
        .url = site->url,
        .depends_on = site->depends_on,
        .notify = site->alerting.notify,
        .rules =
            {
                .alert_after = (int)site->alerting.alert_after,
                .recover_after = (int)site->alerting.recover_after,
                .remind_every = site->alerting.remind_every,
                .alert_on = site->alerting.alert_on,
            },
        .recent = &se->recent,
    };
}

/* Whether any series of the site NAME is DOWN, or failing on its way
 * there: a child's DOWN waits for its parent's verdict to settle, so one
 * round in which both fail never pages about the child. */
static int al_site_down(struct sw_alerts *al, const char *name, const char *location, int64_t now)
{
    for (struct sw_series **p = sw_engine_series(al->e); p && *p; p++) {
        if (strcmp((*p)->site->name, name) != 0)
            continue;
        char *key = sw_alert_key(name, (*p)->check, location);
        struct al_entry *x = al_find(al, key);
        free(key);
        if (!x || x->a.state == SW_ALERT_UP)
            continue;
        /* A parent failing holds for as long as its verdict takes to
         * settle, not for ever: one stuck PENDING (its results UNKNOWN,
         * which count neither way) lets its children go. */
        int64_t settle = ((*p)->site->alerting.alert_after + 1) * (*p)->interval;
        if (x->a.state == SW_ALERT_DOWN || now - x->a.since <= settle)
            return 1;
    }
    return 0;
}

/* What holds S's events now.  Nothing holds what sitewatch says about
 * itself: a window over every site is not one over the monitor. */
static void al_hold(struct sw_alerts *al, const struct al_subject *s, int64_t now, struct sw_alert_hold *h)
{
    struct sw_conf *c = sw_engine_conf(al->e);
    int64_t end = 0;
    *h = (struct sw_alert_hold){0};
    if (s->self)
        return;
    h->maintenance = sw_maint_active(c->maint, (size_t)c->nmaint, s->site, now, &end) != NULL;
    if (!h->maintenance && sw_alertdb_silenced(al->db, s->site, now, &end) == 1)
        h->maintenance = 1;
    h->parent = s->depends_on && al_site_down(al, s->depends_on, c->location, now) ? s->depends_on : NULL;
}

struct al_latest {
    struct sw_event_result v[ALERTS_LATEST];
    char *reasons[ALERTS_LATEST];
    int n;
};

static int al_latest_one(const sw_result *r, void *ud)
{
    struct al_latest *l = ud;
    l->reasons[l->n] = sw_xstrdup(r->reason ? r->reason : "");
    l->v[l->n] = (struct sw_event_result){r->started, r->duration, r->verdict, l->reasons[l->n]};
    l->n++;
    return 0;
}

/* The payload of EV for the series SE. */
static char *al_payload(struct sw_alerts *al, const struct al_subject *s, const struct sw_alert_event *ev)
{
    struct sw_conf *c = sw_engine_conf(al->e);
    struct al_latest l = {.n = 0};
    for (int i = 0; s->recent && i < ALERTS_LATEST && i < sw_recent_count(s->recent); i++)
        sw_recent_lend(s->recent, i, al_latest_one, &l);
    const sw_result *newest = s->recent ? s->recent->newest : NULL;
    char *page = s->self ? NULL : sw_event_page(c->public_url, s->site);
    const char *reason = ev->reason;
    if (ev->kind == SW_EVENT_UP && newest) /* what it says now it is back */
        reason = newest->reason;
    struct sw_event_fields f = {
        .event = s->self && ev->kind != SW_EVENT_UP ? "SELF" : sw_alert_kind_name(ev->kind),
        .id = ev->id,
        .site = s->site,
        .check = s->check,
        .location = c->location,
        .verdict = newest ? newest->verdict : -1,
        .reason = reason,
        .since = ev->since,
        .at = ev->at,
        .downtime = ev->downtime,
        .url = s->url,
        .page = page,
        .latest = l.v,
        .nlatest = l.n,
    };
    char *p = sw_event_payload(&f);
    free(page);
    for (int i = 0; i < l.n; i++)
        free(l.reasons[i]);
    return p;
}

/* Whether A and B differ in more than their reason and parent mark: a
 * reason that changes with every result ("slow: HTTP 200 in 3.2 s", the
 * milliseconds in a connect error) is no change of state, and a sync of
 * the file for each would hold the loop through an outage.  Memory keeps
 * the newest reason; the file gets it with the next real change. */
static int al_same(const struct sw_alert *a, const struct sw_alert *b)
{
    struct sw_alert x = *a, y = *b;
    memset(x.reason, 0, sizeof x.reason), memset(y.reason, 0, sizeof y.reason);
    memset(x.parent, 0, sizeof x.parent), memset(y.parent, 0, sizeof y.parent);
    return memcmp(&x, &y, sizeof x) == 0;
}

/* Count VERDICT (when COUNT) into SE's state, then announce what is owed
 * at NOW; one transaction for both.  Returns whether anything was
 * enqueued. */
static int al_judge(struct sw_alerts *al, const struct al_subject *s, int count, int verdict,
                    const char *reason, int64_t at, int64_t now)
{
    struct sw_conf *c = sw_engine_conf(al->e);
    char *key = sw_alert_key(s->site, s->check, c->location);
    struct al_entry *x = al_find(al, key);
    struct sw_alert a = {0}, before = {0};
    if (x)
        a = before = x->a;
    const struct sw_alert_rules rules = s->rules;
    if (count)
        sw_alert_result(&a, &rules, verdict, reason, at);
    if (a.state == SW_ALERT_UP && !a.told_since && !x) { /* the common case: nothing to keep */
        free(key);
        return 0;
    }
    struct sw_alert_hold hold;
    al_hold(al, s, now, &hold);
    struct sw_alert_event ev[4];
    int nev = 0;
    while (nev < 4 && sw_alert_owed(&a, &rules, key, &hold, now, &ev[nev]))
        nev++;
    if (!nev && x && al_same(&a, &before)) {
        x->a = a; /* the newest reason and mark, for `alerts` and the next save */
        free(key);
        return 0;
    }
    int plain = a.state == SW_ALERT_UP && !a.told_since;
    int rc = sw_alertdb_begin(al->db);
    if (rc == 0)
        rc = plain ? sw_alertdb_forget(al->db, key) : sw_alertdb_save(al->db, key, &a);
    char **notify = s->notify;
    for (int i = 0; rc == 0 && i < nev; i++) {
        char *payload = al_payload(al, s, &ev[i]);
        /* Also for a notifier a reload added: it waits in the file and
         * goes when a start opens that notifier. */
        for (char **n = notify; rc == 0 && n && *n; n++)
            rc = sw_alertdb_enqueue(al->db, *n, ev[i].id, payload, now);
        free(payload);
    }
    if (rc == 0)
        rc = sw_alertdb_commit(al->db);
    if (rc != 0)
        sw_alertdb_rollback(al->db);
    if (rc != 0) {
        /* Memory keeps what the file did not take, so the event is owed
         * again at the next result or tick and the file tried again. */
        sw_err("state %s: cannot save %s: %s", c->state, key, sw_alertdb_error(al->db));
        free(key);
        return 0;
    }
    for (int i = 0; i < nev; i++)
        sw_info("%s %s: %s%s%s", s->site, s->check,
                s->self && ev[i].kind != SW_EVENT_UP ? "SELF" : sw_alert_kind_name(ev[i].kind),
                ev[i].reason ? ": " : "", ev[i].reason ? ev[i].reason : "");
    if (plain) {
        al_remove(al, key);
    } else {
        if (!x)
            x = al_add(al, key);
        x->a = a;
    }
    free(key);
    for (char **n = notify; nev && n && *n; n++)
        sw_outbox_kick(al->outbox, *n);
    return nev > 0;
}

void sw_alerts_self(struct sw_alerts *al, const char *part, int failing, const char *reason)
{
    struct sw_conf *c = sw_engine_conf(al->e);
    struct al_subject s = {
        .site = "sitewatch",
        .check = part,
        .notify = c->notify_self,
        .rules = {.alert_after = 1, .recover_after = 1, .alert_on = SW_FAIL},
        .self = 1,
    };
    int64_t now = sw_now_wall();
    al_judge(al, &s, 1, failing ? SW_FAIL : SW_OK, reason ? reason : "", now, now);
}

void sw_alerts_self_settle(struct sw_alerts *al, int (*failing)(void *ctx, const char *part), void *ctx)
{
    struct sw_conf *c = sw_engine_conf(al->e);
    size_t nloc = strlen(c->location);
    char **parts = NULL;
    int n = 0;
    /* Collected first: telling a part changes the table walked. */
    for (size_t b = 0; b < al->nbuckets; b++)
        for (struct al_entry *x = al->buckets[b]; x; x = x->next) {
            size_t len = strlen(x->key);
            if (strncmp(x->key, "sitewatch/", 10) != 0 || len < 11 + nloc ||
                strcmp(x->key + len - nloc, c->location) != 0 || x->key[len - nloc - 1] != '/')
                continue;
            char *part = sw_xasprintf("%.*s", (int)(len - nloc - 11), x->key + 10);
            if (failing(ctx, part)) {
                free(part);
                continue;
            }
            parts = sw_xrealloc(parts, sizeof *parts * (size_t)(n + 1));
            parts[n++] = part;
        }
    for (int i = 0; i < n; i++) {
        sw_alerts_self(al, parts[i], 0, "no longer so");
        free(parts[i]);
    }
    free(parts);
}

static void al_sink(const struct sw_result_event *ev, void *ud)
{
    struct sw_alerts *al = ud;
    if (ev->index < 0) /* retired by a reload: its successor counts from here */
        return;
    const sw_result *r = ev->result;
    struct al_subject subj = al_series(ev->series);
    al_judge(al, &subj, 1, r->verdict, r->reason ? r->reason : "", r->started, sw_now_wall());
}

/* `ack SITE [--check C]`, asked by a command through the file. */
static int al_ack_one(void *ctx, const char *site, const char *check)
{
    struct sw_alerts *al = ctx;
    size_t n = strlen(site);
    for (size_t b = 0; b < al->nbuckets; b++)
        for (struct al_entry *x = al->buckets[b]; x; x = x->next) {
            const char *k = x->key;
            if (strncmp(k, site, n) != 0 || k[n] != '/')
                continue;
            if (check && (strncmp(k + n + 1, check, strlen(check)) != 0 || k[n + 1 + strlen(check)] != '/'))
                continue;
            if (x->a.state != SW_ALERT_DOWN || x->a.acked)
                continue;
            struct sw_alert a = x->a;
            sw_alert_ack(&a);
            if (sw_alertdb_save(al->db, x->key, &a) == 0) { /* memory once the tick commits */
                al->acked = sw_xrealloc(al->acked, sizeof *al->acked * (size_t)(al->nacked + 1));
                al->acked[al->nacked++] = x;
            }
        }
    return 0;
}

/* What time alone makes owed: only series with a state of their own. */
static void al_on_tick(uv_timer_t *t)
{
    struct sw_alerts *al = t->data;
    int64_t now = sw_now_wall();
    /* One transaction: an ack asked while these are read is not dropped
     * unread. */
    al->nacked = 0;
    if (sw_alertdb_begin(al->db) != 0 || sw_alertdb_take_acks(al->db, al_ack_one, al) < 0 ||
        sw_alertdb_commit(al->db) != 0) {
        sw_err("state: cannot take the acks asked for: %s", sw_alertdb_error(al->db));
        sw_alertdb_rollback(al->db);
    } else {
        for (int i = 0; i < al->nacked; i++) {
            sw_alert_ack(&al->acked[i]->a);
            sw_info("%s: acknowledged: no more reminders until it recovers", al->acked[i]->key);
        }
    }
    if (now - al->purged >= SW_H) {
        sw_alertdb_purge_silences(al->db, now);
        al->purged = now;
    }
    sw_selfwatch_tick(al->self, al, al->e, al->q, now);
    if (!al->nentries)
        return;
    /* Parents first: a child's DOWN held by a parent that has just
     * recovered goes in the same tick. */
    for (int pass = 0; pass < 2; pass++)
        for (struct sw_series **p = sw_engine_series(al->e); p && *p; p++)
            if ((pass == 0) == !(*p)->site->depends_on) {
                struct al_subject subj = al_series(*p);
                al_judge(al, &subj, 0, 0, NULL, 0, now);
            }
}

/* SW_NOTIFY_RESTATE: what is DOWN and told, to the notifiers that keep
 * what is firing, through their outboxes (so it too survives a crash). */
static void al_restate(struct sw_alerts *al)
{
    struct sw_conf *c = sw_engine_conf(al->e);
    int64_t now = sw_now_wall();
    int n = 0;
    if (sw_alertdb_begin(al->db) != 0)
        return;
    for (struct sw_series **p = sw_engine_series(al->e); p && *p; p++) {
        struct al_subject s = al_series(*p);
        char *key = sw_alert_key(s.site, s.check, c->location);
        struct al_entry *x = al_find(al, key);
        struct sw_alert_event ev;
        if (x && sw_alert_told(&x->a, key, now, &ev)) {
            char *payload = al_payload(al, &s, &ev);
            char *id = sw_xasprintf("%s.restate.%lld", ev.id, (long long)now);
            for (char **name = s.notify; name && *name; name++) {
                struct sw_notifier *nf = sw_notifiers_find(al->ns, *name);
                if (nf && (nf->plugin->desc.flags & SW_NOTIFY_RESTATE) &&
                    sw_alertdb_enqueue(al->db, *name, id, payload, now) == 0)
                    n++;
            }
            free(id);
            free(payload);
        }
        free(key);
    }
    if (sw_alertdb_commit(al->db) != 0) {
        sw_alertdb_rollback(al->db);
        sw_err("state %s: cannot restate what is DOWN: %s", c->state, sw_alertdb_error(al->db));
    } else if (n) {
        sw_info("told again what is DOWN, %d event(s), to the notifiers that keep what is firing", n);
    }
}

/* The state of series the configuration no longer has (a site removed or
 * renamed, another location): forgotten at start, said in the log. */
static void al_forget_gone(struct sw_alerts *al)
{
    struct sw_conf *c = sw_engine_conf(al->e);
    char **keep = NULL, **gone = NULL;
    int nkeep = 0, ngone = 0;
    for (struct sw_series **p = sw_engine_series(al->e); p && *p; p++) {
        keep = sw_xrealloc(keep, sizeof *keep * (size_t)(nkeep + 1));
        keep[nkeep++] = sw_alert_key((*p)->site->name, (*p)->check, c->location);
    }
    for (size_t b = 0; b < al->nbuckets; b++)
        for (struct al_entry *x = al->buckets[b]; x; x = x->next) {
            int kept = strncmp(x->key, "sitewatch/", 10) == 0; /* sitewatch's own: settled by the tick */
            for (int i = 0; i < nkeep && !kept; i++)
                kept = strcmp(keep[i], x->key) == 0;
            if (kept)
                continue;
            if (x->a.told_since)
                sw_warn(
                    "%s is no longer configured: its alert state is forgotten; it was told DOWN and no UP "
                    "will follow",
                    x->key);
            else
                sw_info("%s is no longer configured: its alert state is forgotten", x->key);
            gone = sw_xrealloc(gone, sizeof *gone * (size_t)(ngone + 1));
            gone[ngone++] = sw_xstrdup(x->key);
        }
    for (int i = 0; i < ngone; i++) {
        if (sw_alertdb_forget(al->db, gone[i]) == 0)
            al_remove(al, gone[i]);
        free(gone[i]);
    }
    for (int i = 0; i < nkeep; i++)
        free(keep[i]);
    free(keep);
    free(gone);
}

void sw_alerts_start(struct sw_alerts *al, struct sw_engine *e, struct sw_storeq *q)
{
    al->e = e;
    al->q = q;
    al_forget_gone(al);
    al->self = sw_selfwatch_new();
    al_restate(al); /* first in each outbox, before anything new */
    al->outbox = sw_outbox_new(al->db, al->ns);
    sw_sink_register(e, "alerts", al_sink, NULL, al);
    sw_sink_register(e, "lag", sw_selfwatch_sink, NULL, al->self);
    al->tick = sw_xmalloc(sizeof *al->tick);
    uv_timer_init(sw_host_loop(), al->tick);
    al->tick->data = al;
    uv_timer_start(al->tick, al_on_tick, 1000, 1000);
}

static void al_timer_closed(uv_handle_t *h)
{
    free(h);
}

void sw_alerts_free(struct sw_alerts *al)
{
    if (!al)
        return;
    if (al->tick)
        uv_close((uv_handle_t *)al->tick, al_timer_closed);
    sw_outbox_free(al->outbox);
    sw_selfwatch_free(al->self);
    free(al->acked);
    for (size_t i = 0; i < al->nbuckets; i++)
        for (struct al_entry *x = al->buckets[i], *next; x; x = next) {
            next = x->next;
            free(x->key);
            free(x);
        }
    free(al->buckets);
    sw_alertdb_close(al->db);
    free(al);
}

struct sw_outbox *sw_alerts_outbox(struct sw_alerts *al)
{
    return al->outbox;
}
