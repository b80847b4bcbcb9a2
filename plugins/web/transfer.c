/* SPDX-License-Identifier: MIT
 *
 * The transfer code of the http and https plugins: fetch a URL the way a
 * first visitor would (fresh DNS lookup, fresh connection, no TLS session
 * reuse) and judge the answer: status, size, time, redirects, then the
 * content rules and the flavour's own (certificates for https).  Async: one
 * libcurl multi handle per plugin (lib/curlloop.c), its sockets and timer driven by the
 * sitewatch event loop through the host table, so thousands of checks share
 * one thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/config.h"
#include "lib/curlloop.h"
#include "lib/err.h"
#include "lib/match.h"
#include "lib/url.h"
#include "web.h"

/* ---- the keys and metrics of every flavour ---- */

/* The core parses and checks the typed keys (durations, sizes, bools,
 * numbers, words, regexes) and hands their values over; the plugin judges
 * the rest (status lists, header lines, the URL's scheme), which are
 * STRING so that one bad value gets one message. */
/* A STRING key's default the plugin reads itself: one text, in one place. */
#define WEB_EXPECT_STATUS "200-399"

static const char *const web_methods[] = {"GET", "HEAD", NULL}, *const web_ips[] = {"any", "4", "6", NULL};

static const struct sw_key web_keys[] = {
    {.name = "url",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REQUIRED,
     .help = "the page to fetch, http:// or https://: the site's url unless set here"},
    {.name = "expect_status",
     .type = SW_KEY_STRING,
     .def = WEB_EXPECT_STATUS,
     .help = "status codes and ranges that pass: 200,301-308"},
    {.name = "warn_after",
     .type = SW_KEY_DURATION,
     .def = "5s",
     .help = "WARN when the whole fetch takes longer"},
    {.name = "fail_after",
     .type = SW_KEY_DURATION,
     .help = "FAIL when it takes longer still (more than warn_after); the fetch is not cut short, timeout "
             "does that"},
    {.name = "max_size",
     .type = SW_KEY_SIZE,
     .def = "200k",
     .help = "FAIL when the body is larger; reading stops there"},
    {.name = "max_redirects",
     .type = SW_KEY_INT,
     .def = "5",
     .min = 0,
     .max = 50,
     .help = "redirects followed, one hop at a time, each within what is left of the timeout; 0 = none"},
    {.name = "method",
     .type = SW_KEY_WORD,
     .def = "GET",
     .words = web_methods,
     .help = "HEAD asks for no body, so it allows no content rules"},
    {.name = "headers",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REPEATS,
     .help = "'Name: value' sent with the request, only to the site's own origin (scheme, host, port): a "
             "redirect elsewhere gets none"},
    {.name = "ip",
     .type = SW_KEY_WORD,
     .def = "any",
     .words = web_ips,
     .help = "the address family to connect over: IPv4, IPv6 or either"},
    {.name = "expect_content",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REPEATS,
     .help = "text the body must contain; all of them must be there"},
    {.name = "reject_content",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REPEATS,
     .help = "text the body must not contain (FAIL when it does)"},
    {.name = "expect_regex",
     .type = SW_KEY_REGEX,
     .flags = SW_KEY_REPEATS,
     .help = "a regular expression the body must match; ^ and $ match at line ends"},
    {.name = "ignore_case",
     .type = SW_KEY_BOOL,
     .def = "no",
     .help = "expect_content, reject_content and expect_regex ignore ASCII case"},
    {.name = "expect_header",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REPEATS,
     .help = "'Name' (must be there) or 'Name: text' (its value contains the text, any case)"},
    {.name = NULL},
};

/* The phases stack up to time.total, in this order (the status site's
 * legend and colours follow it). */
