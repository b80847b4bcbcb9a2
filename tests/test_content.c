/* SPDX-License-Identifier: MIT
 * Content rules (the code http and https share) against a real nginx: text
 * present, absent and rejected, regexes, case, response headers, a match
 * split between two network reads, a match past max_size, several failed
 * rules in one reason, and bad rules refused at load with file:line. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

static struct t_nginx ngx;
static char *conf;
static struct t_out run;

static void write_config(void)
{
    conf = t_conf_dir(NULL, NULL);
    free(t_write(
        conf, "sites.ini",
        "[check http]\nwarn_after = 5s\n"
        "[site present]\nurl = http://127.0.0.1:%1$d/page.html\nchecks = http\n"
        "http.expect_content = Python\nhttp.expect_content = official home\n"
        "http.reject_content = Traceback\n"
        "[site absent]\nurl = http://127.0.0.1:%1$d/page.html\nchecks = http\n"
        "http.expect_content = Python\nhttp.expect_content = Django\n"
        "[site rejected]\nurl = http://127.0.0.1:%1$d/page.html\nchecks = http\n"
        "http.reject_content = Programming Language\n"
        "[site regex]\nurl = http://127.0.0.1:%1$d/page.html\nchecks = http\n"
        "http.expect_regex = <title>[^<]*Python\nhttp.expect_regex = ^<!doctype html>$\n"
        "[site regex_miss]\nurl = http://127.0.0.1:%1$d/page.html\nchecks = http\n"
        "http.expect_regex = <h1>.*</h1>\n"
        "[site anycase]\nurl = http://127.0.0.1:%1$d/page.html\nchecks = http\n"
        "http.expect_content = PYTHON PROGRAMMING\nhttp.expect_regex = WELCOME TO\n"
        "http.ignore_case = yes\n"
        "[site samecase]\nurl = http://127.0.0.1:%1$d/page.html\nchecks = http\n"
        "http.expect_content = PYTHON PROGRAMMING\n"
        "[site split]\nurl = http://127.0.0.1:%1$d/split\nchecks = http\n"
        "http.expect_content = Python\nhttp.expect_regex = <title>Welcome to Python\\.org</title>\n"
        "[site cut]\nurl = http://127.0.0.1:%1$d/large.html\nchecks = http\nhttp.max_size = 200k\n"
        "http.expect_content = Python\n"
        "[site whole]\nurl = http://127.0.0.1:%1$d/large.html\nchecks = http\nhttp.max_size = 2M\n"
        "http.expect_content = <p>Python</p>\n"
        "[site header]\nurl = http://127.0.0.1:%1$d/page.html\nchecks = http\n"
        "http.expect_header = Content-Type: text/html\nhttp.expect_header = content-length\n"
        "[site header_bad]\nurl = http://127.0.0.1:%1$d/page.html\nchecks = http\n"
        "http.expect_header = Content-Type: application/json\n"
        "[site header_missing]\nurl = http://127.0.0.1:%1$d/page.html\nchecks = http\n"
        "http.expect_header = X-Frame-Options\n"
        "[site many]\nurl = http://127.0.0.1:%1$d/slow\nchecks = http\nhttp.warn_after = 500ms\n"
        "http.expect_content = Django\nhttp.reject_content = slow\n"
        "[site too_slow]\nurl = http://127.0.0.1:%1$d/slow\nchecks = http\nhttp.warn_after = 300ms\n"
        "http.fail_after = 1s\n"
        "[site regex_deep]\nurl = http://127.0.0.1:%1$d/deep.txt\nchecks = http\nhttp.max_size = 300k\n"
        "http.expect_regex = ^(.|\\n)*$\n"
        "[site regex_costly]\nurl = http://127.0.0.1:%1$d/xs.txt\nchecks = http\n"
        "http.expect_regex = (x+x+)+y\n",
        ngx.port));
}

/* Bodies for the regex limits: 200 KB of lines, and lines of x's. */
static void write_regex_bodies(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/www/deep.txt", ngx.dir);
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 200 * 1024; i++)
        fputc(i % 64 == 63 ? '\n' : 'a' + i % 26, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/www/xs.txt", ngx.dir);
    f = fopen(path, "w");
    for (int i = 0; i < 4096; i++)
        fputc(i % 64 == 63 ? '\n' : 'x', f);
    fclose(f);
}

