/* SPDX-License-Identifier: MIT
 * The http check against a real nginx started here (own config in a temp
 * folder, 127.0.0.1, a free port): one `sitewatch check` over every case at
 * once, then each verdict, reason and metric asserted in the JSON output
 * and in the SQLite file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sitewatch/plugin.h"
#include "support.h"

static struct t_nginx ngx;
static char *conf, *db;
static struct t_out run;
static int port_a, port_b; /* two more origins, for redirects between them */

/* Two servers that echo the X-Api-Key they got; A redirects to itself, to
 * B (another port) and to itself under another host name. */
static char *two_origins(void)
{
    port_a = t_free_port();
    port_b = t_free_port();
    static const char *const server =
        "  server {\n"
        "    listen 127.0.0.1:%d;\n"
        "    location = /echo { return 200 \"key=[$http_x_api_key]\\n\"; }\n"
        "    location = /to-same { return 302 /echo; }\n"
        "    location = /to-other { return 302 http://127.0.0.1:%d/echo; }\n"
        "    location = /to-other-host { return 302 http://localhost:%d/echo; }\n"
        "    location = /to-ftp { return 302 ftp://127.0.0.1:21/file; }\n"
        "  }\n";
    size_t cap = 2048;
    char *text = malloc(cap);
    int n = snprintf(text, cap, server, port_a, port_b, port_a);
    snprintf(text + n, cap - (size_t)n, server, port_b, port_b, port_b);
    return text;
}

static void write_config(void)
{
    conf = t_tmpdir();
    db = malloc(strlen(conf) + 16);
    sprintf(db, "%s/var/sw.db", conf);
    int p = ngx.port, closed = t_free_port();
    free(t_write(conf, "0core.ini",
                 "[core]\nplugin_dir = %s\nlocation = test-lab\n[storage sqlite]\npath = %s\n",
                 t_plugin_dir(), db));
    free(t_write(conf, "sites.ini",
                 "[check http]\nwarn_after = 5s\n"
                 "[site ok]\nurl = http://127.0.0.1:%1$d/ok\nchecks = http\n"
                 "[site notfound]\nurl = http://127.0.0.1:%1$d/404\nchecks = http\n"
                 "[site error500]\nurl = http://127.0.0.1:%1$d/500\nchecks = http\n"
                 "[site want404]\nurl = http://127.0.0.1:%1$d/404\nchecks = http\nhttp.expect_status = 404\n"
                 "[site redirects]\nurl = http://127.0.0.1:%1$d/r1\nchecks = http\n"
                 "[site loop]\nurl = http://127.0.0.1:%1$d/loop\nchecks = http\n"
                 "[site big]\nurl = http://127.0.0.1:%1$d/big.bin\nchecks = http\nhttp.max_size = 200k\n"
                 "[site stream]\nurl = http://127.0.0.1:%1$d/stream\nchecks = http\nhttp.max_size = 200k\n"
                 "[site slow]\nurl = http://127.0.0.1:%1$d/slow\nchecks = http\nhttp.warn_after = 500ms\n"
                 "[site stall]\nurl = http://127.0.0.1:%1$d/stall\nchecks = http\ntimeout = 1s\n"
                 "[site closed]\nurl = http://127.0.0.1:%2$d/\nchecks = http\n"
                 "[site head]\nurl = http://127.0.0.1:%1$d/ok\nchecks = http\nhttp.method = HEAD\n"
                 "http.headers = X-Probe: sitewatch\n"
                 "[site v4only]\nurl = http://localhost:%1$d/ok\nchecks = http\nhttp.ip = 4\n",
                 p, closed));
    if (ngx.has_v6)
        free(t_write(conf, "v6.ini",
                     "[site v6literal]\nurl = http://[::1]:%1$d/ok\nchecks = http\n"
                     "[site v6only]\nurl = http://localhost:%1$d/ok\nchecks = http\nhttp.ip = 6\n",
                     p));
}

static char *line_of(const char *site)
{
    return t_site_line(&run, site);
}

#define HAS T_HAS

START_TEST(exit_code_is_worst_verdict)
{
    ck_assert_int_eq(run.status, 2); /* FAIL beats WARN and OK */
    int lines = 0;
    for (const char *p = run.out; *p; p++)
        lines += *p == '\n';
    ck_assert_int_eq(lines, ngx.has_v6 ? 15 : 13);
}
END_TEST

