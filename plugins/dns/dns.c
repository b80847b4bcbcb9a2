/* SPDX-License-Identifier: MIT
 *
 * dns: ask for a name's records of one type and judge the answer: the
 * rcode, the records expected (any, all, or exactly), regexes on their
 * text, and the time the answer took.  Servers are asked in order, the next
 * one only when one does not answer (as resolv.conf's are), each given an
 * equal share of the timeout; the reason names the server.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ares.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/config.h"
#include "lib/err.h"
#include "lib/match.h"
#include "lib/url.h"
#include "lib/verdict.h"
#include "dns.h"

SW_PLUGIN_INIT1

/* The words of type: dns_type_code() knows the same. */
static const char *const dns_type_words[] = {"A",   "AAAA", "CNAME", "MX",  "NS", "TXT",
                                             "SOA", "SRV",  "CAA",   "PTR", NULL};
static const char *const dns_match_words[] = {"any", "all", "exactly", NULL};
static const char *const dns_protocol_words[] = {"udp", "tcp", NULL};

/* The core reads and checks the typed keys; the plugin checks the name, the
 * servers, the expected answers against the type, and the rcode. */
/* A STRING key's default the plugin reads itself: one text, in one place. */
#define DNS_RCODE_DEFAULT "NOERROR"

static const struct sw_key dns_keys[] = {
    {.name = "url",
     .type = SW_KEY_STRING,
     .help = "the site's url: its host is the name to ask for unless name is set"},
    {.name = "name",
     .type = SW_KEY_STRING,
     .help = "the name to ask for (default: the host of url); for PTR an IP address may be given (it is "
             "reversed)"},
    {.name = "type", .type = SW_KEY_WORD, .def = "A", .words = dns_type_words, .help = "the record type"},
    {.name = "server",
     .type = SW_KEY_LIST,
     .flags = SW_KEY_REPEATS,
     .help = "addr, addr:port or [v6]:port (default: /etc/resolv.conf's): tried in order, the next only when "
             "one does not answer, each with an equal share of the timeout"},
    {.name = "expect",
     .type = SW_KEY_LIST,
     .flags = SW_KEY_REPEATS,
     .help = "answers that must be there (addresses compare as addresses, names without case or final dot)"},
    {.name = "match",
     .type = SW_KEY_WORD,
     .def = "any",
     .words = dns_match_words,
     .help = "any: one of expect is there; all: all are, others allowed; exactly: nothing else either"},
    {.name = "expect_regex",
     .type = SW_KEY_REGEX,
     .flags = SW_KEY_REPEATS,
     .help = "a regular expression one answer's text must match"},
    {.name = "expect_rcode",
     .type = SW_KEY_STRING,
     .def = DNS_RCODE_DEFAULT,
     .help = "NXDOMAIN for \"this name must not exist\"; any rcode by name (YXDOMAIN, BADVERS) or number "
             "(rcode 13)"},
    {.name = "protocol",
     .type = SW_KEY_WORD,
     .def = "udp",
     .words = dns_protocol_words,
     .help = "ask over UDP or TCP"},
    {.name = "warn_after", .type = SW_KEY_DURATION, .def = "1s", .help = "WARN when the answer takes longer"},
    {.name = NULL},
};

static const struct sw_metric_decl dns_metrics[] = {
    {.name = "time.dns_query",
     .unit = "s",
     .help = "from sending the question to the answer (the server that answered)"},
    {.name = "dns.rcode",
     .unit = "1",
     .help = "the answer's rcode: 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED"},
    {.name = "dns.answers", .unit = "1", .help = "records of the asked type in the answer"},
    {.name = "dns.ttl_min", .unit = "s", .help = "the smallest TTL among them"},
    {.name = NULL},
};

enum { DNS_ANY, DNS_ALL, DNS_EXACTLY };

struct dns_site {
    char *name;
    int type;
    char **servers; /* NULL: the system's */
    int nservers;
    char **expect;
    int nexpect;
    int match;
    struct match_set *regexes;
    int rcode;
    int tcp;
    int64_t warn_after;
};

struct dns_run {
    struct dns_run *next;
    struct dns_site *site;
    sw_run *run;
    struct dns_query *q;
    const char *const *servers;
    int nservers, attempt;
    int64_t share; /* of the timeout, per server */
};

