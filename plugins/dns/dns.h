/* SPDX-License-Identifier: MIT
 *
 * The dns check plugin's parts: resolve.c asks one server one question on
 * c-ares, its sockets and timers on the host's event loop; answer.c reads
 * the answer with glibc's libresolv (ns_initparse/ns_parserr/dn_expand) into
 * presentation text; dns.c is the plugin: keys, server failover, rules.
 */
#ifndef SW_DNS_H
#define SW_DNS_H

#include <stddef.h>
#include <stdint.h>

#include <sitewatch/plugin.h>

/* The host table, sw_api: defined by SW_PLUGIN_INIT1 in dns.c. */
SW_PLUGIN_INIT3

/* ---- resolve.c ---- */

struct dns_query;
/* STATUS is an ARES_* code; ABUF the raw answer (also for error rcodes),
 * NULL when there was none; TOOK from sending to the answer. */
typedef void (*dns_done_cb)(void *ud, int status, const unsigned char *abuf, int alen, int64_t took);

int dns_resolve_init(void);
void dns_resolve_cleanup(void);
/* The system resolver's servers as "addr:port" strings (NULL-terminated,
 * static), read once from /etc/resolv.conf. */
const char *const *dns_system_servers(void);
/* Ask SERVER ("127.0.0.1:5353", "[::1]:53") for NAME/TYPE over UDP or TCP,
 * giving up after TIMEOUT microseconds.  CB runs once, from the loop, never
 * from inside this call.  NULL on failure to start. */
struct dns_query *dns_query_start(const char *server, const char *name, int type, int tcp, int64_t timeout,
                                  dns_done_cb cb, void *ud);
/* Stop a query; its callback will not run. */
void dns_query_cancel(struct dns_query *q);

/* ---- answer.c ---- */

struct dns_answer {
    int rcode;
    int n;         /* records of the asked type */
    char **values; /* their presentation text, n of them */
    int64_t ttl_min;
    char *cnames; /* the CNAME chain followed, "a -> b", or NULL */
    int foreign;  /* records for names off that chain, ignored */
};

/* Parse ALEN bytes of answer to a TYPE question: 0, SW_EINVAL when
 * malformed, SW_ENOMEM when out of memory (OUT empty either way).  The
 * answer is the TYPE records of the question's name, or of the end of the
 * CNAME chain from it; records for other names are only counted. */
int dns_answer_parse(const unsigned char *abuf, int alen, int type, struct dns_answer *out);
void dns_answer_free(struct dns_answer *a);
/* Record types by name and back; -1 / "?" when unknown. */
int dns_type_code(const char *name);
const char *dns_type_name(int code);
/* An rcode by name (NXDOMAIN, BADVERS), or by number ("13", "rcode 13");
 * -1 when neither. */
int dns_rcode_code(const char *name);
/* CODE in words into BUF (returned): NXDOMAIN; BADVERS (rcode 16); past
 * the ten classic ones with the number; "rcode 13" when unassigned. */
const char *dns_rcode_name(int code, char *buf, size_t n);
/* EXPECTED (as a user writes it) names the answer GOT (presentation text)
 * of a TYPE record: addresses compare as addresses, names without case or
 * final dot, MX and SRV also by their target alone. */
int dns_value_equal(int type, const char *expected, const char *got);

#endif
