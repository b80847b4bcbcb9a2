/* SPDX-License-Identifier: MIT
 * The https check against a real nginx serving certificates this test makes
 * with openssl (tests/tls/make-certs): a private CA, a valid certificate,
 * one expiring in 5 days, one expired 2 days ago, one for another host name,
 * a self-signed one; servers limited to TLS 1.0 and to TLS 1.2.  One
 * `sitewatch check` over every case, then each verdict and reason. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"

static struct t_nginx ngx;
static char *certs, *conf, *db;
static struct t_out run;
enum { VALID, SOON, EXPIRED, OTHER, SELF, TLS10, TLS12, NSERVERS };
static int port[NSERVERS];
static int plain_port;   /* a plain-HTTP server the https ones redirect to */
static int tls10_served; /* the local OpenSSL can still serve TLS 1.0 */

static char *servers(void)
{
    static const struct {
        const char *cert, *extra;
    } s[NSERVERS] = {
        [VALID] = {"valid", "ssl_protocols TLSv1.2 TLSv1.3;"},
        [SOON] = {"soon", ""},
        [EXPIRED] = {"expired", ""},
        [OTHER] = {"other", ""},
        [SELF] = {"self", ""},
        [TLS10] = {"valid", "ssl_protocols TLSv1; ssl_ciphers DEFAULT:@SECLEVEL=0;"},
        [TLS12] = {"valid", "ssl_protocols TLSv1.2;"},
    };
    /* A line (x+x+)+y gives up on: the regex is not judged (UNKNOWN). */
    char xs[64];
    memset(xs, 'x', sizeof xs - 1);
    xs[sizeof xs - 1] = 0;
    size_t cap = 32768, len = 0;
    char *text = malloc(cap);
    plain_port = t_free_port();
    len += (size_t)snprintf(text + len, cap - len,
                            "  server {\n"
                            "    listen 127.0.0.1:%d;\n"
                            "    location = /plain-target { return 200 \"plain hello\\n\"; }\n"
                            "  }\n",
                            plain_port);
    for (int i = 0; i < NSERVERS; i++) {
        port[i] = t_free_port();
        len += (size_t)snprintf(text + len, cap - len,
                                "  server {\n"
                                "    listen 127.0.0.1:%d ssl;\n"
                                "    ssl_certificate %s/%s.pem; ssl_certificate_key %s/%s.key;\n"
                                "    %s\n"
                                "    location = / { return 200 \"secure hello\\n\"; }\n"
                                "    location = /page { default_type text/html;\n"
                                "      return 200 \"<title>Welcome to Python.org</title>\\n\"; }\n"
                                "    location = /to-plain { return 302 http://127.0.0.1:%d/plain-target; }\n"
                                "    location = /to-tls { return 302 https://localhost:$server_port/; }\n"
                                "    location = /xs { return 200 \"%s\\n\"; }\n"
                                "  }\n",
                                port[i], certs, s[i].cert, certs, s[i].cert, s[i].extra, plain_port, xs);
    }
    return text;
}

