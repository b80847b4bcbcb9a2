/* SPDX-License-Identifier: MIT
 *
 * alertmanager: a sitewatch notify plugin that pushes alerts into
 * Prometheus Alertmanager (POST /api/v2/alerts), so that its grouping,
 * silences, inhibition and receivers work on sitewatch's alerts as on
 * Prometheus'.  A DOWN fires an alert (SiteDown; SitewatchSelf when
 * sitewatch is about itself), an UP resolves it; alerts.c says what each
 * carries.
 *
 * Alertmanager forgets an alert at its endsAt, the way it forgets one
 * whose Prometheus went away: so the plugin keeps what is firing and posts
 * all of it again every `repeat`, each time ending a few repeats ahead,
 * and asks the core (SW_NOTIFY_RESTATE) to be told at each start what is
 * still DOWN.  Every url gets each post: the Alertmanagers of a cluster
 * are each told, as Prometheus tells them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "alertmanager.h"
#include "lib/config.h"
#include "lib/curlloop.h"
#include "lib/err.h"
#include "lib/httppost.h"
#include "lib/secret.h"
#include "lib/url.h"

SW_PLUGIN_INIT1

/* How long a re-post may take before any message said (the core's
 * default notifier timeout). */
#define AM_TIMEOUT (10 * SW_S)

static const struct sw_key am_keys[] = {
    {.name = "url",
     .type = SW_KEY_URL,
     .flags = SW_KEY_REQUIRED | SW_KEY_REPEATS,
     .help = "an Alertmanager, http(s)://host:9093 (/api/v2/alerts is added); repeat for each of a cluster"},
    {.name = "severity",
     .type = SW_KEY_STRING,
     .def = "critical",
     .help = "the severity label of every alert, for Alertmanager's routes"},
    {.name = "repeat",
     .type = SW_KEY_DURATION,
     .def = "1m",
     .min = SW_S,
     .max = SW_DAY,
     .help = "post what is firing again this often; each alert ends 3 x repeat ahead"},
    {.name = "labels",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REPEATS,
     .help = "'name=value', one more label on every alert; repeat for more"},
    {.name = "headers",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REPEATS,
     .help = "'Name: value' sent with every post (a proxy's token in front of Alertmanager); {secret} in "
             "it is secret_file's content"},
    {.name = "secret_file",
     .type = SW_KEY_STRING,
     .help = "a file (mode 0600) whose first line is the token: fills {secret} in headers"},
    {.name = "ca_file",
     .type = SW_KEY_STRING,
     .help = "PEM certificates to verify an https:// url with, instead of the system's"},
    {.name = NULL},
};

/* secret_file as the alertmanager plugin speaks of it. */
static const struct secret_words am_secret_words = {
    .plugin = "alertmanager",
    .key = "secret_file",
    .what = "the secret",
    .readable = "a readable file",
};

/* ---- open / close ---- */

static void am_free(struct am *a)
{
    if (!a)
        return;
    for (int i = 0; i < a->nurls; i++) {
        free(a->urls[i]);
        free(a->shown[i]);
    }
    free(a->urls);
    free(a->shown);
    free(a->name);
    free(a->severity);
    free(a->ca_file);
    json_decref(a->extra);
    json_decref(a->firing);
    httppost_headers_free(a->headers);
    if (a->timer)
        sw_api->timer_close(a->timer);
    free(a);
}

/* url I: http:// or https://, without a query, into the API's path
 * (".../api/v2/alerts" as given, or added to the base with its prefix). */
static int am_open_url(const sw_config *cfg, struct am *a, int i)
{
    const char *url = sw_api->config_get_nth(cfg, "url", i);
    char scheme[16], host[256];
    int rc = url_split(url, scheme, sizeof scheme, host, sizeof host);
    if (rc == SW_ENOMEM)
        return rc;
    if (rc || (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) || strpbrk(url, "?#"))
        return config_error_at(sw_api, cfg, "url", i,
                               "an Alertmanager's http:// or https:// URL such as http://localhost:9093");
    static const char api[] = "/api/v2/alerts";
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    int has = n >= sizeof api - 1 && strncmp(url + n - (sizeof api - 1), api, sizeof api - 1) == 0;
    char *full = malloc(n + sizeof api);
    if (!full)
        return SW_ENOMEM;
    memcpy(full, url, n);
    strcpy(full + n, has ? "" : api);
    a->urls[i] = full;
    /* A password in the url (user:password@) stays out of what is said. */
    a->shown[i] = url_redacted(full);
    return a->shown[i] ? 0 : SW_ENOMEM;
}

/* A label name as Prometheus has them, [a-zA-Z_][a-zA-Z0-9_]*, and not
 * one of the "__" names it keeps for itself. */
