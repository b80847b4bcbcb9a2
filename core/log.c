/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static int log_level = SW_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void sw_log_set_level(int level)
{
    log_level = level;
}

void sw_log(int level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    if (level > log_level)
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);

    va_list ap;
    va_start(ap, fmt);
    /* One lock so lines from the writer thread never interleave. */
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "%s.%03ldZ %s: ", stamp, (long)(tv.tv_usec / 1000),
            names[level < 0   ? 0
                  : level > 3 ? 3
                              : level]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    pthread_mutex_unlock(&log_lock);
    va_end(ap);
}

const char *sw_strerror(int err)
{
    switch (err) {
    case 0: return "success";
#define SW_ERR_CASE(name, code, text)                                                                        \
    case code: return text;
        SW_ERRNO_MAP(SW_ERR_CASE)
#undef SW_ERR_CASE
    }
    return "unknown error";
}
