/* SPDX-License-Identifier: MIT
 * The check plugins' shared library (plugins/lib) alone, with a mock host:
 * the verdict follows the documented ranking, the first error is kept, and
 * out of memory at every allocation point gives SW_ENOMEM or an unjudged
 * rule, never an abort, a crash, a wrong verdict or a leak (with
 * SW_VALGRIND=1 the test runs itself under valgrind, every leak an error).  The dns plugin's answer reader
 * too, on the fuzz corpus.
 *
 * Allocation failures are injected with the linker's --wrap (see
 * tests/meson.build): each allocator the library calls (malloc, calloc,
 * realloc, strdup, strndup, vasprintf, open_memstream and PCRE2's
 * constructors) goes through a __wrap_ function here that fails the Nth call
 * once armed.  This needs no hook in the plugin code and no LD_PRELOAD (which
 * would also fail Check's and libc's own allocations); it reaches exactly
 * the calls made from this executable's objects. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <check.h>
#include <dirent.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sitewatch/plugin.h>

#include "../plugins/lib/config.h"
#include "../plugins/lib/err.h"
#include "../plugins/lib/match.h"
#include "../plugins/lib/verdict.h"
#include "../plugins/dns/dns.h"
#include "support.h"

/* ---- failing allocators ---- */

static int fail_at; /* 0: off; N: the Nth call from now fails */
static int calls;

static void arm(int n)
{
    calls = 0;
    fail_at = n;
}

/* The call count at disarm: below N means no failure was injected. */
static int disarm(void)
{
    fail_at = 0;
    return calls;
}

static int fail_now(void)
{
    return fail_at && ++calls == fail_at;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **out, const char *fmt, va_list ap);
FILE *__real_open_memstream(char **buf, size_t *len);
pcre2_code *__real_pcre2_compile_8(PCRE2_SPTR re, PCRE2_SIZE len, uint32_t opts, int *code, PCRE2_SIZE *at,
                                   pcre2_compile_context *cc);
pcre2_match_data *__real_pcre2_match_data_create_from_pattern_8(const pcre2_code *c,
                                                                pcre2_general_context *g);
pcre2_match_context *__real_pcre2_match_context_create_8(pcre2_general_context *g);
pcre2_jit_stack *__real_pcre2_jit_stack_create_8(PCRE2_SIZE start, PCRE2_SIZE max, pcre2_general_context *g);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap);
FILE *__wrap_open_memstream(char **buf, size_t *len);
pcre2_code *__wrap_pcre2_compile_8(PCRE2_SPTR re, PCRE2_SIZE len, uint32_t opts, int *code, PCRE2_SIZE *at,
                                   pcre2_compile_context *cc);
pcre2_match_data *__wrap_pcre2_match_data_create_from_pattern_8(const pcre2_code *c,
                                                                pcre2_general_context *g);
pcre2_match_context *__wrap_pcre2_match_context_create_8(pcre2_general_context *g);
pcre2_jit_stack *__wrap_pcre2_jit_stack_create_8(PCRE2_SIZE start, PCRE2_SIZE max, pcre2_general_context *g);

void *__wrap_malloc(size_t n)
{
    return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
    return fail_now() ? NULL : __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return fail_now() ? NULL : __real_strndup(s, n);
}

int __wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
    return fail_now() ? -1 : __real_vasprintf(out, fmt, ap);
}

FILE *__wrap_open_memstream(char **buf, size_t *len)
{
    return fail_now() ? NULL : __real_open_memstream(buf, len);
}

pcre2_code *__wrap_pcre2_compile_8(PCRE2_SPTR re, PCRE2_SIZE len, uint32_t opts, int *code, PCRE2_SIZE *at,
                                   pcre2_compile_context *cc)
{
    if (fail_now()) {
        *code = PCRE2_ERROR_HEAP_FAILED;
        *at = 0;
        return NULL;
    }
    return __real_pcre2_compile_8(re, len, opts, code, at, cc);
}

pcre2_match_data *__wrap_pcre2_match_data_create_from_pattern_8(const pcre2_code *c, pcre2_general_context *g)
{
    return fail_now() ? NULL : __real_pcre2_match_data_create_from_pattern_8(c, g);
}

pcre2_match_context *__wrap_pcre2_match_context_create_8(pcre2_general_context *g)
{
    return fail_now() ? NULL : __real_pcre2_match_context_create_8(g);
}

pcre2_jit_stack *__wrap_pcre2_jit_stack_create_8(PCRE2_SIZE start, PCRE2_SIZE max, pcre2_general_context *g)
{
    return fail_now() ? NULL : __real_pcre2_jit_stack_create_8(start, max, g);
}

