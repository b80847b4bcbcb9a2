/* SPDX-License-Identifier: MIT */
#include "tz.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The footer's rule: a standard and a daylight offset (seconds east of
 * UTC) and the two days the clocks change, each at a local time. */
struct tz_day {
    char kind; /* 'J': day 1-365 without Feb 29; 'D': day 0-365; 'M': month.week.weekday */
    int n, m, w, d;
    int32_t time; /* seconds after local midnight, may be negative or past 24 h */
};

struct tz_rule {
    int32_t std, dst;
    int has_dst;
    struct tz_day start, end;
};

struct sw_tz {
    int64_t *times; /* transitions, ascending */
    uint8_t *types; /* the type each transition starts */
    int32_t *offs;  /* each type's offset */
    int ntimes, ntypes;
    int has_rule;
    struct tz_rule rule;
};

int64_t sw_days_from_civil(int y, int m, int d)
{
    /* Howard Hinnant's days_from_civil: years start in March so that
     * February's length falls at the end. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void sw_civil_from_days(int64_t days, int *y, int *m, int *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int sw_weekday(int64_t days)
{
    int64_t w = (days + 4) % 7; /* 1970-01-01 was a Thursday */
    return (int)(w < 0 ? w + 7 : w);
}

static int tz_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int sw_days_in_month(int y, int m)
{
    static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && tz_leap(y) ? 29 : len[m - 1];
}

static int64_t tz_floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* ---- the POSIX TZ string of the footer: "CET-1CEST,M3.5.0,M10.5.0/3" ---- */

static int tz_name(const char **s)
{
    const char *p = *s;
    if (*p == '<') {
        while (*p && *p != '>')
            p++;
        if (*p != '>')
            return -1;
        *s = p + 1;
        return 0;
    }
    while (isalpha((unsigned char)*p))
        p++;
    if (p - *s < 3)
        return -1;
    *s = p;
    return 0;
}

/* [+-]hh[:mm[:ss]], hours up to 167 (RFC 8536's extension for rules). */
static int tz_hms(const char **s, int32_t *out)
{
    const char *p = *s;
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    long part[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (i > 0 && *p != ':')
            break;
        if (i > 0)
            p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        char *end;
        part[i] = strtol(p, &end, 10);
        if (end - p > 3 || part[i] > (i == 0 ? 167 : 59))
            return -1;
        p = end;
    }
    *out = (int32_t)(sign * (part[0] * 3600 + part[1] * 60 + part[2]));
    *s = p;
    return 0;
}

static int tz_num(const char **s, int lo, int hi, int *out)
{
    if (!isdigit((unsigned char)**s))
        return -1;
    char *end;
    long v = strtol(*s, &end, 10);
    if (v < lo || v > hi)
        return -1;
    *out = (int)v;
    *s = end;
    return 0;
}

static int tz_day_rule(const char **s, struct tz_day *r)
{
    if (*(*s)++ != ',')
        return -1;
    int rc;
    if (**s == 'J') {
        (*s)++;
        r->kind = 'J';
        rc = tz_num(s, 1, 365, &r->n);
    } else if (**s == 'M') {
        (*s)++;
        r->kind = 'M';
        rc = tz_num(s, 1, 12, &r->m);
        if (!rc)
            rc = *(*s)++ == '.' ? tz_num(s, 1, 5, &r->w) : -1;
        if (!rc)
            rc = *(*s)++ == '.' ? tz_num(s, 0, 6, &r->d) : -1;
    } else {
        r->kind = 'D';
        rc = tz_num(s, 0, 365, &r->n);
    }
    r->time = 7200;
    if (!rc && **s == '/') {
        (*s)++;
        rc = tz_hms(s, &r->time);
    }
    return rc;
}

static int tz_rule_parse(const char *s, struct tz_rule *r)
{
    int32_t west;
    if (tz_name(&s) || tz_hms(&s, &west))
        return -1;
    r->std = -west;
    r->has_dst = *s != '\0';
    if (!r->has_dst)
        return 0;
    if (tz_name(&s))
        return -1;
    r->dst = r->std + 3600;
    if (*s && *s != ',') {
        if (tz_hms(&s, &west))
            return -1;
        r->dst = -west;
    }
    /* zic always writes the rule; without one the dates are unknowable. */
    if (tz_day_rule(&s, &r->start) || tz_day_rule(&s, &r->end))
        return -1;
    return *s ? -1 : 0;
}