static const struct sw_metric_decl web_metrics[] = {
    {.name = "time.dns", .unit = "s", .flags = SW_METRIC_PHASE, .help = "name lookup", .label = "DNS"},
    {.name = "time.connect",
     .unit = "s",
     .flags = SW_METRIC_PHASE,
     .help = "TCP connect, after the lookup",
     .label = "connect"},
    {.name = "time.tls",
     .unit = "s",
     .flags = SW_METRIC_PHASE,
     .help = "TLS handshake, after the connect (https:// URLs only)",
     .label = "TLS"},
    {.name = "time.first_byte",
     .unit = "s",
     .flags = SW_METRIC_PHASE,
     .help = "from the request being ready to the first byte of the answer",
     .label = "first byte"},
    {.name = "time.transfer",
     .unit = "s",
     .flags = SW_METRIC_PHASE,
     .help = "reading the answer after its first byte: the whole fetch less the phases before",
     .label = "transfer"},
    {.name = "time.total", .unit = "s", .help = "the whole fetch, redirects included"},
    {.name = "size.body", .unit = "B", .help = "body bytes read"},
    {.name = "http.status", .unit = "1", .help = "the final HTTP status"},
    {.name = "http.redirects", .unit = "1", .help = "redirects followed"},
    {.name = "match.failed",
     .unit = "1",
     .help = "rules that failed (status, size, time, content, headers, certificate)"},
    {.name = NULL},
};

/* Easy handles kept for the next checks: making one costs more than
 * resetting one.  Every transfer sets its options afresh, session-id and
 * DNS caches off, so nothing of the last check carries over. */
#define WEB_SPARE_MAX 256

struct web_state {
    struct curlloop *loop;
    struct web_xfer *xfers; /* in flight, for shutdown; cancel finds its own by run_data */
    CURL *spare[WEB_SPARE_MAX];
    int nspare;
};

static struct web_state *web_g; /* one per plugin, from init() */

/* ---- configuration ---- */

/* 0; SW_EINVAL for a bad list; SW_ENOMEM (never taken for a bad list). */
static int web_parse_status(const char *s, struct web_site *hs)
{
    char *copy = strdup(s), *save = NULL;
    if (!copy)
        return SW_ENOMEM;
    int ok = 1;
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
        struct web_range *r = realloc(hs->ranges, sizeof *r * (size_t)(hs->nranges + 1));
        if (!r) {
            free(copy);
            return SW_ENOMEM;
        }
        hs->ranges = r;
        hs->ranges[hs->nranges++] = (struct web_range){lo, hi};
    }
    free(copy);
    return ok && hs->nranges ? 0 : SW_EINVAL;
}

void web_release(void *p)
{
    struct web_site *hs = p;
    if (!hs)
        return;
    if (web_flavour.release)
        web_flavour.release(hs->flavour_state);
    web_content_free(hs->content);
    free(hs->url);
    free(hs->host);
    free(hs->origin);
    free(hs->expect_text);
    free(hs->ranges);
    curl_slist_free_all(hs->headers);
    free(hs);
}

/* The URL: http:// or https:// (https:// only for a TLS flavour); keeps its
 * host for certificate checks. */
static int web_prepare_url(const sw_config *cfg, struct web_site *hs)
{
    const char *url = sw_api->config_get(cfg, "url");
    char scheme[16], host[256];
    hs->url = url ? strdup(url) : NULL;
    if (url && !hs->url)
        return SW_ENOMEM;
    char origin[512];
    int sr = url_split(url, scheme, sizeof scheme, host, sizeof host);
    int orc = sr == 0 ? url_origin(url, origin, sizeof origin) : sr;
    if (orc == SW_ENOMEM)
        return SW_ENOMEM;
    if (orc == 0 &&
        (strcmp(scheme, "https") == 0 || (!web_flavour.tls_only && strcmp(scheme, "http") == 0))) {
        hs->host = strdup(host);
        hs->origin = strdup(origin);
        return hs->host && hs->origin ? 0 : SW_ENOMEM;
    }
    if (!web_flavour.tls_only)
        return sw_api->config_error(cfg, "url", "an http:// or https:// URL");
    if (url && strncasecmp(url, "http://", 7) == 0)
        return sw_api->config_error(cfg, "url",
                                    "an https:// URL (for a plain http:// URL use the http check)");
    return sw_api->config_error(cfg, "url", "an https:// URL");
}

