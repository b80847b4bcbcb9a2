/* SPDX-License-Identifier: MIT
 *
 * One delivery of the email plugin: the message made (mail.c), handed to
 * libcurl's SMTP on the plugin's multi handle, and what the server last
 * answered kept from libcurl's protocol trace, so that message_done says
 * "250 2.0.0 Ok: queued as 4F1A" or "authentication failed: 535 5.7.8
 * ..." rather than a libcurl error number.  Only the server's lines are
 * kept: what sitewatch sends (the AUTH line holds the password) is never
 * looked at beyond its verb.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email.h"
#include "lib/buf.h"
#include "lib/curlloop.h"

/* A server line kept for the answer is cut here: it goes into one log line. */
#define EM_ANSWER_MAX 300

struct em_send {
    struct em_inst *in;
    sw_message *m;
    CURL *easy;
    struct buf mail;
    size_t off;                     /* of mail, read by libcurl so far */
    char answer[EM_ANSWER_MAX + 1]; /* the server's last complete reply line */
    long code;                      /* its code */
    struct buf refused;             /* "a@x (550 ...), ..." */
    char *rcpt;                     /* the recipient of the RCPT under way */
    int quitting;                   /* QUIT sent: its 221 is no answer to the mail */
    char errbuf[CURL_ERROR_SIZE];
};

static void em_send_free(struct em_send *x)
{
    if (x->easy) {
        curlloop_remove(x->in->loop, x->easy);
        curl_easy_cleanup(x->easy);
    }
    buf_free(&x->mail);
    buf_free(&x->refused);
    free(x->rcpt);
    free(x);
}

static size_t em_read_cb(char *to, size_t size, size_t n, void *ud)
{
    struct em_send *x = ud;
    size_t room = size * n, left = x->mail.len - x->off;
    size_t take = left < room ? left : room;
    memcpy(to, x->mail.s + x->off, take);
    x->off += take;
    return take;
}

/* One reply line from the server ("250-..." continues, "250 ..." ends). */
static void em_reply_line(struct em_send *x, const char *s, size_t n)
{
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (x->quitting || n < 3 || (n > 3 && s[3] == '-'))
        return;
    if (n > EM_ANSWER_MAX)
        n = EM_ANSWER_MAX;
    for (size_t i = 0; i < n; i++) /* for a log line: printable ASCII */
        x->answer[i] = s[i] >= ' ' && s[i] < 0x7f ? s[i] : '?';
    x->answer[n] = '\0';
    x->code = strtol(x->answer, NULL, 10);
    if (x->rcpt) {
        if (x->code >= 400)
            buf_printf(&x->refused, "%s%s (%s)", x->refused.len ? ", " : "", x->rcpt, x->answer);
        free(x->rcpt);
        x->rcpt = NULL;
    }
}

/* What sitewatch sends: only RCPT's address and QUIT matter here. */
static void em_command(struct em_send *x, const char *s, size_t n)
{
    if (n >= 4 && strncmp(s, "QUIT", 4) == 0) {
        x->quitting = 1;
    } else if (n > 9 && strncasecmp(s, "RCPT TO:<", 9) == 0) {
        const char *gt = memchr(s + 9, '>', n - 9);
        free(x->rcpt);
        x->rcpt = gt ? strndup(s + 9, (size_t)(gt - s - 9)) : NULL;
    }
}

static int em_trace_cb(CURL *easy, curl_infotype type, char *data, size_t size, void *ud)
{
    (void)easy;
    struct em_send *x = ud;
    if (type == CURLINFO_HEADER_IN) {
        for (size_t i = 0; i < size;) { /* one reply line a call, but do not count on it */
            const char *nl = memchr(data + i, '\n', size - i);
            size_t len = nl ? (size_t)(nl - (data + i)) + 1 : size - i;
            em_reply_line(x, data + i, len);
            i += len;
        }
    } else if (type == CURLINFO_HEADER_OUT) {
        em_command(x, data, size);
    }
    return 0;
}

/* Why CC ended the delivery, into WHY; the SW_E* code for the core. */
static int em_explain(struct em_send *x, CURLcode cc, struct buf *why)
{
    const char *hp = x->in->hostport, *err = x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
    switch (cc) {
    case CURLE_OK:
        buf_puts(why, x->answer[0] ? x->answer : "accepted");
        if (x->refused.len)
            buf_printf(why, "; refused: %s", x->refused.s);
        return 0;
    case CURLE_USE_SSL_FAILED:
        buf_printf(why, "STARTTLS required but %s does not offer it (starttls = no would send in the clear)",
                   hp);
        return SW_EIO;
    case CURLE_LOGIN_DENIED:
        buf_printf(why, "authentication failed: %s", x->code >= 400 ? x->answer : err);
        return SW_EIO;
    case CURLE_COULDNT_RESOLVE_HOST: buf_printf(why, "DNS: %s", err); return SW_EIO;
    case CURLE_COULDNT_CONNECT: {
        long os = 0;
        curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os);
        if (os == ECONNREFUSED)
            buf_printf(why, "connection refused by %s", hp);
        else
            buf_printf(why, "cannot connect to %s: %s", hp, os ? strerror((int)os) : err);
        return SW_EIO;
    }
    case CURLE_OPERATION_TIMEDOUT: {
        char t[32];
        sw_api->format_duration(sw_api->message_timeout(x->m), t, sizeof t);
        if (x->answer[0])
            buf_printf(why, "timed out after %s talking to %s (its last answer: %s)", t, hp, x->answer);
        else
            buf_printf(why, "timed out after %s: no answer from %s", t, hp);
        return SW_ETIMEOUT;
    }
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM: buf_printf(why, "TLS with %s: %s", hp, err); return SW_EIO;
    case CURLE_OUT_OF_MEMORY: buf_printf(why, "out of memory while sending (%s)", err); return SW_ENOMEM;
    default:
        if (x->code >= 400)
            buf_printf(why, "%s refused the mail: %s", hp, x->answer);
        else
            buf_printf(why, "%s: %s", hp, err);
        if (x->refused.len && x->code < 400)
            buf_printf(why, "; refused: %s", x->refused.s);
        return SW_EIO;
    }
}

