/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>

static int log_level = SW_LOG_INFO;
static int log_to = SW_LOG_TO_STDERR;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void sw_log_set_level(int level)
{
    log_level = level;
}

/* systemd says stderr is the journal by naming its device and inode in
 * JOURNAL_STREAM; then a "<N>" prefix carries the level and the journal
 * adds the time. */
static int log_stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    return js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
           (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void sw_log_set_output(int to)
{
    log_to = to == SW_LOG_TO_STDERR && log_stderr_is_journal() ? SW_LOG_TO_JOURNAL : to;
    if (log_to == SW_LOG_TO_SYSLOG)
        openlog("sitewatch", LOG_PID, LOG_DAEMON);
}

static const int log_priority[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

void sw_log(int level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    if (level > log_level)
        return;
    level = level < 0 ? 0 : level > 3 ? 3 : level;
    if (log_to != SW_LOG_TO_STDERR) {
        va_list ap;
        va_start(ap, fmt);
        if (log_to == SW_LOG_TO_SYSLOG) {
            vsyslog(log_priority[level], fmt, ap);
        } else {
            pthread_mutex_lock(&log_lock);
            fprintf(stderr, "<%d>", log_priority[level]);
            vfprintf(stderr, fmt, ap);
            fputc('\n', stderr);
            pthread_mutex_unlock(&log_lock);
        }
        va_end(ap);
        return;
    }
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
    fprintf(stderr, "%s.%03ldZ %s: ", stamp, (long)(tv.tv_usec / 1000), names[level]);
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
