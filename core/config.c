/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"
#include "kinds.h"
#include "units.h"
#include "util.h"
#include "utf8.h"

/* Keys of a [site] section the core itself reads; a plugin's view falls
 * back to them (so "timeout" or "url" apply to every check of the site). */
static const char *const cfg_site_keys[] = {"url", "checks", "store", "interval", "timeout", NULL};
static const char *const cfg_core_keys[] = {"plugin_dir",      "location",     "default_interval",
                                            "default_timeout", "min_interval", "max_in_flight",
                                            "recent",          "queue_size",   "keep_raw",
                                            "keep_rollups",    "health_file",  "read_from",
                                            "notify",          "alert_after",  "recover_after",
                                            "remind_every",    "alert_on",     "public_url",
                                            "state",           "notify_self",  NULL};

static int cfg_in_list(const char *const *list, const char *key)
{
    for (; list && *list; list++)
        if (strcmp(*list, key) == 0)
            return 1;
    return 0;
}

void sw_conf_error(struct sw_conf *c, const char *fmt, ...)
{
    struct buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    /* An error quotes the value it refuses, a URL's password too: it is
     * hidden here, once, for every place that prints errors. */
    char *msg = sw_redact(sw_text(&b));
    buf_free(&b);
    /* The core and a plugin may both refuse one value (a site's timeout):
     * one message per value is enough. */
    const char *cut = strstr(msg, ": expected ");
    for (int i = 0; cut && i < c->nerrors; i++) {
        if (strncmp(c->errors[i], msg, (size_t)(cut - msg)) == 0 &&
            strncmp(c->errors[i] + (cut - msg), ": expected ", 11) == 0) {
            free(msg);
            return;
        }
    }
    c->errors = sw_xrealloc(c->errors, sizeof *c->errors * (size_t)(c->nerrors + 1));
    c->errors[c->nerrors++] = msg;
}

const char *sw_section_label(const struct sw_section *sec, char *buf, size_t n)
{
    if (sec->name)
        snprintf(buf, n, "[%s %s]", sw_section_kind_name(sec->kind), sec->name);
    else
        snprintf(buf, n, "[%s]", sw_section_kind_name(sec->kind));
    return buf;
}

/* ---- the arena ----
 * Names, keys and values are read once and freed with the conf: they are
 * carved from 64 KB blocks.  10,000 sites have 50,000 of these strings,
 * and a malloc each cost as much again in headers and rounding. */
struct cfg_block {
    struct cfg_block *next;
    size_t used, size;
    char data[];
};

static char *cfg_alloc(struct sw_conf *c, size_t n)
{
    struct cfg_block *b = c->arena;
    if (!b || b->size - b->used < n) {
        size_t size = n > 65536 ? n : 65536;
        b = sw_xmalloc(sizeof *b + size);
        b->size = size;
        b->used = 0;
        b->next = c->arena;
        c->arena = b;
    }
    char *p = b->data + b->used;
    b->used += n;
    return p;
}

static char *cfg_strdup(struct sw_conf *c, const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(cfg_alloc(c, n), s, n);
}

/* ---- reading the files ---- */

struct cfg_parse {
    struct sw_conf *conf;
    FILE *f;
    const char *file;
    int line;
    struct sw_section *cur;
    int bad_header; /* the last header was refused: its keys are dropped quietly */
    int not_utf8;   /* said once per file */
    char why[64];
    char *lb; /* the line being read, whole */
    size_t lbsize;
    int has_key;            /* inih has had a key line, so it continues indented lines */
    const char *long_value; /* the value a placeholder stands for (see cfg_long_line) */
};

int sw_conf_valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
            return 0;
    return 1;
}

/* ---- finding a section by kind and name ----
 * A folder may hold 10,000 sites: every header checks for a duplicate and
 * every site x check looks up its [check NAME] defaults, so sections are
 * also kept in an open-addressing table (at most half full). */

static uint64_t cfg_index_hash(int kind, const char *name)
{
    char k[2] = {(char)('0' + kind), 0};
    return sw_hash(k, name ? name : "");
}

static int cfg_index_same(const struct sw_section *s, int kind, const char *name)
{
    return s->kind == kind && ((!name && !s->name) || (name && s->name && strcmp(name, s->name) == 0));
}

static void cfg_index_put(struct sw_section **v, size_t cap, struct sw_section *s)
{
    size_t i = cfg_index_hash(s->kind, s->name) & (cap - 1);
    while (v[i])
        i = (i + 1) & (cap - 1);
    v[i] = s;
}

