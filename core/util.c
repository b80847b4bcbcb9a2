/* SPDX-License-Identifier: MIT */
#include "util.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "utf8.h"

static void util_oom(void)
{
    fputs("sitewatch: out of memory\n", stderr);
    abort();
}

void *sw_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        util_oom();
    return p;
}

void *sw_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        util_oom();
    return p;
}

void *sw_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        util_oom();
    return p;
}

char *sw_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(sw_xmalloc(n), s, n);
}

char *sw_xasprintf(const char *fmt, ...)
{
    struct buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return sw_text_take(&b);
}

const char *sw_text(const struct buf *b)
{
    if (b->failed)
        util_oom();
    return b->s ? b->s : "";
}

char *sw_text_take(struct buf *b)
{
    const char *text = sw_text(b);
    /* Exactly as long as the text: a result keeps its reason for minutes. */
    char *s = b->s ? sw_xrealloc(b->s, b->len + 1) : sw_xstrdup(text);
    *b = (struct buf){0};
    return s;
}

/* The valid N-byte sequence at P is a control character beyond C0 that a
 * terminal or a page acts on: C1 (U+0080-U+009F, ESC's 8-bit twins such
 * as CSI), the bidi embeddings, overrides and isolates (U+202A-U+202E,
 * U+2066-U+2069: text shown in another order than stored) or the line and
 * paragraph separators (U+2028, U+2029: a new line in one-line text). */
static int util_is_format_control(const unsigned char *p, int n)
{
    if (n == 2)
        return p[0] == 0xc2 && p[1] <= 0x9f;
    if (n != 3 || p[0] != 0xe2)
        return 0;
    return (p[1] == 0x80 && p[2] >= 0xa8 && p[2] <= 0xae) || (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9);
}

char *sw_text_clean(const char *s, int one_line)
{
    struct buf b = {0};
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    /* Most text is printable ASCII: then an exact copy, since results keep
     * their reasons and info for minutes (a 64-byte buffer each was MBs). */
    size_t plain = 0;
    while (p[plain] >= 0x20 && p[plain] < 0x7f)
        plain++;
    if (!p[plain])
        return sw_xstrdup((const char *)p);
    while (*p) {
        const unsigned char *ascii = p; /* printable ASCII: as it is, in one piece */
        while (*ascii >= 0x20 && *ascii < 0x7f)
            ascii++;
        if (ascii > p) {
            buf_put(&b, (const char *)p, (size_t)(ascii - p));
            p = ascii;
            continue;
        }
        int n = sw_utf8_len(p);
        if (n && *p >= 0x20 && *p != 0x7f && !util_is_format_control(p, n)) {
            buf_put(&b, (const char *)p, (size_t)n);
            p += n;
            continue;
        }
        if (n && one_line)
            buf_put(&b, " ", 1);
        else if (n && (*p == '\n' || *p == '\t'))
            buf_put(&b, (const char *)p, 1);
        else
            buf_puts(&b, "\xef\xbf\xbd"); /* U+FFFD */
        p += n ? n : 1;                   /* a control character whole; a bad byte alone */
    }
    return sw_text_take(&b);
}

/* The length of the userinfo of the URL whose authority starts at U (just
 * after "://"), 0 when it has none; *USER gets the length of its user part
 * (up to the first ':').  The authority runs to the first '/', '?' or '#',
 * as libcurl reads it, or to the end of the URL in the text (a space or a
 * control character).  Where libcurl parses it, its split is the one used:
 * what it would send as user and password.  Where it does not (an '@' in
 * the password, a quote after the host), everything before the last '@' of
 * the authority counts as userinfo: more hidden, never less. */
static size_t redact_userinfo(const char *u, size_t *user)
{
    size_t auth = 0;
    while (u[auth] && (unsigned char)u[auth] > 0x20 && u[auth] != 0x7f && !strchr("/?#", u[auth]))
        auth++;
    const char *at = memrchr(u, '@', auth);
    if (!at)
        return 0;
    size_t len = (size_t)(at - u);
    const char *colon = memchr(u, ':', len);
    *user = colon ? (size_t)(colon - u) : len;
    /* The scheme does not change where libcurl splits the authority; one
     * it has no protocol for keeps it from reading options (";AUTH=")
     * apart from the user. */
    char *url = sw_xasprintf("sitewatch-redact://%.*s/", (int)auth, u);
    CURLU *h = curl_url();
    char *cu = NULL, *cp = NULL;
    if (h && curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_USER, &cu, 0) == CURLUE_OK) {
        curl_url_get(h, CURLUPART_PASSWORD, &cp, 0);
        size_t n = strlen(cu) + (cp ? 1 + strlen(cp) : 0);
        if (n <= auth && u[n] == '@' && strncmp(u, cu, strlen(cu)) == 0) {
            len = n;
            *user = cp ? strlen(cu) : n;
        }
    }
    curl_free(cu);
    curl_free(cp);
    curl_url_cleanup(h);
    free(url);
    return len;
}

char *sw_redact(const char *s)
{
    struct buf b = {0};
    s = s ? s : "";
    while (*s) {
        /* scheme://user:password@host: the password becomes ***, a bare
         * user (a token) too. */
        if (s[0] == ':' && s[1] == '/' && s[2] == '/') {
            const char *u = s + 3;
            size_t user = 0, len = redact_userinfo(u, &user);
            if (len) {
                buf_put(&b, s, 3);
                if (user < len) {
                    buf_put(&b, u, user);
                    buf_puts(&b, ":***");
                } else {
                    buf_puts(&b, "***");
                }
                s = u + len;
                continue;
            }
        }
        if (strncasecmp(s, "authorization:", 14) == 0) {
            buf_put(&b, s, 14);
            s += 14;
            while (*s == ' ')
                buf_put(&b, s++, 1);
            buf_puts(&b, "***");
            s += strcspn(s, "\"';,\n");
            continue;
        }
        /* Up to the next byte that can start either: in one piece. */
        size_t run = 1 + strcspn(s + 1, ":aA");
        buf_put(&b, s, run);
        s += run;
    }
    return sw_text_take(&b);
}

unsigned sw_umask(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned mask = 0;
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f))
        found = sscanf(line, "Umask: %o", &mask) == 1;
    if (f)
        fclose(f);
    if (!found) {
        mask = (unsigned)umask(022);
        umask((mode_t)mask);
    }
    return mask;
}

char *sw_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

int sw_split_list(const char *s, char ***out)
{
    char *copy = sw_xstrdup(s ? s : "");
    int n = 0;
    char **v = sw_xcalloc(1, sizeof *v);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = sw_trim(tok);
        if (!*tok)
            continue;
        v = sw_xrealloc(v, sizeof *v * (size_t)(n + 2));
        v[n++] = sw_xstrdup(tok);
        v[n] = NULL;
    }
    free(copy);
    *out = v;
    return n;
}

void sw_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

char *sw_fmt_time(int64_t us, char *buf, size_t n)
{
    time_t secs = (time_t)(us / SW_S);
    long frac = (long)(us % SW_S);
    if (frac < 0) {
        frac += SW_S;
        secs--;
    }
    struct tm tm;
    gmtime_r(&secs, &tm);
    char date[24];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s.%06ldZ", date, frac);
    return buf;
}

uint64_t sw_hash(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = a; p && *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ 0xffu) * 1099511628211ull; /* separator: ("ab","c") != ("a","bc") */
    for (const char *p = b; p && *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}
