/* SPDX-License-Identifier: MIT
 *
 * email: a notify plugin that mails each message through an SMTP server,
 * async on the host loop (libcurl's SMTP through lib/curlloop).  smtp://
 * with STARTTLS required unless starttls = no, or smtps://; AUTH with a
 * user and a password read from a file, never from the INI; the
 * certificate verified (ca_file or the system's CAs).  The core words the
 * message; mail.c makes it an RFC 5322 mail and send.c delivers it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "email.h"
#include "lib/buf.h"
#include "lib/config.h"
#include "lib/curlloop.h"
#include "lib/err.h"
#include "lib/secret.h"

SW_PLUGIN_INIT1

static const struct sw_key em_keys[] = {
    {.name = "smtp_url",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REQUIRED,
     .help = "the server: smtp://host:587 (STARTTLS) or smtps://host:465 (TLS from the start); the port "
             "defaults to 25 and 465; a path is the name said in EHLO (default this machine's)"},
    {.name = "from",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REQUIRED,
     .help = "the sender, name@example.org or Name <name@example.org>; its domain names the Message-ID"},
    {.name = "to",
     .type = SW_KEY_STRING,
     .flags = SW_KEY_REQUIRED | SW_KEY_REPEATS,
     .help = "a recipient, as from; repeat the key or separate them by commas; a recipient the server "
             "refuses is said in the answer, the others still get the mail"},
    {.name = "starttls",
     .type = SW_KEY_BOOL,
     .def = "yes",
     .help = "yes: an smtp:// server must offer STARTTLS or nothing is sent; no: in the clear (a relay "
             "on this host); smtps:// is always TLS"},
    {.name = "user", .type = SW_KEY_STRING, .help = "the AUTH user name; needs password_file"},
    {.name = "password_file",
     .type = SW_KEY_STRING,
     .help = "a file holding the AUTH password on its first line, read at start (keep it mode 0600); "
             "needs user"},
    {.name = "ca_file",
     .type = SW_KEY_STRING,
     .help = "PEM file of the CAs the server's certificate must chain to; default the system's"},
    {.name = NULL},
};

/* ---- one notifier ---- */

static void em_close(void *p)
{
    struct em_inst *in = p;
    if (!in)
        return;
    if (in->cur) /* the core cancels first: this is for a core that did not */
        em_cancel(in, NULL);
    free(in->name);
    free(in->url);
    free(in->hostport);
    mail_addr_free(&in->from);
    for (int i = 0; i < in->nto; i++)
        mail_addr_free(&in->to[i]);
    free(in->to);
    curl_slist_free_all(in->rcpt);
    free(in->user);
    secret_free(in->password);
    free(in->ca_file);
    free(in);
}

/* smtp_url: smtp:// or smtps:// with a host and no user or password
 * (those have keys of their own, the password a file). */
static int em_open_url(const sw_config *cfg, struct em_inst *in)
{
    const char *url = sw_api->config_get(cfg, "smtp_url");
    if (!url)
        return SW_ECONFIG; /* required: the core said so */
    CURLU *u = curl_url();
    if (!u)
        return SW_ENOMEM;
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *pass = NULL;
    int rc = 0;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0) ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
        rc = sw_api->config_error(cfg, "smtp_url",
                                  "an smtp:// or smtps:// URL with a host, e.g. smtp://mail.example.org:587");
    } else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
               curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK) {
        rc = sw_api->config_error(cfg, "smtp_url",
                                  "a URL without a user or password (say them with user "
                                  "and password_file)");
    } else if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        rc = SW_ENOMEM;
    } else {
        struct buf hp = {0};
        buf_printf(&hp, "%s:%s", host, port); /* curl keeps an IPv6 host in brackets */
        in->hostport = hp.failed ? NULL : hp.s;
        in->url = strdup(url);
        in->tls_required = strcmp(scheme, "smtps") == 0 || sw_api->config_value(cfg, "starttls", -1);
        if (!in->hostport || !in->url)
            rc = SW_ENOMEM;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_free(pass);
    curl_url_cleanup(u);
    return rc;
}

static const char em_addr_expected[] = "an address: name@example.org or Name <name@example.org>";