int web_prepare(void *state, const sw_config *cfg, void **out)
{
    (void)state;
    struct web_site *hs = calloc(1, sizeof *hs);
    if (!hs)
        return SW_ENOMEM;
    int rc = web_prepare_url(cfg, hs);

    const char *st = sw_api->config_get(cfg, "expect_status");
    hs->expect_text = strdup(st ? st : WEB_EXPECT_STATUS);
    int prc = hs->expect_text ? web_parse_status(hs->expect_text, hs) : SW_ENOMEM;
    if (prc == SW_ENOMEM)
        ERR_KEEP_FIRST(rc, SW_ENOMEM);
    else if (prc < 0)
        ERR_KEEP_FIRST(rc, sw_api->config_error(cfg, "expect_status",
                                                "status codes 100-599 as a list of N or N-M, e.g. 200-399"));

    /* The core read and checked the typed keys: a bad value is reported
     * already and reads as the default here. */
    hs->warn_after = sw_api->config_value(cfg, "warn_after", -1);
    hs->fail_after = sw_api->config_value(cfg, "fail_after", -1);
    if (hs->fail_after && hs->fail_after <= hs->warn_after) {
        char w[32];
        sw_api->format_duration(hs->warn_after, w, sizeof w);
        ERR_KEEP_FIRST(rc,
                       sw_api->config_error(cfg, "fail_after", "a duration longer than warn_after (%s)", w));
    }
    hs->max_size = sw_api->config_value(cfg, "max_size", -1);
    hs->max_redirects = (long)sw_api->config_value(cfg, "max_redirects", -1);
    hs->head = sw_api->config_value(cfg, "method", -1) == 1;
    static const long ipresolve[] = {CURL_IPRESOLVE_WHATEVER, CURL_IPRESOLVE_V4, CURL_IPRESOLVE_V6};
    hs->ipresolve = ipresolve[sw_api->config_value(cfg, "ip", -1)];
    int nh = sw_api->config_count(cfg, "headers");
    for (int i = 0; i < nh; i++) {
        const char *h = sw_api->config_get_nth(cfg, "headers", i);
        const char *colon = strchr(h, ':');
        if (!colon || colon == h || strpbrk(h, "\r\n")) {
            ERR_KEEP_FIRST(
                rc, config_error_at(sw_api, cfg, "headers", i, "a header line such as 'Accept: text/html'"));
            continue;
        }
        struct curl_slist *more = curl_slist_append(hs->headers, h);
        if (more)
            hs->headers = more;
        else /* the list is kept as it was, and freed with the site */
            ERR_KEEP_FIRST(rc, SW_ENOMEM);
    }
    ERR_KEEP_FIRST(rc, web_content_prepare(cfg, hs));
    if (web_flavour.prepare)
        ERR_KEEP_FIRST(rc, web_flavour.prepare(cfg, hs, &hs->flavour_state));
    if (rc) {
        web_release(hs);
        return rc == SW_ENOMEM ? SW_ENOMEM : SW_ECONFIG;
    }
    *out = hs;
    return 0;
}

/* ---- one transfer ---- */

/* The answer on X's easy handle is a redirect that may be followed: its
 * body is not the site's (libcurl, following, skips it too). */
static int web_is_redirect(struct web_xfer *x)
{
    long code = 0;
    char *loc = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    if (x->site->max_redirects == 0 ||
        !(code == 300 || code == 301 || code == 302 || code == 303 || code == 307 || code == 308))
        return 0;
    return curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc;
}

static size_t web_write_cb(char *data, size_t size, size_t n, void *ud)
{
    struct web_xfer *x = ud;
    size_t len = size * n, room = (size_t)(x->site->max_size - x->body);
    if (web_is_redirect(x))
        return len;
    if (x->scan)
        match_scan_feed(x->scan, data, len < room ? len : room);
    x->body += (curl_off_t)len;
    if (x->body > x->site->max_size) {
        x->too_big = 1;
        return 0; /* abort: do not read what we will not judge */
    }
    return len;
}