static void cfg_index_add(struct sw_conf *c, struct sw_section *s)
{
    if ((size_t)c->nsecs * 2 > c->index_cap) {
        size_t cap = c->index_cap ? c->index_cap * 2 : 64;
        struct sw_section **v = sw_xcalloc(cap, sizeof *v);
        for (size_t i = 0; i < c->index_cap; i++)
            if (c->index[i])
                cfg_index_put(v, cap, c->index[i]);
        free(c->index);
        c->index = v;
        c->index_cap = cap;
    }
    cfg_index_put(c->index, c->index_cap, s);
}

static void cfg_section_header(struct cfg_parse *p, char *text)
{
    char *end = strchr(text, ']');
    p->cur = NULL; /* keys after a bad header are dropped, not misfiled */
    p->bad_header = 1;
    if (!end) {
        sw_conf_error(p->conf, "%s:%d: section header lacks ']': expected [site NAME], [core], ...", p->file,
                      p->line);
        return;
    }
    *end = '\0';
    char *inner = sw_trim(text + 1);
    char *name = inner + strcspn(inner, " \t");
    if (*name)
        *name++ = '\0';
    name = sw_trim(name);
    int kind = sw_section_kind_parse(inner);
    if (kind < 0) {
        sw_conf_error(p->conf,
                      "%s:%d: unknown section [%s%s%s]: expected [core], [site NAME], "
                      "[check NAME], [storage NAME], [output NAME], [notify NAME] or [maintenance NAME]",
                      p->file, p->line, inner, *name ? " " : "", name);
        return;
    }
    if ((kind == SW_SEC_CORE) != (*name == '\0')) {
        sw_conf_error(p->conf, "%s:%d: section [%s%s%s]: %s", p->file, p->line, inner, *name ? " " : "", name,
                      kind == SW_SEC_CORE ? "[core] takes no name" : "expected a name after the kind");
        return;
    }
    if (*name && !sw_conf_valid_name(name)) {
        sw_conf_error(p->conf,
                      "%s:%d: section [%s %s]: the name may hold only letters, digits, '.', '-' and '_'",
                      p->file, p->line, inner, name);
        return;
    }
    if (strlen(name) > SW_NAME_MAX) {
        sw_conf_error(p->conf,
                      "%s:%d: section [%s %.40s...]: the name is %zu characters long; the limit is %d",
                      p->file, p->line, inner, name, strlen(name), SW_NAME_MAX);
        return;
    }
    struct sw_section *old = sw_conf_section(p->conf, kind, *name ? name : NULL);
    if (old && kind != SW_SEC_CORE) {
        sw_conf_error(p->conf, "%s:%d: duplicate section [%s %s], first defined at %s:%d", p->file, p->line,
                      inner, name, old->file, old->line);
        return;
    }
    p->bad_header = 0;
    if (old) { /* [core] may be split over files; later keys win */
        p->cur = old;
        return;
    }
    struct sw_section *s = sw_xcalloc(1, sizeof *s);
    s->kind = kind;
    s->name = *name ? cfg_strdup(p->conf, name) : NULL;
    s->file = p->file;
    s->line = p->line;
    struct sw_conf *c = p->conf;
    if (c->nsecs == c->csecs) {
        c->csecs = c->csecs ? c->csecs * 2 : 16;
        c->secs = sw_xrealloc(c->secs, sizeof *c->secs * (size_t)c->csecs);
    }
    c->secs[c->nsecs++] = s;
    cfg_index_add(c, s);
    p->cur = s;
}

/* A line that is not text (a NUL byte, a control character, bytes that
 * are not UTF-8) is refused whole, with where and what; NULL if it is fine. */
static const char *cfg_line_problem(struct cfg_parse *p, const char *s, size_t n, size_t *col)
{
    for (size_t i = 0; i < n;) {
        const unsigned char *c = (const unsigned char *)s + i;
        *col = i + 1;
        if (*c == '\0')
            return "a NUL byte: this is not a text file";
        if ((*c < 0x20 && *c != '\t' && *c != '\n' && *c != '\r') || *c == 0x7f) {
            snprintf(p->why, sizeof p->why, "control character 0x%02x (not allowed in a value)", *c);
            return p->why;
        }
        int len = sw_utf8_len(c);
        if (!len || i + (size_t)len > n) {
            if (p->not_utf8++)
                return "";
            return "bytes that are not UTF-8: save the file as UTF-8";
        }
        i += (size_t)len;
    }
    return NULL;
}

/* Longest line taken: a bearer token, a long URL or a pattern fits. */
#define CFG_LINE_MAX 65536

/* inih's rules for where a value ends: at a ';' after a space (an inline
 * comment) or, with CHARS, at one of them. */
