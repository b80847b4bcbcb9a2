/* SPDX-License-Identifier: MIT
 * Config parsing with every kind of bad input, each with its exact message
 * (file, line, key, bad value, what was expected). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "engine.h"
#include "loader.h"
#include "maint.h"
#include "support.h"
#include "units.h"
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
    struct sw_series **series = sw_series_bind(c, &n);
    struct buf b = {0};
    buf_puts(&b, "");
    for (int i = 0; i < c->nerrors; i++) {
        const char *e = c->errors[i];
        for (const char *p; (p = strstr(e, dir));) {
            buf_put(&b, e, (size_t)(p - e));
            buf_puts(&b, "DIR");
            e = p + strlen(dir);
        }
        buf_printf(&b, "%s\n", e);
    }
    sw_series_list_free(series);
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
                  "[storage NAME], [output NAME], [notify NAME] or [maintenance NAME]\n");
}
END_TEST

START_TEST(unknown_key)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini", "[site x]\nurl = http://x/\nchecks = http\nintervall = 5s\n"));
    EXPECT_ERRORS("DIR/a.ini:4: unknown key 'intervall' in [site x]: expected url, checks, store, interval, "
                  "timeout, notify, alert_after, recover_after, remind_every, alert_on, depends_on or "
                  "PLUGIN.key\n");
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
    /* The keys the core reads come first, in the plugin's order; then the
     * ones the plugin judges. */
    EXPECT_ERRORS(
        "DIR/a.ini:6: in [site x], http.max_redirects = \"many\": expected a whole number from 0 to 50\n"
        "DIR/a.ini:5: in [site x], http.method = \"POST\": expected GET or HEAD\n"
        "DIR/a.ini:2: in [site x], url = \"ftp://x/\": expected an http:// or https:// URL\n"
        "DIR/a.ini:4: in [site x], http.expect_status = \"200-99\": expected status codes 100-599 as "
        "a list of N or N-M, e.g. 200-399\n");
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
                  "DIR/a.ini:2: in [check http], warn_after = \"slow\": expected a duration such as 250ms, "
                  "10s, 5m or 1h\n");
}
END_TEST

START_TEST(interval_floor_and_timeout)
{
    core_ini(NULL);
    /* [core] split over files: the later file's value overrides. */
    free(t_write(dir, "1core.ini", "[core]\nmin_interval = 10s\n"));
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
    EXPECT_ERRORS("DIR/a.ini:2: line is 102415 characters long; the limit is 65536\n"
                  "DIR/a.ini:1: [site x] has no url: expected url = http://... or https://...\n");
}
END_TEST

/* Lines longer than inih's 200-byte buffer (a bearer token, a long URL)
 * read as the same lines would when short: inline comments cut, an
 * indented line continuing the key before it, comments skipped, a line
 * with no '=' refused. */
START_TEST(long_lines_read_like_short_ones)
{
    core_ini(NULL);
    char token[3001], path[1001];
    for (int i = 0; i < 3000; i++)
        token[i] = "abcdefghij0123456789-_."[i % 23];
    token[3000] = '\0';
    memset(path, 'p', 1000);
    path[1000] = '\0';
    free(t_write(dir, "a.ini",
                 "[site x]\n"
                 "url = http://127.0.0.1:1/%s ; the long way round\n"
                 "checks = http\n"
                 "; %s\n"
                 "http.headers = Authorization: Bearer %s\n"
                 "   X-Long: %s ; continued\n"
                 "http.expect_content=%s;not a comment\n",
                 path, token, token, path, token));
    EXPECT_ERRORS("");
    struct sw_conf *c = sw_conf_load(dir);
    struct sw_section *s = sw_conf_section(c, SW_SEC_SITE, "x");
    ck_assert_ptr_nonnull(s);
    char *want = sw_xasprintf("http://127.0.0.1:1/%s", path);
    ck_assert_str_eq(sw_section_get(s, "url")->value, want);
    free(want);
    int nheaders = 0;
    for (int i = 0; i < s->nentries; i++) {
        if (strcmp(s->entries[i].key, "http.headers") != 0)
            continue;
        want = sw_xasprintf(nheaders ? "X-Long: %s" : "Authorization: Bearer %s", nheaders ? path : token);
        ck_assert_str_eq(s->entries[i].value, want);
        ck_assert_int_eq(s->entries[i].line, 5 + nheaders++);
        free(want);
    }
    ck_assert_int_eq(nheaders, 2);
    want = sw_xasprintf("%s;not a comment", token);
    ck_assert_str_eq(sw_section_get(s, "http.expect_content")->value, want);
    free(want);
    sw_conf_free(c);

    free(t_write(dir, "a.ini", "[site x]\nurl = http://x/\nchecks = http\n%s\n", token));
    EXPECT_ERRORS("DIR/a.ini:4: cannot parse this line: expected key = value, [section] or a ; comment\n");
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
        "keep_rollups, health_file, read_from, notify, alert_after, recover_after, remind_every, alert_on, "
        "public_url, state, notify_self\n");
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
        "examples/core.ini",     "examples/notify-email.ini"};
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
    if (strstr(f, "check-defaults") || strstr(f, "core") || strstr(f, "notify"))
        free(t_write(dir, "site.ini", "[site x]\nurl = http://127.0.0.1/\nchecks = http\n"));
    EXPECT_ERRORS("");
    free(text);
}
END_TEST

/* plugin = P: two instances of one plugin side by side, each its own
 * section, named by the site's store list. */
START_TEST(plugin_key_names_instances)
{
    core_ini("read_from = copy\n[storage main]\nplugin = sqlite\npath = a.db\n[storage copy]\n"
             "plugin = sqlite\npath = b.db\n[output public]\nplugin = html\ndir = p1\n[output internal]\n"
             "plugin = html\ndir = p2\nbogus = 1\n");
    free(t_write(dir, "a.ini", "[site x]\nurl = http://x/\nchecks = http\nstore = main, copy\n"));
    /* Keys are the instance's plugin's: html's list, not a plugin "internal". */
    EXPECT_ERRORS("DIR/0core.ini:17: unknown key 'bogus' in [output internal]: plugin html accepts dir, "
                  "every, title\n");
}
END_TEST

/* read_from names a storage that only writes. */
START_TEST(read_from_must_read)
{
    core_ini("read_from = csv\n[storage csv]\ndir = out\n");
    free(t_write(dir, "a.ini", "[site x]\nurl = http://x/\nchecks = http\n"));
    EXPECT_ERRORS("DIR/0core.ini:4: in [core], read_from = \"csv\": expected a [storage] that can read "
                  "results back; plugin csv of [storage csv] only writes\n");
}
END_TEST

/* A result keeps a bit per storage: the 33rd section is refused, named. */
START_TEST(storage_limit_named)
{
    core_ini(NULL);
    struct buf b = {0};
    for (int i = 0; i <= SW_STORAGE_MAX; i++)
        buf_printf(&b, "[storage s%d]\nplugin = csv\ndir = out%d\n", i, i);
    free(t_write(dir, "s.ini", "%s", b.s));
    buf_free(&b);
    free(t_write(dir, "a.ini", "[site x]\nurl = http://x/\nchecks = http\n"));
    EXPECT_ERRORS("DIR/s.ini:97: [storage s32] is one too many: at most 32 [storage] sections (each result "
                  "keeps a bit per storage)\n");
}
END_TEST

