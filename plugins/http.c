/* SPDX-License-Identifier: MIT
 *
 * http: fetch a URL the way a first visitor would (fresh DNS lookup, fresh
 * connection) and judge the answer: status, size, time.  Async: one libcurl
 * multi handle per process, its sockets and timer driven by the sitewatch
 * event loop through the host table, so thousands of checks share one
 * thread.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sitewatch/plugin.h>

static const char *const http_keys[] = {
    "url",           /* from the site; http.url overrides */
    "expect_status", /* "200-399", "200,301-308" */
    "warn_after",    /* WARN when the whole fetch takes longer */
    "max_size",      /* FAIL when the body is larger */
    "max_redirects", /* 0 = do not follow */
    "method",        /* GET or HEAD */
    "headers",       /* "Name: value", may repeat */
    "ip",            /* any, 4 or 6 */
    NULL,
};

static const struct sw_host_api *api;

struct http_range {
    long lo, hi;
};

struct http_site {
    char *url;
    char *expect_text;
    struct http_range *ranges;
    int nranges;
    int64_t warn_after, max_size;
    long max_redirects;
    int head;
    long ipresolve;
    struct curl_slist *headers;
};

struct http_xfer {
    struct http_xfer *next;
    struct http_site *site;
    sw_run *run;
    CURL *easy;
    curl_off_t body;
    int too_big;
    char errbuf[CURL_ERROR_SIZE];
};

struct http_state {
    CURLM *multi;
    sw_timer *timer;
    struct http_xfer *xfers; /* in flight, to find one by run on cancel */
};

static struct http_state *http_g; /* one per process, from init() */

/* ---- configuration ---- */

static int http_parse_status(const char *s, struct http_site *hs)
{
    char *copy = strdup(s), *save = NULL;
    int ok = copy != NULL;
    for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && ok; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        long lo = strtol(tok, &end, 10), hi = lo;
        while (*end == ' ')
            end++;
        if (*end == '-') {
            hi = strtol(end + 1, &end, 10);
            while (*end == ' ')
                end++;
        }
        if (*end || lo < 100 || hi > 599 || lo > hi) {
            ok = 0;
            break;
        }
        struct http_range *r = realloc(hs->ranges, sizeof *r * (size_t)(hs->nranges + 1));
        if (!r) {
            ok = 0;
            break;
        }
        hs->ranges = r;
        hs->ranges[hs->nranges++] = (struct http_range){lo, hi};
    }
    free(copy);
    return ok && hs->nranges ? 0 : -1;
}

static void http_release(void *p)
{
    struct http_site *hs = p;
    if (!hs)
        return;
    free(hs->url);
    free(hs->expect_text);
    free(hs->ranges);
    curl_slist_free_all(hs->headers);
    free(hs);
}

static int http_prepare(void *state, const sw_config *cfg, void **out)
{
    (void)state;
    struct http_site *hs = calloc(1, sizeof *hs);
    if (!hs)
        return SW_ENOMEM;
    int rc = 0;
    const char *url = api->config_get(cfg, "url");
    CURLU *u = curl_url();
    char *scheme = NULL;
    if (!url || !u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        rc = api->config_error(cfg, "url", "an http:// or https:// URL");
    curl_free(scheme);
    curl_url_cleanup(u);
    hs->url = url ? strdup(url) : NULL;

    const char *st = api->config_get(cfg, "expect_status");
    hs->expect_text = strdup(st ? st : "200-399");
    if (http_parse_status(hs->expect_text, hs) < 0)
        rc = api->config_error(cfg, "expect_status",
                               "status codes 100-599 as a list of N or N-M, e.g. 200-399");

    int64_t v;
    rc |= api->config_duration(cfg, "warn_after", 5000000, &hs->warn_after);
    rc |= api->config_size(cfg, "max_size", 200 * 1024, &hs->max_size);
    const char *mr = api->config_get(cfg, "max_redirects");
    hs->max_redirects = 5;
    if (mr) {
        char *end;
        v = strtol(mr, &end, 10);
        if (*end || end == mr || v < 0 || v > 50)
            rc = api->config_error(cfg, "max_redirects", "a number from 0 to 50");
        else
            hs->max_redirects = (long)v;
    }
    const char *m = api->config_get(cfg, "method");
    if (m && strcasecmp(m, "HEAD") == 0)
        hs->head = 1;
    else if (m && strcasecmp(m, "GET") != 0)
        rc = api->config_error(cfg, "method", "GET or HEAD");
    const char *ip = api->config_get(cfg, "ip");
    hs->ipresolve = CURL_IPRESOLVE_WHATEVER;
    if (ip && strcmp(ip, "4") == 0)
        hs->ipresolve = CURL_IPRESOLVE_V4;
    else if (ip && strcmp(ip, "6") == 0)
        hs->ipresolve = CURL_IPRESOLVE_V6;
    else if (ip && strcmp(ip, "any") != 0)
        rc = api->config_error(cfg, "ip", "any, 4 or 6");
    int nh = api->config_count(cfg, "headers");
    for (int i = 0; i < nh; i++) {
        const char *h = api->config_get_nth(cfg, "headers", i);
        const char *colon = strchr(h, ':');
        if (!colon || colon == h || strpbrk(h, "\r\n")) {
            rc = api->config_error(cfg, "headers", "a header line such as 'Accept: text/html'");
            continue;
        }
        hs->headers = curl_slist_append(hs->headers, h);
    }
    if (rc) {
        http_release(hs);
        return SW_ECONFIG;
    }
    *out = hs;
    return 0;
}

/* ---- libcurl <-> the host loop ---- */

static void http_drain(struct http_state *g);

static void http_on_fd(sw_watch *w, int fd, int events, void *ud)
{
    (void)w;
    struct http_state *g = ud;
    int flags = events < 0 ? CURL_CSELECT_ERR
                           : ((events & SW_WATCH_READ) ? CURL_CSELECT_IN : 0) |
                                 ((events & SW_WATCH_WRITE) ? CURL_CSELECT_OUT : 0);
    int running;
    curl_multi_socket_action(g->multi, fd, flags, &running);
    http_drain(g);
}

static int http_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)easy;
    struct http_state *g = userp;
    sw_watch *w = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (w)
            api->watch_close(w);
        curl_multi_assign(g->multi, s, NULL);
        return 0;
    }
    int ev = (what & CURL_POLL_IN ? SW_WATCH_READ : 0) | (what & CURL_POLL_OUT ? SW_WATCH_WRITE : 0);
    if (!w) {
        w = api->watch_fd(s, ev, http_on_fd, g);
        if (!w)
            return -1;
        curl_multi_assign(g->multi, s, w);
        return 0;
    }
    return api->watch_update(w, ev) == 0 ? 0 : -1;
}

