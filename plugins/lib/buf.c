/* SPDX-License-Identifier: MIT */
#include "buf.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

static int buf_grow(struct buf *b, size_t n)
{
    if (b->failed)
        return -1;
    if (n > SIZE_MAX / 4 - b->len) { /* the doubling below would wrap */
        b->failed = 1;
        return -1;
    }
    if (b->len + n + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->s, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->s = p;
    b->cap = cap;
    return 0;
}

void buf_put(struct buf *b, const char *s, size_t n)
{
    if (buf_grow(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    /* Format once into the room there is; only a longer text formats twice. */
    if (buf_grow(b, 64))
        return;
    va_list ap2;
    va_copy(ap2, ap);
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->s + b->len, room, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->s[b->len] = '\0';
        return;
    }
    if ((size_t)n >= room) {
        if (buf_grow(b, (size_t)n)) {
            b->s[b->len] = '\0';
            return;
        }
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    }
    b->len += (size_t)n;
}

void buf_fixed1(struct buf *b, double v)
{
    /* printf's %.1f goes through arbitrary precision; a graph has
     * thousands of coordinates and needs none of it. */
    if (!(v > -1e15 && v < 1e15)) {
        buf_puts(b, "0");
        return;
    }
    long long t = (long long)(v * 10 + (v < 0 ? -0.5 : 0.5));
    char s[32], *p = s + sizeof s;
    int neg = t < 0;
    unsigned long long u = neg ? (unsigned long long)-t : (unsigned long long)t;
    *--p = (char)('0' + u % 10);
    *--p = '.';
    u /= 10;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (neg)
        *--p = '-';
    buf_put(b, p, (size_t)(s + sizeof s - p));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void buf_json_str(struct buf *b, const char *s)
{
    if (!s) {
        buf_puts(b, "null");
        return;
    }
    buf_put(b, "\"", 1);
    const char *run = s;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p != '"' && *p != '\\' && *p >= 0x20)
            continue;
        buf_put(b, run, (size_t)((const char *)p - run));
        char esc[8];
        if (*p == '"' || *p == '\\')
            snprintf(esc, sizeof esc, "\\%c", *p);
        else
            snprintf(esc, sizeof esc, "\\u%04x", *p);
        buf_puts(b, esc);
        run = (const char *)p + 1;
    }
    buf_puts(b, run);
    buf_put(b, "\"", 1);
}

/* X (whole) in decimal, with SCALE digits after a point (trailing zeros
 * and a bare point dropped), into B. */
static void buf_scaled(struct buf *b, long long x, int scale)
{
    char s[32], *p = s + sizeof s;
    unsigned long long u = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
    int digits = 0, frac = 0;
    for (; digits < scale; digits++, u /= 10) { /* the fraction, zeros at its end dropped */
        int d = (int)(u % 10);
        if (d || frac)
            *--p = (char)('0' + d), frac = 1;
    }
    if (frac)
        *--p = '.';
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (x < 0)
        *--p = '-';
    buf_put(b, p, (size_t)(s + sizeof s - p));
}

void buf_json_num(struct buf *b, double v)
{
    if (!isfinite(v)) {
        buf_puts(b, "null");
    } else if (v > -1e15 && v < 1e15 && v == (double)(long long)v) { /* range first: the cast is UB outside */
        /* Sizes, statuses, counts: whole numbers need no float printing. */
        buf_scaled(b, (long long)v, 0);
    } else if (v > -1e9 && v < 1e9 && (double)llround(v * 1e6) / 1e6 == v) {
        /* Times in seconds from microseconds, the bulk of all metrics: the
         * shortest decimal that reads back as the same double, without
         * printf's float formatting (a tenth of the storage writer's time). */
        buf_scaled(b, llround(v * 1e6), 6);
    } else {
        /* 15 digits read back as the same double for most values, 17 for
         * all (the fuzzer found one that 15 did not). */
        char s[40];
        snprintf(s, sizeof s, "%.15g", v);
        if (strtod(s, NULL) != v)
            snprintf(s, sizeof s, "%.17g", v);
        buf_puts(b, s);
    }
}

void buf_html(struct buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        const char *ent = NULL;
        int n = sw_utf8_len(p);
        switch (*p) {
        case '&': ent = "&amp;"; break;
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        case '"': ent = "&quot;"; break;
        case '\'': ent = "&#39;"; break;
        default:
            if (!n || (*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
                ent = "\xef\xbf\xbd"; /* U+FFFD */
        }
        if (ent) {
            buf_puts(b, ent);
            p += n ? n : 1;
        } else {
            buf_put(b, (const char *)p, (size_t)n);
            p += n;
        }
    }
}

void buf_csv(struct buf *b, const char *s)
{
    s = s ? s : "";
    size_t n = strlen(s);
    int quote = strpbrk(s, ",\"\r\n") != NULL || (n && (s[0] == ' ' || s[n - 1] == ' '));
    if (!quote) {
        buf_put(b, s, n);
        return;
    }
    buf_put(b, "\"", 1);
    for (const char *q; (q = strchr(s, '"')); s = q + 1) {
        buf_put(b, s, (size_t)(q - s) + 1);
        buf_put(b, "\"", 1);
    }
    buf_puts(b, s);
    buf_put(b, "\"", 1);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

void buf_free(struct buf *b)
{
    free(b->s);
    *b = (struct buf){0};
}
