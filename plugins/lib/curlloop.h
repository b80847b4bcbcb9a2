/* SPDX-License-Identifier: MIT
 *
 * libcurl's multi-socket interface on the sitewatch event loop: curl's
 * sockets become api->watch_fd watchers, its timer one api->timer, and
 * every finished transfer is handed to the owner's callback.  One per
 * plugin (web's checks, email, webhook, alertmanager), so that thousands
 * of transfers share the loop's one thread.  Loop thread only.
 */
#ifndef SW_COMMON_CURLLOOP_H
#define SW_COMMON_CURLLOOP_H

#include <curl/curl.h>

#include <sitewatch/plugin.h>

struct curlloop;

/* EASY finished with RESULT.  It is still in the multi handle: the
 * callback removes it (curlloop_remove) or sets it up again and re-adds
 * it (a redirect, a probe).  It may start and end other transfers. */
typedef void (*curlloop_done_fn)(CURL *easy, CURLcode result, void *ud);

/* A multi handle on API's loop; DONE(easy, result, UD) for each finished
 * transfer.  NULL when out of memory.  The caller has called
 * curl_global_init. */
struct curlloop *curlloop_new(const struct sw_host_api *api, curlloop_done_fn done, void *ud);
/* The multi handle, for multi options of the owner's own. */
CURLM *curlloop_multi(struct curlloop *cl);
/* Start EASY (0) or SW_EPLUGIN when curl refuses it. */
int curlloop_add(struct curlloop *cl, CURL *easy);
/* Take EASY out (running or finished); the caller still owns it. */
void curlloop_remove(struct curlloop *cl, CURL *easy);
/* Free the multi handle, its watchers and timer; every transfer must have
 * been removed. NULL is a no-op. */
void curlloop_free(struct curlloop *cl);

/* For a plugin whose transfers all go through one curlloop (the notify
 * plugins): its init, libcurl initialised and the loop made into *STATE
 * (0, SW_EPLUGIN or SW_ENOMEM, then nothing left to undo), and its
 * shutdown, both undone. */
int curlloop_plugin_init(const struct sw_host_api *api, curlloop_done_fn done, void **state);
void curlloop_plugin_shutdown(void *state);

#endif
