/* SPDX-License-Identifier: MIT
 * The daemon's alerting: a sink that counts each result into its series'
 * alert state (alert.h) and, in the same transaction of the state file
 * (alertdb.h), puts each event it owes into the outbox of every notifier
 * the site names; a tick each second for what time alone makes owed
 * (reminders, the end of a maintenance window or a silence, a parent that
 * recovered).  Only series that are not UP, or were told, are held in
 * memory and in the file. */
#ifndef SW_ALERTS_H
#define SW_ALERTS_H

#include "config.h"
#include "engine.h"
#include "notifier.h"

struct sw_alerts;

/* Open C's state file and its outboxes for NS.  NULL with *WHY (to free)
 * when the file cannot be opened or another daemon writes it. */
struct sw_alerts *sw_alerts_open(struct sw_conf *c, struct sw_notifiers *ns, char **why);
/* Register the sink with E and start the tick and the deliveries; Q's
 * health is watched for the alerts about sitewatch itself. */
struct sw_storeq;
void sw_alerts_start(struct sw_alerts *al, struct sw_engine *e, struct sw_storeq *q);
/* Sitewatch about itself: PART ("storage sqlite") is FAILING (with
 * REASON) or not; a change is a SELF event (or its UP) to [core]
 * notify_self. */
void sw_alerts_self(struct sw_alerts *al, const char *part, int failing, const char *reason);
/* After its first look: every part of sitewatch the state file holds as
 * not well (from before a restart: a plugin since fixed, a storage since
 * removed) for which FAILING says no is told well again. */
void sw_alerts_self_settle(struct sw_alerts *al, int (*failing)(void *ctx, const char *part), void *ctx);
/* The outbox's counts, for the self-watch and `alerts`. */
struct sw_outbox *sw_alerts_outbox(struct sw_alerts *al);
/* Stop (before the loop's last run): what is owed stays in the file. */
void sw_alerts_free(struct sw_alerts *al);

/* "site/check/location": a series' key in the state file. */
char *sw_alert_key(const char *site, const char *check, const char *location);

#endif
