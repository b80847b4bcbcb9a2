/* SPDX-License-Identifier: MIT
 *
 * Streaming content rules.  Substrings: each read is searched on its own,
 * plus a small join of the previous read's last (longest needle - 1) bytes
 * with the start of this one, so a needle split between two reads is still
 * found.  Regexes: PCRE2's multi-segment matching (pcre2partial(3)).  Each
 * read is matched with PCRE2_PARTIAL_HARD; on a partial match only the text
 * from its start (plus the pattern's lookbehind) is kept and the next read is
 * appended to it; on no match only the lookbehind is kept.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "match.h"

#include <pcre2.h>
#include <sitewatch/plugin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct match_rule {
    enum match_kind kind;
    char *text; /* as configured, for reasons */
    char *fold; /* substring to search (lower-cased when ignoring case) */
    size_t len; /* of fold */
    pcre2_code *re;
    size_t lookbehind; /* bytes a regex may look back before its start */
};

struct match_set {
    int ignore_case;
    struct match_rule *rules;
    int n;
    size_t max_len; /* longest substring */
};

struct match_regex_state {
    int seen; /* 1 matched, -1 engine error */
    char *err;
    pcre2_match_data *md;
    char *held; /* text kept from earlier reads */
    size_t held_len, held_cap;
    size_t start; /* where the next match attempt starts in held */
    int notbol;   /* the body's first byte is no longer in held */
};

struct match_scan {
    const struct match_set *set;
    struct match_regex_state *st;
    /* Made on the first regex that needs them (see match_exec). */
    pcre2_match_context *jit_ctx, *interp_ctx;
    pcre2_jit_stack *jit;
    size_t jit_max;
    char *carry; /* last max_len - 1 bytes seen (folded) */
    size_t carry_len;
    char *join; /* carry + the start of the next read */
    char *fold; /* this read, lower-cased */
    size_t fold_cap;
};

/* Why a rule was left unjudged when the scan found no memory for it. */
#define MATCH_NOMEM "out of memory while matching"

/* NULL when out of memory: every caller undoes its step and says so (a
 * plugin never exits the process). */
static void *match_alloc(size_t n)
{
    return calloc(1, n ? n : 1);
}

static void match_lower(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
}

struct match_set *match_set_new(int ignore_case)
{
    struct match_set *s = match_alloc(sizeof *s);
    if (s)
        s->ignore_case = ignore_case;
    return s;
}

void match_set_free(struct match_set *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++) {
        free(s->rules[i].text);
        free(s->rules[i].fold);
        pcre2_code_free(s->rules[i].re);
    }
    free(s->rules);
    free(s);
}

/* A new rule for TEXT, or NULL (out of memory) with the set unchanged. */
static struct match_rule *match_push(struct match_set *s, const char *text, enum match_kind kind)
{
    struct match_rule *r = realloc(s->rules, sizeof *r * (size_t)(s->n + 1));
    if (!r)
        return NULL;
    s->rules = r;
    char *copy = strdup(text);
    if (!copy)
        return NULL;
    r = &s->rules[s->n++];
    *r = (struct match_rule){.kind = kind, .text = copy};
    return r;
}

int match_add_text(struct match_set *s, const char *text, enum match_kind kind)
{
    char *fold = strdup(text);
    struct match_rule *r = fold ? match_push(s, text, kind) : NULL;
    if (!r) {
        free(fold);
        return SW_ENOMEM;
    }
    r->len = strlen(text);
    r->fold = fold;
    if (s->ignore_case)
        match_lower(r->fold, text, r->len);
    if (r->len > s->max_len)
        s->max_len = r->len;
    return 0;
}

int match_add_regex(struct match_set *s, const char *re, char *err, size_t errlen)
{
    int code;
    PCRE2_SIZE at;
    /* ^ and $ match at line ends, as in grep and Nagios' check_http -r. */
    uint32_t opts = PCRE2_MULTILINE | (s->ignore_case ? PCRE2_CASELESS : 0);
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, opts, &code, &at, NULL);
    if (!c && code == PCRE2_ERROR_HEAP_FAILED) {
        snprintf(err, errlen, "out of memory while compiling it");
        return SW_ENOMEM;
    }
    if (!c) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        snprintf(err, errlen, "%s at offset %zu", (const char *)msg, (size_t)at);
        return SW_ECONFIG;
    }
    /* JIT where the platform has it; pcre2_match uses it on its own. */
    pcre2_jit_compile(c, PCRE2_JIT_COMPLETE | PCRE2_JIT_PARTIAL_HARD);
    uint32_t lb = 0;
    pcre2_pattern_info(c, PCRE2_INFO_MAXLOOKBEHIND, &lb);
    struct match_rule *r = match_push(s, re, MATCH_REGEX);
    if (!r) {
        pcre2_code_free(c);
        snprintf(err, errlen, "out of memory while compiling it");
        return SW_ENOMEM;
    }
    r->re = c;
    /* At least one byte, so ^ in (?m) mode still sees the newline before. */
    r->lookbehind = lb ? lb : 1;
    return 0;
}

