/* SPDX-License-Identifier: MIT
 * Time zones read from their TZif files (RFC 8536, version 2 and later:
 * the 64-bit transitions and the POSIX TZ rule in the footer for times
 * past the table), so that local times are turned into instants without
 * glibc's process-wide TZ variable, which no thread may change while
 * another reads it.  Plus the civil calendar they need.  Times here are
 * whole seconds since the epoch. */
#ifndef SW_TZ_H
#define SW_TZ_H

#include <stddef.h>
#include <stdint.h>

#define SW_TZ_DIR "/usr/share/zoneinfo"

struct sw_tz;

/* The zone NAME ("Europe/Berlin") from SW_TZ_DIR.  "UTC" needs no file:
 * *OUT = NULL, which every call here takes as UTC.  0, or -1 with WHY
 * saying what was expected (the words after "expected"). */
int sw_tz_load(const char *name, struct sw_tz **out, char *why, size_t n);
/* The same from the bytes of a TZif file; -1 if they are not one. */
int sw_tz_parse(const unsigned char *p, size_t n, struct sw_tz **out);
void sw_tz_free(struct sw_tz *z);

/* Seconds east of UTC in Z at the instant T. */
int32_t sw_tz_offset(const struct sw_tz *z, int64_t t);
/* The instant at which Z's clocks show LOCAL (seconds, the wall time
 * counted as if it were UTC).  A time the clocks skip (spring forward)
 * gives the instant of the jump, the first one past it; a time they show
 * twice (fall back) gives the first, earlier one. */
int64_t sw_tz_from_local(const struct sw_tz *z, int64_t local);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t sw_days_from_civil(int y, int m, int d);
void sw_civil_from_days(int64_t days, int *y, int *m, int *d);
/* 0 = Sunday ... 6 = Saturday. */
int sw_weekday(int64_t days);
int sw_days_in_month(int y, int m);

#endif
