/* SPDX-License-Identifier: MIT
 *
 * A notify plugin's JSON POST (see httppost.h).
 */
#include "httppost.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/config.h"
#include "lib/err.h"
#include "lib/secret.h"

static size_t hp_write_cb(char *data, size_t size, size_t n, void *ud)
{
    struct httppost *p = ud;
    size_t len = size * n, keep = p->keep ? p->keep : HTTPPOST_KEEP;
    if (p->answer.len < keep)
        buf_put(&p->answer, data, len < keep - p->answer.len ? len : keep - p->answer.len);
    return len; /* the rest is read and dropped: the connection ends cleanly */
}

void httppost_setup(CURL *e, struct httppost *p)
{
    curl_easy_reset(e);
    buf_reset(&p->answer);
    p->errbuf[0] = '\0';
    long ms = p->timeout / SW_MS > 0 ? (long)(p->timeout / SW_MS) : 1;
    curl_easy_setopt(e, CURLOPT_URL, p->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, p->priv);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    /* A receiver that redirects is misconfigured (a proxy's login page,
     * say): following would carry the body and the tokens in the headers
     * somewhere else, so its 3xx is said instead. */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (p->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, p->ca_file);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "sitewatch/" SW_PLUGIN_VERSION);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, p->headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, p->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(p->body));
    if (p->method && strcmp(p->method, "POST") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, p->method);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, hp_write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
}

/* The start of the answer S as one line into OUT: control characters and
 * runs of blanks one space, none at either end, cut on a UTF-8 boundary. */
static void hp_say_body(const char *s, struct buf *out)
{
    size_t start = out->len;
    int gap = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c == 0x7f) {
            gap = out->len > start;
            continue;
        }
        if (out->len - start + (size_t)gap >= HTTPPOST_SAY || out->failed)
            break;
        if (gap)
            buf_put(out, " ", 1);
        gap = 0;
        buf_put(out, s, 1);
    }
    if (!*s || out->failed)
        return;
    /* A cut inside a character loses that character's start. */
    if (((unsigned char)*s & 0xc0) == 0x80) {
        while (out->len > start && ((unsigned char)out->s[out->len - 1] & 0xc0) == 0x80)
            out->len--;
        if (out->len > start && (unsigned char)out->s[out->len - 1] >= 0xc0)
            out->len--;
        out->s[out->len] = '\0';
    }
    buf_puts(out, "...");
}

void httppost_said(const struct httppost *p, CURLcode result, long code, struct buf *out)
{
    if (result != CURLE_OK) {
        buf_puts(out, p->errbuf[0] ? p->errbuf : curl_easy_strerror(result));
        return;
    }
    buf_printf(out, "HTTP %ld", code);
    size_t at = out->len;
    buf_puts(out, ": ");
    hp_say_body(p->answer.s ? p->answer.s : "", out);
    if (!out->failed && out->len == at + 2) /* nothing to say but the status */
        out->s[out->len = at] = '\0';
}

void httppost_clear(struct httppost *p)
{
    buf_free(&p->answer);
}

int httppost_header(struct curl_slist **list, const char *start, const char *value)
{
    size_t a = strlen(start), b = strlen(value);
    char *line = malloc(a + b + 1);
    if (!line)
        return SW_ENOMEM;
    memcpy(line, start, a);
    memcpy(line + a, value, b + 1);
    struct curl_slist *more = curl_slist_append(*list, line); /* copied */
    secret_wipe(line, a + b);
    free(line);
    if (!more)
        return SW_ENOMEM;
    *list = more;
    return 0;
}

int httppost_headers(const struct sw_host_api *api, const sw_config *cfg, const char *key, const char *secret,
                     struct curl_slist **list, int *used)
{
    int rc = 0, own_type = 0, nh = api->config_count(cfg, key);
    for (int i = 0; i < nh; i++)
        own_type |= strncasecmp(api->config_get_nth(cfg, key, i), "content-type:", 13) == 0;
    if (!own_type)
        ERR_KEEP_FIRST(rc, httppost_header(list, "Content-Type: application/json", ""));
    ERR_KEEP_FIRST(rc, httppost_header(list, "Expect:", ""));
    for (int i = 0; i < nh; i++) {
        const char *h = api->config_get_nth(cfg, key, i), *colon = strchr(h, ':');
        if (!colon || colon == h || strpbrk(h, "\r\n")) {
            ERR_KEEP_FIRST(rc,
                           config_error_at(api, cfg, key, i, "a header line such as 'X-Api-Key: {secret}'"));
            continue;
        }
        char *filled = NULL;
        int frc = secret_fill(h, secret, &filled, used);
        if (frc == 0)
            frc = httppost_header(list, filled, "");
        secret_free(filled);
        ERR_KEEP_FIRST(rc, frc);
    }
    return rc;
}

void httppost_headers_free(struct curl_slist *list)
{
    for (struct curl_slist *h = list; h; h = h->next)
        secret_wipe(h->data, strlen(h->data));
    curl_slist_free_all(list);
}