START_TEST(ok_200)
{
    char *l = line_of("ok");
    HAS(l, "\"check\":\"http\",\"location\":\"test-lab\"");
    HAS(l, "\"verdict\":\"OK\",\"reason\":\"HTTP 200, 16 B in ");
    HAS(l, "\"http.status\":200");
    HAS(l, "\"size.body\":16");
    HAS(l, "\"time.connect\":");
    HAS(l, "\"time.first_byte\":");
    HAS(l, "\"time.total\":");
    HAS(l, "\"sched.lag\":");
    HAS(l, "\"scheduled\":\"20");
    HAS(l, "Z\",\"started\":\"20");
    free(l);
}
END_TEST

/* Phases are whole microseconds, stored as such in every result (not
 * 0.00057699999999999993 from subtracting seconds). */
START_TEST(phases_are_whole_microseconds)
{
    static const char *const phases[] = {
        "\"time.dns\":", "\"time.connect\":", "\"time.first_byte\":", "\"time.total\":"};
    int seen = 0;
    char *stored = t_sql(db, "SELECT group_concat(metrics, ' ') FROM results");
    for (size_t i = 0; i < sizeof phases / sizeof *phases; i++) {
        for (const char *v = strstr(stored, phases[i]); v; v = strstr(v, phases[i])) {
            v += strlen(phases[i]);
            const char *dot = v + strspn(v, "0123456789");
            size_t decimals = *dot == '.' ? strspn(dot + 1, "0123456789") : 0;
            ck_assert_msg(decimals <= 6, "%s%.30s: more than microseconds", phases[i], v);
            seen++;
        }
    }
    ck_assert_int_ge(seen, 20);
    free(stored);
}
END_TEST

START_TEST(status_404_and_500)
{
    char *l = line_of("notfound");
    HAS(l, "\"verdict\":\"FAIL\",\"reason\":\"HTTP 404, expected 200-399\"");
    HAS(l, "\"http.status\":404");
    free(l);
    l = line_of("error500");
    HAS(l, "\"verdict\":\"FAIL\",\"reason\":\"HTTP 500, expected 200-399\"");
    free(l);
    l = line_of("want404");
    HAS(l, "\"verdict\":\"OK\",\"reason\":\"HTTP 404, ");
    free(l);
}
END_TEST

START_TEST(redirect_chain)
{
    char *l = line_of("redirects");
    HAS(l, "\"verdict\":\"OK\",\"reason\":\"HTTP 200, 16 B in ");
    HAS(l, "\"http.redirects\":2");
    char final[128];
    snprintf(final, sizeof final, "\"http.final_url\":\"http://127.0.0.1:%d/ok\"", ngx.port);
    HAS(l, final);
    free(l);
    l = line_of("loop");
    HAS(l, "\"verdict\":\"FAIL\",\"reason\":\"more than 5 redirects\"");
    free(l);
}
END_TEST

START_TEST(body_over_max_size)
{
    char *l = line_of("big");
    HAS(l, "\"verdict\":\"FAIL\",\"reason\":\"body exceeds 200 KB\"");
    free(l);
    /* No Content-Length: stopped while streaming, not after reading it all. */
    l = line_of("stream");
    HAS(l, "\"verdict\":\"FAIL\",\"reason\":\"body exceeds 200 KB\"");
    char *sz = strstr(l, "\"size.body\":");
    ck_assert_ptr_nonnull(sz);
    long body = strtol(sz + 12, NULL, 10);
    ck_assert_msg(body > 200 * 1024 && body < 300000, "read %ld bytes", body);
    free(l);
}
END_TEST

START_TEST(slow_first_byte_warns)
{
    char *l = line_of("slow");
    HAS(l, "\"verdict\":\"WARN\",\"reason\":\"slow: HTTP 200 in 1.");
    HAS(l, "s (warn after 500 ms)\"");
    free(l);
}
END_TEST

START_TEST(timeout_fails)
{
    char *l = line_of("stall");
    HAS(l, "\"verdict\":\"FAIL\",\"reason\":\"timed out after 1 s (waiting for the first byte)\"");
    char *d = strstr(l, "\"duration_ms\":");
    double ms = strtod(d + 14, NULL);
    ck_assert_msg(ms >= 990 && ms < 3000, "took %.0f ms", ms);
    free(l);
}
END_TEST

START_TEST(closed_port_fails)
{
    char *l = line_of("closed");
    HAS(l, "\"verdict\":\"FAIL\",\"reason\":\"cannot connect: Failed to connect to 127.0.0.1 port ");
    free(l);
}
END_TEST

START_TEST(head_and_headers)
{
    char *l = line_of("head");
    HAS(l, "\"verdict\":\"OK\",\"reason\":\"HTTP 200, 0 B in ");
    free(l);
    ck_assert_int_ge(t_nginx_hits(&ngx, "\"HEAD /ok HTTP/1.1\""), 1);
}
END_TEST