static char *cfg_find_end(char *s, const char *chars)
{
    int was_space = 0;
    while (*s && !(chars && strchr(chars, *s)) && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

static char *cfg_rstrip(char *s)
{
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* A line longer than inih's buffer (Debian builds it with 200 bytes on
 * the stack, so it refused a JWT in a header, or a long URL): split here
 * by inih's own rules, and inih is handed a short line with a placeholder
 * byte (0x01, a control character no line may hold) where the value was.
 * inih then does all else as for any line: which key an indented line
 * continues, and the call to cfg_handler, which puts the value back. */
static char *cfg_long_line(struct cfg_parse *p, char *line, char *str, int num)
{
    char *t = line;
    while (isspace((unsigned char)*t))
        t++;
    cfg_rstrip(t);
    if (*t == ';' || *t == '#' || !*t) {
        snprintf(str, (size_t)num, "\n");
    } else if (t > line && p->has_key) { /* inih continues the last key */
        *cfg_find_end(t, NULL) = '\0';
        p->long_value = cfg_rstrip(t);
        snprintf(str, (size_t)num, " \x01\n");
    } else {
        char *end = cfg_find_end(t, "=:");
        if (*end != '=' && *end != ':') {
            snprintf(str, (size_t)num, "?\n"); /* inih says it cannot parse the line */
            return str;
        }
        *end = '\0';
        char *key = cfg_rstrip(t), *value = end + 1;
        *cfg_find_end(value, NULL) = '\0';
        while (isspace((unsigned char)*value))
            value++;
        if (strlen(key) + 5 > (size_t)num) {
            sw_conf_error(p->conf,
                          "%s:%d: key is %zu characters long: expected a key such as url or interval",
                          p->file, p->line, strlen(key));
            snprintf(str, (size_t)num, "\n");
            return str;
        }
        p->long_value = cfg_rstrip(value);
        snprintf(str, (size_t)num, "%s=\x01\n", key);
    }
    return str;
}

/* inih's line reader, counting lines (Debian's inih has no
 * INI_HANDLER_LINENO), taking section headers itself so that a section
 * with no keys still exists and knows its line, and lines longer than
 * inih's buffer (cfg_long_line). */
static char *cfg_reader(char *str, int num, void *stream)
{
    struct cfg_parse *p = stream;
    p->long_value = NULL;
    /* fgets would stop quietly at a NUL byte: read byte by byte. */
    size_t n = 0, len = 0;
    int ch = EOF;
    while ((ch = getc_unlocked(p->f)) != EOF && ch != '\n') {
        len++;
        if (n > CFG_LINE_MAX)
            continue; /* only counted, for the message */
        if (n + 2 > p->lbsize) {
            p->lbsize = p->lbsize ? p->lbsize * 2 : 256;
            p->lb = sw_xrealloc(p->lb, p->lbsize);
        }
        p->lb[n++] = (char)ch;
    }
    if (len == 0 && ch == EOF)
        return NULL;
    p->line++;
    if (len > CFG_LINE_MAX) {
        sw_conf_error(p->conf, "%s:%d: line is %zu characters long; the limit is %d", p->file, p->line, len,
                      CFG_LINE_MAX);
        snprintf(str, (size_t)num, "\n");
        return str;
    }
    if (!p->lb) /* an empty line first */
        p->lb = sw_xcalloc(1, p->lbsize = 256);
    p->lb[n] = '\0';
    size_t col;
    const char *why = cfg_line_problem(p, p->lb, n, &col);
    if (why) {
        if (*why)
            sw_conf_error(p->conf, "%s:%d: column %zu: %s; the line is ignored", p->file, p->line, col, why);
        snprintf(str, (size_t)num, "\n");
        return str;
    }
    char *t = p->lb;
    while (isspace((unsigned char)*t))
        t++;
    if (*t == '[') {
        cfg_section_header(p, t);
        snprintf(str, (size_t)num, "\n"); /* inih need not see it */
        return str;
    }
    if (n + 2 > (size_t)num)
        return cfg_long_line(p, p->lb, str, num);
    memcpy(str, p->lb, n);
    str[n] = '\n';
    str[n + 1] = '\0';
    return str;
}

static int cfg_handler(void *user, const char *section, const char *key, const char *value)
{
    (void)section;
    struct cfg_parse *p = user;
    p->has_key = 1;
    if (value[0] == '\x01' && p->long_value) /* from cfg_long_line */
        value = p->long_value;
    if (!p->cur) {
        if (!p->bad_header)
            sw_conf_error(p->conf, "%s:%d: key '%s' outside any section: expected a [section] first", p->file,
                          p->line, key);
        return 1;
    }
    struct sw_section *s = p->cur;
    if (*key == '\0') {
        sw_conf_error(p->conf, "%s:%d: empty key: expected key = value", p->file, p->line);
        return 1;
    }
    /* Capacity 4, then doubled at each power of two past it. */
    if (s->nentries == 0 || (s->nentries >= 4 && (s->nentries & (s->nentries - 1)) == 0))
        s->entries =
            sw_xrealloc(s->entries, sizeof *s->entries * (size_t)(s->nentries ? 2 * s->nentries : 4));
    s->entries[s->nentries++] =
        (struct sw_entry){cfg_strdup(p->conf, key), cfg_strdup(p->conf, value), p->file, p->line};
    return 1;
}

static int cfg_is_ini(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".ini") == 0;
}

/* Open PATH for reading only if it is a regular file (a symlink to one is
 * fine).  O_NONBLOCK: a FIFO named x.ini must not hang the reader (and with
 * it a reload, SIGTERM and every command); a device such as /dev/zero would
 * never end.  -1 with *WHAT naming the kind of file, or with errno. */
static int cfg_open_regular(const char *path, const char **what)
{
    *what = NULL;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENXIO) /* what open() says of a socket */
            *what = "a socket";
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        *what = S_ISDIR(st.st_mode)    ? "a directory"
                : S_ISFIFO(st.st_mode) ? "a FIFO"
                : S_ISCHR(st.st_mode)  ? "a character device"
                : S_ISBLK(st.st_mode)  ? "a block device"
                : S_ISSOCK(st.st_mode) ? "a socket"
                                       : "not a file";
        close(fd);
        return -1;
    }
    /* Reads of a regular file never block; the flag only mattered for open. */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

