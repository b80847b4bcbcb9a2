/* SPDX-License-Identifier: MIT
 *
 * webhook: a sitewatch notify plugin that POSTs each message as JSON to a
 * url: the core's documented object (preset = json), the body a chat or
 * paging service documents for its incoming API (slack, discord, teams,
 * mattermost, ntfy, gotify, telegram, pagerduty, opsgenie, matrix:
 * presets.c), or a template of the user's (template.c).  Async on the
 * host loop (send.c), TLS always verified.
 *
 * Secrets stay out of the INI: one secret_file per notifier, whose first
 * line fills {secret} wherever it is written (url, headers, template) and
 * is the token the presets that need one place themselves (PagerDuty's
 * routing_key, Opsgenie's GenieKey, Gotify's X-Gotify-Key, Matrix's and
 * ntfy's bearer token).  One key for every service, because where a
 * service wants its token differs (a webhook URL that is itself the
 * secret, a header, a body field) while the rule for the user does not:
 * the INI may be world-readable, the file is 0600.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/curlloop.h"
#include "lib/err.h"
#include "lib/httppost.h"
#include "lib/secret.h"
#include "lib/url.h"
#include "webhook.h"

SW_PLUGIN_INIT1

/* ---- keys ---- */

static const char *const wh_presets[] = {"json",   "slack",    "discord",   "teams",    "mattermost", "ntfy",
                                         "gotify", "telegram", "pagerduty", "opsgenie", "matrix",     NULL};

static const struct sw_key wh_keys[] = {
    {.name = "url",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REQUIRED,
     .help = "where to send, http:// or https://; {secret} in it is secret_file's content"},
    {.name = "preset",
     .type = SW_KEY_WORD,
     .def = "json",
     .words = wh_presets,
     .help = "the body's shape: json (sitewatch's own schema) or the service's documented one"},
    {.name = "template",
     .type = SW_KEY_STRING,
     .help = "a file with the JSON body to send instead, {site} {reason} ... filled in, JSON-escaped"},
    {.name = "headers",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REPEATS,
     .help = "'Name: value' sent with every request; {secret} in it is secret_file's content"},
    {.name = "secret_file",
     .type = SW_KEY_STRING,
     .help = "a file (mode 0600) whose first line is the token: fills {secret}, and the presets that "
             "need one use it"},
    {.name = "ca_file",
     .type = SW_KEY_STRING,
     .help = "PEM certificates to verify an https:// url with, instead of the system's"},
    {.name = "chat_id",
     .type = SW_KEY_STRING,
     .help = "preset = telegram: the chat to write to, a number or @channelname"},
    {.name = "room", .type = SW_KEY_STRING, .help = "preset = matrix: the room's id, !abc123:example.org"},
    {.name = NULL},
};

/* ---- the secret ---- */

/* secret_file as the webhook plugin speaks of it. */
static const struct secret_words wh_secret_words = {
    .plugin = "webhook",
    .key = "secret_file",
    .what = "the secret",
    .readable = "a readable file",
};

/* ---- open / close ---- */

static void wh_free(struct wh *w)
{
    if (!w)
        return;
    free(w->name);
    /* The secret is in the url, the headers and itself: none of it stays
     * in freed memory. */
    secret_free(w->url);
    httppost_headers_free(w->headers);
    free(w->topic);
    free(w->chat_id);
    free(w->room);
    secret_free(w->secret);
    free(w->ca_file);
    wh_tpl_free(w->tpl);
    free(w);
}

/* url: http:// or https://, parsed by libcurl with the secret filled in
 * (the whole url may be the secret: a Teams flow's), while an error shows
 * the url as written; ntfy's topic split off its end. */
