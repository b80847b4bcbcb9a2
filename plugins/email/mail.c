/* SPDX-License-Identifier: MIT
 *
 * RFC 5322 messages for the email plugin (mail.h): headers folded below
 * 78 characters where there is a space to fold at, RFC 2047 encoded words
 * for text that is not ASCII, a quoted-printable body, so that no line
 * reaches the 998 bytes SMTP allows, whatever the core wrote.
 */
#include "mail.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sitewatch/plugin.h>

/* ---- addresses ---- */

static char *mail_trimmed(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return strndup(s, n);
}

/* local@domain: printable ASCII but for space, quotes, brackets and
 * commas (no quoted local parts: nobody alerts one), one @, text on both
 * sides.  The address goes on the envelope and into headers as it is. */
static int mail_addr_ok(const char *a)
{
    const char *at = strchr(a, '@');
    if (!at || at == a || !at[1] || strchr(at + 1, '@'))
        return 0;
    for (const unsigned char *p = (const unsigned char *)a; *p; p++)
        if (*p <= ' ' || *p >= 0x7f || strchr("<>()[]\\,;:\"", *p))
            return 0;
    return 1;
}

int mail_addr_parse(const char *s, struct mail_addr *out)
{
    *out = (struct mail_addr){0};
    if (strpbrk(s, "\r\n"))
        return SW_EINVAL;
    const char *lt = strchr(s, '<');
    if (lt) {
        const char *gt = strchr(lt, '>');
        if (!gt || gt[1 + strspn(gt + 1, " \t")] || strchr(lt + 1, '<'))
            return SW_EINVAL;
        out->addr = mail_trimmed(lt + 1, (size_t)(gt - lt - 1));
        out->name = mail_trimmed(s, (size_t)(lt - s));
        if (!out->addr || !out->name) {
            mail_addr_free(out);
            return SW_ENOMEM;
        }
        size_t n = strlen(out->name);
        if (n >= 2 && out->name[0] == '"' && out->name[n - 1] == '"') { /* "Ops team" <ops@...> */
            memmove(out->name, out->name + 1, n - 2);
            out->name[n - 2] = '\0';
        }
        if (!*out->name) {
            free(out->name);
            out->name = NULL;
        }
    } else {
        out->addr = mail_trimmed(s, strlen(s));
        if (!out->addr)
            return SW_ENOMEM;
    }
    if (!mail_addr_ok(out->addr) || (out->name && strchr(out->name, '>'))) {
        mail_addr_free(out);
        return SW_EINVAL;
    }
    return 0;
}

void mail_addr_free(struct mail_addr *a)
{
    free(a->name);
    free(a->addr);
    *a = (struct mail_addr){0};
}

const char *mail_addr_domain(const struct mail_addr *a)
{
    return strchr(a->addr, '@') + 1;
}

/* ---- header words ---- */

static int mail_is_plain(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < ' ' || *p >= 0x7f)
            return 0;
    return 1;
}

/* Header text as RFC 2047 "B" words of UTF-8, each at most 75
 * characters, never splitting a character, separated by FOLD. */
static void mail_encoded_words(struct buf *b, const char *s, const char *fold)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    /* "=?UTF-8?B?" + 52 base64 characters + "?=" is 64, so that the first
     * line, "Subject: " and a word, stays under 76: 39 bytes a word. */
    enum { WORD_BYTES = 39 };
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    int first = 1;
    while (n) {
        size_t take = n < WORD_BYTES ? n : WORD_BYTES;
        while (take < n && (p[take] & 0xc0) == 0x80 && take > 1) /* not inside a character */
            take--;
        if (!first)
            buf_puts(b, fold);
        first = 0;
        buf_puts(b, "=?UTF-8?B?");
        for (size_t i = 0; i < take; i += 3) {
            unsigned v = (unsigned)p[i] << 16 | (i + 1 < take ? (unsigned)p[i + 1] << 8 : 0) |
                         (i + 2 < take ? p[i + 2] : 0);
            char q[4] = {b64[v >> 18 & 63], b64[v >> 12 & 63], i + 1 < take ? b64[v >> 6 & 63] : '=',
                         i + 2 < take ? b64[v & 63] : '='};
            buf_put(b, q, 4);
        }
        buf_puts(b, "?=");
        p += take;
        n -= take;
    }
}

