/* SPDX-License-Identifier: MIT
 *
 * xmpp: a notify plugin that sends each message as one XMPP chat message
 * to every `to` JID, from the account `jid`, with libstrophe: STARTTLS
 * required and the certificate verified against the JID's domain (the
 * system's CAs and ca_file), SASL as libstrophe does it (SCRAM-SHA-*,
 * then PLAIN, inside TLS), the password read from a file, never from the
 * INI.  A message counts as delivered once the server answered a ping
 * sent after the messages: it handles a session's stanzas in order
 * (RFC 6120 10.1), so the answer says it took every message, and a
 * refusal it bounces comes before it.  This file reads a [notify NAME]
 * section; send.c and session.c deliver (xmpp.h says why on a thread).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <strophe.h>

#include "lib/config.h"
#include "lib/err.h"
#include "lib/secret.h"
#include "xmpp.h"

SW_PLUGIN_INIT1

static const struct sw_key xm_keys[] = {
    {.name = "jid",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REQUIRED,
     .help = "the account sitewatch logs in as, name@example.org (a /resource may follow); the server's "
             "certificate must carry its domain"},
    {.name = "password_file",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REQUIRED,
     .help = "a file holding the account's password on its first line, read at start (keep it mode 0600)"},
    {.name = "to",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REQUIRED | SW_KEY_REPEATS,
     .help = "a recipient's JID, name@example.org; repeat the key or separate them by commas; each gets one "
             "chat message per alert"},
    {.name = "server",
     .type = SW_KEY_STRING,
     .help = "the host (a name or an address) to connect to instead of the domain's _xmpp-client._tcp SRV "
             "records; the certificate is still checked against the JID's domain"},
    {.name = "port",
     .type = SW_KEY_INT,
     .def = "5222",
     .min = 1,
     .max = 65535,
     .help = "the port on server, or on the JID's domain when it has no SRV record"},
    {.name = "ca_file",
     .type = SW_KEY_STRING,
     .help = "PEM file of the CAs (or the self-signed certificate) the server's certificate may chain to, "
             "besides the system's"},
    {.name = NULL},
};

/* ---- one notifier ---- */

static void xm_close(void *p)
{
    struct xm_inst *in = p;
    if (!in)
        return;
    xm_sends_stop(in);
    free(in->name);
    free(in->jid);
    free(in->domain);
    secret_free(in->password);
    for (int i = 0; i < in->nto; i++)
        free(in->to[i]);
    free(in->to);
    free(in->server);
    free(in->ca_file);
    free(in);
}

/* S is local@domain with an optional /resource, nothing blank in it:
 * the domain (a copy), or NULL (*NOMEM set when that is why). */
static char *xm_jid_domain(const char *s, int *nomem)
{
    const char *at = strchr(s, '@'), *slash = strchr(s, '/');
    if (!at || at == s || (slash && slash < at))
        return NULL;
    const char *d = at + 1, *end = slash ? slash : d + strlen(d);
    if (end == d || (slash && !slash[1]))
        return NULL;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || (p > at && *p == '@' && p < end))
            return NULL;
    char *out = strndup(d, (size_t)(end - d));
    if (!out)
        *nomem = 1;
    return out;
}

static const char xm_jid_expected[] = "a JID: name@example.org, optionally with a /resource";

static int xm_open_jids(const sw_config *cfg, struct xm_inst *in)
{
    int rc = 0, nomem = 0;
    const char *jid = sw_api->config_get(cfg, "jid");
    if (!jid) {
        rc = SW_ECONFIG; /* required: the core said so */
    } else if (!(in->domain = xm_jid_domain(jid, &nomem))) {
        rc = nomem ? SW_ENOMEM : sw_api->config_error(cfg, "jid", xm_jid_expected);
    } else if (!(in->jid = strdup(jid))) {
        rc = SW_ENOMEM;
    }

    char **items = NULL;
    int *at = NULL;
    int n = config_items(sw_api, cfg, "to", &items, &at);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++) {
        char *d = xm_jid_domain(items[i], &nomem);
        free(d);
        if (!d) {
            ERR_KEEP_FIRST(rc,
                           nomem ? SW_ENOMEM : config_error_at(sw_api, cfg, "to", at[i], xm_jid_expected));
            free(items[i]);
        } else {
            items[in->nto++] = items[i]; /* the list keeps the good ones */
        }
    }
    in->to = items;
    free(at);
    return rc;
}

