/* SPDX-License-Identifier: MIT
 *
 * The https flavour: rules on the certificate and the TLS handshake.
 *
 * libcurl verifies the chain and the host name, but when it refuses a
 * certificate all it says is OpenSSL's one-line error.  To say *which*
 * certificate, until when, for which names, sitewatch watches the handshake
 * itself: CURLOPT_SSL_CTX_FUNCTION (OpenSSL back end) installs a verify
 * callback that keeps the server's certificate and the first verification
 * error without changing curl's decision, and a message callback that reads
 * the version the server chose from its ServerHello (seen even when the
 * client then refuses that version).
 */
#include <errno.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/url.h"
#include "web.h"

struct tls_site {
    long warn_days, fail_days;
    int min_proto; /* TLS1_2_VERSION, ... */
    long curl_min; /* CURL_SSLVERSION_TLSv1_2, ... */
    int verify;
    char *ca_file;
};

/* What one transfer saw of its (last) handshake. */
struct tls_seen {
    const struct tls_site *site;
    X509 *leaf;
    int verify_err, err_depth;
    int version;              /* the server's choice, from its ServerHello */
    int alert;                /* the fatal alert the server sent, if any */
    int probing;              /* this handshake only asks which version the server has */
    int hello_sent, finished; /* how far the handshake got, for a timeout */
};

static int tls_idx = -1; /* SSL_CTX ex_data slot for the tls_seen */

/* ---- configuration ---- */

static const struct {
    const char *name;
    int proto;
    long curl;
} tls_versions[] = {
    {"1.0", TLS1_VERSION, CURL_SSLVERSION_TLSv1_0},
    {"1.1", TLS1_1_VERSION, CURL_SSLVERSION_TLSv1_1},
    {"1.2", TLS1_2_VERSION, CURL_SSLVERSION_TLSv1_2},
    {"1.3", TLS1_3_VERSION, CURL_SSLVERSION_TLSv1_3},
};

/* Whether the core took KEY's value (or KEY is unset), for a number whose
 * default is DEF: a refused value reads as the default, so one that reads
 * as DEF was taken only if it says DEF.  (An odd spelling of the default,
 * "03", counts as refused: then only a rule between two keys is skipped.) */
static int tls_taken(const sw_config *cfg, const char *key, long def)
{
    const char *v = sw_api->config_get(cfg, key);
    char text[24];
    snprintf(text, sizeof text, "%ld", def);
    return !v || sw_api->config_value(cfg, key, -1) != def || strcmp(v, text) == 0;
}

static void tls_release(void *p)
{
    struct tls_site *ts = p;
    if (!ts)
        return;
    free(ts->ca_file);
    free(ts);
}

static int tls_prepare(const sw_config *cfg, struct web_site *ws, void **state)
{
    (void)ws;
    struct tls_site *ts = calloc(1, sizeof *ts);
    if (!ts)
        return SW_ENOMEM;
    *state = ts;
    /* The core read and checked the typed keys (a bad value reads as the
     * default); what is left to check is how they go together, when both
     * are what was written (a rule about a default nobody wrote would only
     * confuse, and one about a refused value would be its second message). */
    int rc = 0;
    ts->warn_days = (long)sw_api->config_value(cfg, "cert_warn_days", -1);
    ts->fail_days = (long)sw_api->config_value(cfg, "cert_fail_days", -1);
    if (ts->fail_days > ts->warn_days && tls_taken(cfg, "cert_warn_days", 14) &&
        tls_taken(cfg, "cert_fail_days", 3))
        ERR_KEEP_FIRST(
            rc, sw_api->config_error(cfg, "cert_fail_days", "at most cert_warn_days (%ld)", ts->warn_days));
    ts->verify = (int)sw_api->config_value(cfg, "verify", -1);
    /* min_tls's words (https.c) are tls_versions' names, in order. */
    size_t v = (size_t)sw_api->config_value(cfg, "min_tls", -1);
    if (v >= sizeof tls_versions / sizeof *tls_versions)
        v = 2;
    ts->min_proto = tls_versions[v].proto;
    ts->curl_min = tls_versions[v].curl;
    const char *ca = sw_api->config_get(cfg, "ca_file");
    if (ca) {
        if (access(ca, R_OK) != 0)
            ERR_KEEP_FIRST(rc, sw_api->config_error(cfg, "ca_file",
                                                    "a readable PEM file of trusted CA certificates (%s)",
                                                    strerror(errno)));
        else if (!(ts->ca_file = strdup(ca)))
            return SW_ENOMEM;
    }
    return rc;
}