/* Every key with a wrong, empty or out-of-range value: one row each, the
 * exact message `validate` gives (and only that one). */
static const struct bad_value {
    const char *where, *key, *value, *message;
} bad_values[] = {
    {"core", "default_interval", "soon",
     "DIR/0core.ini:3: in [core], default_interval = \"soon\": expected a positive duration such as 250ms, "
     "10s, 5m or 1h"},
    {"core", "default_interval", "",
     "DIR/0core.ini:3: in [core], default_interval = \"\": expected a positive duration such as 250ms, 10s, "
     "5m or 1h"},
    {"core", "default_timeout", "-5s",
     "DIR/0core.ini:3: in [core], default_timeout = \"-5s\": expected a positive duration such as 250ms, "
     "10s, 5m or 1h"},
    {"core", "max_in_flight", "many",
     "DIR/0core.ini:3: in [core], max_in_flight = \"many\": expected a whole number of at least 1"},
    {"core", "max_in_flight", "0",
     "DIR/0core.ini:3: in [core], max_in_flight = \"0\": expected a whole number of at least 1"},
    {"core", "max_in_flight", "99999999999",
     "DIR/0core.ini:3: in [core], max_in_flight = \"99999999999\": expected a whole number of at least 1"},
    {"core", "recent", "",
     "DIR/0core.ini:3: in [core], recent = \"\": expected a whole number of at least 1"},
    {"core", "queue_size", "1e6",
     "DIR/0core.ini:3: in [core], queue_size = \"1e6\": expected a whole number of at least 16"},
    {"core", "keep_raw", "1d",
     "DIR/0core.ini:3: in [core], keep_raw = \"1d\": expected a duration of at least 2d"},
    {"core", "keep_rollups", "10d",
     "DIR/0core.ini:3: in [core], keep_rollups = \"10d\": expected a duration no shorter than keep_raw"},
    {"core", "read_from", "nosuch",
     "DIR/0core.ini:3: in [core], read_from = \"nosuch\": expected the name of a [storage NAME] section that "
     "can read results back"},
    {"core", "location", "",
     "DIR/0core.ini:3: in [core], location = \"\": expected a name for where this sitewatch probes from "
     "(letters, digits, '.', '-', '_'; at most 100 characters), e.g. eu-west"},
    {"core", "location", "two words",
     "DIR/0core.ini:3: in [core], location = \"two words\": expected a name for where this sitewatch probes "
     "from (letters, digits, '.', '-', '_'; at most 100 characters), e.g. eu-west"},
    {"site", "url", "", "DIR/a.ini:1: [site x] has no url: expected url = http://... or https://..."},
    {"site", "url", "not a url",
     "DIR/a.ini:4: in [site x], url = \"not a url\": expected an http:// or https:// URL"},
    {"site", "checks", "",
     "DIR/a.ini:4: [site x] has no checks: expected checks = a list of check plugins such as http"},
    {"site", "store", "nosuch",
     "DIR/a.ini:4: in [site x], store = \"nosuch\": no [storage nosuch] section is configured"},
    {"site", "interval", "0s",
     "DIR/a.ini:4: in [site x], interval = \"0s\": expected a positive duration such as 250ms, 10s, 5m or "
     "1h"},
    {"site", "interval", "1.5.3s",
     "DIR/a.ini:4: in [site x], interval = \"1.5.3s\": expected a positive duration such as 250ms, 10s, 5m "
     "or 1h"},
    {"site", "timeout", "never",
     "DIR/a.ini:4: in [site x], timeout = \"never\": expected a positive duration such as 250ms, 10s, 5m or "
     "1h"},
    {"http", "expect_status", "abc",
     "DIR/a.ini:4: in [site x], http.expect_status = \"abc\": expected status codes 100-599 as a list of N "
     "or N-M, e.g. 200-399"},
    {"http", "warn_after", "5",
     "DIR/a.ini:4: in [site x], http.warn_after = \"5\": expected a duration such as 250ms, 10s, 5m or 1h"},
    {"http", "fail_after", "1s",
     "DIR/a.ini:4: in [site x], http.fail_after = \"1s\": expected a duration longer than warn_after (5 s)"},
    {"http", "max_size", "-1",
     "DIR/a.ini:4: in [site x], http.max_size = \"-1\": expected a size such as 512, 200k or 2M"},
    {"http", "max_size", "9999999999999999999999",
     "DIR/a.ini:4: in [site x], http.max_size = \"9999999999999999999999\": expected a size such as 512, "
     "200k or 2M"},
    {"http", "max_redirects", "-1",
     "DIR/a.ini:4: in [site x], http.max_redirects = \"-1\": expected a whole number from 0 to 50"},
    {"http", "method", "", "DIR/a.ini:4: in [site x], http.method = \"\": expected GET or HEAD"},
    {"http", "headers", "NoColon",
     "DIR/a.ini:4: in [site x], http.headers = \"NoColon\": expected a header line such as 'Accept: "
     "text/html'"},
    {"http", "ip", "5", "DIR/a.ini:4: in [site x], http.ip = \"5\": expected any, 4 or 6"},
    {"http", "expect_content", "",
     "DIR/a.ini:4: in [site x], http.expect_content = \"\": expected the text to look for"},
    {"http", "expect_regex", "(unclosed",
     "DIR/a.ini:4: in [site x], http.expect_regex = \"(unclosed\": expected a PCRE2 regular expression "
     "(missing closing parenthesis at offset 9)"},
    {"http", "ignore_case", "maybe",
     "DIR/a.ini:4: in [site x], http.ignore_case = \"maybe\": expected yes or no"},
    {"https", "cert_warn_days", "soon",
     "DIR/a.ini:4: in [site x], https.cert_warn_days = \"soon\": expected a whole number from 0 to 3650"},
    {"https", "min_tls", "1.4",
     "DIR/a.ini:4: in [site x], https.min_tls = \"1.4\": expected 1.0, 1.1, 1.2 or 1.3"},
    {"https", "ca_file", "/nonexistent.pem",
     "DIR/a.ini:4: in [site x], https.ca_file = \"/nonexistent.pem\": expected a readable PEM file of "
     "trusted CA certificates (No such file or directory)"},
    {"https", "verify", "perhaps",
     "DIR/a.ini:4: in [site x], https.verify = \"perhaps\": expected yes or no"},
    {"dns", "type", "AXFR",
     "DIR/a.ini:4: in [site x], dns.type = \"AXFR\": expected one of A, AAAA, CNAME, MX, NS, TXT, SOA, SRV, "
     "CAA or PTR"},
    {"dns", "server", "not an address",
     "DIR/a.ini:4: in [site x], dns.server = \"not an address\": expected IP addresses with an optional "
     "port, e.g. 127.0.0.1:5353, [::1]:53"},
    {"dns", "match", "some", "DIR/a.ini:4: in [site x], dns.match = \"some\": expected any, all or exactly"},
    {"dns", "protocol", "sctp", "DIR/a.ini:4: in [site x], dns.protocol = \"sctp\": expected udp or tcp"},
    {"dns", "name", "",
     "DIR/a.ini:4: in [site x], dns.name = \"\": expected a DNS name: labels of letters, digits, '-' or '_', "
     "1-63 bytes each, 253 in all"},
    {"sqlite", "path", "",
     "DIR/0core.ini:4: in [storage sqlite], path = \"\": expected the database file, e.g. var/sitewatch.db"},
    {"sqlite", "busy_timeout", "long",
     "DIR/0core.ini:4: in [storage sqlite], busy_timeout = \"long\": expected a duration such as 250ms, 10s, "
     "5m or 1h"},
    {"sqlite", "plugin", "nope",
     "DIR/0core.ini:4: in [storage sqlite], plugin = \"nope\": expected a storage plugin's name: there is "
     "no "},
    {"csv", "plugin", "../csv",
     "DIR/0core.ini:4: in [storage csv], plugin = \"../csv\": expected a storage plugin's name (letters, "
     "digits, '_' and '-'), found as NAME.so in "},
    {"csv", "fsync", "always", "DIR/0core.ini:4: in [storage csv], fsync = \"always\": expected "},
    {"html", "every", "often",
     "DIR/0core.ini:4: in [output html], every = \"often\": expected a duration from 1 s to 1440 min, "
     "such as 250ms, 10s or 5m"},
    {"html", "plugin", "sqlite",
     "DIR/0core.ini:4: in [output html], plugin = \"sqlite\": expected an output plugin's name: sqlite is a "
     "storage plugin"},
    {"html", "dir", "",
     "DIR/0core.ini:4: in [output html], dir = \"\": expected the folder to write the pages to, e.g. public"},
};

