/* SPDX-License-Identifier: MIT
 * Durations, sizes, and their words in reasons; the text library. */
#include <check.h>

#include "support.h"
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recent.h"
#include "units.h"
#include "util.h"

/* Secrets out of any text: one row per shape. */
START_TEST(redaction)
{
    static const char *const cases[][2] = {
        {"http://alice:s3cret@example.com/x", "http://alice:***@example.com/x"},
        {"see https://ghp_abc@github.com/o/r.git now", "see https://***@github.com/o/r.git now"},
        {"two: http://a:b@h/ and ftp://c:d@e/", "two: http://a:***@h/ and ftp://c:***@e/"},
        {"Authorization: Bearer abc.def", "Authorization: ***"},
        {"header \"authorization: Basic Zm9vOmJhcg==\", expected", "header \"authorization: ***\", expected"},
        {"http://example.com/path@v2", "http://example.com/path@v2"}, /* an @ in the path is no user */
        {"mail bob@example.com", "mail bob@example.com"},
        {"http://h/?next=http://x:y@z/", "http://h/?next=http://x:***@z/"},
        /* Passwords of every character libcurl takes in one, alone and
         * quoted in longer text (a config error, a log line, a reason). */
        {"http://u:a'b\"c<d>e@h/x", "http://u:***@h/x"},
        {"url = \"https://bob:p\"w'<>@127.0.0.1:8080/\": expected an https:// URL",
         "url = \"https://bob:***@127.0.0.1:8080/\": expected an https:// URL"},
        {"url \"http://u:p\"w@h\", next", "url \"http://u:***@h\", next"}, /* no path: to the space */
        {"GET http://u:;,{}|\\^`~!$&()*+=[]%41@h:1/ failed", "GET http://u:***@h:1/ failed"},
        {"<a href='http://u:<p>@h'>", "<a href='http://u:***@h'>"},
        {"'http://u:x'y@h' and \"ftp://v:'\"@w\"", "'http://u:***@h' and \"ftp://v:***@w\""},
        {"http://tok'en\"<>@h/", "http://***@h/"},
        {"http://u:a@b@h/x", "http://u:***@h/x"}, /* libcurl takes no '@' in it: all before the last */
        {"http://[::1]:80/ and http://u:p@[::1]:80/", "http://[::1]:80/ and http://u:***@[::1]:80/"},
        {"Location: http://joe:\"hunter2'@127.0.0.1:9/nul", "Location: http://joe:***@127.0.0.1:9/nul"},
        {"http://u:\xe2\x82\xac\xc3\xa9@h/", "http://u:***@h/"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = sw_redact(cases[i][0]);
        ck_assert_str_eq(got, cases[i][1]);
        free(got);
    }
}
END_TEST

/* Reasons and info: valid UTF-8, no control characters (one line). */
START_TEST(text_cleaning)
{
    char *got = sw_text_clean("caf\xe9 \xc3\xa9 \x1b[31m\tend\xf0\x9f", 1);
    ck_assert_str_eq(got, "caf\xef\xbf\xbd \xc3\xa9  [31m end\xef\xbf\xbd\xef\xbf\xbd");
    free(got);
    got = sw_text_clean("a\nb\tc\x01"
                        "d\xed\xa0\x80",
                        0); /* a surrogate is not UTF-8 */
    ck_assert_str_eq(got, "a\nb\tc\xef\xbf\xbd"
                          "d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    free(got);
}
END_TEST

/* Past C0: C1 controls (CSI as 0x9b, NEL), bidi overrides and isolates,
 * and the line and paragraph separators are cleaned as C0 is, one
 * replacement each; their printable neighbours (U+2027, U+202F, U+2065,
 * U+206A, U+00A0) are kept. */
START_TEST(text_cleaning_past_c0)
{
    static const char *const cases[][3] = {
        /* in, one line, multi-line */
        {"a\xc2\x9b"
         "31mred",
         "a 31mred",
         "a\xef\xbf\xbd"
         "31mred"},
        {"a\xc2\x85"
         "b\xc2\x80"
         "c\xc2\x9f"
         "d",
         "a b c d",
         "a\xef\xbf\xbd"
         "b\xef\xbf\xbd"
         "c\xef\xbf\xbd"
         "d"},
        {"x\xe2\x80\xaetxt.exe\xe2\x80\xac", "x txt.exe ", "x\xef\xbf\xbdtxt.exe\xef\xbf\xbd"},
        {"\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xad|\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", "   |    ",
         "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
        {"one\xe2\x80\xa8two\xe2\x80\xa9three", "one two three", "one\xef\xbf\xbdtwo\xef\xbf\xbdthree"},
        {"\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xc2\xa0\xc2\xa9",
         "\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xc2\xa0\xc2\xa9",
         "\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xc2\xa0\xc2\xa9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        for (int one = 1; one >= 0; one--) {
            char *got = sw_text_clean(cases[i][0], one);
            ck_assert_msg(strcmp(got, cases[i][one ? 1 : 2]) == 0, "row %zu, one_line %d: %s", i, one, got);
            free(got);
        }
    }
}
END_TEST

START_TEST(durations)
{
    int64_t us;
    ck_assert_int_eq(sw_parse_duration("250ms", &us), 0);
    ck_assert_int_eq(us, 250000);
    ck_assert_int_eq(sw_parse_duration("10s", &us), 0);
    ck_assert_int_eq(us, 10000000);
    ck_assert_int_eq(sw_parse_duration(" 5m ", &us), 0);
    ck_assert_int_eq(us, 300000000);
    ck_assert_int_eq(sw_parse_duration("1h", &us), 0);
    ck_assert_int_eq(us, 3600000000);
    ck_assert_int_eq(sw_parse_duration("1.5s", &us), 0);
    ck_assert_int_eq(us, 1500000);
    ck_assert_int_eq(sw_parse_duration("2 d", &us), 0);
    ck_assert_int_eq(us, 2 * 86400000000LL);
    ck_assert_int_eq(sw_parse_duration("1ms", &us), 0);
    ck_assert_int_eq(us, 1000);
    ck_assert_int_eq(sw_parse_duration("0s", &us), 0);
    ck_assert_int_eq(us, 0);
    /* Nothing below a millisecond but 0 (500us was no timeout at all), and
     * plain decimals only (0x10s was 16 s). */
    const char *bad[] = {"",      "10",    "s",     "-1s",  "10q",   "1e99h", "ten seconds", "10s5",
                         "500us", "0.5ms", "0x10s", "1e3s", "inf s", "1.s",   ".5s",         NULL};
    for (int i = 0; bad[i]; i++)
        ck_assert_msg(sw_parse_duration(bad[i], &us) < 0, "'%s' parsed", bad[i]);
}
END_TEST

START_TEST(sizes)
{
    int64_t b;
    ck_assert_int_eq(sw_parse_size("512", &b), 0);
    ck_assert_int_eq(b, 512);
    ck_assert_int_eq(sw_parse_size("200k", &b), 0);
    ck_assert_int_eq(b, 204800);
    ck_assert_int_eq(sw_parse_size("2M", &b), 0);
    ck_assert_int_eq(b, 2097152);
    ck_assert_int_eq(sw_parse_size("1G", &b), 0);
    ck_assert_int_eq(b, 1073741824);
    const char *bad[] = {"", "k", "-5", "12x", "1T", "0x10", "1e3k", NULL};
    for (int i = 0; bad[i]; i++)
        ck_assert_msg(sw_parse_size(bad[i], &b) < 0, "'%s' parsed", bad[i]);
}
END_TEST

START_TEST(words)
{
    char buf[32];
    ck_assert_str_eq(sw_fmt_duration(10000000, buf, sizeof buf), "10 s");
    ck_assert_str_eq(sw_fmt_duration(250000, buf, sizeof buf), "250 ms");
    ck_assert_str_eq(sw_fmt_duration(1500000, buf, sizeof buf), "1.5 s");
    ck_assert_str_eq(sw_fmt_duration(300000000, buf, sizeof buf), "5 min");
    ck_assert_str_eq(sw_fmt_size(204800, buf, sizeof buf), "200 KB");
    ck_assert_str_eq(sw_fmt_size(512, buf, sizeof buf), "512 B");
    ck_assert_str_eq(sw_fmt_size(1572864, buf, sizeof buf), "1.5 MB");
    ck_assert_str_eq(sw_fmt_time(1795247642005385LL, buf, sizeof buf), "2026-11-21T07:54:02.005385Z");
}
END_TEST

/* The text library the core and the plugins share (lib/buf.h): each
 * escaper keeps what it is given inside the document it goes into. */
START_TEST(escapers)
{
    struct buf b = {0};
    buf_json_str(&b, "a\"b\\c\n\x01<script>");
    ck_assert_str_eq(sw_text(&b), "\"a\\\"b\\\\c\\u000a\\u0001<script>\"");
    buf_reset(&b);
    buf_json_str(&b, NULL);
    buf_puts(&b, " ");
    buf_json_num(&b, 200);
    buf_puts(&b, " ");
    buf_json_num(&b, 0.000125); /* a time in seconds from microseconds: exact, no float printing */
    buf_puts(&b, " ");
    buf_json_num(&b, 0.1 + 0.2); /* all 17 digits when fewer would read back as another double */
    buf_puts(&b, " ");
    buf_json_num(&b, NAN);
    ck_assert_str_eq(sw_text(&b), "null 200 0.000125 0.30000000000000004 null");
    buf_reset(&b);
    buf_html(&b, "<a href=\"x\">Tom & 'Jerry'</a>\x01\xff");
    ck_assert_str_eq(
        sw_text(&b),
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;\xef\xbf\xbd\xef\xbf\xbd");
    buf_reset(&b);
    buf_csv(&b, "plain");
    buf_puts(&b, ",");
    buf_csv(&b, "a, \"b\"\nc");
    buf_puts(&b, ",");
    buf_csv(&b, " padded");
    ck_assert_str_eq(sw_text(&b), "plain,\"a, \"\"b\"\"\nc\",\" padded\"");
    buf_reset(&b);
    buf_fixed1(&b, 12.34);
    buf_puts(&b, " ");
    buf_fixed1(&b, -0.46);
    buf_printf(&b, " %d%s", 7, "x");
    ck_assert_str_eq(sw_text(&b), "12.3 -0.5 7x");
    buf_free(&b);
    char *s = sw_xasprintf("%s-%d", "n", 3);
    ck_assert_str_eq(s, "n-3");
    free(s);
    b = (struct buf){0};
    s = sw_text_take(&b); /* nothing written: an empty string, still the caller's */
    ck_assert_str_eq(s, "");
    free(s);
}
END_TEST

/* Out of memory: the library's failure is sticky (a plugin checks once and
 * says SW_ENOMEM; what was written stays whole), and the core stops where
 * it finishes the text, as sw_xmalloc does. */
static void text_out_of_memory(struct buf *b)
{
    buf_puts(b, "kept");
    buf_put(b, "x", SIZE_MAX / 2); /* no allocation can hold this */
    ck_assert(b->failed);
    buf_puts(b, " and more");
    buf_printf(b, "%s", " and more");
    buf_json_str(b, "more");
    ck_assert(b->failed);
    ck_assert_str_eq(b->s, "kept");
    ck_assert_uint_eq(b->len, 4);
}

START_TEST(text_failure_is_sticky)
{
    struct buf b = {0};
    text_out_of_memory(&b);
    buf_free(&b);
    ck_assert(!b.failed && !b.s);
}
END_TEST

START_TEST(text_failure_stops_the_core)
{
    struct buf b = {0};
    text_out_of_memory(&b);
    sw_text(&b);
}
END_TEST

START_TEST(split_lists)
{
    char **v;
    ck_assert_int_eq(sw_split_list(" http , dns,,https ", &v), 3);
    ck_assert_str_eq(v[0], "http");
    ck_assert_str_eq(v[2], "https");
    ck_assert_ptr_null(v[3]);
    sw_strv_free(v);
}
END_TEST

/* The recent cache: the newest whole, the older ones as records, newest
 * first, the oldest dropped past max; a copy holds what its max allows. */
struct lent {
    char seen[16][40];
    int n, metrics;
};
static int lend_cb(const sw_result *r, void *ud)
{
    struct lent *l = ud;
    snprintf(l->seen[l->n++], sizeof l->seen[0], "%s/%s %lld %d %s", r->site, r->check, (long long)r->started,
             r->verdict, r->reason ? r->reason : "-");
    l->metrics += r->nmetrics;
    return 0;
}
static struct lent lend_all(const struct sw_recent *c)
{
    struct lent l = {0};
    for (int i = 0; i < sw_recent_count(c); i++)
        sw_recent_lend(c, i, lend_cb, &l);
    return l;
}

START_TEST(recent_cache)
{
    struct sw_recent c, copy, one;
    sw_recent_init(&c, 3);
    ck_assert_int_eq(sw_recent_count(&c), 0);
    for (int i = 1; i <= 5; i++) {
        sw_result *r = sw_result_new("s", "http", "here");
        r->started = i;
        sw_result_set(r, i % 2 ? SW_OK : SW_FAIL, "run %d", i);
        if (i == 4)
            r->reason = (free(r->reason), NULL);
        sw_result_metric(r, "time.total", i);
        sw_recent_push(&c, r);
        sw_result_unref(r);
        ck_assert_int_eq(sw_recent_count(&c), i < 3 ? i : 3);
    }
    struct lent l = lend_all(&c);
    ck_assert_int_eq(l.n, 3);
    ck_assert_str_eq(l.seen[0], "s/http 5 0 run 5");
    ck_assert_str_eq(l.seen[1], "s/http 4 2 -");
    ck_assert_str_eq(l.seen[2], "s/http 3 0 run 3");
    ck_assert_int_eq(l.metrics, 1); /* only the newest keeps its metrics */
    sw_recent_init(&copy, 7);
    sw_recent_copy(&copy, &c);
    sw_recent_init(&one, 2);
    sw_recent_copy(&one, &c);
    sw_recent_free(&c);
    l = lend_all(&copy);
    ck_assert_int_eq(l.n, 3);
    ck_assert_str_eq(l.seen[2], "s/http 3 0 run 3");
    l = lend_all(&one);
    ck_assert_int_eq(l.n, 2);
    ck_assert_str_eq(l.seen[1], "s/http 4 2 -");
    sw_recent_free(&copy);
    sw_recent_free(&one);
}
END_TEST

/* Names are interned up to a cap; past it a result owns all its names
 * (a plugin making names without end cannot grow the shared set). */
START_TEST(names_past_the_cap)
{
    sw_result *r = sw_result_new("s", "c", "l");
    sw_result_metric(r, "time.total", 1);
    sw_result_info(r, "http.ip", "127.0.0.1");
    char name[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "m%d", i);
        sw_result_metric(r, name, i);
        sw_result_info(r, name, "v");
    }
    ck_assert_int_eq(r->nmetrics, 5001);
    ck_assert(r->names_owned & RESULT_OWN_METRICS);
    ck_assert(r->names_owned & RESULT_OWN_INFOS);
    ck_assert_str_eq(r->metrics[0].name, "time.total");
    ck_assert_str_eq(r->metrics[5000].name, "m4999");
    ck_assert_str_eq(r->infos[0].key, "http.ip");
    sw_result_trim(r);
    sw_result *c = sw_result_clone(r);
    sw_result_unref(r);
    ck_assert_str_eq(c->metrics[4000].name, "m3999");
    sw_result_unref(c);
    sw_result *fresh = sw_result_new("s", "c", "l"); /* the shared ones still are */
    sw_result_metric(fresh, "time.total", 2);
    ck_assert(!(fresh->names_owned & RESULT_OWN_METRICS));
    sw_result_unref(fresh);
}
END_TEST

/* Issue 15.6: text a server controls is bounded at the core: a reason at
 * 1 KiB, an info value at 4 KiB, cut at a character boundary and marked. */
START_TEST(reasons_and_info_capped)
{
    struct buf big = {0};
    buf_puts(&big, "text/html; ");
    while (big.len < 90 * 1024)
        buf_puts(&big, "\xc3\xa9"); /* two bytes a character: a cut may fall inside one */
    sw_result *r = sw_result_new("s", "c", "l");
    sw_result_set(r, SW_FAIL, "Content-Type is \"%s\", expected \"json\"", big.s);
    size_t n = strlen(r->reason);
    ck_assert_uint_le(n, SW_REASON_MAX);
    ck_assert_uint_ge(n, SW_REASON_MAX - 8);
    ck_assert_str_eq(r->reason + n - strlen("\xe2\x80\xa6 (cut)"), "\xe2\x80\xa6 (cut)");
    ck_assert(strncmp(r->reason, "Content-Type is \"text/html; \xc3\xa9", 30) == 0);
    char *clean = sw_text_clean(r->reason, 1); /* still valid UTF-8: cleaning changes nothing */
    ck_assert_str_eq(clean, r->reason);
    free(clean);
    sw_result_info(r, "dns.answers", big.s);
    n = strlen(r->infos[0].value);
    ck_assert_uint_le(n, SW_INFO_MAX);
    ck_assert_uint_ge(n, SW_INFO_MAX - 8);
    clean = sw_text_clean(r->infos[0].value, 0);
    ck_assert_str_eq(clean, r->infos[0].value);
    free(clean);
    sw_result_info(r, "short", "kept whole");
    ck_assert_str_eq(r->infos[1].value, "kept whole");
    sw_result_set(r, SW_OK, "exactly as given");
    ck_assert_str_eq(r->reason, "exactly as given");
    sw_result_unref(r);
    buf_free(&big);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("units");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, redaction);
    tcase_add_test(tc, text_cleaning);
    tcase_add_test(tc, text_cleaning_past_c0);
    tcase_add_test(tc, durations);
    tcase_add_test(tc, sizes);
    tcase_add_test(tc, words);
    tcase_add_test(tc, escapers);
    tcase_add_test(tc, text_failure_is_sticky);
    tcase_add_test_raise_signal(tc, text_failure_stops_the_core, SIGABRT);
    tcase_add_test(tc, split_lists);
    tcase_add_test(tc, recent_cache);
    tcase_add_test(tc, names_past_the_cap);
    tcase_add_test(tc, reasons_and_info_capped);
    suite_add_tcase(s, tc);
    return t_run_suite(s, 0);
}