static void write_config(void)
{
    conf = t_conf_dir(NULL, &db);
    free(t_write(
        conf, "sites.ini",
        /* No case here is about speed: under valgrind the first round of
         * 20 handshakes took 5 s, and a slow WARN joined the reasons. */
        "[check https]\nca_file = %1$s/ca.pem\nwarn_after = 60s\n"
        "[site valid]\nurl = https://localhost:%2$d/\nchecks = https\n"
        "[site by_ip]\nurl = https://127.0.0.1:%2$d/\nchecks = https\n"
        "[site content]\nurl = https://localhost:%2$d/page\nchecks = https\n"
        "https.expect_content = Python\nhttps.reject_content = Traceback\n"
        "https.expect_regex = <title>[^<]*Python\nhttps.expect_header = content-type: text/html\n"
        "[site content_miss]\nurl = https://localhost:%2$d/page\nchecks = https\n"
        "https.expect_content = Django\n"
        "[site untrusted]\nurl = https://localhost:%2$d/\nchecks = https\nhttps.ca_file = "
        "/etc/ssl/certs/ca-certificates.crt\n"
        "[site soon]\nurl = https://localhost:%3$d/\nchecks = https\n"
        "[site soon_fail]\nurl = https://localhost:%3$d/\nchecks = https\n"
        "https.cert_warn_days = 30\nhttps.cert_fail_days = 7\n"
        "[site soon_unjudged]\nurl = https://localhost:%3$d/xs\nchecks = https\nhttps.expect_regex = "
        "(x+x+)+y\n"
        "[site expired]\nurl = https://localhost:%4$d/\nchecks = https\n"
        "[site expired_unverified]\nurl = https://localhost:%4$d/\nchecks = https\nhttps.verify = no\n"
        "[site other]\nurl = https://localhost:%5$d/\nchecks = https\n"
        "[site self]\nurl = https://localhost:%6$d/\nchecks = https\n"
        "[site self_unverified]\nurl = https://localhost:%6$d/\nchecks = https\nhttps.verify = no\n"
        "[site tls10]\nurl = https://localhost:%7$d/\nchecks = https\n"
        "[site tls10_allowed]\nurl = https://localhost:%7$d/\nchecks = https\nhttps.min_tls = 1.0\n"
        "[site tls13]\nurl = https://localhost:%8$d/\nchecks = https\nhttps.min_tls = 1.3\n"
        "[site downgrade]\nurl = https://localhost:%2$d/to-plain\nchecks = https\n"
        "[site tls_redirect]\nurl = https://localhost:%2$d/to-tls\nchecks = https\n",
        certs, port[VALID], port[SOON], port[EXPIRED], port[OTHER], port[SELF], port[TLS10], port[TLS12]));
}

static char *line_of(const char *site)
{
    return t_site_line(&run, site);
}

static void expect(const char *site, const char *text)
{
    char *l = line_of(site);
    T_HAS(l, text);
    free(l);
}

/* "YYYY-MM-DD" DAYS days and HOURS hours from now, UTC. */
static char *date_in(int days, int hours)
{
    static char buf[16];
    time_t t = time(NULL) + (time_t)days * 86400 + (time_t)hours * 3600;
    strftime(buf, sizeof buf, "%Y-%m-%d", gmtime(&t));
    return buf;
}

START_TEST(valid_certificate)
{
    expect("valid", "\"verdict\":\"OK\",\"reason\":\"HTTP 200, 13 B in ");
    char *l = line_of("valid");
    T_HAS(l, "\"tls.version\":1.3");
    double days = t_json_num(l, "tls.days_left");
    ck_assert_msg(days > 89.9 && days <= 90, "%s", l);
    T_HAS(l, "\"match.failed\":0");
    T_HAS(l, "\"tls.subject\":\"CN=localhost,O=sitewatch tests\"");
    T_HAS(l, "\"tls.issuer\":\"CN=sitewatch test CA,O=sitewatch tests\"");
    char want[128];
    snprintf(want, sizeof want, "\"tls.expires\":\"%sT", date_in(90, 0));
    T_HAS(l, want);
    T_HAS(l, "\"time.tls\":");
    free(l);
    /* Stored with the result, for the status page. */
    char *stored = t_sql(db, "SELECT json_extract(info, '$.\"tls.issuer\"') || ' until ' || "
                             "json_extract(info, '$.\"tls.expires\"') FROM results_v WHERE site = 'valid'");
    snprintf(want, sizeof want, "CN=sitewatch test CA,O=sitewatch tests until %sT", date_in(90, 0));
    ck_assert_msg(strncmp(stored, want, strlen(want)) == 0, "%s", stored);
    free(stored);
    expect("by_ip", "\"verdict\":\"OK\"");
}
END_TEST

START_TEST(content_rules_over_tls)
{
    expect("content", "\"verdict\":\"OK\"");
    expect("content_miss", "\"verdict\":\"FAIL\",\"reason\":\"body lacks \\\"Django\\\"\"");
}
END_TEST

START_TEST(expiring_soon_warns_then_fails)
{
    char want[256];
    snprintf(want, sizeof want,
             "\"verdict\":\"WARN\",\"reason\":\"certificate for localhost expires in 5 days (%s)\"",
             date_in(5, 1));
    expect("soon", want);
    snprintf(want, sizeof want,
             "\"verdict\":\"FAIL\",\"reason\":\"certificate for localhost expires in 5 days (%s)\"",
             date_in(5, 1));
    expect("soon_fail", want);
    char *l = line_of("soon");
    T_HAS(l, "\"tls.days_left\":5.0");
    free(l);
    /* The certificate's WARN is judged first, but a rule the monitor could
     * not judge ranks above it (README: FAIL > UNKNOWN > WARN > OK). */
    snprintf(
        want, sizeof want,
        "\"verdict\":\"UNKNOWN\",\"reason\":\"regex /(x+x+)+y/ not judged: match limit exceeded (+1 more: "
        "certificate for localhost expires in 5 days (%s))\"",
        date_in(5, 1));
    expect("soon_unjudged", want);
}
END_TEST

