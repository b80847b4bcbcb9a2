/* SPDX-License-Identifier: MIT
 * The streaming matcher alone: every rule must give the same answer however
 * the body is cut into reads (each split point, and reads of 1 to 9 bytes),
 * and a scan must hold only what a pending match needs. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sitewatch/plugin.h>

#include "../plugins/lib/match.h"
#include "support.h"

struct mcase {
    const char *pattern;
    enum match_kind kind;
    int ignore_case;
    const char *body;
    int seen;
};

static const struct mcase cases[] = {
    {"Python", MATCH_CONTAINS, 0, "<title>Welcome to Python.org</title>", 1},
    {"Python", MATCH_CONTAINS, 0, "<title>Welcome to Pyth0n.org</title>", 0},
    {"python", MATCH_CONTAINS, 1, "<title>Welcome to PYTHON.org</title>", 1},
    {"python", MATCH_CONTAINS, 0, "<title>Welcome to PYTHON.org</title>", 0},
    {"Traceback", MATCH_REJECT, 0, "ok\nTraceback (most recent call last):\n", 1},
    {"aab", MATCH_CONTAINS, 0, "aaaaaaaaab", 1},
    {"<title>[^<]*Python", MATCH_REGEX, 0, "<html><title>Welcome to Python.org</title>", 1},
    {"<title>[^<]*Python", MATCH_REGEX, 0, "<html><title>Welcome</title> Python", 0},
    {"WELCOME\\s+TO", MATCH_REGEX, 1, "<title>welcome   to", 1},
    {"^v=spf1", MATCH_REGEX, 0, "x v=spf1", 0},
    {"^<!doctype html>$", MATCH_REGEX, 0, "<!doctype html>\n<html>", 1},
    {"^abc$", MATCH_REGEX, 0, "xx\nabc\nyy", 1},
    {"^abc", MATCH_REGEX, 0, "xxabc", 0},
    {"Python$", MATCH_REGEX, 0, "I like Python", 1},
    {"(?<=foo)bar", MATCH_REGEX, 0, "xxfoobar", 1},
    {"(?<=foo)bar", MATCH_REGEX, 0, "xxfo-bar", 0},
    {"\\bcat\\b", MATCH_REGEX, 0, "concat cat.", 1},
    {"\\bcat\\b", MATCH_REGEX, 0, "concat cats", 0},
    {"a+b", MATCH_REGEX, 0, "xaaaaaaaab", 1},
    {"abc|b", MATCH_REGEX, 0, "xab", 1},
    {"\\d{3}-\\d{4}", MATCH_REGEX, 0, "call 555-1234 now", 1},
};

static int scan_in_reads(const struct mcase *c, const size_t *cuts, int ncuts, size_t *held_max)
{
    struct match_set *set = match_set_new(c->ignore_case);
    char err[256];
    if (c->kind == MATCH_REGEX)
        ck_assert_msg(match_add_regex(set, c->pattern, err, sizeof err) == 0, "%s: %s", c->pattern, err);
    else
        match_add_text(set, c->pattern, c->kind);
    struct match_scan *sc = match_scan_new(set);
    size_t from = 0, len = strlen(c->body);
    for (int i = 0; i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : len;
        /* Each read in its own buffer, so nothing can peek past its end. */
        char *read = malloc(to - from + 1);
        memcpy(read, c->body + from, to - from);
        match_scan_feed(sc, read, to - from);
        free(read);
        if (held_max && match_scan_held(sc) > *held_max)
            *held_max = match_scan_held(sc);
        from = to;
    }
    match_scan_finish(sc);
    int seen = match_scan_seen(sc, 0);
    match_scan_free(sc);
    match_set_free(set);
    return seen;
}

START_TEST(same_answer_at_every_split)
{
    const struct mcase *c = &cases[_i];
    size_t len = strlen(c->body);
    ck_assert_msg(scan_in_reads(c, NULL, 0, NULL) == c->seen, "%s in \"%s\" whole", c->pattern, c->body);
    for (size_t cut = 1; cut < len; cut++)
        ck_assert_msg(scan_in_reads(c, &cut, 1, NULL) == c->seen, "%s in \"%s\" cut at %zu", c->pattern,
                      c->body, cut);
    for (size_t step = 1; step < 10; step++) {
        size_t cuts[64];
        int n = 0;
        for (size_t at = step; at < len && n < 64; at += step)
            cuts[n++] = at;
        ck_assert_msg(scan_in_reads(c, cuts, n, NULL) == c->seen, "%s in \"%s\" in reads of %zu", c->pattern,
                      c->body, step);
    }
}
END_TEST

