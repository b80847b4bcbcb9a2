/* SPDX-License-Identifier: MIT */
#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int sw_pidfile_take(const char *path, int *fd, char **why)
{
    /* O_NOFOLLOW: the file is truncated below, and a symlink planted in its
     * place would have us truncate whatever it points at. */
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (f < 0) {
        *why = errno == ELOOP ? sw_xasprintf("the pid file %s is a symbolic link: refused (give the path of "
                                             "a regular file, or remove the link)",
                                             path)
                              : sw_xasprintf("cannot open the pid file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
        *why = sw_xasprintf("the pid file %s is not a regular file: refused", path);
        close(f);
        return -1;
    }
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        char buf[32] = "";
        ssize_t n = pread(f, buf, sizeof buf - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        *why = sw_xasprintf("another sitewatch (pid %s) is running with the pid file %s", *buf ? buf : "?",
                            path);
        close(f);
        return -1;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(f, 0) != 0 || pwrite(f, pid, (size_t)len, 0) != len) {
        *why = sw_xasprintf("cannot write the pid file %s: %s", path, strerror(errno));
        close(f);
        return -1;
    }
    *fd = f;
    return 0;
}

void sw_pidfile_drop(const char *path, int fd)
{
    if (fd < 0)
        return;
    unlink(path); /* while still holding the lock: nobody took it over */
    close(fd);
}