static struct dns_run *dns_runs; /* in flight, to find one on cancel */

/* ---- configuration ---- */

/* Letters, digits, '-' and '_' (for _service._proto names), labels of 1 to
 * 63 bytes, 253 in all; a final dot is allowed. */
static int dns_valid_name(const char *s)
{
    size_t len = strlen(s), label = 0;
    if (len && s[len - 1] == '.')
        len--;
    if (!len || len > 253)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            if (!label)
                return 0;
            label = 0;
        } else if (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_') {
            if (++label > 63)
                return 0;
        } else {
            return 0;
        }
    }
    return label > 0;
}

/* For PTR, an address given as the name becomes its reverse name in OUT
 * (80 bytes); -1 when S is no address.  The caller copies it, so a want of
 * memory is never taken for a bad value. */
static int dns_reverse(const char *s, char out[80])
{
    unsigned char a[16];
    size_t n = 0;
    if (inet_pton(AF_INET, s, a) == 1) {
        snprintf(out, 80, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
        return 0;
    }
    if (inet_pton(AF_INET6, s, a) != 1)
        return -1;
    for (int i = 15; i >= 0; i--)
        n += (size_t)snprintf(out + n, 80 - n, "%x.%x.", a[i] & 15, a[i] >> 4);
    snprintf(out + n, 80 - n, "ip6.arpa");
    return 0;
}

/* "127.0.0.1", "127.0.0.1:5353", "::1", "[::1]:5353" -> the form c-ares
 * takes and reasons show, in OUT (80 bytes); -1 when it is none of these. */
static int dns_server_text(const char *s, char out[80])
{
    char host[64];
    unsigned char a[16];
    long port = 53;
    const char *colon = strrchr(s, ':');
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || (size_t)(close - s - 1) >= sizeof host)
            return -1;
        snprintf(host, sizeof host, "%.*s", (int)(close - s - 1), s + 1);
        if (close[1] && (close[1] != ':' || !close[2]))
            return -1;
        colon = close[1] ? close + 1 : NULL;
    } else if (colon && strchr(s, ':') == colon) { /* one colon: IPv4 and a port */
        snprintf(host, sizeof host, "%.*s", (int)(colon - s), s);
    } else { /* no colon, or an IPv6 address without a port */
        snprintf(host, sizeof host, "%s", s);
        colon = NULL;
    }
    if (colon) {
        char *end;
        port = strtol(colon + 1, &end, 10);
        if (*end || end == colon + 1 || port < 1 || port > 65535)
            return -1;
    }
    int v6 = inet_pton(AF_INET6, host, a) == 1;
    if (!v6 && inet_pton(AF_INET, host, a) != 1)
        return -1;
    snprintf(out, 80, v6 ? "[%s]:%ld" : "%s:%ld", host, port);
    return 0;
}

static void dns_release(void *p)
{
    struct dns_site *ds = p;
    if (!ds)
        return;
    free(ds->name);
    config_items_free(ds->servers, ds->nservers);
    config_items_free(ds->expect, ds->nexpect);
    match_set_free(ds->regexes);
    free(ds);
}

static int dns_prepare_name(const sw_config *cfg, struct dns_site *ds)
{
    const char *name = sw_api->config_get(cfg, "name");
    char scheme[16], host[256];
    int rc = name ? 0 : url_split(sw_api->config_get(cfg, "url"), scheme, sizeof scheme, host, sizeof host);
    if (rc == SW_ENOMEM)
        return rc;
    if (!name && rc == 0)
        name = host; /* the host of the site's url */
    rc = 0;
    char rev[80];
    if (ds->type == ns_t_ptr && name && dns_reverse(name, rev) == 0)
        name = rev;
    if (name && (name == rev || dns_valid_name(name)))
        ERR_KEEP_FIRST(rc, (ds->name = strdup(name)) ? 0 : SW_ENOMEM);
    else if (sw_api->config_get(cfg, "name"))
        ERR_KEEP_FIRST(rc,
                       sw_api->config_error(
                           cfg, "name",
                           "a DNS name: labels of letters, digits, '-' or '_', 1-63 bytes each, 253 in all"));
    else
        ERR_KEEP_FIRST(rc, sw_api->config_error(cfg, "url", "a URL whose host is a DNS name, or set name"));
    return rc;
}

