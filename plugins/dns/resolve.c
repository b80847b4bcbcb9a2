/* SPDX-License-Identifier: MIT
 *
 * One question to one server on c-ares, driven by the sitewatch loop: the
 * channel's socket-state callback opens and closes host fd watchers, and a
 * host timer is re-armed from ares_timeout() after every step.  No thread,
 * no blocking call.
 *
 * Each query has its own channel with exactly that one server: the reason
 * can then say which server answered (or did not), a TCP site does not share
 * connections with a UDP one, and cancelling is ares_destroy().  A channel
 * is cheap once /etc/resolv.conf is not read, so every option that would
 * make c-ares read it is given; cheaper still is not to make it again: a
 * channel whose query ended normally goes to a small pool, keyed by its
 * server, protocol and timeout, for the next query of the same kind (a
 * cancelled one is destroyed).  An idle channel holds no socket: without
 * ARES_FLAG_STAYOPEN c-ares closes them when nothing is pending.
 */
#include <arpa/inet.h>
#include <ares.h>
#include <arpa/nameser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

struct dns_watch {
    ares_socket_t fd;
    sw_watch *w;
};

/* Idle channels for reuse; the sock-state callback finds the query a
 * channel serves through its slot, as the callback's data is fixed when
 * the channel is made. */
#define DNS_POOL 64

struct dns_chan {
    ares_channel ch;
    struct dns_query *q; /* the query it serves, or NULL when idle */
    char *key;           /* server, protocol and timeout */
};

static struct dns_chan *dns_pool[DNS_POOL];
static int dns_npool;

static void dns_chan_destroy(struct dns_chan *chan);

struct dns_query {
    struct dns_chan *chan;
    ares_channel ch;
    sw_timer *timer;
    struct dns_watch watches[4]; /* one UDP socket, or a TCP one, per server */
    int nwatches;
    dns_done_cb cb;
    void *ud;
    int64_t sent;
    /* Set by the c-ares callback; acted on once c-ares has returned. */
    int done, status, alen;
    unsigned char *abuf;
    int64_t took;
};

static char *dns_system[9];

int dns_resolve_init(void)
{
    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
        return SW_EPLUGIN;
    /* The system's servers, once: a default channel reads resolv.conf. */
    ares_channel ch;
    struct ares_addr_port_node *servers = NULL;
    int n = 0;
    if (ares_init(&ch) == ARES_SUCCESS) {
        if (ares_get_servers_ports(ch, &servers) == ARES_SUCCESS) {
            for (struct ares_addr_port_node *s = servers; s && n < 8; s = s->next) {
                char a[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 10];
                inet_ntop(s->family, &s->addr, a, sizeof a);
                int port = s->udp_port ? s->udp_port : 53;
                snprintf(text, sizeof text, s->family == AF_INET6 ? "[%s]:%d" : "%s:%d", a, port);
                if ((dns_system[n] = strdup(text)))
                    n++;
            }
            ares_free_data(servers);
        }
        ares_destroy(ch);
    }
    if (!n && !(dns_system[0] = strdup("127.0.0.1:53"))) { /* what resolv.conf(5) means by none */
        ares_library_cleanup();
        return SW_ENOMEM;
    }
    return 0;
}

void dns_resolve_cleanup(void)
{
    while (dns_npool)
        dns_chan_destroy(dns_pool[--dns_npool]);
    for (int i = 0; dns_system[i]; i++) {
        free(dns_system[i]);
        dns_system[i] = NULL;
    }
    ares_library_cleanup();
}

const char *const *dns_system_servers(void)
{
    return (const char *const *)dns_system;
}

/* ---- the channel on the loop ---- */

static void dns_step(struct dns_query *q);

static void dns_on_fd(sw_watch *w, int fd, int events, void *ud)
{
    (void)w;
    struct dns_query *q = ud;
    int rd = events < 0 || (events & SW_WATCH_READ), wr = events < 0 || (events & SW_WATCH_WRITE);
    ares_process_fd(q->ch, rd ? fd : ARES_SOCKET_BAD, wr ? fd : ARES_SOCKET_BAD);
    dns_step(q);
}

static void dns_on_timer(sw_timer *t, void *ud)
{
    (void)t;
    struct dns_query *q = ud;
    ares_process_fd(q->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    dns_step(q);
}

static void dns_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    struct dns_chan *chan = data;
    struct dns_query *q = chan->q;
    if (!q)
        return; /* an idle channel closing a socket: no watcher left to drop */
    int ev = (readable ? SW_WATCH_READ : 0) | (writable ? SW_WATCH_WRITE : 0);
    for (int i = 0; i < q->nwatches; i++) {
        if (q->watches[i].fd != fd)
            continue;
        if (ev) {
            sw_api->watch_update(q->watches[i].w, ev);
        } else {
            sw_api->watch_close(q->watches[i].w);
            q->watches[i] = q->watches[--q->nwatches];
        }
        return;
    }
    if (ev && q->nwatches < (int)(sizeof q->watches / sizeof *q->watches)) {
        sw_watch *w = sw_api->watch_fd(fd, ev, dns_on_fd, q);
        if (w)
            q->watches[q->nwatches++] = (struct dns_watch){fd, w};
    }
}

