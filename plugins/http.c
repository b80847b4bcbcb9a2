/* SPDX-License-Identifier: MIT
 *
 * http: fetch a URL the way a first visitor would and judge the answer:
 * status, size, time, and the content rules.  All of the work is the shared
 * transfer code in web/; this file only names the plugin.  For certificate
 * and TLS rules on an https:// site, use the https plugin.
 */
#include "web/web.h"

const struct web_flavour web_flavour = {.name = "http"};

static const char *const http_keys[] = {WEB_COMMON_KEYS, NULL};

static const struct sw_plugin http_plugin = {
    .abi_version = SW_ABI_VERSION,
    .size = sizeof(struct sw_plugin),
    .name = "http",
    .kind = SW_KIND_CHECK,
    .description = "HTTP(S) fetch: status, size, timing, content",
    .keys = http_keys,
    .flags = SW_CHECK_ASYNC,
    .init = web_init,
    .shutdown = web_shutdown,
    .check_prepare = web_prepare,
    .check_release = web_release,
    .check_run = web_run,
    .check_cancel = web_cancel,
};

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *host)
{
    web_api = host;
    return &http_plugin;
}
