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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Not "lib/buf.h": tests/test_common.c is built with this file too, without
 * the plugins' include folder. */
#include "../lib/buf.h"
#include "dns.h"

static const struct {
    const char *name;
    int code;
} dns_types[] = {
    {"A", ns_t_a},     {"AAAA", ns_t_aaaa}, {"CNAME", ns_t_cname}, {"MX", ns_t_mx},   {"NS", ns_t_ns},
    {"TXT", ns_t_txt}, {"SOA", ns_t_soa},   {"SRV", ns_t_srv},     {"CAA", ns_t_caa}, {"PTR", ns_t_ptr},
};

/* IANA's DNS RCODEs; 16 and up only with EDNS (the OPT record's upper
 * bits), 12-15 unassigned. */
static const char *const dns_rcodes[] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",  "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
    "NXRRSET", "NOTAUTH", "NOTZONE",  "DSOTYPENI", NULL,      NULL,      NULL,       NULL,
    "BADVERS", "BADKEY",  "BADTIME",  "BADMODE",   "BADNAME", "BADALG",  "BADTRUNC", "BADCOOKIE",
};
#define DNS_NRCODES (int)(sizeof dns_rcodes / sizeof *dns_rcodes)

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
    for (int i = 0; i < DNS_NRCODES; i++)
        if (dns_rcodes[i] && strcasecmp(name, dns_rcodes[i]) == 0)
            return i;
    /* Any of the 4096 by number: "13" or "rcode 13". */
    if (strncasecmp(name, "rcode", 5) == 0)
        name += 5 + strspn(name + 5, " ");
    char *end;
    long v = *name >= '0' && *name <= '9' ? strtol(name, &end, 10) : -1;
    return v >= 0 && v <= 4095 && !*end ? (int)v : -1;
}

const char *dns_rcode_name(int code, char *buf, size_t n)
{
    const char *name = code >= 0 && code < DNS_NRCODES ? dns_rcodes[code] : NULL;
    if (name && code <= ns_r_notzone)
        snprintf(buf, n, "%s", name); /* the classic ten, known by name */
    else if (name)
        snprintf(buf, n, "%s (rcode %d)", name, code);
    else
        snprintf(buf, n, "rcode %d", code);
    return buf;
}

/* One character-string (length byte, then bytes) of TXT or CAA data, with
 * anything unprintable shown as \DDD as dig does; returns bytes used. */
static size_t dns_put_chars(struct buf *t, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (isprint(p[i]))
            buf_put(t, (const char *)&p[i], 1);
        else
            buf_printf(t, "\\%03u", p[i]);
    }
    return n;
}

/* Presentation text of one record's data, or NULL when it is malformed or
 * (*NOMEM set) there was no memory for it. */
