/* SPDX-License-Identifier: MIT
 *
 * One XMPP session of the xmpp plugin, on its own thread (xmpp.h says
 * why): log in with libstrophe, send one chat message to each recipient,
 * then a ping (XEP-0199) to the server, and close the stream once it is
 * answered.  The server handles a session's stanzas in order, so its
 * answer means it took every message, and any it refused (an unknown
 * user, one who cannot receive) bounced before it: those are named in
 * the answer, and the delivery counts when at least one recipient took
 * it, as for a mail.  A clean close alone would only say the bytes left.
 *
 * What went wrong is gathered from what libstrophe tells (words.c words
 * it): its connection events, the certificate check it hands over, and a
 * few of its log lines (the address it connects to, connect errors, SASL
 * mechanisms refused), matched by their text in 0.12.  Its log also
 * carries every stanza, PLAIN's credentials among them: nothing else of
 * it is kept, and its memory is wiped as it is freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "session.h"

/* libstrophe's certificate and socket callbacks carry no user data. */
static _Thread_local struct xs *xs_self;

/* Text from the server into DST (N bytes), control characters as spaces:
 * it ends up in one log line. */
static void xs_copy(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < n; i++)
        dst[i] = (unsigned char)src[i] < ' ' ? ' ' : src[i];
    dst[i] = '\0';
}

/* ---- libstrophe's memory, wiped when freed ---- */

static void *xs_alloc(size_t n, void *ud)
{
    (void)ud;
    return malloc(n);
}

static void xs_free(void *p, void *ud)
{
    (void)ud;
    if (p)
        explicit_bzero(p, malloc_usable_size(p));
    free(p);
}

/* A new block every time, so that no copy is left behind unwiped. */
static void *xs_realloc(void *p, size_t n, void *ud)
{
    if (!p)
        return malloc(n);
    void *q = malloc(n ? n : 1);
    if (!q)
        return NULL;
    size_t old = malloc_usable_size(p);
    memcpy(q, p, old < n ? old : n);
    xs_free(p, ud);
    return q;
}

/* ---- what libstrophe says ---- */

static int xs_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "sock_connect() to HOST:PORT returned FD": where it connects. */
static void xs_log_endpoint(struct xs *s, const char *msg)
{
    const char *hp = msg + strlen("sock_connect() to "), *end = strstr(hp, " returned ");
    const char *colon = end ? hp : NULL;
    for (const char *p = hp; end && p < end; p++)
        if (*p == ':')
            colon = p;
    if (!end || colon == hp)
        return;
    struct xm_send *x = s->x;
    int v6 = memchr(hp, ':', (size_t)(colon - hp)) != NULL;
    pthread_mutex_lock(&x->mu);
    snprintf(x->endpoint, sizeof x->endpoint, v6 ? "[%.*s]%.*s" : "%.*s%.*s", (int)(colon - hp), hp,
             (int)(end - colon), colon);
    pthread_mutex_unlock(&x->mu);
}

static void xs_log(void *ud, xmpp_log_level_t level, const char *area, const char *msg)
{
    struct xs *s = ud;
    if (level == XMPP_LEVEL_ERROR) {
        xs_copy(s->lasterr, sizeof s->lasterr, msg);
        return;
    }
    if (level != XMPP_LEVEL_DEBUG)
        return;
    int n;
    if (strcmp(area, "xmpp") == 0 && xs_starts(msg, "sock_connect() to ")) {
        xs_log_endpoint(s, msg);
    } else if (strcmp(area, "xmpp") == 0 && strcmp(msg, "connection successful") == 0) {
        s->tcp_up = 1;
        atomic_store(&s->x->stage, XM_LOGIN);
    } else if (strcmp(area, "xmpp") == 0 && sscanf(msg, "connection failed, error %d", &n) == 1) {
        s->os_err = n;
    } else if (strcmp(area, "conn") == 0 && xs_starts(msg, "Couldn't start TLS!")) {
        s->tls_failed = 1;
    } else if (strcmp(area, "xmpp") == 0 && xs_starts(msg, "SASL ")) {
        const char *m = msg + 5, *sp = strchr(m, ' ');
        if (sp && strcmp(sp, " auth failed") == 0)
            buf_printf(&s->sasl, "%s%.*s", s->sasl.len ? ", " : "", (int)(sp - m), m);
    }
}

