/* SPDX-License-Identifier: MIT
 * Durations ("250ms 10s 5m 1h 1d") and sizes ("512 200k 2M 1G", powers of
 * 1024) as written in the config, and back into words for reasons. */
#ifndef SW_UNITS_H
#define SW_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Parse S into microseconds / bytes.  0 on success, -1 if S is not one. */
int sw_parse_duration(const char *s, int64_t *us);
int sw_parse_size(const char *s, int64_t *bytes);
/* "10 s", "250 ms", "1.5 s", "5 min": for reasons a person reads. */
char *sw_fmt_duration(int64_t us, char *buf, size_t n);
/* "512 B", "200 KB", "1.5 MB". */
char *sw_fmt_size(int64_t bytes, char *buf, size_t n);

#define SW_DURATION_WORDS    "duration such as 250ms, 10s, 5m or 1h"
#define SW_DURATION_EXPECTED "a " SW_DURATION_WORDS
#define SW_DURATION_POSITIVE "a positive " SW_DURATION_WORDS
#define SW_SIZE_EXPECTED     "a size such as 512, 200k or 2M"

#endif
