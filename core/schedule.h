/* SPDX-License-Identifier: MIT
 * Scheduler arithmetic and the one priority queue that orders every
 * series (site x check) by its next due time.  Pure functions on the monotonic
 * clock, so the unit tests check them without sleeping. */
#ifndef SW_SCHEDULE_H
#define SW_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

/* Phases sit on a grid of SW_SCHED_TICK microseconds of the monotonic
 * clock.  The series that share a tick start in one pass of the loop, so
 * they share its wake-up, and their connections' kernel work is batched:
 * at 10,000 sites a minute that halves the CPU a check costs (bench/steady;
 * a bare curl loop started one check at a time pays the same).  Nothing is
 * late for it: a series' scheduled time is the tick itself. */
#define SW_SCHED_TICK 100000

/* Where in its interval a series first runs: a stable hash of the names, so
 * 10,000 sites do not all fire at start and a reload keeps each phase; a
 * whole number of ticks when the interval holds at least one. */
int64_t sw_sched_offset(const char *site, const char *check, int64_t interval);

/* The first due time of a series at OFFSET: the next tick of the grid at or
 * after NOW, plus OFFSET.  Series added by a reload land on the same grid. */
int64_t sw_sched_first(int64_t now, int64_t offset);

/* The next due time after a run scheduled at PREV: PREV + INTERVAL (no
 * drift from how long the run took).  If that is already more than one
 * interval in the past, the runs in between are dropped and counted in
 * *MISSED, so a stalled loop catches up with one late run, not a burst. */
int64_t sw_sched_next(int64_t prev, int64_t interval, int64_t now, int64_t *missed);

/* A binary min-heap of items embedded in the caller's structs. */
struct sw_sched_item {
    int64_t due;
    size_t pos; /* index in the heap, or SIZE_MAX when not queued */
};

struct sw_heap {
    struct sw_sched_item **v;
    size_t n, cap;
};

/* Queue IT by its due time; an IT already queued is moved to its due
 * time, never held twice. */
void sw_heap_push(struct sw_heap *h, struct sw_sched_item *it);
struct sw_sched_item *sw_heap_top(const struct sw_heap *h);
struct sw_sched_item *sw_heap_pop(struct sw_heap *h);
void sw_heap_remove(struct sw_heap *h, struct sw_sched_item *it);
void sw_heap_free(struct sw_heap *h);

#endif
