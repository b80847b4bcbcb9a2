/* SPDX-License-Identifier: MIT
 * Maintenance windows, [maintenance NAME]: which sites, from when, how
 * long, how often, in which time zone.  A window is a local start time and
 * a length of real time: `every = day` starts each one at the same wall
 * time, also across a change to or from daylight saving time, and a
 * window of 2h lasts two hours even on the night the clocks go back.  A
 * start the clocks skip begins at the jump (02:30 on the spring-forward
 * night in Berlin is 03:00 CEST); one they show twice begins the first
 * time.  A monthly window on a day a month lacks (the 31st in April, the
 * 29th to 31st in February) is on that month's last day.  Times are
 * microseconds since the epoch. */
#ifndef SW_MAINT_H
#define SW_MAINT_H

#include <stddef.h>
#include <stdint.h>

struct sw_tz;

enum sw_maint_every { SW_EVERY_ONCE, SW_EVERY_DAY, SW_EVERY_WEEK, SW_EVERY_MONTH, SW_EVERY_WEEKDAYS };

struct sw_maint {
    char *name;
    char **sites;                    /* NULL-terminated names; NULL: every site (sites = *) */
    int year, month, day, hour, min; /* start, on the zone's clocks */
    int64_t duration;                /* > 0 */
    int every;                       /* enum sw_maint_every; WEEK becomes WEEKDAYS on finish */
    unsigned weekdays;               /* bit d for weekday d, 0 = Sunday */
    struct sw_tz *tz;                /* NULL: UTC */
    unsigned given;                  /* which keys were set, a bit each */
};

/* An empty window named NAME (copied); free with sw_maint_free. */
struct sw_maint *sw_maint_new(const char *name);
void sw_maint_free(struct sw_maint *m);

/* Take KEY = VALUE of the section (sites, start, duration, every,
 * timezone).  0, or -1 with WHAT = the words after "expected" in the
 * message the config gives about that entry. */
int sw_maint_set(struct sw_maint *m, const char *key, const char *value, char *what, size_t n);
/* After the last key: check what the keys say together (a missing key, a
 * duration longer than the time between two windows).  0, or -1 with
 * *KEY the key to name and WHAT as above. */
int sw_maint_finish(struct sw_maint *m, const char **key, char *what, size_t n);

/* Whether M's sites include SITE. */
int sw_maint_covers(const struct sw_maint *m, const char *site);
/* Whether T is inside one of M's windows: 1 with its [*START, *END), the
 * one that ends last when two overlap; else 0. */
int sw_maint_at(const struct sw_maint *m, int64_t t, int64_t *start, int64_t *end);
/* M's first window that starts after T: 1 with its [*START, *END), or 0
 * when there is none (a window without `every` that is over). */
int sw_maint_next(const struct sw_maint *m, int64_t t, int64_t *start, int64_t *end);
/* Of the N windows V, the one covering SITE at T that ends last, with its
 * end in *END; NULL when SITE is not in maintenance at T.  Ask again at
 * *END: another window may begin where this one ends. */
const struct sw_maint *sw_maint_active(struct sw_maint *const *v, size_t n, const char *site, int64_t t,
                                       int64_t *end);

#endif