static int xs_certfail(const xmpp_tlscert_t *cert, const char *const errormsg)
{
    (void)cert;
    struct xs *s = xs_self;
    if (!s->certfail[0]) /* the first: the others follow from it */
        xs_copy(s->certfail, sizeof s->certfail, errormsg);
    return 0;
}

/* Every socket libstrophe makes: kept from child processes, and a dup
 * kept for the loop to shut down (xm_stop). */
static int xs_sockopt(xmpp_conn_t *conn, void *sockp)
{
    (void)conn;
    struct xm_send *x = xs_self->x;
    int fd = *(int *)sockp;
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    pthread_mutex_lock(&x->mu);
    if (x->sock >= 0)
        close(x->sock);
    x->sock = dup;
    pthread_mutex_unlock(&x->mu);
    atomic_store(&x->stage, XM_CONNECT);
    return atomic_load(&x->stop) ? -1 : 0;
}

/* ---- the session ---- */

/* A and B are the same account: equal up to a /resource, any case. */
static int xs_same_jid(const char *a, const char *b)
{
    size_t na = strcspn(a, "/"), nb = strcspn(b, "/");
    return na == nb && strncasecmp(a, b, na) == 0;
}

/* A message came back as an error: that recipient did not get it. */
static int xs_bounce(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    (void)conn;
    struct xs *s = ud;
    xmpp_stanza_t *err = xmpp_stanza_get_child_by_name(st, "error"), *c;
    const char *cond = "error";
    char *text = NULL;
    for (c = err ? xmpp_stanza_get_children(err) : NULL; c; c = xmpp_stanza_get_next(c)) {
        const char *name = xmpp_stanza_get_name(c);
        if (name && strcmp(name, "text") == 0)
            text = xmpp_stanza_get_text(c);
        else if (name)
            cond = name;
    }
    char from[300], words[200];
    xs_copy(from, sizeof from, xmpp_stanza_get_from(st));
    xs_copy(words, sizeof words, text);
    buf_printf(&s->refused, "%s%s (%s%s%s)", s->refused.len ? ", " : "", from[0] ? from : "?", cond,
               words[0] ? ": " : "", words);
    if (text)
        xmpp_free(s->ctx, text);
    for (int i = 0; i < s->x->in->nto; i++)
        if (!s->gone[i] && xs_same_jid(from, s->x->in->to[i]))
            s->gone[i] = 1, s->bounced++;
    return 1;
}

static int xs_pong(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    (void)st; /* a result, or an error from a server without ping: an answer all the same */
    struct xs *s = ud;
    s->confirmed = 1;
    atomic_store(&s->x->stage, XM_CLOSE);
    xmpp_disconnect(conn);
    return 0;
}

/* Logged in: the messages, then the ping. */
static void xs_deliver(struct xs *s, xmpp_conn_t *conn)
{
    struct xm_send *x = s->x;
    const struct xm_inst *in = x->in;
    atomic_store(&x->stage, XM_CONFIRM);
    s->connected = 1;
    xs_copy(s->bound, sizeof s->bound, xmpp_conn_get_bound_jid(conn));
    xmpp_handler_add(conn, xs_bounce, NULL, "message", "error", s);
    char id[300];
    for (int i = 0; i < in->nto && !s->nomem; i++) {
        snprintf(id, sizeof id, "%s.%d", x->id, i + 1);
        xmpp_stanza_t *msg = xmpp_message_new(s->ctx, "chat", in->to[i], id);
        if (!msg || xmpp_message_set_body(msg, x->body) != XMPP_EOK)
            s->nomem = 1;
        else
            xmpp_send(conn, msg);
        if (msg)
            xmpp_stanza_release(msg);
    }
    snprintf(id, sizeof id, "%s.ping", x->id);
    xmpp_stanza_t *iq = s->nomem ? NULL : xmpp_iq_new(s->ctx, "get", id), *ping = xmpp_stanza_new(s->ctx);
    if (!iq || !ping || xmpp_stanza_set_to(iq, in->domain) || xmpp_stanza_set_name(ping, "ping") ||
        xmpp_stanza_set_ns(ping, "urn:xmpp:ping") || xmpp_stanza_add_child(iq, ping)) {
        s->nomem = 1;
        xmpp_disconnect(conn);
    } else {
        xmpp_id_handler_add(conn, xs_pong, id, s);
        xmpp_send(conn, iq);
    }
    if (iq)
        xmpp_stanza_release(iq);
    if (ping)
        xmpp_stanza_release(ping);
}

