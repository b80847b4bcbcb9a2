/* SPDX-License-Identifier: MIT
 *
 * What each preset makes of a message: the requests, their URLs and their
 * JSON bodies, each in the shape its service documents for incoming
 * messages (the page named above each builder; docs/plugins.md lists them).
 * The words are the core's (subject, text, fields): a preset only places
 * them, cut to the service's documented limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/buf.h"
#include "webhook.h"

/* ---- small pieces ---- */

/* Building stops counting on out of memory: one flag, checked where the
 * body is dumped, rather than a test after every set. */
struct js {
    int failed;
};

static void js_set(struct js *j, json_t *o, const char *key, json_t *v)
{
    if (!o || !v || json_object_set_new(o, key, v) != 0)
        j->failed = 1;
}

/* A string member only when S is there: a field an event lacks is left
 * out, not sent as "" or null. */
static void js_str(struct js *j, json_t *o, const char *key, const char *s)
{
    if (s)
        js_set(j, o, key, json_string(s));
}

static void js_push(struct js *j, json_t *a, json_t *v)
{
    if (!a || !v || json_array_append_new(a, v) != 0)
        j->failed = 1;
}

/* S cut to at most MAX bytes on a UTF-8 boundary, ending in an ellipsis
 * when cut.  Services count characters, which are never more than bytes,
 * so a byte limit keeps within theirs. */