/* Read PATH, or TEXT in its place when given (a change not yet written). */
static void cfg_read_file(struct sw_conf *c, const char *path, const char *text)
{
    c->files = sw_xrealloc(c->files, sizeof *c->files * (size_t)(c->nfiles + 1));
    char *file = c->files[c->nfiles++] = sw_xstrdup(path);
    struct cfg_parse p = {.conf = c, .file = file};
    if (text) {
        p.f = fmemopen((void *)text, strlen(text), "r");
    } else {
        const char *what = NULL;
        int fd = cfg_open_regular(path, &what);
        if (fd < 0) {
            if (what)
                sw_conf_error(c, "%s: %s, not a regular file: expected an INI text file; it is not read",
                              path, what);
            else
                sw_conf_error(c, "%s: cannot read: %s", path, strerror(errno));
            return;
        }
        p.f = fdopen(fd, "r");
        if (!p.f)
            close(fd);
    }
    if (!p.f) {
        sw_conf_error(c, "%s: cannot read: %s", path, strerror(errno));
        return;
    }
    int rc = ini_parse_stream(cfg_reader, &p, cfg_handler, &p);
    free(p.lb);
    if (rc > 0)
        sw_conf_error(c, "%s:%d: cannot parse this line: expected key = value, [section] or a ; comment",
                      file, rc);
    fclose(p.f);
}

/* ---- checking what was read ---- */

static void cfg_once(struct sw_conf *c, const struct sw_section *sec, struct sw_entry *prev,
                     struct sw_entry *last);

/* The last KEY of SEC, a key the core reads once: a second one in the same
 * file is refused (cfg_once). */
static struct sw_entry *cfg_get1(struct sw_conf *c, struct sw_section *sec, const char *key)
{
    struct sw_entry *last = NULL, *prev = NULL;
    for (int i = 0; i < sec->nentries; i++)
        if (strcmp(sec->entries[i].key, key) == 0) {
            prev = last;
            last = &sec->entries[i];
        }
    if (prev)
        cfg_once(c, sec, prev, last);
    return last;
}

static struct sw_config cfg_plain_view(struct sw_conf *c, struct sw_section *sec)
{
    return (struct sw_config){.conf = c, .sec = sec};
}

int sw_config_number(const struct sw_config *v, const char *key, int (*parse)(const char *, int64_t *),
                     int64_t min, const char *expected, int64_t def, int64_t *out)
{
    struct sw_entry *e = sw_config_single(v, key);
    *out = def;
    if (!e)
        return 0;
    if (parse(e->value, out) < 0 || *out < min) {
        *out = def;
        return sw_config_bad_value(v, key, expected);
    }
    return 0;
}

static int cfg_duration(struct sw_conf *c, struct sw_section *sec, const char *key, int64_t def, int64_t *out)
{
    *out = def;
    if (!sec)
        return 0;
    struct sw_config v = cfg_plain_view(c, sec);
    return sw_config_number(&v, key, sw_parse_duration, 1, SW_DURATION_POSITIVE, def, out);
}

int sw_config_count(const struct sw_config *v, const char *key, int64_t min, int64_t def, int64_t *out)
{
    struct sw_entry *e = sw_config_single(v, key);
    *out = def;
    if (!e)
        return 0;
    char *end;
    errno = 0;
    long long n = strtoll(e->value, &end, 10);
    if (errno || end == e->value || *sw_trim(end) || n < min || n > 100000000) {
        char what[64];
        snprintf(what, sizeof what, "a whole number of at least %lld", (long long)min);
        return sw_config_bad_value(v, key, what);
    }
    *out = n;
    return 0;
}