static int dns_prepare_lists(const sw_config *cfg, struct dns_site *ds)
{
    int rc = 0, *at = NULL;
    char **items;
    int n = config_items(sw_api, cfg, "server", &items, &at);
    if (n < 0)
        return n; /* SW_ENOMEM, nothing kept */
    for (int i = 0; i < n; i++) {
        char buf[80], *text = NULL;
        if (dns_server_text(items[i], buf) == 0 && !(text = strdup(buf)))
            ERR_KEEP_FIRST(rc, SW_ENOMEM);
        else if (!text)
            ERR_KEEP_FIRST(
                rc, config_error_at(sw_api, cfg, "server", at[i],
                                    "IP addresses with an optional port, e.g. 127.0.0.1:5353, [::1]:53"));
        free(items[i]);
        items[i] = text;
    }
    ds->servers = n ? items : (free(items), NULL);
    ds->nservers = n;
    free(at);

    int ne = config_items(sw_api, cfg, "expect", &ds->expect, &at);
    if (ne < 0)
        return ne;
    ds->nexpect = ne;
    for (int i = 0; i < ds->nexpect; i++) {
        unsigned char a[16];
        int af = ds->type == ns_t_a ? AF_INET : ds->type == ns_t_aaaa ? AF_INET6 : 0;
        if (af && inet_pton(af, ds->expect[i], a) != 1)
            ERR_KEEP_FIRST(rc, config_error_at(sw_api, cfg, "expect", at[i],
                                               af == AF_INET ? "IPv4 addresses, comma-separated"
                                                             : "IPv6 addresses, comma-separated"));
    }
    free(at);

    int nre = sw_api->config_count(cfg, "expect_regex");
    if (nre && !(ds->regexes = match_set_new(0)))
        return SW_ENOMEM;
    for (int i = 0; i < nre; i++) {
        /* One that does not compile (or is empty) was refused by the core
         * (a REGEX key, compiled with the same options): the configuration
         * is refused already, and a message here would only repeat it. */
        char err[256];
        const char *re = sw_api->config_get_nth(cfg, "expect_regex", i);
        if (*re && match_add_regex(ds->regexes, re, err, sizeof err) == SW_ENOMEM)
            ERR_KEEP_FIRST(rc, SW_ENOMEM);
    }
    return rc;
}

static int dns_prepare(void *state, const sw_config *cfg, void **out)
{
    (void)state;
    struct dns_site *ds = calloc(1, sizeof *ds);
    if (!ds)
        return SW_ENOMEM;
    int rc = 0;
    /* The core read and checked the typed keys: a bad value is reported
     * already and reads as the default here. */
    ds->type = dns_type_code(dns_type_words[sw_api->config_value(cfg, "type", -1)]);
    ERR_KEEP_FIRST(rc, dns_prepare_name(cfg, ds));
    ERR_KEEP_FIRST(rc, dns_prepare_lists(cfg, ds));
    ds->match = (int)sw_api->config_value(cfg, "match", -1);
    /* Only of a match the core took (a refused one reads as the default's
     * word, not as what was written): one message per bad value. */
    const char *m = sw_api->config_get(cfg, "match");
    if (m && strcasecmp(m, dns_match_words[ds->match]) == 0 && !ds->nexpect)
        ERR_KEEP_FIRST(
            rc, sw_api->config_error(cfg, "match",
                                     "expect to be set too (match says how its answers are compared)"));
    const char *rcode = sw_api->config_get(cfg, "expect_rcode");
    ds->rcode = dns_rcode_code(rcode ? rcode : DNS_RCODE_DEFAULT);
    if (ds->rcode < 0)
        ERR_KEEP_FIRST(
            rc, sw_api->config_error(cfg, "expect_rcode", "NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ..."));
    ds->tcp = sw_api->config_value(cfg, "protocol", -1) == 1;
    ds->warn_after = sw_api->config_value(cfg, "warn_after", -1);
    if (rc) {
        dns_release(ds);
        return rc; /* the first error: SW_ECONFIG, or SW_ENOMEM */
    }
    *out = ds;
    return 0;
}

/* ---- judging ---- */

/* "a, b, c" of N strings, at most LIMIT of them then "and K more". */
/* "a, b, c and 2 more": sized first, then copied (a memstream cost more
 * than the rest of a check's judging). */
