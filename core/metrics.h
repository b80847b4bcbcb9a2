/* SPDX-License-Identifier: MIT
 * The declared metrics (ABI 1.3) as one list: those of every check plugin
 * a configuration uses, then the core's own, for storage and outputs to
 * name columns, legends and help by (api->metrics_declared). */
#ifndef SW_METRICS_H
#define SW_METRICS_H

#include "sitewatch/plugin.h"

struct sw_loaded;

/* P serves a site or a [check] section: its declared metrics join the
 * list (once; a plugin that failed to load or is no check adds nothing).
 * [any thread] */
void sw_metrics_note(const struct sw_loaded *p);

/* The list as it is now: how many, and *LIST that many entries, each
 * label set.  A list once returned never changes and stays valid for the
 * life of the process; noting a plugin with new metrics makes the next
 * one.  [any thread] */
int sw_metrics_declared(const struct sw_metric_decl *const **list);

#endif
