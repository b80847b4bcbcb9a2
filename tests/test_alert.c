/* SPDX-License-Identifier: MIT
 * The pure cores of alerting: the alert state of a series (as a table of
 * results a minute apart and what is told), maintenance windows in UTC
 * and in zones with daylight saving time, the zone reader against glibc's,
 * and the state store, also when its writer is killed mid-transaction. */
#include <check.h>

#include "support.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "alert.h"
#include "alertdb.h"
#include "maint.h"
#include "tz.h"
#include "util.h"

/* 2026-12-01 00:00 UTC: minute 0 of every table row. */
#define T0 ((int64_t)1796083200 * SW_S)

/* ---- the alert state ---- */

struct alert_row {
    const char *name;
    struct sw_alert_rules rules;
    /* One step a minute: O W F U a result; a `ack`; m M a window begins,
     * ends; p P the parent goes DOWN, recovers; . time passes. */
    const char *steps;
    const char *states; /* after each step: u p d */
    /* Dn/s: DOWN at minute n since s; Un/s+d: UP after d minutes down;
     * Rn/s#k: the k-th REMINDER. */
    const char *events;
};

static void alert_play(const struct alert_row *row, struct buf *states, struct buf *events)
{
    struct sw_alert a = {0};
    struct sw_alert_hold hold = {0};
    static const int verdicts[128] = {['O'] = SW_OK, ['W'] = SW_WARN, ['F'] = SW_FAIL, ['U'] = SW_UNKNOWN};
    for (int i = 0; row->steps[i]; i++) {
        char c = row->steps[i];
        int64_t now = T0 + i * SW_MIN;
        if (strchr("OWFU", c))
            sw_alert_result(&a, &row->rules, verdicts[(int)c], "HTTP 503, expected 200-399", now);
        else if (c == 'a')
            ck_assert_int_eq(sw_alert_ack(&a), 0);
        else if (c == 'm' || c == 'M')
            hold.maintenance = c == 'm';
        else if (c == 'p' || c == 'P')
            hold.parent = c == 'p' ? "router" : NULL;
        struct sw_alert_event ev;
        while (sw_alert_owed(&a, &row->rules, "shop/https", &hold, now, &ev)) {
            int at = (int)((ev.at - T0) / SW_MIN), since = (int)((ev.since - T0) / SW_MIN);
            buf_printf(events, "%s%c%d/%d", events->len ? " " : "", sw_alert_kind_name(ev.kind)[0], at,
                       since);
            if (ev.kind == SW_EVENT_UP)
                buf_printf(events, "+%d", (int)(ev.downtime / SW_MIN));
            if (ev.kind == SW_EVENT_REMINDER)
                buf_printf(events, "#%d", ev.nth);
            if (ev.kind != SW_EVENT_UP)
                ck_assert_str_eq(ev.reason, "HTTP 503, expected 200-399");
        }
        if (hold.parent && a.state != SW_ALERT_UP)
            ck_assert_str_eq(a.parent, "router");
        buf_printf(states, "%c", sw_alert_state_name(a.state)[0]);
    }
}

