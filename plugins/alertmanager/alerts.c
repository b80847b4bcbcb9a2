/* SPDX-License-Identifier: MIT
 *
 * Alerts as Alertmanager's API v2 takes them (postableAlerts: labels,
 * annotations, startsAt, endsAt, generatorURL) made of the core's events,
 * and the table of what is firing that the repeat timer posts again.
 *
 * An alert is known to Alertmanager by its labels, so each series keeps
 * one label set from its DOWN to its UP: alertname, site, check, location,
 * severity and the user's labels.  A firing alert ends 3 x repeat ahead:
 * Alertmanager keeps it through two lost re-posts and resolves it by
 * itself when sitewatch is gone for longer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alertmanager.h"
#include "lib/buf.h"

static const char *am_field(const sw_message *m, int i, const char *name)
{
    return sw_api->message_field(m, i, name);
}

static int am_is(const sw_message *m, int i, const char *event)
{
    const char *e = am_field(m, i, "event");
    return e && strcmp(e, event) == 0;
}

/* US (wall clock) as RFC 3339 in UTC, the form of the core's fields
 * ("2026-12-01T10:00:00.250000Z"): two of them compare as strings. */
static json_t *am_time(int64_t us)
{
    char t[48];
    time_t s = (time_t)(us / SW_S);
    struct tm tm;
    if (us < 0 || !gmtime_r(&s, &tm) || !strftime(t, sizeof t - 9, "%Y-%m-%dT%H:%M:%S", &tm))
        return NULL;
    snprintf(t + strlen(t), 9, ".%06ldZ", (long)(us % SW_S));
    return json_string(t);
}

/* Sets KEY of O to V (taken); a NULL V (out of memory) is remembered in
 * *FAILED. */
static void am_set(json_t *o, const char *key, json_t *v, int *failed)
{
    if (!v || json_object_set_new(o, key, v) != 0)
        *failed = 1;
}

/* A label or annotation, left out when the event has no such field:
 * Alertmanager drops an empty label anyway. */
static void am_set_str(json_t *o, const char *key, const char *s, int *failed)
{
    if (s && *s)
        am_set(o, key, json_string(s), failed);
}

/* Event I's own line: the core's subject for a message of one event, else
 * the same words of its fields ("[sitewatch] DOWN shop https: reason";
 * REMINDER reads STILL DOWN, UP says the downtime). */
static json_t *am_summary(const sw_message *m, int i)
{
    if (sw_api->message_count(m) == 1)
        return json_string(sw_api->message_subject(m));
    const char *ev = am_field(m, i, "event"), *site = am_field(m, i, "site"),
               *check = am_field(m, i, "check");
    const char *reason = am_field(m, i, "reason"), *downtime = am_field(m, i, "downtime");
    struct buf b = {0};
    buf_printf(&b, "[sitewatch] %s %s",
               am_is(m, i, "REMINDER") ? "STILL DOWN"
               : ev                    ? ev
                                       : "EVENT",
               site ? site : "");
    if (check)
        buf_printf(&b, " %s", check);
    if (am_is(m, i, "UP") && downtime)
        buf_printf(&b, ": back after %s", downtime);
    else if (!am_is(m, i, "UP") && reason)
        buf_printf(&b, ": %s", reason);
    json_t *v = b.failed ? NULL : json_string(b.s);
    buf_free(&b);
    return v;
}

/* The key of event I's alert: its series, or its id (a TEST has none). */
static const char *am_key(const sw_message *m, int i)
{
    const char *k = am_field(m, i, "series");
    return k ? k : am_field(m, i, "id");
}

/* SiteDown, SitewatchSelf (sitewatch about itself) or SitewatchTest; an
 * UP keeps the name its series fired with. */
static const char *am_alertname(const struct am *a, const sw_message *m, int i)
{
    if (am_is(m, i, "SELF"))
        return "SitewatchSelf";
    if (am_is(m, i, "TEST"))
        return "SitewatchTest";
    json_t *was = json_object_get(a->firing, am_key(m, i) ? am_key(m, i) : "");
    const char *name = json_string_value(json_object_get(json_object_get(was, "labels"), "alertname"));
    if (name)
        return name;
    /* Not fired by this process (a restart): the SELF events' pseudo-site. */
    const char *site = am_field(m, i, "site");
    return am_is(m, i, "UP") && site && strcmp(site, "sitewatch") == 0 ? "SitewatchSelf" : "SiteDown";
}