static char *line_of(const char *site)
{
    return t_site_line(&run, site);
}

static void expect(const char *site, const char *verdict_and_reason)
{
    char *l = line_of(site);
    T_HAS(l, verdict_and_reason);
    free(l);
}

START_TEST(text_present_absent_rejected)
{
    expect("present", "\"verdict\":\"OK\",\"reason\":\"HTTP 200, ");
    expect("absent", "\"verdict\":\"FAIL\",\"reason\":\"body lacks \\\"Django\\\"\"");
    expect("rejected", "\"verdict\":\"FAIL\",\"reason\":\"body contains \\\"Programming Language\\\"\"");
    char *l = line_of("absent");
    T_HAS(l, "\"match.failed\":1");
    free(l);
    l = line_of("present");
    T_HAS(l, "\"match.failed\":0");
    free(l);
}
END_TEST

START_TEST(regexes)
{
    expect("regex", "\"verdict\":\"OK\"");
    expect("regex_miss", "\"verdict\":\"FAIL\",\"reason\":\"body does not match /<h1>.*</h1>/\"");
}
END_TEST

/* The matcher's own limits never call a site down: a regex needing more
 * than PCRE2's default JIT stack on a 200 KB body is matched; one that
 * backtracks past every limit is UNKNOWN, not FAIL. */
START_TEST(regex_limits_are_not_the_sites)
{
    expect("regex_deep", "\"verdict\":\"OK\",\"reason\":\"HTTP 200, 200 KB in ");
    expect("regex_costly",
           "\"verdict\":\"UNKNOWN\",\"reason\":\"regex /(x+x+)+y/ not judged: match limit exceeded\"");
}
END_TEST

START_TEST(ignore_case)
{
    expect("anycase", "\"verdict\":\"OK\"");
    expect("samecase", "\"verdict\":\"FAIL\",\"reason\":\"body lacks \\\"PYTHON PROGRAMMING\\\"\"");
}
END_TEST

START_TEST(match_split_between_reads)
{
    /* nginx sends "...Welcome to Pyt", waits 200 ms, then "hon.org</title>". */
    expect("split", "\"verdict\":\"OK\"");
    char *l = line_of("split");
    char *d = strstr(l, "\"duration_ms\":");
    ck_assert_msg(d && strtod(d + 14, NULL) >= 190, "%s", l);
    free(l);
}
END_TEST

START_TEST(match_past_max_size)
{
    expect("cut", "\"verdict\":\"FAIL\",\"reason\":\"body exceeds 200 KB (+1 more: body lacks \\\"Python\\\" "
                  "in the first 200 KB (the body was cut there))\"");
    char *l = line_of("cut");
    T_HAS(l, "\"match.failed\":2");
    /* Read up to the limit, not the whole megabyte. */
    char *sz = strstr(l, "\"size.body\":");
    ck_assert_msg(sz && strtol(sz + 12, NULL, 10) <= 300 * 1024, "%s", l);
    free(l);
    expect("whole", "\"verdict\":\"OK\",\"reason\":\"HTTP 200, 1.0 MB in ");
}
END_TEST

START_TEST(headers)
{
    expect("header", "\"verdict\":\"OK\"");
    expect("header_bad", "\"verdict\":\"FAIL\",\"reason\":\"header Content-Type is \\\"text/html\\\", "
                         "expected \\\"application/json\\\"\"");
    expect("header_missing", "\"verdict\":\"FAIL\",\"reason\":\"no X-Frame-Options header\"");
}
END_TEST

START_TEST(worst_rule_first_then_the_others)
{
    expect("many", "\"verdict\":\"FAIL\",\"reason\":\"body lacks \\\"Django\\\" (+2 more: body contains "
                   "\\\"slow\\\"; slow: HTTP 200 in 1.");
    char *l = line_of("many");
    T_HAS(l, "\"match.failed\":3");
    free(l);
}
END_TEST