static char *dns_join(char *const *v, int n, int limit)
{
    int shown = n < limit ? n : limit;
    char more[32] = "";
    if (n > limit)
        snprintf(more, sizeof more, " and %d more", n - limit);
    size_t len = strlen(more) + 1;
    for (int i = 0; i < shown; i++)
        len += strlen(v[i]) + (i ? 2 : 0);
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL; /* shown through dns_str */
    for (int i = 0; i < shown; i++) {
        if (i) {
            memcpy(p, ", ", 2);
            p += 2;
        }
        size_t k = strlen(v[i]);
        memcpy(p, v[i], k);
        p += k;
    }
    strcpy(p, more);
    return s;
}

/* A joined list for a reason, or what to say when it found no memory. */
static const char *dns_str(const char *joined)
{
    return joined ? joined : "(not listed: out of memory)";
}

static int dns_has(const struct dns_site *ds, char *const *vals, int n, const char *want)
{
    for (int i = 0; i < n; i++)
        if (dns_value_equal(ds->type, want, vals[i]))
            return 1;
    return 0;
}

/* The expected answers, by the site's match mode. */
static void dns_judge_expect(const struct dns_site *ds, const struct dns_answer *a, struct verdict *v)
{
    const char *type = dns_type_name(ds->type);
    int present = 0, extra = 0;
    for (int i = 0; i < ds->nexpect; i++)
        present += dns_has(ds, a->values, a->n, ds->expect[i]);
    for (int i = 0; i < a->n; i++)
        extra += !dns_has(ds, ds->expect, ds->nexpect, a->values[i]);
    char *got = dns_join(a->values, a->n, 8), *want = dns_join(ds->expect, ds->nexpect, 8);
    if (ds->match == DNS_ANY && !present) {
        verdict_fail(v, SW_FAIL, "%s %s: got %s, expected %s%s", type, ds->name, dns_str(got),
                     ds->nexpect > 1 ? "one of " : "", dns_str(want));
    } else if (ds->match == DNS_ALL && present < ds->nexpect) {
        char **missing = calloc((size_t)ds->nexpect, sizeof *missing);
        int nm = 0;
        for (int i = 0; missing && i < ds->nexpect; i++)
            if (!dns_has(ds, a->values, a->n, ds->expect[i]))
                missing[nm++] = ds->expect[i];
        char *lacks = missing ? dns_join(missing, nm, 8) : NULL;
        verdict_fail(v, SW_FAIL, "%s %s: got %s, lacks %s", type, ds->name, dns_str(got), dns_str(lacks));
        free(lacks);
        free(missing);
    } else if (ds->match == DNS_EXACTLY && (present < ds->nexpect || extra)) {
        verdict_fail(v, SW_FAIL, "%s %s: got %s, expected exactly %s", type, ds->name, dns_str(got),
                     dns_str(want));
    }
    free(got);
    free(want);
}

static void dns_judge_regexes(const struct dns_site *ds, const struct dns_answer *a, struct verdict *v)
{
    for (int r = 0; r < match_count(ds->regexes); r++) {
        int seen = 0, unjudged = 0;
        char *err = NULL; /* why the matcher gave up on an answer */
        for (int i = 0; i < a->n && seen != 1; i++) {
            struct match_scan *sc = match_scan_new(ds->regexes);
            if (!sc) {
                seen = -1;
            } else {
                match_scan_feed(sc, a->values[i], strlen(a->values[i]));
                match_scan_finish(sc);
                seen = match_scan_seen(sc, r);
            }
            if (seen < 0 && !unjudged) {
                unjudged = 1;
                err = sc ? strdup(match_scan_error(sc, r)) : NULL;
            }
            match_scan_free(sc);
        }
        if (seen != 1 && unjudged) { /* the matcher's limit: the answer may be fine */
            verdict_fail(v, SW_UNKNOWN, "%s %s: regex /%s/ not judged: %s", dns_type_name(ds->type), ds->name,
                         match_text_at(ds->regexes, r), err ? err : "out of memory while matching");
        } else if (seen != 1) {
            char *got = dns_join(a->values, a->n, 4);
            verdict_fail(v, SW_FAIL, "%s %s: no answer matches /%s/ (got %s)", dns_type_name(ds->type),
                         ds->name, match_text_at(ds->regexes, r), dns_str(got));
            free(got);
        }
        free(err);
    }
}