START_TEST(expired_fails_verified_or_not)
{
    expect("expired", "\"verdict\":\"FAIL\",\"reason\":\"certificate expired 2 days ago\"");
    char *l = line_of("expired");
    T_HAS(l, "\"tls.days_left\":-2.0");
    free(l);
    expect("expired_unverified",
           "\"verdict\":\"FAIL\",\"reason\":\"certificate expired 2 days ago; certificate not verified\"");
}
END_TEST

START_TEST(wrong_host_name)
{
    expect("other", "\"verdict\":\"FAIL\",\"reason\":\"certificate is for other.example, not localhost\"");
}
END_TEST

START_TEST(self_signed_and_untrusted)
{
    expect("self", "\"verdict\":\"FAIL\",\"reason\":\"self-signed certificate\"");
    expect("self_unverified", "\"verdict\":\"OK\",\"reason\":\"HTTP 200, 13 B in ");
    expect("self_unverified", "; certificate not verified: self-signed certificate\"");
    expect("untrusted",
           "\"verdict\":\"FAIL\",\"reason\":\"certificate issued by sitewatch test CA, which is not "
           "trusted (a missing intermediate, or set ca_file)\"");
}
END_TEST

START_TEST(protocol_version_below_minimum)
{
    expect("tls13", "\"verdict\":\"FAIL\",\"reason\":\"TLS 1.2 offered, 1.3 required\"");
    if (!tls10_served) {
        fprintf(stderr, "this OpenSSL serves no TLS 1.0 even at security level 0: TLS 1.0 cases not run\n");
        return;
    }
    expect("tls10", "\"verdict\":\"FAIL\",\"reason\":\"TLS 1.0 offered, 1.2 required\"");
    char *l = line_of("tls10_allowed");
    T_HAS(l, "\"verdict\":\"OK\"");
    T_HAS(l, "\"tls.version\":1");
    free(l);
}
END_TEST

/* A redirect from https:// to plain http:// fails the check, and nothing
 * is asked over plain HTTP; one to another https:// URL is followed. */
START_TEST(redirect_to_plain_http_fails)
{
    char want[200];
    snprintf(want, sizeof want,
             "\"verdict\":\"FAIL\",\"reason\":\"downgrade to plain HTTP: redirected to "
             "http://127.0.0.1:%d/plain-target\"",
             plain_port);
    expect("downgrade", want);
    ck_assert_int_eq(t_nginx_hits(&ngx, "/plain-target"), 0);
    char *l = line_of("tls_redirect");
    T_HAS(l, "\"verdict\":\"OK\",\"reason\":\"HTTP 200, 13 B in ");
    T_HAS(l, "\"http.redirects\":1");
    T_HAS(l, "\"tls.version\":1.3");
    free(l);
}
END_TEST

START_TEST(bad_tls_keys_refused_at_load)
{
    const char *want[] = {
        "a.ini:2: in [site x], url = \"http://www.python.org/\": expected an https:// URL (for a plain "
        "http:// "
        "URL use the http check)",
        "a.ini:4: in [site x], https.min_tls = \"1.4\": expected 1.0, 1.1, 1.2 or 1.3",
        "a.ini:5: in [site x], https.ca_file = \"/nonexistent/ca.pem\": expected a readable PEM file of "
        "trusted CA "
        "certificates (No such file or directory)",
        "a.ini:7: in [site x], https.cert_fail_days = \"10\": expected at most cert_warn_days (3)",
        "a.ini:8: in [site x], https.verify = \"maybe\": expected yes or no",
    };
    t_validate_errors("[site x]\nurl = http://www.python.org/\nchecks = https\n"
                      "https.min_tls = 1.4\nhttps.ca_file = /nonexistent/ca.pem\n"
                      "https.cert_warn_days = 3\nhttps.cert_fail_days = 10\nhttps.verify = maybe\n",
                      want, sizeof want / sizeof *want);
}
END_TEST

