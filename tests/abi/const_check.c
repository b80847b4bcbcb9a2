/* SPDX-License-Identifier: MIT
 *
 * constcheck: a blocking check plugin that answers what its config says,
 * optionally after sleeping.  Built three ways by the tests: in tree, out
 * of tree against the installed header (pkg-config sitewatch), and against
 * the frozen v1.0 header in tests/abi/v1.0 to prove old plugins keep
 * loading.  -DWRONG_MAJOR exports the next major's symbol instead;
 * -DTINY_DESCRIPTOR claims a descriptor smaller than v1.0's.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, nanosleep under -std=c17 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sitewatch/plugin.h>

#ifndef CONST_NAME
#define CONST_NAME "constcheck"
#endif

static const char *const const_keys[] = {"verdict", "reason", "sleep", NULL};
static const struct sw_host_api *api;

struct const_site {
    int verdict;
    char *reason;
    int64_t sleep;
};

static int const_prepare(void *state, const sw_config *cfg, void **out)
{
    (void)state;
    struct const_site *s = calloc(1, sizeof *s);
    if (!s)
        return SW_ENOMEM;
    const char *v = api->config_get(cfg, "verdict");
    static const char *const names[] = {"OK", "WARN", "FAIL", "UNKNOWN"};
    s->verdict = -1;
    for (int i = 0; i < 4; i++)
        if (!v || strcmp(v, names[i]) == 0)
            s->verdict = v ? i : SW_OK;
    const char *r = api->config_get(cfg, "reason");
    s->reason = strdup(r ? r : "constant");
    int rc = api->config_duration(cfg, "sleep", 0, &s->sleep);
    if (s->verdict < 0)
        rc = api->config_error(cfg, "verdict", "OK, WARN, FAIL or UNKNOWN");
    if (rc) {
        free(s->reason);
        free(s);
        return SW_ECONFIG;
    }
    *out = s;
    return 0;
}

static void const_release(void *p)
{
    struct const_site *s = p;
    free(s->reason);
    free(s);
}

/* Blocking: runs on a worker thread. */
static int const_run(void *site_state, sw_run *run)
{
    struct const_site *s = site_state;
    if (s->sleep) {
        struct timespec ts = {(time_t)(s->sleep / 1000000), (long)(s->sleep % 1000000) * 1000};
        nanosleep(&ts, NULL);
    }
    sw_result *r = api->run_result(run);
    api->result_set(r, s->verdict, "%s", s->reason);
    api->result_metric(r, "const.answer", 42);
    api->result_info(r, "const.built_with_abi", SW_ABI_MAJOR == 1 && SW_ABI_MINOR == 0 ? "1.0" : "newer");
    return 0;
}

static const struct sw_plugin const_plugin = {
    .abi_version = SW_ABI_VERSION,
#ifdef TINY_DESCRIPTOR
    .size = 8,
#else
    .size = sizeof(struct sw_plugin),
#endif
    .name = CONST_NAME,
    .kind = SW_KIND_CHECK,
    .description = "answers what its config says (tests)",
    .keys = const_keys,
    .check_prepare = const_prepare,
    .check_release = const_release,
    .check_run = const_run,
};

#ifdef WRONG_MAJOR
SW_EXPORT const struct sw_plugin *sitewatch_plugin_v2(const struct sw_host_api *host)
#else
SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *host)
#endif
{
    api = host;
    return &const_plugin;
}
