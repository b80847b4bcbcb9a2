/* SPDX-License-Identifier: MIT
 *
 * A URL's scheme and host, parsed by libcurl (see url.h).
 */
#include "url.h"

#include <curl/curl.h>
#include <sitewatch/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libcurl's answer as ours: out of memory is never a URL that does not
 * parse. */
static int url_rc(CURLUcode c)
{
    return c == CURLUE_OK ? 0 : c == CURLUE_OUT_OF_MEMORY ? SW_ENOMEM : SW_EINVAL;
}

int url_split(const char *url, char *scheme, size_t slen, char *host, size_t hlen)
{
    if (!url)
        return SW_EINVAL;
    CURLU *u = curl_url();
    char *s = NULL, *h = NULL;
    CURLUcode c = u ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;
    if (c == CURLUE_OK)
        c = curl_url_get(u, CURLUPART_SCHEME, &s, 0);
    if (c == CURLUE_OK)
        c = curl_url_get(u, CURLUPART_HOST, &h, 0);
    int rc = url_rc(c);
    if (rc == 0) {
        snprintf(scheme, slen, "%s", s);
        /* A bracketed IPv6 literal is compared without its brackets. */
        size_t n = strlen(h);
        if (h[0] == '[' && n > 1)
            snprintf(host, hlen, "%.*s", (int)(n - 2), h + 1);
        else
            snprintf(host, hlen, "%s", h);
    }
    curl_free(s);
    curl_free(h);
    curl_url_cleanup(u);
    return rc;
}

int url_origin(const char *url, char *buf, size_t n)
{
    if (!url)
        return SW_EINVAL;
    CURLU *u = curl_url();
    char *s = NULL, *h = NULL, *p = NULL;
    CURLUcode c = u ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;
    if (c == CURLUE_OK)
        c = curl_url_get(u, CURLUPART_SCHEME, &s, 0);
    if (c == CURLUE_OK)
        c = curl_url_get(u, CURLUPART_HOST, &h, 0);
    if (c == CURLUE_OK)
        c = curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT);
    int rc = url_rc(c);
    if (rc == 0 && snprintf(buf, n, "%s://%s:%s", s, h, p) >= (int)n)
        rc = SW_EINVAL;
    for (char *c = buf; rc == 0 && *c; c++)
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    curl_free(s);
    curl_free(h);
    curl_free(p);
    curl_url_cleanup(u);
    return rc;
}

char *url_redacted(const char *url)
{
    CURLU *u = curl_url();
    char *user = NULL, *pw = NULL, *out = NULL, *copy = NULL;
    if (url && u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_USER, &user, 0);
        curl_url_get(u, CURLUPART_PASSWORD, &pw, 0);
        CURLUcode rc = pw              ? curl_url_set(u, CURLUPART_PASSWORD, "***", 0)
                       : user && *user ? curl_url_set(u, CURLUPART_USER, "***", 0)
                                       : CURLUE_OK;
        if (rc == CURLUE_OK && curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK)
            copy = strdup(out);
    }
    curl_free(user);
    curl_free(pw);
    curl_free(out);
    curl_url_cleanup(u);
    return copy;
}
