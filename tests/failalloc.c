/* SPDX-License-Identifier: MIT
 * LD_PRELOAD'd into sitewatch by test_content: the Nth allocation made
 * directly by the plugins named in SW_FAIL_ALLOC_IN (say "http.so,dns.so")
 * fails, N from SW_FAIL_ALLOC.  Allocations by libc, libcurl, PCRE2, the
 * core or another plugin are never failed, so what is tested is how those
 * plugins' own code lives with a NULL.  At exit the number of such calls is
 * written to SW_FAIL_ALLOC_COUNT (by a process that made any), so the test
 * knows when N has passed the last one.  glibc's __libc_* allocators are called underneath: no dlsym,
 * which itself allocates. */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t k, size_t n);
void *__libc_realloc(void *p, size_t n);

static long fail_at = -1;
static long calls;
static const char *only;

__attribute__((constructor)) static void fa_init(void)
{
    const char *n = getenv("SW_FAIL_ALLOC");
    fail_at = n ? atol(n) : -1;
    only = getenv("SW_FAIL_ALLOC_IN");
}

__attribute__((destructor)) static void fa_fini(void)
{
    /* Only a process that made such calls: not a child that made none. */
    long n = __atomic_load_n(&calls, __ATOMIC_SEQ_CST);
    const char *path = getenv("SW_FAIL_ALLOC_COUNT");
    FILE *f = path && n ? fopen(path, "w") : NULL;
    if (f) {
        fprintf(f, "%ld\n", n);
        fclose(f);
    }
}

/* The caller is one of the plugins named, and this is the Nth such call. */
static int fa_fail(void *caller)
{
    Dl_info di;
    if (fail_at < 0 || !only || !dladdr(caller, &di) || !di.dli_fname)
        return 0;
    const char *base = strrchr(di.dli_fname, '/');
    base = base ? base + 1 : di.dli_fname;
    size_t len = strlen(base);
    const char *p = strstr(only, base);
    if (!p || (p != only && p[-1] != ',') || (p[len] && p[len] != ','))
        return 0;
    if (__atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST) != fail_at)
        return 0;
    /* Said on stderr, for the test's message: which call it was. */
    char line[256];
    int n = snprintf(line, sizeof line, "failalloc: allocation %ld fails, in %s(%s+%#lx)\n", fail_at, base,
                     di.dli_sname ? di.dli_sname : "?",
                     (unsigned long)((char *)caller - (char *)(di.dli_saddr ? di.dli_saddr : di.dli_fbase)));
    if (n > 0 && write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0)
        return 1;
    return 1;
}

/* Built with -fvisibility=hidden: the interposers must be seen. */
#define FA_EXPORT __attribute__((visibility("default")))
#define FA_CALLER __builtin_extract_return_addr(__builtin_return_address(0))

FA_EXPORT void *malloc(size_t n)
{
    return fa_fail(FA_CALLER) ? NULL : __libc_malloc(n);
}

FA_EXPORT void *calloc(size_t k, size_t n)
{
    return fa_fail(FA_CALLER) ? NULL : __libc_calloc(k, n);
}

FA_EXPORT void *realloc(void *p, size_t n)
{
    return fa_fail(FA_CALLER) ? NULL : __libc_realloc(p, n);
}

FA_EXPORT char *strdup(const char *s)
{
    if (fa_fail(FA_CALLER))
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = __libc_malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

FA_EXPORT char *strndup(const char *s, size_t max)
{
    if (fa_fail(FA_CALLER))
        return NULL;
    size_t n = strnlen(s, max);
    char *d = __libc_malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

FA_EXPORT int vasprintf(char **out, const char *fmt, va_list ap)
{
    if (fa_fail(FA_CALLER))
        return -1;
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *s = n < 0 ? NULL : __libc_malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, again);
    va_end(again);
    if (!s)
        return -1;
    *out = s;
    return n;
}

FA_EXPORT int asprintf(char **out, const char *fmt, ...)
{
    if (fa_fail(FA_CALLER))
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n < 0 ? NULL : __libc_malloc((size_t)n + 1);
    if (!s)
        return -1;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    *out = s;
    return n;
}