static int cfg_count(struct sw_conf *c, struct sw_section *sec, const char *key, int64_t def, int64_t min,
                     int64_t *out)
{
    *out = def;
    if (!sec)
        return 0;
    struct sw_config v = cfg_plain_view(c, sec);
    return sw_config_count(&v, key, min, def, out);
}

void sw_conf_unknown_keys(struct sw_conf *c, struct sw_section *sec, const char *const *known)
{
    char label[128];
    for (int i = 0; i < sec->nentries; i++) {
        struct sw_entry *e = &sec->entries[i];
        if (cfg_in_list(known, e->key))
            continue;
        struct buf b = {0};
        for (const char *const *k = known; *k; k++)
            buf_printf(&b, "%s%s", k == known ? "" : ", ", *k);
        sw_conf_error(c, "%s:%d: unknown key '%s' in %s: expected one of %s", e->file, e->line, e->key,
                      sw_section_label(sec, label, sizeof label), b.s);
        buf_free(&b);
    }
}

static void cfg_core(struct sw_conf *c)
{
    struct sw_section *core = sw_conf_section(c, SW_SEC_CORE, NULL);
    struct sw_entry *e;
    c->plugin_dir = sw_xstrdup(core && (e = cfg_get1(c, core, "plugin_dir")) ? e->value : SW_PLUGIN_DIR);
    c->location = sw_xstrdup(core && (e = cfg_get1(c, core, "location")) ? e->value : "local");
    c->health_file =
        core && (e = cfg_get1(c, core, "health_file")) && *e->value ? sw_xstrdup(e->value) : NULL;
    /* That it can read is checked once plugins are loaded (series.c). */
    if (core && (e = cfg_get1(c, core, "read_from"))) {
        struct sw_config v = cfg_plain_view(c, core);
        if (!sw_conf_section(c, SW_SEC_STORAGE, e->value))
            sw_config_bad_value(&v, "read_from",
                                "the name of a [storage NAME] section that can read results back");
        else
            c->read_from = sw_xstrdup(e->value);
    }
    if (core) {
        struct sw_config v = cfg_plain_view(c, core);
        if (!*c->plugin_dir)
            sw_config_bad_value(&v, "plugin_dir",
                                "the folder of the plugins, e.g. /usr/lib/sitewatch/plugins");
        if (!*c->location || !sw_conf_valid_name(c->location) || strlen(c->location) > SW_NAME_MAX)
            sw_config_bad_value(&v, "location",
                                "a name for where this sitewatch probes from (letters, digits, '.', '-', "
                                "'_'; at most " SW_NAME_MAX_TEXT " characters), e.g. eu-west");
    }
    cfg_duration(c, core, "default_interval", SW_MIN, &c->default_interval);
    cfg_duration(c, core, "default_timeout", 10 * SW_S, &c->default_timeout);
    cfg_duration(c, core, "min_interval", 10 * SW_S, &c->min_interval);
    cfg_count(c, core, "max_in_flight", 1000, 1, &c->max_in_flight);
    cfg_count(c, core, "recent", 7, 1, &c->recent);
    cfg_count(c, core, "queue_size", 100000, 16, &c->queue_size);
    /* Daily percentiles are taken from the raw results once a day is over,
     * so raw results must outlive a whole day and the next one. */
    c->keep_raw = 30 * SW_DAY;
    c->keep_rollups = 400 * SW_DAY;
    if (core) {
        struct sw_config v = cfg_plain_view(c, core);
        sw_config_number(&v, "keep_raw", sw_parse_duration, 2 * SW_DAY, "a duration of at least 2d",
                         c->keep_raw, &c->keep_raw);
        char *what = sw_xasprintf("a duration no shorter than keep_raw");
        sw_config_number(&v, "keep_rollups", sw_parse_duration, c->keep_raw, what, c->keep_rollups,
                         &c->keep_rollups);
        free(what);
    }
    sw_conf_alert_core(c, core);
    if (core)
        sw_conf_unknown_keys(c, core, cfg_core_keys);
}