/* password_file as the xmpp plugin speaks of it: what went wrong names
 * the file, never what is in it. */
static const struct secret_words xm_password_words = {
    .plugin = "xmpp",
    .key = "password_file",
    .what = "the password",
    .readable = "a file sitewatch can read",
};

static int xm_read_password(const sw_config *cfg, struct xm_inst *in)
{
    const char *path = sw_api->config_get(cfg, "password_file");
    if (!path)
        return SW_ECONFIG; /* required: the core said so */
    return secret_read(sw_api, cfg, &xm_password_words, path, &in->password);
}

/* server: a host name or an address ([::1] or ::1), without a port or
 * a scheme; libstrophe wants an IPv6 address bare. */
static int xm_open_server(const sw_config *cfg, struct xm_inst *in)
{
    const char *server = sw_api->config_get(cfg, "server"), *ca = sw_api->config_get(cfg, "ca_file");
    int rc = 0;
    in->port = (int)sw_api->config_value(cfg, "port", -1);
    if (server) {
        size_t n = strlen(server);
        int bracketed = n > 2 && server[0] == '[' && server[n - 1] == ']';
        in->server = bracketed ? strndup(server + 1, n - 2) : strdup(server);
        struct in6_addr a6;
        if (!in->server)
            ERR_KEEP_FIRST(rc, SW_ENOMEM);
        else if (!*in->server || strpbrk(in->server, " \t/@[]") ||
                 (strchr(in->server, ':') && inet_pton(AF_INET6, in->server, &a6) != 1) ||
                 (bracketed && !strchr(in->server, ':')))
            ERR_KEEP_FIRST(rc, sw_api->config_error(cfg, "server",
                                                    "a host name or an address, without a port (that is "
                                                    "port) or a scheme"));
    }
    if (ca && access(ca, R_OK) != 0)
        ERR_KEEP_FIRST(
            rc, sw_api->config_error(cfg, "ca_file", "a PEM file sitewatch can read (%s)", strerror(errno)));
    else if (ca && !(in->ca_file = strdup(ca)))
        ERR_KEEP_FIRST(rc, SW_ENOMEM);
    return rc;
}

static int xm_open(void *plugin_state, const sw_config *cfg, void **out)
{
    (void)plugin_state;
    struct xm_inst *in = calloc(1, sizeof *in);
    if (!in)
        return SW_ENOMEM;
    in->name = strdup(sw_api->config_name(cfg));
    int rc = in->name ? 0 : SW_ENOMEM;
    /* Every key is checked, so that one pass shows every mistake. */
    ERR_KEEP_FIRST(rc, xm_open_jids(cfg, in));
    ERR_KEEP_FIRST(rc, xm_open_server(cfg, in));
    if (in->name)
        ERR_KEEP_FIRST(rc, xm_read_password(cfg, in));
    if (rc) {
        xm_close(in);
        return rc == SW_ENOMEM ? SW_ENOMEM : SW_ECONFIG;
    }
    *out = in;
    return 0;
}

/* ---- the plugin ---- */

static int xm_init(void **state)
{
    (void)state;
    xmpp_initialize();
    return 0;
}

static void xm_shutdown(void *state)
{
    (void)state;
    xmpp_shutdown();
}

static const struct sw_plugin xm_plugin = {
    .abi_version = SW_ABI_VERSION,
    .size = sizeof(struct sw_plugin),
    .name = "xmpp",
    .kind = SW_KIND_NOTIFY,
    .description = "XMPP chat messages through libstrophe: STARTTLS required, the certificate verified, SASL",
    .init = xm_init,
    .shutdown = xm_shutdown,
    .key_decls = xm_keys,
    .key_size = sizeof(struct sw_key),
    .notify_open = xm_open,
    .notify_close = xm_close,
    .notify_send = xm_send,
    .notify_cancel = xm_cancel,
};

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *host)
{
    SW_PLUGIN_INIT2(host);
    if (!SW_API_HAS(sw_api, message_done)) {
        sw_api->log(SW_LOG_ERROR, "xmpp: needs sitewatch's ABI 1.4 or newer (notify plugins)");
        return NULL;
    }
    return &xm_plugin;
}
