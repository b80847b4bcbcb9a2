/* SPDX-License-Identifier: MIT
 *
 * A DNS answer read into presentation text.  glibc's libresolv walks the
 * message (ns_initparse, ns_parserr) and expands compressed names
 * (dn_expand); this file only formats each record type's data the way dig
 * shows it, and compares a user's expected value with an answer.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"

static const struct {
    const char *name;
    int code;
} dns_types[] = {
    {"A", ns_t_a},     {"AAAA", ns_t_aaaa}, {"CNAME", ns_t_cname}, {"MX", ns_t_mx},   {"NS", ns_t_ns},
    {"TXT", ns_t_txt}, {"SOA", ns_t_soa},   {"SRV", ns_t_srv},     {"CAA", ns_t_caa}, {"PTR", ns_t_ptr},
};

static const char *const dns_rcodes[] = {"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                                         "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE"};

int dns_type_code(const char *name)
{
    for (size_t i = 0; i < sizeof dns_types / sizeof *dns_types; i++)
        if (strcasecmp(name, dns_types[i].name) == 0)
            return dns_types[i].code;
    return -1;
}

const char *dns_type_name(int code)
{
    for (size_t i = 0; i < sizeof dns_types / sizeof *dns_types; i++)
        if (dns_types[i].code == code)
            return dns_types[i].name;
    return "?";
}

int dns_rcode_code(const char *name)
{
    for (size_t i = 0; i < sizeof dns_rcodes / sizeof *dns_rcodes; i++)
        if (strcasecmp(name, dns_rcodes[i]) == 0)
            return (int)i;
    return -1;
}

const char *dns_rcode_name(int code)
{
    return code >= 0 && (size_t)code < sizeof dns_rcodes / sizeof *dns_rcodes ? dns_rcodes[code] : "?";
}

/* A growing string, for record data of any length. */
struct dns_text {
    char *s;
    size_t len;
};

