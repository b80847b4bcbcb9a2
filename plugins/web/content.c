/* SPDX-License-Identifier: MIT
 *
 * Content rules for http and https: what the body must contain, must not
 * contain, must match, and which response headers must be there.  The body
 * rules are matched while it streams in (match.c); the header rules on the
 * final response's headers, read back through curl_easy_header().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/config.h"
#include "lib/err.h"
#include "lib/match.h"
#include "web.h"

struct web_header_rule {
    char *name;
    char *value; /* "" = the header only has to be there */
};

struct web_content {
    struct match_set *body;
    struct web_header_rule *headers;
    int nheaders;
};

void web_content_free(struct web_content *c)
{
    if (!c)
        return;
    match_set_free(c->body);
    for (int i = 0; i < c->nheaders; i++) {
        free(c->headers[i].name);
        free(c->headers[i].value);
    }
    free(c->headers);
    free(c);
}

static int web_content_headers(const sw_config *cfg, struct web_content *c)
{
    int rc = 0, n = sw_api->config_count(cfg, "expect_header");
    c->headers = calloc((size_t)n + 1, sizeof *c->headers);
    if (!c->headers)
        return SW_ENOMEM;
    for (int i = 0; i < n; i++) {
        const char *h = sw_api->config_get_nth(cfg, "expect_header", i);
        size_t nl = strcspn(h, ":");
        while (nl && h[nl - 1] == ' ')
            nl--;
        if (!nl || strpbrk(h, " \t") == h || strcspn(h, " \t") < nl) {
            ERR_KEEP_FIRST(
                rc, config_error_at(sw_api, cfg, "expect_header", i,
                                    "a header name, optionally with the text its value must contain, such as "
                                    "'Content-Type: text/html'"));
            continue;
        }
        const char *v = h[strcspn(h, ":")] ? h + strcspn(h, ":") + 1 : "";
        v += strspn(v, " \t");
        struct web_header_rule *r = &c->headers[c->nheaders++];
        r->name = strndup(h, nl);
        r->value = strdup(v);
        if (!r->name || !r->value)
            return SW_ENOMEM;
    }
    return rc;
}

int web_content_prepare(const sw_config *cfg, struct web_site *ws)
{
    int rc = 0, ignore_case = (int)sw_api->config_value(cfg, "ignore_case", -1);
    static const struct {
        const char *key;
        enum match_kind kind;
    } body_keys[] = {
        {"expect_content", MATCH_CONTAINS},
        {"reject_content", MATCH_REJECT},
        {"expect_regex", MATCH_REGEX},
    };
    int nbody = 0;
    for (size_t k = 0; k < sizeof body_keys / sizeof *body_keys; k++)
        nbody += sw_api->config_count(cfg, body_keys[k].key);
    if (!nbody && !sw_api->config_count(cfg, "expect_header"))
        return rc;
    struct web_content *c = calloc(1, sizeof *c);
    if (!c)
        return SW_ENOMEM;
    ws->content = c;
    if (nbody) {
        if (!(c->body = match_set_new(ignore_case)))
            return SW_ENOMEM; /* C is freed with WS */
        if (ws->head)
            ERR_KEEP_FIRST(rc,
                           sw_api->config_error(cfg, "method",
                                                "GET, since the body has content rules (HEAD has no body)"));
    }
    for (size_t k = 0; k < sizeof body_keys / sizeof *body_keys; k++) {
        const char *key = body_keys[k].key;
        int n = sw_api->config_count(cfg, key);
        for (int i = 0; i < n; i++) {
            const char *text = sw_api->config_get_nth(cfg, key, i);
            char err[256];
            if (body_keys[k].kind == MATCH_REGEX) {
                /* One that does not compile (or is empty) was refused by
                 * the core, a REGEX key compiled with the same options but
                 * case, which does not change what compiles: the
                 * configuration is refused already, and a message here would
                 * only repeat it (in [site x] words for a [check http]
                 * default). */
                if (*text && match_add_regex(c->body, text, err, sizeof err) == SW_ENOMEM)
                    ERR_KEEP_FIRST(rc, SW_ENOMEM);
            } else if (!*text) {
                ERR_KEEP_FIRST(rc, config_error_at(sw_api, cfg, key, i, "the text to look for"));
            } else {
                ERR_KEEP_FIRST(rc, match_add_text(c->body, text, body_keys[k].kind));
            }
        }
    }
    int hrc = web_content_headers(cfg, c);
    return rc ? rc : hrc;
}

int web_content_has_body_rules(const struct web_content *c)
{
    return c && match_count(c->body) > 0;
}

struct match_scan *web_content_scan(const struct web_content *c)
{
    return web_content_has_body_rules(c) ? match_scan_new(c->body) : NULL;
}

static void web_content_body(const struct web_content *c, struct match_scan *scan, int64_t cut_at,
                             struct verdict *v)
{
    char within[96] = "";
    if (cut_at > 0) {
        char sz[32];
        sw_api->format_size(cut_at, sz, sizeof sz);
        snprintf(within, sizeof within, " in the first %s (the body was cut there)", sz);
    }
    match_scan_finish(scan);
    for (int i = 0; i < match_count(c->body); i++) {
        const char *text = match_text_at(c->body, i);
        int seen = match_scan_seen(scan, i);
        switch (match_kind_at(c->body, i)) {
        case MATCH_CONTAINS:
            if (seen < 0)
                verdict_fail(v, SW_UNKNOWN, "\"%s\" not judged: %s", text, match_scan_error(scan, i));
            else if (!seen)
                verdict_fail(v, SW_FAIL, "body lacks \"%s\"%s", text, within);
            break;
        case MATCH_REJECT:
            if (seen < 0)
                verdict_fail(v, SW_UNKNOWN, "\"%s\" not judged: %s", text, match_scan_error(scan, i));
            else if (seen)
                verdict_fail(v, SW_FAIL, "body contains \"%s\"", text);
            break;
        case MATCH_REGEX:
            if (seen < 0) /* the matcher's limit: the site may be fine */
                verdict_fail(v, SW_UNKNOWN, "regex /%s/ not judged: %s", text, match_scan_error(scan, i));
            else if (!seen)
                verdict_fail(v, SW_FAIL, "body does not match /%s/%s", text, within);
            break;
        }
    }
}

/* The first value of header NAME on the final response containing TEXT
 * (any case), else the first value, else NULL. */
static const char *web_header_find(CURL *e, const char *name, const char *text, int *matched)
{
    struct curl_header *h;
    const char *first = NULL;
    size_t n = 1;
    *matched = 0;
    for (size_t i = 0; i < n; i++) {
        if (curl_easy_header(e, name, i, CURLH_HEADER, -1, &h) != CURLHE_OK)
            break;
        n = h->amount;
        if (!first)
            first = h->value;
        if (strcasestr(h->value, text)) {
            *matched = 1;
            return h->value;
        }
    }
    return first;
}

void web_content_judge(const struct web_content *c, struct match_scan *scan, CURL *easy, int64_t cut_at,
                       struct verdict *v)
{
    if (!c)
        return;
    if (scan)
        web_content_body(c, scan, cut_at, v);
    for (int i = 0; i < c->nheaders; i++) {
        const struct web_header_rule *r = &c->headers[i];
        int matched;
        const char *got = web_header_find(easy, r->name, r->value, &matched);
        if (!got)
            verdict_fail(v, SW_FAIL, "no %s header", r->name);
        else if (!matched)
            verdict_fail(v, SW_FAIL, "header %s is \"%s\", expected \"%s\"", r->name, got, r->value);
    }
}