START_TEST(alert_transitions)
{
    const int64_t m2 = 2 * SW_MIN;
    static const struct alert_row rows[] = {
        {"alert_after 1", {1, 1, 0, SW_FAIL}, "OFO", "udu", "D1/1 U2/1+1"},
        {"alert_after 2", {2, 2, 0, SW_FAIL}, "OFOFFOO", "upupddu", "D4/3 U6/3+2"},
        {"alert_after 3, UNKNOWN between", {3, 1, 0, SW_FAIL}, "FUFUF", "ppppd", "D4/0"},
        {"recover_after 3, from the last failure", {1, 3, 0, SW_FAIL}, "FOOFOOO", "ddddddu", "D0/0 U6/0+4"},
        {"UNKNOWN while recovering", {1, 2, 0, SW_FAIL}, "FOUO", "dddu", "D0/0 U3/0+1"},
        {"WARN passes with alert_on = fail", {1, 1, 0, SW_FAIL}, "WWFW", "uudu", "D2/2 U3/2+1"},
        {"WARN fails with alert_on = warn", {2, 1, 0, SW_WARN}, "OWWO", "updu", "D2/1 U3/1+2"},
        {"reminders", {1, 1, m2, SW_FAIL}, "F....O", "dddddu", "D0/0 R2/0#1 R4/0#2 U5/0+5"},
        {"ack, until it recovers", {1, 1, m2, SW_FAIL}, "Fa...OF..", "ddddduddd", "D0/0 U5/0+5 D6/6 R8/6#1"},
        {"a parent DOWN holds DOWN until it recovers", {1, 1, 0, SW_FAIL}, "pFF.PO", "uddddu", "D4/1 U5/1+4"},
        {"an UP is never held", {1, 1, 0, SW_FAIL}, "Fp.OP", "ddduu", "D0/0 U3/0+3"},
        {"a parent DOWN holds reminders", {1, 1, m2, SW_FAIL}, "Fp....P", "ddddddd", "D0/0 R6/0#1"},
        {"held and recovered: never told", {1, 1, 0, SW_FAIL}, "pFOP", "uduu", ""},
        {"maintenance: DOWN told when it ends", {2, 1, 0, SW_FAIL}, "mFFF.M", "updddd", "D5/1"},
        {"maintenance holds an UP too", {1, 1, 0, SW_FAIL}, "FmOM", "dduu", "D0/0 U3/0+2"},
        {"one incident ends, one begins, held", {1, 1, 0, SW_FAIL}, "FmOFM", "ddudd", "D0/0 U4/0+2 D4/3"},
        {"down and up inside a window: never told", {1, 1, 0, SW_FAIL}, "mFOM", "uduu", ""},
        {"maintenance holds reminders", {1, 1, m2, SW_FAIL}, "Fm...M", "dddddd", "D0/0 R5/0#1"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct buf states = {0}, events = {0};
        buf_puts(&events, "");
        alert_play(&rows[i], &states, &events);
        ck_assert_msg(strcmp(states.s, rows[i].states) == 0, "%s: states %s, expected %s", rows[i].name,
                      states.s, rows[i].states);
        ck_assert_msg(strcmp(events.s, rows[i].events) == 0, "%s: events \"%s\", expected \"%s\"",
                      rows[i].name, events.s, rows[i].events);
        buf_free(&states);
        buf_free(&events);
    }
}
END_TEST

/* The same inputs give the same ids; ids differ by series, incident and
 * kind, and are fit for a Message-ID. */
START_TEST(alert_ids)
{
    const struct sw_alert_rules r = {1, 1, SW_MIN, SW_FAIL};
    const struct sw_alert_hold hold = {0};
    char ids[2][3][SW_ALERT_ID_MAX];
    for (int run = 0; run < 2; run++) {
        struct sw_alert a = {0};
        struct sw_alert_event ev;
        sw_alert_result(&a, &r, SW_FAIL, "refused", T0);
        ck_assert_int_eq(sw_alert_owed(&a, &r, "shop/https", &hold, T0, &ev), 1);
        snprintf(ids[run][0], SW_ALERT_ID_MAX, "%s", ev.id);
        /* Told again (SW_NOTIFY_RESTATE): the same DOWN, the same id. */
        struct sw_alert_event again;
        ck_assert_int_eq(sw_alert_told(&a, "shop/https", T0 + 30 * SW_S, &again), 1);
        ck_assert_str_eq(again.id, ids[run][0]);
        ck_assert_int_eq(again.kind, SW_EVENT_DOWN);
        ck_assert_str_eq(again.reason, "refused");
        ck_assert_int_eq(sw_alert_owed(&a, &r, "shop/https", &hold, T0 + SW_MIN, &ev), 1);
        snprintf(ids[run][1], SW_ALERT_ID_MAX, "%s", ev.id);
        sw_alert_result(&a, &r, SW_OK, "", T0 + 2 * SW_MIN);
        ck_assert_int_eq(sw_alert_owed(&a, &r, "shop/https", &hold, T0 + 2 * SW_MIN, &ev), 1);
        snprintf(ids[run][2], SW_ALERT_ID_MAX, "%s", ev.id);
        ck_assert_int_eq(sw_alert_told(&a, "shop/https", T0 + 3 * SW_MIN, &again), 0);
    }
    for (int k = 0; k < 3; k++)
        ck_assert_str_eq(ids[0][k], ids[1][k]);
    char since[32];
    snprintf(since, sizeof since, ".%lld.", (long long)T0);
    ck_assert_ptr_nonnull(strstr(ids[0][0], since));
    ck_assert_ptr_nonnull(strstr(ids[0][0], ".down"));
    ck_assert_ptr_nonnull(strstr(ids[0][1], ".reminder-1"));
    ck_assert_ptr_nonnull(strstr(ids[0][2], ".up"));
    ck_assert_uint_eq(strspn(ids[0][1], "0123456789abcdefghijklmnopqrstuvwxyz.-"), strlen(ids[0][1]));
    /* Another series, the same incident times: another id. */
    struct sw_alert a = {0};
    struct sw_alert_event ev;
    sw_alert_result(&a, &r, SW_FAIL, "refused", T0);
    ck_assert_int_eq(sw_alert_owed(&a, &r, "api/https", &hold, T0, &ev), 1);
    ck_assert_str_ne(ev.id, ids[0][0]);
}
END_TEST

START_TEST(alert_due_and_ack)
{
    const struct sw_alert_rules r = {1, 1, 10 * SW_MIN, SW_FAIL};
    const struct sw_alert_hold hold = {0};
    struct sw_alert a = {0};
    struct sw_alert_event ev;
    ck_assert_int_eq(sw_alert_ack(&a), SW_EINVAL); /* UP: nothing to ack */
    ck_assert(sw_alert_due(&a, &r) == INT64_MAX);
    sw_alert_result(&a, &r, SW_FAIL, "refused", T0);
    ck_assert(sw_alert_due(&a, &r) == INT64_MAX); /* not told yet */
    ck_assert_int_eq(sw_alert_owed(&a, &r, "k", &hold, T0 + SW_S, &ev), 1);
    ck_assert(sw_alert_due(&a, &r) == T0 + SW_S + 10 * SW_MIN);
    ck_assert_int_eq(sw_alert_ack(&a), 0);
    ck_assert(sw_alert_due(&a, &r) == INT64_MAX);
    ck_assert_int_eq(sw_alert_owed(&a, &r, "k", &hold, T0 + SW_DAY, &ev), 0);
}
END_TEST

/* ---- time zones ---- */

static int64_t utc(int y, int mo, int d, int h, int mi)
{
    return (sw_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * SW_S;
}

static int have_zone(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", SW_TZ_DIR, name);
    return access(path, R_OK) == 0;
}

/* The reader against glibc's (TZ set in this single-threaded test
 * process), every 7 days and 3h 17m from 1971 to 2100: both the table
 * and the footer's rule past it. */
START_TEST(tz_matches_glibc)
{
    static const char *const zones[] = {
        "Europe/Berlin",   "America/New_York", "Australia/Sydney",  "Asia/Kolkata",     "America/Sao_Paulo",
        "Pacific/Chatham", "Europe/Dublin",    "Africa/Casablanca", "America/Santiago", "Pacific/Apia",
        "Asia/Tehran",     "Antarctica/Troll", "America/Nuuk",      "Europe/London",    "America/Los_Angeles",
    };
    char *old = getenv("TZ") ? sw_xstrdup(getenv("TZ")) : NULL;
    int checked = 0;
    for (size_t i = 0; i < sizeof zones / sizeof *zones; i++) {
        if (!have_zone(zones[i]))
            continue;
        struct sw_tz *z;
        char why[256];
        ck_assert_msg(sw_tz_load(zones[i], &z, why, sizeof why) == 0, "%s: %s", zones[i], why);
        setenv("TZ", zones[i], 1);
        tzset();
        for (int64_t t = 31536000; t < 4102444800; t += 7 * 86400 + 3 * 3600 + 17 * 60) {
            time_t tt = (time_t)t;
            struct tm tm;
            localtime_r(&tt, &tm);
            ck_assert_msg(sw_tz_offset(z, t) == tm.tm_gmtoff, "%s at %lld: %d, glibc %ld", zones[i],
                          (long long)t, sw_tz_offset(z, t), tm.tm_gmtoff);
            /* Back from the wall time: the same instant, unless that wall
             * time is shown twice (then the earlier one). */
            int64_t back = sw_tz_from_local(z, t + tm.tm_gmtoff);
            ck_assert_msg(back == t || (back < t && back + sw_tz_offset(z, back) == t + tm.tm_gmtoff),
                          "%s: local %lld back to %lld, not %lld", zones[i], (long long)(t + tm.tm_gmtoff),
                          (long long)back, (long long)t);
            checked++;
        }
        sw_tz_free(z);
    }
    if (old)
        setenv("TZ", old, 1);
    else
        unsetenv("TZ");
    tzset();
    free(old);
    ck_assert_int_gt(checked, 10000);
}
END_TEST

/* A truncated or damaged file is refused, never read past its end. */
START_TEST(tz_damaged_files)
{
    char *data = t_read(SW_TZ_DIR "/Europe/Berlin");
    ck_assert_ptr_nonnull(data);
    struct stat st;
    ck_assert_int_eq(stat(SW_TZ_DIR "/Europe/Berlin", &st), 0);
    size_t n = (size_t)st.st_size;
    struct sw_tz *z;
    ck_assert_int_eq(sw_tz_parse((const unsigned char *)data, n, &z), 0);
    sw_tz_free(z);
    for (size_t len = 0; len < n; len++) {
        unsigned char *copy = malloc(len ? len : 1); /* exactly LEN: valgrind sees any read past it */
        memcpy(copy, data, len);
        ck_assert_msg(sw_tz_parse(copy, len, &z) != 0, "a file cut at %zu bytes was taken", len);
        free(copy);
    }
    unsigned char *bad = malloc(n);
    memcpy(bad, data, n);
    bad[n - 2] = 'X'; /* the footer's "M10.5.0/3" becomes "/X": no TZ rule */
    ck_assert_int_ne(sw_tz_parse(bad, n, &z), 0);
    memcpy(bad, data, n);
    bad[4] = '\0'; /* version 1: no 64-bit data */
    ck_assert_int_ne(sw_tz_parse(bad, n, &z), 0);
    free(bad);
    free(data);
}
END_TEST

/* ---- maintenance windows ---- */

static struct sw_maint *maint(const char *const *kv)
{
    struct sw_maint *m = sw_maint_new("w");
    char what[512];
    for (; *kv; kv += 2)
        ck_assert_msg(sw_maint_set(m, kv[0], kv[1], what, sizeof what) == 0, "%s = %s: %s", kv[0], kv[1],
                      what);
    const char *key;
    ck_assert_msg(sw_maint_finish(m, &key, what, sizeof what) == 0, "%s: %s", key, what);
    return m;
}

static void window_is(const struct sw_maint *m, int64_t t, int64_t start, int64_t end)
{
    int64_t s = 0, e = 0;
    ck_assert_msg(sw_maint_at(m, t, &s, &e) == 1, "not in a window at %lld", (long long)(t / SW_S));
    ck_assert_msg(s == start && e == end, "window %lld-%lld, expected %lld-%lld", (long long)(s / SW_S),
                  (long long)(e / SW_S), (long long)(start / SW_S), (long long)(end / SW_S));
}

static void next_is(const struct sw_maint *m, int64_t t, int64_t start)
{
    int64_t s = 0, e = 0;
    ck_assert_msg(sw_maint_next(m, t, &s, &e) == 1, "no window after %lld", (long long)(t / SW_S));
    ck_assert_msg(s == start && e == start + m->duration, "next window at %lld, expected %lld",
                  (long long)(s / SW_S), (long long)(start / SW_S));
}

START_TEST(maint_utc_once)
{
    struct sw_maint *m =
        maint((const char *[]){"sites", "shop, api", "start", "2026-12-05 02:00", "duration", "2h", NULL});
    int64_t s = utc(2026, 12, 5, 2, 0), e = utc(2026, 12, 5, 4, 0), x, y;
    ck_assert_int_eq(sw_maint_at(m, s - 1, &x, &y), 0);
    window_is(m, s, s, e);
    window_is(m, e - 1, s, e);
    ck_assert_int_eq(sw_maint_at(m, e, &x, &y), 0);
    next_is(m, T0, s);
    ck_assert_int_eq(sw_maint_next(m, s, &x, &y), 0); /* once, and begun */
    ck_assert(sw_maint_covers(m, "api") && !sw_maint_covers(m, "blog"));
    sw_maint_free(m);
}
END_TEST

START_TEST(maint_berlin_dst)
{
    if (!have_zone("Europe/Berlin"))
        return;
    /* December: CET, UTC+1. */
    struct sw_maint *m = maint((const char *[]){"sites", "*", "start", "2026-12-05 02:00", "duration", "2h",
                                                "timezone", "Europe/Berlin", NULL});
    window_is(m, utc(2026, 12, 5, 1, 0), utc(2026, 12, 5, 1, 0), utc(2026, 12, 5, 3, 0));
    ck_assert(sw_maint_covers(m, "anything"));
    sw_maint_free(m);
    /* Daily at 02:30: on 2026-03-29 the clocks go from 02:00 CET to
     * 03:00 CEST, so that day's window begins at the jump, 01:00 UTC. */
    m = maint((const char *[]){"sites", "shop", "start", "2026-03-01 02:30", "duration", "1h", "every", "day",
                               "timezone", "Europe/Berlin", NULL});
    window_is(m, utc(2026, 3, 28, 1, 30), utc(2026, 3, 28, 1, 30), utc(2026, 3, 28, 2, 30));
    window_is(m, utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 2, 0));
    window_is(m, utc(2026, 3, 30, 0, 30), utc(2026, 3, 30, 0, 30), utc(2026, 3, 30, 1, 30));
    next_is(m, utc(2026, 3, 28, 12, 0), utc(2026, 3, 29, 1, 0));
    /* On 2026-10-25, 03:00 CEST becomes 02:00 CET: 02:30 is shown twice,
     * at 00:30 and 01:30 UTC; the window begins the first time. */
    window_is(m, utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30));
    int64_t x, y;
    ck_assert_int_eq(sw_maint_at(m, utc(2026, 10, 25, 1, 30), &x, &y), 0);
    window_is(m, utc(2026, 10, 26, 1, 30), utc(2026, 10, 26, 1, 30), utc(2026, 10, 26, 2, 30));
    sw_maint_free(m);
    /* 2h from 02:00 that night is two hours of real time: it ends when
     * the clocks show 03:00 CET. */
    m = maint((const char *[]){"sites", "shop", "start", "2026-10-25 02:00", "duration", "2h", "timezone",
                               "Europe/Berlin", NULL});
    window_is(m, utc(2026, 10, 25, 1, 59), utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 2, 0));
    sw_maint_free(m);
    /* 24h from 02:30 daily: the 23-hour day's windows overlap, and the
     * one that ends last is the one reported. */
    m = maint((const char *[]){"sites", "shop", "start", "2026-03-01 02:30", "duration", "24h", "every",
                               "day", "timezone", "Europe/Berlin", NULL});
    window_is(m, utc(2026, 3, 29, 1, 15), utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 1, 0));
    sw_maint_free(m);
}
END_TEST

