/* SPDX-License-Identifier: MIT
 * Fuzz target: the content rules on a streamed body.  The input is
 *   byte 0: bit 0 ignore case, bits 1-2 the rule's kind, the rest seeds
 *           where the body is cut into reads;
 *   then the pattern up to the first newline (at most 64 bytes), then the
 *   body.
 * Besides memory errors it checks one property: the verdict does not
 * depend on how the body was cut into reads (the whole body in one read is
 * the reference), and a substring rule agrees with memmem. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/lib/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int scan(const struct match_set *s, const char *body, size_t n, uint32_t seed, int *err)
{
    struct match_scan *sc = match_scan_new(s);
    size_t at = 0;
    while (at < n) {
        seed = seed * 1103515245u + 12345u;
        size_t len = seed ? 1 + (seed >> 16) % 97 : n - at; /* seed 0: one read */
        if (len > n - at)
            len = n - at;
        match_scan_feed(sc, body + at, len);
        at += len;
    }
    match_scan_finish(sc);
    int seen = match_scan_seen(sc, 0);
    *err = seen < 0;
    match_scan_free(sc);
    return seen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int icase = data[0] & 1, kind = (data[0] >> 1) & 3;
    const char *rest = (const char *)data + 1;
    size_t left = size - 1;
    const char *nl = memchr(rest, '\n', left < 65 ? left : 65);
    if (!nl || nl == rest)
        return 0;
    size_t plen = (size_t)(nl - rest);
    char pat[65];
    memcpy(pat, rest, plen);
    pat[plen] = '\0';
    if (strlen(pat) != plen) /* a NUL inside: the config layer never gives one */
        return 0;
    const char *body = nl + 1;
    size_t n = left - plen - 1;

    struct match_set *s = match_set_new(icase);
    char err[256];
    if (kind == 2) {
        if (match_add_regex(s, pat, err, sizeof err) < 0) {
            match_set_free(s);
            return 0;
        }
    } else {
        match_add_text(s, pat, kind ? MATCH_REJECT : MATCH_CONTAINS);
    }
    int e1, e2;
    int whole = scan(s, body, n, 0, &e1);
    int cut = scan(s, body, n, data[0] | 1u << 8, &e2);
    if (!e1 && !e2 && whole != cut)
        abort(); /* the verdict depended on how the body arrived */
    if (kind != 2) {
        char *hay = malloc(n ? n : 1), *needle = strdup(pat);
        memcpy(hay, body, n);
        for (size_t i = 0; icase && i < n; i++)
            hay[i] = (char)tolower((unsigned char)hay[i]);
        for (size_t i = 0; icase && needle[i]; i++)
            needle[i] = (char)tolower((unsigned char)needle[i]);
        int found = memmem(hay, n, needle, plen) != NULL;
        if (found != whole)
            abort(); /* the streaming substring search disagrees with memmem */
        free(hay);
        free(needle);
    }
    match_set_free(s);
    return 0;
}
