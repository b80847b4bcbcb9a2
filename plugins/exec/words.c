/* SPDX-License-Identifier: MIT
 *
 * Splitting a command line into words without a shell (words.h).
 */
#include "words.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sitewatch/plugin.h>

#include "lib/buf.h"

/* What C would be, unquoted, to a shell; NULL: nothing. */
static const char *wd_meaning(char c, int word_start)
{
    switch (c) {
    case '|': return "a pipe";
    case '&': return "a background job or a list";
    case ';': return "the end of a command";
    case '<':
    case '>': return "a redirection";
    case '(':
    case ')': return "a subshell";
    case '$': return "a variable or a substitution";
    case '`': return "a command substitution";
    case '*':
    case '?':
    case '[': return "a file name pattern";
    case '~': return word_start ? "the home folder" : NULL;
    case '#': return word_start ? "the start of a comment" : NULL;
    default: return NULL;
    }
}

/* C, unquoted or (IN_DQ) inside "...", means something to a shell. */
static int wd_refuse(char *why, size_t n, char c, const char *meaning, int in_dq)
{
    if (in_dq)
        snprintf(why, n,
                 "a command without shell syntax: %c would be %s in a shell, also inside \"...\", and no "
                 "shell runs it (write \\%c to pass it as it is)",
                 c, meaning, c);
    else
        snprintf(why, n,
                 "a command without shell syntax: %c would be %s in a shell, and no shell runs it (quote it, "
                 "'%c', to pass it as it is)",
                 c, meaning, c);
    return SW_EINVAL;
}

/* Append the finished word W to *WORDS (N so far). */
static int wd_push(char ***words, int *n, struct buf *w)
{
    char **more = realloc(*words, (size_t)(*n + 2) * sizeof **words);
    if (!more)
        return SW_ENOMEM;
    *words = more;
    char *s = strdup(w->s ? w->s : "");
    if (!s || w->failed) {
        free(s);
        return SW_ENOMEM;
    }
    more[(*n)++] = s;
    more[*n] = NULL;
    buf_reset(w);
    return 0;
}

/* One word from *P (not a blank) on; *P moves past it.  It may be empty:
 * '' or "". */
static int wd_word(const char **pp, struct buf *w, char *why, size_t n)
{
    const char *p = *pp;
    int start = 1;
    for (; *p && *p != ' ' && *p != '\t'; p++, start = 0) {
        if (*p == '\\') {
            if (!p[1]) {
                snprintf(why, n, "a command whose last \\ escapes something (a \\ at the end)");
                return SW_EINVAL;
            }
            buf_put(w, ++p, 1);
        } else if (*p == '\'') {
            const char *end = strchr(p + 1, '\'');
            if (!end) {
                snprintf(why, n, "a command whose ' quotes are closed (one is open at the end)");
                return SW_EINVAL;
            }
            buf_put(w, p + 1, (size_t)(end - p - 1));
            p = end;
        } else if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
                    p++;
                else if (*p == '$' || *p == '`')
                    return wd_refuse(why, n, *p, wd_meaning(*p, 0), 1);
                buf_put(w, p, 1);
            }
            if (!*p) {
                snprintf(why, n, "a command whose \" quotes are closed (one is open at the end)");
                return SW_EINVAL;
            }
        } else {
            const char *meaning = wd_meaning(*p, start);
            if (meaning)
                return wd_refuse(why, n, *p, meaning, 0);
            buf_put(w, p, 1);
        }
    }
    *pp = p;
    return 0;
}

int words_split(const char *line, char ***words, int *n, char *why, size_t why_len)
{
    *words = NULL;
    *n = 0;
    struct buf w = {0};
    int rc = 0;
    for (const char *p = line; rc == 0 && *p;) {
        if (*p == ' ' || *p == '\t') {
            p++;
            continue;
        }
        rc = wd_word(&p, &w, why, why_len);
        if (rc == 0)
            rc = wd_push(words, n, &w);
    }
    buf_free(&w);
    if (rc) {
        words_free(*words);
        *words = NULL;
        *n = 0;
    }
    return rc;
}

void words_free(char **words)
{
    for (char **w = words; w && *w; w++)
        free(*w);
    free(words);
}
