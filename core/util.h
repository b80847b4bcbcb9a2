/* SPDX-License-Identifier: MIT
 * Small helpers shared by the core: allocation that aborts on OOM, the
 * core's end of the text library (lib/buf.h), list splitting and time
 * formatting. */
#ifndef SW_UTIL_H
#define SW_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "sitewatch/plugin.h"

void *sw_xmalloc(size_t n);
void *sw_xcalloc(size_t n, size_t size);
void *sw_xrealloc(void *p, size_t n);
char *sw_xstrdup(const char *s);
char *sw_xasprintf(const char *fmt, ...) SW_PRINTF(1, 2);

/* Text is built in a struct buf (lib/buf.h, shared with the plugins),
 * whose allocation failure is sticky.  In the core out of memory is fatal,
 * as for sw_xmalloc: it is checked where a text is finished.  sw_text is
 * B's text ("" if nothing was written) and aborts if B ran out of memory;
 * sw_text_take the same as a string of the caller's (free it), B left
 * empty. */
const char *sw_text(const struct buf *b);
char *sw_text_take(struct buf *b);
/* S made safe to store and show: invalid UTF-8 becomes U+FFFD; control
 * characters (C0, DEL, C1, the bidi overrides and isolates U+202A-U+202E
 * and U+2066-U+2069, U+2028 and U+2029) become a space (ONE_LINE) or
 * U+FFFD (tab and newline kept). */
char *sw_text_clean(const char *s, int one_line);
/* S with secrets replaced by ***: the password of a URL's user:password@
 * (a bare user@ too, as tokens are passed that way) and the value after
 * "Authorization:".  A new string. */
char *sw_redact(const char *s);
/* The process's umask, read without changing it (/proc/self/status); only
 * where that is missing is it set and put back, which races with threads
 * creating files. */
unsigned sw_umask(void);

/* Split a comma-separated list into trimmed, non-empty items.  Returns the
 * count; *out is a NULL-terminated array the caller frees with sw_strv_free. */
int sw_split_list(const char *s, char ***out);
void sw_strv_free(char **v);
char *sw_trim(char *s);

/* UTC ISO-8601 with microseconds: 2026-11-21T07:00:00.004211Z (buf >= 32). */
char *sw_fmt_time(int64_t us, char *buf, size_t n);
/* 64-bit FNV-1a, used to spread first runs deterministically. */
uint64_t sw_hash(const char *a, const char *b);

#endif