/* Event I as an alert without endsAt, or NULL when out of memory. */
static json_t *am_alert(const struct am *a, const sw_message *m, int i, int64_t now)
{
    int failed = 0;
    json_t *alert = json_object(), *labels = json_object(), *notes = json_object();
    if (!alert || !labels || !notes) {
        json_decref(alert), json_decref(labels), json_decref(notes);
        return NULL;
    }
    am_set_str(labels, "alertname", am_alertname(a, m, i), &failed);
    am_set_str(labels, "site", am_field(m, i, "site"), &failed);
    am_set_str(labels, "check", am_field(m, i, "check"), &failed);
    am_set_str(labels, "location", am_field(m, i, "location"), &failed);
    am_set_str(labels, "severity", a->severity, &failed);
    if (json_object_update(labels, a->extra) != 0)
        failed = 1;
    am_set(notes, "summary", am_summary(m, i), &failed);
    am_set_str(notes, "description", am_field(m, i, "reason"), &failed);
    am_set_str(notes, "page", am_field(m, i, "page"), &failed);
    am_set(alert, "labels", labels, &failed);
    am_set(alert, "annotations", notes, &failed);
    /* When it began: the incident's start, kept by the table across
     * reminders; a TEST has only its own time. */
    json_t *was = json_object_get(a->firing, am_key(m, i) ? am_key(m, i) : "");
    const char *since = json_string_value(json_object_get(was, "startsAt"));
    if (!since)
        since = am_field(m, i, "since");
    if (!since)
        since = am_field(m, i, "at");
    am_set(alert, "startsAt", since ? json_string(since) : am_time(now), &failed);
    const char *link = am_field(m, i, "page") ? am_field(m, i, "page") : am_field(m, i, "url");
    am_set_str(alert, "generatorURL", link, &failed);
    if (failed) {
        json_decref(alert);
        return NULL;
    }
    return alert;
}

/* A copy of ALERT (its parts shared) ending at ENDS, never before it
 * starts (Alertmanager refuses that: a clock set back), or NULL when out
 * of memory. */
static json_t *am_ending(json_t *alert, int64_t ends)
{
    json_t *c = json_copy(alert), *end = am_time(ends);
    int failed = !c || !end;
    const char *starts = json_string_value(json_object_get(alert, "startsAt"));
    if (!failed && starts && strcmp(json_string_value(end), starts) < 0)
        json_string_set(end, starts);
    if (c)
        am_set(c, "endsAt", end, &failed);
    else
        json_decref(end);
    if (failed) {
        json_decref(c);
        return NULL;
    }
    return c;
}

/* The values of O (alerts) as a JSON text of an array. */
static char *am_dump_values(json_t *o, int failed)
{
    json_t *body = failed ? NULL : json_array();
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        if (body && json_array_append(body, v) != 0)
            failed = 1;
    }
    char *s = body && !failed ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return s;
}

char *am_message_body(struct am *a, const sw_message *m, int64_t now)
{
    json_t *last = json_object(); /* key -> the alert of its latest event */
    int failed = !last, n = sw_api->message_count(m);
    for (int i = 0; i < n && !failed; i++) {
        const char *key = am_key(m, i);
        if (!key) /* an event without series or id: the core's bug, left out */
            continue;
        json_t *alert = am_alert(a, m, i, now);
        if (!alert) {
            failed = 1;
            break;
        }
        int up = am_is(m, i, "UP");
        if (up)
            json_object_del(a->firing, key);
        else if (!am_is(m, i, "TEST") && json_object_set(a->firing, key, alert) != 0)
            failed = 1;
        if (json_object_set_new(last, key, am_ending(alert, up ? now : now + 3 * a->repeat)) != 0)
            failed = 1;
        json_decref(alert);
    }
    char *s = am_dump_values(last, failed);
    json_decref(last);
    return s;
}

char *am_repost_body(struct am *a, int64_t now)
{
    if (json_object_size(a->firing) == 0)
        return NULL;
    json_t *all = json_object();
    int failed = !all;
    const char *key;
    json_t *alert;
    json_object_foreach(a->firing, key, alert)
    {
        if (!failed && json_object_set_new(all, key, am_ending(alert, now + 3 * a->repeat)) != 0)
            failed = 1;
    }
    char *s = am_dump_values(all, failed);
    json_decref(all);
    return s;
}