START_TEST(bad_value_table)
{
    const struct bad_value *r = &bad_values[_i];
    int core = strcmp(r->where, "core") == 0, site = strcmp(r->where, "site") == 0;
    int storage = strcmp(r->where, "sqlite") == 0 || strcmp(r->where, "csv") == 0;
    int output = strcmp(r->where, "html") == 0;
    int plugin = !core && !site && !storage && !output;
    char sec[1200] = "";
    if (storage || output)
        snprintf(sec, sizeof sec, "[%s %s]\n%s = %s\n%s", storage ? "storage" : "output", r->where, r->key,
                 r->value,
                 strcmp(r->key, "path") == 0 || strcmp(r->key, "dir") == 0 ? ""
                 : strcmp(r->where, "sqlite") == 0                         ? "path = db/sw.db\n"
                                                                           : "dir = out\n");
    free(t_write(dir, "0core.ini", "[core]\nplugin_dir = %s\n%s%s%s%s", t_plugin_dir(), core ? r->key : "",
                 core ? " = " : "", core ? r->value : "", core ? "\n" : sec));
    const char *check = plugin ? r->where : "http";
    if (site && (strcmp(r->key, "url") == 0 || strcmp(r->key, "checks") == 0))
        free(t_write(dir, "a.ini", "[site x]\n; the key under test is below\n%s = %s\n%s = %s\n",
                     strcmp(r->key, "url") == 0 ? "checks" : "url",
                     strcmp(r->key, "url") == 0 ? check : "https://x.example/", r->key, r->value));
    else
        free(t_write(dir, "a.ini", "[site x]\nurl = https://x.example/\nchecks = %s\n%s%s%s = %s\n", check,
                     plugin ? r->where : "", plugin ? "." : "",
                     site     ? r->key
                     : plugin ? r->key
                              : "; none",
                     site || plugin ? r->value : ""));
    struct t_out o = t_sitewatch(dir, "validate", NULL);
    struct buf want = {0};
    for (const char *m = r->message, *p; *m; m = p + 3) {
        p = strstr(m, "DIR");
        if (!p) {
            buf_puts(&want, m);
            break;
        }
        buf_put(&want, m, (size_t)(p - m));
        buf_puts(&want, dir);
    }
    ck_assert_msg(o.status == 1, "%s %s: exit %d\n%s", r->where, r->key, o.status, o.err);
    ck_assert_msg(strstr(o.err, want.s) == o.err, "%s %s = '%s':\nwant %s\ngot  %s", r->where, r->key,
                  r->value, want.s, o.err);
    ck_assert_msg(strstr(o.err, ": 1 configuration error(s)\n"), "more than one error:\n%s", o.err);
    buf_free(&want);
    t_out_free(&o);
}
END_TEST

/* Input that is not text, or far too much of it. */
START_TEST(not_text)
{
    core_ini(NULL);
    char *path = t_write(dir, "a.ini", "%s", "");
    FILE *f = fopen(path, "w");
    free(path);
    fputs("[site caf\xe9]\nurl = http://x/\nchecks = http\n", f); /* Latin-1, not UTF-8 */
    fputs("[site y]\nurl = http://x/\x01y\nchecks = http\n", f);  /* a control character */
    fputs("[site z]\nurl = http://a", f);                         /* a NUL byte */
    fputc(0, f);
    fputs("b/\nchecks = http\n", f);
    fclose(f);
    EXPECT_ERRORS("DIR/a.ini:1: column 10: bytes that are not UTF-8: save the file as UTF-8; the line is "
                  "ignored\n"
                  "DIR/a.ini:2: key 'url' outside any section: expected a [section] first\n"
                  "DIR/a.ini:3: key 'checks' outside any section: expected a [section] first\n"
                  "DIR/a.ini:5: column 16: control character 0x01 (not allowed in a value); the line is "
                  "ignored\n"
                  "DIR/a.ini:8: column 15: a NUL byte: this is not a text file; the line is ignored\n"
                  "DIR/a.ini:4: [site y] has no url: expected url = http://... or https://...\n"
                  "DIR/a.ini:7: [site z] has no url: expected url = http://... or https://...\n");
}
END_TEST

/* A 1 MB value: the line-length limit says so, once. */
START_TEST(huge_value)
{
    core_ini(NULL);
    char *big = malloc(1024 * 1024 + 1);
    memset(big, 'v', 1024 * 1024);
    big[1024 * 1024] = '\0';
    free(t_write(dir, "a.ini", "[site x]\nurl = http://x/\nchecks = http\nhttp.expect_content = %s\n", big));
    free(big);
    EXPECT_ERRORS("DIR/a.ini:4: line is 1048598 characters long; the limit is 65536\n");
}
END_TEST

/* 10,000 sites in 100 files load, bind and validate. */
START_TEST(ten_thousand_sites)
{
    core_ini(NULL);
    for (int f = 0; f < 100; f++) {
        char name[32];
        snprintf(name, sizeof name, "sites%02d.ini", f);
        struct buf b = {0};
        for (int i = 0; i < 100; i++)
            buf_printf(&b, "[site s%d-%d]\nurl = http://127.0.0.1:1/%d\nchecks = http\n", f, i, i);
        free(t_write(dir, name, "%s", b.s));
        buf_free(&b);
    }
    struct t_out o = t_sitewatch(dir, "validate", NULL);
    ck_assert_int_eq(o.status, 0);
    T_HAS(o.out, ": OK, 10000 site(s), 10000 check(s)");
    t_out_free(&o);
}
END_TEST

/* Issue 15.1: a check named twice in one site is refused (it used to
 * corrupt memory in check and on reload). */
