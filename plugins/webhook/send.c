/* SPDX-License-Identifier: MIT
 *
 * Delivering a message: its requests one after the other, async on the
 * host loop through the plugin's curlloop, all of them within the
 * message's timeout.  A 2xx answer to every request is delivered; the
 * first other answer, or a transfer error, ends the delivery with the
 * status and the start of the body, and the core tries the whole message
 * again later (the receivers drop what they had: dedup keys, aliases, the
 * Matrix txnId).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/curlloop.h"
#include "lib/httppost.h"
#include "webhook.h"

struct wh_send {
    struct wh *w;
    sw_message *m;
    CURL *easy;
    struct wh_reqs reqs;
    int next;             /* the request in flight */
    int64_t deadline;     /* monotonic */
    struct httppost post; /* the request in flight's */
};

static void send_free(struct wh_send *s)
{
    if (s->easy)
        curl_easy_cleanup(s->easy);
    wh_reqs_free(&s->reqs);
    httppost_clear(&s->post);
    free(s);
}

/* End S's delivery with ERR and what the other end said (SAID, taken):
 * the message is done, S freed. */
static void send_end(struct wh_send *s, int err, struct buf *said)
{
    sw_message *m = s->m;
    s->w->cur = NULL;
    sw_api->message_set_data(m, NULL);
    send_free(s);
    sw_api->message_done(m, err, "%s", said->failed || !said->s ? "out of memory" : said->s);
    buf_free(said);
}

/* Start request S->next, within what is left of the timeout: 0, or an
 * SW_E* code (nothing started). */
static int send_start(struct wh_send *s)
{
    const struct wh *w = s->w;
    const struct wh_req *q = &s->reqs.v[s->next];
    int64_t left = s->deadline - sw_api->now_mono();
    if (left < SW_MS)
        return SW_ETIMEOUT;
    struct httppost *p = &s->post;
    p->url = q->url;
    p->method = q->method;
    p->body = q->body;
    p->headers = w->headers;
    p->ca_file = w->ca_file;
    p->timeout = left;
    p->priv = s;
    httppost_setup(s->easy, p);
    return curlloop_add(w->loop, s->easy);
}

/* "request 2 of 3: " before what a message of several requests says. */
static void send_which(const struct wh_send *s, struct buf *b)
{
    if (s->reqs.n > 1)
        buf_printf(b, "request %d of %d: ", s->next + 1, s->reqs.n);
}

void wh_request_done(CURL *easy, CURLcode result, void *ud)
{
    (void)ud;
    struct wh_send *s = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&s);
    curlloop_remove(s->w->loop, easy);
    struct buf said = {0};
    send_which(s, &said);
    if (result != CURLE_OK) {
        char t[32];
        if (result == CURLE_OPERATION_TIMEDOUT)
            buf_printf(&said, "timed out after %s (",
                       sw_api->format_duration(sw_api->message_timeout(s->m), t, sizeof t));
        httppost_said(&s->post, result, 0, &said);
        if (result == CURLE_OPERATION_TIMEDOUT)
            buf_puts(&said, ")");
        send_end(s, result == CURLE_OPERATION_TIMEDOUT ? SW_ETIMEOUT : SW_EIO, &said);
        return;
    }
    long code = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300 && s->next + 1 < s->reqs.n) {
        buf_free(&said);
        s->next++;
        int rc = send_start(s);
        if (rc == 0)
            return;
        send_which(s, &said);
        buf_printf(&said, "%s", rc == SW_ETIMEOUT ? "no time left" : sw_api->strerror(rc));
        send_end(s, rc, &said);
        return;
    }
    int ok = code >= 200 && code < 300;
    if (ok) /* the last answer of every request: the count, not which */
        buf_reset(&said);
    httppost_said(&s->post, result, code, &said);
    if (ok && s->reqs.n > 1)
        buf_printf(&said, " (%d requests)", s->reqs.n);
    send_end(s, ok ? 0 : SW_EIO, &said);
}

int wh_send(void *inst, sw_message *m)
{
    struct wh *w = inst;
    struct wh_send *s = calloc(1, sizeof *s);
    if (!s)
        return SW_ENOMEM;
    s->w = w;
    s->m = m;
    s->deadline = sw_api->now_mono() + sw_api->message_timeout(m);
    int rc = wh_build(w, m, &s->reqs);
    if (rc == 0 && !(s->easy = curl_easy_init()))
        rc = SW_ENOMEM;
    if (rc == 0 && s->reqs.n == 0)
        rc = SW_EINVAL; /* a message without events: the core's bug, said */
    if (rc == 0)
        rc = send_start(s);
    if (rc) {
        send_free(s);
        return rc;
    }
    w->cur = m;
    sw_api->message_set_data(m, s);
    return 0;
}

void wh_cancel(void *inst, sw_message *m)
{
    (void)inst;
    struct wh_send *s = sw_api->message_data(m);
    if (!s) /* it ended already */
        return;
    curlloop_remove(s->w->loop, s->easy);
    struct buf said = {0};
    char t[32];
    send_which(s, &said);
    buf_printf(&said, "cancelled: no answer within %s",
               sw_api->format_duration(sw_api->message_timeout(m), t, sizeof t));
    send_end(s, SW_ETIMEOUT, &said);
}
