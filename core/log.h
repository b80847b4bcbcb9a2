/* SPDX-License-Identifier: MIT
 * One printf-checked log function for the whole process.  Lines go to
 * stderr with a UTC timestamp and the level; plugins reach it through
 * api->log and start their messages with their own name. */
#ifndef SW_LOG_H
#define SW_LOG_H

#include "sitewatch/plugin.h"

/* Messages above LEVEL (enum sw_log_level) are dropped. */
void sw_log_set_level(int level);
/* Where lines go: stderr with a timestamp (the default; under systemd,
 * when stderr is the journal, "<N>" priority prefixes instead), or
 * syslog(3) (--syslog). */
enum { SW_LOG_TO_STDERR, SW_LOG_TO_JOURNAL, SW_LOG_TO_SYSLOG };
void sw_log_set_output(int to);
void sw_log(int level, const char *fmt, ...) SW_PRINTF(2, 3);
#define sw_err(...)   sw_log(SW_LOG_ERROR, __VA_ARGS__)
#define sw_warn(...)  sw_log(SW_LOG_WARN, __VA_ARGS__)
#define sw_info(...)  sw_log(SW_LOG_INFO, __VA_ARGS__)
#define sw_debug(...) sw_log(SW_LOG_DEBUG, __VA_ARGS__)

/* Text for an SW_E* code. */
const char *sw_strerror(int err);

#endif
