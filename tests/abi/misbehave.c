/* SPDX-License-Identifier: MIT
 *
 * misbehave: an async check plugin that breaks the ABI's promises on
 * purpose, so the tests can prove the core stays correct.  Per site,
 * misbehave.mode is one of
 *   ok           complete once (the control)
 *   twice        complete twice inside check_run
 *   twice-later  complete, then again 50 ms later from a timer
 *   never        never complete, and ignore check_cancel
 *   late         ignore check_cancel, complete 300 ms after it
 * Built again with -DINIT_FAILS (an init that fails), -DNO_ENTRY (a shared
 * object exporting a wrong-named entry point) and -DBLOCKING (a blocking
 * plugin, run on a worker thread, where the modes are
 *   ok           return at once
 *   hang         never return (an hour)
 *   slow         return after 4 s, past any timeout the test sets).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sitewatch/plugin.h>

#ifndef MIS_NAME
#define MIS_NAME "misbehave"
#endif

static const char *const mis_keys[] = {"mode", NULL};
static const struct sw_host_api *api;

enum { MODE_OK, MODE_TWICE, MODE_TWICE_LATER, MODE_NEVER, MODE_LATE, MODE_HANG, MODE_SLOW };
static const char *const mode_names[] = {"ok", "twice", "twice-later", "never", "late", "hang", "slow", NULL};

struct mis_site {
    int mode;
};

#ifndef BLOCKING
/* A timer that completes RUN when it fires (once), then frees itself. */
struct mis_later {
    sw_timer *t;
    sw_run *run;
    struct mis_later *next;
};
static struct mis_later *pending; /* freed at shutdown if still waiting */

static void mis_later_drop(struct mis_later *l)
{
    for (struct mis_later **pp = &pending; *pp; pp = &(*pp)->next)
        if (*pp == l) {
            *pp = l->next;
            break;
        }
    api->timer_close(l->t);
    free(l);
}

static void mis_later_fire(sw_timer *t, void *ud)
{
    (void)t;
    struct mis_later *l = ud;
    api->run_complete(l->run);
    mis_later_drop(l);
}

static void mis_shutdown(void *state)
{
    (void)state;
    while (pending)
        mis_later_drop(pending);
}

static void mis_complete_after(sw_run *run, int64_t us)
{
    struct mis_later *l = calloc(1, sizeof *l);
    l->run = run;
    l->next = pending;
    pending = l;
    l->t = api->timer_new(mis_later_fire, l);
    api->timer_start(l->t, us);
}
#endif

static int mis_init(void **state)
{
    (void)state;
#ifdef INIT_FAILS
    return SW_EPLUGIN;
#else
    return 0;
#endif
}

static int mis_prepare(void *state, const sw_config *cfg, void **out)
{
    (void)state;
    const char *m = api->config_get(cfg, "mode");
    for (int i = 0; mode_names[i]; i++) {
        if (m && strcmp(m, mode_names[i]) == 0) {
            struct mis_site *s = calloc(1, sizeof *s);
            if (!s)
                return SW_ENOMEM;
            s->mode = i;
            *out = s;
            return 0;
        }
    }
    return api->config_error(cfg, "mode", "ok, twice, twice-later, never, late, hang or slow");
}

static void mis_release(void *p)
{
    free(p);
}

#ifdef BLOCKING
static int mis_run(void *site_state, sw_run *run)
{
    struct mis_site *s = site_state;
    if (s->mode == MODE_HANG || s->mode == MODE_SLOW) {
        struct timespec ts = {s->mode == MODE_HANG ? 3600 : 4, 0};
        nanosleep(&ts, NULL);
    }
    api->result_set(api->run_result(run), SW_OK, "returned (%s)", mode_names[s->mode]);
    return 0;
}
#else
static int mis_run(void *site_state, sw_run *run)
{
    struct mis_site *s = site_state;
    sw_result *r = api->run_result(run);
    switch (s->mode) {
    case MODE_OK:
    case MODE_TWICE:
    case MODE_TWICE_LATER:
        api->result_set(r, SW_OK, "answered (%s)", mode_names[s->mode]);
        api->run_complete(run);
        if (s->mode == MODE_TWICE)
            api->run_complete(run);
        if (s->mode == MODE_TWICE_LATER)
            mis_complete_after(run, 50000);
        break;
    default: break; /* never, late: nothing now */
    }
    return 0;
}
#endif

#ifndef BLOCKING
static void mis_cancel(void *site_state, sw_run *run)
{
    struct mis_site *s = site_state;
    if (s->mode == MODE_LATE)
        mis_complete_after(run, 300000);
}
#endif

static const struct sw_plugin mis_plugin = {
    .abi_version = SW_ABI_VERSION,
    .size = sizeof(struct sw_plugin),
    .name = MIS_NAME,
    .kind = SW_KIND_CHECK,
#ifndef BLOCKING
    .flags = SW_CHECK_ASYNC,
#endif
    .description = "breaks the ABI's promises on purpose (tests)",
    .keys = mis_keys,
    .init = mis_init,
#ifndef BLOCKING
    .shutdown = mis_shutdown,
#endif
    .check_prepare = mis_prepare,
    .check_release = mis_release,
    .check_run = mis_run,
#ifndef BLOCKING
    .check_cancel = mis_cancel,
#endif
};

#ifdef NO_ENTRY
SW_EXPORT const struct sw_plugin *sitewatch_plugin(const struct sw_host_api *host)
#else
SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *host)
#endif
{
    api = host;
    return &mis_plugin;
}