/* One unstructured header ("Subject: text"): ASCII folded at spaces so
 * that lines stay under 78 where they can; anything else, or a word that
 * would make a line too long for SMTP, as encoded words. */
static void mail_header_text(struct buf *b, const char *name, const char *s)
{
    buf_printf(b, "%s: ", name);
    size_t col = strlen(name) + 2;
    int plain = mail_is_plain(s);
    for (const char *w = s; plain && *w;) {
        size_t len = strcspn(w + 1, " ") + 1;
        if (col + len > 900)
            plain = 0;
        w += len;
    }
    if (!plain) {
        mail_encoded_words(b, s, "\r\n ");
        buf_puts(b, "\r\n");
        return;
    }
    const char *w = s;
    while (*w) {
        /* A word with the space before it: folding puts CRLF before it. */
        size_t len = strcspn(w + 1, " ") + 1;
        if (col + len > 78 && w != s && *w == ' ') {
            buf_puts(b, "\r\n");
            col = 0;
        }
        buf_put(b, w, len);
        col += len;
        w += len;
    }
    buf_puts(b, "\r\n");
}

/* A display name: a quoted string when ASCII, else encoded words. */
static void mail_put_addr(struct buf *b, const struct mail_addr *a)
{
    if (a->name && mail_is_plain(a->name)) {
        buf_puts(b, "\"");
        for (const char *p = a->name; *p; p++) {
            if (*p == '"' || *p == '\\')
                buf_puts(b, "\\");
            buf_put(b, p, 1);
        }
        buf_puts(b, "\" ");
    } else if (a->name) {
        mail_encoded_words(b, a->name, " ");
        buf_puts(b, " ");
    }
    buf_printf(b, "<%s>", a->addr);
}

/* "Wed, 02 Dec 2026 01:22:52 +0000": English names whatever the locale. */
static void mail_date(struct buf *b, int64_t now)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(now / SW_S);
    struct tm tm;
    gmtime_r(&t, &tm);
    buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday,
               months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- the body ---- */

/* TEXT as quoted-printable (RFC 2045): lines of at most 76 characters,
 * "=" soft breaks, trailing blanks and a leading dot encoded. */
static void mail_qp(struct buf *b, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\n') {
            buf_puts(b, "\r\n");
            col = 0;
            continue;
        }
        if (*p == '\r' && p[1] == '\n')
            continue;
        int end = p[1] == '\n' || p[1] == '\0' || (p[1] == '\r' && p[2] == '\n');
        int literal = (*p > ' ' && *p < 0x7f && *p != '=' && !(*p == '.' && col == 0)) ||
                      ((*p == ' ' || *p == '\t') && !end);
        size_t need = literal ? 1 : 3;
        /* Room for this and a soft break ("=") within 76. */
        if (col + need > 75 && !(end && col + need <= 76)) {
            buf_puts(b, "=\r\n");
            col = 0;
            if (*p == '.')
                literal = 0, need = 3;
        }
        if (literal) {
            buf_put(b, (const char *)p, 1);
        } else {
            char e[3] = {'=', hex[*p >> 4], hex[*p & 15]};
            buf_put(b, e, 3);
        }
        col += need;
    }
    if (col)
        buf_puts(b, "\r\n");
}

void mail_compose(struct buf *b, const struct mail_parts *p)
{
    mail_date(b, p->now);
    buf_printf(b, "Message-ID: <%s@%s>\r\n", p->id, mail_addr_domain(p->from));
    buf_puts(b, "From: ");
    mail_put_addr(b, p->from);
    buf_puts(b, "\r\nTo: ");
    for (int i = 0; i < p->nto; i++) {
        if (i)
            buf_puts(b, ",\r\n ");
        mail_put_addr(b, &p->to[i]);
    }
    buf_puts(b, "\r\n");
    mail_header_text(b, "Subject", p->subject);
    buf_puts(b, "MIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n"
                "Auto-Submitted: auto-generated\r\n"
                "\r\n");
    mail_qp(b, p->text);
}