static void cfg_site(struct sw_conf *c, struct sw_section *sec)
{
    struct sw_site s = {.name = sec->name, .sec = sec};
    struct sw_entry *e;
    char label[128];
    sw_section_label(sec, label, sizeof label);

    if ((e = cfg_get1(c, sec, "url")) && *e->value)
        s.url = e->value;
    else
        sw_conf_error(c, "%s:%d: %s has no url: expected url = http://... or https://...", sec->file,
                      sec->line, label);

    e = cfg_get1(c, sec, "checks");
    s.nchecks = sw_split_list(e ? e->value : "", &s.checks);
    if (s.nchecks == 0)
        sw_conf_error(c, "%s:%d: %s has no checks: expected checks = a list of check plugins such as http",
                      e ? e->file : sec->file, e ? e->line : sec->line, label);
    int twice = 0;
    for (int i = 0; i < s.nchecks && !twice; i++)
        for (int k = 0; k < i && !twice; k++)
            if (strcmp(s.checks[i], s.checks[k]) == 0) {
                /* One series per site and check: a second would share its
                 * name, its stored rows and its place in every lookup. */
                sw_conf_error(c,
                              "%s:%d: in %s, checks = \"%s\": expected each check once; '%s' is named twice",
                              e->file, e->line, label, e->value, s.checks[i]);
                twice = 1;
            }
    if ((e = cfg_get1(c, sec, "store"))) {
        sw_split_list(e->value, &s.store);
        for (char **p = s.store; *p; p++)
            if (!sw_conf_section(c, SW_SEC_STORAGE, *p))
                sw_conf_error(c, "%s:%d: in %s, store = \"%s\": no [storage %s] section is configured",
                              e->file, e->line, label, e->value, *p);
    }

    cfg_duration(c, sec, "interval", c->default_interval, &s.interval);
    cfg_duration(c, sec, "timeout", c->default_timeout, &s.timeout);
    if (s.interval < c->min_interval) {
        char a[32], b[32];
        e = sw_section_get(sec, "interval");
        sw_conf_error(c,
                      "%s:%d: in %s, interval = %s is below min_interval (%s): probes are rate-limited; "
                      "raise the interval or lower min_interval in [core]",
                      e ? e->file : sec->file, e ? e->line : sec->line, label,
                      sw_fmt_duration(s.interval, a, sizeof a),
                      sw_fmt_duration(c->min_interval, b, sizeof b));
    }

    /* Keys: the core's own, or PLUGIN.key for a plugin this site checks
     * (the plugin's own list is checked once plugins are loaded). */
    for (int i = 0; i < sec->nentries; i++) {
        e = &sec->entries[i];
        const char *dot = strchr(e->key, '.');
        if (!dot) {
            if (!cfg_in_list(cfg_site_keys, e->key) && !sw_conf_alert_site_key(e->key))
                sw_conf_error(c,
                              "%s:%d: unknown key '%s' in %s: expected url, checks, store, interval, "
                              "timeout, notify, alert_after, recover_after, remind_every, alert_on, "
                              "depends_on or PLUGIN.key",
                              e->file, e->line, e->key, label);
            continue;
        }
        char *plugin = sw_xstrdup(e->key);
        plugin[dot - e->key] = '\0';
        if (!cfg_in_list((const char *const *)s.checks, plugin))
            sw_conf_error(c, "%s:%d: key '%s' in %s is for plugin '%s', which is not in checks = %s", e->file,
                          e->line, e->key, label, plugin,
                          sw_section_get(sec, "checks") ? sw_section_get(sec, "checks")->value : "(none)");
        free(plugin);
    }
    /* Not in cfg_site_keys: a plugin's view does not fall back to them. */
    sw_conf_alert_site(c, &s);
    /* Without a url or checks there is nothing for plugins to judge. */
    s.invalid = !s.url || s.nchecks == 0 || twice;
    if (c->nsites == c->csites) { /* doubling: 10,000 sites took 34 s of copies under ASan */
        c->csites = c->csites ? c->csites * 2 : 16;
        c->sites = sw_xrealloc(c->sites, sizeof *c->sites * (size_t)c->csites);
    }
    c->sites[c->nsites++] = s;
}

struct sw_conf *sw_conf_load(const char *dir)
{
    return sw_conf_load_with(dir, NULL, NULL);
}

struct sw_conf *sw_conf_load_with(const char *dir, const char *name, const char *text)
{
    struct sw_conf *c = sw_xcalloc(1, sizeof *c);
    c->dir = sw_xstrdup(dir);
    struct dirent **names = NULL; /* scandir leaves it alone when it fails */
    int n = scandir(dir, &names, cfg_is_ini, alphasort);
    int unreadable = n < 0;
    if (unreadable) {
        sw_conf_error(c, "%s: cannot read the config folder: %s", dir, strerror(errno));
        n = 0;
    }
    /* The file NAME is left out (TEXT NULL) or read from TEXT, in its place
     * in name order even when it does not exist yet. */
    int overlaid = !name, files = 0;
    for (int i = 0; i <= n; i++) {
        const char *d = i < n ? names[i]->d_name : NULL;
        if (!overlaid && (!d || strcmp(name, d) <= 0)) {
            overlaid = 1;
            if (text) {
                char *path = sw_xasprintf("%s/%s", dir, name);
                cfg_read_file(c, path, text);
                free(path);
                files++;
            }
            if (d && strcmp(name, d) == 0) {
                free(names[i]);
                continue;
            }
        }
        if (!d)
            break;
        char *path = sw_xasprintf("%s/%s", dir, d);
        cfg_read_file(c, path, NULL);
        free(path);
        free(names[i]);
        files++;
    }
    if (names)
        free(names);
    if (files == 0 && !unreadable)
        sw_conf_error(c, "%s: no *.ini files: expected at least one with a [site NAME] section", dir);

