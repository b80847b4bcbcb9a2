/* SPDX-License-Identifier: MIT
 * `run --pid-file PATH`: the daemon's pid in PATH, held with an advisory
 * lock for its life, so a second daemon given the same file says who runs
 * instead of starting, and a stale file (its daemon died) is taken over. */
#ifndef SW_PIDFILE_H
#define SW_PIDFILE_H

/* Take PATH: 0 and *FD to keep open, or -1 with a message in *WHY. */
int sw_pidfile_take(const char *path, int *fd, char **why);
/* Remove PATH and let go of it. */
void sw_pidfile_drop(const char *path, int fd);

#endif