/* The keys and metrics https declares (ABI 1.3): its own after every key
 * http has, with their types, defaults and bounds, which the core checks. */
START_TEST(declared_keys_and_metrics)
{
    static const char *const declared[] = {
        "{\"name\":\"expect_regex\",\"type\":\"regex\",\"default\":null,\"repeats\":true,",
        "{\"name\":\"cert_warn_days\",\"type\":\"int\",\"default\":\"14\",\"repeats\":false,"
        "\"required\":false,\"min\":0,\"max\":3650,",
        "\"words\":[\"1.0\",\"1.1\",\"1.2\",\"1.3\"]",
        "{\"name\":\"time.tls\",\"unit\":\"s\",\"phase\":true,",
        "{\"name\":\"tls.days_left\",\"unit\":\"d\",\"phase\":false,",
    };
    t_plugin_declares("https", declared, sizeof declared / sizeof *declared);
    /* One message per bad value: neither the rule between the two days
     * (against a default nobody wrote), nor "refused the configuration". */
    static const char *const want[] = {
        "a.ini:4: in [site x], https.cert_warn_days = \"3651\": expected a whole number from 0 to 3650\n",
        "a.ini:10: in [site y], https.cert_fail_days = \"x\": expected a whole number from 0 to 3650\n",
        ": 2 configuration error(s)\n",
        "!refused the configuration",
    };
    t_validate_errors("[site x]\nurl = https://www.python.org/\nchecks = https\nhttps.cert_warn_days = 3651\n"
                      "https.cert_fail_days = 3650\n"
                      "[site y]\nurl = https://www.python.org/\nchecks = https\nhttps.cert_warn_days = 1\n"
                      "https.cert_fail_days = x\n",
                      want, sizeof want / sizeof *want);
}
END_TEST

int main(void)
{
    certs = t_tmpdir();
    char script[512];
    snprintf(script, sizeof script, "%s/tests/tls/make-certs", t_source_root());
    struct t_out mk = t_run((char *const[]){"sh", script, certs, NULL}, 60);
    if (mk.status != 0) {
        fprintf(stderr, "make-certs failed:\n%s%s", mk.out, mk.err);
        return 99;
    }
    t_out_free(&mk);
    char *text = servers();
    if (t_nginx_start_with(&ngx, text) < 0)
        return 99;
    free(text);
    /* Can this OpenSSL still speak TLS 1.0 at all (Debian 12's can at
     * security level 0)?  Ask openssl s_client, independent of sitewatch. */
    char connect[64];
    snprintf(connect, sizeof connect, "127.0.0.1:%d", port[TLS10]);
    struct t_out probe =
        t_run((char *const[]){"sh", "-c",
                              "openssl s_client -connect \"$0\" -tls1 -cipher DEFAULT@SECLEVEL=0 "
                              "</dev/null 2>&1 | grep -q 'Protocol  *: TLSv1$'",
                              connect, NULL},
              20);
    tls10_served = probe.status == 0;
    t_out_free(&probe);
    write_config();
    run = t_sitewatch(conf, "check", "--format", "json", NULL);
    fprintf(stderr, "--- sitewatch check ---\n%s--- stderr ---\n%s", run.out, run.err);

    Suite *s = suite_create("https");
    TCase *tc = tcase_create("nginx");
    tcase_add_test(tc, valid_certificate);
    tcase_add_test(tc, content_rules_over_tls);
    tcase_add_test(tc, expiring_soon_warns_then_fails);
    tcase_add_test(tc, expired_fails_verified_or_not);
    tcase_add_test(tc, wrong_host_name);
    tcase_add_test(tc, self_signed_and_untrusted);
    tcase_add_test(tc, protocol_version_below_minimum);
    tcase_add_test(tc, redirect_to_plain_http_fails);
    tcase_add_test(tc, bad_tls_keys_refused_at_load);
    tcase_add_test(tc, declared_keys_and_metrics);
    suite_add_tcase(s, tc);
    int rc = t_run_suite(s, 1);
    t_out_free(&run);
    t_nginx_stop(&ngx);
    t_rmtree(conf);
    t_rmtree(certs);
    free(conf);
    free(certs);
    free(db);
    return rc;
}
