/* SPDX-License-Identifier: MIT
 * The result object behind the opaque sw_result handle.  Reference counted:
 * the recent cache and the storage queue each hold one reference. */
#ifndef SW_RESULT_H
#define SW_RESULT_H

#include <stdatomic.h>
#include <stdint.h>

#include "sitewatch/plugin.h"

struct sw_metric {
    const char *name; /* interned (shared, never freed) unless RESULT_OWN_METRICS */
    double value;
};
struct sw_info {
    char *key; /* interned unless RESULT_OWN_INFOS */
    char *value;
};

/* Bits of names_owned: which names are the result's own copies.  Past the
 * intern set's cap, every metric (or info) name of the result is. */
enum {
    RESULT_OWN_SITE = 1,
    RESULT_OWN_CHECK = 2,
    RESULT_OWN_LOCATION = 4,
    RESULT_OWN_METRICS = 8,
    RESULT_OWN_INFOS = 16
};

struct sw_result {
    atomic_int refs;
    char *site, *check, *location;               /* interned (shared) unless NAMES_OWNED */
    unsigned names_owned;                        /* RESULT_OWN_* */
    int64_t scheduled, started, duration, since; /* microseconds */
    int verdict;                                 /* enum sw_verdict */
    int has_verdict;                             /* set by result_set */
    char *reason;
    struct sw_metric *metrics;
    int nmetrics, cmetrics; /* used, allocated */
    struct sw_info *infos;
    int ninfos, cinfos;
};

/* A new result with one reference, verdict UNKNOWN, no reason. */
sw_result *sw_result_new(const char *site, const char *check, const char *location);
sw_result *sw_result_ref(sw_result *r);
void sw_result_unref(sw_result *r);
sw_result *sw_result_clone(const sw_result *r);
/* The same without metrics and info. */
sw_result *sw_result_clone_slim(const sw_result *r);
/* Give back what R's metric and info arrays hold beyond their use: a
 * result kept for minutes (the newest of each series) should not carry
 * room for growth. */
void sw_result_trim(sw_result *r);
/* Longest reason and longest info value, in bytes, the mark of a cut included:
 * longer text is cut at a character boundary and ends with "… (cut)". */
#define SW_REASON_MAX 1024
#define SW_INFO_MAX   4096
void sw_result_set(sw_result *r, int verdict, const char *fmt, ...) SW_PRINTF(3, 4);
void sw_result_metric(sw_result *r, const char *name, double value);
void sw_result_info(sw_result *r, const char *key, const char *value);
/* Append R as one JSON object (the --format json schema, no newline). */
struct buf;
void sw_result_json(const sw_result *r, struct buf *b);

const char *sw_verdict_name(int verdict);
/* Worse of two verdicts by the exit-code order FAIL > UNKNOWN > WARN > OK. */
int sw_verdict_worst(int a, int b);

#endif