/* Status lines only: a 1xx is an interim answer, a final one follows. */
static size_t web_header_cb(char *data, size_t size, size_t n, void *ud)
{
    struct web_xfer *x = ud;
    size_t len = size * n;
    if (len > 9 && strncmp(data, "HTTP/", 5) == 0) {
        const char *sp = memchr(data, ' ', len);
        if (sp && (size_t)(sp - data) + 1 < len)
            x->interim = sp[1] == '1' ? x->interim + 1 : 0; /* a final status ends the count */
    }
    return len;
}

static curl_off_t web_us(CURL *e, CURLINFO what)
{
    curl_off_t us = 0;
    curl_easy_getinfo(e, what, &us);
    return us;
}

/* Whole microseconds as seconds: phases are subtracted in microseconds,
 * so a stored value is a whole number of them too (0.000577, not
 * 0.00057699999999999993 from subtracting seconds). */
static double web_seconds(curl_off_t us)
{
    return (double)us / SW_S;
}

static int web_status_ok(const struct web_site *hs, long code)
{
    for (int i = 0; i < hs->nranges; i++)
        if (code >= hs->ranges[i].lo && code <= hs->ranges[i].hi)
            return 1;
    return 0;
}

enum { WEB_SAW_DNS = 1, WEB_SAW_CONNECT = 2, WEB_SAW_TLS = 4, WEB_SAW_FIRST_BYTE = 8 };

/* The phases of the hop on E as durations (they stack to its total): DNS,
 * TCP connect, TLS handshake, waiting for the first byte; added to SUM. */
static void web_phases_add(CURL *e, struct web_phases *sum)
{
    curl_off_t tls = web_us(e, CURLINFO_APPCONNECT_TIME_T), dns = web_us(e, CURLINFO_NAMELOOKUP_TIME_T),
               con = web_us(e, CURLINFO_CONNECT_TIME_T), fb = web_us(e, CURLINFO_STARTTRANSFER_TIME_T);
    if (dns > 0)
        sum->dns += dns, sum->seen |= WEB_SAW_DNS;
    if (con > 0)
        sum->connect += con - dns, sum->seen |= WEB_SAW_CONNECT;
    if (tls > 0)
        sum->tls += tls - con, sum->seen |= WEB_SAW_TLS;
    if (fb > 0)
        sum->first_byte += fb - (tls > 0 ? tls : con), sum->seen |= WEB_SAW_FIRST_BYTE;
    sum->total += web_us(e, CURLINFO_TOTAL_TIME_T);
}

/* Timing, size, status and address of the fetch: kept in X, and put in the
 * result as metrics and infos. */
static void web_measure(struct web_xfer *x, sw_result *r)
{
    CURL *e = x->easy;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &x->code);
    x->dns = web_seconds(web_us(e, CURLINFO_NAMELOOKUP_TIME_T));
    x->con = web_seconds(web_us(e, CURLINFO_CONNECT_TIME_T));
    x->fb = web_seconds(web_us(e, CURLINFO_STARTTRANSFER_TIME_T));
    struct web_phases t = x->before;
    web_phases_add(e, &t);
    x->total = web_seconds(t.total);
    if (t.seen & WEB_SAW_DNS)
        sw_api->result_metric(r, "time.dns", web_seconds(t.dns));
    if (t.seen & WEB_SAW_CONNECT)
        sw_api->result_metric(r, "time.connect", web_seconds(t.connect));
    if (t.seen & WEB_SAW_TLS)
        sw_api->result_metric(r, "time.tls", web_seconds(t.tls));
    if (t.seen & WEB_SAW_FIRST_BYTE)
        sw_api->result_metric(r, "time.first_byte", web_seconds(t.first_byte));
    curl_off_t transfer = t.total - t.dns - t.connect - t.tls - t.first_byte;
    sw_api->result_metric(r, "time.transfer", web_seconds(transfer > 0 ? transfer : 0));
    sw_api->result_metric(r, "time.total", x->total);
    sw_api->result_metric(r, "size.body", (double)x->body);
    if (x->code)
        sw_api->result_metric(r, "http.status", (double)x->code);
    if (x->hops)
        sw_api->result_metric(r, "http.redirects", (double)x->hops);
    char *ip = NULL, *eff = NULL;
    if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip && *ip)
        sw_api->result_info(r, "http.ip", ip);
    /* A redirect may name a user and password: shown as ***. */
    char *shown = x->hops && curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff
                      ? url_redacted(eff)
                      : NULL;
    if (shown)
        sw_api->result_info(r, "http.final_url", shown);
    free(shown);
}

