/* SPDX-License-Identifier: MIT
 *
 * The xmpp notify plugin's parts: a notifier's configuration (xmpp.c),
 * one delivery as the loop sees it (send.c: the thread, its deadline, its
 * end) and the XMPP session that thread runs with libstrophe (session.c,
 * its end in words in words.c).
 *
 * Why a thread: libstrophe 0.12 cannot be driven from the host loop
 * without blocking it.  Its TLS handshake (tls_start) and its TLS close
 * (tls_stop) loop on SSL_connect / SSL_shutdown with select() until they
 * end, with no bound of their own; and it resolves names with res_query
 * and getaddrinfo, both blocking.  So each delivery runs one libstrophe
 * context on a thread of its own; the loop only watches an eventfd for
 * its end and keeps the deadline, and stopping it shuts the socket down,
 * which ends any of those waits but a DNS lookup (bounded by resolv.conf).
 */
#ifndef SW_XMPP_H
#define SW_XMPP_H

#include <pthread.h>
#include <stdatomic.h>

#include <sitewatch/plugin.h>

#include "lib/buf.h"

/* The host table, sw_api: defined by SW_PLUGIN_INIT1 in xmpp.c. */
SW_PLUGIN_INIT3

struct xm_send;

/* One [notify NAME] section of plugin xmpp.  Read-only once open: the
 * delivery threads read it without a lock. */
struct xm_inst {
    char *name;     /* the section's, for the log */
    char *jid;      /* who sitewatch logs in as */
    char *domain;   /* the JID's domain: the name its certificate must carry */
    char *password; /* password_file's first line */
    char **to;      /* the recipients' JIDs */
    int nto;
    char *server; /* NULL: the domain's SRV records (then the domain itself) */
    int port;
    char *ca_file;         /* NULL: the system's CAs only */
    struct xm_send *sends; /* deliveries whose thread is not joined yet */
};

/* How far a delivery got, for what is said when it stops there. */
enum xm_stage { XM_RESOLVE, XM_CONNECT, XM_LOGIN, XM_CONFIRM, XM_CLOSE };

/* One delivery.  The loop thread owns it; the session thread writes only
 * what is marked, and the loop reads those after the join. */
struct xm_send {
    struct xm_inst *in;
    struct xm_send *next;
    sw_message *m; /* NULL once message_done was called */
    char *body;    /* subject, a blank line, text: the thread never reads M */
    char *id;      /* the message's stable id, for the stanzas' ids */
    pthread_t thread;
    int efd; /* the thread's end, for the loop (eventfd) */
    sw_watch *watch;
    sw_timer *timer;
    atomic_int stop;  /* set by the loop: end the session now */
    atomic_int stage; /* enum xm_stage, set by the thread */
    /* Guards sock and endpoint, which the thread sets and the loop reads
     * when it gives up. */
    pthread_mutex_t mu;
    int sock;           /* a dup of libstrophe's socket, to shut it down; -1 */
    char endpoint[300]; /* "host:port" as libstrophe connects to it */
    /* The outcome, written by the thread before it signals. */
    int err;
    struct buf why;
};

/* notify_send and notify_cancel (send.c). */
int xm_send(void *inst, sw_message *m);
void xm_cancel(void *inst, sw_message *m);
/* Every delivery of IN stopped and joined: for notify_close. */
void xm_sends_stop(struct xm_inst *in);

/* The session thread (session.c): delivers X->body to every recipient,
 * sets X->err and X->why, then signals X->efd. */
void *xm_session(void *x);
/* The endpoint X is at, or what it would be ("host:port"), into OUT. */
void xm_endpoint(struct xm_send *x, char *out, size_t n);
/* Words for a stage: "while connecting", ... */
const char *xm_stage_words(int stage);

#endif
