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

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *host)
{
    return web_describe(
        host, "https", "HTTPS fetch: status, size, timing, content, certificate and TLS version", https_keys);
}