    cfg_core(c);
    int nstorage = 0;
    for (int i = 0; i < c->nsecs; i++) {
        if (c->secs[i]->kind == SW_SEC_SITE)
            cfg_site(c, c->secs[i]);
        if (c->secs[i]->kind == SW_SEC_NOTIFY)
            sw_conf_notifier(c, c->secs[i]);
        if (c->secs[i]->kind == SW_SEC_MAINTENANCE)
            sw_conf_maintenance(c, c->secs[i]);
        if (c->secs[i]->kind == SW_SEC_STORAGE && ++nstorage == SW_STORAGE_MAX + 1)
            sw_conf_error(c,
                          "%s:%d: [storage %s] is one too many: at most " SW_STORAGE_MAX_TEXT
                          " [storage] sections (each result keeps a bit per storage)",
                          c->secs[i]->file, c->secs[i]->line, c->secs[i]->name);
    }
    sw_conf_alert_finish(c);
    return c;
}

void sw_conf_free(struct sw_conf *c)
{
    if (!c)
        return;
    sw_conf_alert_free(c);
    for (int i = 0; i < c->nsites; i++) {
        sw_strv_free(c->sites[i].checks);
        sw_strv_free(c->sites[i].store);
    }
    free(c->sites);
    for (int i = 0; i < c->nsecs; i++) {
        struct sw_section *s = c->secs[i];
        free(s->entries);
        free(s);
    }
    free(c->secs);
    free(c->index);
    while (c->arena) {
        struct cfg_block *next = c->arena->next;
        free(c->arena);
        c->arena = next;
    }
    for (int i = 0; i < c->nfiles; i++)
        free(c->files[i]);
    free(c->files);
    for (int i = 0; i < c->nerrors; i++)
        free(c->errors[i]);
    free(c->errors);
    free(c->plugin_dir);
    free(c->location);
    free(c->health_file);
    free(c->read_from);
    free(c->dir);
    free(c);
}

struct sw_section *sw_conf_section(struct sw_conf *c, int kind, const char *name)
{
    if (!c->index_cap)
        return NULL;
    for (size_t i = cfg_index_hash(kind, name) & (c->index_cap - 1); c->index[i];
         i = (i + 1) & (c->index_cap - 1))
        if (cfg_index_same(c->index[i], kind, name))
            return c->index[i];
    return NULL;
}

struct sw_entry *sw_section_get(struct sw_section *sec, const char *key)
{
    for (int i = sec->nentries - 1; i >= 0; i--)
        if (strcmp(sec->entries[i].key, key) == 0)
            return &sec->entries[i];
    return NULL;
}

/* ---- plugin views ---- */

struct sw_config sw_config_site_view(struct sw_conf *c, struct sw_site *site, const char *plugin)
{
    return (struct sw_config){
        .conf = c, .sec = site->sec, .defaults = sw_conf_section(c, SW_SEC_CHECK, plugin), .plugin = plugin};
}

struct sw_config sw_config_section_view(struct sw_conf *c, struct sw_section *sec)
{
    return cfg_plain_view(c, sec);
}

/* The entries KEY resolves to, in the first place that has any: the
 * site's PLUGIN.KEY, then [check PLUGIN], then the site's own KEY (only
 * for the keys the core reads there).  Each visit gets the place's section,
 * so a caller can see which one answered. */
struct cfg_hits {
    int n;                  /* how many entries */
    int nth;                /* which to keep (-1: the last) */
    struct sw_entry *found; /* the nth, or the last */
    struct sw_entry *prev;  /* the one before the last, for "given twice" */
};

static void cfg_hit(struct cfg_hits *h, struct sw_entry *e)
{
    if (h->nth < 0 || h->n == h->nth) {
        h->prev = h->found;
        h->found = e;
    }
    h->n++;
}

static void cfg_resolve(const struct sw_config *v, const char *key, struct cfg_hits *h)
{
    if (v->plugin) {
        /* "PLUGIN.KEY" compared in place: every site binds a dozen keys. */
        size_t plen = strlen(v->plugin);
        for (int i = 0; i < v->sec->nentries; i++) {
            const char *k = v->sec->entries[i].key;
            if (strncmp(k, v->plugin, plen) == 0 && k[plen] == '.' && strcmp(k + plen + 1, key) == 0)
                cfg_hit(h, &v->sec->entries[i]);
        }
        if (h->n)
            return;
        if (v->defaults)
            for (int i = 0; i < v->defaults->nentries; i++)
                if (strcmp(v->defaults->entries[i].key, key) == 0)
                    cfg_hit(h, &v->defaults->entries[i]);
        if (h->n || !cfg_in_list(cfg_site_keys, key))
            return;
    }
    for (int i = 0; i < v->sec->nentries; i++)
        if (strcmp(v->sec->entries[i].key, key) == 0)
            cfg_hit(h, &v->sec->entries[i]);
}