/* A transfer that did not get a whole answer: why, in words. */
static void web_transfer_failed(struct web_xfer *x, CURLcode cc, struct verdict *v)
{
    const char *err = x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
    if (cc == CURLE_OPERATION_TIMEDOUT) {
        char to[32];
        sw_api->format_duration(sw_api->run_timeout(x->run), to, sizeof to);
        const char *phase = x->dns <= 0   ? "resolving the name"
                            : x->con <= 0 ? "connecting"
                            : x->fb <= 0  ? "waiting for the first byte"
                                          : "reading the body";
        /* A first byte that began only 1xx answers (100 Continue, 103
         * Early Hints) is no final status: say so, not "reading the body". */
        if (x->interim > 1)
            verdict_fail(v, SW_FAIL,
                         "timed out after %s (endless 1xx interim responses: %ld, no final status)", to,
                         x->interim);
        else if (x->interim == 1)
            verdict_fail(v, SW_FAIL,
                         "timed out after %s (waiting for the final status after a 1xx interim "
                         "response)",
                         to);
        else
            verdict_fail(v, SW_FAIL, "timed out after %s (%s)", to, phase);
    } else if (cc == CURLE_OUT_OF_MEMORY && x->code) {
        /* After the status line, curl says "Out of memory" for one header
         * line over its 100 KB limit: the server's fault, not ours. */
        verdict_fail(v, SW_FAIL, "invalid HTTP answer: a header line longer than 100 KB");
    } else if (cc == CURLE_OUT_OF_MEMORY) { /* the monitor's trouble: the site may be fine */
        verdict_fail(v, SW_UNKNOWN, "out of memory while fetching (%s)", err);
    } else if (cc == CURLE_WEIRD_SERVER_REPLY || cc == CURLE_UNSUPPORTED_PROTOCOL ||
               cc == CURLE_BAD_CONTENT_ENCODING) {
        verdict_fail(v, SW_FAIL, "invalid HTTP answer: %s", err);
    } else if (strncmp(err, "Too large response headers", 26) == 0) {
        verdict_fail(v, SW_FAIL, "invalid HTTP answer: %s", err);
    } else if (cc == CURLE_RECV_ERROR || cc == CURLE_PARTIAL_FILE) {
        verdict_fail(v, SW_FAIL, "connection broken%s: %s", x->code ? " during the answer" : "", err);
    } else if (cc == CURLE_COULDNT_RESOLVE_HOST) {
        verdict_fail(v, SW_FAIL, "DNS: %s", err);
    } else if (cc == CURLE_COULDNT_CONNECT) {
        verdict_fail(v, SW_FAIL, "cannot connect: %s", err);
    } else if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CONNECT_ERROR ||
               cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_SSL_CERTPROBLEM) {
        verdict_fail(v, SW_FAIL, "TLS: %s", err);
    } else {
        verdict_fail(v, SW_FAIL, "%s", err);
    }
}

/* Judge a finished transfer and fill in the result: every rule that fails
 * is listed, the worst first. */