static int wh_open_url(const sw_config *cfg, struct wh *w, int *used)
{
    const char *url = sw_api->config_get(cfg, "url");
    if (!url) /* required: the core said so already */
        return SW_ECONFIG;
    char scheme[16], host[256];
    int rc = secret_fill(url, w->secret, &w->url, used);
    if (rc)
        return rc;
    if (!w->secret && strstr(url, "{secret}"))
        return 0; /* refused anyway: secret_file is missing or unreadable, and said so */
    rc = url_split(w->url, scheme, sizeof scheme, host, sizeof host);
    if (rc == SW_ENOMEM)
        return rc;
    if (rc || (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0))
        return sw_api->config_error(cfg, "url", "an http:// or https:// URL");
    if (w->preset == WH_NTFY) {
        /* The URL a user subscribes to, https://ntfy.sh/TOPIC: JSON is
         * published to the server's root, the topic in the body. */
        char *slash = strrchr(w->url, '/'), *q = strpbrk(w->url, "?#");
        if (q || !slash || slash[1] == '\0' || slash - w->url < (ptrdiff_t)strlen(scheme) + 3 ||
            strchr(w->url + strlen(scheme) + 3, '/') == NULL)
            return sw_api->config_error(cfg, "url", "an ntfy topic URL such as https://ntfy.sh/mytopic");
        if (!(w->topic = strdup(slash + 1)))
            return SW_ENOMEM;
        slash[1] = '\0';
    }
    return 0;
}

/* The headers: JSON and the user's (lib/httppost), then the preset's
 * token. */
static int wh_open_headers(const sw_config *cfg, struct wh *w, int *used)
{
    int rc = httppost_headers(sw_api, cfg, "headers", w->secret, &w->headers, used);
    if (w->secret && w->preset == WH_OPSGENIE)
        ERR_KEEP_FIRST(rc, httppost_header(&w->headers, "Authorization: GenieKey ", w->secret));
    if (w->secret && w->preset == WH_GOTIFY)
        ERR_KEEP_FIRST(rc, httppost_header(&w->headers, "X-Gotify-Key: ", w->secret));
    if (w->secret && (w->preset == WH_MATRIX || w->preset == WH_NTFY))
        ERR_KEEP_FIRST(rc, httppost_header(&w->headers, "Authorization: Bearer ", w->secret));
    return rc;
}

/* What a preset needs beside url, and keys only one preset reads. */
static int wh_open_preset(const sw_config *cfg, struct wh *w)
{
    static const char *const token[] = {[WH_GOTIFY] = "the application token",
                                        [WH_PAGERDUTY] = "the integration's routing key",
                                        [WH_OPSGENIE] = "the API integration's key",
                                        [WH_MATRIX] = "the bot's access token"};
    int rc = 0;
    const char *chat = sw_api->config_get(cfg, "chat_id"), *room = sw_api->config_get(cfg, "room");
    const char *preset = wh_presets[w->preset];
    if ((size_t)w->preset < sizeof token / sizeof *token && token[w->preset] && !w->secret)
        ERR_KEEP_FIRST(rc, sw_api->config_error(cfg, "preset", "secret_file beside it, holding %s (%s)",
                                                token[w->preset], preset));
    if (w->preset == WH_TELEGRAM && !chat)
        ERR_KEEP_FIRST(
            rc, sw_api->config_error(cfg, "preset", "chat_id beside it: the chat to write to (telegram)"));
    if (w->preset != WH_TELEGRAM && chat)
        ERR_KEEP_FIRST(rc, sw_api->config_error(cfg, "chat_id", "no chat_id: it is for preset = telegram"));
    if (w->preset == WH_MATRIX && !room)
        ERR_KEEP_FIRST(rc, sw_api->config_error(cfg, "preset", "room beside it: the room's id (matrix)"));
    if (w->preset != WH_MATRIX && room)
        ERR_KEEP_FIRST(rc, sw_api->config_error(cfg, "room", "no room: it is for preset = matrix"));
    if (w->preset == WH_MATRIX && room && (room[0] != '!' || !strchr(room, ':')))
        ERR_KEEP_FIRST(rc, sw_api->config_error(cfg, "room",
                                                "a room id such as !abc123:example.org (Element: the "
                                                "room's settings, Advanced)"));
    if (rc == 0 && chat && !(w->chat_id = strdup(chat)))
        rc = SW_ENOMEM;
    if (rc == 0 && room && !(w->room = strdup(room)))
        rc = SW_ENOMEM;
    return rc;
}

/* The presets that place the secret themselves. */
static int wh_preset_uses_secret(int preset)
{
    return preset == WH_PAGERDUTY || preset == WH_OPSGENIE || preset == WH_GOTIFY || preset == WH_MATRIX ||
           preset == WH_NTFY;
}

