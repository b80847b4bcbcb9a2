/* SPDX-License-Identifier: MIT
 *
 * template = FILE: a body the user writes for a receiver no preset knows,
 * with placeholders such as {site} and {reason} that are filled with the
 * message's words, JSON-escaped, so that a reason holding a quote cannot
 * break the document.  A placeholder is a brace, lower-case letters or
 * '_', and a brace; any other brace is the document's own ({"a": 1}).
 * The file is read and checked at open: an unknown placeholder or a body
 * that is not JSON once filled is a configuration error, not a message
 * that fails at 3 a.m.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/buf.h"
#include "webhook.h"

/* Bigger is a mistake (a log file named by accident), said as such. */
#define TPL_MAX (1024 * 1024)

struct wh_tpl {
    char *text;
};

/* The placeholders.  The event's fields are its one event's; a digest's
 * are empty but for event (DIGEST), id (the message's) and count, while
 * subject, text and json cover every event. */
static const char *const tpl_event_fields[] = {"event",    "id",      "series", "site",  "check",
                                               "location", "verdict", "reason", "since", "at",
                                               "downtime", "url",     "page",   NULL};
static const char *const tpl_message_fields[] = {"subject", "text", "json", "count", "secret", NULL};

static int tpl_known(const char *name, size_t n)
{
    const char *const *lists[] = {tpl_event_fields, tpl_message_fields};
    for (int l = 0; l < 2; l++)
        for (const char *const *f = lists[l]; *f; f++)
            if (strlen(*f) == n && strncmp(*f, name, n) == 0)
                return 1;
    return 0;
}

/* The length of the placeholder name at P (just past a '{') when a '}'
 * closes it, else 0: the brace is text. */
static size_t tpl_name_len(const char *p)
{
    size_t n = 0;
    while ((p[n] >= 'a' && p[n] <= 'z') || p[n] == '_')
        n++;
    return n && p[n] == '}' ? n : 0;
}

/* The value of placeholder NAME for M: never NULL. */
static const char *tpl_value(const sw_message *m, const char *name, const char *secret, char *num,
                             size_t nnum)
{
    int count = m ? sw_api->message_count(m) : 1;
    const char *v = NULL;
    if (!m) /* checking the template at open: a value that needs escaping */
        v = strcmp(name, "count") == 0 ? "1" : "a \"quoted\" \\ value\n";
    else if (strcmp(name, "subject") == 0)
        v = sw_api->message_subject(m);
    else if (strcmp(name, "text") == 0)
        v = sw_api->message_text(m);
    else if (strcmp(name, "json") == 0)
        v = sw_api->message_json(m);
    else if (strcmp(name, "secret") == 0)
        v = secret;
    else if (strcmp(name, "count") == 0) {
        snprintf(num, nnum, "%d", count);
        v = num;
    } else if (count == 1)
        v = sw_api->message_field(m, 0, name);
    else if (strcmp(name, "event") == 0)
        v = "DIGEST";
    else if (strcmp(name, "id") == 0)
        v = sw_api->message_id(m);
    return v ? v : "";
}

/* T filled for M (NULL: with sample values, to check it), into B. */
static void tpl_render(const char *t, const sw_message *m, const char *secret, struct buf *b)
{
    const char *run = t;
    for (const char *p = t; *p; p++) {
        size_t n = *p == '{' ? tpl_name_len(p + 1) : 0;
        if (!n)
            continue;
        buf_put(b, run, (size_t)(p - run));
        char name[32], num[16];
        snprintf(name, sizeof name, "%.*s", (int)n, p + 1);
        /* buf_json_str's escaping, without its quotes: the template puts
         * the placeholder inside its own string. */
        size_t at = b->len;
        buf_json_str(b, tpl_value(m, name, secret, num, sizeof num));
        if (!b->failed) {
            memmove(b->s + at, b->s + at + 1, b->len - at - 2);
            b->len -= 2;
            b->s[b->len] = '\0';
        }
        p += n + 1;
        run = p + 1;
    }
    buf_puts(b, run);
}

static int tpl_read(const sw_config *cfg, const char *key, const char *file, char **out)
{
    FILE *f = fopen(file, "re");
    if (!f)
        return errno == ENOMEM ? SW_ENOMEM
                               : sw_api->config_error(cfg, key, "a readable file (%s)", strerror(errno));
    struct buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= TPL_MAX)
        buf_put(&b, chunk, n);
    int err = ferror(f);
    fclose(f);
    if (b.failed) {
        buf_free(&b);
        return SW_ENOMEM;
    }
    if (err || b.len > TPL_MAX || b.len == 0 || memchr(b.s, '\0', b.len)) {
        buf_free(&b);
        return sw_api->config_error(cfg, key,
                                    err               ? "a readable file (read error)"
                                    : b.len == 0      ? "a file with the body to send (it is empty)"
                                    : b.len > TPL_MAX ? "a file of at most 1 MB"
                                                      : "a text file (it holds a NUL byte)");
    }
    *out = b.s;
    return 0;
}

int wh_tpl_open(const sw_config *cfg, const char *key, const char *file, struct wh_tpl **out)
{
    char *text = NULL;
    int rc = tpl_read(cfg, key, file, &text);
    if (rc)
        return rc;
    int line = 1;
    for (const char *p = text; *p && rc == 0; p++) {
        line += *p == '\n';
        size_t n = *p == '{' ? tpl_name_len(p + 1) : 0;
        if (n && !tpl_known(p + 1, n))
            rc = sw_api->config_error(cfg, key,
                                      "a template whose placeholders are known: {%.*s} on line %d is none of "
                                      "{event} {id} {series} {site} {check} {location} {verdict} {reason} "
                                      "{since} {at} {downtime} {url} {page} {subject} {text} {json} {count} "
                                      "{secret}",
                                      (int)n, p + 1, line);
    }
    if (rc == 0) {
        struct buf b = {0};
        tpl_render(text, NULL, "secret", &b);
        json_error_t e;
        json_t *doc = b.failed ? NULL : json_loads(b.s, JSON_DECODE_ANY, &e);
        if (b.failed)
            rc = SW_ENOMEM;
        else if (!doc)
            rc = sw_api->config_error(cfg, key,
                                      "a JSON body once its placeholders are filled: line %d column %d: %s",
                                      e.line, e.column, e.text);
        json_decref(doc);
        buf_free(&b);
    }
    struct wh_tpl *t = rc == 0 ? malloc(sizeof *t) : NULL;
    if (!t) {
        free(text);
        return rc ? rc : SW_ENOMEM;
    }
    t->text = text;
    *out = t;
    return 0;
}

void wh_tpl_free(struct wh_tpl *t)
{
    if (t) {
        free(t->text);
        free(t);
    }
}

int wh_tpl_has(const struct wh_tpl *t, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strchr(t->text, '{'); p; p = strchr(p + 1, '{'))
        if (tpl_name_len(p + 1) == n && strncmp(p + 1, name, n) == 0)
            return 1;
    return 0;
}

char *wh_tpl_fill(const struct wh_tpl *t, const sw_message *m, const char *secret)
{
    struct buf b = {0};
    tpl_render(t->text, m, secret, &b);
    if (b.failed) {
        buf_free(&b);
        return NULL;
    }
    return b.s;
}