/* Past the zone's table (2037): the footer's rule, north and south. */
START_TEST(maint_past_the_table)
{
    if (!have_zone("Europe/Berlin") || !have_zone("Australia/Sydney"))
        return;
    struct sw_maint *m = maint((const char *[]){"sites", "shop", "start", "2050-01-01 02:00", "duration",
                                                "1h", "every", "day", "timezone", "Europe/Berlin", NULL});
    window_is(m, utc(2050, 7, 1, 0, 0), utc(2050, 7, 1, 0, 0), utc(2050, 7, 1, 1, 0));
    window_is(m, utc(2050, 12, 1, 1, 0), utc(2050, 12, 1, 1, 0), utc(2050, 12, 1, 2, 0));
    sw_maint_free(m);
    m = maint((const char *[]){"sites", "shop", "start", "2050-01-01 02:00", "duration", "1h", "every", "day",
                               "timezone", "Australia/Sydney", NULL});
    window_is(m, utc(2050, 1, 14, 15, 0), utc(2050, 1, 14, 15, 0), utc(2050, 1, 14, 16, 0)); /* AEDT, +11 */
    window_is(m, utc(2050, 7, 14, 16, 0), utc(2050, 7, 14, 16, 0), utc(2050, 7, 14, 17, 0)); /* AEST, +10 */
    sw_maint_free(m);
}
END_TEST

