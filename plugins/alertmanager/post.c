/* SPDX-License-Identifier: MIT
 *
 * One post: the same body to every Alertmanager of the cluster at once,
 * async on the host loop through the plugin's curlloop.  Alertmanagers of
 * one cluster share what they are given by gossip, so a message is
 * delivered when at least one of them answered 2xx; the others' failures
 * are said beside it.  A message none took is tried again by the core; a
 * re-post none took is logged, and the next repeat carries it again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alertmanager.h"
#include "lib/buf.h"
#include "lib/curlloop.h"
#include "lib/httppost.h"

/* What of an answer is kept: Alertmanager answers 200 with nothing, a
 * refusal with one line of JSON. */
#define POST_KEEP 1024

struct am_transfer {
    struct am_post *p;
    int i; /* the url's */
    CURL *easy;
    int over;
    long code; /* 0: no answer */
    CURLcode result;
    struct httppost req;
};

struct am_post {
    struct am *a;
    sw_message *m; /* NULL: a re-post */
    char *body;
    int left, alerts;
    struct am_transfer t[]; /* one per url */
};

static int post_took(const struct am_transfer *t)
{
    return t->over && t->result == CURLE_OK && t->code >= 200 && t->code < 300;
}

/* What T's Alertmanager said, on one line: "HTTP 400: "invalid label
 * set..."", a transfer error, or WHY when it did not end. */
static void post_said(const struct am_transfer *t, const char *why, struct buf *b)
{
    if (t->over)
        httppost_said(&t->req, t->result, t->code, b);
    else
        buf_puts(b, why);
}

/* The words for P's outcome: one Alertmanager's answer as it is; of
 * several, how many took it and what each other said, by its url. */
static int post_words(const struct am_post *p, const char *why, struct buf *b)
{
    const struct am *a = p->a;
    int took = 0, first = -1;
    for (int i = 0; i < a->nurls; i++)
        if (post_took(&p->t[i]) && (took++, first < 0))
            first = i;
    if (a->nurls == 1) {
        post_said(&p->t[0], why, b);
        return took;
    }
    if (took)
        buf_printf(b, "taken by %d of %d Alertmanagers", took, a->nurls);
    else
        buf_printf(b, "none of %d Alertmanagers took it", a->nurls);
    int listed = 0;
    for (int i = 0; i < a->nurls; i++) {
        if (post_took(&p->t[i]))
            continue;
        buf_printf(b, "%s%s: ", listed++ ? "; " : " (", a->shown[i]);
        post_said(&p->t[i], why, b);
    }
    if (listed)
        buf_puts(b, ")");
    if (took && !listed) {
        buf_puts(b, ": ");
        post_said(&p->t[first], why, b);
    }
    return took;
}

static void post_free(struct am_post *p)
{
    for (int i = 0; i < p->a->nurls; i++) {
        if (p->t[i].easy) {
            curlloop_remove(p->a->loop, p->t[i].easy);
            curl_easy_cleanup(p->t[i].easy);
        }
        httppost_clear(&p->t[i].req);
    }
    free(p->body);
    free(p);
}

/* P is over (every transfer ended, or WHY stopped the rest): its message
 * done or its re-post logged (not when WHY is NULL: a re-post dropped at
 * shutdown), P freed. */
static void post_end(struct am_post *p, const char *why, int timed_out)
{
    struct am *a = p->a;
    struct buf said = {0};
    int quiet = !why && !p->m;
    int took = post_words(p, why ? why : "cancelled", &said), alerts = p->alerts;
    sw_message *m = p->m;
    const char *words = said.failed || !said.s ? "out of memory" : said.s;
    a->post = NULL;
    post_free(p);
    if (m) {
        sw_api->message_set_data(m, NULL);
        sw_api->message_done(m, took ? 0 : timed_out ? SW_ETIMEOUT : SW_EIO, "%s", words);
    } else if (quiet) {
        /* said nothing */
    } else if (took < a->nurls) {
        char t[32];
        sw_api->log(SW_LOG_WARN, "alertmanager: [notify %s] re-post of %d firing alert(s): %s%s%s", a->name,
                    alerts, words, took ? "" : "; again in ",
                    took ? "" : sw_api->format_duration(a->repeat, t, sizeof t));
    } else {
        sw_api->log(SW_LOG_DEBUG, "alertmanager: [notify %s] re-posted %d firing alert(s): %s", a->name,
                    alerts, words);
    }
    buf_free(&said);
}

void am_transfer_done(CURL *easy, CURLcode result, void *ud)
{
    (void)ud;
    struct am_transfer *t = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
    struct am_post *p = t->p;
    curlloop_remove(p->a->loop, easy);
    t->over = 1;
    t->result = result;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &t->code);
    if (--p->left > 0)
        return;
    struct am *a = p->a;
    int timed_out = 0;
    for (int i = 0; i < a->nurls; i++)
        timed_out |= p->t[i].result == CURLE_OPERATION_TIMEDOUT;
    post_end(p, "", timed_out);
    am_post_next(a);
}

/* Set up T's transfer of P's body to url I within LEFT microseconds. */
static int post_transfer(struct am_post *p, int i, int64_t left)
{
    const struct am *a = p->a;
    struct am_transfer *t = &p->t[i];
    t->p = p;
    t->i = i;
    CURL *e = t->easy = curl_easy_init();
    if (!e)
        return SW_ENOMEM;
    struct httppost *r = &t->req;
    r->url = a->urls[i];
    r->body = p->body;
    r->headers = a->headers;
    r->ca_file = a->ca_file;
    r->timeout = left;
    r->keep = POST_KEEP;
    r->priv = t;
    httppost_setup(e, r);
    return 0;
}

int am_post_start(struct am *a, sw_message *m, char *body, int64_t deadline)
{
    int64_t left = deadline - sw_api->now_mono();
    if (left < SW_MS) {
        free(body);
        return SW_ETIMEOUT;
    }
    struct am_post *p = calloc(1, sizeof *p + (size_t)a->nurls * sizeof p->t[0]);
    if (!p) {
        free(body);
        return SW_ENOMEM;
    }
    p->a = a;
    p->m = m;
    p->body = body;
    p->alerts = m ? 0 : (int)json_object_size(a->firing);
    int rc = 0;
    for (int i = 0; i < a->nurls && rc == 0; i++)
        rc = post_transfer(p, i, left);
    /* Every transfer is set up before the first starts: none can end
     * while the others are still missing. */
    for (int i = 0; i < a->nurls && rc == 0; i++)
        if ((rc = curlloop_add(a->loop, p->t[i].easy)) == 0)
            p->left++;
    if (rc && p->left) { /* some started: let them go, the others said as failed */
        for (int i = p->left; i < a->nurls; i++)
            p->t[i].over = 1, p->t[i].result = CURLE_FAILED_INIT;
    } else if (rc) {
        post_free(p);
        return rc;
    }
    a->post = p;
    if (m)
        sw_api->message_set_data(m, p);
    return 0;
}

void am_post_cancel(struct am *a, const char *why)
{
    struct am_post *p = a->post;
    if (!p)
        return;
    post_end(p, why, 1); /* its transfers are taken out as it is freed */
}
