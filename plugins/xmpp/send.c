/* SPDX-License-Identifier: MIT
 *
 * One delivery of the xmpp plugin as the loop sees it: a session thread
 * started (session.c), its end watched on an eventfd, its deadline on a
 * host timer.  Past the deadline, or when the core cancels, the loop ends
 * the delivery at once (message_done says how far it got) and stops the
 * thread: a flag its loop reads, and the socket shut down, which wakes
 * libstrophe from any wait on it.  The thread is joined when it signals,
 * or by notify_close.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xmpp.h"

const char *xm_stage_words(int stage)
{
    switch (stage) {
    case XM_RESOLVE: return "resolving";
    case XM_CONNECT: return "connecting to";
    case XM_LOGIN: return "logging in (TLS, SASL) at";
    case XM_CONFIRM: return "waiting for the confirmation from";
    default: return "closing the stream to";
    }
}

void xm_endpoint(struct xm_send *x, char *out, size_t n)
{
    pthread_mutex_lock(&x->mu);
    if (x->endpoint[0])
        snprintf(out, n, "%s", x->endpoint);
    else if (x->in->server)
        snprintf(out, n, strchr(x->in->server, ':') ? "[%s]:%d" : "%s:%d", x->in->server, x->in->port);
    else
        snprintf(out, n, "%s", x->in->domain); /* its SRV records are not looked up yet */
    pthread_mutex_unlock(&x->mu);
}

static void xm_send_free(struct xm_send *x)
{
    if (x->watch)
        sw_api->watch_close(x->watch);
    if (x->timer)
        sw_api->timer_close(x->timer);
    if (x->efd >= 0)
        close(x->efd);
    pthread_mutex_destroy(&x->mu);
    if (x->body) {
        explicit_bzero(x->body, strlen(x->body));
        free(x->body);
    }
    free(x->id);
    buf_free(&x->why);
    free(x);
}

static void xm_unlink(struct xm_send *x)
{
    for (struct xm_send **p = &x->in->sends; *p; p = &(*p)->next)
        if (*p == x) {
            *p = x->next;
            return;
        }
}

/* The one end of the delivery for the core, whichever comes first. */
static void xm_finish(struct xm_send *x, int err, const char *why)
{
    sw_message *m = x->m;
    if (!m)
        return;
    x->m = NULL;
    sw_api->timer_stop(x->timer);
    sw_api->message_set_data(m, NULL);
    sw_api->message_done(m, err, "%s", why);
}

/* Make the session end soon.  Its socket is a dup the thread keeps open
 * until it ends, so the descriptor cannot be someone else's by now. */
static void xm_stop(struct xm_send *x)
{
    atomic_store(&x->stop, 1);
    pthread_mutex_lock(&x->mu);
    if (x->sock >= 0)
        shutdown(x->sock, SHUT_RDWR);
    pthread_mutex_unlock(&x->mu);
}

/* The deadline passed (or the core cancels): say where it was. */
static void xm_give_up(struct xm_send *x, int cancelled)
{
    if (!x->m)
        return;
    char t[32], ep[300];
    sw_api->format_duration(sw_api->message_timeout(x->m), t, sizeof t);
    xm_endpoint(x, ep, sizeof ep);
    struct buf why = {0};
    buf_printf(&why, cancelled ? "cancelled (timeout %s) while %s %s" : "timed out after %s %s %s", t,
               xm_stage_words(atomic_load(&x->stage)), ep);
    xm_stop(x);
    xm_finish(x, SW_ETIMEOUT, why.failed ? "timed out" : why.s);
    buf_free(&why);
}

static void xm_deadline(sw_timer *t, void *ud)
{
    (void)t;
    xm_give_up(ud, 0);
}

/* The session thread ended: join it and, unless the loop gave up on it
 * already, end the delivery with what the session found. */
static void xm_ended(sw_watch *w, int fd, int events, void *ud)
{
    (void)w;
    (void)events;
    struct xm_send *x = ud;
    uint64_t one;
    if (read(fd, &one, sizeof one) < 0 && errno == EAGAIN)
        return; /* not yet */
    pthread_join(x->thread, NULL);
    xm_unlink(x);
    xm_finish(x, x->err, x->why.failed ? "(out of memory while saying more)" : x->why.s ? x->why.s : "");
    xm_send_free(x);
}

/* The thread, with every signal blocked: the host's handlers stay on the
 * loop thread, and a write to a socket the server closed fails with
 * EPIPE rather than killing the process (libstrophe does not ask for
 * MSG_NOSIGNAL, and OpenSSL writes with write()). */
static int xm_start_thread(struct xm_send *x)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&x->thread, NULL, xm_session, x);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc == 0 ? 0 : rc == EAGAIN ? SW_ENOMEM : SW_EPLUGIN;
}

int xm_send(void *inst, sw_message *m)
{
    struct xm_inst *in = inst;
    struct xm_send *x = calloc(1, sizeof *x);
    if (!x)
        return SW_ENOMEM;
    x->in = in;
    x->m = m;
    x->sock = -1;
    x->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    pthread_mutex_init(&x->mu, NULL);
    struct buf body = {0};
    buf_printf(&body, "%s\n\n%s", sw_api->message_subject(m), sw_api->message_text(m));
    x->body = body.failed ? NULL : body.s;
    x->id = strdup(sw_api->message_id(m));
    int rc = x->efd < 0 ? SW_EIO : !x->body || !x->id ? SW_ENOMEM : 0;
    if (rc == 0) {
        x->watch = sw_api->watch_fd(x->efd, SW_WATCH_READ, xm_ended, x);
        x->timer = sw_api->timer_new(xm_deadline, x);
        rc = x->watch && x->timer ? 0 : SW_ENOMEM;
    }
    if (rc == 0)
        rc = sw_api->timer_start(x->timer, sw_api->message_timeout(m));
    if (rc == 0)
        rc = xm_start_thread(x);
    if (rc) {
        x->m = NULL;
        xm_send_free(x);
        return rc;
    }
    x->next = in->sends;
    in->sends = x;
    sw_api->message_set_data(m, x);
    return 0;
}

void xm_cancel(void *inst, sw_message *m)
{
    (void)inst;
    struct xm_send *x = m ? sw_api->message_data(m) : NULL;
    if (x && x->m == m) /* not ended already */
        xm_give_up(x, 1);
}

void xm_sends_stop(struct xm_inst *in)
{
    while (in->sends) {
        struct xm_send *x = in->sends;
        if (x->m) /* the core cancels first: this is for a core that did not */
            xm_give_up(x, 1);
        xm_stop(x);
        /* Bounded: the socket is shut, so only a DNS lookup under way can
         * hold it, as long as resolv.conf lets it. */
        pthread_join(x->thread, NULL);
        in->sends = x->next;
        xm_send_free(x);
    }
}
