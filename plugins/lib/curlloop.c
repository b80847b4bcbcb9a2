/* SPDX-License-Identifier: MIT
 *
 * libcurl multi-socket <-> the host loop (curlloop.h): curl says which
 * sockets to watch and when to wake it; the loop says which are ready.
 */
#include <stdlib.h>

#include "curlloop.h"

struct curlloop {
    const struct sw_host_api *api;
    CURLM *multi;
    sw_timer *timer;
    curlloop_done_fn done;
    void *ud;
};

/* Hand every finished transfer to the owner. */
static void cl_drain(struct curlloop *cl)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(cl->multi, &left)))
        if (m->msg == CURLMSG_DONE)
            cl->done(m->easy_handle, m->data.result, cl->ud);
}

static void cl_on_fd(sw_watch *w, int fd, int events, void *ud)
{
    (void)w;
    struct curlloop *cl = ud;
    /* On a socket error (a reset, say) let curl read: the read names the
     * error ("Connection reset by peer"), CURL_CSELECT_ERR only says
     * "select/poll returned error". */
    int flags = events < 0 ? CURL_CSELECT_IN | CURL_CSELECT_OUT
                           : ((events & SW_WATCH_READ) ? CURL_CSELECT_IN : 0) |
                                 ((events & SW_WATCH_WRITE) ? CURL_CSELECT_OUT : 0);
    int running;
    curl_multi_socket_action(cl->multi, fd, flags, &running);
    cl_drain(cl);
}

static int cl_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)easy;
    struct curlloop *cl = userp;
    sw_watch *w = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (w)
            cl->api->watch_close(w);
        curl_multi_assign(cl->multi, s, NULL);
        return 0;
    }
    int ev = (what & CURL_POLL_IN ? SW_WATCH_READ : 0) | (what & CURL_POLL_OUT ? SW_WATCH_WRITE : 0);
    if (!w) {
        w = cl->api->watch_fd(s, ev, cl_on_fd, cl);
        if (!w)
            return -1;
        curl_multi_assign(cl->multi, s, w);
        return 0;
    }
    return cl->api->watch_update(w, ev) == 0 ? 0 : -1;
}

static void cl_on_timer(sw_timer *t, void *ud)
{
    (void)t;
    struct curlloop *cl = ud;
    int running;
    curl_multi_socket_action(cl->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    cl_drain(cl);
}

static int cl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    struct curlloop *cl = userp;
    if (!cl->timer)
        cl->timer = cl->api->timer_new(cl_on_timer, cl);
    if (!cl->timer)
        return -1;
    if (timeout_ms < 0)
        cl->api->timer_stop(cl->timer);
    else
        cl->api->timer_start(cl->timer, (int64_t)timeout_ms * SW_MS);
    return 0;
}

struct curlloop *curlloop_new(const struct sw_host_api *api, curlloop_done_fn done, void *ud)
{
    struct curlloop *cl = calloc(1, sizeof *cl);
    if (!cl || !(cl->multi = curl_multi_init())) {
        free(cl);
        return NULL;
    }
    cl->api = api;
    cl->done = done;
    cl->ud = ud;
    curl_multi_setopt(cl->multi, CURLMOPT_SOCKETFUNCTION, cl_socket_cb);
    curl_multi_setopt(cl->multi, CURLMOPT_SOCKETDATA, cl);
    curl_multi_setopt(cl->multi, CURLMOPT_TIMERFUNCTION, cl_timer_cb);
    curl_multi_setopt(cl->multi, CURLMOPT_TIMERDATA, cl);
    return cl;
}

CURLM *curlloop_multi(struct curlloop *cl)
{
    return cl->multi;
}

int curlloop_add(struct curlloop *cl, CURL *easy)
{
    return curl_multi_add_handle(cl->multi, easy) == CURLM_OK ? 0 : SW_EPLUGIN;
}

void curlloop_remove(struct curlloop *cl, CURL *easy)
{
    curl_multi_remove_handle(cl->multi, easy);
}

void curlloop_free(struct curlloop *cl)
{
    if (!cl)
        return;
    curl_multi_cleanup(cl->multi);
    if (cl->timer)
        cl->api->timer_close(cl->timer);
    free(cl);
}

int curlloop_plugin_init(const struct sw_host_api *api, curlloop_done_fn done, void **state)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return SW_EPLUGIN;
    struct curlloop *cl = curlloop_new(api, done, NULL);
    if (!cl) {
        curl_global_cleanup();
        return SW_ENOMEM;
    }
    *state = cl;
    return 0;
}

void curlloop_plugin_shutdown(void *state)
{
    curlloop_free(state);
    curl_global_cleanup();
}