START_TEST(time_thresholds_warn_then_fail)
{
    expect("too_slow", "\"verdict\":\"FAIL\",\"reason\":\"slow: HTTP 200 in 1.");
    expect("too_slow", "s (fail after 1 s)\"");
}
END_TEST

START_TEST(bad_rules_refused_at_load)
{
    const char *want[] = {
        "/a.ini:5: in [site x], http.expect_regex = \"(unclosed\": expected a PCRE2 regular expression "
        "(missing closing parenthesis at offset 9)",
        "/a.ini:6: in [site x], http.expect_content = \"\": expected the text to look for",
        "/a.ini:7: in [site x], http.expect_header = \": text/html\": expected a header name",
        "/a.ini:11: in [site y], http.method = \"HEAD\": expected GET, since the body has content rules",
        "/a.ini:14: in [site y], http.fail_after = \"1s\": expected a duration longer than warn_after (2 s)",
    };
    t_validate_errors("[site x]\nurl = http://127.0.0.1/\nchecks = http\n"
                      "http.expect_regex = <title>\n"
                      "http.expect_regex = (unclosed\n"
                      "http.expect_content =\n"
                      "http.expect_header = : text/html\n"
                      "[site y]\nurl = http://127.0.0.1/\nchecks = http\nhttp.method = HEAD\n"
                      "http.expect_content = Python\nhttp.warn_after = 2s\nhttp.fail_after = 1s\n",
                      want, sizeof want / sizeof *want);
}
END_TEST

/* A regex is a REGEX key: the core compiles it and says what is wrong once,
 * a [check http] default in its own section (the plugin no longer repeats
 * it for every site, as [site x]), and the plugin adds no "refused the
 * configuration" line for a value the core refused. */
START_TEST(bad_regex_one_message)
{
    static const char *const want[] = {
        "/a.ini:2: in [check http], expect_regex = \"(\": expected a PCRE2 regular expression "
        "(missing closing parenthesis at offset 1)\n",
        "/a.ini:9: in [site y], http.expect_regex = \"\": expected a PCRE2 regular expression\n",
        ": 2 configuration error(s)\n",
        "!refused the configuration",
    };
    t_validate_errors("[check http]\nexpect_regex = (\n"
                      "[site x]\nurl = http://127.0.0.1/\nchecks = http\n"
                      "[site y]\nurl = http://127.0.0.1/\nchecks = http\nhttp.expect_regex =\n",
                      want, sizeof want / sizeof *want);
}
END_TEST

/* Out of memory inside the http and dns plugins' own code, at each of
 * their allocations in turn (tests/failalloc.c, LD_PRELOAD'd): sitewatch
 * never aborts or crashes, and a site is judged as without the failure,
 * or UNKNOWN saying "out of memory" (or ALSO), or the configuration is
 * refused for "out of memory" (then `check` runs nothing). */
static int oom_site_ok(const struct t_out *o, const char *site, const char *want, const char *also, long n)
{
    char *l = t_json_line(o->out, site);
    if (!l) {
        ck_assert_msg(strstr(o->err, "refused the configuration: out of memory"),
                      "N=%ld: no line for %s:\n%s", n, site, o->err);
        return 0;
    }
    int same = strstr(l, want) != NULL;
    ck_assert_msg(same || (strstr(l, "\"verdict\":\"UNKNOWN\"") &&
                           (strstr(l, "out of memory") || (also && strstr(l, also)))),
                  "N=%ld: %s\n%s", n, l, o->err);
    free(l);
    return same;
}

