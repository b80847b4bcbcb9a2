/* SPDX-License-Identifier: MIT
 *
 * The code the http and https check plugins share: one libcurl multi driver
 * on the host's event loop (transfer.c), one set of rules on status, size,
 * time and redirects, the content rules (content.c, match.c) and the list of
 * failed rules that becomes the verdict (verdict.c).  Each plugin is a thin
 * file that names itself and supplies a web_flavour: http's has no TLS
 * hooks, https's adds certificate and protocol rules (tls.c).
 *
 * Each plugin links its own copy of this code (only sitewatch_plugin_v1 is
 * exported), so http.so and https.so never share state.
 */
#ifndef SW_WEB_H
#define SW_WEB_H

#include <curl/curl.h>

#include <sitewatch/plugin.h>

/* The host table, sw_api: defined by SW_PLUGIN_INIT1 in http.c or https.c. */
SW_PLUGIN_INIT3

#include "lib/verdict.h"

/* ---- sites and transfers ---- */

struct web_site;
struct web_xfer;
struct web_content;
struct match_scan;

/* What makes http.so and https.so differ. */
struct web_flavour {
    int tls_only; /* the URL must be https:// */
    /* Read the flavour's own keys into *STATE; errors via config_error. */
    int (*prepare)(const sw_config *cfg, struct web_site *ws, void **state);
    void (*release)(void *state);
    /* Set per-transfer curl options; may keep per-transfer state. */
    int (*setup)(struct web_xfer *x);
    /* After the transfer: add metrics and failed rules.  Returns 1 when it
     * explained a failed transfer (then the generic reason is not used). */
    int (*judge)(struct web_xfer *x, CURLcode cc, sw_result *r, struct verdict *v);
    /* After a failed transfer, before judging: return 1 after setting the
     * easy handle up for a short diagnostic follow-up (https: a bare
     * handshake to learn which TLS version the server has).  Optional. */
    int (*probe)(struct web_xfer *x, CURLcode cc);
    void (*xfer_free)(struct web_xfer *x);
};

/* Defined once per plugin: in http.c, and in tls.c for https. */
extern const struct web_flavour web_flavour;

struct web_range {
    long lo, hi;
};

struct web_site {
    char *url;
    char *host; /* of url, for certificate checks */
    char *expect_text;
    struct web_range *ranges;
    int nranges;
    int64_t warn_after, fail_after, max_size;
    long max_redirects;
    int head;
    long ipresolve;
    struct curl_slist *headers;  /* sent to the origin of url only */
    char *origin;                /* of url: scheme://host:port, see url_origin */
    struct web_content *content; /* NULL when no content rules */
    void *flavour_state;
};

/* Phase durations in microseconds, summed over the redirects followed;
 * SEEN has a bit per phase some hop went through (WEB_SAW_*). */
struct web_phases {
    curl_off_t dns, connect, tls, first_byte, total;
    int seen;
};

/* A redirect not followed, the transfer's last answer. */
enum web_stop {
    WEB_STOP_NONE,
    WEB_STOP_TOO_MANY,  /* past max_redirects */
    WEB_STOP_DOWNGRADE, /* https check sent to plain http:// */
    WEB_STOP_SCHEME,    /* to a URL that is neither http:// nor https:// */
};

struct web_xfer {
    struct web_xfer *next, *prev; /* in flight: the list shutdown cancels */
    struct web_site *site;
    sw_run *run;
    CURL *easy;
    curl_off_t body;
    int too_big;
    int64_t started; /* monotonic, for the time a probe may still take */
    /* Measured when the transfer ended (a probe must not overwrite them). */
    CURLcode cc;
    long code;
    double dns, con, fb; /* this hop's, for the phase a timeout hit */
    double total;        /* of every hop */
    int probed;
    /* Redirects are followed here, not by libcurl: custom headers go only
     * to the site's origin, and an https check refuses plain http://. */
    int hops;
    struct web_phases before; /* the hops before this one */
    enum web_stop stop;
    char *stop_url;          /* where the redirect not followed pointed */
    int nomem;               /* out of memory while following a redirect */
    long interim;            /* 1xx answers since the last final status */
    struct match_scan *scan; /* NULL when no body rules */
    void *flavour_state;
    char errbuf[CURL_ERROR_SIZE];
};

/* The plugin's descriptor: the same entry points for both flavours, with
 * their own name and description, and the keys and metrics every flavour
 * has (transfer.c) followed by the flavour's own EXTRA_KEYS and
 * EXTRA_METRICS (each ended by a NULL name; NULL for none).  Call after
 * SW_PLUGIN_INIT2; NULL when the lists do not fit. */
const struct sw_plugin *web_describe(const char *name, const char *description,
                                     const struct sw_key *extra_keys,
                                     const struct sw_metric_decl *extra_metrics);

/* The descriptor's entry points. */
int web_init(void **state);
void web_shutdown(void *state);
int web_prepare(void *state, const sw_config *cfg, void **out);
void web_release(void *site);
int web_run(void *site, sw_run *run);
void web_cancel(void *site, sw_run *run);

/* ---- content rules (content.c) ---- */

int web_content_prepare(const sw_config *cfg, struct web_site *ws);
void web_content_free(struct web_content *c);
int web_content_has_body_rules(const struct web_content *c);
struct match_scan *web_content_scan(const struct web_content *c);
/* Add the failed content and header rules; CUT_AT > 0 when the body was cut
 * after that many bytes. */
void web_content_judge(const struct web_content *c, struct match_scan *scan, CURL *easy, int64_t cut_at,
                       struct verdict *v);

#endif
