/* SPDX-License-Identifier: MIT
 *
 * A URL's scheme and host, parsed by libcurl (see url.h).
 */
#include "url.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

int url_split(const char *url, char *scheme, size_t slen, char *host, size_t hlen)
{
    CURLU *u = curl_url();
    char *s = NULL, *h = NULL;
    int rc = url && u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
                     curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK &&
                     curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK
                 ? 0
                 : -1;
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
