/* SPDX-License-Identifier: MIT
 *
 * https: everything the http plugin judges (status, size, time, content),
 * over a verified TLS connection, plus rules on the certificate (expiry in
 * days, trust, host name) and the protocol version.  The transfer code is
 * web/transfer.c, shared with http; the TLS rules are web/tls.c.
 */
#include "web.h"

SW_PLUGIN_INIT1

static const char *const https_tls_versions[] = {"1.0", "1.1", "1.2", "1.3", NULL};

/* Its own keys and metrics, after those of every flavour (web/transfer.c). */
static const struct sw_key https_keys[] = {
    {.name = "cert_warn_days",
     .type = SW_KEY_INT,
     .def = "14",
     .min = 0,
     .max = 3650,
     .help = "WARN when the server's certificate expires in fewer days"},
    {.name = "cert_fail_days",
     .type = SW_KEY_INT,
     .def = "3",
     .min = 0,
     .max = 3650,
     .help = "FAIL when sooner still (at most cert_warn_days)"},
    {.name = "min_tls",
     .type = SW_KEY_WORD,
     .def = "1.2",
     .words = https_tls_versions,
     .help = "FAIL when the server has no TLS version this new"},
    {.name = "ca_file",
     .type = SW_KEY_STRING,
     .help = "a PEM file of the CAs to trust instead of the system's (a private CA)"},
    {.name = "verify",
     .type = SW_KEY_BOOL,
     .def = "yes",
     .help = "no still judges everything else, and every reason says \"certificate not verified\""},
    {.name = NULL},
};

static const struct sw_metric_decl https_metrics[] = {
    {.name = "tls.days_left",
     .unit = "d",
     .help = "until the server's certificate expires (negative: expired)"},
    {.name = "tls.version", .unit = "1", .help = "the TLS version the server chose: 1.2, 1.3"},
    {.name = NULL},
};

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *host)
{
    SW_PLUGIN_INIT2(host);
    if (!SW_API_HAS(sw_api, config_value))
        return NULL; /* a core older than ABI 1.3 would not read the keys declared here */
    return web_describe("https", "HTTPS fetch: status, size, timing, content, certificate and TLS version",
                        https_keys, https_metrics);
}