/* ---- watching the handshake ---- */

static void tls_seen_reset(struct tls_seen *t)
{
    X509_free(t->leaf);
    *t = (struct tls_seen){.site = t->site, .probing = t->probing};
}

/* Called by OpenSSL for each certificate of the chain.  Keeps what it saw
 * and returns OK unchanged: curl's verify mode still decides. */
static int tls_verify_cb(int ok, X509_STORE_CTX *sc)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(sc, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct tls_seen *t = ssl ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tls_idx) : NULL;
    if (!t)
        return ok;
    X509 *leaf = X509_STORE_CTX_get0_cert(sc);
    if (leaf && !t->leaf && X509_up_ref(leaf))
        t->leaf = leaf;
    if (!ok && !t->verify_err) {
        t->verify_err = X509_STORE_CTX_get_error(sc);
        t->err_depth = X509_STORE_CTX_get_error_depth(sc);
    }
    return ok;
}

/* The version in a ServerHello: the supported_versions extension (TLS 1.3)
 * or else the legacy version field. */
static int tls_server_hello_version(const unsigned char *p, size_t len)
{
    if (len < 4 + 2 + 32 + 1)
        return 0;
    int version = p[4] << 8 | p[5];
    size_t i = 4 + 2 + 32;
    i += 1 + p[i]; /* session id */
    i += 2 + 1;    /* cipher suite, compression */
    if (i + 2 > len)
        return version;
    size_t end = i + 2 + (size_t)(p[i] << 8 | p[i + 1]);
    for (i += 2; i + 4 <= end && end <= len;) {
        unsigned type = (unsigned)(p[i] << 8 | p[i + 1]), n = (unsigned)(p[i + 2] << 8 | p[i + 3]);
        if (type == 43 /* supported_versions */ && n == 2 && i + 6 <= len)
            return p[i + 4] << 8 | p[i + 5];
        i += 4 + n;
    }
    return version;
}

static void tls_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
                       void *arg)
{
    (void)version;
    (void)ssl;
    struct tls_seen *t = arg;
    const unsigned char *p = buf;
    if (write_p) {
        t->hello_sent |= content_type == SSL3_RT_HANDSHAKE && len > 0 && p[0] == SSL3_MT_CLIENT_HELLO;
        return;
    }
    if (content_type == SSL3_RT_HANDSHAKE && len > 0 && p[0] == SSL3_MT_FINISHED)
        t->finished = 1;
    else if (content_type == SSL3_RT_HANDSHAKE && len > 0 && p[0] == SSL3_MT_SERVER_HELLO)
        t->version = tls_server_hello_version(p, len);
    else if (content_type == SSL3_RT_ALERT && len == 2 && p[0] == SSL3_AL_FATAL)
        t->alert = p[1];
}

/* curl made a new SSL_CTX for a connection (the first, or after a redirect
 * to another host): watch its handshake. */
static CURLcode tls_ctx_cb(CURL *curl, void *sslctx, void *parm)
{
    (void)curl;
    SSL_CTX *ctx = sslctx;
    struct tls_seen *t = parm;
    tls_seen_reset(t);
    SSL_CTX_set_ex_data(ctx, tls_idx, t);
    SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), tls_verify_cb);
    SSL_CTX_set_msg_callback(ctx, tls_msg_cb);
    SSL_CTX_set_msg_callback_arg(ctx, t);
    /* OpenSSL 3 refuses TLS 1.0 and 1.1 above security level 0: a user
     * who accepts them asks for exactly that. */
    if (t->site->min_proto < TLS1_2_VERSION || t->probing)
        SSL_CTX_set_security_level(ctx, 0);
    /* Unverified, curl loads no CAs; load them anyway so the reason can say
     * what verification would have found. */
    if (!t->site->verify) {
        if (t->site->ca_file)
            SSL_CTX_load_verify_locations(ctx, t->site->ca_file, NULL);
        else
            SSL_CTX_set_default_verify_paths(ctx);
    }
    return CURLE_OK;
}

