/* SPDX-License-Identifier: MIT
 * The dns check against a real dnsmasq started here on 127.0.0.1 and a free
 * port, its records made with its own options: every type answered,
 * expected answers present and absent, any / all / exactly, a regex on TXT,
 * NXDOMAIN expected and not, REFUSED, a server that never answers, a
 * stopped server, failover to the next server, TCP, and bad keys refused at
 * load with file:line. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support.h"

static struct t_dnsmasq dns;
static char *conf, *db;
static struct t_out run;
static int silent_fd, silent_port, closed_port;

static const char *const records[] = {
    "--local=/example.test/", /* NXDOMAIN for the rest of example.test */
    "--local-ttl=300",
    "--host-record=www.example.test,192.0.2.10,2001:db8::10",
    "--host-record=multi.example.test,192.0.2.1",
    "--host-record=multi.example.test,192.0.2.2",
    "--cname=alias.example.test,www.example.test",
    "--mx-host=example.test,mail.example.test,10",
    "--txt-record=example.test,v=spf1 ip4:192.0.2.0/24 -all",
    "--srv-host=_http._tcp.example.test,www.example.test,80,0,5",
    /* CAA 0 issue "letsencrypt.org", as generic RR data */
    "--dns-rr=example.test,257,000569737375656C657473656E63727970742E6F7267",
    NULL,
};

/* A UDP socket that takes queries and never answers. */
static void open_silent_server(void)
{
    silent_fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (bind(silent_fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(silent_fd, (struct sockaddr *)&a, &len))
        exit(99);
    silent_port = ntohs(a.sin_port);
}

/* ---- a server that answers what dnsmasq will not ---- */

static pid_t fake_pid;
static int fake_port;

/* Append NAME ("a.b.test") as uncompressed labels. */
static size_t put_name(unsigned char *p, const char *name)
{
    size_t n = 0;
    while (*name) {
        size_t len = strcspn(name, ".");
        p[n++] = (unsigned char)len;
        memcpy(p + n, name, len);
        n += len;
        name += len + (name[len] == '.');
    }
    p[n++] = 0;
    return n;
}

/* One record: OWNER, TYPE (1 A, 5 CNAME), the data as an address or name. */
static size_t put_rr(unsigned char *p, const char *owner, int type, const char *data)
{
    size_t n = put_name(p, owner);
    unsigned char rd[300];
    size_t rdlen = type == 1 ? (inet_pton(AF_INET, data, rd), 4) : put_name(rd, data);
    unsigned char fixed[10] = {0, (unsigned char)type, 0, 1, 0, 0, 1, 44, 0, (unsigned char)rdlen};
    memcpy(p + n, fixed, 10);
    memcpy(p + n + 10, rd, rdlen);
    return n + 10 + rdlen;
}

/* The answer to the question Q (QLEN bytes from the header on), chosen by
 * its first label: records for another name, a CNAME chain out of order
 * with a stray record, a CNAME loop, rcodes past NOTZONE, and an EDNS
 * extended rcode (BADVERS: the header says NOERROR, the OPT record 1). */
static size_t fake_answer(const unsigned char *q, size_t qlen, unsigned char *out)
{
    size_t qend = 12;
    while (qend < qlen && q[qend])
        qend += q[qend] + 1u;
    qend += 5; /* the root label, type and class */
    if (qend > qlen)
        return 0;
    char first[64] = "";
    memcpy(first, q + 13, q[12] < 63 ? q[12] : 63);
    memcpy(out, q, qend);
    out[2] = 0x81 | (q[2] & 0x01); /* QR, RD as asked */
    out[3] = 0x80;                 /* RA, NOERROR */
    memset(out + 6, 0, 6);
    size_t n = qend;
    int an = 0, ar = 0;
    if (strcmp(first, "foreign") == 0) {
        n += put_rr(out + n, "other.fake.test", 1, "203.0.113.66"), an++;
    } else if (strcmp(first, "chain") == 0) {
        n += put_rr(out + n, "stray.fake.test", 1, "203.0.113.66"), an++;
        n += put_rr(out + n, "end.fake.test", 1, "192.0.2.77"), an++;
        n += put_rr(out + n, "mid.fake.test", 5, "end.fake.test"), an++;
        n += put_rr(out + n, "chain.fake.test", 5, "mid.fake.test"), an++;
    } else if (strcmp(first, "loop") == 0) {
        n += put_rr(out + n, "loop.fake.test", 5, "loop2.fake.test"), an++;
        n += put_rr(out + n, "loop2.fake.test", 5, "loop.fake.test"), an++;
    } else if (strncmp(first, "rc", 2) == 0) {
        out[3] |= (unsigned char)atoi(first + 2);
    } else if (strcmp(first, "badvers") == 0) {
        /* OPT: root owner, type 41, class = UDP size, TTL = ext rcode 1. */
        static const unsigned char opt[] = {0, 0, 41, 4, 208, 1, 0, 0, 0, 0, 0};
        memcpy(out + n, opt, sizeof opt);
        n += sizeof opt, ar++;
    }
    out[7] = (unsigned char)an;
    out[11] = (unsigned char)ar;
    return n;
}

static void fake_server_start(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(fd, (struct sockaddr *)&a, &len))
        exit(99);
    fake_port = ntohs(a.sin_port);
    fake_pid = fork();
    if (fake_pid == 0) {
        alarm(120); /* never outlives a test that died */
        for (;;) {
            unsigned char q[512], out[1500];
            struct sockaddr_in from;
            socklen_t flen = sizeof from;
            ssize_t got = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&from, &flen);
            size_t n = got > 12 ? fake_answer(q, (size_t)got, out) : 0;
            if (n)
                sendto(fd, out, n, 0, (struct sockaddr *)&from, flen);
        }
    }
    close(fd);
}

