/* SPDX-License-Identifier: MIT
 *
 * A notifier's secret from its file (see secret.h).  Read with read(2)
 * into memory of its own rather than through stdio or getline: their
 * buffers would hold the secret and be freed unwiped.
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A token is some hundred bytes, a JWT a few thousand: a first line
 * longer than this is not a secret but the wrong file. */
#define SECRET_MAX (64 * 1024)

void secret_wipe(void *p, size_t n)
{
    if (p && n)
        explicit_bzero(p, n);
}

void secret_free(char *s)
{
    if (s) {
        secret_wipe(s, strlen(s));
        free(s);
    }
}

/* *B (of *CAP bytes, LEN used) twice as large, the old copy wiped: 0 or
 * SW_ENOMEM (then *B as it was). */
static int sec_grow(char **b, size_t *cap, size_t len)
{
    size_t ncap = *cap ? *cap * 2 : 256;
    char *nb = malloc(ncap + 1);
    if (!nb)
        return SW_ENOMEM;
    if (*b) {
        memcpy(nb, *b, len);
        secret_wipe(*b, *cap + 1);
        free(*b);
    }
    *b = nb;
    *cap = ncap;
    return 0;
}

/* FD's first line into *B (NUL-terminated, *CAP + 1 bytes, what was read
 * past the line wiped): its length, or -1 with errno set (EFBIG: no line
 * end within SECRET_MAX). */
static ssize_t sec_first_line(int fd, char **b, size_t *cap)
{
    size_t len = 0;
    char *nl = NULL;
    for (;;) {
        if (len == *cap && (*cap >= SECRET_MAX || sec_grow(b, cap, len) != 0)) {
            errno = *cap >= SECRET_MAX ? EFBIG : ENOMEM;
            return -1;
        }
        ssize_t n = read(fd, *b + len, *cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        nl = memchr(*b + len, '\n', (size_t)n);
        len += (size_t)n;
        if (n == 0 || nl)
            break;
    }
    size_t line = nl ? (size_t)(nl - *b) : len;
    secret_wipe(*b + line, len - line);
    (*b)[line] = '\0';
    return (ssize_t)line;
}

int secret_read(const struct sw_host_api *api, const sw_config *cfg, const struct secret_words *w,
                const char *path, char **out)
{
    *out = NULL;
    /* O_NONBLOCK: a FIFO's open would wait for a writer; it is refused
     * below instead. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOMEM ? SW_ENOMEM
                               : api->config_error(cfg, w->key, "%s (%s)", w->readable, strerror(errno));
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (S_ISDIR(st.st_mode))
        why = strerror(EISDIR);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    if (why) {
        close(fd);
        return api->config_error(cfg, w->key, "%s (%s)", w->readable, why);
    }
    /* Others, not the group: root:sitewatch 0640 is how a daemon's secret
     * is given to it. */
    if (st.st_mode & S_IROTH)
        api->log(SW_LOG_WARN, "%s: [notify %s] %s %s may be read by every user (mode %04o): chmod 600 it",
                 w->plugin, api->config_name(cfg), w->key, path, (unsigned)(st.st_mode & 07777));
    char *b = NULL;
    size_t cap = 0;
    ssize_t n = sec_first_line(fd, &b, &cap);
    int rd_errno = errno;
    close(fd);
    if (n < 0) {
        if (b)
            secret_wipe(b, cap + 1);
        free(b);
        if (rd_errno == ENOMEM)
            return SW_ENOMEM;
        if (rd_errno == EFBIG)
            return api->config_error(cfg, w->key, "a file whose first line is %s, at most %d bytes", w->what,
                                     SECRET_MAX);
        return api->config_error(cfg, w->key, "%s (%s)", w->readable, strerror(rd_errno));
    }
    while (n > 0 && (b[n - 1] == '\r' || b[n - 1] == ' ' || b[n - 1] == '\t'))
        b[--n] = '\0';
    int bad = n == 0;
    for (ssize_t i = 0; i < n && !bad; i++)
        bad = (unsigned char)b[i] < 0x20 || b[i] == 0x7f;
    if (bad) {
        secret_wipe(b, cap + 1);
        free(b);
        return api->config_error(cfg, w->key,
                                 n == 0 ? "a file whose first line is %s (it is empty)"
                                        : "a file whose first line is %s, without control characters",
                                 w->what);
    }
    *out = b;
    return 0;
}

int secret_fill(const char *s, const char *secret, char **out, int *used)
{
    static const char mark[] = "{secret}";
    size_t n = 0, extra = secret ? strlen(secret) : 0;
    for (const char *p = strstr(s, mark); p; p = strstr(p + 1, mark))
        n++;
    *used += (int)n;
    char *o = malloc(strlen(s) + n * extra + 1), *d = o;
    if (!o)
        return SW_ENOMEM;
    for (const char *p = s, *q; *p; p = q + sizeof mark - 1) {
        q = strstr(p, mark);
        size_t k = q ? (size_t)(q - p) : strlen(p);
        memcpy(d, p, k);
        d += k;
        if (!q)
            break;
        if (extra)
            memcpy(d, secret, extra);
        d += extra;
    }
    *d = '\0';
    *out = o;
    return 0;
}
