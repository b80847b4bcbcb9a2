/* SPDX-License-Identifier: MIT
 * `alerts`, `ack` and `silence`: the alert state as the daemon keeps it in
 * [core] state, read (or, for ack and silence, asked of it) beside the
 * running daemon through the file; without a daemon, the next one takes
 * the requests when it starts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "alertdb.h"
#include "alerts.h"
#include "app.h"
#include "host.h"
#include "lib/buf.h"
#include "log.h"
#include "maint.h"
#include "units.h"
#include "util.h"

static int alerts_open(struct sw_app *a, int mode, struct sw_alertdb **db)
{
    if (sw_app_load(a, 0) < 0)
        return -1;
    char *why = NULL;
    if (sw_alertdb_open(a->conf->state, mode, db, &why) != 0) {
        fprintf(stderr, "sitewatch: %s\n", why);
        free(why);
        return -1;
    }
    return 0;
}

/* The site named NAME in the configuration, or NULL (said on stderr). */
static const struct sw_site *alerts_site(struct sw_app *a, const char *name)
{
    for (int i = 0; i < a->conf->nsites; i++)
        if (strcmp(a->conf->sites[i].name, name) == 0)
            return &a->conf->sites[i];
    fprintf(stderr, "sitewatch: no site named '%s' in %s\n", name, a->dir);
    return NULL;
}

struct alerts_list {
    struct sw_app *a;
    int n;
};

static const struct sw_site *alerts_site_of(struct sw_conf *c, const char *key)
{
    size_t n = strcspn(key, "/");
    for (int i = 0; i < c->nsites; i++)
        if (strlen(c->sites[i].name) == n && strncmp(c->sites[i].name, key, n) == 0)
            return &c->sites[i];
    return NULL;
}

static void alerts_notify_list(struct buf *b, const struct sw_site *s)
{
    for (char **p = s && s->alerting.notify ? s->alerting.notify : NULL; p && *p; p++)
        buf_printf(b, "%s%s", p == s->alerting.notify ? "" : ", ", *p);
}

static int alerts_one(void *ctx, const char *key, const struct sw_alert *al)
{
    struct alerts_list *l = ctx;
    struct sw_app *a = l->a;
    if (al->state == SW_ALERT_UP && !al->told_since)
        return 0;
    const struct sw_site *site = alerts_site_of(a->conf, key);
    char since[40] = "", told[40] = "";
    if (al->since)
        sw_fmt_time(al->since, since, sizeof since);
    if (al->last_told)
        sw_fmt_time(al->last_told, told, sizeof told);
    struct buf who = {0};
    alerts_notify_list(&who, site);
    if (a->json) {
        struct buf b = {0};
        buf_printf(&b, "{\"series\":");
        buf_json_str(&b, key);
        buf_printf(&b, ",\"state\":\"%s\",\"since\":", sw_alert_state_name(al->state));
        buf_json_str(&b, *since ? since : NULL);
        buf_printf(&b, ",\"told\":%s,\"last_told\":", al->told_since ? "true" : "false");
        buf_json_str(&b, *told ? told : NULL);
        buf_printf(&b, ",\"reminders\":%d,\"acked\":%s,\"notify\":", al->reminders,
                   al->acked ? "true" : "false");
        buf_json_str(&b, sw_text(&who));
        buf_printf(&b, ",\"unreachable\":");
        buf_json_str(&b, *al->parent ? al->parent : NULL);
        buf_printf(&b, ",\"reason\":");
        buf_json_str(&b, al->reason);
        buf_printf(&b, "}");
        printf("%s\n", sw_text(&b));
        buf_free(&b);
    } else {
        if (!l->n)
            printf("%-32s  %-7s  %-27s  %s\n", "SERIES", "STATE", "SINCE", "TOLD / REASON");
        printf("%-32s  %-7s  %-27s  ", key, sw_alert_state_name(al->state), *since ? since : "-");
        if (al->told_since)
            printf("told %s at %s%s%s", who.len ? sw_text(&who) : "nobody", told, al->acked ? ", acked" : "",
                   al->reminders ? ", reminded" : "");
        else if (*al->parent)
            printf("held: unreachable: %s is down", al->parent);
        else
            printf("not told yet");
        printf("%s%s\n", *al->reason ? ": " : "", al->reason);
    }
    buf_free(&who);
    l->n++;
    return 0;
}

struct alerts_box {
    const char *name;
    int n, attempts;
    int64_t oldest, next;
};

static int alerts_box_one(void *ctx, const struct sw_outbox_msg *m)
{
    struct alerts_box *b = ctx;
    if (!b->n++) {
        b->oldest = m->created;
        b->next = m->next_attempt;
        b->attempts = m->attempts;
    }
    return 0;
}

static void alerts_outboxes(struct sw_app *a, struct sw_alertdb *db)
{
    for (int i = 0; i < a->conf->nnotifiers; i++) {
        struct alerts_box b = {.name = a->conf->notifiers[i].name};
        sw_alertdb_outbox(db, b.name, alerts_box_one, &b);
        char oldest[40] = "", next[40] = "";
        if (b.n)
            sw_fmt_time(b.oldest, oldest, sizeof oldest), sw_fmt_time(b.next, next, sizeof next);
        if (a->json) {
            printf("{\"outbox\":\"%s\",\"waiting\":%d", b.name, b.n);
            if (b.n)
                printf(",\"oldest\":\"%s\",\"attempts\":%d,\"next_attempt\":\"%s\"", oldest, b.attempts,
                       next);
            printf("}\n");
        } else if (b.n) {
            printf("outbox %s: %d message(s) waiting, the oldest from %s, %d attempt(s), next at %s\n",
                   b.name, b.n, oldest, b.attempts, next);
        } else {
            printf("outbox %s: empty\n", b.name);
        }
    }
}