static void web_judge(struct web_xfer *x)
{
    sw_result *r = sw_api->run_result(x->run);
    const struct web_site *hs = x->site;
    struct verdict v = {0};
    CURLcode cc = x->cc;
    long code = x->code;
    double total = x->total;
    int got_answer = (cc == CURLE_OK && !x->stop) || x->too_big || cc == CURLE_FILESIZE_EXCEEDED;
    int explained = web_flavour.judge ? web_flavour.judge(x, cc, r, &v) : 0;

    char t[32], sz[32], lim[32];
    sw_api->format_duration((int64_t)(total * SW_S), t, sizeof t);
    sw_api->format_size(hs->max_size, lim, sizeof lim);
    if (x->nomem) {
        verdict_fail(&v, SW_UNKNOWN, "out of memory while following a redirect");
    } else if (x->stop == WEB_STOP_TOO_MANY) {
        verdict_fail(&v, SW_FAIL, "more than %ld redirects", hs->max_redirects);
    } else if (x->stop == WEB_STOP_DOWNGRADE) {
        verdict_fail(&v, SW_FAIL, "downgrade to plain HTTP: redirected to %s", x->stop_url);
    } else if (x->stop == WEB_STOP_SCHEME) {
        verdict_fail(&v, SW_FAIL, "redirected to %s, not an http:// or https:// URL", x->stop_url);
    } else if (!got_answer) {
        if (!explained)
            web_transfer_failed(x, cc, &v);
    } else {
        if (!web_status_ok(hs, code))
            verdict_fail(&v, SW_FAIL, "HTTP %ld, expected %s", code, hs->expect_text);
        if (x->too_big || cc == CURLE_FILESIZE_EXCEEDED)
            verdict_fail(&v, SW_FAIL, "body exceeds %s", lim);
        web_content_judge(hs->content, x->scan, x->easy, x->too_big ? hs->max_size : 0, &v);
        /* Time: WARN past warn_after, FAIL past fail_after (without cutting
         * the fetch short, as the timeout does). */
        int64_t took = (int64_t)(total * SW_S);
        int slow = hs->fail_after && took > hs->fail_after ? SW_FAIL
                   : took > hs->warn_after                 ? SW_WARN
                                                           : SW_OK;
        if (slow != SW_OK) {
            char w[32];
            sw_api->format_duration(slow == SW_FAIL ? hs->fail_after : hs->warn_after, w, sizeof w);
            verdict_fail(&v, slow, "slow: HTTP %ld in %s (%s after %s)", code, t,
                         slow == SW_FAIL ? "fail" : "warn", w);
        }
        sw_api->result_metric(r, "match.failed", (double)v.n);
    }
    char ok[128];
    sw_api->format_size((int64_t)x->body, sz, sizeof sz);
    snprintf(ok, sizeof ok, "HTTP %ld, %s in %s", code, sz, t);
    verdict_set(&v, sw_api, r, ok);
    verdict_free(&v);
}

static void web_xfer_free(struct web_xfer *x)
{
    if (web_flavour.xfer_free)
        web_flavour.xfer_free(x);
    match_scan_free(x->scan);
    free(x->stop_url);
    if (x->easy && web_g && web_g->nspare < WEB_SPARE_MAX) {
        curl_easy_reset(x->easy);
        web_g->spare[web_g->nspare++] = x->easy;
    } else {
        curl_easy_cleanup(x->easy);
    }
    free(x);
}

static void web_xfer_end(struct web_state *g, struct web_xfer *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        g->xfers = x->next;
    if (x->next)
        x->next->prev = x->prev;
    curlloop_remove(g->loop, x->easy);
    sw_run *run = x->run;
    sw_api->run_set_data(run, NULL);
    web_xfer_free(x);
    sw_api->run_complete(run);
}

/* A failed transfer may get one diagnostic follow-up on the same handle,
 * within what is left of the run's timeout; true when it was started. */
static int web_probe(struct web_state *g, struct web_xfer *x)
{
    int64_t left = sw_api->run_timeout(x->run) - (sw_api->now_mono() - x->started);
    if (!web_flavour.probe || x->probed || left < 100000)
        return 0;
    x->probed = 1;
    curlloop_remove(g->loop, x->easy);
    if (web_flavour.probe(x, x->cc) != 1)
        return 0;
    curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)(left / SW_MS));
    return curlloop_add(g->loop, x->easy) == 0;
}

/* The custom headers for a request to URL: the site's, when URL has the
 * site's origin; none elsewhere, as they often hold API keys and tokens
 * (libcurl keeps back only Authorization and Cookie on a redirect). */
static struct curl_slist *web_headers_for(const struct web_site *hs, const char *url)
{
    char origin[512];
    return hs->headers && url_origin(url, origin, sizeof origin) == 0 && strcmp(origin, hs->origin) == 0
               ? hs->headers
               : NULL;
}