int match_count(const struct match_set *s)
{
    return s ? s->n : 0;
}

enum match_kind match_kind_at(const struct match_set *s, int i)
{
    return s->rules[i].kind;
}

const char *match_text_at(const struct match_set *s, int i)
{
    return s->rules[i].text;
}

struct match_scan *match_scan_new(const struct match_set *s)
{
    struct match_scan *sc = match_alloc(sizeof *sc);
    if (!sc)
        return NULL;
    sc->set = s;
    if (!(sc->st = match_alloc(sizeof *sc->st * (size_t)s->n)))
        goto nomem;
    for (int i = 0; i < s->n; i++)
        if (s->rules[i].re && !(sc->st[i].md = pcre2_match_data_create_from_pattern(s->rules[i].re, NULL)))
            goto nomem;
    if (s->max_len > 1 &&
        (!(sc->carry = match_alloc(s->max_len - 1)) || !(sc->join = match_alloc(2 * (s->max_len - 1)))))
        goto nomem;
    return sc;
nomem:
    match_scan_free(sc);
    return NULL;
}

void match_scan_free(struct match_scan *sc)
{
    if (!sc)
        return;
    for (int i = 0; sc->st && i < sc->set->n; i++) {
        pcre2_match_data_free(sc->st[i].md);
        free(sc->st[i].held);
        free(sc->st[i].err);
    }
    free(sc->st);
    pcre2_jit_stack_free(sc->jit);
    pcre2_match_context_free(sc->jit_ctx);
    pcre2_match_context_free(sc->interp_ctx);
    free(sc->carry);
    free(sc->join);
    free(sc->fold);
    free(sc);
}

/* ---- substrings ---- */

static void match_texts(struct match_scan *sc, const char *data, size_t len)
{
    const struct match_set *s = sc->set;
    if (s->ignore_case) {
        if (len > sc->fold_cap) {
            free(sc->fold);
            sc->fold_cap = 0;
            if (!(sc->fold = match_alloc(len))) {
                /* No room to fold this read: the substrings not yet seen
                 * are left unjudged, never reported absent. */
                for (int i = 0; i < s->n; i++)
                    if (!s->rules[i].re && !sc->st[i].seen)
                        sc->st[i].seen = -1;
                return;
            }
            sc->fold_cap = len;
        }
        match_lower(sc->fold, data, len);
        data = sc->fold;
    }
    size_t k = s->max_len ? s->max_len - 1 : 0;
    size_t head = len < k ? len : k, jl = sc->carry_len + head;
    if (k) {
        memcpy(sc->join, sc->carry, sc->carry_len);
        memcpy(sc->join + sc->carry_len, data, head);
    }
    for (int i = 0; i < s->n; i++) {
        const struct match_rule *r = &s->rules[i];
        if (r->re || sc->st[i].seen)
            continue;
        if ((sc->carry_len && memmem(sc->join, jl, r->fold, r->len)) || memmem(data, len, r->fold, r->len))
            sc->st[i].seen = 1;
    }
    if (!k)
        return;
    if (len >= k) {
        memcpy(sc->carry, data + len - k, k);
        sc->carry_len = k;
    } else {
        size_t keep = jl < k ? jl : k;
        memmove(sc->carry, sc->join + jl - keep, keep);
        sc->carry_len = keep;
    }
}

/* ---- regexes ---- */

/* Append N bytes to what ST holds; -1 when out of memory (ST unchanged). */
static int match_hold(struct match_regex_state *st, const char *src, size_t n)
{
    if (st->held_len + n > st->held_cap) {
        size_t cap = st->held_cap ? st->held_cap : 256;
        while (cap < st->held_len + n)
            cap *= 2;
        char *p = realloc(st->held, cap);
        if (!p)
            return -1;
        st->held = p;
        st->held_cap = cap;
    }
    memmove(st->held + st->held_len, src, n);
    st->held_len += n;
    return 0;
}

/* The rule cannot be judged: let go of its text (err stays NULL, so
 * match_scan_error says MATCH_NOMEM). */
static void match_give_up(struct match_regex_state *st)
{
    st->seen = -1;
    free(st->held);
    st->held = NULL;
    st->held_len = st->held_cap = st->start = 0;
}

/* PCRE2's JIT runs on 32 KB of machine stack unless given more, and a
 * pattern such as ^(.|\n)*$ takes about 40 bytes of it per byte of body
 * (8 MB for 200 KB).  So a scan whose regex reaches that limit gets a JIT
 * stack of its own, 1 MB and four times larger each time it is still too
 * small, up to MATCH_JIT_STACK_MAX (an mmap'd reservation, resident only as
 * far as it is used).  Past that the interpreter tries, its work and memory
 * bounded; only when it too gives up is the rule left unjudged: the
 * matcher's limit, never the site's failure. */
#define MATCH_JIT_STACK_MAX   ((size_t)64 << 20)
#define MATCH_INTERP_LIMIT    5000000u     /* backtracking steps: well under a second */
#define MATCH_INTERP_HEAP_KIB (64u * 1024) /* its backtracking frames: 64 MB */

