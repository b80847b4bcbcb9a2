/* SPDX-License-Identifier: MIT */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sitewatch/plugin.h> /* SW_MS, SW_S ... */

/* Parse "<digits>[.<digits>]<spaces><unit>" with the unit looked up in a
 * table; shared by durations and sizes. */
struct unit {
    const char *name;
    double factor;
};

static int units_parse(const char *s, const struct unit *units, int64_t max, int64_t *out)
{
    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    /* Plain decimals only: strtod would also take 0x10 (16), 1e3 and
     * "inf", none of which a person means by a duration or a size. */
    const char *d = s;
    while (isdigit((unsigned char)*d))
        d++;
    if (d == s)
        return -1;
    if (*d == '.') {
        const char *f = ++d;
        while (isdigit((unsigned char)*d))
            d++;
        if (d == f)
            return -1;
    }
    if (d - s > 32)
        return -1;
    char num[40];
    memcpy(num, s, (size_t)(d - s));
    num[d - s] = '\0';
    errno = 0;
    double v = strtod(num, NULL);
    if (errno)
        return -1;
    const char *end = d;
    while (isspace((unsigned char)*end))
        end++;
    size_t n = strlen(end);
    while (n && isspace((unsigned char)end[n - 1]))
        n--;
    for (const struct unit *u = units; u->name; u++) {
        if (strlen(u->name) == n && strncmp(end, u->name, n) == 0) {
            double r = v * u->factor;
            if (r > (double)max)
                return -1;
            *out = (int64_t)(r + 0.5);
            return 0;
        }
    }
    return -1;
}

int sw_parse_duration(const char *s, int64_t *us)
{
    static const struct unit units[] = {
        {"us", 1},     {"ms", 1e3},   {"s", 1e6},     {"sec", 1e6}, {"m", 60e6},
        {"min", 60e6}, {"h", 3600e6}, {"d", 86400e6}, {NULL, 0},
    };
    /* Up to ten years: beyond that it is a typo, and it keeps sums safe.
     * Nothing sitewatch times is finer than a millisecond (libcurl's
     * timeouts are whole ms, so 500us was no timeout at all): 0 or >= 1 ms. */
    int64_t v;
    if (units_parse(s, units, SW_DAY * 3660, &v) < 0 || (v > 0 && v < SW_MS))
        return -1;
    *us = v;
    return 0;
}

int sw_parse_size(const char *s, int64_t *bytes)
{
    static const struct unit units[] = {
        {"", 1},
        {"b", 1},
        {"B", 1},
        {"k", 1024.0},
        {"K", 1024.0},
        {"kb", 1024.0},
        {"KB", 1024.0},
        {"M", 1048576.0},
        {"m", 1048576.0},
        {"MB", 1048576.0},
        {"G", 1073741824.0},
        {"g", 1073741824.0},
        {"GB", 1073741824.0},
        {NULL, 0},
    };
    return units_parse(s, units, (int64_t)1 << 50, bytes);
}

char *sw_fmt_duration(int64_t us, char *buf, size_t n)
{
    if (us < SW_S)
        snprintf(buf, n, "%lld ms", (long long)((us + SW_MS / 2) / SW_MS));
    else if (us % SW_MIN == 0 && us >= 2 * SW_MIN)
        snprintf(buf, n, "%lld min", (long long)(us / SW_MIN));
    else if (us % SW_S == 0)
        snprintf(buf, n, "%lld s", (long long)(us / SW_S));
    else
        snprintf(buf, n, "%.1f s", (double)us / SW_S);
    return buf;
}

char *sw_fmt_size(int64_t bytes, char *buf, size_t n)
{
    static const char *const names[] = {"B", "KB", "MB", "GB", "TB"};
    double v = (double)bytes;
    int i = 0;
    /* 1023.95 KB would print as "1024.0 KB": that is 1.0 MB. */
    while (v >= 1023.95 && i < 4) {
        v /= 1024;
        i++;
    }
    if (i == 0 || v == (double)(int64_t)v)
        snprintf(buf, n, "%lld %s", (long long)v, names[i]);
    else
        snprintf(buf, n, "%.1f %s", v, names[i]);
    return buf;
}