static void dns_put(struct dns_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dns_put(struct dns_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *more = NULL;
    int n = vasprintf(&more, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    char *s = realloc(t->s, t->len + (size_t)n + 1);
    if (!s)
        abort();
    memcpy(s + t->len, more, (size_t)n + 1);
    t->s = s;
    t->len += (size_t)n;
    free(more);
}

/* One character-string (length byte, then bytes) of TXT or CAA data, with
 * anything unprintable shown as \DDD as dig does; returns bytes used. */
static size_t dns_put_chars(struct dns_text *t, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (isprint(p[i]))
            dns_put(t, "%c", p[i]);
        else
            dns_put(t, "\\%03u", p[i]);
    }
    return n;
}

/* Presentation text of one record's data, or NULL when it is malformed. */
static char *dns_format(const ns_msg *msg, const ns_rr *rr)
{
    const unsigned char *rd = ns_rr_rdata(*rr), *end = rd + ns_rr_rdlen(*rr);
    const unsigned char *base = ns_msg_base(*msg), *mend = ns_msg_end(*msg);
    size_t len = ns_rr_rdlen(*rr);
    char name[NS_MAXDNAME], name2[NS_MAXDNAME], addr[INET6_ADDRSTRLEN];
    struct dns_text t = {0};
    int used;
    switch (ns_rr_type(*rr)) {
    case ns_t_a:
    case ns_t_aaaa:
        if (len != (ns_rr_type(*rr) == ns_t_a ? 4u : 16u))
            return NULL;
        inet_ntop(len == 4 ? AF_INET : AF_INET6, rd, addr, sizeof addr);
        dns_put(&t, "%s", addr);
        break;
    case ns_t_cname:
    case ns_t_ns:
    case ns_t_ptr:
        if (dn_expand(base, mend, rd, name, sizeof name) < 0)
            return NULL;
        dns_put(&t, "%s", name);
        break;
    case ns_t_mx:
        if (len < 3 || dn_expand(base, mend, rd + 2, name, sizeof name) < 0)
            return NULL;
        dns_put(&t, "%u %s", ns_get16(rd), name);
        break;
    case ns_t_srv:
        if (len < 7 || dn_expand(base, mend, rd + 6, name, sizeof name) < 0)
            return NULL;
        dns_put(&t, "%u %u %u %s", ns_get16(rd), ns_get16(rd + 2), ns_get16(rd + 4), name);
        break;
    case ns_t_txt:
        /* The strings of one record, joined: "v=spf1 ..." split at 255
         * bytes reads back whole. */
        dns_put(&t, "%s", "");
        for (const unsigned char *p = rd; p < end;) {
            size_t n = *p++;
            if (n > (size_t)(end - p)) {
                free(t.s);
                return NULL;
            }
            p += dns_put_chars(&t, p, n);
        }
        break;
    case ns_t_soa:
        if ((used = dn_expand(base, mend, rd, name, sizeof name)) < 0)
            return NULL;
        const unsigned char *p = rd + used;
        if ((used = dn_expand(base, mend, p, name2, sizeof name2)) < 0 || end - (p + used) < 20)
            return NULL;
        p += used;
        dns_put(&t, "%s %s %lu %lu %lu %lu %lu", name, name2, ns_get32(p), ns_get32(p + 4), ns_get32(p + 8),
                ns_get32(p + 12), ns_get32(p + 16));
        break;
    case ns_t_caa:
        if (len < 2 || rd[1] > len - 2)
            return NULL;
        dns_put(&t, "%u ", rd[0]);
        dns_put_chars(&t, rd + 2, rd[1]);
        dns_put(&t, " \"");
        dns_put_chars(&t, rd + 2 + rd[1], len - 2 - rd[1]);
        dns_put(&t, "\"");
        break;
    default: /* RFC 3597's form for a type without a text form here */
        dns_put(&t, "\\# %zu ", len);
        for (size_t i = 0; i < len; i++)
            dns_put(&t, "%02x", rd[i]);
    }
    return t.s;
}

int dns_answer_parse(const unsigned char *abuf, int alen, int type, struct dns_answer *out)
{
    *out = (struct dns_answer){.ttl_min = -1};
    ns_msg msg;
    if (ns_initparse(abuf, alen, &msg) < 0)
        return -1;
    out->rcode = ns_msg_getflag(msg, ns_f_rcode);
    int count = ns_msg_count(msg, ns_s_an);
    struct dns_text chain = {0};
    for (int i = 0; i < count; i++) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
            goto bad;
        int t = ns_rr_type(rr);
        if (t != type && t != ns_t_cname)
            continue;
        char *v = dns_format(&msg, &rr);
        if (!v)
            goto bad;
        if (t != type) { /* a CNAME on the way to the asked type */
            dns_put(&chain, "%s%s -> %s", chain.s ? ", " : "", ns_rr_name(rr), v);
            free(v);
            continue;
        }
        char **vs = realloc(out->values, sizeof *vs * (size_t)(out->n + 1));
        if (!vs)
            abort();
        out->values = vs;
        out->values[out->n++] = v;
        if (out->ttl_min < 0 || ns_rr_ttl(rr) < out->ttl_min)
            out->ttl_min = ns_rr_ttl(rr);
    }
    out->cnames = chain.s;
    return 0;
bad:
    free(chain.s);
    dns_answer_free(out);
    return -1;
}

void dns_answer_free(struct dns_answer *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->values[i]);
    free(a->values);
    free(a->cnames);
    *a = (struct dns_answer){0};
}

/* Names compare without case and without a final dot. */
static int dns_name_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la && a[la - 1] == '.')
        la--;
    if (lb && b[lb - 1] == '.')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

int dns_value_equal(int type, const char *expected, const char *got)
{
    if (type == ns_t_a || type == ns_t_aaaa) {
        unsigned char a[16], b[16];
        int af = type == ns_t_a ? AF_INET : AF_INET6;
        return inet_pton(af, expected, a) == 1 && inet_pton(af, got, b) == 1 &&
               memcmp(a, b, af == AF_INET ? 4 : 16) == 0;
    }
    if (type == ns_t_txt)
        return strcmp(expected, got) == 0;
    if (dns_name_equal(expected, got))
        return 1;
    /* MX "10 mail.example.org" and SRV "0 5 80 www.example.org" also match
     * their target alone. */
    if (type == ns_t_mx || type == ns_t_srv) {
        const char *target = strrchr(got, ' ');
        return target && dns_name_equal(expected, target + 1);
    }
    return 0;
}