/* The one end of a delivery: message_done with ERR and WHY, X freed. */
static void em_end(struct em_send *x, int err, const char *why)
{
    sw_message *m = x->m;
    x->in->cur = NULL;
    em_send_free(x);
    sw_api->message_set_data(m, NULL);
    sw_api->message_done(m, err, "%s", why);
}

void em_transfer_done(CURL *easy, CURLcode cc, void *ud)
{
    (void)ud;
    struct em_send *x = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
    struct buf why = {0};
    int err = em_explain(x, cc, &why);
    if (why.failed && err == 0) /* delivered all the same: say so without the words */
        buf_free(&why);
    em_end(x, why.failed ? SW_ENOMEM : err, why.s ? why.s : "accepted");
    buf_free(&why);
}

/* 0, or SW_ENOMEM. */
static int em_setup(struct em_send *x)
{
    const struct em_inst *in = x->in;
    CURL *e = x->easy;
    int64_t timeout = sw_api->message_timeout(x->m);
    long ms = timeout / SW_MS > 0 ? (long)(timeout / SW_MS) : 1;
    curl_easy_setopt(e, CURLOPT_URL, in->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms);
    /* libcurl waits for the answer to QUIT blocking (smtp_disconnect): a
     * server that accepted the mail and then stalls holds the loop up to
     * this, not the 120 s default. */
    curl_easy_setopt(e, CURLOPT_SERVER_RESPONSE_TIMEOUT, (ms + 999) / 1000);
    /* One session per message: an outbox sends rarely, and a connection
     * kept open would meet a server that closed it long ago. */
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_USE_SSL, in->tls_required ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
    if (in->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, in->ca_file);
    if (in->user) {
        curl_easy_setopt(e, CURLOPT_USERNAME, in->user);
        curl_easy_setopt(e, CURLOPT_PASSWORD, in->password); /* copied by libcurl */
    }
    struct buf from = {0};
    buf_printf(&from, "<%s>", in->from.addr);
    if (from.failed || curl_easy_setopt(e, CURLOPT_MAIL_FROM, from.s) != CURLE_OK) { /* copied */
        buf_free(&from);
        return SW_ENOMEM;
    }
    buf_free(&from);
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, in->rcpt);
#if CURL_AT_LEAST_VERSION(8, 2, 0)
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT_ALLOWFAILS, 1L);
#else
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
#endif
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, em_read_cb);
    curl_easy_setopt(e, CURLOPT_READDATA, x);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->mail.len);
    /* The trace is where the server's words are: VERBOSE only feeds it. */
    curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, em_trace_cb);
    curl_easy_setopt(e, CURLOPT_DEBUGDATA, x);
    curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
    return 0;
}

int em_send(void *inst, sw_message *m)
{
    struct em_inst *in = inst;
    struct em_send *x = calloc(1, sizeof *x);
    if (!x)
        return SW_ENOMEM;
    x->in = in;
    x->m = m;
    struct mail_parts parts = {
        .from = &in->from,
        .to = in->to,
        .nto = in->nto,
        .subject = sw_api->message_subject(m),
        .text = sw_api->message_text(m),
        .id = sw_api->message_id(m),
        .now = sw_api->now_wall(),
    };
    mail_compose(&x->mail, &parts);
    if (x->mail.failed || !(x->easy = curl_easy_init())) {
        em_send_free(x);
        return SW_ENOMEM;
    }
    int rc = em_setup(x);
    if (rc == 0)
        rc = curlloop_add(in->loop, x->easy);
    if (rc) {
        em_send_free(x);
        return rc;
    }
    in->cur = x;
    sw_api->message_set_data(m, x);
    return 0;
}

void em_cancel(void *inst, sw_message *m)
{
    struct em_inst *in = inst;
    struct em_send *x = in->cur;
    if (!x || (m && x->m != m)) /* ended already */
        return;
    char t[32];
    sw_api->format_duration(sw_api->message_timeout(x->m), t, sizeof t);
    struct buf why = {0};
    buf_printf(&why, "cancelled (timeout %s) while talking to %s%s%s", t, in->hostport,
               x->answer[0] ? ", its last answer: " : "", x->answer);
    em_end(x, SW_ETIMEOUT, why.failed ? "cancelled" : why.s);
    buf_free(&why);
}