/* X's answer is a redirect: when it may be followed, set the handle up for
 * the next hop and return 1; else 0, with X->stop saying why not. */
static int web_follow(struct web_state *g, struct web_xfer *x)
{
    const struct web_site *hs = x->site;
    char *loc = NULL, scheme[16], host[256];
    if (!web_is_redirect(x) || curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK || !loc)
        return 0;
    if (x->hops >= hs->max_redirects) {
        x->stop = WEB_STOP_TOO_MANY;
        return 0;
    }
    int src = url_split(loc, scheme, sizeof scheme, host, sizeof host);
    if (src == SW_ENOMEM) {
        x->nomem = 1; /* UNKNOWN: the Location may be fine */
        return 0;
    }
    if (src != 0 || (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        x->stop = WEB_STOP_SCHEME;
    } else if (web_flavour.tls_only && strcmp(scheme, "http") == 0) {
        /* Nothing is sent over plain HTTP: the check fails here. */
        x->stop = WEB_STOP_DOWNGRADE;
    } else {
        int64_t left = sw_api->run_timeout(x->run) - (sw_api->now_mono() - x->started);
        if (left < SW_MS) {
            x->cc = CURLE_OPERATION_TIMEDOUT;
            return 0;
        }
        web_phases_add(x->easy, &x->before);
        curlloop_remove(g->loop, x->easy);
        curl_easy_setopt(x->easy, CURLOPT_URL, loc); /* copied by curl: LOC may go now */
        curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, web_headers_for(hs, loc));
        curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)(left / SW_MS));
        x->hops++;
        x->body = 0;
        x->interim = 0;
        x->errbuf[0] = '\0';
        if (curlloop_add(g->loop, x->easy) == 0)
            return 1;
        x->cc = CURLE_FAILED_INIT;
        return 0;
    }
    /* For the reason: without a password the Location may carry. */
    x->stop_url = url_redacted(loc);
    if (!x->stop_url)
        x->stop_url = strdup("a URL libcurl cannot read");
    if (!x->stop_url)
        x->cc = CURLE_OUT_OF_MEMORY;
    return 0;
}

/* A transfer finished (curlloop): follow a redirect, probe a failure, or
 * judge it. */
static void web_done(CURL *easy, CURLcode result, void *ud)
{
    struct web_state *g = ud;
    struct web_xfer *x = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
    if (!x->probed) {
        x->cc = result;
        if (x->cc == CURLE_OK && web_follow(g, x))
            return;
        web_measure(x, sw_api->run_result(x->run));
        if (x->cc != CURLE_OK && web_probe(g, x))
            return;
    }
    web_judge(x);
    web_xfer_end(g, x);
}

int web_run(void *site_state, sw_run *run)
{
    struct web_site *hs = site_state;
    struct web_state *g = web_g;
    struct web_xfer *x = calloc(1, sizeof *x);
    if (x)
        x->easy = g->nspare ? g->spare[--g->nspare] : curl_easy_init();
    if (!x || !x->easy) {
        free(x);
        return SW_ENOMEM;
    }
    x->site = hs;
    x->run = run;
    x->started = sw_api->now_mono();
    x->scan = web_content_scan(hs->content);
    if (!x->scan && web_content_has_body_rules(hs->content)) {
        web_xfer_free(x); /* gives the easy handle back */
        return SW_ENOMEM; /* the core completes the run as UNKNOWN */
    }
    CURL *e = x->easy;
    curl_easy_setopt(e, CURLOPT_URL, hs->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, web_write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(sw_api->run_timeout(run) / SW_MS));
    /* What a first visitor sees: no cached name, no reused connection, no
     * resumed TLS session (a resumed session shows no certificate). */
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    /* Redirects are followed by web_follow, one hop at a time. */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, web_header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    /* With body rules the first max_size bytes are read and matched; without,
     * a Content-Length over the limit ends the transfer before the body. */
    if (!x->scan)
        curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)hs->max_size);
    curl_easy_setopt(e, CURLOPT_IPRESOLVE, hs->ipresolve);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "sitewatch/" SW_PLUGIN_VERSION);
    if (hs->head)
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    if (hs->headers)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, hs->headers); /* the site's origin */
    int rc = web_flavour.setup ? web_flavour.setup(x) : 0;
    if (rc == 0)
        rc = curlloop_add(g->loop, e);
    if (rc) {
        web_xfer_free(x);
        return rc;
    }
    x->next = g->xfers;
    x->prev = NULL;
    if (g->xfers)
        g->xfers->prev = x;
    g->xfers = x;
    sw_api->run_set_data(run, x);
    return 0;
}