static int tls_setup(struct web_xfer *x)
{
    const struct tls_site *ts = x->site->flavour_state;
    if (tls_idx < 0 && (tls_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL)) < 0)
        return SW_EPLUGIN;
    struct tls_seen *t = calloc(1, sizeof *t);
    if (!t)
        return SW_ENOMEM;
    t->site = ts;
    x->flavour_state = t;
    CURL *e = x->easy;
    if (curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, tls_ctx_cb) != CURLE_OK) {
        sw_api->log(SW_LOG_ERROR, "https: this libcurl does not use OpenSSL; certificate rules need it");
        return SW_EUNSUPPORTED;
    }
    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, t);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, ts->curl_min);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, ts->verify ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, ts->verify ? 2L : 0L);
    if (ts->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, ts->ca_file);
    return 0;
}

/* The server refused every version offered (a protocol_version alert, no
 * ServerHello), so the reason cannot yet name the version it has.  Ask with
 * a bare handshake that offers every version down to TLS 1.0 and sends no
 * request: the ServerHello answers, and nothing is sent over the weaker
 * protocol. */
static int tls_probe(struct web_xfer *x, CURLcode cc)
{
    struct tls_seen *t = x->flavour_state;
    if (cc == CURLE_OK || t->version || t->alert != SSL_AD_PROTOCOL_VERSION)
        return 0;
    char *eff = NULL, *url = NULL;
    if (curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &eff) != CURLE_OK || !eff || !(url = strdup(eff)))
        return 0;
    t->probing = 1;
    CURL *e = x->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    free(url);
    curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_0);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    return 1;
}

static void tls_xfer_free(struct web_xfer *x)
{
    struct tls_seen *t = x->flavour_state;
    if (!t)
        return;
    X509_free(t->leaf);
    free(t);
    x->flavour_state = NULL;
}

/* ---- words ---- */

static void tls_version_name(int v, char *buf, size_t n)
{
    if (v >= TLS1_VERSION && v <= TLS1_3_VERSION)
        snprintf(buf, n, "TLS 1.%d", v - TLS1_VERSION);
    else if (v == SSL3_VERSION)
        snprintf(buf, n, "SSL 3.0");
    else
        snprintf(buf, n, "protocol 0x%04x", (unsigned)v);
}

/* "6 days", "1 day", "5 hours", "12 minutes" for a span of SECS >= 0. */
static void tls_span(long long secs, char *buf, size_t n)
{
    long long v = secs / 86400;
    const char *unit = "day";
    if (v == 0 && (v = secs / 3600) > 0)
        unit = "hour";
    else if (v == 0)
        v = secs / 60, unit = "minute";
    snprintf(buf, n, "%lld %s%s", v, unit, v == 1 ? "" : "s");
}

static void tls_name_text(const X509_NAME *name, char *buf, size_t n)
{
    BIO *b = BIO_new(BIO_s_mem());
    buf[0] = 0;
    if (!b)
        return;
    X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253);
    int len = BIO_read(b, buf, (int)n - 1);
    buf[len > 0 ? len : 0] = 0;
    BIO_free(b);
}

/* The common name of NAME, or its whole text. */
static void tls_cn(const X509_NAME *name, char *buf, size_t n)
{
    if (X509_NAME_get_text_by_NID((X509_NAME *)name, NID_commonName, buf, (int)n) < 0)
        tls_name_text(name, buf, n);
}

/* The names the certificate is for: its DNS and IP alternative names, else
 * its common name. */
