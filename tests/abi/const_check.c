/* SPDX-License-Identifier: MIT
 *
 * constcheck: a blocking check plugin that answers what its config says,
 * optionally after sleeping.  Built three ways by the tests: in tree, out
 * of tree against the installed header (pkg-config sitewatch), and against
 * the frozen v1.0 and v1.2 headers in tests/abi/ to prove old plugins keep
 * loading.  Built against 1.3 or newer it declares its keys and metrics
 * (the core parses them) and reads typed values; before, it parses them
 * itself.  -DWRONG_MAJOR exports the next major's symbol instead;
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

#include <stdio.h>

#define CONST_DECLARES (SW_ABI_MAJOR == 1 && SW_ABI_MINOR >= 3)

static const char *const const_verdicts[] = {"OK", "WARN", "FAIL", "UNKNOWN", NULL};
#if CONST_DECLARES
static const struct sw_key const_keys[] = {
    {.name = "verdict",
     .type = SW_KEY_WORD,
     .def = "OK",
     .words = const_verdicts,
     .help = "the verdict to give"},
    {.name = "reason", .type = SW_KEY_STRING, .def = "constant", .help = "the reason to give"},
    {.name = "sleep",
     .type = SW_KEY_DURATION,
     .def = "0s",
     .min = 0,
     .max = 10 * SW_MIN,
     .help = "how long a run takes"},
    {.name = NULL},
};
static const struct sw_metric_decl const_metrics[] = {
    {.name = "const.answer", .unit = "1", .help = "always 42"},
    {.name = NULL},
};
SW_PLUGIN_INIT1
#define api sw_api
#else
static const char *const const_keys[] = {"verdict", "reason", "sleep", NULL};
static const struct sw_host_api *api;
#endif

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
    int rc = 0;
#if CONST_DECLARES
    /* The core read and checked them: nothing to parse or report here. */
    s->verdict = (int)api->config_value(cfg, "verdict", -1);
    s->sleep = api->config_value(cfg, "sleep", -1);
    const char *r = api->config_get(cfg, "reason");
    s->reason = strdup(r ? r : "constant");
#else
    const char *v = api->config_get(cfg, "verdict");
    s->verdict = -1;
    for (int i = 0; i < 4; i++)
        if (!v || strcmp(v, const_verdicts[i]) == 0)
            s->verdict = v ? i : SW_OK;
    const char *r = api->config_get(cfg, "reason");
    s->reason = strdup(r ? r : "constant");
    rc = api->config_duration(cfg, "sleep", 0, &s->sleep);
    if (s->verdict < 0)
        rc = api->config_error(cfg, "verdict", "OK, WARN, FAIL or UNKNOWN");
#endif
    if (!s->reason)
        rc = SW_ENOMEM;
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
#if CONST_DECLARES
    /* Per-run data comes back as it was set, on the run's own thread. */
    api->run_set_data(run, s);
    if (api->run_data(run) != s) {
        api->result_set(r, SW_UNKNOWN, "run_data did not return what run_set_data set");
        return 0;
    }
#endif
    api->result_set(r, s->verdict, "%s", s->reason);
    api->result_metric(r, "const.answer", 42);
    char abi[16];
    snprintf(abi, sizeof abi, "%d.%d", SW_ABI_MAJOR, SW_ABI_MINOR);
    api->result_info(r, "const.built_with_abi", abi);
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
#if CONST_DECLARES
    .key_decls = const_keys,
    .key_size = sizeof(struct sw_key),
    .metric_decls = const_metrics,
    .metric_size = sizeof(struct sw_metric_decl),
#else
    .keys = const_keys,
#endif
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
#if CONST_DECLARES
    SW_PLUGIN_INIT2(host);
#else
    api = host;
#endif
    return &const_plugin;
}