static json_t *js_cut(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return json_string(s);
    size_t keep = max - 3; /* "…" is 3 bytes */
    while (keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
        keep--;
    char *c = malloc(keep + 4);
    if (!c)
        return NULL;
    memcpy(c, s, keep);
    memcpy(c + keep, "\xe2\x80\xa6", 4);
    json_t *v = json_string(c);
    free(c);
    return v;
}

static const char *field(const sw_message *m, int i, const char *name)
{
    return sw_api->message_field(m, i, name);
}

/* The message's event: its one event's, or DIGEST. */
static const char *msg_event(const sw_message *m)
{
    const char *e = sw_api->message_count(m) == 1 ? field(m, 0, "event") : NULL;
    return e ? e : "DIGEST";
}

/* "SUBJECT\n\nTEXT": the whole message as one text, for services with one
 * text field. */
static char *subject_text(const sw_message *m)
{
    struct buf b = {0};
    buf_printf(&b, "%s\n\n%s", sw_api->message_subject(m), sw_api->message_text(m));
    if (b.failed) {
        buf_free(&b);
        return NULL;
    }
    return b.s;
}

/* One event's own line, for the services that get one request per event
 * (a digest's subject covers them all): the core's subject for a message
 * of one event, else "[sitewatch] DOWN shop https: reason" of its fields. */
static char *event_summary(const sw_message *m, int i)
{
    if (sw_api->message_count(m) == 1)
        return strdup(sw_api->message_subject(m));
    struct buf b = {0};
    const char *ev = field(m, i, "event"), *site = field(m, i, "site"), *check = field(m, i, "check"),
               *reason = field(m, i, "reason");
    buf_printf(&b, "[sitewatch] %s", ev ? ev : "EVENT");
    if (site)
        buf_printf(&b, " %s", site);
    if (check)
        buf_printf(&b, " %s", check);
    if (reason)
        buf_printf(&b, ": %s", reason);
    if (b.failed) {
        buf_free(&b);
        return NULL;
    }
    return b.s;
}

/* Event I's summary as KEY of O, cut to MAX bytes. */
static void js_summary(struct js *j, json_t *o, const char *key, const sw_message *m, int i, size_t max)
{
    char *summary = event_summary(m, i);
    if (summary)
        js_set(j, o, key, js_cut(summary, max));
    else
        j->failed = 1;
    free(summary);
}

/* The key that ties a series' events together at the receiver (a
 * PagerDuty dedup_key, an Opsgenie alias): the series, or the event's id
 * when it has none (a TEST). */
static const char *event_key(const sw_message *m, int i)
{
    const char *k = field(m, i, "series");
    return k ? k : field(m, i, "id");
}

/* A link for the message: the status page, else the site's url. */
static const char *msg_link(const sw_message *m)
{
    if (sw_api->message_count(m) != 1)
        return NULL;
    const char *p = field(m, 0, "page");
    return p ? p : field(m, 0, "url");
}

/* Append a request of TEXT (taken: freed on failure); URL NULL means W's. */
static int reqs_add_text(struct wh_reqs *r, const struct wh *w, const char *method, const char *url,
                         char *text)
{
    char *u = text ? strdup(url ? url : w->url) : NULL;
    if (u && r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 2;
        struct wh_req *v = realloc(r->v, sizeof *v * (size_t)cap);
        if (v) {
            r->v = v;
            r->cap = cap;
        }
    }
    if (!u || r->n == r->cap) {
        free(text);
        free(u);
        return SW_ENOMEM;
    }
    r->v[r->n++] = (struct wh_req){method, u, text};
    return 0;
}

/* The same for BODY (taken), unless building it ran out of memory. */
static int reqs_add(struct wh_reqs *r, const struct wh *w, const char *method, const char *url, json_t *body,
                    struct js *j)
{
    char *text = body && !j->failed ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return reqs_add_text(r, w, method, url, text);
}

void wh_reqs_free(struct wh_reqs *r)
{
    /* A url or a body may hold the secret (a routing_key, a token in the
     * path): gone before the memory is given back. */
    for (int i = 0; i < r->n; i++) {
        explicit_bzero(r->v[i].url, strlen(r->v[i].url));
        explicit_bzero(r->v[i].body, strlen(r->v[i].body));
        free(r->v[i].url);
        free(r->v[i].body);
    }
    free(r->v);
    *r = (struct wh_reqs){0};
}

/* ---- the presets ---- */

/* json: the core's documented object (docs/alerts.md), byte for byte. */
static int p_json(const struct wh *w, const sw_message *m, struct wh_reqs *r)
{
    return reqs_add_text(r, w, "POST", NULL, strdup(sw_api->message_json(m)));
}

/* Slack, incoming webhooks (api.slack.com/messaging/webhooks, Block Kit):
 * {"text": ..., "blocks": [...]}.  "text" is the notification's fallback
 * and read as mrkdwn, so &, < and > are escaped as Slack asks; the block
 * is plain_text (a site name's * or _ stays as written), at most 3000. */
static char *slack_escape(const char *s)
{
    struct buf b = {0};
    for (; *s; s++)
        switch (*s) {
        case '&': buf_puts(&b, "&amp;"); break;
        case '<': buf_puts(&b, "&lt;"); break;
        case '>': buf_puts(&b, "&gt;"); break;
        default: buf_put(&b, s, 1);
        }
    if (b.failed || !b.s) {
        buf_free(&b);
        return b.failed ? NULL : strdup("");
    }
    return b.s;
}

static int p_slack(const struct wh *w, const sw_message *m, struct wh_reqs *r)
{
    struct js j = {0};
    char *all = subject_text(m), *fallback = slack_escape(sw_api->message_subject(m));
    json_t *body = json_object(), *blocks = json_array(), *sec = json_object(), *txt = json_object();
    if (all && fallback) {
        js_str(&j, body, "text", fallback);
        js_str(&j, txt, "type", "plain_text");
        js_set(&j, txt, "text", js_cut(all, 3000));
        js_str(&j, sec, "type", "section");
        js_set(&j, sec, "text", json_incref(txt));
        js_push(&j, blocks, json_incref(sec));
        js_set(&j, body, "blocks", json_incref(blocks));
    } else
        j.failed = 1;
    json_decref(txt);
    json_decref(sec);
    json_decref(blocks);
    free(all);
    free(fallback);
    return reqs_add(r, w, "POST", NULL, body, &j);
}

/* An event's colour for the services that show one (Discord's embed, as
 * an integer): red DOWN, amber REMINDER, green UP, purple SELF, blue TEST
 * and a digest. */
static long event_colour(const char *ev)
{
    static const struct {
        const char *ev;
        long rgb;
    } c[] = {{"DOWN", 0xd93025}, {"REMINDER", 0xf29900}, {"UP", 0x1e8e3e}, {"SELF", 0x8430ce}};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++)
        if (strcmp(ev, c[i].ev) == 0)
            return c[i].rgb;
    return 0x1a73e8;
}

/* Discord, Execute Webhook (discord.com/developers/docs/resources/webhook):
 * one embed (title at most 256, description 4096, color an integer, url,
 * timestamp ISO 8601) and allowed_mentions empty, so that an "@everyone"
 * in a reason pings nobody. */