static void tls_cert_names(X509 *c, char *buf, size_t n)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(c, NID_subject_alt_name, NULL, NULL);
    size_t used = 0;
    int shown = 0, total = 0;
    buf[0] = 0;
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        char one[64] = "";
        if (g->type == GEN_DNS) {
            snprintf(one, sizeof one, "%.*s", ASN1_STRING_length(g->d.dNSName),
                     (const char *)ASN1_STRING_get0_data(g->d.dNSName));
        } else if (g->type == GEN_IPADD && ASN1_STRING_length(g->d.iPAddress) == 4) {
            const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);
            snprintf(one, sizeof one, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
        } else {
            continue;
        }
        total++;
        if (shown < 3 && used < n) {
            used += (size_t)snprintf(buf + used, n - used, "%s%s", shown ? ", " : "", one);
            shown++;
        }
    }
    GENERAL_NAMES_free(names);
    if (total > shown && used < n)
        snprintf(buf + used, n - used, " and %d more", total - shown);
    if (!total)
        tls_cn(X509_get_subject_name(c), buf, n);
}

static int tls_host_ok(X509 *c, const char *host)
{
    if (X509_check_ip_asc(c, host, 0) == 1)
        return 1;
    return X509_check_host(c, host, 0, 0, NULL) == 1;
}

/* The host of the URL the last connection went to (after redirects). */
static void tls_conn_host(struct web_xfer *x, char *buf, size_t n)
{
    char *eff = NULL, scheme[16];
    if (curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &eff) != CURLE_OK ||
        url_split(eff, scheme, sizeof scheme, buf, n) < 0)
        snprintf(buf, n, "%s", x->site->host ? x->site->host : "");
}

/* Why the chain was refused, in words a person can act on. */
static void tls_verify_text(const struct tls_seen *t, char *buf, size_t n)
{
    char a[256];
    int e = t->verify_err;
    if (e == X509_V_ERR_CERT_HAS_EXPIRED) {
        snprintf(buf, n, "a certificate in the chain has expired (%d above the server's)", t->err_depth);
    } else if (e == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT) {
        snprintf(buf, n, "self-signed certificate");
    } else if (e == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN) {
        tls_cn(X509_get_issuer_name(t->leaf), a, sizeof a);
        snprintf(buf, n, "self-signed certificate in the chain (issuer %s is not trusted)", a);
    } else if (e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
               e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT || e == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE) {
        tls_cn(X509_get_issuer_name(t->leaf), a, sizeof a);
        snprintf(buf, n,
                 "certificate issued by %s, which is not trusted (a missing intermediate, or set ca_file)",
                 a);
    } else if (e == X509_V_ERR_CERT_NOT_YET_VALID && t->err_depth == 0) {
        struct tm tm;
        char d[32] = "?";
        if (ASN1_TIME_to_tm(X509_get0_notBefore(t->leaf), &tm))
            strftime(d, sizeof d, "%Y-%m-%d %H:%M UTC", &tm);
        snprintf(buf, n, "certificate is not valid before %s", d);
    } else {
        snprintf(buf, n, "certificate not trusted: %s", X509_verify_cert_error_string(e));
    }
}

/* ---- judging ---- */

/* Info about the certificate for the result: subject, issuer, expiry. */
static long long tls_record(struct tls_seen *t, sw_result *r, char *date, size_t n)
{
    char buf[512];
    int days = 0, secs = 0;
    ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(t->leaf));
    long long left = (long long)days * 86400 + secs;
    sw_api->result_metric(r, "tls.days_left", (double)left / 86400.0);
    tls_name_text(X509_get_subject_name(t->leaf), buf, sizeof buf);
    sw_api->result_info(r, "tls.subject", buf);
    tls_name_text(X509_get_issuer_name(t->leaf), buf, sizeof buf);
    sw_api->result_info(r, "tls.issuer", buf);
    struct tm tm;
    snprintf(date, n, "?");
    if (ASN1_TIME_to_tm(X509_get0_notAfter(t->leaf), &tm)) {
        strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
        sw_api->result_info(r, "tls.expires", buf);
        strftime(date, n, "%Y-%m-%d", &tm);
    }
    return left;
}

