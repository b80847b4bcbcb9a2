/* SPDX-License-Identifier: MIT */
#include "maint.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "tz.h"
#include "units.h"
#include "util.h"

enum { MAINT_SITES = 1, MAINT_START = 2, MAINT_DURATION = 4, MAINT_EVERY = 8, MAINT_TIMEZONE = 16 };

#define MAINT_SITES_EXPECTED "* or a list of site names such as shop, api"
#define MAINT_START_EXPECTED                                                                                 \
    "a date and time such as 2026-12-05 02:00 (YYYY-MM-DD HH:MM, a day the month has)"
#define MAINT_EVERY_EXPECTED "day, week, month, or weekday names such as monday, thursday"

static const char *const maint_days[] = {"sunday",   "monday", "tuesday", "wednesday",
                                         "thursday", "friday", "saturday"};

struct sw_maint *sw_maint_new(const char *name)
{
    struct sw_maint *m = sw_xcalloc(1, sizeof *m);
    m->name = sw_xstrdup(name);
    return m;
}

void sw_maint_free(struct sw_maint *m)
{
    if (!m)
        return;
    free(m->name);
    sw_strv_free(m->sites);
    sw_tz_free(m->tz);
    free(m);
}

static int maint_fail(char *what, size_t n, const char *fmt, ...) SW_PRINTF(3, 4);

static int maint_fail(char *what, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, n, fmt, ap);
    va_end(ap);
    return -1;
}

static int maint_sites(struct sw_maint *m, const char *value, char *what, size_t n)
{
    char **v;
    int count = sw_split_list(value, &v);
    int all = count == 1 && strcmp(v[0], "*") == 0;
    for (int i = 0; !all && i < count; i++) {
        if (!sw_conf_valid_name(v[i])) {
            int star = strcmp(v[i], "*") == 0;
            sw_strv_free(v);
            return maint_fail(what, n, "%s",
                              star ? "* alone or a list of site names, not both" : MAINT_SITES_EXPECTED);
        }
    }
    if (count == 0) {
        sw_strv_free(v);
        return maint_fail(what, n, "%s", MAINT_SITES_EXPECTED);
    }
    sw_strv_free(m->sites);
    m->sites = all ? NULL : v;
    if (all)
        sw_strv_free(v);
    return 0;
}

/* "YYYY-MM-DD HH:MM" and nothing else: a date a person can misread (no
 * seconds, no "T", no zone suffix) is refused rather than guessed. */
static int maint_start(struct sw_maint *m, const char *value)
{
    static const char shape[] = "dddd-dd-dd dd:dd";
    if (strlen(value) != sizeof shape - 1)
        return -1;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !isdigit((unsigned char)value[i]) : value[i] != shape[i])
            return -1;
    int y, mo, d, h, mi;
    if (sscanf(value, "%4d-%2d-%2d %2d:%2d", &y, &mo, &d, &h, &mi) != 5)
        return -1;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > sw_days_in_month(y, mo) || h > 23 || mi > 59)
        return -1;
    m->year = y;
    m->month = mo;
    m->day = d;
    m->hour = h;
    m->min = mi;
    return 0;
}

static int maint_every(struct sw_maint *m, const char *value, char *what, size_t n)
{
    static const char *const periods[] = {"day", "week", "month"};
    static const int kinds[] = {SW_EVERY_DAY, SW_EVERY_WEEK, SW_EVERY_MONTH};
    char **v;
    int count = sw_split_list(value, &v), rc = 0;
    unsigned days = 0;
    int every = count ? SW_EVERY_WEEKDAYS : -1;
    for (int i = 0; rc == 0 && i < count; i++) {
        int day = -1;
        for (int k = 0; k < 7; k++)
            if (strcasecmp(v[i], maint_days[k]) == 0)
                day = k;
        for (int k = 0; k < 3; k++)
            if (strcasecmp(v[i], periods[k]) == 0)
                every = count == 1 ? kinds[k] : -2;
        if (every == -2)
            rc = maint_fail(what, n, "%s",
                            "day, week or month alone, or weekday names such as monday, thursday");
        else if (every == SW_EVERY_WEEKDAYS && day < 0)
            rc = maint_fail(what, n, "%s", MAINT_EVERY_EXPECTED);
        else if (day >= 0 && days & 1u << day)
            rc = maint_fail(what, n, "each weekday once; %s is named twice", maint_days[day]);
        else if (day >= 0)
            days |= 1u << day;
    }
    sw_strv_free(v);
    if (rc == 0 && every == -1)
        rc = maint_fail(what, n, "%s", MAINT_EVERY_EXPECTED);
    if (rc == 0) {
        m->every = every;
        m->weekdays = days;
    }
    return rc;
}

int sw_maint_set(struct sw_maint *m, const char *key, const char *value, char *what, size_t n)
{
    int rc = -1;
    unsigned bit = 0;
    if (strcmp(key, "sites") == 0) {
        bit = MAINT_SITES;
        rc = maint_sites(m, value, what, n);
    } else if (strcmp(key, "start") == 0) {
        bit = MAINT_START;
        rc = maint_start(m, value) ? maint_fail(what, n, "%s", MAINT_START_EXPECTED) : 0;
    } else if (strcmp(key, "duration") == 0) {
        bit = MAINT_DURATION;
        int64_t d;
        rc = sw_parse_duration(value, &d) || d <= 0 ? maint_fail(what, n, "%s", SW_DURATION_POSITIVE) : 0;
        if (rc == 0)
            m->duration = d;
    } else if (strcmp(key, "every") == 0) {
        bit = MAINT_EVERY;
        rc = maint_every(m, value, what, n);
    } else if (strcmp(key, "timezone") == 0) {
        bit = MAINT_TIMEZONE;
        struct sw_tz *tz;
        rc = sw_tz_load(value, &tz, what, n);
        if (rc == 0) {
            sw_tz_free(m->tz);
            m->tz = tz;
        }
    } else {
        maint_fail(what, n, "%s", "one of sites, start, duration, every, timezone");
    }
    if (rc == 0)
        m->given |= bit;
    return rc;
}

