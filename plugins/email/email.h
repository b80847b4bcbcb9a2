/* SPDX-License-Identifier: MIT
 *
 * The email notify plugin's parts: a notifier's configuration (email.c)
 * and the delivery of one message over SMTP on the loop (send.c).
 */
#ifndef SW_EMAIL_H
#define SW_EMAIL_H

#include <curl/curl.h>

#include <sitewatch/plugin.h>

#include "mail.h"

/* The host table, sw_api: defined by SW_PLUGIN_INIT1 in email.c. */
SW_PLUGIN_INIT3

struct curlloop;
struct em_send;

/* One [notify NAME] section of plugin email. */
struct em_inst {
    struct curlloop *loop; /* the plugin's state: every notifier's transfers share it */
    char *name;            /* the section's, for the log */
    char *url;             /* smtp://host:port/ or smtps://... */
    char *hostport;        /* "host:port", for what went wrong */
    struct mail_addr from;
    struct mail_addr *to;
    int nto;
    struct curl_slist *rcpt; /* "<addr>" of every recipient */
    int tls_required;        /* STARTTLS (smtp://) or TLS from the start (smtps://) */
    char *user, *password;   /* both or neither; the password from password_file */
    char *ca_file;           /* NULL: the system's CAs */
    struct em_send *cur;     /* the delivery under way, NULL when none */
};

/* The finished transfers of the plugin's curlloop. */
void em_transfer_done(CURL *easy, CURLcode cc, void *ud);
/* notify_send and notify_cancel. */
int em_send(void *inst, sw_message *m);
void em_cancel(void *inst, sw_message *m);

#endif