/* An assertion inside a scenario: Check allocates as it records one, so
 * the failing allocators pause meanwhile (and do not count). */
#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        int paused_ = fail_at;                                                                               \
        fail_at = 0;                                                                                         \
        ck_assert_msg(cond, __VA_ARGS__);                                                                    \
        fail_at = paused_;                                                                                   \
    } while (0)

/* ---- a mock host: config values and one result ---- */

struct mock_cfg {
    const char *key;
    const char *const *values;
    int n;
};

static int mock_config_count(const sw_config *cfg, const char *key)
{
    const struct mock_cfg *c = (const struct mock_cfg *)cfg;
    return strcmp(key, c->key) == 0 ? c->n : 0;
}

static const char *mock_config_get_nth(const sw_config *cfg, const char *key, int i)
{
    const struct mock_cfg *c = (const struct mock_cfg *)cfg;
    return strcmp(key, c->key) == 0 && i < c->n ? c->values[i] : NULL;
}

static int got_verdict = -1;
static char got_reason[1024];

static void mock_result_set(sw_result *r, int verdict, const char *fmt, ...)
{
    (void)r;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(got_reason, sizeof got_reason, fmt, ap); /* allocates nothing */
    va_end(ap);
    got_verdict = verdict;
}

static struct sw_host_api mock_api(void)
{
    return (struct sw_host_api){
        .version = SW_ABI_VERSION,
        .size = sizeof(struct sw_host_api),
        .config_count = mock_config_count,
        .config_get_nth = mock_config_get_nth,
        .result_set = mock_result_set,
    };
}

/* ---- the verdict's ranking ---- */

struct rank_case {
    int verdicts[3];
    const char *reason;
};

/* Rule I fails with verdicts[I] (OK ends the list), message "rI". */
static const struct rank_case rank_cases[] = {
    {{SW_WARN, SW_UNKNOWN, SW_OK}, "r1 (+1 more: r0)"},
    {{SW_UNKNOWN, SW_WARN, SW_OK}, "r0 (+1 more: r1)"},
    {{SW_WARN, SW_UNKNOWN, SW_FAIL}, "r2 (+2 more: r1; r0)"},
    {{SW_UNKNOWN, SW_FAIL, SW_WARN}, "r1 (+2 more: r0; r2)"},
    {{SW_FAIL, SW_WARN, SW_FAIL}, "r0 (+2 more: r2; r1)"},
    {{SW_WARN, SW_WARN, SW_UNKNOWN}, "r2 (+2 more: r0; r1)"},
};

START_TEST(worst_verdict_leads)
{
    const struct rank_case *c = &rank_cases[_i];
    struct sw_host_api api = mock_api();
    struct verdict v = {0};
    int worst = SW_OK;
    for (int i = 0; i < 3 && c->verdicts[i] != SW_OK; i++) {
        verdict_fail(&v, c->verdicts[i], "r%d", i);
        if (verdict_rank(c->verdicts[i]) > verdict_rank(worst))
            worst = c->verdicts[i];
    }
    verdict_set(&v, &api, NULL, "fine");
    verdict_free(&v);
    ck_assert_int_eq(got_verdict, worst);
    ck_assert_str_eq(got_reason, c->reason);
}
END_TEST

START_TEST(ranking_is_the_documented_one)
{
    /* README: FAIL (2) > UNKNOWN (3) > WARN (1) > OK (0). */
    ck_assert_int_gt(verdict_rank(SW_FAIL), verdict_rank(SW_UNKNOWN));
    ck_assert_int_gt(verdict_rank(SW_UNKNOWN), verdict_rank(SW_WARN));
    ck_assert_int_gt(verdict_rank(SW_WARN), verdict_rank(SW_OK));
}
END_TEST

/* ---- the first error ---- */

static int steps;

static int step(int rc)
{
    steps++;
    return rc;
}

START_TEST(first_error_kept)
{
    int rc = 0;
    steps = 0;
    ERR_KEEP_FIRST(rc, step(0));
    ERR_KEEP_FIRST(rc, step(SW_ECONFIG));
    ERR_KEEP_FIRST(rc, step(SW_EINVAL)); /* rc |= would make this -1: SW_ENOMEM */
    ERR_KEEP_FIRST(rc, step(SW_ENOMEM));
    ck_assert_int_eq(rc, SW_ECONFIG);
    ck_assert_int_eq(steps, 4); /* every step still ran: all errors reported */
}
END_TEST

/* ---- out of memory at every allocation point ---- */

/* Run SCENARIO with the Nth allocation failing, N = 1, 2, ... until a run
 * makes fewer than N calls (so none failed); returns how many allocations
 * a run made (each was failed once). */