static int p_discord(const struct wh *w, const sw_message *m, struct wh_reqs *r)
{
    struct js j = {0};
    json_t *body = json_object(), *embeds = json_array(), *e = json_object(), *mentions = json_object();
    const char *link = msg_link(m), *at = sw_api->message_count(m) == 1 ? field(m, 0, "at") : NULL;
    js_set(&j, e, "title", js_cut(sw_api->message_subject(m), 256));
    js_set(&j, e, "description", js_cut(sw_api->message_text(m), 4096));
    js_set(&j, e, "color", json_integer(event_colour(msg_event(m))));
    js_str(&j, e, "url", link);
    js_str(&j, e, "timestamp", at);
    js_push(&j, embeds, json_incref(e));
    js_set(&j, body, "embeds", json_incref(embeds));
    js_set(&j, mentions, "parse", json_array());
    js_set(&j, body, "allowed_mentions", json_incref(mentions));
    json_decref(e);
    json_decref(embeds);
    json_decref(mentions);
    return reqs_add(r, w, "POST", NULL, body, &j);
}

/* Microsoft Teams, a Workflows "When a Teams webhook request is received"
 * flow (learn.microsoft.com, "Create and send messages"; the old Office
 * 365 connectors read the same): {"type": "message", "attachments": [{
 * "contentType": "application/vnd.microsoft.card.adaptive", "content":
 * an Adaptive Card 1.2}]}, the subject and the text as TextBlocks, the
 * status page as an Action.OpenUrl. */
static json_t *text_block(struct js *j, const char *text, int bold)
{
    json_t *t = json_object();
    js_str(j, t, "type", "TextBlock");
    js_str(j, t, "text", text);
    js_set(j, t, "wrap", json_true());
    if (bold) {
        js_str(j, t, "weight", "Bolder");
        js_str(j, t, "size", "Medium");
    }
    return t;
}