static char *dns_format(const ns_msg *msg, const ns_rr *rr, int *nomem)
{
    const unsigned char *rd = ns_rr_rdata(*rr), *end = rd + ns_rr_rdlen(*rr);
    const unsigned char *base = ns_msg_base(*msg), *mend = ns_msg_end(*msg);
    size_t len = ns_rr_rdlen(*rr);
    char name[NS_MAXDNAME], name2[NS_MAXDNAME], addr[INET6_ADDRSTRLEN];
    struct buf t = {0};
    int used;
    switch (ns_rr_type(*rr)) {
    case ns_t_a:
    case ns_t_aaaa:
        if (len != (ns_rr_type(*rr) == ns_t_a ? 4u : 16u))
            return NULL;
        inet_ntop(len == 4 ? AF_INET : AF_INET6, rd, addr, sizeof addr);
        buf_puts(&t, addr);
        break;
    case ns_t_cname:
    case ns_t_ns:
    case ns_t_ptr:
        if (dn_expand(base, mend, rd, name, sizeof name) < 0)
            return NULL;
        buf_puts(&t, name);
        break;
    case ns_t_mx:
        if (len < 3 || dn_expand(base, mend, rd + 2, name, sizeof name) < 0)
            return NULL;
        buf_printf(&t, "%u %s", ns_get16(rd), name);
        break;
    case ns_t_srv:
        if (len < 7 || dn_expand(base, mend, rd + 6, name, sizeof name) < 0)
            return NULL;
        buf_printf(&t, "%u %u %u %s", ns_get16(rd), ns_get16(rd + 2), ns_get16(rd + 4), name);
        break;
    case ns_t_txt:
        /* The strings of one record, joined: "v=spf1 ..." split at 255
         * bytes reads back whole. */
        buf_puts(&t, "");
        for (const unsigned char *p = rd; p < end;) {
            size_t n = *p++;
            if (n > (size_t)(end - p)) {
                buf_free(&t);
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
        buf_printf(&t, "%s %s %lu %lu %lu %lu %lu", name, name2, ns_get32(p), ns_get32(p + 4),
                   ns_get32(p + 8), ns_get32(p + 12), ns_get32(p + 16));
        break;
    case ns_t_caa:
        if (len < 2 || rd[1] > len - 2)
            return NULL;
        buf_printf(&t, "%u ", rd[0]);
        dns_put_chars(&t, rd + 2, rd[1]);
        buf_puts(&t, " \"");
        dns_put_chars(&t, rd + 2 + rd[1], len - 2 - rd[1]);
        buf_puts(&t, "\"");
        break;
    default: /* RFC 3597's form for a type without a text form here */
        buf_printf(&t, "\\# %zu ", len);
        for (size_t i = 0; i < len; i++)
            buf_printf(&t, "%02x", rd[i]);
    }
    if (t.failed) {
        buf_free(&t);
        *nomem = 1;
        return NULL;
    }
    return t.s;
}

static int dns_name_equal(const char *a, const char *b);

/* A chain longer than this is no answer (BIND and Unbound stop near it
 * too); it also bounds the work a hostile answer can cause. */
#define DNS_MAX_CNAMES 16

/* One record of the answer section that may matter: of the asked type or
 * a CNAME, its data as text. */
struct dns_rec {
    char *owner, *value;
    int type, used;
    int64_t ttl;
};

static void dns_recs_free(struct dns_rec *recs, int n)
{
    for (int i = 0; i < n; i++) {
        free(recs[i].owner);
        free(recs[i].value);
    }
    free(recs);
}

/* The full rcode: the header's 4 bits, and with EDNS the OPT record's 8
 * upper bits (RFC 6891), which make BADVERS (16) and up. */
static int dns_full_rcode(ns_msg *msg)
{
    int rcode = ns_msg_getflag(*msg, ns_f_rcode);
    for (int i = 0; i < ns_msg_count(*msg, ns_s_ar); i++) {
        ns_rr rr;
        if (ns_parserr(msg, ns_s_ar, i, &rr) == 0 && ns_rr_type(rr) == ns_t_opt)
            return rcode | (int)((ns_rr_ttl(rr) >> 24) & 0xff) << 4;
    }
    return rcode;
}

int dns_answer_parse(const unsigned char *abuf, int alen, int type, struct dns_answer *out)
{
    *out = (struct dns_answer){.ttl_min = -1};
    ns_msg msg;
    if (ns_initparse(abuf, alen, &msg) < 0)
        return SW_EINVAL;
    out->rcode = dns_full_rcode(&msg);
    /* The name asked: the answer's question (c-ares took the answer only
     * with the question it sent). */
    char cur[NS_MAXDNAME] = "";
    ns_rr q;
    int asked = ns_msg_count(msg, ns_s_qd) > 0 && ns_parserr(&msg, ns_s_qd, 0, &q) == 0;
    if (asked)
        snprintf(cur, sizeof cur, "%s", ns_rr_name(q));
    int count = ns_msg_count(msg, ns_s_an), nrec = 0;
    struct dns_rec *recs = calloc((size_t)count + 1, sizeof *recs);
    struct buf chain = {0};
    int ret = SW_EINVAL, nomem = 0;
    if (!recs)
        return SW_ENOMEM;
    for (int i = 0; i < count; i++) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
            goto bad;
        int t = ns_rr_type(rr);
        if (t != type && t != ns_t_cname)
            continue;
        struct dns_rec *r = &recs[nrec];
        if (!(r->value = dns_format(&msg, &rr, &nomem))) {
            ret = nomem ? SW_ENOMEM : SW_EINVAL;
            goto bad;
        }
        if (!(r->owner = strdup(ns_rr_name(rr)))) {
            ret = SW_ENOMEM;
            goto bad;
        }
        r->type = t;
        r->ttl = ns_rr_ttl(rr);
        nrec++;
    }
    /* From the name asked along its CNAMEs, in whatever order they came,
     * each used once (a loop ends), at most DNS_MAX_CNAMES of them; records
     * for any other name are not the answer, whoever put them there. */
    for (int hop = 0; asked && type != ns_t_cname && hop < DNS_MAX_CNAMES; hop++) {
        struct dns_rec *c = NULL;
        for (int i = 0; i < nrec && !c; i++)
            if (recs[i].type == ns_t_cname && !recs[i].used && dns_name_equal(recs[i].owner, cur))
                c = &recs[i];
        if (!c)
            break;
        c->used = 1;
        buf_printf(&chain, "%s%s -> %s", chain.len ? ", " : "", c->owner, c->value);
        snprintf(cur, sizeof cur, "%s", c->value);
    }
    for (int i = 0; i < nrec; i++) {
        struct dns_rec *r = &recs[i];
        if (r->used)
            continue;
        if (r->type != type || !asked || !dns_name_equal(r->owner, cur)) {
            out->foreign++;
            continue;
        }
        char **vs = realloc(out->values, sizeof *vs * (size_t)(out->n + 1));
        if (!vs) {
            ret = SW_ENOMEM;
            goto bad;
        }
        out->values = vs;
        out->values[out->n++] = r->value;
        r->value = NULL;
        if (out->ttl_min < 0 || r->ttl < out->ttl_min)
            out->ttl_min = r->ttl;
    }
    dns_recs_free(recs, nrec);
    if (chain.failed) {
        buf_free(&chain);
        dns_answer_free(out);
        return SW_ENOMEM;
    }
    out->cnames = chain.s;
    return 0;
bad:
    dns_recs_free(recs, nrec + 1); /* the one being read too */
    buf_free(&chain);
    dns_answer_free(out);
    return ret;
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
