/* SPDX-License-Identifier: MIT
 * Child processes on the host loop: api->proc_spawn and api->proc_cancel
 * (sitewatch/plugin.h says what they promise). */
#ifndef SW_SPAWN_H
#define SW_SPAWN_H

#include "sitewatch/plugin.h"

int sw_proc_spawn(const struct sw_spawn *sp, sw_proc_cb cb, void *ud, sw_proc **proc);
void sw_proc_cancel(sw_proc *proc);

#endif