/* The shortest time from the start of one window to the next, in days;
 * 0 for a window that does not repeat. */
static int maint_period_days(const struct sw_maint *m)
{
    if (m->every == SW_EVERY_DAY)
        return 1;
    if (m->every == SW_EVERY_MONTH)
        return 28; /* February's, and a 31st's clamped to the 28th */
    if (m->every != SW_EVERY_WEEKDAYS)
        return 0;
    int gap = 7;
    for (int d = 0; d < 7; d++) {
        if (!(m->weekdays & 1u << d))
            continue;
        int k = 1;
        while (!(m->weekdays & 1u << (d + k) % 7))
            k++;
        if (k < gap)
            gap = k;
    }
    return gap;
}

int sw_maint_finish(struct sw_maint *m, const char **key, char *what, size_t n)
{
    static const struct {
        unsigned bit;
        const char *key, *expected;
    } required[] = {
        {MAINT_SITES, "sites", MAINT_SITES_EXPECTED},
        {MAINT_START, "start", MAINT_START_EXPECTED},
        {MAINT_DURATION, "duration", SW_DURATION_POSITIVE},
    };
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        if (!(m->given & required[i].bit)) {
            *key = required[i].key;
            return maint_fail(what, n, "%s", required[i].expected);
        }
    }
    if (m->every == SW_EVERY_WEEK) {
        m->every = SW_EVERY_WEEKDAYS;
        m->weekdays = 1u << sw_weekday(sw_days_from_civil(m->year, m->month, m->day));
    }
    int days = maint_period_days(m);
    if (days && m->duration > days * SW_DAY) {
        *key = "duration";
        snprintf(what, n,
                 "a duration of at most %dh, the shortest time from the start of one window of this every "
                 "to the next",
                 days * 24);
        return -1;
    }
    return 0;
}

int sw_maint_covers(const struct sw_maint *m, const char *site)
{
    if (!m->sites)
        return 1;
    for (char **s = m->sites; *s; s++)
        if (strcmp(*s, site) == 0)
            return 1;
    return 0;
}

/* ---- the days a window starts on ---- */

static int maint_starts_on(const struct sw_maint *m, int64_t day, int64_t first)
{
    if (day < first)
        return 0;
    if (m->every == SW_EVERY_ONCE)
        return day == first;
    if (m->every == SW_EVERY_WEEKDAYS)
        return (m->weekdays >> sw_weekday(day)) & 1;
    if (m->every == SW_EVERY_MONTH) {
        int y, mo, d;
        sw_civil_from_days(day, &y, &mo, &d);
        int dim = sw_days_in_month(y, mo);
        return d == (m->day < dim ? m->day : dim);
    }
    return 1;
}

/* The nearest day from DAY on in direction STEP (+1, -1) that a window
 * starts on, or INT64_MIN.  Every kind repeats within 31 days. */
static int64_t maint_step(const struct sw_maint *m, int64_t day, int step)
{
    int64_t first = sw_days_from_civil(m->year, m->month, m->day);
    if (m->every == SW_EVERY_ONCE)
        return (step > 0 ? day <= first : day >= first) ? first : INT64_MIN;
    if (step < 0 && day < first)
        return INT64_MIN;
    if (step > 0 && day < first)
        day = first;
    for (int i = 0; i <= 31; i++, day += step)
        if (maint_starts_on(m, day, first))
            return day;
    return INT64_MIN;
}

static void maint_window(const struct sw_maint *m, int64_t day, int64_t *start, int64_t *end)
{
    int64_t local = day * 86400 + m->hour * 3600 + m->min * 60;
    *start = sw_tz_from_local(m->tz, local) * SW_S;
    *end = *start + m->duration;
}

/* The local day of the instant T (microseconds). */
static int64_t maint_local_day(const struct sw_maint *m, int64_t t)
{
    int64_t s = t / SW_S - (t % SW_S < 0);
    int64_t local = s + sw_tz_offset(m->tz, s);
    return local / 86400 - (local % 86400 < 0);
}

int sw_maint_at(const struct sw_maint *m, int64_t t, int64_t *start, int64_t *end)
{
    int found = 0;
    /* Back from today: windows of earlier days start earlier, so they end
     * earlier too; the first that ends before T ends the search. */
    for (int64_t d = maint_step(m, maint_local_day(m, t), -1); d != INT64_MIN; d = maint_step(m, d - 1, -1)) {
        int64_t s, e;
        maint_window(m, d, &s, &e);
        if (e <= t)
            break;
        if (s <= t && (!found || e > *end)) {
            *start = s;
            *end = e;
            found = 1;
        }
    }
    return found;
}

int sw_maint_next(const struct sw_maint *m, int64_t t, int64_t *start, int64_t *end)
{
    for (int64_t d = maint_step(m, maint_local_day(m, t) - 1, 1); d != INT64_MIN;
         d = maint_step(m, d + 1, 1)) {
        maint_window(m, d, start, end);
        if (*start > t)
            return 1;
    }
    return 0;
}

const struct sw_maint *sw_maint_active(struct sw_maint *const *v, size_t n, const char *site, int64_t t,
                                       int64_t *end)
{
    const struct sw_maint *best = NULL;
    for (size_t i = 0; i < n; i++) {
        int64_t s, e;
        if (sw_maint_covers(v[i], site) && sw_maint_at(v[i], t, &s, &e) && (!best || e > *end)) {
            best = v[i];
            *end = e;
        }
    }
    return best;
}