START_TEST(plugins_out_of_memory)
{
    if (getenv("SW_VALGRIND")) { /* valgrind has its own allocator: test_common covers leaks */
        fprintf(stderr, "plugins_out_of_memory: not under valgrind\n");
        return;
    }
#ifdef __SANITIZE_ADDRESS__
    /* ASan's runtime must come first in the process; a preloaded allocator
     * cannot (test_common fails allocations under ASan through --wrap). */
    fprintf(stderr, "plugins_out_of_memory: not under AddressSanitizer\n");
    return;
#endif
    char pre[600];
    snprintf(pre, sizeof pre, "%s/failalloc.so", getenv("SW_TEST_PLUGINS"));
    ck_assert_msg(access(pre, R_OK) == 0, "%s", pre);
    char *dir = t_conf_dir(NULL, NULL), count[600];
    free(t_write(dir, "sites.ini",
                 /* Two redirects, then "hello sitewatch". */
                 "[site web]\nurl = http://127.0.0.1:%d/r1\nchecks = http\nhttp.warn_after = 30s\n"
                 "http.expect_content = HELLO\nhttp.reject_content = Traceback\nhttp.ignore_case = yes\n"
                 "http.expect_regex = ^hello\\s+sitewatch$\nhttp.expect_header = content-length\n"
                 "http.headers = Accept: text/html\n"
                 "[site names]\nurl = http://127.0.0.1:1/\nchecks = dns\ndns.name = example.org\n"
                 "dns.server = 127.0.0.1:%d, [::1]:%d\ndns.protocol = tcp\ndns.expect = 10.0.0.1\n"
                 "dns.expect_regex = ^10\\.\n",
                 ngx.port, t_free_port(), t_free_port()));
    snprintf(count, sizeof count, "%s/count", dir);
    setenv("SW_FAIL_ALLOC_IN", "http.so,dns.so", 1);
    setenv("SW_FAIL_ALLOC_COUNT", count, 1);
    long n = 0, made = 0, failed_runs = 0;
    for (;; n++) {
        char nb[32];
        snprintf(nb, sizeof nb, "%ld", n);
        setenv("SW_FAIL_ALLOC", nb, 1);
        unlink(count);
        setenv("LD_PRELOAD", pre, 1);
        struct t_out o = t_sitewatch(dir, "check", "--format", "json", NULL);
        unsetenv("LD_PRELOAD");
        ck_assert_msg(o.status < 128, "N=%ld: sitewatch died (%d):\n%s", n, o.status, o.err);
        int same = oom_site_ok(&o, "web", "\"verdict\":\"OK\"", NULL, n);
        /* A c-ares channel that found no memory: "cannot start a DNS query". */
        same &= oom_site_ok(&o, "names", "\"verdict\":\"FAIL\",\"reason\":\"no answer from",
                            "cannot start a DNS query", n);
        t_out_free(&o);
        char *c = t_read(count);
        made = c ? atol(c) : 0;
        free(c);
        if (n == 0) /* nothing failed: the sites as they are */
            ck_assert_msg(same && made > 0, "no allocation seen (%ld)", made);
        else
            failed_runs += !same;
        if (n > made)
            break;
    }
    unsetenv("SW_FAIL_ALLOC");
    fprintf(stderr, "plugins_out_of_memory: %ld allocations, each failed once; %ld runs said so\n", made,
            failed_runs);
    ck_assert_int_gt(failed_runs, 0);
    t_rmtree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    if (t_nginx_start(&ngx) < 0)
        return 99;
    write_regex_bodies();
    write_config();
    run = t_sitewatch(conf, "check", "--format", "json", NULL);
    fprintf(stderr, "--- sitewatch check ---\n%s--- stderr ---\n%s", run.out, run.err);

    Suite *s = suite_create("content");
    TCase *tc = tcase_create("nginx");
    tcase_add_test(tc, text_present_absent_rejected);
    tcase_add_test(tc, regexes);
    tcase_add_test(tc, regex_limits_are_not_the_sites);
    tcase_add_test(tc, ignore_case);
    tcase_add_test(tc, match_split_between_reads);
    tcase_add_test(tc, match_past_max_size);
    tcase_add_test(tc, headers);
    tcase_add_test(tc, worst_rule_first_then_the_others);
    tcase_add_test(tc, time_thresholds_warn_then_fail);
    tcase_add_test(tc, bad_rules_refused_at_load);
    tcase_add_test(tc, bad_regex_one_message);
    tcase_add_test(tc, plugins_out_of_memory);
    suite_add_tcase(s, tc);
    int rc = t_run_suite(s, 1);
    t_out_free(&run);
    t_nginx_stop(&ngx);
    t_rmtree(conf);
    free(conf);
    return rc;
}