static void http_on_timer(sw_timer *t, void *ud)
{
    (void)t;
    struct http_state *g = ud;
    int running;
    curl_multi_socket_action(g->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    http_drain(g);
}

static int http_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    struct http_state *g = userp;
    if (!g->timer)
        g->timer = api->timer_new(http_on_timer, g);
    if (timeout_ms < 0)
        api->timer_stop(g->timer);
    else
        api->timer_start(g->timer, (int64_t)timeout_ms * 1000);
    return 0;
}

/* ---- one transfer ---- */

static size_t http_write_cb(char *data, size_t size, size_t n, void *ud)
{
    (void)data;
    struct http_xfer *x = ud;
    size_t len = size * n;
    x->body += (curl_off_t)len;
    if (x->body > x->site->max_size) {
        x->too_big = 1;
        return 0; /* abort: do not read what we will not judge */
    }
    return len;
}

static double http_secs(CURL *e, CURLINFO what)
{
    curl_off_t us = 0;
    curl_easy_getinfo(e, what, &us);
    return (double)us / 1e6;
}

static int http_status_ok(const struct http_site *hs, long code)
{
    for (int i = 0; i < hs->nranges; i++)
        if (code >= hs->ranges[i].lo && code <= hs->ranges[i].hi)
            return 1;
    return 0;
}

/* Judge a finished transfer and fill in the result. */
static void http_judge(struct http_xfer *x, CURLcode cc)
{
    sw_result *r = api->run_result(x->run);
    CURL *e = x->easy;
    const struct http_site *hs = x->site;
    long code = 0, redirects = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &redirects);
    double dns = http_secs(e, CURLINFO_NAMELOOKUP_TIME_T), con = http_secs(e, CURLINFO_CONNECT_TIME_T),
           tls = http_secs(e, CURLINFO_APPCONNECT_TIME_T), fb = http_secs(e, CURLINFO_STARTTRANSFER_TIME_T),
           total = http_secs(e, CURLINFO_TOTAL_TIME_T);

    /* Phases as durations (they stack to the total): DNS, TCP connect, TLS
     * handshake, waiting for the first byte, then the transfer. */
    if (dns > 0)
        api->result_metric(r, "time.dns", dns);
    if (con > 0)
        api->result_metric(r, "time.connect", con - dns);
    if (tls > 0)
        api->result_metric(r, "time.tls", tls - con);
    if (fb > 0)
        api->result_metric(r, "time.first_byte", fb - (tls > 0 ? tls : con));
    api->result_metric(r, "time.total", total);
    api->result_metric(r, "size.body", (double)x->body);
    if (code)
        api->result_metric(r, "http.status", (double)code);
    if (redirects)
        api->result_metric(r, "http.redirects", (double)redirects);
    char *ip = NULL, *eff = NULL;
    if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip && *ip)
        api->result_info(r, "http.ip", ip);
    if (redirects && curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
        api->result_info(r, "http.final_url", eff);

    char t[32], sz[32], lim[32];
    const char *err = x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
    api->format_duration((int64_t)(total * 1e6), t, sizeof t);
    api->format_size(hs->max_size, lim, sizeof lim);
    if (x->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
        api->result_set(r, SW_FAIL, "body exceeds %s", lim);
    } else if (cc == CURLE_OPERATION_TIMEDOUT) {
        char to[32];
        api->format_duration(api->run_timeout(x->run), to, sizeof to);
        const char *phase = dns <= 0   ? "resolving the name"
                            : con <= 0 ? "connecting"
                            : fb <= 0  ? "waiting for the first byte"
                                       : "reading the body";
        api->result_set(r, SW_FAIL, "timed out after %s (%s)", to, phase);
    } else if (cc == CURLE_TOO_MANY_REDIRECTS) {
        api->result_set(r, SW_FAIL, "more than %ld redirects", hs->max_redirects);
    } else if (cc == CURLE_COULDNT_RESOLVE_HOST) {
        api->result_set(r, SW_FAIL, "DNS: %s", err);
    } else if (cc == CURLE_COULDNT_CONNECT) {
        api->result_set(r, SW_FAIL, "cannot connect: %s", err);
    } else if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CONNECT_ERROR ||
               cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_SSL_CERTPROBLEM) {
        api->result_set(r, SW_FAIL, "TLS: %s", err);
    } else if (cc != CURLE_OK) {
        api->result_set(r, SW_FAIL, "%s", err);
    } else if (!http_status_ok(hs, code)) {
        api->result_set(r, SW_FAIL, "HTTP %ld, expected %s", code, hs->expect_text);
    } else if (total * 1e6 > (double)hs->warn_after) {
        char w[32];
        api->format_duration(hs->warn_after, w, sizeof w);
        api->result_set(r, SW_WARN, "slow: HTTP %ld in %s (warn after %s)", code, t, w);
    } else {
        api->format_size((int64_t)x->body, sz, sizeof sz);
        api->result_set(r, SW_OK, "HTTP %ld, %s in %s", code, sz, t);
    }
}

