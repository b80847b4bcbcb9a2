/* SPDX-License-Identifier: MIT
 * The one growable text buffer of the core and the plugins (the swtext
 * library, core/meson.build): always NUL-terminated once written to, and an
 * allocation failure is sticky (->failed) instead of fatal, so its user
 * checks once, where the text is finished: a plugin reports SW_ENOMEM, the
 * core stops (sw_text, core/util.h).  With the escapers every text that
 * came from config or from a server goes out as JSON, HTML/XML or CSV that
 * cannot break the document around it.  Zero-initialise to start. */
#ifndef SW_COMMON_BUF_H
#define SW_COMMON_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include <sitewatch/plugin.h>

struct buf {
    char *s;
    size_t len, cap;
    int failed;
};

void buf_put(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) SW_PRINTF(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* V with one decimal ("12.3", "-0.5"), fast: for SVG coordinates. */
void buf_fixed1(struct buf *b, double v);
/* S as a JSON string literal, quotes included (NULL: null). */
void buf_json_str(struct buf *b, const char *s);
/* A JSON number; NaN and infinities become null. */
void buf_json_num(struct buf *b, double v);
/* S with & < > " ' replaced by entities: safe in HTML and XML text and in
 * quoted attributes.  Bytes that are not valid UTF-8, and control characters
 * other than tab and newline, become U+FFFD so the document stays valid. */
void buf_html(struct buf *b, const char *s);
/* S as one RFC 4180 field: quoted (quotes doubled) when it holds a comma, a
 * quote, CR or LF, or starts/ends with a space. */
void buf_csv(struct buf *b, const char *s);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
