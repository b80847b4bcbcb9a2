/* SPDX-License-Identifier: MIT */
#include "alert.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

static void alert_copy(char *dst, size_t n, const char *s)
{
    snprintf(dst, n, "%s", s ? s : "");
}

void sw_alert_result(struct sw_alert *a, const struct sw_alert_rules *r, int verdict, const char *reason,
                     int64_t at)
{
    if (verdict == SW_UNKNOWN)
        return;
    int failed = verdict == SW_FAIL || (verdict == SW_WARN && r->alert_on == SW_WARN);
    if (failed) {
        a->passes = 0;
        alert_copy(a->reason, sizeof a->reason, reason);
        if (a->state == SW_ALERT_UP) {
            a->state = SW_ALERT_PENDING;
            a->since = at;
            a->fails = 0;
        }
        /* Counted only up to the threshold: a long outage never wraps. */
        if (a->state == SW_ALERT_PENDING && ++a->fails >= r->alert_after) {
            a->state = SW_ALERT_DOWN;
            a->fails = 0;
        }
        return;
    }
    if (a->state == SW_ALERT_PENDING) {
        a->state = SW_ALERT_UP;
    } else if (a->state == SW_ALERT_DOWN) {
        if (a->passes++ == 0)
            a->passing_since = at;
        if (a->passes < r->recover_after)
            return;
        if (a->told_since == a->since)
            a->told_end = a->passing_since;
        a->state = SW_ALERT_UP;
        a->acked = 0;
    } else {
        return;
    }
    a->fails = a->passes = 0;
    a->since = a->passing_since = 0;
    a->reason[0] = '\0';
    a->parent[0] = '\0';
}

static void alert_event(struct sw_alert_event *ev, int kind, int64_t since, int64_t now)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    ev->at = now;
    ev->since = since;
}

static void alert_id(struct sw_alert_event *ev, const char *key)
{
    char kind[24];
    if (ev->kind == SW_EVENT_REMINDER)
        snprintf(kind, sizeof kind, "reminder-%d", ev->nth);
    else
        snprintf(kind, sizeof kind, "%s", ev->kind == SW_EVENT_DOWN ? "down" : "up");
    snprintf(ev->id, sizeof ev->id, "%016llx.%lld.%s", (unsigned long long)sw_hash(key, NULL),
             (long long)ev->since, kind);
}

int sw_alert_owed(struct sw_alert *a, const struct sw_alert_rules *r, const char *key,
                  const struct sw_alert_hold *hold, int64_t now, struct sw_alert_event *ev)
{
    /* The mark is for whoever shows the state (alerts, the status site). */
    alert_copy(a->parent, sizeof a->parent, a->state != SW_ALERT_UP ? hold->parent : NULL);
    if (hold->maintenance)
        return 0;
    if (a->told_since && (a->state != SW_ALERT_DOWN || a->since != a->told_since)) {
        alert_event(ev, SW_EVENT_UP, a->told_since, now);
        ev->downtime = a->told_end - a->told_since;
        a->told_since = a->told_end = a->last_told = 0;
        a->reminders = 0;
    } else if (a->state != SW_ALERT_DOWN || hold->parent) {
        return 0;
    } else if (!a->told_since) {
        alert_event(ev, SW_EVENT_DOWN, a->since, now);
        ev->reason = a->reason;
        a->told_since = a->since;
        a->last_told = now;
        a->reminders = 0;
    } else if (now >= sw_alert_due(a, r)) {
        alert_event(ev, SW_EVENT_REMINDER, a->since, now);
        ev->reason = a->reason;
        ev->nth = ++a->reminders;
        a->last_told = now;
    } else {
        return 0;
    }
    alert_id(ev, key);
    return 1;
}

int sw_alert_told(const struct sw_alert *a, const char *key, int64_t now, struct sw_alert_event *ev)
{
    if (a->state != SW_ALERT_DOWN || !a->told_since || a->told_since != a->since)
        return 0;
    alert_event(ev, SW_EVENT_DOWN, a->told_since, now);
    ev->reason = a->reason;
    alert_id(ev, key);
    return 1;
}

int64_t sw_alert_due(const struct sw_alert *a, const struct sw_alert_rules *r)
{
    if (a->state != SW_ALERT_DOWN || !a->told_since || a->told_since != a->since || a->acked ||
        r->remind_every <= 0)
        return INT64_MAX;
    return a->last_told + r->remind_every;
}

int sw_alert_ack(struct sw_alert *a)
{
    if (a->state != SW_ALERT_DOWN)
        return SW_EINVAL;
    a->acked = 1;
    return 0;
}

const char *sw_alert_state_name(int state)
{
    static const char *const names[] = {"up", "pending", "down"};
    return state >= 0 && state <= SW_ALERT_DOWN ? names[state] : "?";
}

const char *sw_alert_kind_name(int kind)
{
    static const char *const names[] = {"?", "DOWN", "UP", "REMINDER"};
    return kind >= SW_EVENT_DOWN && kind <= SW_EVENT_REMINDER ? names[kind] : "?";
}