static int64_t tz_rule_day(const struct tz_day *r, int y)
{
    int64_t jan1 = sw_days_from_civil(y, 1, 1);
    if (r->kind == 'J')
        return jan1 + r->n - 1 + (tz_leap(y) && r->n >= 60);
    if (r->kind == 'D')
        return jan1 + r->n;
    int64_t first = sw_days_from_civil(y, r->m, 1);
    int day = (r->d - sw_weekday(first) + 7) % 7 + 7 * (r->w - 1);
    while (day >= sw_days_in_month(y, r->m))
        day -= 7; /* week 5: the last such weekday */
    return first + day;
}

static int32_t tz_rule_offset(const struct tz_rule *r, int64_t t)
{
    if (!r->has_dst)
        return r->std;
    int y, m, d;
    sw_civil_from_days(tz_floor_div(t + r->std, 86400), &y, &m, &d);
    /* Each change is at a local time of the offset in force before it. */
    int64_t start = tz_rule_day(&r->start, y) * 86400 + r->start.time - r->std;
    int64_t end = tz_rule_day(&r->end, y) * 86400 + r->end.time - r->dst;
    int dst = start < end ? t >= start && t < end : !(t >= end && t < start);
    return dst ? r->dst : r->std;
}

/* ---- the TZif file ---- */

static uint32_t tz_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t tz_be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)tz_be32(p) << 32 | tz_be32(p + 4));
}

struct tz_counts {
    uint32_t isut, isstd, leap, time, type, chars;
};

static int tz_header(const unsigned char *p, size_t n, struct tz_counts *c)
{
    if (n < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    c->isut = tz_be32(p + 20);
    c->isstd = tz_be32(p + 24);
    c->leap = tz_be32(p + 28);
    c->time = tz_be32(p + 32);
    c->type = tz_be32(p + 36);
    c->chars = tz_be32(p + 40);
    /* zic's own limits (TZ_MAX_TIMES, TZ_MAX_TYPES, TZ_MAX_CHARS) are far below. */
    if (c->time > 100000 || c->type == 0 || c->type > 256 || c->chars > 65536 || c->leap > 1000 ||
        c->isut > c->type || c->isstd > c->type)
        return -1;
    return 0;
}

static size_t tz_block(const struct tz_counts *c, size_t tsize)
{
    return c->time * tsize + c->time + c->type * 6 + c->chars + c->leap * (tsize + 4) + c->isstd + c->isut;
}

int sw_tz_parse(const unsigned char *p, size_t n, struct sw_tz **out)
{
    struct tz_counts c1, c;
    /* Version 1's 32-bit block is skipped: 2 and later repeat it in 64 bits. */
    if (tz_header(p, n, &c1) || p[4] < '2' || n - 44 < tz_block(&c1, 4))
        return -1;
    p += 44 + tz_block(&c1, 4);
    n -= 44 + tz_block(&c1, 4);
    /* Leap seconds ("right/" zones) count time in TAI-like seconds, not
     * the POSIX seconds every sitewatch time is in. */
    if (tz_header(p, n, &c) || c.leap || n - 44 < tz_block(&c, 8))
        return -1;
    const unsigned char *times = p + 44, *idx = times + c.time * 8, *types = idx + c.time;
    const unsigned char *footer = p + 44 + tz_block(&c, 8), *stop = p + n;
    struct sw_tz *z = calloc(1, sizeof *z);
    if (!z)
        return -1;
    z->times = malloc(sizeof *z->times * (c.time + 1));
    z->types = malloc(c.time + 1);
    z->offs = malloc(sizeof *z->offs * c.type);
    z->ntimes = (int)c.time;
    z->ntypes = (int)c.type;
    int bad = !z->times || !z->types || !z->offs;
    for (uint32_t i = 0; !bad && i < c.time; i++) {
        z->times[i] = tz_be64(times + 8 * i);
        z->types[i] = idx[i];
        bad = idx[i] >= c.type || (i > 0 && z->times[i] <= z->times[i - 1]);
    }
    for (uint32_t i = 0; !bad && i < c.type; i++) {
        int32_t off = (int32_t)tz_be32(types + 6 * i);
        z->offs[i] = off;
        bad = off <= -25 * 3600 || off >= 26 * 3600;
    }
    /* The footer: "\n" TZ-string "\n"; empty when no rule fits. */
    if (!bad && (footer >= stop || *footer != '\n'))
        bad = 1;
    if (!bad) {
        const unsigned char *nl = memchr(footer + 1, '\n', (size_t)(stop - footer - 1));
        char rule[128];
        size_t len = nl ? (size_t)(nl - footer - 1) : sizeof rule;
        if (len >= sizeof rule) {
            bad = 1;
        } else if (len > 0) {
            memcpy(rule, footer + 1, len);
            rule[len] = '\0';
            z->has_rule = 1;
            bad = tz_rule_parse(rule, &z->rule) != 0;
        }
    }
    if (bad) {
        sw_tz_free(z);
        return -1;
    }
    *out = z;
    return 0;
}

void sw_tz_free(struct sw_tz *z)
{
    if (!z)
        return;
    free(z->times);
    free(z->types);
    free(z->offs);
    free(z);
}

/* A zone's name: components of letters, digits, '_', '+' and '-' joined by
 * '/', so that it can only name a file under SW_TZ_DIR. */
static int tz_valid_name(const char *s)
{
    if (!*s || strlen(s) > 200)
        return 0;
    for (const char *p = s; *p; p++) {
        if (*p == '/' ? p == s || p[1] == '/' || p[1] == '\0' || p[-1] == '/'
                      : !isalnum((unsigned char)*p) && !strchr("_+-", *p))
            return 0;
    }
    return 1;
}

#define TZ_EXPECTED "a time zone such as Europe/Berlin or UTC (a file under " SW_TZ_DIR ")"

int sw_tz_load(const char *name, struct sw_tz **out, char *why, size_t n)
{
    *out = NULL;
    if (strcmp(name, "UTC") == 0)
        return 0;
    if (!tz_valid_name(name)) {
        snprintf(why, n, "%s", TZ_EXPECTED);
        return -1;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/%s", SW_TZ_DIR, name);
    FILE *f = fopen(path, "rbe");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR)
            snprintf(why, n, "%s", TZ_EXPECTED);
        else
            snprintf(why, n, "%s; %s cannot be read: %s", TZ_EXPECTED, path, strerror(errno));
        return -1;
    }
    /* The largest zone file Debian ships is under 4 KB. */
    enum { TZ_FILE_MAX = 65536 };
    unsigned char *buf = malloc(TZ_FILE_MAX);
    size_t len = buf ? fread(buf, 1, TZ_FILE_MAX, f) : 0;
    int full = buf && len < TZ_FILE_MAX && !ferror(f);
    fclose(f);
    int rc = full ? sw_tz_parse(buf, len, out) : -1;
    free(buf);
    if (rc != 0) {
        snprintf(why, n, "%s; %s is not a TZif file of version 2 or later without leap seconds", TZ_EXPECTED,
                 path);
        return -1;
    }
    return 0;
}