START_TEST(check_named_twice)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini", "[site x]\nurl = http://127.0.0.1:1/\nchecks = http, dns, http\n"));
    EXPECT_ERRORS("DIR/a.ini:3: in [site x], checks = \"http, dns, http\": expected each check once; 'http' "
                  "is named twice\n");
    struct t_out o = t_sitewatch(dir, "check", NULL);
    ck_assert_int_eq(o.status, 3);
    T_HAS(o.err, "expected each check once");
    t_out_free(&o);
}
END_TEST

/* Issue 15.11: a key that takes one value, given twice in one section, is
 * refused: a wrapped URL or a stray duplicate no longer silently wins.
 * Across files [core] may still be overridden. */
START_TEST(single_key_given_twice)
{
    core_ini(NULL);
    free(t_write(dir, "1core.ini", "[core]\nlocation = here\nlocation = there\n"));
    free(t_write(dir, "2core.ini", "[core]\nrecent = 9\n"));
    free(t_write(dir, "3core.ini", "[core]\nrecent = 10\n"));
    free(t_write(dir, "a.ini",
                 "[check http]\nmethod = GET\nmethod = HEAD\n"
                 "[site x]\nurl = http://127.0.0.1:1/a\n  http://127.0.0.1:1/b\nchecks = http\n"
                 "interval = 30s\ninterval: 60s\nhttp.expect_status = 500\nhttp.expect_status = 200\n"
                 "http.headers = A: 1\nhttp.headers = B: 2\n"));
    EXPECT_ERRORS(
        "DIR/1core.ini:3: in [core], location = \"there\": expected location once; it is already "
        "given at line 2\n"
        "DIR/a.ini:6: in [site x], url = \"http://127.0.0.1:1/b\": expected url once; it is already "
        "given at line 5\n"
        "DIR/a.ini:9: in [site x], interval = \"60s\": expected interval once; it is already given "
        "at line 8\n"
        "DIR/a.ini:3: in [check http], method = \"HEAD\": expected method once; it is already given "
        "at line 2\n"
        "DIR/a.ini:11: in [site x], http.expect_status = \"200\": expected http.expect_status once; "
        "it is already given at line 10\n");
}
END_TEST

/* Issue 15.8: a key repeated more than 256 times keeps every value (it
 * kept 256, so the 300th rule was never judged). */
START_TEST(many_values_all_kept)
{
    core_ini(NULL);
    struct buf b = {0};
    buf_puts(&b, "[site x]\nurl = http://127.0.0.1:1/\nchecks = http\n");
    for (int i = 0; i < 300; i++)
        buf_printf(&b, "http.expect_content = word%d\n", i);
    free(t_write(dir, "a.ini", "%s", b.s));
    buf_free(&b);
    struct sw_conf *c = sw_conf_load(dir);
    ck_assert_int_eq(c->nerrors, 0);
    ck_assert_int_eq(c->nsites, 1);
    struct sw_config v = sw_config_site_view(c, &c->sites[0], "http");
    ck_assert_int_eq(sw_config_lookup_count(&v, "expect_content"), 300);
    ck_assert_str_eq(sw_config_lookup(&v, "expect_content", 299)->value, "word299");
    ck_assert_str_eq(sw_config_lookup(&v, "expect_content", -1)->value, "word299");
    ck_assert_ptr_null(sw_config_lookup(&v, "expect_content", 300));
    sw_conf_free(c);
}
END_TEST

/* Issue 15.7: only regular files are read; a FIFO, a directory or a link
 * to a device named *.ini is refused by name, and nothing hangs. */
START_TEST(not_a_regular_file)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini", "[site x]\nurl = http://127.0.0.1:1/\nchecks = http\n"));
    char *p = sw_xasprintf("%s/b.ini", dir);
    ck_assert_int_eq(mkfifo(p, 0644), 0);
    free(p);
    p = sw_xasprintf("%s/c.ini", dir);
    ck_assert_int_eq(mkdir(p, 0755), 0);
    free(p);
    p = sw_xasprintf("%s/d.ini", dir);
    ck_assert_int_eq(symlink("/dev/zero", p), 0);
    free(p);
    p = sw_xasprintf("%s/e.ini", dir); /* a link to a regular file is read */
    char *target = t_write(dir, "e.txt", "[site e]\nurl = http://127.0.0.1:1/\nchecks = http\n");
    ck_assert_int_eq(symlink(target, p), 0);
    free(target);
    free(p);
    alarm(20); /* the FIFO used to block the reader for ever */
    EXPECT_ERRORS("DIR/b.ini: a FIFO, not a regular file: expected an INI text file; it is not read\n"
                  "DIR/c.ini: a directory, not a regular file: expected an INI text file; it is not read\n"
                  "DIR/d.ini: a character device, not a regular file: expected an INI text file; it is not "
                  "read\n");
    struct t_out o = t_sitewatch(dir, "validate", NULL);
    ck_assert_int_eq(o.status, 1);
    T_HAS(o.err, "b.ini: a FIFO");
    t_out_free(&o);
    alarm(0);
}
END_TEST

/* Issue 15.9: names are limited to what every part handles (a page file,
 * add's temporary file, the edit commands), with the limit named. */
START_TEST(name_length_limit)
{
    core_ini(NULL);
    char ok[101], longer[102];
    memset(ok, 'a', 100);
    ok[100] = '\0';
    memset(longer, 'b', 101);
    longer[101] = '\0';
    free(t_write(dir, "a.ini", "[site %s]\nurl = http://127.0.0.1:1/\nchecks = http\n[site %s]\nurl = x\n",
                 ok, longer));
    EXPECT_ERRORS("DIR/a.ini:4: section [site bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...]: the name is 101 "
                  "characters long; the limit is 100\n");
    char *argv[] = {(char *)t_bin(), "-c", dir, "add", longer, "http://127.0.0.1:1/", NULL};
    struct t_out o = t_run(argv, 30);
    ck_assert_int_eq(o.status, 1);
    T_HAS(o.err, "at most 100 characters");
    t_out_free(&o);
}
END_TEST

/* A config error quotes the refused value: a URL's password is hidden
 * there too, punctuation and all. */
START_TEST(errors_hide_passwords)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini", "[site x]\nurl = ftp://bob:s3'\"<>t@127.0.0.1/\nchecks = http\n"));
    EXPECT_ERRORS("DIR/a.ini:2: in [site x], url = \"ftp://bob:***@127.0.0.1/\": expected an http:// or "
                  "https:// URL\n");
    struct t_out o = t_sitewatch(dir, "validate", NULL);
    ck_assert_int_eq(o.status, 1);
    ck_assert_ptr_null(strstr(o.err, "s3'"));
    ck_assert_ptr_null(strstr(o.out, "s3'"));
    t_out_free(&o);
}
END_TEST

