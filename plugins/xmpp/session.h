/* SPDX-License-Identifier: MIT
 *
 * What one XMPP session of the xmpp plugin learns (session.c, on its
 * thread) and the words of its end made from it (words.c).
 */
#ifndef SW_XMPP_SESSION_H
#define SW_XMPP_SESSION_H

#include <strophe.h>

#include "xmpp.h"

/* What one session learnt, for the words of its end. */
struct xs {
    struct xm_send *x;
    xmpp_ctx_t *ctx;
    int over;       /* the connection is closed */
    int tcp_up;     /* TCP connected */
    int os_err;     /* why TCP did not connect (errno) */
    int disc_err;   /* libstrophe's error at the close (errno, or a TLS code) */
    int tls_failed; /* the TLS handshake failed */
    int connected;  /* logged in and bound */
    int confirmed;  /* the ping after the messages was answered */
    int nomem;
    int bounced;           /* recipients the server refused */
    unsigned char *gone;   /* per recipient: 1 when refused */
    struct buf refused;    /* "jid (condition: text), ..." */
    struct buf sasl;       /* the SASL mechanisms the server refused */
    char certfail[200];    /* OpenSSL's words for the certificate */
    char lasterr[200];     /* libstrophe's last error line */
    int stream_error;      /* an xmpp_error_type_t + 1, or 0 */
    char stream_text[200]; /* its text */
    char bound[300];       /* the full JID the server bound */
};

/* xmpp_connect_client refused to start with RC: why, into WHY (or
 * S->nomem set). */
void xs_no_start(struct xs *s, int rc, struct buf *why);
/* How the session ended, into WHY: 0 delivered, or an SW_E* code. */
int xs_outcome(struct xs *s, struct buf *why);

#endif
