/* SPDX-License-Identifier: MIT */
#include "confedit.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "loader.h"
#include "output.h"
#include "util.h"

char *sw_edit_read(const char *path)
{
    /* Without blocking on a FIFO, and only a regular file (as the reader). */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
        errno = EINVAL;
    }
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    struct buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_put(&b, chunk, n);
    fclose(f);
    return sw_text_take(&b);
}

/* One line of TEXT: [*s, *e) without its newline; *next the next line. */
struct edit_line {
    const char *s, *e, *next;
};

static int edit_next(const char **p, struct edit_line *l)
{
    if (!**p)
        return 0;
    l->s = *p;
    const char *nl = strchr(*p, '\n');
    l->e = nl ? nl : *p + strlen(*p);
    l->next = nl ? nl + 1 : l->e;
    *p = l->next;
    return 1;
}

/* The first non-blank of L, or its end. */
static const char *edit_skip(const struct edit_line *l)
{
    const char *t = l->s;
    while (t < l->e && isspace((unsigned char)*t))
        t++;
    return t;
}

/* Whether L is a section header, and whether it is [KIND NAME]. */
static int edit_header(const struct edit_line *l, const char *kind, const char *name, int *match)
{
    const char *t = edit_skip(l);
    *match = 0;
    if (t == l->e || *t != '[')
        return 0;
    const char *close = memchr(t, ']', (size_t)(l->e - t));
    if (!close)
        return 1;
    char head[512];
    size_t n = (size_t)(close - t - 1);
    if (n >= sizeof head)
        return 1;
    memcpy(head, t + 1, n);
    head[n] = '\0';
    char k[64], nm[448];
    if (sscanf(head, " %63s %447s", k, nm) == 2 && strcmp(k, kind) == 0 && strcmp(nm, name) == 0)
        *match = 1;
    return 1;
}

/* Where the key of L ends: the first '=' or ':', as the reader (inih)
 * takes it; NULL when there is neither. */
static const char *edit_separator(const struct edit_line *l, const char *t)
{
    for (const char *c = t; c < l->e; c++)
        if (*c == '=' || *c == ':')
            return c;
    return NULL;
}

/* Whether L continues the value of the key above it: the reader takes an
 * indented line after a key line as one more value of that key. */
static int edit_continues(const struct edit_line *l)
{
    const char *t = edit_skip(l);
    return t > l->s && t < l->e && *t != ';' && *t != '#' && *t != '[';
}

/* The key of a "key = value" (or "key: value") line, into KEY; 0 when L is
 * not one. */
static int edit_key(const struct edit_line *l, char *key, size_t n)
{
    const char *t = edit_skip(l);
    if (t == l->e || *t == ';' || *t == '#' || *t == '[')
        return 0;
    const char *eq = edit_separator(l, t);
    if (!eq)
        return 0;
    const char *ke = eq;
    while (ke > t && isspace((unsigned char)ke[-1]))
        ke--;
    size_t len = (size_t)(ke - t);
    if (len >= n)
        return 0;
    memcpy(key, t, len);
    key[len] = '\0';
    return 1;
}

const char *sw_edit_value_problem(const char *value)
{
    size_t n = strlen(value);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)value[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return "it holds a line break or a control character, which a line of the file cannot";
        if (c == ';' && i && isspace((unsigned char)value[i - 1]))
            return "it holds ';' after a space, which the file would read as the start of a comment";
    }
    if (n && (isspace((unsigned char)value[0]) || isspace((unsigned char)value[n - 1])))
        return "it begins or ends with a space, which the file would drop";
    return NULL;
}

char *sw_edit_set_key(const char *text, const char *kind, const char *name, const char *key,
                      const char *value)
{
    const char *p = text, *header_end = NULL, *last = NULL, *last_end = NULL;
    struct edit_line l, target = {0};
    int in = 0, match, after_key = 0, in_target = 0;
    while (edit_next(&p, &l)) {
        if (edit_header(&l, kind, name, &match)) {
            in = match;
            after_key = in_target = 0;
            if (match)
                header_end = l.next;
            continue;
        }
        char k[128];
        if (in && after_key && edit_continues(&l)) {
            header_end = l.next; /* never between a key and its continuation */
            if (in_target)
                last_end = l.next; /* replaced with the key's line */
        } else if (in && edit_key(&l, k, sizeof k)) {
            header_end = l.next; /* a new key goes after the section's last one */
            after_key = 1;
            in_target = strcmp(k, key) == 0;
            if (in_target) {
                target = l;
                last = l.s;
                last_end = NULL;
            }
        } else if (edit_skip(&l) < l.e && *edit_skip(&l) != ';' && *edit_skip(&l) != '#') {
            in_target = 0; /* a line the reader refuses; not part of the key */
        }
    }
    if (!header_end)
        return NULL;
    struct buf b = {0};
    if (last) {
        /* Keep "  key = " as written and an inline comment after the value;
         * the key's continuation lines, more values of it, go. */
        const char *eq = edit_separator(&target, target.s);
        const char *v = eq + 1;
        while (v < target.e && (*v == ' ' || *v == '\t'))
            v++;
        const char *comment = NULL;
        for (const char *c = v; c < target.e; c++)
            if (*c == ';' && c > v && isspace((unsigned char)c[-1])) {
                comment = c;
                break;
            }
        const char *ve = comment ? comment : target.e;
        while (ve > v && isspace((unsigned char)ve[-1]))
            ve--;
        size_t pad = comment ? (size_t)(comment - ve) : 0;
        buf_put(&b, text, (size_t)(v - text));
        buf_puts(&b, value);
        if (comment) {
            /* keep the comment's column when the new value fits */
            size_t old = (size_t)(ve - v), now = strlen(value);
            size_t spaces = old + pad > now ? old + pad - now : 1;
            for (size_t i = 0; i < spaces; i++)
                buf_put(&b, " ", 1);
            buf_put(&b, comment, (size_t)(target.e - comment));
        }
        if (last_end) {
            buf_puts(&b, "\n");
            buf_puts(&b, last_end);
        } else {
            buf_puts(&b, target.e);
        }
    } else {
        buf_put(&b, text, (size_t)(header_end - text));
        if (header_end == text + strlen(text) && header_end > text && header_end[-1] != '\n')
            buf_puts(&b, "\n");
        buf_printf(&b, "%s = %s\n", key, value);
        buf_puts(&b, header_end);
    }
    return sw_text_take(&b);
}