/* The command line: each bad use, its exit code and its first line. */
static const struct bad_args {
    const char *args[5];
    int status;
    const char *first_line;
} bad_args[] = {
    {{NULL}, 3, "usage: sitewatch [-c DIR] [-v|-q] COMMAND [ARGS] [--format table|json]"},
    {{"bogus"}, 3, "sitewatch: unknown command 'bogus'"},
    {{"-c", "/nonexistent/conf", "validate"},
     1,
     "/nonexistent/conf: cannot read the config folder: No such file or directory\n"
     "/nonexistent/conf: 1 configuration error(s)"},
    {{"validate", "-c"}, 3, "sitewatch: -c needs the configuration folder"},
    {{"-V"}, 3, "sitewatch: unknown command '-V'"},
    {{"--format", "xml", "check"}, 3, "sitewatch: --format takes table or json, not 'xml'"},
    {{"run", "--pid-file"}, 3, "sitewatch: run: --pid-file needs a PATH"},
    {{"run", "extra"}, 3, "sitewatch: run: unexpected 'extra' (run takes --pid-file PATH)"},
    {{"check", "--bogus"}, 3, "sitewatch: check: unknown option '--bogus' (check takes site names)"},
    {{"check", "nosuchsite"}, 3, "sitewatch: no site named 'nosuchsite' in @DIR@"},
    {{"status", "extra"}, 3, "sitewatch: status takes no arguments, not 'extra'"},
    {{"validate", "extra"}, 3, "sitewatch: validate takes no arguments, not 'extra'"},
    {{"render", "extra"}, 3, "sitewatch: render takes no arguments"},
    {{"add"}, 3, "usage: sitewatch add NAME URL [--checks https,dns] [--interval 60s] [--set KEY=VALUE ...]"},
    {{"add", "y", "http://127.0.0.1:1/", "--set", "http.expect_content=price ;tax"},
     3,
     "sitewatch: add: cannot write http.expect_content = 'price ;tax': it holds ';' after a space, which "
     "the file would read as the start of a comment"},
    {{"add", "y", "http://127.0.0.1:1/", "--set", "http.expect_content=a\n[site z]"},
     3,
     "sitewatch: add: cannot write http.expect_content = 'a\n[site z]': it holds a line break or a control "
     "character, which a line of the file cannot"},
    {{"add", "y", "http://127.0.0.1:1/ ", NULL},
     3,
     "sitewatch: add: cannot write url = 'http://127.0.0.1:1/ ': it begins or ends with a space, which the "
     "file would drop"},
    {{"add", "y", "http://127.0.0.1:1/", "--set", "a b=1"},
     3,
     "sitewatch: add: --set takes KEY=VALUE (KEY of letters, digits, '.', '_' and '-'), not 'a b=1'"},
    {{"remove"}, 3, "usage: sitewatch remove NAME [--purge]"},
    {{"set-interval", "x"}, 3, "usage: sitewatch set-interval NAME DURATION (e.g. 30s, 5m)"},
    {{"set-interval", "x", "5q"},
     3,
     "sitewatch: set-interval: '5q' is not a positive duration such as 250ms, 10s, 5m or 1h"},
    {{"purge"}, 3, "usage: sitewatch purge [--site NAME] [--before 2026-10-01 | --older-than 90d]"},
    {{"purge", "--older-than", "soon"},
     3,
     "sitewatch: purge: --older-than takes a duration such as 250ms, 10s, 5m or 1h or 90d, not 'soon'"},
    {{"history"}, 3, "usage: sitewatch history NAME [--last 50] [--format json]"},
    {{"history", "x", "--last", "abc"}, 3, "sitewatch: history: --last takes a count from 1, not 'abc'"},
    {{"uptime", "x", "--since", "yesterday"},
     3,
     "sitewatch: uptime: --since takes a duration such as 250ms, 10s, 5m or 1h or 30d, not 'yesterday'"},
};

START_TEST(bad_arguments_table)
{
    const struct bad_args *r = &bad_args[_i];
    core_ini(NULL);
    free(t_write(dir, "a.ini", "[site x]\nurl = http://127.0.0.1:1/\nchecks = http\n"));
    char *argv[12] = {(char *)t_bin(), "-c", dir};
    int n = 3;
    for (int i = 0; i < 5 && r->args[i]; i++)
        argv[n++] = (char *)r->args[i];
    struct t_out o = t_run(argv, 30);
    char want[512];
    const char *d = strstr(r->first_line, "@DIR@");
    if (d)
        snprintf(want, sizeof want, "%.*s%s%s\n", (int)(d - r->first_line), r->first_line, dir, d + 5);
    else
        snprintf(want, sizeof want, "%s\n", r->first_line);
    ck_assert_msg(o.status == r->status, "%s: exit %d, want %d\n%s", r->args[0], o.status, r->status, o.err);
    ck_assert_msg(strncmp(o.err, want, strlen(want)) == 0, "%s %s:\nwant %sgot  %s",
                  r->args[0] ? r->args[0] : "", r->args[1] ? r->args[1] : "", want, o.err);
    t_out_free(&o);
}
END_TEST

/* ---- alerts: [notify NAME], [maintenance NAME], the alert keys ---- */

/* Each [notify NAME] is a notifier, in configuration order, with the
 * core's delivery keys read (its plugin's keys are the plugin's). */
START_TEST(notify_sections_read)
{
    core_ini("[notify ops]\nplugin = email\ntimeout = 30s\ngroup_wait = 0\ngive_up_after = 2h\n"
             "smtp_url = smtp://127.0.0.1:1/\n");
    free(t_write(dir, "a.ini",
                 "[site x]\nurl = http://x/\nchecks = http\n[notify webhook]\nurl = http://y/\n"));
    struct sw_conf *c = sw_conf_load(dir);
    ck_assert_int_eq(c->nerrors, 0);
    ck_assert_int_eq(c->nnotifiers, 2);
    const struct sw_notifier_conf *n = &c->notifiers[0];
    ck_assert_str_eq(n->name, "ops");
    ck_assert_ptr_eq(n->sec, sw_conf_section(c, SW_SEC_NOTIFY, "ops"));
    ck_assert_str_eq(sw_section_plugin(n->sec), "email");
    ck_assert_int_eq(n->timeout, 30 * SW_S);
    ck_assert_int_eq(n->group_wait, 0);
    ck_assert_int_eq(n->give_up_after, 2 * SW_H);
    n = &c->notifiers[1];
    ck_assert_str_eq(n->name, "webhook");
    ck_assert_str_eq(sw_section_plugin(n->sec), "webhook"); /* no plugin = P: its name */
    ck_assert_int_eq(n->timeout, 10 * SW_S);
    ck_assert_int_eq(n->group_wait, 10 * SW_S);
    ck_assert_int_eq(n->give_up_after, SW_DAY);
    sw_conf_free(c);
}
END_TEST

/* A notify section names a notify plugin, or is named after one. */
START_TEST(notify_plugin_named)
{
    core_ini("[notify ops]\nplugin = mailer\n[notify chat]\nplugin = sqlite\n[notify pager]\n");
    free(t_write(dir, "a.ini", "[site x]\nurl = http://x/\nchecks = http\n"));
    EXPECT_ERRORS("DIR/0core.ini:5: in [notify ops], plugin = \"mailer\": expected a notify plugin's name: "
                  "there is no PLUGINS/mailer.so\n"
                  "DIR/0core.ini:7: in [notify chat], plugin = \"sqlite\": expected a notify plugin's name: "
                  "sqlite is a storage plugin\n"
                  "DIR/0core.ini:8: in [notify pager], unknown notify plugin 'pager': there is no "
                  "PLUGINS/pager.so\n");
}
END_TEST

