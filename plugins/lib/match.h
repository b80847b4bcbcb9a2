/* SPDX-License-Identifier: MIT
 *
 * Content rules matched on a body as it streams in: substrings that must be
 * present, substrings that must be absent, and PCRE2 regular expressions.
 * The body is never kept whole: a scan holds the last few bytes (for a
 * substring split between two reads) and, for a regex, only the text from
 * where a partial match began.  No dependency on libcurl or the host, so the
 * unit tests drive it directly.
 *
 * Out of memory never exits: building a set returns NULL or SW_ENOMEM, and
 * a scan that runs out leaves the rules it could not finish unjudged (-1,
 * "out of memory while matching"), never reported absent.
 */
#ifndef SW_WEB_MATCH_H
#define SW_WEB_MATCH_H

#include <stddef.h>

enum match_kind {
    MATCH_CONTAINS, /* FAIL when absent */
    MATCH_REJECT,   /* FAIL when present */
    MATCH_REGEX,    /* FAIL when nothing matches */
};

struct match_set;
struct match_scan;

/* NULL when out of memory. */
struct match_set *match_set_new(int ignore_case);
void match_set_free(struct match_set *s);
/* 0, or SW_ENOMEM with the set unchanged. */
int match_add_text(struct match_set *s, const char *text, enum match_kind kind);
/* Compile a regex: 0; SW_ECONFIG for a bad pattern, with PCRE2's message
 * (and the offset) in ERR; SW_ENOMEM, with the set unchanged and ERR saying
 * so. */
int match_add_regex(struct match_set *s, const char *re, char *err, size_t errlen);
int match_count(const struct match_set *s);
enum match_kind match_kind_at(const struct match_set *s, int i);
const char *match_text_at(const struct match_set *s, int i);

/* NULL when out of memory. */
struct match_scan *match_scan_new(const struct match_set *s);
void match_scan_feed(struct match_scan *sc, const char *data, size_t len);
/* The body ended (or was cut): settle the regexes that were waiting for
 * more text. */
void match_scan_finish(struct match_scan *sc);
/* 1 when rule I's pattern occurred in the body, 0 when not, -1 when the
 * regex engine gave up past its limits or the scan ran out of memory (see
 * match_scan_error, never NULL then): the rule is not judged, which says
 * nothing about the site.  Also for a substring rule. */
int match_scan_seen(const struct match_scan *sc, int i);
const char *match_scan_error(const struct match_scan *sc, int i);
/* Bytes the scan holds right now, for tests of its memory use. */
size_t match_scan_held(const struct match_scan *sc);
void match_scan_free(struct match_scan *sc);

#endif