static int em_open_addrs(const sw_config *cfg, struct em_inst *in)
{
    int rc = 0;
    const char *from = sw_api->config_get(cfg, "from");
    int prc = from ? mail_addr_parse(from, &in->from) : SW_ECONFIG;
    if (prc == SW_EINVAL)
        prc = sw_api->config_error(cfg, "from", em_addr_expected);
    ERR_KEEP_FIRST(rc, prc);

    char **items = NULL;
    int *at = NULL;
    int n = config_items(sw_api, cfg, "to", &items, &at);
    if (n < 0)
        return n;
    in->to = calloc((size_t)n + 1, sizeof *in->to);
    for (int i = 0; in->to && i < n; i++) {
        struct mail_addr *a = &in->to[in->nto];
        prc = mail_addr_parse(items[i], a);
        if (prc == SW_EINVAL)
            prc = config_error_at(sw_api, cfg, "to", at[i], em_addr_expected);
        ERR_KEEP_FIRST(rc, prc);
        if (prc)
            continue;
        in->nto++;
        struct buf b = {0};
        buf_printf(&b, "<%s>", a->addr);
        struct curl_slist *more = b.failed ? NULL : curl_slist_append(in->rcpt, b.s);
        buf_free(&b);
        if (more)
            in->rcpt = more;
        else
            ERR_KEEP_FIRST(rc, SW_ENOMEM);
    }
    if (!in->to)
        ERR_KEEP_FIRST(rc, SW_ENOMEM);
    config_items_free(items, n);
    free(at);
    return rc;
}

/* password_file as the email plugin speaks of it: what went wrong names
 * the file, never what is in it. */
static const struct secret_words em_password_words = {
    .plugin = "email",
    .key = "password_file",
    .what = "the password",
    .readable = "a file sitewatch can read",
};

static int em_open_auth(const sw_config *cfg, struct em_inst *in)
{
    const char *user = sw_api->config_get(cfg, "user"), *pw = sw_api->config_get(cfg, "password_file");
    const char *ca = sw_api->config_get(cfg, "ca_file");
    int rc = 0;
    if (user && !pw)
        ERR_KEEP_FIRST(rc, sw_api->config_error(cfg, "user", "a password_file with it"));
    if (pw && !user)
        ERR_KEEP_FIRST(rc, sw_api->config_error(cfg, "password_file", "a user with it"));
    if (user && pw) {
        in->user = strdup(user);
        ERR_KEEP_FIRST(rc, in->user ? 0 : SW_ENOMEM);
        ERR_KEEP_FIRST(rc, secret_read(sw_api, cfg, &em_password_words, pw, &in->password));
    }
    if (ca && access(ca, R_OK) != 0)
        ERR_KEEP_FIRST(
            rc, sw_api->config_error(cfg, "ca_file", "a PEM file sitewatch can read (%s)", strerror(errno)));
    else if (ca && !(in->ca_file = strdup(ca)))
        ERR_KEEP_FIRST(rc, SW_ENOMEM);
    return rc;
}

static int em_open(void *plugin_state, const sw_config *cfg, void **out)
{
    struct em_inst *in = calloc(1, sizeof *in);
    if (!in)
        return SW_ENOMEM;
    in->loop = plugin_state;
    in->name = strdup(sw_api->config_name(cfg));
    int rc = in->name ? 0 : SW_ENOMEM;
    /* Every key is checked, so that one pass shows every mistake. */
    ERR_KEEP_FIRST(rc, em_open_url(cfg, in));
    ERR_KEEP_FIRST(rc, em_open_addrs(cfg, in));
    ERR_KEEP_FIRST(rc, em_open_auth(cfg, in));
    if (rc) {
        em_close(in);
        return rc == SW_ENOMEM ? SW_ENOMEM : SW_ECONFIG;
    }
    *out = in;
    return 0;
}

/* ---- the plugin ---- */

static int em_init(void **state)
{
    return curlloop_plugin_init(sw_api, em_transfer_done, state);
}

static const struct sw_plugin em_plugin = {
    .abi_version = SW_ABI_VERSION,
    .size = sizeof(struct sw_plugin),
    .name = "email",
    .kind = SW_KIND_NOTIFY,
    .description = "mail through an SMTP server: STARTTLS or smtps://, AUTH, the certificate verified",
    .init = em_init,
    .shutdown = curlloop_plugin_shutdown,
    .key_decls = em_keys,
    .key_size = sizeof(struct sw_key),
    .notify_open = em_open,
    .notify_close = em_close,
    .notify_send = em_send,
    .notify_cancel = em_cancel,
};

SW_EXPORT const struct sw_plugin *sitewatch_plugin_v1(const struct sw_host_api *host)
{
    SW_PLUGIN_INIT2(host);
    if (!SW_API_HAS(sw_api, message_done)) {
        sw_api->log(SW_LOG_ERROR, "email: needs sitewatch's ABI 1.4 or newer (notify plugins)");
        return NULL;
    }
    return &em_plugin;
}