static int tls_judge(struct web_xfer *x, CURLcode cc, sw_result *r, struct verdict *v)
{
    struct tls_seen *t = x->flavour_state;
    const struct tls_site *ts = t->site;
    int failed_before = v->n;
    char host[256], want[32], got[32], why[512], date[32], span[32];
    tls_conn_host(x, host, sizeof host);
    if (t->version) {
        int minor = t->version - TLS1_VERSION;
        if (minor >= 0 && minor < 10)
            sw_api->result_metric(r, "tls.version", 1.0 + minor / 10.0);
    }
    /* A server that takes the connection and then stalls the handshake: the
     * timers cannot tell this from a slow connect, the handshake can. */
    if (cc == CURLE_OPERATION_TIMEDOUT && t->hello_sent && !t->finished) {
        char to[32];
        sw_api->format_duration(sw_api->run_timeout(x->run), to, sizeof to);
        verdict_fail(v, SW_FAIL, "timed out after %s (TLS handshake%s)", to,
                     t->version ? ", after the ServerHello" : ", no ServerHello");
        return 1;
    }
    /* The server's version below the minimum: curl refused the handshake. */
    if (t->version && t->version < ts->min_proto && cc != CURLE_OK) {
        tls_version_name(t->version, got, sizeof got);
        tls_version_name(ts->min_proto, want, sizeof want);
        verdict_fail(v, SW_FAIL, "%s offered, %s required", got, want + 4);
        return 1;
    }
    /* A server that finds none of the versions offered says so in an alert
     * before any ServerHello: it has only older ones. */
    if (!t->version && t->alert == SSL_AD_PROTOCOL_VERSION && cc != CURLE_OK) {
        tls_version_name(ts->min_proto, want, sizeof want);
        verdict_fail(v, SW_FAIL, "server offers no %s or newer (%s required)", want, want + 4);
        return 1;
    }
    if (!t->leaf) {
        if (!ts->verify)
            verdict_note(v, "certificate not verified");
        return 0;
    }
    long long left = tls_record(t, r, date, sizeof date);
    /* An expired server certificate is the expiry rule's to report (below),
     * verified or not; any other refusal is the chain's or the name's. */
    int expired = t->verify_err == X509_V_ERR_CERT_HAS_EXPIRED && t->err_depth == 0;
    const char *unverified = NULL;
    if (t->verify_err && !expired) {
        tls_verify_text(t, why, sizeof why);
        if (ts->verify)
            verdict_fail(v, SW_FAIL, "%s", why);
        else
            unverified = why;
    } else if (!tls_host_ok(t->leaf, host) && (!ts->verify || cc == CURLE_PEER_FAILED_VERIFICATION)) {
        char names[256];
        tls_cert_names(t->leaf, names, sizeof names);
        snprintf(why, sizeof why, "certificate is for %s, not %s", names, host);
        if (ts->verify)
            verdict_fail(v, SW_FAIL, "%s", why);
        else
            unverified = why;
    }
    if (!ts->verify) {
        if (unverified)
            verdict_note(v, "certificate not verified: %s", unverified);
        else
            verdict_note(v, "certificate not verified");
    }
    if (left < 0) {
        tls_span(-left, span, sizeof span);
        verdict_fail(v, SW_FAIL, "certificate expired %s ago", span);
    } else if (left < ts->warn_days * 86400) {
        tls_span(left, span, sizeof span);
        verdict_fail(v, left < ts->fail_days * 86400 ? SW_FAIL : SW_WARN,
                     "certificate for %s expires in %s (%s)", host, span, date);
    }
    return cc != CURLE_OK && v->n > failed_before;
}

const struct web_flavour web_flavour = {
    .tls_only = 1,
    .prepare = tls_prepare,
    .release = tls_release,
    .setup = tls_setup,
    .judge = tls_judge,
    .xfer_free = tls_xfer_free,
    .probe = tls_probe,
};