START_TEST(address_family_choice)
{
    char *l = line_of("v4only");
    HAS(l, "\"verdict\":\"OK\"");
    HAS(l, "\"http.ip\":\"127.0.0.1\"");
    free(l);
    if (!ngx.has_v6) {
        fprintf(stderr, "no ::1 on this machine: IPv6 cases not run\n");
        return;
    }
    l = line_of("v6literal");
    HAS(l, "\"verdict\":\"OK\"");
    HAS(l, "\"http.ip\":\"::1\"");
    free(l);
    l = line_of("v6only");
    HAS(l, "\"verdict\":\"OK\"");
    HAS(l, "\"http.ip\":\"::1\"");
    free(l);
}
END_TEST

START_TEST(fresh_connection_every_check)
{
    /* Each check is one request on its own connection: nginx saw exactly
     * one GET /ok for "ok" and one for the end of the redirect chain. */
    ck_assert_int_eq(t_nginx_hits(&ngx, "\"GET /ok HTTP/1.1\""), ngx.has_v6 ? 5 : 3);
    ck_assert_int_eq(t_nginx_hits(&ngx, "\"GET /loop HTTP/1.1\""), 6);
}
END_TEST

START_TEST(results_in_sqlite)
{
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results"), ngx.has_v6 ? 15 : 13);
    ck_assert_int_eq(
        t_sql_long(db,
                   "SELECT json_extract(metrics, '$.\"http.status\"') FROM results_v WHERE site='notfound'"),
        404);
    char *r = t_sql(db, "SELECT verdict || ' ' || reason FROM results_v WHERE site='stall'");
    ck_assert_str_eq(r, "FAIL timed out after 1 s (waiting for the first byte)");
    free(r);
    r = t_sql(db, "SELECT location FROM results_v WHERE site='ok'");
    ck_assert_str_eq(r, "test-lab");
    free(r);
    ck_assert_int_eq(t_sql_long(db, "SELECT count(*) FROM results_v WHERE verdict='OK'"), ngx.has_v6 ? 7 : 5);
    r = t_sql(db, "PRAGMA journal_mode");
    ck_assert_str_eq(r, "wal");
    free(r);
    ck_assert_int_eq(t_sql_long(db, "SELECT max(version) FROM schema_version"), 5);
    /* Every result is counted once in each rollup span. */
    for (int span = 0; span < 3; span++) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "SELECT sum(n_ok + n_warn + n_fail + n_unknown) FROM rollups WHERE span = %lld",
                 (long long[]){600000000LL, 3600000000LL, 86400000000LL}[span]);
        ck_assert_int_eq(t_sql_long(db, sql), t_sql_long(db, "SELECT count(*) FROM results"));
    }
}
END_TEST

START_TEST(table_status_and_filter)
{
    struct t_out o = t_sitewatch(conf, "check", "ok", "want404", NULL);
    ck_assert_int_eq(o.status, 0);
    ck_assert_msg(strstr(o.out, "SITE     CHECK  VERDICT      TIME  REASON\nok       http   OK      "), "%s",
                  o.out);
    ck_assert_msg(strstr(o.out, "\nwant404  http   OK      "), "%s", o.out);
    ck_assert_ptr_null(strstr(o.out, "notfound"));
    t_out_free(&o);

    o = t_sitewatch(conf, "check", "nosuchsite", NULL);
    ck_assert_int_eq(o.status, 3);
    char want[512];
    snprintf(want, sizeof want, "sitewatch: no site named 'nosuchsite' in %s\n", conf);
    ck_assert_str_eq(o.err, want);
    t_out_free(&o);

    o = t_sitewatch(conf, "status", NULL);
    ck_assert_int_eq(o.status, 2);
    /* ok has been checked twice, both OK: two marks, since the first run */
    ck_assert_msg(strstr(o.out, "\nok                       http   OK      20"), "%s", o.out);
    ck_assert_msg(strstr(o.out, "O O \n"), "%s", o.out);
    ck_assert_msg(strstr(o.out, "timed out after 1 s (waiting for the first byte)"), "%s", o.out);
    t_out_free(&o);

    o = t_sitewatch(conf, "status", "--format", "json", NULL);
    char *l = t_json_line(o.out, "ok");
    ck_assert_ptr_nonnull(l);
    HAS(l, "\"verdict\":\"OK\",\"since\":\"20");
    HAS(l, "\"recent\":[{\"site\":\"ok\"");
    free(l);
    t_out_free(&o);
}
END_TEST

/* Custom headers (API keys, tokens) go to the site's origin only: kept on
 * a redirect within it, left off on one to another port or host name. */