static void alerts_windows(struct sw_app *a)
{
    int64_t now = sw_now_wall();
    for (int i = 0; i < a->conf->nmaint; i++) {
        const struct sw_maint *m = a->conf->maint[i];
        int64_t start, end;
        int active = sw_maint_at(m, now, &start, &end);
        if (!active && !sw_maint_next(m, now, &start, &end))
            continue;
        char s[40], e[40];
        sw_fmt_time(start, s, sizeof s);
        sw_fmt_time(end, e, sizeof e);
        if (a->json)
            printf("{\"maintenance\":\"%s\",\"active\":%s,\"start\":\"%s\",\"end\":\"%s\"}\n", m->name,
                   active ? "true" : "false", s, e);
        else
            printf("maintenance %s: %s %s until %s\n", m->name, active ? "active since" : "next", s, e);
    }
}

static int alerts_silence_one(void *ctx, const char *site, int64_t from, int64_t until)
{
    struct sw_app *a = ctx;
    char f[40], u[40];
    sw_fmt_time(from, f, sizeof f);
    sw_fmt_time(until, u, sizeof u);
    if (a->json) {
        struct buf b = {0};
        buf_puts(&b, "{\"silence\":");
        buf_json_str(&b, site);
        buf_printf(&b, ",\"from\":\"%s\",\"until\":\"%s\"}", f, u);
        printf("%s\n", sw_text(&b));
        buf_free(&b);
    } else {
        printf("silence %s: since %s until %s\n", site, f, u);
    }
    return 0;
}

int sw_cmd_alerts(struct sw_app *a)
{
    if (a->nargs) {
        fprintf(stderr, "sitewatch: alerts takes no arguments, not '%s'\n", a->args[0]);
        return 3;
    }
    struct sw_alertdb *db = NULL;
    if (alerts_open(a, SW_ALERTDB_READ, &db) < 0) {
        sw_app_close(a);
        return 1;
    }
    struct alerts_list l = {a, 0};
    int rc = sw_alertdb_each_series(db, alerts_one, &l);
    if (!l.n && !a->json)
        printf("every series is up, nothing owed\n");
    alerts_outboxes(a, db);
    alerts_windows(a);
    if (rc >= 0)
        rc = sw_alertdb_each_silence(db, sw_now_wall(), alerts_silence_one, a);
    if (rc < 0)
        fprintf(stderr, "sitewatch: state %s: %s\n", a->conf->state, sw_alertdb_error(db));
    sw_alertdb_close(db);
    sw_app_close(a);
    return rc < 0 ? 1 : 0;
}

int sw_cmd_ack(struct sw_app *a)
{
    const char *site = NULL, *check = NULL;
    for (int i = 0; i < a->nargs; i++) {
        if (strcmp(a->args[i], "--check") == 0 && i + 1 < a->nargs)
            check = a->args[++i];
        else if (a->args[i][0] != '-' && !site)
            site = a->args[i];
        else {
            fprintf(stderr, "usage: sitewatch ack SITE [--check CHECK]\n");
            return 3;
        }
    }
    if (!site) {
        fprintf(stderr, "usage: sitewatch ack SITE [--check CHECK]\n");
        return 3;
    }
    struct sw_alertdb *db = NULL;
    const struct sw_site *s = NULL;
    int rc = alerts_open(a, SW_ALERTDB_REQUEST, &db) < 0 || !(s = alerts_site(a, site)) ? 1 : 0;
    /* Only what is DOWN can be acknowledged: said now, not silently
     * ignored by the daemon later. */
    struct sw_alert st;
    int down = 0;
    for (int i = 0; rc == 0 && i < s->nchecks; i++) {
        const char *c = s->checks[i];
        char *key = sw_alert_key(site, c, a->conf->location);
        if ((!check || strcmp(check, c) == 0) && sw_alertdb_load(db, key, &st) == 0 &&
            st.state == SW_ALERT_DOWN)
            down++;
        free(key);
    }
    if (rc == 0 && !down) {
        fprintf(stderr, "sitewatch: %s%s%s is not DOWN: nothing to acknowledge\n", site, check ? " " : "",
                check ? check : "");
        rc = 1;
    }
    if (rc == 0 && sw_alertdb_ack(db, site, check, sw_now_wall()) != 0) {
        fprintf(stderr, "sitewatch: state %s: %s\n", a->conf->state, sw_alertdb_error(db));
        rc = 1;
    }
    if (rc == 0)
        printf("%s%s%s: acknowledged: no more reminders until it recovers\n", site, check ? " " : "",
               check ? check : "");
    sw_alertdb_close(db);
    sw_app_close(a);
    return rc;
}

int sw_cmd_silence(struct sw_app *a)
{
    int64_t d = 0;
    if (a->nargs != 2 || sw_parse_duration(a->args[1], &d) != 0 || d <= 0) {
        fprintf(stderr, "usage: sitewatch silence SITE DURATION (such as 30m or 2h)\n");
        return 3;
    }
    struct sw_alertdb *db = NULL;
    int rc = alerts_open(a, SW_ALERTDB_REQUEST, &db) < 0 || !alerts_site(a, a->args[0]) ? 1 : 0;
    int64_t now = sw_now_wall();
    if (rc == 0 && sw_alertdb_silence(db, a->args[0], now, now + d) != 0) {
        fprintf(stderr, "sitewatch: state %s: %s\n", a->conf->state, sw_alertdb_error(db));
        rc = 1;
    }
    if (rc == 0) {
        char until[40];
        printf("%s: silenced until %s: checked and stored, nobody told\n", a->args[0],
               sw_fmt_time(now + d, until, sizeof until));
    }
    sw_alertdb_close(db);
    sw_app_close(a);
    return rc;
}
