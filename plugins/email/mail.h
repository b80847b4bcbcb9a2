/* SPDX-License-Identifier: MIT
 *
 * The email plugin's words on the wire: addresses as a user writes them
 * ("ops@example.org" or "Ops team <ops@example.org>") and the RFC 5322
 * message made of the core's subject and text.
 */
#ifndef SW_EMAIL_MAIL_H
#define SW_EMAIL_MAIL_H

#include <stdint.h>

#include "lib/buf.h"

struct mail_addr {
    char *name; /* the display name, NULL when none */
    char *addr; /* local@domain, for the envelope */
};

/* S as "local@domain" or "Name <local@domain>" into *OUT (the caller frees
 * with mail_addr_free): 0, SW_EINVAL when it is not an address (no CR, LF,
 * spaces or angle brackets in the address, one @ with text on both sides),
 * or SW_ENOMEM. */
int mail_addr_parse(const char *s, struct mail_addr *out);
void mail_addr_free(struct mail_addr *a);
/* The domain of A's address (after its @). */
const char *mail_addr_domain(const struct mail_addr *a);

struct mail_parts {
    const struct mail_addr *from;
    const struct mail_addr *to;
    int nto;
    const char *subject; /* UTF-8, one line */
    const char *text;    /* UTF-8, lines ended by "\n" */
    const char *id;      /* letters, digits, '.' and '-' */
    int64_t now;         /* wall clock, microseconds since the epoch */
};

/* The whole message into OUT, lines ended by CRLF: Date, Message-ID
 * <ID@the from address's domain>, From, To (every recipient), Subject
 * (RFC 2047 words when it is not plain ASCII), MIME-Version, a
 * text/plain UTF-8 body in quoted-printable (no line over 76), and
 * Auto-Submitted (RFC 3834: no vacation replies).  OUT->failed on out of
 * memory. */
void mail_compose(struct buf *out, const struct mail_parts *p);

#endif
