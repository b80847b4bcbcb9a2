/* SPDX-License-Identifier: MIT
 *
 * https: everything the http plugin judges (status, size, time, content),
 * over a verified TLS connection, plus rules on the certificate (expiry in
 * days, trust, host name) and the protocol version.  The transfer code is
 * web/transfer.c, shared with http; the TLS rules are web/tls.c.
 */
#include "web/web.h"

static const char *const https_keys[] = {
    WEB_COMMON_KEYS,
    "cert_warn_days", /* WARN when the certificate expires sooner (default 14) */
    "cert_fail_days", /* FAIL when sooner still (default 3) */
    "min_tls",        /* 1.0 1.1 1.2 1.3 (default 1.2) */
    "ca_file",        /* PEM file of CAs to trust instead of the system's */
    "verify",         /* yes (default); no still judges, but says "not verified" */
    NULL,
};

static const struct sw_plugin https_plugin = {
    .abi_version = SW_ABI_VERSION,
    .size = sizeof(struct sw_plugin),
    .name = "https",
    .kind = SW_KIND_CHECK,
    .description = "HTTPS fetch: status, size, timing, content, certificate and TLS version",
    .keys = https_keys,
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
    return &https_plugin;
}
