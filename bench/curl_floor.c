/* SPDX-License-Identifier: MIT
 * The floor for HTTP checks: a bare libcurl multi loop doing N fresh-
 * connection GETs of URL, at most C at once, each judged as a check is
 * (status 200, body holds WORD), and nothing else: no scheduling, no
 * rules engine, no storage.  bench/run measures it beside sitewatch; it
 * also drives blackbox_exporter's /probe the same way.
 *   build/bench/curl-floor URL N C [WORD]
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xfer {
    char body[16384]; /* enough for a blackbox /probe answer */
    size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t take = size * n < sizeof x->body - 1 - x->len ? size * n : sizeof x->body - 1 - x->len;
    memcpy(x->body + x->len, p, take);
    x->len += take;
    x->body[x->len] = '\0';
    return size * n;
}

static void start(CURLM *m, CURL *e, const char *url, struct xfer *x)
{
    x->len = 0;
    x->body[0] = '\0';
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
    curl_multi_add_handle(m, e);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s URL N C [WORD]\n", argv[0]);
        return 2;
    }
    const char *url = argv[1], *word = argc > 4 ? argv[4] : "word";
    long n = atol(argv[2]), c = atol(argv[3]), started = 0, ok = 0, done = 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    CURL **easy = calloc((size_t)c, sizeof *easy);
    struct xfer *xs = calloc((size_t)c, sizeof *xs);
    for (long i = 0; i < c && started < n; i++, started++) {
        easy[i] = curl_easy_init(); /* one handle a slot, reused like sitewatch's */
        start(m, easy[i], url, &xs[i]);
    }
    while (done < n) {
        int running, msgs;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(m, &msgs))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *e = msg->easy_handle;
            struct xfer *x;
            long code = 0;
            curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
            ok += msg->data.result == CURLE_OK && code == 200 && strstr(x->body, word);
            done++;
            curl_multi_remove_handle(m, e);
            if (started < n) {
                started++;
                start(m, e, url, x);
            }
        }
        if (done < n)
            curl_multi_poll(m, NULL, 0, 1000, NULL);
    }
    printf("%ld %ld\n", ok, n);
    for (long i = 0; i < c; i++)
        if (easy[i])
            curl_easy_cleanup(easy[i]);
    free(easy);
    free(xs);
    curl_multi_cleanup(m);
    curl_global_cleanup();
    return ok == n ? 0 : 1;
}
