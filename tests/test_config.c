/* SPDX-License-Identifier: MIT
 * Config parsing with every kind of bad input, each with its exact message
 * (file, line, key, bad value, what was expected). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "loader.h"
#include "support.h"
#include "util.h"

static char *dir;

static void setup(void)
{
    dir = t_tmpdir();
}

static void teardown(void)
{
    t_rmtree(dir);
    free(dir);
    sw_loader_unload_all();
}

/* A core section pointing at the built plugins, written as 0core.ini. */
static void core_ini(const char *extra)
{
    free(t_write(dir, "0core.ini", "[core]\nplugin_dir = %s\nmin_interval = 1s\n%s", t_plugin_dir(),
                 extra ? extra : ""));
}

/* Load, bind plugins like `validate` does, and return every error, one a
 * line, with the temp folder shown as DIR. */
static char *errors_of(void)
{
    struct sw_conf *c = sw_conf_load(dir);
    int n = 0;
    struct sw_job **jobs = sw_jobs_bind(c, &n);
    struct sw_buf b = {0};
    sw_buf_puts(&b, "");
    for (int i = 0; i < c->nerrors; i++) {
        const char *e = c->errors[i];
        for (const char *p; (p = strstr(e, dir));) {
            sw_buf_put(&b, e, (size_t)(p - e));
            sw_buf_puts(&b, "DIR");
            e = p + strlen(dir);
        }
        sw_buf_printf(&b, "%s\n", e);
    }
    sw_jobs_free(jobs);
    sw_conf_free(c);
    return b.s;
}

#define EXPECT_ERRORS(expected)                                                                              \
    do {                                                                                                     \
        char *got = errors_of();                                                                             \
        char *want = sw_xasprintf("%s", expected);                                                           \
        for (char *p; (p = strstr(want, "PLUGINS"));) {                                                      \
            char *w = sw_xasprintf("%.*s%s%s", (int)(p - want), want, t_plugin_dir(), p + 7);                \
            free(want);                                                                                      \
            want = w;                                                                                        \
        }                                                                                                    \
        ck_assert_str_eq(got, want);                                                                         \
        free(got);                                                                                           \
        free(want);                                                                                          \
    } while (0)

START_TEST(valid_config)
{
    core_ini(NULL);
    free(
        t_write(dir, "site.ini",
                "; a comment\n[site example]\nurl = http://127.0.0.1:1/\nchecks = http ; inline comment\n"
                "interval = 30s\nhttp.warn_after = 2s\nhttp.max_size = 1M\nhttp.expect_status = 200,301-308\n"
                "http.headers = Accept: text/html\nhttp.headers = X-Probe: sitewatch\n"));
    EXPECT_ERRORS("");
    struct sw_conf *c = sw_conf_load(dir);
    ck_assert_int_eq(c->nsites, 1);
    ck_assert_str_eq(c->sites[0].name, "example");
    ck_assert_int_eq(c->sites[0].interval, 30000000);
    ck_assert_int_eq(c->sites[0].timeout, 10000000);
    struct sw_config v = sw_config_site_view(c, &c->sites[0], "http");
    ck_assert_int_eq(sw_config_lookup_count(&v, "headers"), 2);
    ck_assert_str_eq(sw_config_lookup(&v, "headers", 1)->value, "X-Probe: sitewatch");
    ck_assert_str_eq(sw_config_lookup(&v, "url", -1)->value, "http://127.0.0.1:1/");
    sw_conf_free(c);
}
END_TEST

START_TEST(unknown_section)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini", "[sit example]\nurl = http://x/\n"));
    EXPECT_ERRORS("DIR/a.ini:1: unknown section [sit example]: expected [core], [site NAME], [check NAME], "
                  "[storage NAME] or [output NAME]\n");
}
END_TEST

START_TEST(unknown_key)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini", "[site x]\nurl = http://x/\nchecks = http\nintervall = 5s\n"));
    EXPECT_ERRORS("DIR/a.ini:4: unknown key 'intervall' in [site x]: expected url, checks, store, interval, "
                  "timeout or PLUGIN.key\n");
}
END_TEST

START_TEST(unknown_plugin_key)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini", "[site x]\nurl = http://x/\nchecks = http\nhttp.expect_stauts = 200\n"));
    EXPECT_ERRORS(
        "DIR/a.ini:4: unknown key 'http.expect_stauts' in [site x]: plugin http accepts timeout, url, "
        "expect_status, warn_after, fail_after, max_size, max_redirects, method, headers, ip, "
        "expect_content, "
        "reject_content, expect_regex, ignore_case, expect_header\n");
}
END_TEST

