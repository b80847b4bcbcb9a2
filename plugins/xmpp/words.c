/* SPDX-License-Identifier: MIT
 *
 * The words of an XMPP session's end (session.h): what the server did
 * with the messages once logged in, or how far the session got and what
 * stopped it there, from what libstrophe told the session.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "session.h"

/* The stream error conditions, in the order of xmpp_error_type_t. */
static const char *const xs_conditions[] = {
    "bad-format",
    "bad-namespace-prefix",
    "conflict",
    "connection-timeout",
    "host-gone",
    "host-unknown",
    "improper-addressing",
    "internal-server-error",
    "invalid-from",
    "invalid-id",
    "invalid-namespace",
    "invalid-xml",
    "not-authorized",
    "policy-violation",
    "remote-connection-failed",
    "resource-constraint",
    "restricted-xml",
    "see-other-host",
    "system-shutdown",
    "undefined-condition",
    "unsupported-encoding",
    "unsupported-stanza-type",
    "unsupported-version",
    "not-well-formed",
};

/* xmpp_connect_client refused to start: no address for the host (the
 * error code does not say, so ask the resolver again). */
void xs_no_start(struct xs *s, int rc, struct buf *why)
{
    const struct xm_inst *in = s->x->in;
    if (rc == XMPP_EMEM) {
        s->nomem = 1;
        return;
    }
    const char *host = in->server ? in->server : in->domain;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int g = getaddrinfo(host, NULL, &hints, &res);
    if (res)
        freeaddrinfo(res);
    if (g)
        buf_printf(why, "cannot resolve %s: %s", host, gai_strerror(g));
    else
        buf_printf(why, "cannot open a connection to %s (libstrophe error %d)", host, rc);
}

/* When logged in: what the server did with the messages. */
static int xs_after_login(struct xs *s, const char *ep, struct buf *why)
{
    const struct xm_inst *in = s->x->in;
    if (!s->confirmed) {
        buf_printf(why, "%s ended the session before it confirmed the messages", ep);
        if (s->stream_error)
            buf_printf(why, " (%s%s%s)", xs_conditions[s->stream_error - 1], s->stream_text[0] ? ": " : "",
                       s->stream_text);
        return SW_EIO;
    }
    if (s->bounced >= in->nto) {
        buf_printf(why, "every recipient refused: %s", s->refused.s);
        return SW_EIO;
    }
    buf_printf(why, "%s confirmed it for ", in->domain);
    for (int i = 0, shown = 0; i < in->nto; i++)
        if (!s->gone[i])
            buf_printf(why, "%s%s", shown++ ? ", " : "", in->to[i]);
    buf_printf(why, " (sent as %s)", s->bound[0] ? s->bound : in->jid);
    if (s->refused.len)
        buf_printf(why, "; refused: %s", s->refused.s);
    return 0;
}

int xs_outcome(struct xs *s, struct buf *why)
{
    const struct xm_inst *in = s->x->in;
    char ep[300];
    xm_endpoint(s->x, ep, sizeof ep);
    if (s->connected)
        return xs_after_login(s, ep, why);
    if (s->certfail[0]) {
        buf_printf(why,
                   "TLS with %s: the certificate was refused: %s (it must name %s and chain to a CA of the "
                   "system or of ca_file)",
                   ep, s->certfail, in->domain);
    } else if (s->sasl.len || strstr(s->lasterr, "Cannot authenticate")) {
        buf_printf(why, "authentication failed: %s refused the password of %s", ep, in->jid);
        if (s->sasl.len)
            buf_printf(why, " (SASL %s)", s->sasl.s);
    } else if (strstr(s->lasterr, "TLS is not supported")) {
        buf_printf(why, "%s does not offer STARTTLS, and nothing is sent without TLS", ep);
    } else if (s->tls_failed) {
        buf_printf(why, "TLS with %s failed%s%s", ep, s->lasterr[0] ? ": " : "", s->lasterr);
    } else if (s->stream_error) {
        buf_printf(why, "%s closed the stream: %s%s%s", ep, xs_conditions[s->stream_error - 1],
                   s->stream_text[0] ? ": " : "", s->stream_text);
    } else if (!s->tcp_up && (s->os_err == ECONNREFUSED)) {
        buf_printf(why, "connection refused by %s", ep);
    } else if (!s->tcp_up && s->disc_err == ETIMEDOUT) {
        buf_printf(why, "no answer from %s: connecting timed out", ep);
    } else if (!s->tcp_up) {
        buf_printf(why, "cannot connect to %s%s%s", ep, s->os_err ? ": " : "",
                   s->os_err ? strerror(s->os_err) : "");
    } else {
        buf_printf(why, "%s closed the connection while %s it%s%s", ep,
                   xm_stage_words(atomic_load(&s->x->stage)), s->lasterr[0] ? ": " : "", s->lasterr);
    }
    return SW_EIO;
}
