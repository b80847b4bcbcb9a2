/* SPDX-License-Identifier: MIT
 * The notifiers: one opened instance of a notify plugin per [notify NAME]
 * section, and one delivery at a time through it, bounded by its timeout.
 * What is sent when (the outbox, backoff, digests) is outbox.c's; this is
 * the door to the plugin, which `notify-test` uses alone. */
#ifndef SW_NOTIFIER_H
#define SW_NOTIFIER_H

#include "config.h"
#include "loader.h"
#include "message.h"

struct sw_notifier {
    char *name;
    char *label; /* "[notify NAME] (file:line)", for logs */
    struct sw_loaded *plugin;
    void *inst;
    int64_t timeout, group_wait, give_up_after;
    /* The delivery under way (one at a time), and its deadline. */
    sw_message *busy;
    void *timer;       /* uv_timer_t, made on first use */
    sw_message *spent; /* the last one done, freed when the next starts */
    /* Who hears of the delivery's end (the outbox, or notify-test). */
    sw_message_done_fn done;
    void *ud;
};

struct sw_notifiers {
    struct sw_notifier *v;
    int n;
};

/* Open every [notify NAME] of C whose plugin loaded: its notify_open
 * checks the section (errors go into C's list, for validate).  A notifier
 * that cannot open is logged and left out. */
struct sw_notifiers *sw_notifiers_open(struct sw_conf *c);
/* The notifier NAME, or NULL. */
struct sw_notifier *sw_notifiers_find(struct sw_notifiers *ns, const char *name);
/* Close each instance; a delivery still under way is cancelled first. */
void sw_notifiers_free(struct sw_notifiers *ns);

/* A message for N, whose end goes to N's done callback. */
sw_message *sw_notifier_message(struct sw_notifier *n);
/* Hand M to N's plugin (N must not be busy).  The end always comes
 * through N->done, also when the plugin could not start (then during the
 * call) or overran its timeout (then as SW_ETIMEOUT). */
void sw_notifier_send(struct sw_notifier *n, sw_message *m);

#endif