START_TEST(key_for_plugin_not_checked)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini", "[site x]\nurl = http://x/\nchecks = http\ndns.type = A\n"));
    EXPECT_ERRORS(
        "DIR/a.ini:4: key 'dns.type' in [site x] is for plugin 'dns', which is not in checks = http\n");
}
END_TEST

START_TEST(bad_duration)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini",
                 "[site x]\nurl = http://x/\nchecks = http\ninterval = 10q\nhttp.warn_after = soon\n"));
    EXPECT_ERRORS("DIR/a.ini:4: in [site x], interval = \"10q\": expected a positive duration such as 250ms, "
                  "10s, 5m or 1h\n"
                  "DIR/a.ini:5: in [site x], http.warn_after = \"soon\": expected a duration such as 250ms, "
                  "10s, 5m or 1h\n");
}
END_TEST

START_TEST(bad_size)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini", "[site x]\nurl = http://x/\nchecks = http\nhttp.max_size = 200q\n"));
    EXPECT_ERRORS(
        "DIR/a.ini:4: in [site x], http.max_size = \"200q\": expected a size such as 512, 200k or 2M\n");
}
END_TEST

START_TEST(duplicate_site)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini", "[site x]\nurl = http://x/\nchecks = http\n"));
    free(t_write(dir, "b.ini", "; same site again\n\n[site x]\nurl = http://y/\nchecks = http\n"));
    EXPECT_ERRORS("DIR/b.ini:3: duplicate section [site x], first defined at DIR/a.ini:1\n");
}
END_TEST

START_TEST(missing_url_and_checks)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini", "[site x]\ninterval = 60s\n"));
    EXPECT_ERRORS(
        "DIR/a.ini:1: [site x] has no url: expected url = http://... or https://...\n"
        "DIR/a.ini:1: [site x] has no checks: expected checks = a list of check plugins such as http\n");
}
END_TEST

START_TEST(unknown_plugin)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini", "[site x]\nurl = http://x/\nchecks = htp\n"));
    EXPECT_ERRORS("DIR/a.ini:3: in [site x], unknown check plugin 'htp': there is no PLUGINS/htp.so\n");
}
END_TEST

START_TEST(wrong_kind_of_plugin)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini", "[site x]\nurl = http://x/\nchecks = sqlite\n"));
    EXPECT_ERRORS("DIR/a.ini:3: in [site x], plugin 'sqlite' is a storage plugin, not a check plugin\n");
}
END_TEST

START_TEST(bad_values_checked_by_plugin)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini",
                 "[site x]\nurl = ftp://x/\nchecks = http\nhttp.expect_status = 200-99\nhttp.method = POST\n"
                 "http.max_redirects = many\n"));
    EXPECT_ERRORS(
        "DIR/a.ini:2: in [site x], url = \"ftp://x/\": expected an http:// or https:// URL\n"
        "DIR/a.ini:4: in [site x], http.expect_status = \"200-99\": expected status codes 100-599 as "
        "a list of N or N-M, e.g. 200-399\n"
        "DIR/a.ini:6: in [site x], http.max_redirects = \"many\": expected a number from 0 to 50\n"
        "DIR/a.ini:5: in [site x], http.method = \"POST\": expected GET or HEAD\n");
}
END_TEST

START_TEST(check_section_defaults)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini",
                 "[check http]\nwarn_after = slow\nmax_size = 1M\nbogus = 1\n"
                 "[site x]\nurl = http://x/\nchecks = http\n"));
    EXPECT_ERRORS("DIR/a.ini:4: unknown key 'bogus' in [check http]: plugin http accepts timeout, url, "
                  "expect_status, warn_after, fail_after, max_size, max_redirects, method, headers, ip, "
                  "expect_content, reject_content, expect_regex, ignore_case, expect_header\n"
                  "DIR/a.ini:2: in [site x], warn_after = \"slow\": expected a duration such as 250ms, 10s, "
                  "5m or 1h\n");
}
END_TEST

START_TEST(interval_floor_and_timeout)
{
    core_ini("min_interval = 10s\n");
    free(t_write(dir, "a.ini",
                 "[site x]\nurl = http://x/\nchecks = http\ninterval = 5s\n"
                 "[site y]\nurl = http://y/\nchecks = http\ninterval = 30s\nhttp.timeout = 1m\n"));
    EXPECT_ERRORS("DIR/a.ini:4: in [site x], interval = 5 s is below min_interval (10 s): probes are "
                  "rate-limited; raise the interval or lower min_interval in [core]\n"
                  "DIR/a.ini:9: in [site y], http.timeout = \"1m\": expected a timeout no longer than the "
                  "interval (30 s); it is 60 s\n");
}
END_TEST

