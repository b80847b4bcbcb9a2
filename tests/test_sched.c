/* SPDX-License-Identifier: MIT
 * Scheduler arithmetic, without sleeping: spread, no drift, catch-up, and
 * the heap's order. */
#include <check.h>

#include "support.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "schedule.h"

#define SEC 1000000LL

START_TEST(first_runs_spread)
{
    /* 6,000 pairs on a 60 s interval: about 100 start in each second. */
    int buckets[60] = {0};
    for (int i = 0; i < 6000; i++) {
        char site[32];
        snprintf(site, sizeof site, "site%d.example", i);
        int64_t off = sw_sched_offset(site, i % 2 ? "http" : "dns", 60 * SEC);
        ck_assert(off >= 0 && off < 60 * SEC);
        buckets[off / SEC]++;
    }
    for (int b = 0; b < 60; b++)
        ck_assert_msg(buckets[b] > 50 && buckets[b] < 150, "second %d has %d first runs", b, buckets[b]);
    /* Stable: a reload puts a pair at the same phase. */
    ck_assert_int_eq(sw_sched_offset("python.org", "http", 60 * SEC),
                     sw_sched_offset("python.org", "http", 60 * SEC));
    ck_assert_int_ne(sw_sched_offset("python.org", "http", 60 * SEC),
                     sw_sched_offset("python.org", "dns", 60 * SEC));
    /* On the tick grid, so pairs due together share a wake-up, and the
     * first run of a pair added later lands on the same grid. */
    for (int i = 0; i < 100; i++) {
        char site[32];
        snprintf(site, sizeof site, "s%d", i);
        int64_t off = sw_sched_offset(site, "http", 60 * SEC + 250000);
        ck_assert_int_eq(off % SW_SCHED_TICK, 0);
        int64_t first = sw_sched_first(123456789 + i * 7919, off);
        ck_assert_int_eq(first % SW_SCHED_TICK, 0);
        ck_assert(first >= 123456789 + i * 7919 + off && first < 123456789 + i * 7919 + off + SW_SCHED_TICK);
    }
    /* An interval shorter than a tick still spreads within itself. */
    ck_assert(sw_sched_offset("x", "http", 50000) < 50000);
}
END_TEST

START_TEST(no_drift)
{
    /* Runs start late by a varying amount; the schedule does not move. */
    int64_t due = 7 * SEC, missed;
    srand(42);
    for (int k = 1; k <= 10000; k++) {
        int64_t now = due + rand() % (30 * SEC); /* the run started up to 30 s late */
        due = sw_sched_next(due, 60 * SEC, now, &missed);
        ck_assert_int_eq(missed, 0);
        ck_assert_int_eq(due, 7 * SEC + k * 60 * SEC);
    }
}
END_TEST

START_TEST(catch_up_after_stall)
{
    int64_t missed;
    /* Late but within one interval: the next run is simply late. */
    ck_assert_int_eq(sw_sched_next(0, 60 * SEC, 61 * SEC, &missed), 60 * SEC);
    ck_assert_int_eq(missed, 0);
    /* Stalled 200 s: the runs at 60 and 120 are dropped, 180 runs late once. */
    ck_assert_int_eq(sw_sched_next(0, 60 * SEC, 200 * SEC, &missed), 180 * SEC);
    ck_assert_int_eq(missed, 2);
    /* The phase is kept: still a multiple of the interval from the start. */
    ck_assert_int_eq(sw_sched_next(5, 10, 1000, &missed) % 10, 5);
}
END_TEST

START_TEST(heap_order)
{
    enum { N = 5000 };
    struct sw_sched_item *items = calloc(N, sizeof *items);
    struct sw_heap h = {0};
    srand(7);
    for (int i = 0; i < N; i++) {
        items[i].due = rand() % 100000;
        sw_heap_push(&h, &items[i]);
    }
    /* Remove every third item from the middle of the heap. */
    for (int i = 0; i < N; i += 3)
        sw_heap_remove(&h, &items[i]);
    int64_t last = -1;
    size_t count = 0;
    struct sw_sched_item *it;
    while ((it = sw_heap_pop(&h))) {
        ck_assert(it->due >= last);
        ck_assert(((size_t)(it - items)) % 3 != 0);
        last = it->due;
        count++;
    }
    ck_assert_uint_eq(count, N - (N + 2) / 3);
    sw_heap_free(&h);
    free(items);
}
END_TEST

/* A pair pushed again while queued (a reload that matched it twice) is
 * moved, not held twice: a second pointer would outlive the series. */
START_TEST(heap_push_twice_holds_once)
{
    enum { N = 64 };
    struct sw_sched_item items[N];
    struct sw_heap h = {0};
    for (int i = 0; i < N; i++) {
        items[i] = (struct sw_sched_item){.due = 1000 + i, .pos = SIZE_MAX};
        sw_heap_push(&h, &items[i]);
    }
    sw_heap_push(&h, &items[10]);
    items[20].due = 1; /* moved to the top */
    sw_heap_push(&h, &items[20]);
    items[0].due = 5000; /* moved to the bottom */
    sw_heap_push(&h, &items[0]);
    ck_assert_uint_eq(h.n, N);
    ck_assert_ptr_eq(sw_heap_top(&h), &items[20]);
    int seen[N] = {0};
    int64_t last = -1;
    struct sw_sched_item *it;
    while ((it = sw_heap_pop(&h))) {
        ck_assert(it->due >= last);
        last = it->due;
        seen[it - items]++;
    }
    for (int i = 0; i < N; i++)
        ck_assert_msg(seen[i] == 1, "item %d popped %d times", i, seen[i]);
    ck_assert_int_eq(last, 5000);
    /* Removed once, it is gone: nothing left points to it. */
    sw_heap_push(&h, &items[3]);
    sw_heap_push(&h, &items[3]);
    sw_heap_remove(&h, &items[3]);
    ck_assert_ptr_null(sw_heap_top(&h));
    sw_heap_free(&h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sched");
    TCase *tc = tcase_create("arithmetic");
    tcase_add_test(tc, first_runs_spread);
    tcase_add_test(tc, no_drift);
    tcase_add_test(tc, catch_up_after_stall);
    tcase_add_test(tc, heap_order);
    tcase_add_test(tc, heap_push_twice_holds_once);
    suite_add_tcase(s, tc);
    return t_run_suite(s, 0);
}