/* The rcode and the answers, once a server answered. */
static void dns_judge_answer(struct dns_run *dr, const unsigned char *abuf, int alen, int64_t took,
                             struct verdict *v, char *ok, size_t oklen)
{
    const struct dns_site *ds = dr->site;
    const char *server = dr->servers[dr->attempt], *type = dns_type_name(ds->type);
    sw_result *r = sw_api->run_result(dr->run);
    struct dns_answer a;
    char t[32];
    sw_api->format_duration(took, t, sizeof t);
    int prc = dns_answer_parse(abuf, alen, ds->type, &a);
    if (prc == SW_ENOMEM) { /* the monitor's trouble, not the server's */
        verdict_fail(v, SW_UNKNOWN, "out of memory while reading the answer from %s", server);
        return;
    }
    if (prc < 0) {
        verdict_fail(v, SW_FAIL, "malformed answer from %s", server);
        return;
    }
    sw_api->result_metric(r, "dns.rcode", a.rcode);
    sw_api->result_metric(r, "dns.answers", a.n);
    if (a.ttl_min >= 0)
        sw_api->result_metric(r, "dns.ttl_min", (double)a.ttl_min);
    char *all = dns_join(a.values, a.n, a.n);
    if (a.n && all)
        sw_api->result_info(r, "dns.answers", all);
    if (a.cnames)
        sw_api->result_info(r, "dns.cname", a.cnames);
    char rcb[48], wantb[48];
    const char *rc = dns_rcode_name(a.rcode, rcb, sizeof rcb),
               *want = dns_rcode_name(ds->rcode, wantb, sizeof wantb);
    if (a.rcode != ds->rcode) {
        if (a.rcode == ns_r_nxdomain && ds->rcode == ns_r_noerror)
            verdict_fail(v, SW_FAIL, "NXDOMAIN for %s", ds->name);
        else if (a.rcode == ns_r_noerror)
            verdict_fail(v, SW_FAIL, "%s exists (%s %s), expected %s", ds->name, type,
                         a.n ? dns_str(all) : "no records", want);
        else if (ds->rcode == ns_r_noerror)
            verdict_fail(v, SW_FAIL, "%s from %s", rc, server);
        else
            verdict_fail(v, SW_FAIL, "%s from %s, expected %s", rc, server, want);
    } else if (a.rcode == ns_r_noerror) {
        if (!a.n && a.foreign)
            verdict_fail(v, SW_FAIL, "no %s record for %s (%d for other names ignored)", type, ds->name,
                         a.foreign);
        else if (!a.n)
            verdict_fail(v, SW_FAIL, "no %s record for %s", type, ds->name);
        else if (ds->nexpect)
            dns_judge_expect(ds, &a, v);
        if (a.n)
            dns_judge_regexes(ds, &a, v);
    }
    char *shown = dns_join(a.values, a.n, 4);
    if (a.rcode == ns_r_noerror)
        snprintf(ok, oklen, "%s %s: %s in %s", type, ds->name, dns_str(shown), t);
    else
        snprintf(ok, oklen, "%s for %s, as expected, in %s", rc, ds->name, t);
    free(shown);
    free(all);
    dns_answer_free(&a);
}

static void dns_judge(struct dns_run *dr, int status, const unsigned char *abuf, int alen, int64_t took)
{
    sw_result *r = sw_api->run_result(dr->run);
    const char *server = dr->servers[dr->attempt];
    struct verdict v = {0};
    char ok[512] = "", share[32], t[32];
    sw_api->format_duration(dr->share, share, sizeof share);
    if (!abuf) {
        /* Every server tried failed the same way: name them all. */
        char *tried = dns_join((char *const *)dr->servers, dr->attempt + 1, dr->attempt + 1);
        if (status == ARES_ETIMEOUT)
            verdict_fail(&v, SW_FAIL, "no answer from %s in %s", dns_str(tried), share);
        else if (status == ARES_ECONNREFUSED)
            verdict_fail(&v, SW_FAIL, "no answer from %s (connection refused)", dns_str(tried));
        else
            verdict_fail(&v, SW_FAIL, "query to %s failed: %s", dns_str(tried), ares_strerror(status));
        free(tried);
    } else {
        sw_api->result_info(r, "dns.server", server);
        sw_api->result_metric(r, "time.dns_query", (double)took / SW_S);
        dns_judge_answer(dr, abuf, alen, took, &v, ok, sizeof ok);
        if (took > dr->site->warn_after) {
            sw_api->format_duration(took, t, sizeof t);
            sw_api->format_duration(dr->site->warn_after, share, sizeof share);
            verdict_fail(&v, SW_WARN, "answer took %s (warn after %s)", t, share);
        }
    }
    verdict_set(&v, sw_api, r, ok);
    verdict_free(&v);
}