static void write_config(void)
{
    conf = t_conf_dir(NULL, &db);
    free(t_write(
        conf, "sites.ini",
        "[check dns]\nserver = 127.0.0.1:%1$d\ntimeout = 2s\n"
        "[site a]\nurl = https://www.example.test/\nchecks = dns\n"
        "[site from_url]\nurl = https://probe@www.example.test:8443/health?x=1\nchecks = dns\n"
        "[site aaaa]\nurl = https://www.example.test/\nchecks = dns\ndns.type = AAAA\n"
        "dns.expect = 2001:db8:0::10\n"
        "[site cname]\nurl = https://alias.example.test/\nchecks = dns\ndns.type = CNAME\n"
        "dns.expect = www.example.test.\n"
        "[site via_cname]\nurl = https://alias.example.test/\nchecks = dns\n"
        "[site mx]\nurl = https://x/\nchecks = dns\ndns.name = example.test\ndns.type = MX\n"
        "dns.expect = mail.example.test\n"
        "[site txt]\nurl = https://example.test/\nchecks = dns\ndns.type = TXT\n"
        "dns.expect_regex = ^v=spf1\n"
        "[site txt_regex_miss]\nurl = https://example.test/\nchecks = dns\ndns.type = TXT\n"
        "dns.expect_regex = ^google-site-verification=\n"
        "[site srv]\nurl = https://x/\nchecks = dns\ndns.name = _http._tcp.example.test\ndns.type = SRV\n"
        "[site caa]\nurl = https://example.test/\nchecks = dns\ndns.type = CAA\n"
        "[site ptr]\nurl = https://x/\nchecks = dns\ndns.name = 192.0.2.10\ndns.type = PTR\n"
        "dns.expect = www.example.test\n"
        "[site any_ok]\nurl = https://multi.example.test/\nchecks = dns\n"
        "dns.expect = 192.0.2.2, 192.0.2.99\n"
        "[site any_bad]\nurl = https://www.example.test/\nchecks = dns\n"
        "dns.expect = 151.101.0.223, 151.101.64.223\n"
        "[site all_ok]\nurl = https://multi.example.test/\nchecks = dns\ndns.expect = 192.0.2.1\n"
        "dns.match = all\n"
        "[site all_bad]\nurl = https://multi.example.test/\nchecks = dns\n"
        "dns.expect = 192.0.2.1, 192.0.2.3\ndns.match = all\n"
        "[site exactly_ok]\nurl = https://multi.example.test/\nchecks = dns\n"
        "dns.expect = 192.0.2.2, 192.0.2.1\ndns.match = exactly\n"
        "[site exactly_bad]\nurl = https://multi.example.test/\nchecks = dns\n"
        "dns.expect = 192.0.2.1\ndns.match = exactly\n"
        "[site nxdomain]\nurl = https://nope.example.test/\nchecks = dns\n"
        "[site nxdomain_wanted]\nurl = https://nope.example.test/\nchecks = dns\n"
        "dns.expect_rcode = NXDOMAIN\n"
        "[site exists_unwanted]\nurl = https://www.example.test/\nchecks = dns\n"
        "dns.expect_rcode = NXDOMAIN\n"
        "[site nodata]\nurl = https://www.example.test/\nchecks = dns\ndns.type = MX\n"
        "[site refused]\nurl = https://www.elsewhere.test/\nchecks = dns\n"
        "[site silent]\nurl = https://www.example.test/\nchecks = dns\ndns.server = 127.0.0.1:%2$d\n"
        "dns.timeout = 1s\n"
        "[site stopped]\nurl = https://www.example.test/\nchecks = dns\ndns.server = 127.0.0.1:%3$d\n"
        "[site failover]\nurl = https://www.example.test/\nchecks = dns\n"
        "dns.server = 127.0.0.1:%3$d, 127.0.0.1:%1$d\n"
        "[site tcp]\nurl = https://www.example.test/\nchecks = dns\ndns.protocol = tcp\n",
        dns.port, silent_port, closed_port));
    /* The fake server's sites, each told to ask it. */
    static const char *const fake[][3] = {
        {"foreign", "foreign", ""},
        {"chain", "chain", ""},
        {"loop", "loop", ""},
        {"yxdomain", "rc6", ""},
        {"dsotypeni", "rc11", ""},
        {"unassigned", "rc13", ""},
        {"unassigned_wanted", "rc13", "dns.expect_rcode = rcode 13\n"},
        {"badvers", "badvers", ""},
    };
    char *path = t_write(conf, "fake.ini", "%s", "");
    FILE *f = fopen(path, "w");
    for (size_t i = 0; i < sizeof fake / sizeof *fake; i++)
        fprintf(f, "[site %s]\nurl = https://%s.fake.test/\nchecks = dns\ndns.server = 127.0.0.1:%d\n%s",
                fake[i][0], fake[i][1], fake_port, fake[i][2]);
    fclose(f);
    free(path);
}

