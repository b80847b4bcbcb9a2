/* SPDX-License-Identifier: MIT
 * What a notifier carries (sw_message, ABI 1.4): one event, or a digest of
 * the events that came within group_wait.  An event is kept as the JSON
 * object docs/alerts.md documents, which is also its outbox payload, so
 * a message made again after a restart says the same.  The core words the
 * subject and the text here, once, for every notify plugin. */
#ifndef SW_MESSAGE_H
#define SW_MESSAGE_H

#include <stdint.h>

#include "sitewatch/plugin.h"

/* One of a series' latest results, for the text's "latest results". */
struct sw_event_result {
    int64_t started, duration;
    int verdict;
    const char *reason;
};

/* An event's fields; NULL or 0 for what it does not have. */
struct sw_event_fields {
    const char *event; /* DOWN, UP, REMINDER, SELF, TEST */
    const char *id, *site, *check, *location;
    int verdict; /* of the latest result; -1: none */
    const char *reason;
    int64_t since, at, downtime; /* microseconds; downtime only for UP */
    const char *url;
    const char *page;                     /* the status site's page, or NULL */
    const struct sw_event_result *latest; /* newest first */
    int nlatest;
};

/* The event as its JSON payload (the documented schema); free() it. */
char *sw_event_payload(const struct sw_event_fields *f);

/* The status site's page of SITE under PUBLIC_URL (NULL: none); free(). */
char *sw_event_page(const char *public_url, const char *site);

/* Called once when the plugin is done with M (message_done): ERR 0 when
 * delivered; ANSWER what the other end said (never NULL). */
typedef void (*sw_message_done_fn)(sw_message *m, int err, const char *answer, void *ud);

/* An empty message, delivered within TIMEOUT; NOTIFIER names it in logs. */
sw_message *sw_message_new(const char *notifier, int64_t timeout, sw_message_done_fn done, void *ud);
/* Add the event PAYLOAD (from sw_event_payload or the outbox): 0, or
 * SW_EINVAL when it is not an event object. */
int sw_message_add(sw_message *m, const char *payload);
void sw_message_free(sw_message *m);

/* The notifier's name, and whether the plugin has said it is done (its
 * error in *ERR, its answer returned; NULL while not done). */
const char *sw_message_notifier(const sw_message *m);

/* The host table's members (api->message_*). */
int sw_message_count(const sw_message *m);
const char *sw_message_field(const sw_message *m, int i, const char *name);
const char *sw_message_subject(const sw_message *m);
const char *sw_message_text(const sw_message *m);
const char *sw_message_json(const sw_message *m);
const char *sw_message_id(const sw_message *m);
int64_t sw_message_timeout(const sw_message *m);
void sw_message_set_data(sw_message *m, void *data);
void *sw_message_data(const sw_message *m);
void sw_message_done(sw_message *m, int err, const char *fmt, ...) SW_PRINTF(3, 4);

/* Of a digest's text: the events listed by name before "and N more". */
#define SW_DIGEST_LISTED 20

#endif