/* ---- runs ---- */

static void dns_finish(struct dns_run *dr)
{
    for (struct dns_run **pp = &dns_runs; *pp; pp = &(*pp)->next)
        if (*pp == dr) {
            *pp = dr->next;
            break;
        }
    sw_run *run = dr->run;
    free(dr);
    sw_api->run_complete(run);
}

static void dns_ask(struct dns_run *dr);

static void dns_on_answer(void *ud, int status, const unsigned char *abuf, int alen, int64_t took)
{
    struct dns_run *dr = ud;
    dr->q = NULL;
    /* No answer at all: the next server, as a resolver would. */
    if (!abuf && (status == ARES_ETIMEOUT || status == ARES_ECONNREFUSED) && dr->attempt + 1 < dr->nservers) {
        dr->attempt++;
        dns_ask(dr);
        return;
    }
    dns_judge(dr, status, abuf, alen, took);
    dns_finish(dr);
}

static void dns_ask(struct dns_run *dr)
{
    const struct dns_site *ds = dr->site;
    dr->q =
        dns_query_start(dr->servers[dr->attempt], ds->name, ds->type, ds->tcp, dr->share, dns_on_answer, dr);
    if (!dr->q) {
        sw_api->result_set(sw_api->run_result(dr->run), SW_UNKNOWN, "cannot start a DNS query to %s",
                           dr->servers[dr->attempt]);
        dns_finish(dr);
    }
}

static int dns_run(void *site, sw_run *run)
{
    struct dns_site *ds = site;
    struct dns_run *dr = calloc(1, sizeof *dr);
    if (!dr)
        return SW_ENOMEM;
    dr->site = ds;
    dr->run = run;
    if (ds->servers) {
        dr->servers = (const char *const *)ds->servers;
        dr->nservers = ds->nservers;
    } else {
        dr->servers = dns_system_servers();
        while (dr->servers[dr->nservers])
            dr->nservers++;
    }
    dr->share = sw_api->run_timeout(run) / dr->nservers;
    dr->next = dns_runs;
    dns_runs = dr;
    dns_ask(dr);
    return 0;
}

static void dns_cancel(void *site, sw_run *run)
{
    (void)site;
    for (struct dns_run *dr = dns_runs; dr; dr = dr->next) {
        if (dr->run != run)
            continue;
        if (dr->q)
            dns_query_cancel(dr->q);
        sw_api->result_set(sw_api->run_result(run), SW_UNKNOWN, "cancelled");
        dns_finish(dr);
        return;
    }
}

static int dns_init(void **state)
{
    *state = NULL;
    return dns_resolve_init();
}

static void dns_shutdown(void *state)
{
    (void)state;
    while (dns_runs)
        dns_cancel(NULL, dns_runs->run);
    dns_resolve_cleanup();
}

static const struct sw_plugin dns_plugin = {
    .abi_version = SW_ABI_VERSION,
    .size = sizeof(struct sw_plugin),
    .name = "dns",
    .kind = SW_KIND_CHECK,
    .description = "DNS query on c-ares: rcode, expected answers, regexes, time",
    .key_decls = dns_keys,
    .key_size = sizeof(struct sw_key),
    .metric_decls = dns_metrics,
    .metric_size = sizeof(struct sw_metric_decl),
    .flags = SW_CHECK_ASYNC,
    .init = dns_init,
    .shutdown = dns_shutdown,
    .check_prepare = dns_prepare,
    .check_release = dns_release,
    .check_run = dns_run,
    .check_cancel = dns_cancel,
};

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *host)
{
    SW_PLUGIN_INIT2(host);
    if (!SW_API_HAS(sw_api, config_value))
        return NULL; /* a core older than ABI 1.3 would not read the keys declared here */
    return &dns_plugin;
}