START_TEST(maint_weekdays_and_months)
{
    /* every = week: the start's weekday (2026-12-06 is a Sunday). */
    struct sw_maint *m = maint((const char *[]){"sites", "shop", "start", "2026-12-06 03:00", "duration",
                                                "1h", "every", "week", NULL});
    next_is(m, utc(2026, 12, 7, 0, 0), utc(2026, 12, 13, 3, 0));
    next_is(m, utc(2026, 1, 1, 0, 0), utc(2026, 12, 6, 3, 0)); /* never before the start */
    sw_maint_free(m);
    /* A list of weekdays, from a Wednesday start. */
    m = maint((const char *[]){"sites", "shop", "start", "2026-12-02 22:00", "duration", "3h", "every",
                               "Monday, friday", NULL});
    next_is(m, utc(2026, 12, 2, 0, 0), utc(2026, 12, 4, 22, 0));
    next_is(m, utc(2026, 12, 4, 22, 0), utc(2026, 12, 7, 22, 0));
    window_is(m, utc(2026, 12, 8, 0, 30), utc(2026, 12, 7, 22, 0),
              utc(2026, 12, 8, 1, 0)); /* past midnight */
    sw_maint_free(m);
    /* Each weekday by name, from a Tuesday start: its first window is on
     * that weekday, within a week. */
    static const char *const names[] = {"sunday",   "monday", "tuesday", "wednesday",
                                        "thursday", "friday", "saturday"};
    for (int d = 0; d < 7; d++) {
        m = maint((const char *[]){"sites", "shop", "start", "2026-12-01 03:00", "duration", "1h", "every",
                                   names[d], NULL});
        int64_t s, e;
        ck_assert_int_eq(sw_maint_next(m, utc(2026, 11, 30, 0, 0), &s, &e), 1);
        int64_t day = s / SW_DAY;
        ck_assert_msg(sw_weekday(day) == d && day >= sw_days_from_civil(2026, 12, 1) &&
                          day < sw_days_from_civil(2026, 12, 8),
                      "every = %s: first window on day %lld", names[d], (long long)day);
        sw_maint_free(m);
    }
    /* The 31st of each month: the last day of shorter months. */
    m = maint((const char *[]){"sites", "shop", "start", "2026-01-31 03:00", "duration", "1h", "every",
                               "month", NULL});
    static const int days[][3] = {{2026, 2, 28}, {2026, 3, 31}, {2026, 4, 30}, {2026, 5, 31}, {2026, 6, 30}};
    int64_t t = utc(2026, 1, 31, 3, 0);
    for (size_t i = 0; i < sizeof days / sizeof *days; i++) {
        int64_t s = utc(days[i][0], days[i][1], days[i][2], 3, 0);
        next_is(m, t, s);
        window_is(m, s + 30 * SW_MIN, s, s + SW_H);
        t = s;
    }
    sw_maint_free(m);
    /* The 29th: February 29 in a leap year, the 28th otherwise. */
    m = maint((const char *[]){"sites", "shop", "start", "2027-01-29 03:00", "duration", "1h", "every",
                               "month", NULL});
    next_is(m, utc(2027, 2, 1, 0, 0), utc(2027, 2, 28, 3, 0));
    next_is(m, utc(2028, 2, 1, 0, 0), utc(2028, 2, 29, 3, 0));
    sw_maint_free(m);
}
END_TEST