struct sw_entry *sw_config_lookup(const struct sw_config *v, const char *key, int nth)
{
    struct cfg_hits h = {.nth = nth};
    cfg_resolve(v, key, &h);
    return h.found;
}

int sw_config_lookup_count(const struct sw_config *v, const char *key)
{
    struct cfg_hits h = {.nth = -1};
    cfg_resolve(v, key, &h);
    return h.n;
}

/* Refuse a second value of a key that takes one, given in one file: a
 * wrapped URL or a stray duplicate must not silently win.  ([core] may be
 * split over files, where a later file's value is an override.) */
static void cfg_once(struct sw_conf *c, const struct sw_section *sec, struct sw_entry *prev,
                     struct sw_entry *last)
{
    if (!prev || prev->file != last->file)
        return;
    char label[160];
    sw_conf_error(c, "%s:%d: in %s, %s = \"%s\": expected %s once; it is already given at line %d",
                  last->file, last->line, sw_section_label(sec, label, sizeof label), last->key, last->value,
                  last->key, prev->line);
}

struct sw_entry *sw_config_single(const struct sw_config *v, const char *key)
{
    struct cfg_hits h = {.nth = -1};
    cfg_resolve(v, key, &h);
    if (h.n > 1) {
        /* Say it of the section that holds them: the site, or [check P]. */
        const struct sw_section *sec = v->sec;
        if (v->defaults && h.found >= v->defaults->entries &&
            h.found < v->defaults->entries + v->defaults->nentries)
            sec = v->defaults;
        cfg_once(v->conf, sec, h.prev, h.found);
    }
    return h.found;
}

int sw_config_bad_value(const struct sw_config *v, const char *key, const char *what)
{
    return sw_config_bad_value_nth(v, key, -1, what);
}

int sw_config_bad_value_nth(const struct sw_config *v, const char *key, int nth, const char *what)
{
    char label[128];
    struct sw_entry *e = sw_config_lookup(v, key, nth);
    sw_section_label(v->sec, label, sizeof label);
    if (e)
        sw_conf_error(v->conf, "%s:%d: in %s, %s = \"%s\": expected %s", e->file, e->line, label, e->key,
                      e->value, what);
    else
        sw_conf_error(v->conf, "%s:%d: in %s, %s%s%s is missing: expected %s", v->sec->file, v->sec->line,
                      label, v->plugin ? v->plugin : "", v->plugin ? "." : "", key, what);
    return SW_ECONFIG;
}

const char *sw_section_plugin(const struct sw_section *sec)
{
    if (sec->kind != SW_SEC_STORAGE && sec->kind != SW_SEC_OUTPUT && sec->kind != SW_SEC_NOTIFY)
        return sec->name;
    for (int i = sec->nentries - 1; i >= 0; i--)
        if (strcmp(sec->entries[i].key, "plugin") == 0)
            return sec->entries[i].value;
    return sec->name;
}

void sw_config_check_keys(struct sw_conf *c, struct sw_section *sec, const char *plugin,
                          const char *const *keys, const char *const *core_keys)
{
    char label[128];
    sw_section_label(sec, label, sizeof label);
    size_t plen = strlen(plugin);
    for (int i = 0; i < sec->nentries; i++) {
        struct sw_entry *e = &sec->entries[i];
        const char *k = e->key;
        if (sec->kind == SW_SEC_SITE) {
            if (strncmp(k, plugin, plen) != 0 || k[plen] != '.')
                continue;
            k += plen + 1;
        }
        if (cfg_in_list(keys, k) || cfg_in_list(core_keys, k))
            continue;
        if ((sec->kind == SW_SEC_STORAGE || sec->kind == SW_SEC_OUTPUT) && strcmp(k, "plugin") == 0)
            continue; /* which plugin: the core's (sw_section_plugin) */
        /* The core's keys first, then the plugin's (a plugin may declare
         * one of the core's keys too: named once). */
        struct buf b = {0};
        for (const char *const *p = core_keys; p && *p; p++)
            buf_printf(&b, "%s%s", b.len ? ", " : "", *p);
        for (const char *const *p = keys; p && *p; p++)
            if (!cfg_in_list(core_keys, *p))
                buf_printf(&b, "%s%s", b.len ? ", " : "", *p);
        sw_conf_error(c, "%s:%d: unknown key '%s' in %s: plugin %s accepts %s", e->file, e->line, e->key,
                      label, plugin, b.len ? sw_text(&b) : "no keys");
        buf_free(&b);
    }
    sw_keys_check_values(c, sec, plugin);
}