static int p_teams(const struct wh *w, const sw_message *m, struct wh_reqs *r)
{
    struct js j = {0};
    json_t *body = json_object(), *atts = json_array(), *att = json_object(), *card = json_object(),
           *blocks = json_array();
    const char *page = sw_api->message_count(m) == 1 ? field(m, 0, "page") : NULL;
    js_str(&j, body, "type", "message");
    js_str(&j, att, "contentType", "application/vnd.microsoft.card.adaptive");
    js_set(&j, att, "contentUrl", json_null());
    js_str(&j, card, "$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
    js_str(&j, card, "type", "AdaptiveCard");
    js_str(&j, card, "version", "1.2");
    js_push(&j, blocks, text_block(&j, sw_api->message_subject(m), 1));
    js_push(&j, blocks, text_block(&j, sw_api->message_text(m), 0));
    js_set(&j, card, "body", json_incref(blocks));
    if (page) {
        json_t *actions = json_array(), *open = json_object();
        js_str(&j, open, "type", "Action.OpenUrl");
        js_str(&j, open, "title", "Status page");
        js_str(&j, open, "url", page);
        js_push(&j, actions, open);
        js_set(&j, card, "actions", actions);
    }
    js_set(&j, att, "content", json_incref(card));
    js_push(&j, atts, json_incref(att));
    js_set(&j, body, "attachments", json_incref(atts));
    json_decref(blocks);
    json_decref(card);
    json_decref(att);
    json_decref(atts);
    return reqs_add(r, w, "POST", NULL, body, &j);
}

/* Mattermost, incoming webhooks (developers.mattermost.com/integrate/
 * webhooks/incoming): {"text": ..., "username": ...}; text is Markdown, at
 * most 16383 characters. */
static int p_mattermost(const struct wh *w, const sw_message *m, struct wh_reqs *r)
{
    struct js j = {0};
    char *all = subject_text(m);
    json_t *body = json_object();
    if (all)
        js_set(&j, body, "text", js_cut(all, 16383));
    else
        j.failed = 1;
    js_str(&j, body, "username", "sitewatch");
    free(all);
    return reqs_add(r, w, "POST", NULL, body, &j);
}

/* ntfy, "Publish as JSON" (docs.ntfy.sh/publish/#publish-as-json): POST to
 * the server's root {"topic" (required), "title", "message", "tags",
 * "priority" 1-5, "click"}; a message over 4096 bytes would become an
 * attachment, so it is cut there.  The topic is the url's last segment
 * (webhook.c), as a user subscribes to it. */
static int p_ntfy(const struct wh *w, const sw_message *m, struct wh_reqs *r)
{
    struct js j = {0};
    const char *ev = msg_event(m);
    int down = strcmp(ev, "DOWN") == 0 || strcmp(ev, "DIGEST") == 0;
    json_t *body = json_object(), *tags = json_array();
    js_str(&j, body, "topic", w->topic);
    js_set(&j, body, "title", js_cut(sw_api->message_subject(m), 1024));
    js_set(&j, body, "message", js_cut(sw_api->message_text(m), 4096));
    js_push(&j, tags,
            json_string(strcmp(ev, "UP") == 0 ? "white_check_mark"
                        : down                ? "rotating_light"
                                              : "warning"));
    js_set(&j, body, "tags", tags);
    js_set(&j, body, "priority", json_integer(down ? 4 : 3));
    js_str(&j, body, "click", msg_link(m));
    return reqs_add(r, w, "POST", NULL, body, &j);
}

/* Gotify, POST /message (gotify.net/api-docs, "createMessage"; extras at
 * gotify.net/docs/msgextras): {"message" (required), "title", "priority",
 * "extras": {"client::display": {"contentType": "text/plain"},
 * "client::notification": {"click": {"url"}}}}; the token goes in the
 * X-Gotify-Key header (webhook.c). */
static int p_gotify(const struct wh *w, const sw_message *m, struct wh_reqs *r)
{
    struct js j = {0};
    const char *ev = msg_event(m), *link = msg_link(m);
    json_t *body = json_object(), *extras = json_object(), *display = json_object();
    js_str(&j, body, "title", sw_api->message_subject(m));
    js_str(&j, body, "message", sw_api->message_text(m));
    js_set(&j, body, "priority", json_integer(strcmp(ev, "DOWN") == 0 || strcmp(ev, "DIGEST") == 0 ? 8 : 5));
    js_str(&j, display, "contentType", "text/plain");
    js_set(&j, extras, "client::display", json_incref(display));
    if (link) {
        json_t *notif = json_object(), *click = json_object();
        js_str(&j, click, "url", link);
        js_set(&j, notif, "click", click);
        js_set(&j, extras, "client::notification", notif);
    }
    js_set(&j, body, "extras", json_incref(extras));
    json_decref(display);
    json_decref(extras);
    return reqs_add(r, w, "POST", NULL, body, &j);
}

/* Telegram Bot API, sendMessage (core.telegram.org/bots/api#sendmessage):
 * {"chat_id": an integer or "@channel", "text" (1-4096 characters)}, no
 * parse_mode (plain text needs no escaping), link previews off
 * (link_preview_options, Bot API 7.0). */
static int p_telegram(const struct wh *w, const sw_message *m, struct wh_reqs *r)
{
    struct js j = {0};
    char *all = subject_text(m), *end = NULL;
    long long id = strtoll(w->chat_id, &end, 10);
    json_t *body = json_object(), *preview = json_object();
    js_set(&j, body, "chat_id", *end == '\0' ? json_integer(id) : json_string(w->chat_id));
    if (all)
        js_set(&j, body, "text", js_cut(all, 4096));
    else
        j.failed = 1;
    js_set(&j, preview, "is_disabled", json_true());
    js_set(&j, body, "link_preview_options", preview);
    free(all);
    return reqs_add(r, w, "POST", NULL, body, &j);
}

/* The paging services get one request per event, each an alert opened or
 * closed by its series' key: DOWN and REMINDER open (the service folds a
 * reminder into the open alert), SELF opens one less urgent, UP closes,
 * and a TEST opens the least urgent and closes it at once, so that
 * notify-test leaves nothing open. */
enum { ALERT_DOWN, ALERT_SELF, ALERT_TEST, ALERT_CLOSE };
typedef int (*alert_fn)(const struct wh *w, const sw_message *m, int i, int level, struct wh_reqs *r);

static int per_event(const struct wh *w, const sw_message *m, struct wh_reqs *r, alert_fn alert)
{
    int rc = 0;
    for (int i = 0; i < sw_api->message_count(m) && rc == 0; i++) {
        const char *ev = field(m, i, "event");
        ev = ev ? ev : "";
        if (strcmp(ev, "UP") == 0)
            rc = alert(w, m, i, ALERT_CLOSE, r);
        else if (strcmp(ev, "TEST") == 0) {
            rc = alert(w, m, i, ALERT_TEST, r);
            if (rc == 0)
                rc = alert(w, m, i, ALERT_CLOSE, r);
        } else
            rc = alert(w, m, i, strcmp(ev, "SELF") == 0 ? ALERT_SELF : ALERT_DOWN, r);
    }
    return rc;
}

/* The event's fields named in KEEP (N of them) as strings of O: the
 * services' free-form details. */
static void js_fields(struct js *j, json_t *o, const sw_message *m, int i, const char *const *keep, size_t n)
{
    for (size_t k = 0; k < n; k++)
        js_str(j, o, keep[k], field(m, i, keep[k]));
    if (!o)
        j->failed = 1;
}

/* URL without its trailing '/', for a path to follow. */
static void base_url(struct buf *b, const char *url)
{
    size_t n = strlen(url);
    buf_put(b, url, n && url[n - 1] == '/' ? n - 1 : n);
}

/* PagerDuty Events API v2 (developer.pagerduty.com/docs/events-API-v2/
 * trigger-events, resolve-events): POST /v2/enqueue, one event a request:
 * {"routing_key", "event_action": trigger | resolve, "dedup_key",
 * "payload": {"summary" (at most 1024), "source", "severity":
 * critical | error | warning | info, "timestamp", "component", "group",
 * "custom_details"}, "client", "client_url", "links"}.  The dedup_key is
 * the series, so a DOWN and its REMINDERs are one alert and the UP
 * resolves it; a TEST triggers an info alert and resolves it at once. */
static int pd_event(const struct wh *w, const sw_message *m, int i, const char *action, const char *severity,
                    struct wh_reqs *r)
{
    struct js j = {0};
    json_t *body = json_object();
    js_str(&j, body, "routing_key", w->secret);
    js_str(&j, body, "event_action", action);
    js_str(&j, body, "dedup_key", event_key(m, i));
    if (strcmp(action, "trigger") == 0) {
        json_t *p = json_object(), *details = json_object();
        const char *site = field(m, i, "site"), *page = field(m, i, "page");
        js_summary(&j, p, "summary", m, i, 1024);
        js_str(&j, p, "source", site ? site : "sitewatch");
        js_str(&j, p, "severity", severity);
        js_str(&j, p, "timestamp", field(m, i, "at"));
        js_str(&j, p, "component", field(m, i, "check"));
        js_str(&j, p, "group", field(m, i, "location"));
        static const char *const keep[] = {"event", "id", "reason", "since", "verdict", "url", "page"};
        js_fields(&j, details, m, i, keep, sizeof keep / sizeof *keep);
        js_set(&j, p, "custom_details", details);
        js_set(&j, body, "payload", p);
        js_str(&j, body, "client", "sitewatch");
        if (page) {
            json_t *links = json_array(), *l = json_object();
            js_str(&j, body, "client_url", page);
            js_str(&j, l, "href", page);
            js_str(&j, l, "text", "status page");
            js_push(&j, links, l);
            js_set(&j, body, "links", links);
        }
    }
    return reqs_add(r, w, "POST", NULL, body, &j);
}

static int pd_alert(const struct wh *w, const sw_message *m, int i, int level, struct wh_reqs *r)
{
    static const char *const severity[] = {
        [ALERT_DOWN] = "critical", [ALERT_SELF] = "error", [ALERT_TEST] = "info"};
    return level == ALERT_CLOSE ? pd_event(w, m, i, "resolve", NULL, r)
                                : pd_event(w, m, i, "trigger", severity[level], r);
}

static int p_pagerduty(const struct wh *w, const sw_message *m, struct wh_reqs *r)
{
    return per_event(w, m, r, pd_alert);
}

/* Opsgenie Alert API (docs.opsgenie.com/docs/alert-api): create is POST
 * /v2/alerts {"message" (at most 130), "alias" (the dedup key, at most
 * 512), "description" (15000), "details" (string to string), "priority"
 * P1-P5, "source", "tags"}; close is POST /v2/alerts/ALIAS/close?
 * identifierType=alias {"source", "note"}.  One request per event, alias
 * the series: a DOWN opens, its REMINDERs add to it, the UP closes; a TEST
 * opens a P5 and closes it.  Authorization: GenieKey (webhook.c). */
static int og_create(const struct wh *w, const sw_message *m, int i, const char *priority, struct wh_reqs *r)
{
    struct js j = {0};
    json_t *body = json_object(), *details = json_object(), *tags = json_array();
    const char *ev = field(m, i, "event"), *reason = field(m, i, "reason");
    js_summary(&j, body, "message", m, i, 130);
    js_set(&j, body, "alias", js_cut(event_key(m, i), 512));
    /* A digest's text is every event's; an event's own is its reason. */
    if (sw_api->message_count(m) == 1)
        js_set(&j, body, "description", js_cut(sw_api->message_text(m), 15000));
    else if (reason)
        js_set(&j, body, "description", js_cut(reason, 15000));
    static const char *const keep[] = {"event",  "id",    "site",    "check", "location",
                                       "reason", "since", "verdict", "url",   "page"};
    js_fields(&j, details, m, i, keep, sizeof keep / sizeof *keep);
    js_set(&j, body, "details", details);
    js_str(&j, body, "priority", priority);
    js_str(&j, body, "source", "sitewatch");
    js_push(&j, tags, json_string("sitewatch"));
    if (ev)
        js_push(&j, tags, json_string(ev));
    js_set(&j, body, "tags", tags);
    return reqs_add(r, w, "POST", NULL, body, &j);
}

static int og_close(const struct wh *w, const sw_message *m, int i, struct wh_reqs *r)
{
    struct js j = {0};
    const char *key = event_key(m, i), *downtime = field(m, i, "downtime");
    char *esc = curl_easy_escape(NULL, key ? key : "", 0);
    struct buf url = {0}, note = {0};
    base_url(&url, w->url);
    buf_printf(&url, "/%s/close?identifierType=alias", esc ? esc : "");
    buf_printf(&note, "%s", downtime ? "UP after " : "closed by sitewatch");
    if (downtime)
        buf_puts(&note, downtime);
    json_t *body = json_object();
    js_str(&j, body, "source", "sitewatch");
    js_str(&j, body, "note", note.s);
    if (!esc || url.failed || note.failed)
        j.failed = 1;
    int rc = reqs_add(r, w, "POST", url.s ? url.s : "", body, &j);
    curl_free(esc);
    buf_free(&url);
    buf_free(&note);
    return rc;
}

static int og_alert(const struct wh *w, const sw_message *m, int i, int level, struct wh_reqs *r)
{
    static const char *const priority[] = {[ALERT_DOWN] = "P1", [ALERT_SELF] = "P3", [ALERT_TEST] = "P5"};
    return level == ALERT_CLOSE ? og_close(w, m, i, r) : og_create(w, m, i, priority[level], r);
}

static int p_opsgenie(const struct wh *w, const sw_message *m, struct wh_reqs *r)
{
    return per_event(w, m, r, og_alert);
}

/* Matrix Client-Server API, send a message event (spec.matrix.org,
 * "PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}"):
 * {"msgtype": "m.text", "body"}.  The txnId is the message's id, so the
 * homeserver drops a message sent again after a restart. */
static int p_matrix(const struct wh *w, const sw_message *m, struct wh_reqs *r)
{
    struct js j = {0};
    char *all = subject_text(m), *room = curl_easy_escape(NULL, w->room, 0),
         *txn = curl_easy_escape(NULL, sw_api->message_id(m), 0);
    struct buf url = {0};
    base_url(&url, w->url);
    buf_printf(&url, "/_matrix/client/v3/rooms/%s/send/m.room.message/%s", room ? room : "", txn ? txn : "");
    json_t *body = json_object();
    js_str(&j, body, "msgtype", "m.text");
    js_str(&j, body, "body", all);
    if (!all || !room || !txn || url.failed)
        j.failed = 1;
    int rc = reqs_add(r, w, "PUT", url.s ? url.s : "", body, &j);
    free(all);
    curl_free(room);
    curl_free(txn);
    buf_free(&url);
    return rc;
}

/* A template's body, POSTed to url as it is. */
static int p_template(const struct wh *w, const sw_message *m, struct wh_reqs *r)
{
    return reqs_add_text(r, w, "POST", NULL, wh_tpl_fill(w->tpl, m, w->secret));
}

int wh_build(const struct wh *w, const sw_message *m, struct wh_reqs *out)
{
    static int (*const build[])(const struct wh *, const sw_message *, struct wh_reqs *) = {
        [WH_JSON] = p_json,         [WH_SLACK] = p_slack,           [WH_DISCORD] = p_discord,
        [WH_TEAMS] = p_teams,       [WH_MATTERMOST] = p_mattermost, [WH_NTFY] = p_ntfy,
        [WH_GOTIFY] = p_gotify,     [WH_TELEGRAM] = p_telegram,     [WH_PAGERDUTY] = p_pagerduty,
        [WH_OPSGENIE] = p_opsgenie, [WH_MATRIX] = p_matrix,
    };
    if (w->tpl)
        return p_template(w, m, out);
    return build[w->preset](w, m, out);
}
