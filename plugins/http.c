/* SPDX-License-Identifier: MIT
 *
 * http: fetch a URL the way a first visitor would and judge the answer:
 * status, size, time, and the content rules.  All of the work is the shared
 * transfer code in web/; this file only names the plugin.  For certificate
 * and TLS rules on an https:// site, use the https plugin.
 */
#include "web/web.h"

/* No TLS rules, no hooks: plain transfer and content rules. */
const struct web_flavour web_flavour = {0};

static const char *const http_keys[] = {WEB_COMMON_KEYS, NULL};

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *host)
{
    return web_describe(host, "http", "HTTP(S) fetch: status, size, timing, content", http_keys);
}