char *sw_edit_drop_section(const char *text, const char *kind, const char *name)
{
    const char *p = text, *from = NULL, *to = NULL, *comments = NULL;
    struct edit_line l;
    int match;
    while (edit_next(&p, &l)) {
        const char *t = edit_skip(&l);
        int is_comment = t < l.e && (*t == ';' || *t == '#');
        if (edit_header(&l, kind, name, &match)) {
            if (from && !to) /* the next section keeps the comments above it */
                to = comments ? comments : l.s;
            if (match && !from)
                from = comments ? comments : l.s;
        }
        /* comment lines directly above a header belong to it */
        if (is_comment && !comments)
            comments = l.s;
        else if (!is_comment)
            comments = NULL;
    }
    if (!from)
        return NULL;
    if (!to)
        to = text + strlen(text);
    struct buf b = {0};
    buf_put(&b, text, (size_t)(from - text));
    buf_puts(&b, to);
    return sw_text_take(&b);
}

int sw_edit_has_sections(const char *text)
{
    const char *p = text;
    struct edit_line l;
    int match;
    while (edit_next(&p, &l))
        if (edit_header(&l, "", "", &match))
            return 1;
    return 0;
}

char *sw_edit_check(const char *dir, const char *name, const char *text)
{
    struct sw_conf *c = sw_conf_load_with(dir, name, text);
    int n = 0;
    struct sw_series **series = sw_series_bind(c, &n);
    struct sw_outputs *out = sw_outputs_open(c);
    char *errors = NULL;
    if (c->nerrors) {
        struct buf b = {0};
        for (int i = 0; i < c->nerrors; i++)
            buf_printf(&b, "%s\n", c->errors[i]);
        errors = sw_text_take(&b);
    }
    sw_outputs_free(out);
    sw_series_list_free(series);
    sw_conf_free(c);
    return errors;
}

int sw_edit_apply(const char *dir, const char *name, const char *text, char **why)
{
    char *path = sw_xasprintf("%s/%s", dir, name);
    int rc = 0;
    struct stat lst;
    if (text && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        /* A linked file is edited where it lives: a rename over the link
         * would leave a copy here and the real file unchanged. */
        char *target = realpath(path, NULL);
        if (!target) {
            *why = sw_xasprintf("cannot follow the symbolic link %s: %s", path, strerror(errno));
            free(path);
            return -1;
        }
        free(path);
        path = target;
    }
    if (!text) {
        if (unlink(path) != 0) {
            *why = sw_xasprintf("cannot remove %s: %s", path, strerror(errno));
            rc = -1;
        }
        free(path);
        return rc;
    }
    /* A dot-name beside the file: the folder's reader skips it until the
     * rename, which stays within one file system. */
    const char *slash = strrchr(path, '/');
    char *tmp = sw_xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
    int fd = mkstemp(tmp);
    struct stat st;
    /* An edited file keeps its mode; a new one gets 0644 less the umask. */
    mode_t mask = umask(022);
    umask(mask);
    mode_t mode = stat(path, &st) == 0 ? st.st_mode & 07777 : 0644 & ~mask;
    size_t len = strlen(text);
    int ok = fd >= 0;
    ok = ok && write(fd, text, len) == (ssize_t)len && fchmod(fd, mode) == 0 && fsync(fd) == 0;
    int saved = errno;
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        saved = errno;
    }
    if (!ok) {
        *why = sw_xasprintf("cannot write %s: %s", path, strerror(saved));
        if (fd >= 0)
            unlink(tmp);
        rc = -1;
    }
    free(tmp);
    free(path);
    return rc;
}