void web_cancel(void *site_state, sw_run *run)
{
    (void)site_state;
    struct web_xfer *x = sw_api->run_data(run);
    if (x) { /* NULL: it ended already */
        sw_api->result_set(sw_api->run_result(run), SW_UNKNOWN, "cancelled");
        web_xfer_end(web_g, x);
    }
}

int web_init(void **state)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return SW_EPLUGIN;
    struct web_state *g = calloc(1, sizeof *g);
    if (!g || !(g->loop = curlloop_new(sw_api, web_done, g))) {
        free(g);
        curl_global_cleanup();
        return SW_ENOMEM;
    }
    web_g = g;
    *state = g;
    return 0;
}

void web_shutdown(void *state)
{
    struct web_state *g = state;
    while (g->xfers)
        web_cancel(NULL, g->xfers->run);
    while (g->nspare)
        curl_easy_cleanup(g->spare[--g->nspare]);
    curlloop_free(g->loop);
    free(g);
    web_g = NULL;
    curl_global_cleanup();
}

/* The common keys then EXTRA (NULL: none) into OUT of CAP entries, ended
 * by a NULL name; -1 when they do not fit. */
static int web_keys_join(struct sw_key *out, size_t cap, const struct sw_key *extra)
{
    size_t n = 0;
    const struct sw_key *parts[] = {web_keys, extra};
    for (int p = 0; p < 2; p++)
        for (const struct sw_key *k = parts[p]; k && k->name; k++) {
            if (n + 1 >= cap)
                return -1;
            out[n++] = *k;
        }
    out[n] = (struct sw_key){.name = NULL};
    return 0;
}

static int web_metrics_join(struct sw_metric_decl *out, size_t cap, const struct sw_metric_decl *extra)
{
    size_t n = 0;
    const struct sw_metric_decl *parts[] = {web_metrics, extra};
    for (int p = 0; p < 2; p++)
        for (const struct sw_metric_decl *m = parts[p]; m && m->name; m++) {
            if (n + 1 >= cap)
                return -1;
            out[n++] = *m;
        }
    out[n] = (struct sw_metric_decl){.name = NULL};
    return 0;
}

const struct sw_plugin *web_describe(const char *name, const char *description,
                                     const struct sw_key *extra_keys,
                                     const struct sw_metric_decl *extra_metrics)
{
    static struct sw_key keys[32];
    static struct sw_metric_decl metrics[24];
    static struct sw_plugin desc = {
        .abi_version = SW_ABI_VERSION,
        .size = sizeof(struct sw_plugin),
        .kind = SW_KIND_CHECK,
        .flags = SW_CHECK_ASYNC,
        .init = web_init,
        .shutdown = web_shutdown,
        .check_prepare = web_prepare,
        .check_release = web_release,
        .check_run = web_run,
        .check_cancel = web_cancel,
        .key_decls = keys,
        .key_size = sizeof(struct sw_key),
        .metric_decls = metrics,
        .metric_size = sizeof(struct sw_metric_decl),
    };
    if (web_keys_join(keys, sizeof keys / sizeof *keys, extra_keys) < 0 ||
        web_metrics_join(metrics, sizeof metrics / sizeof *metrics, extra_metrics) < 0) {
        sw_api->log(SW_LOG_ERROR, "%s: more keys or metrics than web_describe has room for", name);
        return NULL;
    }
    desc.name = name;
    desc.description = description;
    return &desc;
}
