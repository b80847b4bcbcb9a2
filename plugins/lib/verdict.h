/* SPDX-License-Identifier: MIT
 *
 * The rules a check judges by (status, size, time, content, certificate,
 * DNS answers...) each add an entry here when they fail.  The verdict is
 * the worst entry, ranked FAIL > UNKNOWN > WARN > OK (README); the reason
 * leads with it, so the first words are what to fix, then says how many
 * other rules failed and which, worst first, equal ranks in check order.
 * Out of memory never exits: an entry that could not be kept makes the run
 * at least UNKNOWN, "out of memory while judging the run".  Shared by the
 * check plugins; each links its own copy.
 */
#ifndef SW_COMMON_VERDICT_H
#define SW_COMMON_VERDICT_H

#include <sitewatch/plugin.h>

struct verdict_failure {
    int verdict;
    char *msg;
};

struct verdict {
    struct verdict_failure *v;
    int n;
    char *note; /* appended to every reason, e.g. "certificate not verified" */
    int nomem;  /* a failure or the note was lost for want of memory */
};

void verdict_fail(struct verdict *v, int verdict, const char *fmt, ...) SW_PRINTF(3, 4);
void verdict_note(struct verdict *v, const char *fmt, ...) SW_PRINTF(2, 3);
/* Set R's verdict and reason through API: the worst failure first, then
 * how many others failed and what they were; OK_REASON when none failed. */
void verdict_set(struct verdict *v, const struct sw_host_api *api, sw_result *r, const char *ok_reason);
void verdict_free(struct verdict *v);
/* The rank of a verdict in that order: FAIL 3, UNKNOWN 2, WARN 1, OK 0. */
int verdict_rank(int verdict);

#endif
