/* SPDX-License-Identifier: MIT
 * Putting files in place: each written whole under a temporary name made
 * by mkstemp in the same folder, then renamed over the old one, so a web
 * server or a browser never reads half a page. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fs.h"
#include "html.h"

int html_mkdirs(const char *dir, const char *sub)
{
    struct buf p = {0};
    buf_printf(&p, "%s/%s", dir, sub);
    char *failed = NULL;
    int rc = p.failed ? SW_ENOMEM : 0;
    if (!rc && fs_mkdirs(p.s, -1, &failed) != 0) {
        sw_api->log(SW_LOG_ERROR, "html: cannot create folder %s: %s", failed ? failed : p.s,
                    strerror(errno));
        rc = SW_EIO;
    }
    free(failed);
    buf_free(&p);
    return rc;
}

/* Whether PATH already holds exactly B. */
static int html_same(const char *path, const struct buf *b)
{
    struct stat st;
    if (stat(path, &st) != 0 || (size_t)st.st_size != b->len)
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char chunk[4096];
    size_t off = 0, n;
    int same = 1;
    while (same && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        same = off + n <= b->len && memcmp(chunk, b->s + off, n) == 0;
        off += n;
    }
    fclose(f);
    return same && off == b->len;
}

int html_write_file(const struct html_inst *h, const char *rel, const struct buf *b, int if_changed,
                    char *why, size_t whylen)
{
    if (why && whylen)
        *why = '\0';
    if (b->failed) {
        if (why)
            snprintf(why, whylen, "cannot make %s: out of memory", rel);
        return SW_ENOMEM;
    }
    struct buf path = {0}, tmp = {0};
    buf_printf(&path, "%s/%s", h->dir, rel);
    const char *slash = path.s ? strrchr(path.s, '/') : NULL;
    if (slash)
        buf_put(&tmp, path.s, (size_t)(slash - path.s) + 1);
    buf_puts(&tmp, ".sitewatch.XXXXXX");
    if (path.failed || tmp.failed || (if_changed && html_same(path.s, b))) {
        int rc = path.failed || tmp.failed ? SW_ENOMEM : 0;
        if (rc && why)
            snprintf(why, whylen, "cannot write %s: out of memory", rel);
        buf_free(&path);
        buf_free(&tmp);
        return rc;
    }
    int rc = 0, err = 0;
    const char *step = "create a temporary file for";
    int fd = mkstemp(tmp.s);
    if (fd < 0) {
        err = errno;
        rc = SW_EIO;
    } else {
        if (fs_write_all(fd, b->s, b->len) != 0) {
            err = errno;
            step = "write";
            rc = SW_EIO;
        }
        /* mkstemp makes 0600; the pages are for a web server to read. */
        if (!rc && fchmod(fd, (mode_t)h->mode) != 0) {
            err = errno;
            step = "set the mode of";
            rc = SW_EIO;
        }
        if (close(fd) != 0 && !rc) {
            err = errno;
            step = "write";
            rc = SW_EIO;
        }
        if (!rc && rename(tmp.s, path.s) != 0) {
            err = errno;
            step = "put in place";
            rc = SW_EIO;
        }
        if (rc)
            unlink(tmp.s);
    }
    /* The caller logs it: a render with many failures logs the first few. */
    if (rc && why)
        snprintf(why, whylen, "cannot %s %s: %s", step, rel, strerror(err)); /* public: no folder */
    buf_free(&path);
    buf_free(&tmp);
    return rc;
}

/* A file name for a site name: letters, digits, '-', '_' and inner '.'
 * stay; every other byte becomes ~XX, so names never collide, never climb
 * out of the folder ("..") and need no escaping in a link. */
char *html_slug(const char *name)
{
    struct buf b = {0};
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                   *p == '-' || *p == '_' || (*p == '.' && p != (const unsigned char *)name);
        if (keep)
            buf_put(&b, (const char *)p, 1);
        else
            buf_printf(&b, "~%02X", *p);
    }
    if (!b.len)
        buf_puts(&b, "~");
    if (b.failed) {
        buf_free(&b);
        return NULL;
    }
    return b.s;
}

#define HTML_LOGGED_FAILURES 10 /* a folder that cannot be written would fail every page */

void html_write_failed(const struct html_inst *h, int *nfailed, const char *why)
{
    int n = __atomic_add_fetch(nfailed, 1, __ATOMIC_RELAXED);
    if (n <= HTML_LOGGED_FAILURES)
        sw_api->log(SW_LOG_ERROR, "html: %s (in %s)", why, h->dir);
    else if (n == HTML_LOGGED_FAILURES + 1)
        sw_api->log(SW_LOG_ERROR,
                    "html: more files cannot be written; this render's count follows at its end");
}
