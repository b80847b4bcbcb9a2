/* SPDX-License-Identifier: MIT */
#include "message.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "log.h"
#include "result.h"
#include "units.h"
#include "util.h"

struct sw_message {
    char *notifier;
    int64_t timeout;
    sw_message_done_fn done;
    void *ud;
    json_t *events;                   /* an array of event objects, in order */
    char *subject, *text, *json, *id; /* made when first asked for */
    void *data;
    int finished;
};

/* The core's rule for memory, in jansson too: running out is fatal, so a
 * message is never half made (sw_xmalloc aborts). */
__attribute__((constructor)) static void msg_alloc_init(void)
{
    json_set_alloc_funcs(sw_xmalloc, free);
}

/* ---- the event ---- */

static void msg_set_str(json_t *o, const char *key, const char *v)
{
    if (v)
        json_object_set_new(o, key, json_string(v));
}

static void msg_set_time(json_t *o, const char *key, int64_t us)
{
    char t[40];
    if (us)
        json_object_set_new(o, key, json_string(sw_fmt_time(us, t, sizeof t)));
}

char *sw_event_payload(const struct sw_event_fields *f)
{
    json_t *o = json_object();
    msg_set_str(o, "event", f->event);
    msg_set_str(o, "id", f->id);
    if (f->site && f->check) {
        char *series = sw_xasprintf("%s/%s/%s", f->site, f->check, f->location ? f->location : "");
        msg_set_str(o, "series", series);
        free(series);
    }
    msg_set_str(o, "site", f->site);
    msg_set_str(o, "check", f->check);
    msg_set_str(o, "location", f->location);
    if (f->verdict >= 0)
        msg_set_str(o, "verdict", sw_verdict_name(f->verdict));
    msg_set_str(o, "reason", f->reason);
    msg_set_time(o, "since", f->since);
    msg_set_time(o, "at", f->at);
    if (f->downtime > 0) {
        char d[32];
        msg_set_str(o, "downtime", sw_fmt_duration(f->downtime, d, sizeof d));
        json_object_set_new(o, "downtime_seconds", json_integer(f->downtime / SW_S));
    }
    msg_set_str(o, "url", f->url);
    msg_set_str(o, "page", f->page);
    if (f->nlatest) {
        json_t *a = json_array();
        for (int i = 0; i < f->nlatest; i++) {
            const struct sw_event_result *r = &f->latest[i];
            json_t *x = json_object();
            msg_set_time(x, "started", r->started);
            msg_set_str(x, "verdict", sw_verdict_name(r->verdict));
            json_object_set_new(x, "seconds", json_real((double)r->duration / SW_S));
            msg_set_str(x, "reason", r->reason ? r->reason : "");
            json_array_append_new(a, x);
        }
        json_object_set_new(o, "latest", a);
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

char *sw_event_page(const char *public_url, const char *site)
{
    if (!public_url || !*public_url)
        return NULL;
    size_t n = strlen(public_url);
    /* Names are letters, digits, '.', '_' and '-': nothing to escape. */
    return sw_xasprintf("%s%ssite/%s.html", public_url, public_url[n - 1] == '/' ? "" : "/", site);
}

/* ---- the message ---- */

sw_message *sw_message_new(const char *notifier, int64_t timeout, sw_message_done_fn done, void *ud)
{
    sw_message *m = sw_xcalloc(1, sizeof *m);
    m->notifier = sw_xstrdup(notifier);
    m->timeout = timeout;
    m->done = done;
    m->ud = ud;
    m->events = json_array();
    return m;
}

int sw_message_add(sw_message *m, const char *payload)
{
    json_t *o = json_loads(payload, 0, NULL);
    if (!json_is_object(o) || !json_is_string(json_object_get(o, "event"))) {
        json_decref(o);
        return SW_EINVAL;
    }
    json_array_append_new(m->events, o);
    free(m->subject), free(m->text), free(m->json), free(m->id);
    m->subject = m->text = m->json = m->id = NULL;
    return 0;
}

void sw_message_free(sw_message *m)
{
    if (!m)
        return;
    json_decref(m->events);
    free(m->subject), free(m->text), free(m->json), free(m->id);
    free(m->notifier);
    free(m);
}

const char *sw_message_notifier(const sw_message *m)
{
    return m->notifier;
}

int sw_message_count(const sw_message *m)
{
    return (int)json_array_size(m->events);
}

const char *sw_message_field(const sw_message *m, int i, const char *name)
{
    if (i < 0 || !name)
        return NULL;
    return json_string_value(json_object_get(json_array_get(m->events, (size_t)i), name));
}

/* Event I's field NAME, "" when it has none: for wording. */
static const char *msg_f(const sw_message *m, int i, const char *name)
{
    const char *v = sw_message_field(m, i, name);
    return v ? v : "";
}

/* The string KEY of O, "" when it has none. */
static const char *msg_jstr(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

/* "2026-12-01 10:00:00 UTC" of an RFC 3339 time in UTC as payloads hold. */
static const char *msg_when(const char *rfc3339, char *buf, size_t n)
{
    if (strlen(rfc3339) < 19)
        return rfc3339;
    snprintf(buf, n, "%.10s %.8s UTC", rfc3339, rfc3339 + 11);
    return buf;
}

/* "shop https" or "shop https (from eu-west)": which series. */
static void msg_series(struct buf *b, const sw_message *m, int i)
{
    buf_printf(b, "%s", msg_f(m, i, "site"));
    if (*msg_f(m, i, "check"))
        buf_printf(b, " %s", msg_f(m, i, "check"));
}

/* The headline of event I, without "[sitewatch] ". */
static void msg_headline(struct buf *b, const sw_message *m, int i)
{
    const char *ev = msg_f(m, i, "event");
    if (strcmp(ev, "UP") == 0) {
        buf_printf(b, "UP ");
        msg_series(b, m, i);
        if (*msg_f(m, i, "downtime"))
            buf_printf(b, ": back after %s", msg_f(m, i, "downtime"));
        return;
    }
    if (strcmp(ev, "TEST") == 0) {
        buf_printf(b, "TEST: %s", msg_f(m, i, "reason"));
        return;
    }
    buf_printf(b, "%s ", strcmp(ev, "REMINDER") == 0 ? "STILL DOWN" : ev);
    msg_series(b, m, i);
    if (*msg_f(m, i, "reason"))
        buf_printf(b, ": %s", msg_f(m, i, "reason"));
}

/* "35 DOWN, 2 UP": a digest's events by kind, in the order first seen;
 * one pass (a digest holds up to a thousand). */
static void msg_tally(struct buf *b, const sw_message *m)
{
    enum { KINDS = 8 };
    const char *kind[KINDS];
    int count[KINDS], nk = 0, other = 0;
    for (int i = 0, n = sw_message_count(m); i < n; i++) {
        const char *ev = msg_f(m, i, "event");
        int k = 0;
        while (k < nk && strcmp(kind[k], ev) != 0)
            k++;
        if (k == nk && nk == KINDS) {
            other++;
            continue;
        }
        if (k == nk)
            kind[nk] = ev, count[nk++] = 0;
        count[k]++;
    }
    for (int k = 0; k < nk; k++)
        buf_printf(b, "%s%d %s", k ? ", " : "", count[k], kind[k]);
    if (other)
        buf_printf(b, ", %d other", other);
}

/* Subjects stay on one line of a mail client's list. */
#define MSG_SUBJECT_MAX 200

const char *sw_message_subject(const sw_message *m)
{
    sw_message *w = (sw_message *)m; /* made once, on the loop thread */
    if (w->subject)
        return w->subject;
    struct buf b = {0};
    buf_printf(&b, "[sitewatch] ");
    if (sw_message_count(m) == 1) {
        msg_headline(&b, m, 0);
    } else {
        buf_printf(&b, "%d events: ", sw_message_count(m));
        msg_tally(&b, m);
    }
    char *s = sw_text_take(&b);
    if (strlen(s) > MSG_SUBJECT_MAX) {
        size_t cut = MSG_SUBJECT_MAX;
        while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80) /* on a character boundary */
            cut--;
        s = sw_xrealloc(s, cut + 4); /* the text was taken at its own length */
        strcpy(s + cut, "...");
    }
    return w->subject = s;
}

static void msg_event_text(struct buf *b, const sw_message *m, int i)
{
    char t[40];
    const char *ev = msg_f(m, i, "event");
    buf_printf(b, "%s: %s", strcmp(ev, "REMINDER") == 0 ? "STILL DOWN" : ev, msg_f(m, i, "site"));
    if (*msg_f(m, i, "check"))
        buf_printf(b, ", check %s", msg_f(m, i, "check"));
    if (*msg_f(m, i, "location"))
        buf_printf(b, ", from %s", msg_f(m, i, "location"));
    buf_printf(b, "\n\n");
    if (strcmp(ev, "UP") == 0 && *msg_f(m, i, "downtime"))
        buf_printf(b, "Back after: %s\n", msg_f(m, i, "downtime"));
    if (*msg_f(m, i, "reason"))
        buf_printf(b, "%-11s %s\n", strcmp(ev, "UP") == 0 ? "Now:" : "Reason:", msg_f(m, i, "reason"));
    if (*msg_f(m, i, "since"))
        buf_printf(b, "%-11s %s\n", strcmp(ev, "UP") == 0 ? "Down since:" : "Since:",
                   msg_when(msg_f(m, i, "since"), t, sizeof t));
    if (*msg_f(m, i, "url"))
        buf_printf(b, "%-11s %s\n", "Site:", msg_f(m, i, "url"));
    if (*msg_f(m, i, "page"))
        buf_printf(b, "%-11s %s\n", "Status:", msg_f(m, i, "page"));
    json_t *latest = json_object_get(json_array_get(m->events, (size_t)i), "latest");
    if (json_array_size(latest)) {
        buf_printf(b, "\nLatest results, newest first:\n");
        size_t k;
        json_t *r;
        json_array_foreach(latest, k, r)
        {
            char d[32];
            double secs = json_number_value(json_object_get(r, "seconds"));
            buf_printf(b, "  %s  %-7s %8s  %s\n", msg_when(msg_jstr(r, "started"), t, sizeof t),
                       msg_jstr(r, "verdict"), sw_fmt_duration((int64_t)(secs * SW_S), d, sizeof d),
                       msg_jstr(r, "reason"));
        }
    }
    buf_printf(b, "\nEvent id: %s\n", msg_f(m, i, "id"));
}

const char *sw_message_text(const sw_message *m)
{
    sw_message *w = (sw_message *)m;
    if (w->text)
        return w->text;
    struct buf b = {0};
    int n = sw_message_count(m);
    if (n == 1) {
        msg_event_text(&b, m, 0);
    } else {
        buf_printf(&b, "%d events (", n);
        msg_tally(&b, m);
        buf_printf(&b, "):\n\n");
        for (int i = 0; i < n && i < SW_DIGEST_LISTED; i++) {
            buf_printf(&b, "  ");
            msg_headline(&b, m, i);
            buf_printf(&b, "\n");
        }
        if (n > SW_DIGEST_LISTED)
            buf_printf(&b, "  and %d more\n", n - SW_DIGEST_LISTED);
        const char *page = sw_message_field(m, 0, "page");
        if (page) {
            /* The status site's front page: the page's folder's parent. */
            const char *cut = strstr(page, "site/");
            buf_printf(&b, "\nThe status site: %.*s\n", cut ? (int)(cut - page) : (int)strlen(page), page);
        }
    }
    buf_printf(&b, "\n-- \nsitewatch, notifier %s\n", m->notifier);
    return w->text = sw_text_take(&b);
}

const char *sw_message_json(const sw_message *m)
{
    sw_message *w = (sw_message *)m;
    if (w->json)
        return w->json;
    if (sw_message_count(m) == 1) {
        w->json = json_dumps(json_array_get(m->events, 0), JSON_COMPACT | JSON_PRESERVE_ORDER);
    } else {
        json_t *o = json_object();
        json_object_set_new(o, "event", json_string("DIGEST"));
        json_object_set_new(o, "id", json_string(sw_message_id(m)));
        json_object_set_new(o, "count", json_integer(sw_message_count(m)));
        json_object_set_new(o, "subject", json_string(sw_message_subject(m)));
        json_object_set(o, "events", m->events);
        w->json = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
    }
    return w->json;
}

const char *sw_message_id(const sw_message *m)
{
    sw_message *w = (sw_message *)m;
    if (w->id)
        return w->id;
    int n = sw_message_count(m);
    if (n == 1)
        return w->id = sw_xstrdup(msg_f(m, 0, "id"));
    uint64_t h = 0;
    for (int i = 0; i < n; i++) /* the same events, the same id */
        h = sw_hash(msg_f(m, i, "id"), NULL) ^ (h * 1099511628211ull);
    return w->id = sw_xasprintf("digest.%016llx.%d", (unsigned long long)h, n);
}

int64_t sw_message_timeout(const sw_message *m)
{
    return m->timeout;
}

void sw_message_set_data(sw_message *m, void *data)
{
    m->data = data;
}

void *sw_message_data(const sw_message *m)
{
    return m->data;
}

void sw_message_done(sw_message *m, int err, const char *fmt, ...)
{
    if (m->finished) {
        sw_err("notifier %s: its plugin said a message was done twice (plugin bug); the second is ignored",
               m->notifier);
        return;
    }
    m->finished = 1;
    char *answer = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&answer, fmt, ap) < 0)
            answer = NULL;
        va_end(ap);
    }
    char *clean = sw_text_clean(answer ? answer : "", 1);
    free(answer);
    m->done(m, err, clean, m->ud);
    free(clean);
}
