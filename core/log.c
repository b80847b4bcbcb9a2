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

#include "util.h"

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
    /* Formatted once, then secrets taken out (a URL's password, an
     * Authorization value), whatever the line came from. */
    struct buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *line = sw_redact(sw_text(&b));
    buf_free(&b);
    if (log_to == SW_LOG_TO_SYSLOG) {
        syslog(log_priority[level], "%s", line);
    } else if (log_to != SW_LOG_TO_STDERR) {
        pthread_mutex_lock(&log_lock);
        fprintf(stderr, "<%d>%s\n", log_priority[level], line);
        pthread_mutex_unlock(&log_lock);
    } else {
        struct timeval tv;
        gettimeofday(&tv, NULL);
        struct tm tm;
        gmtime_r(&tv.tv_sec, &tm);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
        /* One lock so lines from the writer thread never interleave. */
        pthread_mutex_lock(&log_lock);
        fprintf(stderr, "%s.%03ldZ %s: %s\n", stamp, (long)(tv.tv_usec / 1000), names[level], line);
        pthread_mutex_unlock(&log_lock);
    }
    free(line);
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