static int wh_open(void *plugin_state, const sw_config *cfg, void **inst)
{
    struct wh *w = calloc(1, sizeof *w);
    if (!w)
        return SW_ENOMEM;
    w->loop = plugin_state;
    w->preset = (int)sw_api->config_value(cfg, "preset", -1);
    w->name = strdup(sw_api->config_name(cfg));
    int rc = w->name ? 0 : SW_ENOMEM, used = 0;
    const char *sf = sw_api->config_get(cfg, "secret_file"), *tf = sw_api->config_get(cfg, "template"),
               *ca = sw_api->config_get(cfg, "ca_file");
    if (sf)
        ERR_KEEP_FIRST(rc, secret_read(sw_api, cfg, &wh_secret_words, sf, &w->secret));
    ERR_KEEP_FIRST(rc, wh_open_url(cfg, w, &used));
    ERR_KEEP_FIRST(rc, wh_open_headers(cfg, w, &used));
    ERR_KEEP_FIRST(rc, wh_open_preset(cfg, w));
    if (ca && !(w->ca_file = strdup(ca)))
        ERR_KEEP_FIRST(rc, SW_ENOMEM);
    else if (ca && access(ca, R_OK) != 0)
        ERR_KEEP_FIRST(rc, sw_api->config_error(cfg, "ca_file", "a readable file of PEM certificates (%s)",
                                                strerror(errno)));
    if (tf && w->preset != WH_JSON)
        ERR_KEEP_FIRST(rc,
                       sw_api->config_error(cfg, "template",
                                            "no template with preset = %s: the template is the whole body",
                                            wh_presets[w->preset]));
    else if (tf) {
        ERR_KEEP_FIRST(rc, wh_tpl_open(cfg, "template", tf, &w->tpl));
        used += w->tpl && wh_tpl_has(w->tpl, "secret");
    }
    /* Each said once, on the key where {secret} is written. */
    if (rc == 0 && used && !w->secret) {
        const char *key = w->url && strstr(sw_api->config_get(cfg, "url"), "{secret}") ? "url"
                          : w->tpl && wh_tpl_has(w->tpl, "secret")                     ? "template"
                                                                                       : "headers";
        rc = sw_api->config_error(cfg, key, "secret_file beside {secret}: the file that holds the secret");
    }
    if (rc == 0 && w->secret && !used && !wh_preset_uses_secret(w->preset))
        rc = sw_api->config_error(cfg, "secret_file",
                                  "a secret that is used: write {secret} where it goes, in url, headers or "
                                  "the template");
    if (rc) {
        wh_free(w);
        return rc == SW_ENOMEM ? SW_ENOMEM : SW_ECONFIG;
    }
    *inst = w;
    return 0;
}

static void wh_close(void *inst)
{
    struct wh *w = inst;
    if (w->cur) /* shutdown mid-delivery: the message ends, the core keeps it for next time */
        wh_cancel(w, w->cur);
    wh_free(w);
}

/* ---- the plugin ---- */

static int wh_init(void **state)
{
    return curlloop_plugin_init(sw_api, wh_request_done, state);
}

static const struct sw_plugin wh_plugin = {
    .abi_version = SW_ABI_VERSION,
    .size = sizeof(struct sw_plugin),
    .name = "webhook",
    .kind = SW_KIND_NOTIFY,
    .description = "POST each alert as JSON: sitewatch's schema, a chat or paging service's, or a template",
    .init = wh_init,
    .shutdown = curlloop_plugin_shutdown,
    .key_decls = wh_keys,
    .key_size = sizeof(struct sw_key),
    .notify_open = wh_open,
    .notify_close = wh_close,
    .notify_send = wh_send,
    .notify_cancel = wh_cancel,
};

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *api)
{
    SW_PLUGIN_INIT2(api);
    if (!SW_API_HAS(api, message_done)) {
        api->log(SW_LOG_ERROR, "webhook: needs sitewatch's ABI 1.4 or newer (notify plugins)");
        return NULL;
    }
    return &wh_plugin;
}