int32_t sw_tz_offset(const struct sw_tz *z, int64_t t)
{
    if (!z)
        return 0;
    if (z->ntimes == 0 || t >= z->times[z->ntimes - 1])
        return z->has_rule ? tz_rule_offset(&z->rule, t) : z->offs[z->ntimes ? z->types[z->ntimes - 1] : 0];
    if (t < z->times[0])
        return z->offs[0];          /* RFC 8536: before the first, the first type */
    int lo = 0, hi = z->ntimes - 1; /* times[lo] <= t < times[hi] */
    while (hi - lo > 1) {
        int mid = lo + (hi - lo) / 2;
        if (z->times[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return z->offs[z->types[lo]];
}

int64_t sw_tz_from_local(const struct sw_tz *z, int64_t local)
{
    /* The offsets a day either side: when the clocks change at most once
     * in those two days, the instant is one of these two.  (Two changes
     * that close happen in none of the zones the tests compare with glibc
     * from 1971 to 2100.) */
    int32_t oa = sw_tz_offset(z, local - 86400), ob = sw_tz_offset(z, local + 86400);
    int64_t ta = local - oa, tb = local - ob;
    int va = sw_tz_offset(z, ta) == oa, vb = sw_tz_offset(z, tb) == ob;
    if (va && vb)
        return ta < tb ? ta : tb;
    if (va || vb)
        return va ? ta : tb;
    /* Skipped: the first instant whose clock is at or past LOCAL. */
    int64_t lo = ta < tb ? ta : tb, hi = ta < tb ? tb : ta;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (mid + sw_tz_offset(z, mid) >= local)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}
