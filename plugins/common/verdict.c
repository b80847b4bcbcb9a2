/* SPDX-License-Identifier: MIT
 *
 * Failed rules -> verdict and reason (see verdict.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verdict.h"

static char *verdict_vfmt(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    return s;
}

void verdict_fail(struct verdict *v, int verdict, const char *fmt, ...)
{
    struct verdict_failure *f = realloc(v->v, sizeof *f * (size_t)(v->n + 1));
    if (!f)
        abort();
    v->v = f;
    va_list ap;
    va_start(ap, fmt);
    v->v[v->n++] = (struct verdict_failure){verdict, verdict_vfmt(fmt, ap)};
    va_end(ap);
}

void verdict_note(struct verdict *v, const char *fmt, ...)
{
    free(v->note);
    va_list ap;
    va_start(ap, fmt);
    v->note = verdict_vfmt(fmt, ap);
    va_end(ap);
}

/* FAIL before WARN; equal verdicts keep the order the rules were checked. */
static int verdict_worse(const struct verdict_failure *a, const struct verdict_failure *b)
{
    return a->verdict == SW_FAIL && b->verdict != SW_FAIL;
}

void verdict_set(struct verdict *v, const struct sw_host_api *api, sw_result *r, const char *ok_reason)
{
    /* Insertion sort: stable, and there are a handful of rules at most. */
    for (int i = 1; i < v->n; i++) {
        struct verdict_failure f = v->v[i];
        int j = i;
        for (; j > 0 && verdict_worse(&f, &v->v[j - 1]); j--)
            v->v[j] = v->v[j - 1];
        v->v[j] = f;
    }
    char *others = NULL;
    size_t olen = 0;
    FILE *o = v->n > 1 ? open_memstream(&others, &olen) : NULL;
    if (o) {
        fprintf(o, " (+%d more: ", v->n - 1);
        for (int i = 1; i < v->n; i++)
            fprintf(o, "%s%s", i > 1 ? "; " : "", v->v[i].msg);
        fputc(')', o);
        fclose(o);
    }
    const char *note_sep = v->note ? "; " : "";
    const char *note = v->note ? v->note : "";
    if (v->n == 0)
        api->result_set(r, SW_OK, "%s%s%s", ok_reason, note_sep, note);
    else
        api->result_set(r, v->v[0].verdict, "%s%s%s%s", v->v[0].msg, others ? others : "", note_sep, note);
    free(others);
}

void verdict_free(struct verdict *v)
{
    for (int i = 0; i < v->n; i++)
        free(v->v[i].msg);
    free(v->v);
    free(v->note);
    *v = (struct verdict){0};
}
