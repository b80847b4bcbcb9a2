/* SPDX-License-Identifier: MIT
 *
 * http: fetch a URL the way a first visitor would and judge the answer:
 * status, size, time, and the content rules.  All of the work is the shared
 * transfer code in web/; this file only names the plugin.  For certificate
 * and TLS rules on an https:// site, use the https plugin.
 */
#include "web.h"

SW_PLUGIN_INIT1

/* No TLS rules, no hooks, no keys or metrics of its own: plain transfer
 * and content rules (web/transfer.c declares their keys). */
const struct web_flavour web_flavour = {0};

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *host)
{
    SW_PLUGIN_INIT2(host);
    if (!SW_API_HAS(sw_api, config_value))
        return NULL; /* a core older than ABI 1.3 would not read the keys declared here */
    return web_describe("http", "HTTP(S) fetch: status, size, timing, content", NULL, NULL);
}