/* A's names, joined by spaces ("" for nobody), and its numbers. */
static char *alerting_of(const struct sw_alerting *a)
{
    struct buf b = {0};
    ck_assert_ptr_nonnull(a->notify); /* empty, never NULL */
    for (char **p = a->notify; *p; p++)
        buf_printf(&b, "%s ", *p);
    buf_printf(&b, "after %d recover %d remind %ds on %s", (int)a->alert_after, (int)a->recover_after,
               (int)(a->remind_every / SW_S),
               a->alert_on == SW_WARN   ? "warn"
               : a->alert_on == SW_FAIL ? "fail"
                                        : "?");
    return b.s;
}

#define EXPECT_ALERTING(a, want)                                                                             \
    do {                                                                                                     \
        char *got_ = alerting_of(a);                                                                         \
        ck_assert_str_eq(got_, want);                                                                        \
        free(got_);                                                                                          \
    } while (0)

/* The alert keys: [core]'s, a site inheriting them, a site overriding
 * some (notify = empty: nobody), depends_on; and their defaults. */
START_TEST(alert_keys_read)
{
    core_ini("notify = ops-mail\nalert_after = 3\nrecover_after = 4\nremind_every = 4h\nalert_on = warn\n"
             "public_url = https://status.example.org/\nstate = /var/lib/sitewatch/state.db\n"
             "notify_self = pager ops-mail\n"
             "[notify ops-mail]\nplugin = email\n[notify chat]\nplugin = webhook\n[notify pager]\n");
    free(t_write(dir, "a.ini",
                 "[site router]\nurl = http://r/\nchecks = http\n"
                 "[site shop]\nurl = http://s/\nchecks = http\nnotify = ops-mail, chat\nalert_after = 5\n"
                 "remind_every = 0\nalert_on = fail\ndepends_on = router\n"
                 "[site quiet]\nurl = http://q/\nchecks = http\nnotify =\nrecover_after = 1\n"
                 "depends_on = shop\n"));
    struct sw_conf *c = sw_conf_load(dir);
    ck_assert_msg(c->nerrors == 0, "%s", c->nerrors ? c->errors[0] : "");
    EXPECT_ALERTING(&c->alerting, "ops-mail after 3 recover 4 remind 14400s on warn");
    ck_assert_str_eq(c->public_url, "https://status.example.org/");
    ck_assert_str_eq(c->state, "/var/lib/sitewatch/state.db");
    ck_assert_str_eq(c->notify_self[0], "pager");
    ck_assert_str_eq(c->notify_self[1], "ops-mail");
    ck_assert_ptr_null(c->notify_self[2]);
    ck_assert_int_eq(c->nsites, 3);
    /* router: all [core]'s, in a list of its own. */
    EXPECT_ALERTING(&c->sites[0].alerting, "ops-mail after 3 recover 4 remind 14400s on warn");
    ck_assert_ptr_ne(c->sites[0].alerting.notify, c->alerting.notify);
    ck_assert_ptr_null(c->sites[0].depends_on);
    /* shop: its own, and [core]'s recover_after. */
    EXPECT_ALERTING(&c->sites[1].alerting, "ops-mail chat after 5 recover 4 remind 0s on fail");
    ck_assert_str_eq(c->sites[1].depends_on, "router");
    /* quiet: nobody is told. */
    EXPECT_ALERTING(&c->sites[2].alerting, "after 3 recover 1 remind 14400s on warn");
    ck_assert_str_eq(c->sites[2].depends_on, "shop");
    sw_conf_free(c);

    /* Without any of them: the defaults. */
    core_ini(NULL);
    free(t_write(dir, "a.ini", "[site x]\nurl = http://x/\nchecks = http\n"));
    c = sw_conf_load(dir);
    ck_assert_int_eq(c->nerrors, 0);
    EXPECT_ALERTING(&c->alerting, "after 2 recover 2 remind 0s on fail");
    EXPECT_ALERTING(&c->sites[0].alerting, "after 2 recover 2 remind 0s on fail");
    ck_assert_ptr_null(c->sites[0].depends_on);
    ck_assert_str_eq(c->state, "var/state.db");
    ck_assert_ptr_null(c->public_url);
    ck_assert_ptr_nonnull(c->notify_self);
    ck_assert_ptr_null(c->notify_self[0]);
    ck_assert_int_eq(c->nnotifiers, 0);
    ck_assert_int_eq(c->nmaint, 0);
    sw_conf_free(c);

    /* notify_self follows notify unless given. */
    core_ini("notify = chat\n[notify chat]\nplugin = webhook\n");
    c = sw_conf_load(dir);
    ck_assert_int_eq(c->nerrors, 0);
    ck_assert_str_eq(c->notify_self[0], "chat");
    ck_assert_ptr_null(c->notify_self[1]);
    sw_conf_free(c);
}
END_TEST

/* A cycle is said once, of its first site, with the whole way round. */
START_TEST(depends_on_cycle)
{
    core_ini(NULL);
    free(t_write(dir, "a.ini",
                 "[site leaf]\nurl = http://l/\nchecks = http\ndepends_on = c\n"
                 "[site b]\nurl = http://b/\nchecks = http\ndepends_on = c\n"
                 "[site c]\nurl = http://c/\nchecks = http\ndepends_on = d\n"
                 "[site d]\nurl = http://d/\nchecks = http\ndepends_on = b\n"
                 "[site e]\nurl = http://e/\nchecks = http\ndepends_on = e\n"));
    EXPECT_ERRORS(
        "DIR/a.ini:20: in [site e], depends_on = \"e\": expected another site's name: a site cannot "
        "depend on itself\n"
        "DIR/a.ini:8: in [site b], depends_on = \"c\": expected a site that does not depend back on "
        "b, but the dependencies go round: b -> c -> d -> b\n");
    struct sw_conf *c = sw_conf_load(dir);
    ck_assert_ptr_null(c->sites[1].depends_on); /* broken where it was said */
    ck_assert_str_eq(c->sites[2].depends_on, "d");
    ck_assert_ptr_null(c->sites[4].depends_on);
    sw_conf_free(c);
}
END_TEST

/* [maintenance NAME]: each window checked and kept, in order. */
START_TEST(maintenance_read)
{
    core_ini("[maintenance db-upgrade]\nsites = shop, api\nstart = 2026-12-05 02:00\nduration = 2h\n"
             "every = sunday\ntimezone = Europe/Berlin\n"
             "[maintenance all]\nsites = *\nstart = 2027-01-01 00:00\nduration = 90m\n");
    free(
        t_write(dir, "a.ini",
                "[site shop]\nurl = http://s/\nchecks = http\n[site api]\nurl = http://a/\nchecks = http\n"));
    struct sw_conf *c = sw_conf_load(dir);
    ck_assert_msg(c->nerrors == 0, "%s", c->nerrors ? c->errors[0] : "");
    ck_assert_int_eq(c->nmaint, 2);
    const struct sw_maint *m = c->maint[0];
    ck_assert_str_eq(m->name, "db-upgrade");
    ck_assert_str_eq(m->sites[0], "shop");
    ck_assert_str_eq(m->sites[1], "api");
    ck_assert_ptr_null(m->sites[2]);
    ck_assert_int_eq(m->year * 10000 + m->month * 100 + m->day, 20261205);
    ck_assert_int_eq(m->hour * 100 + m->min, 200);
    ck_assert_int_eq(m->duration, 2 * SW_H);
    ck_assert_int_eq(m->every, SW_EVERY_WEEKDAYS);
    ck_assert_uint_eq(m->weekdays, 1u); /* Sunday */
    ck_assert_ptr_nonnull(m->tz);
    ck_assert(sw_maint_covers(m, "shop") && !sw_maint_covers(m, "other"));
    m = c->maint[1];
    ck_assert_str_eq(m->name, "all");
    ck_assert_ptr_null(m->sites); /* * is every site */
    ck_assert_int_eq(m->every, SW_EVERY_ONCE);
    ck_assert_ptr_null(m->tz); /* UTC */
    ck_assert_int_eq(m->duration, 90 * SW_MIN);
    sw_conf_free(c);
}
END_TEST