static int am_label_name(const char *s, size_t n)
{
    if (n == 0 || (s[0] >= '0' && s[0] <= '9') || (n >= 2 && s[0] == '_' && s[1] == '_'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_'))
            return 0;
    return 1;
}

/* labels: "name=value" each, names valid, none twice, none of the
 * plugin's own (they name the series, and Alertmanager tells alerts apart
 * by them). */
static int am_open_labels(const sw_config *cfg, struct am *a)
{
    static const char *const own[] = {"alertname", "site", "check", "location", "severity"};
    int rc = 0, n = sw_api->config_count(cfg, "labels");
    if (!(a->extra = json_object()))
        return SW_ENOMEM;
    for (int i = 0; i < n; i++) {
        const char *l = sw_api->config_get_nth(cfg, "labels", i), *eq = strchr(l, '=');
        size_t k = eq ? (size_t)(eq - l) : 0;
        while (k > 0 && (l[k - 1] == ' ' || l[k - 1] == '\t'))
            k--;
        const char *v = eq ? eq + 1 : "";
        v += strspn(v, " \t");
        if (!eq || !am_label_name(l, k) || !*v) {
            ERR_KEEP_FIRST(rc, config_error_at(sw_api, cfg, "labels", i,
                                               "name=value, such as team=web (a name of letters, digits and "
                                               "_, not starting with a digit or __)"));
            continue;
        }
        char name[128];
        if (k >= sizeof name) {
            ERR_KEEP_FIRST(rc,
                           config_error_at(sw_api, cfg, "labels", i, "a label name of at most 127 bytes"));
            continue;
        }
        memcpy(name, l, k);
        name[k] = '\0';
        int taken = json_object_get(a->extra, name) != NULL;
        for (size_t o = 0; o < sizeof own / sizeof *own; o++)
            taken |= 2 * (strcmp(name, own[o]) == 0);
        if (taken) {
            ERR_KEEP_FIRST(rc, config_error_at(sw_api, cfg, "labels", i,
                                               taken & 2 ? "a label of your own: alertname, site, check, "
                                                           "location and severity are sitewatch's"
                                                         : "each label once"));
            continue;
        }
        if (json_object_set_new(a->extra, name, json_string(v)) != 0)
            ERR_KEEP_FIRST(rc, SW_ENOMEM);
    }
    return rc;
}

/* The headers: JSON, no "Expect: 100-continue" wait on a large re-post,
 * and the user's with secret_file's token filled in (the secret itself
 * is not kept: the headers are where it goes). */
static int am_open_headers(const sw_config *cfg, struct am *a)
{
    const char *sf = sw_api->config_get(cfg, "secret_file");
    char *secret = NULL;
    int rc = sf ? secret_read(sw_api, cfg, &am_secret_words, sf, &secret) : 0, used = 0;
    ERR_KEEP_FIRST(rc, httppost_headers(sw_api, cfg, "headers", secret, &a->headers, &used));
    if (rc == 0 && used && !secret)
        rc = sw_api->config_error(cfg, "headers",
                                  "secret_file beside {secret}: the file that holds the secret");
    if (rc == 0 && secret && !used)
        rc = sw_api->config_error(cfg, "secret_file",
                                  "a secret that is used: write {secret} where it goes, in headers");
    secret_free(secret);
    return rc;
}

static int am_open(void *plugin_state, const sw_config *cfg, void **inst)
{
    struct am *a = calloc(1, sizeof *a);
    if (!a)
        return SW_ENOMEM;
    a->loop = plugin_state;
    a->timeout = AM_TIMEOUT;
    a->repeat = sw_api->config_value(cfg, "repeat", -1);
    a->name = strdup(sw_api->config_name(cfg));
    const char *sev = sw_api->config_get(cfg, "severity"), *ca = sw_api->config_get(cfg, "ca_file");
    a->severity = strdup(sev ? sev : "critical");
    a->firing = json_object();
    int rc = a->name && a->severity && a->firing ? 0 : SW_ENOMEM;
    int n = sw_api->config_count(cfg, "url");
    a->urls = calloc((size_t)n + 1, sizeof *a->urls);
    a->shown = calloc((size_t)n + 1, sizeof *a->shown);
    if (!a->urls || !a->shown)
        rc = SW_ENOMEM;
    for (int i = 0; i < n && a->urls && a->shown; i++, a->nurls = i)
        ERR_KEEP_FIRST(rc, am_open_url(cfg, a, i));
    if (rc == 0 && n == 0) /* required: the core said so already */
        rc = SW_ECONFIG;
    if (sev && !*sev)
        ERR_KEEP_FIRST(rc, sw_api->config_error(cfg, "severity", "a severity such as critical or warning"));
    ERR_KEEP_FIRST(rc, am_open_labels(cfg, a));
    if (ca && !(a->ca_file = strdup(ca)))
        ERR_KEEP_FIRST(rc, SW_ENOMEM);
    else if (ca && access(ca, R_OK) != 0)
        ERR_KEEP_FIRST(rc, sw_api->config_error(cfg, "ca_file", "a readable file of PEM certificates (%s)",
                                                strerror(errno)));
    ERR_KEEP_FIRST(rc, am_open_headers(cfg, a));
    if (rc) {
        am_free(a);
        return rc == SW_ENOMEM ? SW_ENOMEM : SW_ECONFIG;
    }
    *inst = a;
    return 0;
}

static void am_close(void *inst)
{
    struct am *a = inst;
    /* A message under way the core has cancelled already; a re-post ends
     * unsaid: the next start restates what fires. */
    am_post_cancel(a, NULL);
    am_free(a);
}

/* ---- delivering ---- */

static void am_arm(struct am *a);

/* Every repeat while something fires: all of it again, now or after the
 * post under way. */
static void am_on_timer(sw_timer *t, void *ud)
{
    (void)t;
    struct am *a = ud;
    a->armed = 0;
    if (json_object_size(a->firing) == 0)
        return;
    a->repost_due = 1;
    am_arm(a);
    if (!a->post)
        am_post_next(a);
}

static void am_arm(struct am *a)
{
    if (a->armed || json_object_size(a->firing) == 0)
        return;
    if (!a->timer && !(a->timer = sw_api->timer_new(am_on_timer, a))) {
        sw_api->log(SW_LOG_ERROR,
                    "alertmanager: [notify %s] no timer (out of memory): firing alerts are not "
                    "posted again and end in Alertmanager after 3 x repeat",
                    a->name);
        return;
    }
    a->armed = sw_api->timer_start(a->timer, a->repeat) == 0;
}

/* M's post: its alerts, the firing table updated. */
static int am_start_message(struct am *a, sw_message *m, int64_t deadline)
{
    char *body = am_message_body(a, m, sw_api->now_wall());
    if (!body)
        return SW_ENOMEM;
    am_arm(a);
    return am_post_start(a, m, body, deadline);
}

void am_post_next(struct am *a)
{
    if (a->post)
        return;
    if (a->waiting) {
        sw_message *m = a->waiting;
        a->waiting = NULL;
        int rc = am_start_message(a, m, a->waiting_deadline);
        if (rc)
            sw_api->message_done(m, rc, "could not start: %s", sw_api->strerror(rc));
        return;
    }
    if (!a->repost_due)
        return;
    a->repost_due = 0;
    char *body = am_repost_body(a, sw_api->now_wall());
    if (!body && json_object_size(a->firing))
        sw_api->log(SW_LOG_ERROR, "alertmanager: [notify %s] re-post: out of memory; again in a repeat",
                    a->name);
    if (body && am_post_start(a, NULL, body, sw_api->now_mono() + a->timeout) != 0)
        sw_api->log(SW_LOG_ERROR, "alertmanager: [notify %s] re-post could not start; again in a repeat",
                    a->name);
}

static int am_send(void *inst, sw_message *m)
{
    struct am *a = inst;
    a->timeout = sw_api->message_timeout(m);
    int64_t deadline = sw_api->now_mono() + a->timeout;
    if (a->post) { /* a re-post is under way: M goes after it */
        a->waiting = m;
        a->waiting_deadline = deadline;
        return 0;
    }
    return am_start_message(a, m, deadline);
}

static void am_cancel(void *inst, sw_message *m)
{
    struct am *a = inst;
    char t[32], why[80];
    snprintf(why, sizeof why, "cancelled: no answer within %s",
             sw_api->format_duration(sw_api->message_timeout(m), t, sizeof t));
    if (a->waiting == m) {
        a->waiting = NULL;
        sw_api->message_done(m, SW_ETIMEOUT, "cancelled: a re-post before it took all of %s", t);
        return;
    }
    if (a->post && sw_api->message_data(m) == a->post) {
        am_post_cancel(a, why);
        am_post_next(a);
    }
}

/* ---- the plugin ---- */

static int am_init(void **state)
{
    return curlloop_plugin_init(sw_api, am_transfer_done, state);
}

static const struct sw_plugin am_plugin = {
    .abi_version = SW_ABI_VERSION,
    .size = sizeof(struct sw_plugin),
    .name = "alertmanager",
    .kind = SW_KIND_NOTIFY,
    .description = "push alerts into Prometheus Alertmanager (API v2): fired on DOWN, resolved on UP",
    .flags = SW_NOTIFY_RESTATE,
    .init = am_init,
    .shutdown = curlloop_plugin_shutdown,
    .key_decls = am_keys,
    .key_size = sizeof(struct sw_key),
    .notify_open = am_open,
    .notify_close = am_close,
    .notify_send = am_send,
    .notify_cancel = am_cancel,
};

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *api)
{
    SW_PLUGIN_INIT2(api);
    if (!SW_API_HAS(api, message_done)) {
        api->log(SW_LOG_ERROR, "alertmanager: needs sitewatch's ABI 1.4 or newer (notify plugins)");
        return NULL;
    }
    return &am_plugin;
}
