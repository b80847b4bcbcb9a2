/* SPDX-License-Identifier: MIT
 *
 * The webhook notify plugin's parts: the configuration of one notifier
 * (webhook.c), the bodies each preset makes of a message (presets.c), the
 * template a user writes instead (template.c) and the HTTP requests on the
 * host loop (send.c).
 */
#ifndef SW_WEBHOOK_H
#define SW_WEBHOOK_H

#include <curl/curl.h>

#include <sitewatch/plugin.h>

/* The host table, sw_api: defined by SW_PLUGIN_INIT1 in webhook.c. */
SW_PLUGIN_INIT3

/* In the order of the preset key's words. */
enum wh_preset {
    WH_JSON,
    WH_SLACK,
    WH_DISCORD,
    WH_TEAMS,
    WH_MATTERMOST,
    WH_NTFY,
    WH_GOTIFY,
    WH_TELEGRAM,
    WH_PAGERDUTY,
    WH_OPSGENIE,
    WH_MATRIX,
};

struct wh_tpl;
struct curlloop;

/* One [notify NAME] with plugin = webhook. */
struct wh {
    char *name;
    int preset;
    char *url;                  /* {secret} filled in: never logged, never in an answer */
    char *topic;                /* ntfy: the url's last path segment (url is then the server's root) */
    char *chat_id;              /* telegram */
    char *room;                 /* matrix: the room id */
    char *secret;               /* secret_file's first line, or NULL */
    struct curl_slist *headers; /* every request's, {secret} filled in */
    char *ca_file;
    struct wh_tpl *tpl;    /* template = FILE, or NULL */
    sw_message *cur;       /* in flight (the core hands an instance one at a time), or NULL */
    struct curlloop *loop; /* the plugin's, shared by its notifiers */
};

/* One HTTP request of a message: most presets make one, pagerduty and
 * opsgenie one per event of a digest. */
struct wh_req {
    const char *method; /* "POST" or "PUT" (static) */
    char *url;
    char *body; /* JSON */
};

struct wh_reqs {
    struct wh_req *v;
    int n, cap;
};

/* The requests W sends for M into OUT (empty on entry): 0 or SW_ENOMEM
 * (then OUT holds what was made; wh_reqs_free it either way). */
int wh_build(const struct wh *w, const sw_message *m, struct wh_reqs *out);
void wh_reqs_free(struct wh_reqs *r);

/* The template in FILE (read now), checked: its placeholders are known and
 * the body it makes is JSON.  0 with *OUT set; SW_ECONFIG after reporting
 * on KEY; SW_ENOMEM. */
int wh_tpl_open(const sw_config *cfg, const char *key, const char *file, struct wh_tpl **out);
void wh_tpl_free(struct wh_tpl *t);
/* T has the placeholder {NAME}. */
int wh_tpl_has(const struct wh_tpl *t, const char *name);
/* The body for M, placeholders JSON-escaped; NULL when out of memory. */
char *wh_tpl_fill(const struct wh_tpl *t, const sw_message *m, const char *secret);

/* The descriptor's delivery entry points (send.c). */
int wh_send(void *inst, sw_message *m);
void wh_cancel(void *inst, sw_message *m);
/* The plugin's curlloop's callback for a finished request. */
void wh_request_done(CURL *easy, CURLcode result, void *ud);

#endif