/* A plugin folder in the temp folder with http and the tests' recorder,
 * a notify plugin (symbolic links to the built ones). */
static char *notify_plugin_dir(void)
{
    char *pdir = sw_xasprintf("%s/plugins", dir), *from = NULL, *to = NULL;
    ck_assert_int_eq(mkdir(pdir, 0755), 0);
    const char *const links[][2] = {{t_plugin_dir(), "http"}, {getenv("SW_TEST_PLUGINS"), "recorder"}};
    for (int i = 0; i < 2; i++) {
        ck_assert_ptr_nonnull(links[i][0]);
        from = sw_xasprintf("%s/%s.so", links[i][0], links[i][1]);
        to = sw_xasprintf("%s/%s.so", pdir, links[i][1]);
        ck_assert_int_eq(symlink(from, to), 0);
        free(from);
        free(to);
    }
    return pdir;
}

/* Every section and key of alerting at once: it loads, binds and
 * validates; a notify plugin's own keys are checked after the core's. */
START_TEST(full_alert_config)
{
    char *pdir = notify_plugin_dir();
    free(t_write(
        dir, "0core.ini",
        "[core]\nplugin_dir = %s\nmin_interval = 1s\nnotify = ops\nalert_after = 3\nrecover_after = 3\n"
        "remind_every = 1h\nalert_on = warn\npublic_url = http://status.example.org/\n"
        "state = %s/state.db\nnotify_self = self\n"
        "[notify ops]\nplugin = recorder\nfile = %s/ops.jsonl\ntimeout = 5s\ngroup_wait = 2s\n"
        "give_up_after = 1h\n[notify self]\nplugin = recorder\nfile = %s/self.jsonl\n"
        "[maintenance nightly]\nsites = *\nstart = 2026-12-05 02:00\nduration = 30m\nevery = day\n"
        "timezone = UTC\n",
        pdir, dir, dir, dir));
    free(t_write(dir, "a.ini",
                 "[site router]\nurl = http://127.0.0.1:1/\nchecks = http\n"
                 "[site shop]\nurl = http://127.0.0.1:1/\nchecks = http\nnotify = ops self\nalert_after = 1\n"
                 "recover_after = 5\nremind_every = 0\nalert_on = fail\ndepends_on = router\n"));
    EXPECT_ERRORS("");
    struct t_out o = t_sitewatch(dir, "validate", NULL);
    ck_assert_msg(o.status == 0, "validate: %d\n%s", o.status, o.err);
    t_out_free(&o);
    /* The listing shows it as a notify plugin, delivering on the loop. */
    o = t_sitewatch(dir, "plugins", NULL);
    ck_assert_msg(o.status == 0 && strstr(o.out, "recorder     notify   1.4   async "), "%d\n%s%s", o.status,
                  o.out, o.err);
    t_out_free(&o);

    free(t_write(dir, "b.ini",
                 "[notify pager]\nplugin = recorder\nfile = x\nfile_mode = 0600\ntimeout = 1h\n"));
    /* The core's keys are read with the configuration, the plugin's once
     * it is loaded. */
    EXPECT_ERRORS(
        "DIR/b.ini:5: in [notify pager], timeout = \"1h\": expected a duration from 1s to 10m, such as "
        "10s or 30s\n"
        "DIR/b.ini:4: unknown key 'file_mode' in [notify pager]: plugin recorder accepts plugin, "
        "timeout, group_wait, give_up_after, file, delay, fail, hang\n");
    free(pdir);
}
END_TEST

/* Every alert error `validate` gives: a.ini holds the section, the
 * message names its file, line, key, value and what was expected. */