static void xs_event(xmpp_conn_t *conn, xmpp_conn_event_t ev, int error, xmpp_stream_error_t *se, void *ud)
{
    struct xs *s = ud;
    if (ev == XMPP_CONN_CONNECT) {
        xs_deliver(s, conn);
        return;
    }
    s->over = 1;
    s->disc_err = error;
    if (se && !s->stream_error) {
        s->stream_error = (int)se->type + 1;
        xs_copy(s->stream_text, sizeof s->stream_text, se->text);
    }
}

void *xm_session(void *arg)
{
    struct xm_send *x = arg;
    const struct xm_inst *in = x->in;
    struct xs s = {.x = x, .gone = calloc((size_t)in->nto, 1)};
    xs_self = &s;
    xmpp_mem_t mem = {.alloc = xs_alloc, .free = xs_free, .realloc = xs_realloc};
    xmpp_log_t log = {.handler = xs_log, .userdata = &s};
    s.ctx = xmpp_ctx_new(&mem, &log);
    xmpp_conn_t *conn = s.ctx ? xmpp_conn_new(s.ctx) : NULL;
    int rc = conn && s.gone ? 0 : XMPP_EMEM;
    if (rc == 0) {
        xmpp_conn_set_flags(conn, XMPP_CONN_FLAG_MANDATORY_TLS | XMPP_CONN_FLAG_DISABLE_SM);
        xmpp_conn_set_jid(conn, in->jid);
        xmpp_conn_set_pass(conn, in->password);
        if (in->ca_file)
            xmpp_conn_set_cafile(conn, in->ca_file);
        xmpp_conn_set_certfail_handler(conn, xs_certfail);
        xmpp_conn_set_sockopt_callback(conn, xs_sockopt);
        rc = xmpp_connect_client(conn, in->server, (unsigned short)in->port, xs_event, &s);
    }
    if (rc != 0)
        xs_no_start(&s, rc, &x->why);
    /* 200 ms a pass: how soon a stop is seen when nothing else wakes it
     * (the loop also shuts the socket down). */
    while (rc == 0 && !s.over && !atomic_load(&x->stop))
        xmpp_run_once(s.ctx, 200);
    if (conn)
        xmpp_conn_release(conn); /* closes what is still open */
    if (s.ctx)
        xmpp_ctx_free(s.ctx);
    if (rc == 0)
        x->err = s.nomem ? SW_ENOMEM : xs_outcome(&s, &x->why);
    else
        x->err = s.nomem ? SW_ENOMEM : SW_EIO;
    if (s.nomem) {
        buf_reset(&x->why);
        buf_puts(&x->why, "out of memory");
    }
    free(s.gone);
    buf_free(&s.refused);
    buf_free(&s.sasl);
    pthread_mutex_lock(&x->mu);
    if (x->sock >= 0)
        close(x->sock);
    x->sock = -1;
    pthread_mutex_unlock(&x->mu);
    uint64_t one = 1;
    ssize_t w = write(x->efd, &one, sizeof one); /* fails only when the counter would overflow */
    (void)w;
    return NULL;
}