static int every_allocation(int (*scenario)(int))
{
    for (int n = 1;; n++) {
        arm(n);
        scenario(n);
        if (disarm() < n)
            return n - 1;
        ck_assert_msg(n < 10000, "no end to the allocations");
    }
}

/* At least one must have been failed, or the wrapping did not take. */
#define EVERY_ALLOCATION(scenario)                                                                           \
    do {                                                                                                     \
        int made_ = every_allocation(scenario);                                                              \
        fprintf(stderr, "%s: %d allocations, each failed once\n", #scenario, made_);                         \
        ck_assert_msg(made_ > 0, "no allocation was seen: --wrap did not take");                             \
    } while (0)

static const char body[] = "<html><head><title>Welcome to Python.org</title></head>\n"
                           "<body>Python is a programming language</body></html>\n";

/* Build a set of three rules and scan BODY in 7-byte reads.  Each step
 * either worked or said SW_ENOMEM / NULL; a rule is judged rightly or left
 * unjudged with the reason, never judged wrongly. */
static int scenario_match(int n)
{
    (void)n;
    struct match_set *s = match_set_new(1);
    if (!s)
        return 1;
    char err[256] = "";
    int rc = match_add_text(s, "python", MATCH_CONTAINS);
    CHECK(rc == 0 || rc == SW_ENOMEM, "rc %d", rc);
    rc = match_add_text(s, "Traceback", MATCH_REJECT);
    CHECK(rc == 0 || rc == SW_ENOMEM, "rc %d", rc);
    rc = match_add_regex(s, "<title>[^<]*python", err, sizeof err);
    CHECK(rc == 0 || rc == SW_ENOMEM, "%d: %s", rc, err);
    if (rc == SW_ENOMEM)
        CHECK(strcmp(err, "out of memory while compiling it") == 0, "%s", err);
    struct match_scan *sc = match_scan_new(s);
    if (sc) {
        for (size_t at = 0; at < sizeof body - 1; at += 7) {
            size_t len = sizeof body - 1 - at;
            match_scan_feed(sc, body + at, len < 7 ? len : 7);
        }
        match_scan_finish(sc);
        for (int i = 0; i < match_count(s); i++) {
            int seen = match_scan_seen(sc, i), want = match_kind_at(s, i) != MATCH_REJECT;
            if (seen < 0)
                CHECK(strcmp(match_scan_error(sc, i), "out of memory while matching") == 0, "%s",
                      match_scan_error(sc, i));
            else
                CHECK(seen == want, "rule %s: %d", match_text_at(s, i), seen);
        }
    }
    match_scan_free(sc);
    match_set_free(s);
    return 1;
}

START_TEST(matcher_out_of_memory)
{
    EVERY_ALLOCATION(scenario_match);
}
END_TEST

/* Three failed rules and a note: the verdict is never better than the worst
 * failure that was kept, and a lost one makes it at least UNKNOWN. */
static int scenario_verdict(int n)
{
    (void)n;
    struct sw_host_api api = mock_api();
    struct verdict v = {0};
    got_verdict = -1;
    verdict_fail(&v, SW_WARN, "slow: %d ms", 1200);
    verdict_fail(&v, SW_UNKNOWN, "regex /%s/ not judged", "x");
    verdict_fail(&v, SW_FAIL, "body lacks \"%s\"", "Python");
    verdict_note(&v, "certificate not verified");
    int kept_fail = 0, lost = v.nomem;
    for (int i = 0; i < v.n; i++)
        kept_fail |= v.v[i].verdict == SW_FAIL;
    verdict_set(&v, &api, NULL, "fine");
    verdict_free(&v);
    if (kept_fail) {
        CHECK(got_verdict == SW_FAIL, "%d", got_verdict);
        CHECK(strncmp(got_reason, "body lacks \"Python\"", 19) == 0, "%s", got_reason);
    } else {
        CHECK(got_verdict == SW_UNKNOWN, "%d", got_verdict);
    }
    if (lost)
        CHECK(strstr(got_reason, "out of memory while judging the run") || strstr(got_reason, " more)"), "%s",
              got_reason);
    if (!lost && calls < n) /* nothing failed */
        CHECK(strcmp(got_reason, "body lacks \"Python\" (+2 more: regex /x/ not judged; slow: 1200 ms); "
                                 "certificate not verified") == 0,
              "%s", got_reason);
    return 1;
}

START_TEST(verdict_out_of_memory)
{
    EVERY_ALLOCATION(scenario_verdict);
}
END_TEST

static int scenario_items(int n)
{
    (void)n;
    static const char *const values[] = {" 127.0.0.1:5353, [::1]:53 ", "10.0.0.1"};
    struct mock_cfg cfg = {"server", values, 2};
    struct sw_host_api api = mock_api();
    char **items = (char **)1;
    int *at = (int *)1;
    int got = config_items(&api, (const sw_config *)&cfg, "server", &items, &at);
    if (got == SW_ENOMEM) {
        CHECK(items == NULL, "%s", "not NULL");
        CHECK(at == NULL, "%s", "not NULL");
        return 1;
    }
    CHECK(got == 3, "%d", got);
    CHECK(strcmp(items[0], "127.0.0.1:5353") == 0, "%s", items[0]);
    CHECK(strcmp(items[1], "[::1]:53") == 0, "%s", items[1]);
    CHECK(strcmp(items[2], "10.0.0.1") == 0, "%s", items[2]);
    CHECK(at[2] == 1, "%d", at[2]);
    config_items_free(items, got);
    free(at);
    return 1;
}

START_TEST(config_items_out_of_memory)
{
    EVERY_ALLOCATION(scenario_items);
}
END_TEST

/* Each answer of the dns fuzz corpus (byte 0 picks the type, as in
 * fuzz/fuzz_dns.c): with an allocation failing, the reader gives what it
 * gives without one, or SW_ENOMEM with nothing kept. */
static const unsigned char *answer;
static size_t answer_len;
static int answer_rc, answer_n;

static int answer_type(void)
{
    static const int types[] = {1, 2, 5, 6, 12, 15, 16, 28, 33, 257};
    return types[answer[0] % (sizeof types / sizeof *types)];
}

static int scenario_answer(int n)
{
    (void)n;
    struct dns_answer a;
    int rc = dns_answer_parse(answer + 1, (int)(answer_len - 1), answer_type(), &a);
    if (rc == SW_ENOMEM && answer_rc != SW_ENOMEM) {
        CHECK(a.n == 0 && !a.values && !a.cnames, "%d values kept", a.n);
        return 1;
    }
    CHECK(rc == answer_rc, "%d, without a failure %d", rc, answer_rc);
    CHECK(a.n == answer_n, "%d values, without a failure %d", a.n, answer_n);
    dns_answer_free(&a);
    return 1;
}

START_TEST(dns_answer_out_of_memory)
{
    char dir[4096];
    const char *root = getenv("SW_SOURCE_ROOT");
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/dns", root ? root : "..");
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "%s", dir);
    int files = 0, made = 0;
    for (struct dirent *e; (e = readdir(d));) {
        char path[4400];
        static unsigned char buf[65536];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        ck_assert_ptr_nonnull(f);
        answer_len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        if (answer_len < 1)
            continue;
        answer = buf;
        struct dns_answer a;
        answer_rc = dns_answer_parse(answer + 1, (int)(answer_len - 1), answer_type(), &a);
        answer_n = a.n;
        if (answer_rc == 0)
            dns_answer_free(&a);
        made += every_allocation(scenario_answer);
        files++;
    }
    closedir(d);
    fprintf(stderr, "scenario_answer: %d answers, %d allocations, each failed once\n", files, made);
    ck_assert_int_gt(files, 10);
    ck_assert_int_gt(made, files);
}
END_TEST