START_TEST(syntax_errors)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini",
                 "orphan = 1\n[site x\n[site x]\nurl = http://x/\nchecks = http\nthis is not ini\n"));
    EXPECT_ERRORS("DIR/a.ini:1: key 'orphan' outside any section: expected a [section] first\n"
                  "DIR/a.ini:2: section header lacks ']': expected [site NAME], [core], ...\n"
                  "DIR/a.ini:6: cannot parse this line: expected key = value, [section] or a ; comment\n");
}
END_TEST

START_TEST(long_line)
{
    core_ini(NULL);
    char *big = malloc(100 * 1024 + 1);
    memset(big, 'a', 100 * 1024);
    big[100 * 1024] = '\0';
    free(t_write(dir, "a.ini", "[site x]\nurl = http://x/%s\nchecks = http\n", big));
    free(big);
    EXPECT_ERRORS("DIR/a.ini:2: line is 102415 characters long; the limit is 198\n"
                  "DIR/a.ini:1: [site x] has no url: expected url = http://... or https://...\n");
}
END_TEST

START_TEST(bad_site_name_and_core_key)
{
    core_ini("workers = 4\n");
    free(t_write(dir, "a.ini", "[site my site!]\nurl = http://x/\n"));
    EXPECT_ERRORS(
        "DIR/a.ini:1: section [site my site!]: the name may hold only letters, digits, '.', '-' "
        "and '_'\n"
        "DIR/0core.ini:4: unknown key 'workers' in [core]: expected one of plugin_dir, location, "
        "default_interval, default_timeout, min_interval, max_in_flight, recent, queue_size, keep_raw, "
        "keep_rollups, health_file\n");
}
END_TEST

START_TEST(all_errors_reported)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini",
                 "[site a]\nchecks = http\n[site b]\nurl = http://b/\nchecks = nope\n"
                 "[site c]\nurl = http://c/\nchecks = http\nhttp.max_size = x\n"));
    char *got = errors_of();
    int lines = 0;
    for (char *p = got; *p; p++)
        lines += *p == '\n';
    ck_assert_msg(strstr(got, "no url") && strstr(got, "'nope'") && strstr(got, "max_size"), "%s", got);
    free(got);
    /* a: no url; b: unknown plugin; c: bad size.  All three, not the first. */
    ck_assert_int_eq(lines, 3);
}
END_TEST

/* What ships in conf.d/ (and every example in conf.d/examples/) loads
 * without an error, each file on its own with a test [core]. */
START_TEST(shipped_config_is_valid)
{
    static const char *const files[] = {
        "python.org.ini",        "examples/site-http.ini",      "examples/site-https.ini",
        "examples/site-dns.ini", "examples/check-defaults.ini", "sitewatch.ini",
        "examples/core.ini"};
    const char *f = files[_i];
    char path[512];
    snprintf(path, sizeof path, "%s/conf.d/%s", t_source_root(), f);
    char *text = t_read(path);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    core_ini(NULL);
    /* The test's plugin_dir stands in for the shipped one. */
    for (char *p = text; (p = strstr(p, "plugin_dir")); p++)
        if (p == text || p[-1] == '\n')
            *p = ';';
    free(t_write(dir, "shipped.ini", "%s", text));
    if (strstr(f, "check-defaults") || strstr(f, "core"))
        free(t_write(dir, "site.ini", "[site x]\nurl = http://127.0.0.1/\nchecks = http\n"));
    EXPECT_ERRORS("");
    free(text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, valid_config);
    tcase_add_test(tc, unknown_section);
    tcase_add_test(tc, unknown_key);
    tcase_add_test(tc, unknown_plugin_key);
    tcase_add_test(tc, key_for_plugin_not_checked);
    tcase_add_test(tc, bad_duration);
    tcase_add_test(tc, bad_size);
    tcase_add_test(tc, duplicate_site);
    tcase_add_test(tc, missing_url_and_checks);
    tcase_add_test(tc, unknown_plugin);
    tcase_add_test(tc, wrong_kind_of_plugin);
    tcase_add_test(tc, bad_values_checked_by_plugin);
    tcase_add_test(tc, check_section_defaults);
    tcase_add_test(tc, interval_floor_and_timeout);
    tcase_add_test(tc, syntax_errors);
    tcase_add_test(tc, long_line);
    tcase_add_test(tc, bad_site_name_and_core_key);
    tcase_add_test(tc, all_errors_reported);
    tcase_add_loop_test(tc, shipped_config_is_valid, 0, 7);
    suite_add_tcase(s, tc);
    return t_run_suite(s, 0);
}