static void dns_answered(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    struct dns_query *q = arg;
    if (status == ARES_EDESTRUCTION || q->done)
        return;
    q->done = 1;
    q->status = status;
    q->took = sw_api->now_mono() - q->sent;
    if (abuf && alen > 0 && (q->abuf = malloc((size_t)alen))) {
        memcpy(q->abuf, abuf, (size_t)alen);
        q->alen = alen;
    }
}

static void dns_chan_destroy(struct dns_chan *chan)
{
    ares_destroy(chan->ch);
    free(chan->key);
    free(chan);
}

/* KEEP: the query ended normally, its channel may serve another. */
static void dns_free(struct dns_query *q, int keep)
{
    struct dns_chan *chan = q->chan;
    if (keep && dns_npool < DNS_POOL && ares_timeout(chan->ch, NULL, &(struct timeval){0}) == NULL) {
        chan->q = NULL; /* nothing pending: its sockets are closed or closing */
        dns_pool[dns_npool++] = chan;
    } else {
        dns_chan_destroy(chan); /* closes its sockets: dns_sock_state drops the watchers */
    }
    while (q->nwatches)
        sw_api->watch_close(q->watches[--q->nwatches].w);
    sw_api->timer_close(q->timer);
    free(q->abuf);
    free(q);
}

/* After c-ares ran: hand a finished query back, else wait for its next
 * timeout. */
static void dns_step(struct dns_query *q)
{
    if (q->done) {
        dns_done_cb cb = q->cb;
        void *ud = q->ud;
        int status = q->status, alen = q->alen;
        unsigned char *abuf = q->abuf;
        int64_t took = q->took;
        q->abuf = NULL;
        dns_free(q, 1);
        cb(ud, status, abuf, alen, took);
        free(abuf);
        return;
    }
    struct timeval tv, *tvp = ares_timeout(q->ch, NULL, &tv);
    if (tvp)
        sw_api->timer_start(q->timer, (int64_t)tvp->tv_sec * SW_S + tvp->tv_usec);
    else
        sw_api->timer_stop(q->timer);
}

static struct dns_chan *dns_chan_new(const char *server, int tcp, int64_t timeout, const char *key)
{
    struct dns_chan *chan = calloc(1, sizeof *chan);
    if (!chan || !(chan->key = strdup(key))) {
        free(chan);
        return NULL;
    }
    struct in_addr placeholder = {htonl(INADDR_LOOPBACK)};
    char lookups[] = "b";
    struct ares_options o = {
        /* The rcode as the server sent it (no retrying elsewhere on
         * SERVFAIL), no search list, no HOSTALIASES. */
        .flags =
            ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | (tcp ? ARES_FLAG_USEVC : 0),
        .timeout = (int)(timeout / SW_MS > 0 ? timeout / SW_MS : 1),
        .tries = 1,
        .ndots = 1,
        .servers = &placeholder, /* replaced below; given so resolv.conf is not read */
        .nservers = 1,
        .lookups = lookups,
        .sock_state_cb = dns_sock_state,
        .sock_state_cb_data = chan,
    };
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_NDOTS | ARES_OPT_SERVERS |
               ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS | ARES_OPT_SORTLIST | ARES_OPT_SOCK_STATE_CB;
    if (ares_init_options(&chan->ch, &o, mask) != ARES_SUCCESS) {
        free(chan->key);
        free(chan);
        return NULL;
    }
    if (ares_set_servers_ports_csv(chan->ch, server) != ARES_SUCCESS) {
        dns_chan_destroy(chan);
        return NULL;
    }
    return chan;
}

struct dns_query *dns_query_start(const char *server, const char *name, int type, int tcp, int64_t timeout,
                                  dns_done_cb cb, void *ud)
{
    struct dns_query *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->cb = cb;
    q->ud = ud;
    char key[512];
    snprintf(key, sizeof key, "%s|%d|%lld", server, tcp, (long long)timeout);
    for (int i = dns_npool - 1; i >= 0 && !q->chan; i--) {
        if (strcmp(dns_pool[i]->key, key) == 0) {
            q->chan = dns_pool[i];
            dns_pool[i] = dns_pool[--dns_npool];
        }
    }
    if (!q->chan && !(q->chan = dns_chan_new(server, tcp, timeout, key))) {
        free(q);
        return NULL;
    }
    q->chan->q = q;
    q->ch = q->chan->ch;
    if (!(q->timer = sw_api->timer_new(dns_on_timer, q))) {
        dns_chan_destroy(q->chan);
        free(q);
        return NULL;
    }
    q->sent = sw_api->now_mono();
    ares_query(q->ch, name, ns_c_in, type, dns_answered, q);
    /* Even an answer known at once (a send error) is handed back from the
     * loop, never from inside this call. */
    if (q->done)
        sw_api->timer_start(q->timer, 0);
    else
        dns_step(q);
    return q;
}

void dns_query_cancel(struct dns_query *q)
{
    q->done = 1; /* dns_answered ignores the destruction it causes */
    dns_free(q, 0);
}
