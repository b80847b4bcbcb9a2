/* SPDX-License-Identifier: MIT
 * The floor for HTTP checks: a bare libcurl multi loop doing N fresh-
 * connection GETs of URL, at most C at once, each judged as a check is
 * (status 200, body holds WORD), and nothing else: no scheduling, no
 * rules engine, no storage.  bench/run measures it beside sitewatch; it
 * also drives blackbox_exporter's /probe the same way.
 *   build/bench/curl-floor URL N C [WORD [RATE]]
 * With RATE (checks a second) the checks are paced as the daemon paces
 * them: every 100 ms tick starts that tick's share (RATE/10), which is the
 * floor for a daemon at steady state (bench/steady).  Without it they run
 * back to back.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TICK 0.1 /* seconds: the scheduler's grid (core/schedule.h) */

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
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_multi_add_handle(m, e);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s URL N C [WORD [RATE]]\n", argv[0]);
        return 2;
    }
    const char *url = argv[1], *word = argc > 4 ? argv[4] : "word";
    long n = atol(argv[2]), c = atol(argv[3]), started = 0, ok = 0, done = 0;
    double rate = argc > 5 ? atof(argv[5]) : 0, t0 = now();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    /* One handle a slot, reused like sitewatch's; idle ones wait here. */
    CURL **idle = calloc((size_t)c, sizeof *idle);
    struct xfer *xs = calloc((size_t)c, sizeof *xs);
    long nidle = 0;
    for (long i = 0; i < c; i++) {
        idle[nidle++] = curl_easy_init();
        curl_easy_setopt(idle[i], CURLOPT_PRIVATE, &xs[i]);
    }
    while (done < n) {
        /* Start what is due: everything there is room for, or, paced, the
         * checks of every tick that has begun. */
        long due = rate > 0 ? (long)((double)((long)((now() - t0) / TICK) + 1) * TICK * rate) : n;
        while (started < n && started < due && nidle > 0) {
            CURL *e = idle[--nidle];
            struct xfer *x;
            curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
            start(m, e, url, x);
            started++;
        }
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
            idle[nidle++] = e;
        }
        if (done < n) {
            int wait = 1000;
            if (started < n && nidle > 0 && rate <= 0) {
                wait = 0; /* a slot came free: fill it now */
            } else if (started < n && nidle > 0) {
                double next = (double)((long)((now() - t0) / TICK) + 1) * TICK + t0;
                wait = (int)((next - now()) * 1000) + 1; /* never a busy 0 */
            }
            curl_multi_poll(m, NULL, 0, wait, NULL);
        }
    }
    printf("%ld %ld\n", ok, n);
    for (long i = 0; i < nidle; i++)
        curl_easy_cleanup(idle[i]);
    free(idle);
    free(xs);
    curl_multi_cleanup(m);
    curl_global_cleanup();
    return ok == n ? 0 : 1;
}
