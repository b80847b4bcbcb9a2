/* SPDX-License-Identifier: MIT
 *
 * The alertmanager notify plugin's parts: one notifier's configuration and
 * its repeat timer (alertmanager.c), the alerts it makes of events and the
 * table of what is firing (alerts.c), and the posts to every Alertmanager
 * of the cluster on the host loop (post.c).
 */
#ifndef SW_ALERTMANAGER_H
#define SW_ALERTMANAGER_H

#include <curl/curl.h>
#include <jansson.h>

#include <sitewatch/plugin.h>

/* The host table, sw_api: defined by SW_PLUGIN_INIT1 in alertmanager.c. */
SW_PLUGIN_INIT3

struct curlloop;
struct am_post;

/* One [notify NAME] with plugin = alertmanager. */
struct am {
    char *name;
    int nurls;
    char **urls;  /* each ending in /api/v2/alerts */
    char **shown; /* the same with a password in them replaced by ***: for words */
    char *severity;
    int64_t repeat;
    json_t *extra; /* the labels key's, name -> value */
    char *ca_file;
    struct curl_slist *headers; /* every post's, {secret} filled in: wiped when freed */
    struct curlloop *loop;      /* the plugin's, shared by its notifiers */
    /* What is firing: series -> its alert without endsAt, re-posted every
     * repeat while the timer is armed. */
    json_t *firing;
    sw_timer *timer;
    int armed;
    /* One post at a time, so that Alertmanager gets them in the order they
     * were made: a re-post that still says firing never lands after the UP
     * that resolved it. */
    struct am_post *post;
    sw_message *waiting; /* handed over while a re-post was under way */
    int64_t waiting_deadline;
    int repost_due;  /* the timer fired while a post was under way */
    int64_t timeout; /* the last message's: a re-post may take as long */
};

/* The body that delivers M: its events as alerts, one per series (the last
 * event of a series in a digest wins), and the firing table updated (DOWN,
 * REMINDER and SELF fire, UP resolves).  NOW: wall clock.  NULL when out
 * of memory (the table then as it was or with some of M's events). */
char *am_message_body(struct am *a, const sw_message *m, int64_t now);
/* Every firing alert, ending 3 x repeat after NOW; NULL when out of memory
 * or nothing fires. */
char *am_repost_body(struct am *a, int64_t now);

/* Post BODY (taken) to every url: for M (delivered when one Alertmanager
 * took it), or a re-post (M NULL: its outcome logged), within DEADLINE
 * (monotonic).  0, or an SW_E* code with BODY freed and nothing started. */
int am_post_start(struct am *a, sw_message *m, char *body, int64_t deadline);
/* Stop the post under way now; WHY ends its message (SW_ETIMEOUT, or 0
 * when an Alertmanager took it already), or is logged for a re-post;
 * NULL: a re-post ends unsaid. */
void am_post_cancel(struct am *a, const char *why);
/* The plugin's curlloop's callback for a finished transfer. */
void am_transfer_done(CURL *easy, CURLcode result, void *ud);
/* The post of A ended: start what waits (alertmanager.c). */
void am_post_next(struct am *a);

#endif
