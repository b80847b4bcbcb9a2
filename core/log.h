/* SPDX-License-Identifier: MIT
 * One printf-checked log function for the whole process.  Lines go to
 * stderr with a UTC timestamp and the level; plugins reach it through
 * api->log and start their messages with their own name. */
#ifndef SW_LOG_H
#define SW_LOG_H

#include "sitewatch/plugin.h"

/* Messages above LEVEL (enum sw_log_level) are dropped. */
void sw_log_set_level(int level);
void sw_log(int level, const char *fmt, ...) SW_PRINTF(2, 3);
#define sw_err(...)   sw_log(SW_LOG_ERROR, __VA_ARGS__)
#define sw_warn(...)  sw_log(SW_LOG_WARN, __VA_ARGS__)
#define sw_info(...)  sw_log(SW_LOG_INFO, __VA_ARGS__)
#define sw_debug(...) sw_log(SW_LOG_DEBUG, __VA_ARGS__)

/* Text for an SW_E* code. */
const char *sw_strerror(int err);

#endif