static int match_grow_jit_stack(struct match_scan *sc)
{
    size_t next = sc->jit_max ? sc->jit_max * 4 : (size_t)1 << 20;
    if (next > MATCH_JIT_STACK_MAX || (!sc->jit_ctx && !(sc->jit_ctx = pcre2_match_context_create(NULL))))
        return 0;
    pcre2_jit_stack *js = pcre2_jit_stack_create(32 * 1024, next, NULL);
    if (!js)
        return 0;
    pcre2_jit_stack_free(sc->jit);
    sc->jit = js;
    sc->jit_max = next;
    pcre2_jit_stack_assign(sc->jit_ctx, NULL, js);
    return 1;
}

static int match_exec(struct match_scan *sc, const pcre2_code *re, const char *subj, size_t len, size_t start,
                      uint32_t opts, pcre2_match_data *md)
{
    int rc = pcre2_match(re, (PCRE2_SPTR)subj, len, start, opts, md, sc->jit_ctx);
    while (rc == PCRE2_ERROR_JIT_STACKLIMIT && match_grow_jit_stack(sc))
        rc = pcre2_match(re, (PCRE2_SPTR)subj, len, start, opts, md, sc->jit_ctx);
    if (rc != PCRE2_ERROR_JIT_STACKLIMIT)
        return rc;
    if (!sc->interp_ctx) {
        if (!(sc->interp_ctx = pcre2_match_context_create(NULL)))
            return rc;
        pcre2_set_match_limit(sc->interp_ctx, MATCH_INTERP_LIMIT);
        pcre2_set_heap_limit(sc->interp_ctx, MATCH_INTERP_HEAP_KIB);
    }
    return pcre2_match(re, (PCRE2_SPTR)subj, len, start, opts | PCRE2_NO_JIT, md, sc->interp_ctx);
}

static void match_regex(struct match_scan *sc, int i, const char *data, size_t len, int last)
{
    const struct match_rule *r = &sc->set->rules[i];
    struct match_regex_state *st = &sc->st[i];
    if (st->seen)
        return;
    const char *subj = data ? data : "";
    size_t slen = len, start = 0;
    if (st->held_len) {
        if (len && match_hold(st, data, len) < 0) {
            match_give_up(st);
            return;
        }
        subj = st->held;
        slen = st->held_len;
        start = st->start;
    }
    uint32_t opts = (st->notbol ? PCRE2_NOTBOL : 0) | (last ? 0 : PCRE2_PARTIAL_HARD);
    int rc = match_exec(sc, r->re, subj, slen, start, opts, st->md);
    size_t from;
    if (rc >= 0) {
        st->seen = 1;
        from = slen;
    } else if (rc == PCRE2_ERROR_PARTIAL) {
        size_t ps = pcre2_get_ovector_pointer(st->md)[0];
        from = ps > r->lookbehind ? ps - r->lookbehind : 0;
    } else if (rc == PCRE2_ERROR_NOMATCH) {
        from = slen > r->lookbehind ? slen - r->lookbehind : 0;
    } else {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(rc, msg, sizeof msg);
        st->err = strdup((const char *)msg); /* NULL: MATCH_NOMEM is said */
        st->seen = -1;
        from = slen;
    }
    if (last || st->seen)
        from = slen; /* nothing more will come: let go of it all */
    /* Keep subj[from..slen) for the next read. */
    size_t keep = slen - from;
    if (from)
        st->notbol = 1;
    if (subj == st->held) {
        memmove(st->held, st->held + from, keep);
        st->held_len = keep;
    } else {
        st->held_len = 0;
        if (keep && match_hold(st, subj + from, keep) < 0) {
            match_give_up(st);
            return;
        }
    }
    st->start = rc == PCRE2_ERROR_PARTIAL ? pcre2_get_ovector_pointer(st->md)[0] - from : keep;
    if (!st->held_len) {
        free(st->held);
        st->held = NULL;
        st->held_cap = 0;
        st->start = 0;
    }
}

void match_scan_feed(struct match_scan *sc, const char *data, size_t len)
{
    if (!len)
        return;
    match_texts(sc, data, len);
    for (int i = 0; i < sc->set->n; i++)
        if (sc->set->rules[i].re)
            match_regex(sc, i, data, len, 0);
}

void match_scan_finish(struct match_scan *sc)
{
    for (int i = 0; i < sc->set->n; i++)
        if (sc->set->rules[i].re)
            match_regex(sc, i, NULL, 0, 1);
}

int match_scan_seen(const struct match_scan *sc, int i)
{
    return sc->st[i].seen;
}

const char *match_scan_error(const struct match_scan *sc, int i)
{
    if (sc->st[i].seen >= 0)
        return NULL;
    return sc->st[i].err ? sc->st[i].err : MATCH_NOMEM;
}

size_t match_scan_held(const struct match_scan *sc)
{
    size_t n = sc->carry_len;
    for (int i = 0; i < sc->set->n; i++)
        n += sc->st[i].held_len;
    return n;
}
