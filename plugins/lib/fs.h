/* SPDX-License-Identifier: MIT
 * Folders for plugins that write files (storage and output). */
#ifndef SW_COMMON_FS_H
#define SW_COMMON_FS_H

#include <stddef.h>

/* mkdir -p the first LEN bytes of PATH (all of it when LEN < 0), 0777 less
 * the umask.  0, or -1 with errno set; then, when FAILED is given, *FAILED
 * is the folder that could not be made, for the message (caller frees). */
int fs_mkdirs(const char *path, int len, char **failed);
/* Write all N bytes of S to FD (short writes and EINTR retried); 0 or -1
 * with errno set. */
int fs_write_all(int fd, const char *s, size_t n);

#endif
