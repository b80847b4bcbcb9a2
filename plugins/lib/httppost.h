/* SPDX-License-Identifier: MIT
 *
 * A notify plugin's JSON POST through its curlloop (webhook,
 * alertmanager): the easy handle set up one way (http and https only,
 * TLS verified, no redirect followed, sitewatch's user agent, a
 * deadline), the start of the answer kept, and what the other end said
 * put in one line ("HTTP 400: invalid label set..."); the headers of
 * such a POST from the user's `headers` key, a secret filled in.
 */
#ifndef SW_COMMON_HTTPPOST_H
#define SW_COMMON_HTTPPOST_H

#include <curl/curl.h>

#include <sitewatch/plugin.h>

#include "lib/buf.h"

/* What of an answer is kept when keep is 0, and what of it is said. */
#define HTTPPOST_KEEP 4096
#define HTTPPOST_SAY  200

/* One request.  The caller sets the first part before httppost_setup;
 * libcurl reads its strings and the list while the transfer runs, so they
 * live until it ended.  Zero-initialise; httppost_clear when done. */
struct httppost {
    const char *url;
    const char *method; /* NULL: POST */
    const char *body;   /* sent as it is, Content-Type from the headers */
    const struct curl_slist *headers;
    const char *ca_file; /* NULL: the system's CAs */
    int64_t timeout;     /* the whole transfer's, microseconds */
    size_t keep;         /* bytes of the answer kept; 0: HTTPPOST_KEEP */
    void *priv;          /* CURLOPT_PRIVATE, for the curlloop's callback */
    /* Filled by the transfer. */
    struct buf answer; /* the start of the body */
    char errbuf[CURL_ERROR_SIZE];
};

/* EASY reset and set up for P's request (P outlives the transfer). */
void httppost_setup(CURL *easy, struct httppost *p);
/* What the other end said, on one line, into OUT: with RESULT
 * CURLE_OK, "HTTP CODE" and the start of the answer, control characters
 * and runs of blanks made one space, cut on a UTF-8 boundary ("..."
 * where cut); else the transfer's error as libcurl words it. */
void httppost_said(const struct httppost *p, CURLcode result, long code, struct buf *out);
/* Free what P keeps of the answer (P is the caller's). */
void httppost_clear(struct httppost *p);

/* The headers of a JSON POST into *LIST (NULL on entry): Content-Type
 * application/json unless one of KEY's values is a Content-Type, no
 * "Expect: 100-continue" wait, then each of KEY's values, 'Name: value'
 * with {secret} replaced by SECRET (*USED counting them).  A bad value is
 * a config error on its line; every value is checked.  0, SW_ECONFIG or
 * SW_ENOMEM; *LIST is the caller's either way (httppost_headers_free). */
int httppost_headers(const struct sw_host_api *api, const sw_config *cfg, const char *key, const char *secret,
                     struct curl_slist **list, int *used);
/* One more header line on *LIST, START followed by VALUE ("X-Key: " and
 * a token, say): 0 or SW_ENOMEM. */
int httppost_header(struct curl_slist **list, const char *start, const char *value);
/* Free LIST, each line wiped first: a line may hold a secret. */
void httppost_headers_free(struct curl_slist *list);

#endif