static const struct alert_error {
    const char *ini, *want;
} alert_errors[] = {
    {"[notify ops]\nplugin = x\ntimeout = 0s\n",
     "a.ini:3: in [notify ops], timeout = \"0s\": expected a duration from 1s to 10m, such as 10s or 30s"},
    {"[notify ops]\nplugin = x\ntimeout = 11m\n",
     "a.ini:3: in [notify ops], timeout = \"11m\": expected a duration from 1s to 10m, such as 10s or 30s"},
    {"[notify ops]\nplugin = x\ngroup_wait = soon\n",
     "a.ini:3: in [notify ops], group_wait = \"soon\": expected 0 (each event alone) or a duration up to "
     "10m, such as 10s or 1m"},
    {"[notify ops]\nplugin = x\ngroup_wait = 601s\n",
     "a.ini:3: in [notify ops], group_wait = \"601s\": expected 0 (each event alone) or a duration up to "
     "10m, such as 10s or 1m"},
    {"[notify ops]\nplugin = x\ngive_up_after = 59s\n",
     "a.ini:3: in [notify ops], give_up_after = \"59s\": expected a duration from 1m to 30d, such as 1h or "
     "24h"},
    {"[notify ops]\nplugin = x\ngive_up_after = 31d\n",
     "a.ini:3: in [notify ops], give_up_after = \"31d\": expected a duration from 1m to 30d, such as 1h or "
     "24h"},
    {"[notify ops]\nplugin = x\ntimeout = 5s\ntimeout = 6s\n",
     "a.ini:4: in [notify ops], timeout = \"6s\": expected timeout once; it is already given at line 3"},
    {"[core]\nnotify = ops, nope\n[notify ops]\nplugin = x\n",
     "a.ini:2: in [core], notify = \"ops, nope\": no [notify nope] section is configured"},
    {"[core]\nnotify = ops ops\n[notify ops]\nplugin = x\n",
     "a.ini:2: in [core], notify = \"ops ops\": expected each notifier once; 'ops' is named twice"},
    {"[core]\nnotify_self = pager\n",
     "a.ini:2: in [core], notify_self = \"pager\": no [notify pager] section is configured"},
    {"[core]\nalert_after = 0\n",
     "a.ini:2: in [core], alert_after = \"0\": expected a whole number of at least 1"},
    {"[core]\nrecover_after = two\n",
     "a.ini:2: in [core], recover_after = \"two\": expected a whole number of at least 1"},
    {"[core]\nremind_every = 30s\n", "a.ini:2: in [core], remind_every = \"30s\": expected 0 (never) or a "
                                     "duration of at least 1m, such as 30m "
                                     "or 4h"},
    {"[core]\nremind_every = never\n",
     "a.ini:2: in [core], remind_every = \"never\": expected 0 (never) or a duration of at least 1m, such as "
     "30m or 4h"},
    {"[core]\nalert_on = unknown\n",
     "a.ini:2: in [core], alert_on = \"unknown\": expected fail (FAIL results count as failed) or warn (WARN "
     "results too)"},
    {"[core]\npublic_url = ftp://status.example.org/\n",
     "a.ini:2: in [core], public_url = \"ftp://status.example.org/\": expected an http:// or https:// URL of "
     "the status site, e.g. https://status.example.org/"},
    {"[core]\npublic_url = status.example.org\n",
     "a.ini:2: in [core], public_url = \"status.example.org\": expected an http:// or https:// URL"},
    {"[core]\nstate =\n",
     "a.ini:2: in [core], state = \"\": expected the path of the alert state file, e.g. var/state.db"},
    {"[site x]\nurl = http://x/\nchecks = http\nnotify = chat\n",
     "a.ini:4: in [site x], notify = \"chat\": no [notify chat] section is configured"},
    {"[site x]\nurl = http://x/\nchecks = http\nalert_after = -1\n",
     "a.ini:4: in [site x], alert_after = \"-1\": expected a whole number of at least 1"},
    {"[site x]\nurl = http://x/\nchecks = http\nrecover_after = 0\n",
     "a.ini:4: in [site x], recover_after = \"0\": expected a whole number of at least 1"},
    {"[site x]\nurl = http://x/\nchecks = http\nremind_every = 59s\n",
     "a.ini:4: in [site x], remind_every = \"59s\": expected 0 (never) or a duration of at least 1m"},
    {"[site x]\nurl = http://x/\nchecks = http\nalert_on = warning\n",
     "a.ini:4: in [site x], alert_on = \"warning\": expected fail (FAIL results count as failed) or warn"},
    {"[site x]\nurl = http://x/\nchecks = http\ndepends_on = router\n",
     "a.ini:4: in [site x], depends_on = \"router\": no [site router] section is configured"},
    {"[site x]\nurl = http://x/\nchecks = http\ndepends_on = x\n",
     "a.ini:4: in [site x], depends_on = \"x\": expected another site's name: a site cannot depend on "
     "itself"},
    {"[site x]\nurl = http://x/\nchecks = http\ndepends_on =\n",
     "a.ini:4: in [site x], depends_on = \"\": expected the name of the [site NAME] whose DOWN holds this "
     "site's alerts"},
    {"[site a]\nurl = http://a/\nchecks = http\ndepends_on = b\n[site b]\nurl = http://b/\nchecks = http\n"
     "depends_on = a\n",
     "a.ini:4: in [site a], depends_on = \"b\": expected a site that does not depend back on a, but the "
     "dependencies go round: a -> b -> a"},
    {"[site x]\nurl = http://x/\nchecks = http\nnotifications = ops\n",
     "a.ini:4: unknown key 'notifications' in [site x]: expected url, checks, store, interval, timeout, "
     "notify, "
     "alert_after, recover_after, remind_every, alert_on, depends_on or PLUGIN.key"},
    {"[site shop]\nurl = http://s/\nchecks = http\n[maintenance w]\nsites = shop, nope\nstart = 2026-12-05 "
     "02:00\nduration = 2h\n",
     "a.ini:5: in [maintenance w], sites = \"shop, nope\": no [site nope] section is configured"},
    {"[maintenance w]\nsites =\nstart = 2026-12-05 02:00\nduration = 2h\n",
     "a.ini:2: in [maintenance w], sites = \"\": expected * or a list of site names such as shop, api"},
    {"[maintenance w]\nsites = *\nstart = 2026-12-05T02:00\nduration = 2h\n",
     "a.ini:3: in [maintenance w], start = \"2026-12-05T02:00\": expected a date and time such as 2026-12-05 "
     "02:00 (YYYY-MM-DD HH:MM, a day the month has)"},
    {"[maintenance w]\nsites = *\nstart = 2026-02-30 02:00\nduration = 2h\n",
     "a.ini:3: in [maintenance w], start = \"2026-02-30 02:00\": expected a date and time"},
    {"[maintenance w]\nsites = *\nstart = 2026-12-05 02:00\nduration = 0s\n",
     "a.ini:4: in [maintenance w], duration = \"0s\": expected a positive duration such as 250ms, 10s, 5m or "
     "1h"},
    {"[maintenance w]\nsites = *\nstart = 2026-12-05 02:00\nduration = 2h\nevery = fortnight\n",
     "a.ini:5: in [maintenance w], every = \"fortnight\": expected day, week, month, or weekday names such "
     "as "
     "monday, thursday"},
    {"[maintenance w]\nsites = *\nstart = 2026-12-05 02:00\nduration = 2h\ntimezone = Mars/Olympus\n",
     "a.ini:5: in [maintenance w], timezone = \"Mars/Olympus\": expected a time zone such as Europe/Berlin "
     "or "
     "UTC"},
    {"[maintenance w]\nsites = *\nduration = 2h\n",
     "a.ini:1: in [maintenance w], start is missing: expected a date and time such as 2026-12-05 02:00"},
    {"[maintenance w]\nsites = *\nstart = 2026-12-05 02:00\nduration = 25h\nevery = day\n",
     "a.ini:4: in [maintenance w], duration = \"25h\": expected a duration of at most 24h, the shortest time "
     "from the start of one window of this every to the next"},
    {"[maintenance w]\nsites = *\nstart = 2026-12-05 02:00\nduration = 2h\nend = 2026-12-05 04:00\n",
     "a.ini:5: unknown key 'end' in [maintenance w]: expected one of sites, start, duration, every, "
     "timezone"},
    {"[maintenance w]\nsites = *\nstart = 2026-12-05 02:00\nduration = 2h\nduration = 3h\n",
     "a.ini:5: in [maintenance w], duration = \"3h\": expected duration once; it is already given at line 4"},
};

START_TEST(alert_error_table)
{
    const struct alert_error *r = &alert_errors[_i];
    const char *want[] = {r->want};
    t_validate_errors(r->ini, want, 1);
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
    tcase_add_test(tc, long_lines_read_like_short_ones);
    tcase_add_test(tc, bad_site_name_and_core_key);
    tcase_add_test(tc, plugin_key_names_instances);
    tcase_add_test(tc, read_from_must_read);
    tcase_add_test(tc, storage_limit_named);
    tcase_add_test(tc, all_errors_reported);
    tcase_add_loop_test(tc, shipped_config_is_valid, 0, 8);
    tcase_add_loop_test(tc, bad_value_table, 0, (int)(sizeof bad_values / sizeof *bad_values));
    tcase_add_test(tc, not_text);
    tcase_add_test(tc, huge_value);
    tcase_add_test(tc, ten_thousand_sites);
    tcase_add_test(tc, check_named_twice);
    tcase_add_test(tc, single_key_given_twice);
    tcase_add_test(tc, many_values_all_kept);
    tcase_add_test(tc, not_a_regular_file);
    tcase_add_test(tc, name_length_limit);
    tcase_add_test(tc, errors_hide_passwords);
    tcase_add_loop_test(tc, bad_arguments_table, 0, (int)(sizeof bad_args / sizeof *bad_args));
    tcase_add_test(tc, notify_sections_read);
    tcase_add_test(tc, notify_plugin_named);
    tcase_add_test(tc, alert_keys_read);
    tcase_add_test(tc, depends_on_cycle);
    tcase_add_test(tc, maintenance_read);
    tcase_add_test(tc, full_alert_config);
    tcase_add_loop_test(tc, alert_error_table, 0, (int)(sizeof alert_errors / sizeof *alert_errors));
    suite_add_tcase(s, tc);
    return t_run_suite(s, 0);
}
