/* SPDX-License-Identifier: MIT
 *
 * Failed rules -> verdict and reason (see verdict.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "verdict.h"

/* Said in the reason when a failure could not be kept for want of memory:
 * the rules were not all judged, so the run is at least UNKNOWN. */
#define VERDICT_NOMEM "out of memory while judging the run (a failed rule is not listed)"

void verdict_fail(struct verdict *v, int verdict, const char *fmt, ...)
{
    struct verdict_failure *f = realloc(v->v, sizeof *f * (size_t)(v->n + 1));
    if (!f) {
        v->nomem = 1;
        return;
    }
    v->v = f;
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (len < 0) {
        v->nomem = 1;
        return;
    }
    v->v[v->n++] = (struct verdict_failure){verdict, msg};
}

void verdict_note(struct verdict *v, const char *fmt, ...)
{
    free(v->note);
    v->note = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&v->note, fmt, ap) < 0) {
        v->note = NULL; /* unset by vasprintf on failure */
        v->nomem = 1;
    }
    va_end(ap);
}

/* The documented ranking: FAIL > UNKNOWN > WARN > OK.  A site that failed
 * is down whatever else could not be judged; a rule the monitor could not
 * judge outweighs a mere warning. */
int verdict_rank(int verdict)
{
    switch (verdict) {
    case SW_FAIL: return 3;
    case SW_UNKNOWN: return 2;
    case SW_WARN: return 1;
    default: return 0;
    }
}

/* Failure K in the order the reason lists them: V's sorted entries, with the
 * lost one (when memory ran out) placed as an UNKNOWN after the FAILs. */
static const struct verdict_failure *verdict_at(const struct verdict *v, int k, int nomem_at)
{
    static const struct verdict_failure lost = {SW_UNKNOWN, VERDICT_NOMEM};
    if (k == nomem_at)
        return &lost;
    return &v->v[nomem_at >= 0 && k > nomem_at ? k - 1 : k];
}

void verdict_set(struct verdict *v, const struct sw_host_api *api, sw_result *r, const char *ok_reason)
{
    /* Insertion sort: stable (equal ranks keep the order the rules were
     * checked), and there are a handful of rules at most. */
    for (int i = 1; i < v->n; i++) {
        struct verdict_failure f = v->v[i];
        int j = i;
        for (; j > 0 && verdict_rank(f.verdict) > verdict_rank(v->v[j - 1].verdict); j--)
            v->v[j] = v->v[j - 1];
        v->v[j] = f;
    }
    int nomem_at = -1, n = v->n;
    if (v->nomem) {
        nomem_at = 0;
        while (nomem_at < v->n && v->v[nomem_at].verdict == SW_FAIL)
            nomem_at++;
        n++;
    }
    struct buf others = {0};
    if (n > 1) {
        buf_printf(&others, " (+%d more: ", n - 1);
        for (int i = 1; i < n; i++)
            buf_printf(&others, "%s%s", i > 1 ? "; " : "", verdict_at(v, i, nomem_at)->msg);
        buf_puts(&others, ")");
    }
    char count[32] = ""; /* when the list itself found no memory */
    if (others.failed)
        snprintf(count, sizeof count, " (+%d more)", n - 1);
    const char *more = others.failed ? count : others.s ? others.s : "";
    const char *note_sep = v->note ? "; " : "";
    const char *note = v->note ? v->note : "";
    if (n == 0) {
        api->result_set(r, SW_OK, "%s%s%s", ok_reason, note_sep, note);
    } else {
        const struct verdict_failure *lead = verdict_at(v, 0, nomem_at);
        api->result_set(r, lead->verdict, "%s%s%s%s", lead->msg, more, note_sep, note);
    }
    buf_free(&others);
}

void verdict_free(struct verdict *v)
{
    for (int i = 0; i < v->n; i++)
        free(v->v[i].msg);
    free(v->v);
    free(v->note);
    *v = (struct verdict){0};
}