/* 1 MB of filler in 16 KB reads: a substring scan keeps its needle's length
 * less one, a regex with no partial match keeps a byte. */
START_TEST(holds_only_what_it_must)
{
    size_t len = 1 << 20;
    char *body = malloc(len + 1);
    memset(body, '.', len);
    body[len] = 0;
    memcpy(body + len - 30, "<title>Python</title>", 21);
    size_t cuts[64];
    int n = 0;
    for (size_t at = 16384; at < len; at += 16384)
        cuts[n++] = at;
    struct mcase text = {"Python", MATCH_CONTAINS, 0, body, 1};
    size_t held = 0;
    ck_assert_int_eq(scan_in_reads(&text, cuts, n, &held), 1);
    ck_assert_uint_le(held, 5);
    struct mcase re = {"<title>[^<]*Python", MATCH_REGEX, 0, body, 1};
    held = 0;
    ck_assert_int_eq(scan_in_reads(&re, cuts, n, &held), 1);
    ck_assert_uint_le(held, 16);
    /* A pending partial match keeps its text from where it began, no more. */
    memcpy(body + 100000, "<title>", 7);
    body[len - 23] = 'p'; /* no Python after it */
    re.seen = 0;
    held = 0;
    ck_assert_int_eq(scan_in_reads(&re, cuts, n, &held), 0);
    ck_assert_uint_ge(held, len - 100000 - 16384);
    ck_assert_uint_le(held, len - 100000 + 1);
    free(body);
}
END_TEST

/* A deep pattern over a 200 KB body, whole and in 16 KB reads: more JIT
 * stack than PCRE2's default 32 KB, so the scan must give it its own (it
 * said "JIT stack limit reached" and the site was called down).  Then one
 * that backtracks past every limit on each line of x's: unjudged (-1) with
 * PCRE2's words, never "no match". */
START_TEST(deep_regex_over_a_large_body)
{
    size_t len = 200 * 1024;
    char *body = malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        body[i] = i % 64 == 63 ? '\n' : 'x';
    body[len] = '\0';
    const size_t step[] = {len, 16384};
    for (int k = 0; k < 2; k++) {
        struct match_set *set = match_set_new(0);
        char err[256];
        ck_assert_int_eq(match_add_regex(set, "^(.|\\n)*$", err, sizeof err), 0);
        ck_assert_int_eq(match_add_regex(set, "(x+x+)+y", err, sizeof err), 0);
        struct match_scan *sc = match_scan_new(set);
        for (size_t from = 0; from < len; from += step[k])
            match_scan_feed(sc, body + from, len - from < step[k] ? len - from : step[k]);
        match_scan_finish(sc);
        ck_assert_msg(match_scan_seen(sc, 0) == 1, "reads of %zu: %d, %s", step[k], match_scan_seen(sc, 0),
                      match_scan_error(sc, 0) ? match_scan_error(sc, 0) : "no error");
        ck_assert_int_eq(match_scan_seen(sc, 1), -1);
        ck_assert_str_eq(match_scan_error(sc, 1), "match limit exceeded");
        match_scan_free(sc);
        match_set_free(set);
    }
    free(body);
}
END_TEST

START_TEST(bad_regex_says_where)
{
    struct match_set *set = match_set_new(0);
    char err[256];
    /* SW_ECONFIG, not -1: that is SW_ENOMEM, and the caller would say so. */
    ck_assert_int_eq(match_add_regex(set, "(unclosed", err, sizeof err), SW_ECONFIG);
    ck_assert_str_eq(err, "missing closing parenthesis at offset 9");
    ck_assert_int_eq(match_count(set), 0);
    match_set_free(set);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("match");
    TCase *tc = tcase_create("streaming");
    tcase_add_loop_test(tc, same_answer_at_every_split, 0, (int)(sizeof cases / sizeof *cases));
    tcase_add_test(tc, holds_only_what_it_must);
    tcase_add_test(tc, deep_regex_over_a_large_body);
    tcase_add_test(tc, bad_regex_says_where);
    suite_add_tcase(s, tc);
    return t_run_suite(s, 0);
}