static void http_xfer_end(struct http_state *g, struct http_xfer *x)
{
    for (struct http_xfer **pp = &g->xfers; *pp; pp = &(*pp)->next)
        if (*pp == x) {
            *pp = x->next;
            break;
        }
    curl_multi_remove_handle(g->multi, x->easy);
    curl_easy_cleanup(x->easy);
    sw_run *run = x->run;
    free(x);
    api->run_complete(run);
}

static void http_drain(struct http_state *g)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(g->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct http_xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        CURLcode cc = m->data.result;
        http_judge(x, cc);
        http_xfer_end(g, x);
    }
}

static int http_run(void *site_state, sw_run *run)
{
    struct http_site *hs = site_state;
    struct http_state *g = http_g;
    struct http_xfer *x = calloc(1, sizeof *x);
    if (!x || !(x->easy = curl_easy_init())) {
        free(x);
        return SW_ENOMEM;
    }
    x->site = hs;
    x->run = run;
    CURL *e = x->easy;
    curl_easy_setopt(e, CURLOPT_URL, hs->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(api->run_timeout(run) / 1000));
    /* What a first visitor sees: no cached name, no reused connection. */
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, hs->max_redirects > 0 ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, hs->max_redirects);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)hs->max_size);
    curl_easy_setopt(e, CURLOPT_IPRESOLVE, hs->ipresolve);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "sitewatch/" SW_PLUGIN_VERSION);
    if (hs->head)
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    if (hs->headers)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, hs->headers);
    x->next = g->xfers;
    g->xfers = x;
    if (curl_multi_add_handle(g->multi, e) != CURLM_OK) {
        g->xfers = x->next;
        curl_easy_cleanup(e);
        free(x);
        return SW_EPLUGIN;
    }
    return 0;
}

static void http_cancel(void *site_state, sw_run *run)
{
    (void)site_state;
    for (struct http_xfer *x = http_g->xfers; x; x = x->next) {
        if (x->run == run) {
            api->result_set(api->run_result(run), SW_UNKNOWN, "cancelled");
            http_xfer_end(http_g, x);
            return;
        }
    }
}

static int http_init(void **state)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return SW_EPLUGIN;
    struct http_state *g = calloc(1, sizeof *g);
    if (!g || !(g->multi = curl_multi_init())) {
        free(g);
        return SW_ENOMEM;
    }
    curl_multi_setopt(g->multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb);
    curl_multi_setopt(g->multi, CURLMOPT_SOCKETDATA, g);
    curl_multi_setopt(g->multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
    curl_multi_setopt(g->multi, CURLMOPT_TIMERDATA, g);
    http_g = g;
    *state = g;
    return 0;
}

static void http_shutdown(void *state)
{
    struct http_state *g = state;
    while (g->xfers)
        http_cancel(NULL, g->xfers->run);
    curl_multi_cleanup(g->multi);
    if (g->timer)
        api->timer_close(g->timer);
    free(g);
    http_g = NULL;
    curl_global_cleanup();
}

static const struct sw_plugin http_plugin = {
    .abi_version = SW_ABI_VERSION,
    .size = sizeof(struct sw_plugin),
    .name = "http",
    .kind = SW_KIND_CHECK,
    .description = "HTTP(S) fetch: status, size, timing",
    .keys = http_keys,
    .flags = SW_CHECK_ASYNC,
    .init = http_init,
    .shutdown = http_shutdown,
    .check_prepare = http_prepare,
    .check_release = http_release,
    .check_run = http_run,
    .check_cancel = http_cancel,
};

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *host)
{
    api = host;
    return &http_plugin;
}