static void expect(const char *site, const char *text)
{
    char *l = t_site_line(&run, site);
    T_HAS(l, text);
    free(l);
}

START_TEST(every_type_answered)
{
    expect("a", "\"verdict\":\"OK\",\"reason\":\"A www.example.test: 192.0.2.10 in ");
    /* The default name is the URL's host, without user, port or path. */
    expect("from_url", "\"verdict\":\"OK\",\"reason\":\"A www.example.test: 192.0.2.10 in ");
    expect("aaaa", "\"verdict\":\"OK\",\"reason\":\"AAAA www.example.test: 2001:db8::10 in ");
    expect("cname", "\"verdict\":\"OK\",\"reason\":\"CNAME alias.example.test: www.example.test in ");
    expect("via_cname", "\"verdict\":\"OK\",\"reason\":\"A alias.example.test: 192.0.2.10 in ");
    expect("via_cname", "\"dns.cname\":\"alias.example.test -> www.example.test\"");
    expect("mx", "\"verdict\":\"OK\",\"reason\":\"MX example.test: 10 mail.example.test in ");
    expect("txt", "\"verdict\":\"OK\",\"reason\":\"TXT example.test: v=spf1 ip4:192.0.2.0/24 -all in ");
    expect("srv", "\"verdict\":\"OK\",\"reason\":\"SRV _http._tcp.example.test: 0 5 80 www.example.test in ");
    expect("caa", "\"verdict\":\"OK\",\"reason\":\"CAA example.test: 0 issue \\\"letsencrypt.org\\\" in ");
    expect("ptr", "\"verdict\":\"OK\",\"reason\":\"PTR 10.2.0.192.in-addr.arpa: www.example.test in ");
}
END_TEST

START_TEST(metrics_and_stored_answers)
{
    char *l = t_site_line(&run, "any_ok");
    T_HAS(l, "\"dns.answers\":2");
    T_HAS(l, "\"dns.ttl_min\":300");
    T_HAS(l, "\"dns.rcode\":0");
    T_HAS(l, "\"time.dns_query\":");
    T_HAS(l, "\"dns.answers\":\"192.0.2.1, 192.0.2.2\"");
    char want[64];
    snprintf(want, sizeof want, "\"dns.server\":\"127.0.0.1:%d\"", dns.port);
    T_HAS(l, want);
    free(l);
    char *stored =
        t_sql(db, "SELECT json_extract(info, '$.\"dns.answers\"') FROM results_v WHERE site = 'any_ok'");
    ck_assert_str_eq(stored, "192.0.2.1, 192.0.2.2");
    free(stored);
    l = t_site_line(&run, "nxdomain");
    T_HAS(l, "\"dns.rcode\":3");
    T_HAS(l, "\"dns.answers\":0");
    free(l);
}
END_TEST