START_TEST(maint_active_of_a_site)
{
    struct sw_maint *v[] = {
        maint((const char *[]){"sites", "shop", "start", "2026-12-05 02:00", "duration", "2h", NULL}),
        maint((const char *[]){"sites", "*", "start", "2026-12-05 03:00", "duration", "2h", NULL}),
    };
    int64_t end = 0;
    ck_assert_ptr_eq(sw_maint_active(v, 2, "shop", utc(2026, 12, 5, 2, 30), &end), v[0]);
    ck_assert(end == utc(2026, 12, 5, 4, 0));
    ck_assert_ptr_eq(sw_maint_active(v, 2, "shop", utc(2026, 12, 5, 3, 30), &end), v[1]); /* ends last */
    ck_assert(end == utc(2026, 12, 5, 5, 0));
    ck_assert_ptr_null(sw_maint_active(v, 2, "api", utc(2026, 12, 5, 2, 30), &end));
    ck_assert_ptr_null(sw_maint_active(v, 2, "shop", utc(2026, 12, 5, 5, 0), &end));
    sw_maint_free(v[0]);
    sw_maint_free(v[1]);
}
END_TEST

/* Each bad value, and what the message says was expected. */
START_TEST(maint_bad_values)
{
    static const char *const rows[][3] = {
        {"sites", "", "* or a list of site names such as shop, api"},
        {"sites", "*, shop", "* alone or a list of site names, not both"},
        {"sites", "shop, b@d", "* or a list of site names such as shop, api"},
        {"start", "2026-12-05", "a date and time such as 2026-12-05 02:00"},
        {"start", "2026-02-30 02:00", "(YYYY-MM-DD HH:MM, a day the month has)"},
        {"start", "2026-13-01 02:00", "a date and time such as"},
        {"start", "2026-12-05 24:00", "a date and time such as"},
        {"start", "2026-12-05T02:00", "a date and time such as"},
        {"start", "2026-12-05 2:00", "a date and time such as"},
        {"duration", "0", "a positive duration such as 250ms, 10s, 5m or 1h"},
        {"duration", "-1h", "a positive duration"},
        {"duration", "soon", "a positive duration"},
        {"every", "fortnight", "day, week, month, or weekday names such as monday, thursday"},
        {"every", "", "day, week, month, or weekday names"},
        {"every", "day, monday", "day, week or month alone, or weekday names"},
        {"every", "monday, Monday", "each weekday once; monday is named twice"},
        {"timezone", "Mars/Olympus",
         "a time zone such as Europe/Berlin or UTC (a file under /usr/share/zoneinfo)"},
        {"timezone", "../../etc/passwd", "a time zone such as Europe/Berlin"},
        {"timezone", "/etc/passwd", "a time zone such as Europe/Berlin"},
        {"timezone", "Europe", "a time zone such as Europe/Berlin"},
        {"timezone", "right/Europe/Berlin", "without leap seconds"},
        {"colour", "red", "one of sites, start, duration, every, timezone"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        if (strncmp(rows[i][1], "right/", 6) == 0 && !have_zone(rows[i][1]))
            continue;
        struct sw_maint *m = sw_maint_new("w");
        char what[512] = "";
        ck_assert_msg(sw_maint_set(m, rows[i][0], rows[i][1], what, sizeof what) == -1,
                      "%s = \"%s\" was taken", rows[i][0], rows[i][1]);
        ck_assert_msg(strstr(what, rows[i][2]) != NULL, "%s = \"%s\": expected %s; not \"%s\"", rows[i][0],
                      rows[i][1], what, rows[i][2]);
        sw_maint_free(m);
    }
    /* What the keys say together, named by the key to blame. */
    static const char *const together[][6] = {
        {"", "", "2h", "start", "a date and time such as", ""},
        {"day", "", "25h", "duration", "a duration of at most 24h", ""},
        {"monday, tuesday", "", "2d", "duration", "a duration of at most 24h", ""},
        {"week", "", "8d", "duration", "a duration of at most 168h", ""},
        {"month", "", "29d", "duration", "a duration of at most 672h", ""},
        {"", "x", "2h", "sites", "* or a list of site names", ""},
    };
    for (size_t i = 0; i < sizeof together / sizeof *together; i++) {
        struct sw_maint *m = sw_maint_new("w");
        char what[512] = "";
        const char *key = NULL;
        if (!*together[i][1])
            ck_assert_int_eq(sw_maint_set(m, "sites", "shop", what, sizeof what), 0);
        if (*together[i][0])
            ck_assert_int_eq(sw_maint_set(m, "every", together[i][0], what, sizeof what), 0);
        if (strcmp(together[i][3], "start") != 0)
            ck_assert_int_eq(sw_maint_set(m, "start", "2026-12-07 02:00", what, sizeof what), 0);
        ck_assert_int_eq(sw_maint_set(m, "duration", together[i][2], what, sizeof what), 0);
        ck_assert_int_eq(sw_maint_finish(m, &key, what, sizeof what), -1);
        ck_assert_str_eq(key, together[i][3]);
        ck_assert_msg(strstr(what, together[i][4]) != NULL, "row %zu: %s", i, what);
        sw_maint_free(m);
    }
    /* Without every, any length. */
    sw_maint_free(
        maint((const char *[]){"sites", "shop", "start", "2026-12-05 02:00", "duration", "30d", NULL}));
}
END_TEST

/* ---- the state store ---- */

static struct sw_alertdb *store_open(const char *path)
{
    struct sw_alertdb *db;
    char *why = NULL;
    ck_assert_msg(sw_alertdb_open(path, 0, &db, &why) == 0, "%s", why);
    return db;
}

static int collect_msg(void *ctx, const struct sw_outbox_msg *m)
{
    buf_printf(ctx, "%s%s:%s:%s:%d", ((struct buf *)ctx)->len ? " " : "", m->notifier, m->event_id,
               m->payload, m->attempts);
    return 0;
}

static char *outbox_of(struct sw_alertdb *db, const char *notifier)
{
    struct buf b = {0};
    buf_puts(&b, "");
    ck_assert_int_eq(sw_alertdb_outbox(db, notifier, collect_msg, &b), 0);
    return b.s;
}

static int collect_key(void *ctx, const char *key, const struct sw_alert *a)
{
    buf_printf(ctx, "%s=%s ", key, sw_alert_state_name(a->state));
    return 0;
}

static int silence_seen(void *ctx, const char *site, int64_t from, int64_t until)
{
    buf_printf(ctx, "%s:%lld-%lld;", site, (long long)from, (long long)until);
    return 0;
}

START_TEST(store_round_trip)
{
    char *dir = t_tmpdir(), *path = sw_xasprintf("%s/state.db", dir);
    struct sw_alertdb *db = store_open(path);
    struct sw_alert a;
    memset(&a, 0, sizeof a); /* padding too: the loaded copy is compared whole */
    a.state = SW_ALERT_DOWN;
    a.fails = 1;
    a.passes = 2;
    a.since = a.told_since = T0;
    a.passing_since = T0 + 5;
    a.told_end = T0 + 7;
    a.last_told = T0 + 9;
    a.reminders = 3;
    a.acked = 1;
    snprintf(a.reason, sizeof a.reason, "HTTP 503, expected 200-399 \xe2\x80\x94 'quoted'");
    snprintf(a.parent, sizeof a.parent, "router");
    ck_assert_int_eq(sw_alertdb_save(db, "shop/https", &a), 0);
    ck_assert_int_eq(sw_alertdb_save(db, "api/https", &(struct sw_alert){0}), 0);
    sw_alertdb_close(db);
    db = store_open(path);
    struct sw_alert b;
    ck_assert_int_eq(sw_alertdb_load(db, "shop/https", &b), 0);
    ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
    ck_assert_int_eq(sw_alertdb_load(db, "blog/http", &b), SW_ENOTFOUND);
    ck_assert_int_eq(b.state, SW_ALERT_UP);
    struct buf keys = {0};
    ck_assert_int_eq(sw_alertdb_each_series(db, collect_key, &keys), 0);
    ck_assert_str_eq(keys.s, "api/https=up shop/https=down ");
    buf_free(&keys);
    ck_assert_int_eq(sw_alertdb_forget(db, "api/https"), 0);
    ck_assert_int_eq(sw_alertdb_load(db, "api/https", &b), SW_ENOTFOUND);
    ck_assert_int_eq(t_sql_long(path, "PRAGMA user_version"), SW_ALERTDB_VERSION);

    /* The outbox: in order per notifier and overall; an event id once. */
    ck_assert_int_eq(sw_alertdb_enqueue(db, "mail", "e1", "p1", T0), 0);
    ck_assert_int_eq(sw_alertdb_enqueue(db, "chat", "e1", "p1", T0), 0);
    ck_assert_int_eq(sw_alertdb_enqueue(db, "mail", "e2", "p2", T0), 0);
    ck_assert_int_eq(sw_alertdb_enqueue(db, "mail", "e1", "again", T0), 0);
    char *s = outbox_of(db, "mail");
    ck_assert_str_eq(s, "mail:e1:p1:0 mail:e2:p2:0");
    free(s);
    s = outbox_of(db, NULL);
    ck_assert_str_eq(s, "mail:e1:p1:0 chat:e1:p1:0 mail:e2:p2:0");
    free(s);
    int64_t seq = t_sql_long(path, "SELECT seq FROM outbox WHERE notifier = 'mail' AND event_id = 'e2'");
    ck_assert_int_eq(sw_alertdb_retry(db, seq, T0 + SW_S), 0);
    ck_assert_int_eq(t_sql_long(path, "SELECT next_attempt FROM outbox WHERE event_id = 'e2'"), T0 + SW_S);
    ck_assert_int_eq(sw_alertdb_done(db, seq), 0);
    ck_assert_int_eq(sw_alertdb_enqueue(db, "mail", "e3", "p3", T0), 0);
    s = outbox_of(db, "mail");
    ck_assert_str_eq(s, "mail:e1:p1:0 mail:e3:p3:0"); /* after a delete, still last */
    free(s);

    /* Silences. */
    int64_t until = 0;
    ck_assert_int_eq(sw_alertdb_silence(db, "shop", T0, T0 + SW_H), 0);
    ck_assert_int_eq(sw_alertdb_silence(db, "shop", T0 + SW_MIN, T0 + 2 * SW_H), 0);
    ck_assert_int_eq(sw_alertdb_silenced(db, "shop", T0 + 2 * SW_MIN, &until), 1);
    ck_assert(until == T0 + 2 * SW_H);
    ck_assert_int_eq(sw_alertdb_silenced(db, "shop", T0 - 1, &until), 0);
    ck_assert_int_eq(sw_alertdb_silenced(db, "api", T0 + 2 * SW_MIN, &until), 0);
    struct buf seen = {0};
    ck_assert_int_eq(sw_alertdb_each_silence(db, T0 + 90 * SW_MIN, silence_seen, &seen), 0);
    /* The first is over by then: the second one is what holds. */
    char *want = sw_xasprintf("shop:%lld-%lld;", (long long)(T0 + SW_MIN), (long long)(T0 + 2 * SW_H));
    ck_assert_str_eq(sw_text(&seen), want);
    free(want);
    buf_free(&seen);
    ck_assert_int_eq(sw_alertdb_purge_silences(db, T0 + 2 * SW_H), 0);
    ck_assert_int_eq(sw_alertdb_silenced(db, "shop", T0 + 2 * SW_MIN, &until), 0);
    sw_alertdb_close(db);
    t_rmtree(dir);
    free(path);
    free(dir);
}
END_TEST

static int ack_seen(void *ctx, const char *site, const char *check)
{
    buf_printf(ctx, "%s:%s;", site, check ? check : "*");
    return 0;
}

START_TEST(store_private_and_one_writer)
{
    char *dir = t_tmpdir(), *path = sw_xasprintf("%s/state.db", dir);
    mode_t old = umask(0);
    struct sw_alertdb *db = store_open(path);
    umask(old);
    ck_assert_int_eq(sw_alertdb_enqueue(db, "mail", "e1", "p1", T0), 0);
    static const char *const files[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char *f = sw_xasprintf("%s%s", path, files[i]);
        struct stat st;
        ck_assert_int_eq(stat(f, &st), 0);
        ck_assert_msg((st.st_mode & 0777) == 0600, "%s has mode %o", f, st.st_mode & 0777);
        free(f);
    }
    struct sw_alertdb *second, *reader;
    char *why = NULL;
    ck_assert_int_eq(sw_alertdb_open(path, 0, &second, &why), SW_EBUSY);
    ck_assert_ptr_nonnull(strstr(why, "another sitewatch"));
    free(why);
    ck_assert_int_eq(sw_alertdb_open(path, 1, &reader, &why), 0);
    char *s = outbox_of(reader, NULL);
    ck_assert_str_eq(s, "mail:e1:p1:0");
    free(s);
    ck_assert_int_ne(sw_alertdb_enqueue(reader, "mail", "e2", "p2", T0), 0);
    sw_alertdb_close(reader);
    /* `ack` beside the writer: a request the writer takes once. */
    struct sw_alertdb *req;
    ck_assert_int_eq(sw_alertdb_open(path, SW_ALERTDB_REQUEST, &req, &why), 0);
    ck_assert_int_eq(sw_alertdb_ack(req, "shop", NULL, T0), 0);
    ck_assert_int_eq(sw_alertdb_ack(req, "api", "https", T0), 0);
    sw_alertdb_close(req);
    struct buf acks = {0};
    ck_assert_int_eq(sw_alertdb_take_acks(db, ack_seen, &acks), 2);
    ck_assert_str_eq(sw_text(&acks), "shop:*;api:https;");
    ck_assert_int_eq(sw_alertdb_take_acks(db, ack_seen, &acks), 0);
    buf_free(&acks);
    sw_alertdb_close(db);

    /* An older file's wider mode is narrowed. */
    ck_assert_int_eq(chmod(path, 0644), 0);
    db = store_open(path);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    sw_alertdb_close(db);

    /* A newer schema is refused, not written over. */
    sqlite3 *raw;
    ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    ck_assert_int_eq(sw_alertdb_open(path, 0, &db, &why), SW_ESTORAGE);
    char *want = sw_xasprintf("has schema version 99, newer than this sitewatch's %d", SW_ALERTDB_VERSION);
    ck_assert_msg(strstr(why, want), "%s", why);
    free(want);
    free(why);
    t_rmtree(dir);
    free(path);
    free(dir);
}
END_TEST

/* A writer that decides and enqueues round after round in one transaction
 * each, killed at an arbitrary point: every round is there whole or not
 * at all, in order. */
static void store_writer(const char *path, int die_mid_transaction, int ready)
{
    struct sw_alertdb *db;
    char *why;
    if (sw_alertdb_open(path, 0, &db, &why) != 0)
        _exit(3);
    struct sw_alert a = {.state = SW_ALERT_DOWN, .since = T0, .told_since = T0};
    for (int i = 1;; i++) {
        char id[32], payload[32];
        snprintf(id, sizeof id, "e%d", i);
        snprintf(payload, sizeof payload, "round %d", i);
        a.reminders = i;
        if (sw_alertdb_begin(db) || sw_alertdb_save(db, "shop/https", &a) ||
            sw_alertdb_enqueue(db, "mail", id, payload, T0 + i) ||
            sw_alertdb_enqueue(db, "chat", id, payload, T0 + i))
            _exit(4);
        /* Mid-transaction: say so and wait for the parent's SIGKILL (a
         * signal from outside, so valgrind cannot tidy up first). */
        if (die_mid_transaction && i == 3) {
            if (write(ready, "3", 1) != 1)
                _exit(6);
            for (;;)
                pause();
        }
        if (sw_alertdb_commit(db))
            _exit(5);
        if (!die_mid_transaction && i == 1 && write(ready, "1", 1) != 1)
            _exit(6);
    }
}

struct rounds {
    int next, bad;
    const char *notifier;
};

static int check_round(void *ctx, const struct sw_outbox_msg *m)
{
    struct rounds *r = ctx;
    char id[32];
    snprintf(id, sizeof id, "e%d", r->next++);
    if (strcmp(m->event_id, id) != 0 || strcmp(m->notifier, r->notifier) != 0)
        r->bad++;
    return 0;
}

START_TEST(store_survives_kill_9)
{
    for (int mode = 0; mode < 2; mode++) {
        char *dir = t_tmpdir(), *path = sw_xasprintf("%s/state.db", dir);
        int ready[2];
        ck_assert_int_eq(pipe(ready), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0)
            store_writer(path, mode, ready[1]);
        close(ready[1]);
        char c;
        ck_assert_int_eq(read(ready[0], &c, 1), 1); /* a first round is in, or round 3 half */
        close(ready[0]);
        if (mode == 0)
            t_msleep(300); /* then anywhere in a round */
        kill(pid, SIGKILL);
        int status;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the writer ended with %d", status);
        struct sw_alertdb *db = store_open(path); /* the lock of a killed writer is free */
        struct sw_alert a;
        ck_assert_int_eq(sw_alertdb_load(db, "shop/https", &a), 0);
        ck_assert_int_ge(a.reminders, mode ? 2 : 1);
        if (mode)
            ck_assert_int_eq(a.reminders, 2); /* round 3 was never committed */
        static const char *const notifiers[] = {"mail", "chat"};
        for (int k = 0; k < 2; k++) {
            struct rounds r = {.next = 1, .notifier = notifiers[k]};
            ck_assert_int_eq(sw_alertdb_outbox(db, notifiers[k], check_round, &r), 0);
            ck_assert_int_eq(r.bad, 0);
            ck_assert_int_eq(r.next - 1, a.reminders);
        }
        sw_alertdb_close(db);
        t_rmtree(dir);
        free(path);
        free(dir);
    }
}
END_TEST

/* The alert state through the store, as a restart does: a series DOWN and
 * told is not told again; one that recovered while sitewatch was stopped
 * gets its UP after its first results, with the id an unbroken run gives. */
START_TEST(store_restart_keeps_what_was_told)
{
    char *dir = t_tmpdir(), *path = sw_xasprintf("%s/state.db", dir);
    const struct sw_alert_rules r = {2, 2, 0, SW_FAIL};
    const struct sw_alert_hold hold = {0};
    struct sw_alert a = {0}, unbroken;
    struct sw_alert_event ev;
    struct sw_alertdb *db = store_open(path);
    sw_alert_result(&a, &r, SW_FAIL, "refused", T0);
    sw_alert_result(&a, &r, SW_FAIL, "refused", T0 + SW_MIN);
    ck_assert_int_eq(sw_alertdb_begin(db), 0);
    ck_assert_int_eq(sw_alert_owed(&a, &r, "shop/https", &hold, T0 + SW_MIN, &ev), 1);
    ck_assert_int_eq(sw_alertdb_save(db, "shop/https", &a), 0);
    ck_assert_int_eq(sw_alertdb_enqueue(db, "mail", ev.id, "DOWN", ev.at), 0);
    ck_assert_int_eq(sw_alertdb_commit(db), 0);
    unbroken = a;
    sw_alertdb_close(db);

    db = store_open(path);
    ck_assert_int_eq(sw_alertdb_load(db, "shop/https", &a), 0);
    sw_alert_result(&a, &r, SW_FAIL, "refused", T0 + 10 * SW_MIN);
    ck_assert_int_eq(sw_alert_owed(&a, &r, "shop/https", &hold, T0 + 10 * SW_MIN, &ev), 0);
    char ids[2][SW_ALERT_ID_MAX];
    struct sw_alert *both[] = {&a, &unbroken};
    for (int k = 0; k < 2; k++) {
        sw_alert_result(both[k], &r, SW_OK, "", T0 + 11 * SW_MIN);
        ck_assert_int_eq(sw_alert_owed(both[k], &r, "shop/https", &hold, T0 + 11 * SW_MIN, &ev), 0);
        sw_alert_result(both[k], &r, SW_OK, "", T0 + 12 * SW_MIN);
        ck_assert_int_eq(sw_alert_owed(both[k], &r, "shop/https", &hold, T0 + 12 * SW_MIN, &ev), 1);
        ck_assert_int_eq(ev.kind, SW_EVENT_UP);
        ck_assert(ev.downtime == 11 * SW_MIN);
        snprintf(ids[k], sizeof ids[k], "%s", ev.id);
    }
    ck_assert_str_eq(ids[0], ids[1]);
    /* The DOWN was never marked delivered: it still waits to go. */
    char *s = outbox_of(db, "mail");
    ck_assert_ptr_nonnull(strstr(s, ".down:DOWN:0"));
    free(s);
    sw_alertdb_close(db);
    t_rmtree(dir);
    free(path);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alert");
    TCase *tc = tcase_create("state");
    tcase_add_test(tc, alert_transitions);
    tcase_add_test(tc, alert_ids);
    tcase_add_test(tc, alert_due_and_ack);
    suite_add_tcase(s, tc);
    tc = tcase_create("windows");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, tz_matches_glibc);
    tcase_add_test(tc, tz_damaged_files);
    tcase_add_test(tc, maint_utc_once);
    tcase_add_test(tc, maint_berlin_dst);
    tcase_add_test(tc, maint_past_the_table);
    tcase_add_test(tc, maint_weekdays_and_months);
    tcase_add_test(tc, maint_active_of_a_site);
    tcase_add_test(tc, maint_bad_values);
    suite_add_tcase(s, tc);
    tc = tcase_create("store");
    tcase_add_test(tc, store_round_trip);
    tcase_add_test(tc, store_private_and_one_writer);
    tcase_add_test(tc, store_survives_kill_9);
    tcase_add_test(tc, store_restart_keeps_what_was_told);
    suite_add_tcase(s, tc);
    return t_run_suite(s, 0);
}
