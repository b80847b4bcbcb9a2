/* SPDX-License-Identifier: MIT
 * The host table handed to every plugin, and the event loop behind it. */
#ifndef SW_HOST_H
#define SW_HOST_H

#include <uv.h>

#include "sitewatch/plugin.h"

const struct sw_host_api *sw_host_api(void);
/* The loop that watch_fd/timer_* use; set before any plugin runs. */
void sw_host_set_loop(uv_loop_t *loop);
uv_loop_t *sw_host_loop(void);
/* Close what the host keeps on the loop (its socket set), before the
 * loop is run for the last time and closed. */
void sw_host_release_loop(void);
int64_t sw_now_mono(void);
/* This process is the daemon (`run`): api->is_daemon() says so to plugins. */
void sw_host_set_daemon(int on);
int64_t sw_now_wall(void);

#endif
