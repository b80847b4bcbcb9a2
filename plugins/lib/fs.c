/* SPDX-License-Identifier: MIT */
#include "fs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_mkdirs(const char *path, int len, char **failed)
{
    size_t n = len < 0 ? strlen(path) : (size_t)len;
    char *d = malloc(n + 1);
    if (!d)
        return -1;
    memcpy(d, path, n);
    d[n] = '\0';
    for (char *p = d + 1;; p++) {
        if (*p && *p != '/')
            continue;
        char was = *p;
        *p = '\0';
        if (mkdir(d, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            if (failed)
                *failed = d;
            else
                free(d);
            errno = e;
            return -1;
        }
        *p = was;
        if (!was)
            break;
    }
    free(d);
    return 0;
}

int fs_write_all(int fd, const char *s, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, s + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        if (w == 0) {
            errno = EIO;
            return -1;
        }
        off += (size_t)w;
    }
    return 0;
}