/* SW_VALGRIND=1: run again under valgrind, in one process (CK_FORK=no),
 * any error or leak of any kind failing the test. */
static void rerun_under_valgrind(void)
{
    static char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (!getenv("SW_VALGRIND") || getenv("SW_TEST_COMMON_VG") || n <= 0)
        return;
    self[n] = 0;
    setenv("SW_TEST_COMMON_VG", "1", 1);
    setenv("CK_FORK", "no", 1);
    execlp("valgrind", "valgrind", "-q", "--error-exitcode=97", "--leak-check=full", "--show-leak-kinds=all",
           "--errors-for-leak-kinds=all", self, (char *)NULL);
    perror("valgrind"); /* not installed: run without */
}

int main(void)
{
    rerun_under_valgrind();
    Suite *s = suite_create("common");
    TCase *tc = tcase_create("verdict");
    tcase_add_loop_test(tc, worst_verdict_leads, 0, (int)(sizeof rank_cases / sizeof *rank_cases));
    tcase_add_test(tc, ranking_is_the_documented_one);
    tcase_add_test(tc, first_error_kept);
    suite_add_tcase(s, tc);
    tc = tcase_create("nomem");
    tcase_add_test(tc, matcher_out_of_memory);
    tcase_add_test(tc, verdict_out_of_memory);
    tcase_add_test(tc, config_items_out_of_memory);
    tcase_add_test(tc, dns_answer_out_of_memory);
    suite_add_tcase(s, tc);
    return t_run_suite(s, 0);
}