START_TEST(expected_answers_any_all_exactly)
{
    expect("any_ok", "\"verdict\":\"OK\"");
    expect("any_bad", "\"verdict\":\"FAIL\",\"reason\":\"A www.example.test: got 192.0.2.10, expected one of "
                      "151.101.0.223, 151.101.64.223\"");
    expect("all_ok", "\"verdict\":\"OK\"");
    expect("all_bad", "\"verdict\":\"FAIL\",\"reason\":\"A multi.example.test: got 192.0.2.1, 192.0.2.2, "
                      "lacks 192.0.2.3\"");
    expect("exactly_ok", "\"verdict\":\"OK\"");
    expect("exactly_bad", "\"verdict\":\"FAIL\",\"reason\":\"A multi.example.test: got 192.0.2.1, 192.0.2.2, "
                          "expected exactly 192.0.2.1\"");
    expect("aaaa", "\"verdict\":\"OK\"");  /* 2001:db8:0::10 is 2001:db8::10 */
    expect("cname", "\"verdict\":\"OK\""); /* a final dot is the same name */
}
END_TEST

START_TEST(regex_on_txt)
{
    expect("txt", "\"verdict\":\"OK\"");
    expect("txt_regex_miss", "\"verdict\":\"FAIL\",\"reason\":\"TXT example.test: no answer matches "
                             "/^google-site-verification=/ (got v=spf1 ip4:192.0.2.0/24 -all)\"");
}
END_TEST

START_TEST(rcodes)
{
    expect("nxdomain", "\"verdict\":\"FAIL\",\"reason\":\"NXDOMAIN for nope.example.test\"");
    expect("nxdomain_wanted",
           "\"verdict\":\"OK\",\"reason\":\"NXDOMAIN for nope.example.test, as expected, in ");
    expect("exists_unwanted",
           "\"verdict\":\"FAIL\",\"reason\":\"www.example.test exists (A 192.0.2.10), expected "
           "NXDOMAIN\"");
    expect("nodata", "\"verdict\":\"FAIL\",\"reason\":\"no MX record for www.example.test\"");
    char want[128];
    snprintf(want, sizeof want, "\"verdict\":\"FAIL\",\"reason\":\"REFUSED from 127.0.0.1:%d\"", dns.port);
    expect("refused", want);
}
END_TEST

/* Only records of the name asked, or of the end of its CNAME chain, are
 * the answer: one for another name is ignored (and counted), a chain is
 * followed whatever the order of its records, a loop ends. */
START_TEST(records_for_other_names_are_not_the_answer)
{
    expect(
        "foreign",
        "\"verdict\":\"FAIL\",\"reason\":\"no A record for foreign.fake.test (1 for other names ignored)\"");
    expect("chain", "\"verdict\":\"OK\",\"reason\":\"A chain.fake.test: 192.0.2.77 in ");
    expect("chain", "\"dns.cname\":\"chain.fake.test -> mid.fake.test, mid.fake.test -> end.fake.test\"");
    expect("chain", "\"dns.answers\":1,");
    expect("loop", "\"verdict\":\"FAIL\",\"reason\":\"no A record for loop.fake.test\"");
}
END_TEST