START_TEST(headers_only_to_the_origin)
{
    char *dir = t_conf_dir(NULL, NULL);
    free(t_write(dir, "h.ini",
                 "[site same]\nurl = http://127.0.0.1:%1$d/to-same\nchecks = http\n"
                 "http.headers = X-Api-Key: k3y-same\nhttp.expect_content = key=[k3y-same]\n"
                 "[site other_port]\nurl = http://127.0.0.1:%1$d/to-other\nchecks = http\n"
                 "http.headers = X-Api-Key: k3y-port\nhttp.expect_content = key=[]\n"
                 "[site other_host]\nurl = http://127.0.0.1:%1$d/to-other-host\nchecks = http\n"
                 "http.headers = X-Api-Key: k3y-host\nhttp.expect_content = key=[]\n"
                 "[site direct]\nurl = http://127.0.0.1:%2$d/echo\nchecks = http\n"
                 "http.headers = X-Api-Key: k3y-direct\nhttp.expect_content = key=[k3y-direct]\n"
                 "[site to_ftp]\nurl = http://127.0.0.1:%1$d/to-ftp\nchecks = http\n",
                 port_a, port_b));
    struct t_out o = t_sitewatch(dir, "check", "--format", "json", NULL);
    static const char *const sites[] = {"same", "other_port", "other_host", "direct"};
    for (size_t i = 0; i < sizeof sites / sizeof *sites; i++) {
        char *l = t_site_line(&o, sites[i]);
        HAS(l, "\"verdict\":\"OK\",\"reason\":\"HTTP 200, ");
        if (i < 3)
            HAS(l, "\"http.redirects\":1");
        free(l);
    }
    /* A redirect out of HTTP is not followed, and says where it went. */
    char *l = t_site_line(&o, "to_ftp");
    HAS(l, "\"verdict\":\"FAIL\",\"reason\":\"redirected to ftp://127.0.0.1:21/file, not an http:// or "
           "https:// URL\"");
    free(l);
    ck_assert_int_eq(o.status, 2);
    t_out_free(&o);
    t_rmtree(dir);
    free(dir);
}
END_TEST

/* `sitewatch plugins http`: every key with its type, default and what the
 * core accepts, for people; the same declarations the core checks values
 * with and tools/gen-docs writes docs/configuration.md from. */
START_TEST(keys_described_for_people)
{
    char *dir = t_conf_dir(NULL, NULL);
    struct t_out o = t_sitewatch(dir, "plugins", "http", NULL);
    ck_assert_msg(o.status == 0, "plugins http: exit %d\n%s", o.status, o.err);
    char head[64];
    snprintf(head, sizeof head, "http: check plugin, ABI %d.%d\n", SW_ABI_MAJOR, SW_ABI_MINOR);
    T_HAS(o.out, head);
    T_HAS(o.out, "\nmax_redirects      int       5            redirects followed");
    T_HAS(o.out, "; 0 = none (a whole number from 0 to 50)\n");
    T_HAS(o.out, "\nmethod             word      GET          ");
    T_HAS(o.out, " (GET or HEAD)\n");
    T_HAS(o.out, "\nexpect_content     string... -            ");
    T_HAS(o.out, "(TYPE... may be given more than once; every value counts)\n");
    T_HAS(o.out, "\ntime.first_byte    s     from the request being ready");
    t_out_free(&o);
    t_rmtree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    char *servers = two_origins();
    int started = t_nginx_start_with(&ngx, servers);
    free(servers);
    if (started < 0)
        return 99;
    write_config();
    run = t_sitewatch(conf, "check", "--format", "json", NULL);
    fprintf(stderr, "--- sitewatch check ---\n%s--- stderr ---\n%s", run.out, run.err);

    Suite *s = suite_create("http");
    TCase *tc = tcase_create("nginx");
    tcase_add_test(tc, exit_code_is_worst_verdict);
    tcase_add_test(tc, ok_200);
    tcase_add_test(tc, phases_are_whole_microseconds);
    tcase_add_test(tc, status_404_and_500);
    tcase_add_test(tc, redirect_chain);
    tcase_add_test(tc, body_over_max_size);
    tcase_add_test(tc, slow_first_byte_warns);
    tcase_add_test(tc, timeout_fails);
    tcase_add_test(tc, closed_port_fails);
    tcase_add_test(tc, head_and_headers);
    tcase_add_test(tc, address_family_choice);
    tcase_add_test(tc, fresh_connection_every_check);
    tcase_add_test(tc, results_in_sqlite);
    tcase_add_test(tc, table_status_and_filter);
    tcase_add_test(tc, headers_only_to_the_origin);
    tcase_add_test(tc, keys_described_for_people);
    suite_add_tcase(s, tc);
    int rc = t_run_suite(s, 1);
    t_out_free(&run);
    t_nginx_stop(&ngx);
    t_rmtree(conf);
    free(conf);
    free(db);
    return rc;
}