/* Every rcode by name (the EDNS ones too) or number, never "?". */
START_TEST(rcodes_past_notzone)
{
    char want[160];
    static const char *const rows[][2] = {
        {"yxdomain", "YXDOMAIN"},
        {"dsotypeni", "DSOTYPENI (rcode 11)"},
        {"unassigned", "rcode 13"},
        {"badvers", "BADVERS (rcode 16)"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        snprintf(want, sizeof want, "\"verdict\":\"FAIL\",\"reason\":\"%s from 127.0.0.1:%d\"", rows[i][1],
                 fake_port);
        expect(rows[i][0], want);
    }
    expect("badvers", "\"dns.rcode\":16");
    expect("unassigned_wanted",
           "\"verdict\":\"OK\",\"reason\":\"rcode 13 for rc13.fake.test, as expected, in ");
}
END_TEST

START_TEST(servers_that_do_not_answer)
{
    char want[160];
    snprintf(want, sizeof want, "\"verdict\":\"FAIL\",\"reason\":\"no answer from 127.0.0.1:%d in 1 s\"",
             silent_port);
    expect("silent", want);
    char *l = t_site_line(&run, "silent");
    char *d = strstr(l, "\"duration_ms\":");
    ck_assert_msg(d && strtod(d + 14, NULL) >= 990 && strtod(d + 14, NULL) < 1900, "%s", l);
    free(l);
    snprintf(want, sizeof want,
             "\"verdict\":\"FAIL\",\"reason\":\"no answer from 127.0.0.1:%d (connection refused)\"",
             closed_port);
    expect("stopped", want);
    /* The first server is down: the second answers, and says so. */
    expect("failover", "\"verdict\":\"OK\",\"reason\":\"A www.example.test: 192.0.2.10 in ");
    snprintf(want, sizeof want, "\"dns.server\":\"127.0.0.1:%d\"", dns.port);
    expect("failover", want);
}
END_TEST

START_TEST(over_tcp)
{
    expect("tcp", "\"verdict\":\"OK\",\"reason\":\"A www.example.test: 192.0.2.10 in ");
    /* dnsmasq answers TCP in a child process and reports, on SIGUSR1, how
     * many it had at once: only the tcp site asked over TCP. */
    kill(dns.pid, SIGUSR1);
    char path[512], *log = NULL;
    snprintf(path, sizeof path, "%s/dnsmasq.log", dns.dir);
    for (int i = 0; i < 100 && !(log && strstr(log, "TCP requests")); i++) {
        free(log);
        t_msleep(20);
        log = t_read(path);
    }
    ck_assert_msg(log &&
                      strstr(log, "child processes for TCP requests: in use 0, highest since last SIGUSR1 1"),
                  "%s", log);
    free(log);
}
END_TEST

START_TEST(bad_keys_refused_at_load)
{
    const char *want[] = {
        "a.ini:4: in [site x], dns.name = \"www..python.org\": expected a DNS name",
        "a.ini:5: in [site x], dns.type = \"AXFR\": expected one of A, AAAA, CNAME, MX, NS, TXT, SOA, SRV, "
        "CAA "
        "or PTR",
        "a.ini:6: in [site x], dns.server = \"127.0.0.1:99999\": expected IP addresses with an optional port",
        "a.ini:7: in [site x], dns.server = \"::1, 10.0.0.1:53, nameserver\": expected IP addresses",
        "a.ini:8: in [site x], dns.match = \"some\": expected any, all or exactly",
        "a.ini:9: in [site x], dns.expect_rcode = \"MAYBE\": expected NOERROR, NXDOMAIN",
        "a.ini:10: in [site x], dns.protocol = \"quic\": expected udp or tcp",
        "a.ini:11: in [site x], dns.expect_regex = \"(\": expected a PCRE2 regular expression (missing "
        "closing "
        "parenthesis at offset 1)",
        "a.ini:15: in [site y], dns.expect = \"10.0.0.300\": expected IPv4 addresses",
    };
    t_validate_errors("[site x]\nurl = https://www.python.org/\nchecks = dns\n"
                      "dns.name = www..python.org\ndns.type = AXFR\ndns.server = 127.0.0.1:99999\n"
                      "dns.server = ::1, 10.0.0.1:53, nameserver\ndns.match = some\n"
                      "dns.expect_rcode = MAYBE\ndns.protocol = quic\ndns.expect_regex = (\n"
                      "[site y]\nurl = https://www.python.org/\nchecks = dns\ndns.expect = 10.0.0.300\n",
                      want, sizeof want / sizeof *want);
}
END_TEST

/* The keys and metrics dns declares (ABI 1.3): a list key repeats, a word
 * key lists its words, and match is judged against expect only when the
 * core took it (one message for "match = some", none saying "refused"). */
START_TEST(declared_keys_and_metrics)
{
    static const char *const declared[] = {
        "{\"name\":\"server\",\"type\":\"list\",\"default\":null,\"repeats\":true,",
        "{\"name\":\"warn_after\",\"type\":\"duration\",\"default\":\"1s\",",
        "\"words\":[\"any\",\"all\",\"exactly\"]",
        "{\"name\":\"time.dns_query\",\"unit\":\"s\",",
    };
    t_plugin_declares("dns", declared, sizeof declared / sizeof *declared);
    static const char *const want[] = {
        "a.ini:4: in [site x], dns.match = \"some\": expected any, all or exactly\n",
        "a.ini:8: in [site y], dns.match = \"all\": expected expect to be set too",
        ": 2 configuration error(s)\n",
    };
    t_validate_errors("[site x]\nurl = https://www.python.org/\nchecks = dns\ndns.match = some\n"
                      "[site y]\nurl = https://www.python.org/\nchecks = dns\ndns.match = all\n",
                      want, sizeof want / sizeof *want);
}
END_TEST

/* Many bad keys in one site: every one is reported, and the code prepare
 * returns is the first (SW_ECONFIG), never a mix of codes read as "out of
 * memory" (rc |= once made SW_ECONFIG | SW_EINVAL that). */
START_TEST(many_bad_keys_none_says_out_of_memory)
{
    static const char *const want[] = {
        "dns.type = \"AXFR\"",
        "dns.warn_after = \"soon\"",
        "!out of memory",
        "!refused the configuration",
    };
    t_validate_errors("[site x]\nurl = https://www.python.org/\nchecks = dns\ndns.type = AXFR\n"
                      "dns.name = www..python.org\ndns.server = nameserver\ndns.expect_regex = (\n"
                      "dns.warn_after = soon\n",
                      want, sizeof want / sizeof *want);
}
END_TEST

/* The daemon stopping while a query waits on a silent server: the query is
 * cancelled at once (its c-ares channel destroyed), the result stored. */
START_TEST(sigterm_cancels_a_waiting_query)
{
    char *dbpath, *dir = t_conf_dir(NULL, &dbpath), errlog[512];
    snprintf(errlog, sizeof errlog, "%s/err.log", dir);
    free(t_write(dir, "a.ini",
                 "[site silent]\nurl = https://www.example.test/\nchecks = dns\ndns.server = 127.0.0.1:%d\n"
                 "interval = 10s\ntimeout = 8s\n",
                 silent_port));
    char drop[512];
    while (recv(silent_fd, drop, sizeof drop, MSG_DONTWAIT) > 0) /* earlier tests' questions */
        ;
    pid_t pid = t_sitewatch_bg(dir, errlog, "run", NULL);
    /* The question reaching the silent server means the query is waiting. */
    struct pollfd p = {.fd = silent_fd, .events = POLLIN};
    ck_assert_int_eq(poll(&p, 1, 15000), 1);
    t_msleep(100);
    kill(pid, SIGTERM);
    ck_assert_int_eq(t_wait(pid, 15), 0);
    ck_assert_int_eq(t_sql_long(dbpath, "SELECT count(*) FROM results_v WHERE verdict = 'UNKNOWN' AND "
                                        "reason LIKE 'cancelled%sitewatch is stopping'"),
                     1);
    t_rmtree(dir);
    free(dir);
    free(dbpath);
}
END_TEST

int main(void)
{
    if (t_dnsmasq_start(&dns, records) < 0)
        return 99;
    open_silent_server();
    closed_port = t_free_port();
    fake_server_start();
    write_config();
    run = t_sitewatch(conf, "check", "--format", "json", NULL);
    fprintf(stderr, "--- sitewatch check ---\n%s--- stderr ---\n%s", run.out, run.err);

    Suite *s = suite_create("dns");
    TCase *tc = tcase_create("dnsmasq");
    tcase_add_test(tc, every_type_answered);
    tcase_add_test(tc, metrics_and_stored_answers);
    tcase_add_test(tc, expected_answers_any_all_exactly);
    tcase_add_test(tc, regex_on_txt);
    tcase_add_test(tc, rcodes);
    tcase_add_test(tc, records_for_other_names_are_not_the_answer);
    tcase_add_test(tc, rcodes_past_notzone);
    tcase_add_test(tc, servers_that_do_not_answer);
    tcase_add_test(tc, over_tcp);
    tcase_add_test(tc, bad_keys_refused_at_load);
    tcase_add_test(tc, many_bad_keys_none_says_out_of_memory);
    tcase_add_test(tc, declared_keys_and_metrics);
    tcase_add_test(tc, sigterm_cancels_a_waiting_query);
    suite_add_tcase(s, tc);
    int rc = t_run_suite(s, 1);
    t_out_free(&run);
    t_dnsmasq_stop(&dns);
    kill(fake_pid, SIGTERM);
    t_wait(fake_pid, 5);
    close(silent_fd);
    t_rmtree(conf);
    free(conf);
    free(db);
    return rc;
}
