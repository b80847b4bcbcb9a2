/* SPDX-License-Identifier: MIT */
#include "notifier.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "host.h"
#include "log.h"
#include "util.h"

/* How long past its timeout a plugin has to end a delivery on its own
 * before the core cancels it. */
#define NOTIFIER_GRACE (1 * SW_S)

struct sw_notifiers *sw_notifiers_open(struct sw_conf *c)
{
    struct sw_notifiers *ns = sw_xcalloc(1, sizeof *ns);
    ns->v = sw_xcalloc((size_t)c->nnotifiers + 1, sizeof *ns->v);
    for (int i = 0; i < c->nnotifiers; i++) {
        struct sw_notifier_conf *nc = &c->notifiers[i];
        struct sw_section *s = nc->sec;
        struct sw_loaded *p = sw_loader_get(c->plugin_dir, sw_section_plugin(s));
        char *label = sw_xasprintf("[notify %s] (%s:%d)", s->name, s->file, s->line);
        if (!p->found || (!p->error && p->desc.kind != SW_KIND_NOTIFY)) {
            free(label); /* a configuration error (series.c) says so */
            continue;
        }
        if (p->error) {
            sw_err("%s: not used: %s", label, p->error);
            free(label);
            continue;
        }
        struct sw_config view = sw_config_section_view(c, s);
        int before = c->nerrors;
        void *inst = NULL;
        int rc = p->desc.notify_open(p->state, &view, &inst);
        if (rc == 0 && c->nerrors != before) {
            if (p->desc.notify_close)
                p->desc.notify_close(inst);
            rc = SW_ECONFIG;
        }
        if (rc != 0) {
            if (c->nerrors == before) /* config errors are the caller's to print */
                sw_err("%s: cannot open: %s; nobody is told through it", label, sw_strerror(rc));
            free(label);
            continue;
        }
        ns->v[ns->n++] = (struct sw_notifier){
            .name = sw_xstrdup(s->name),
            .label = label,
            .plugin = p,
            .inst = inst,
            .timeout = nc->timeout,
            .group_wait = nc->group_wait,
            .give_up_after = nc->give_up_after,
        };
    }
    return ns;
}

struct sw_notifier *sw_notifiers_find(struct sw_notifiers *ns, const char *name)
{
    for (int i = 0; ns && i < ns->n; i++)
        if (strcmp(ns->v[i].name, name) == 0)
            return &ns->v[i];
    return NULL;
}

static void notifier_timer_closed(uv_handle_t *h)
{
    free(h);
}

void sw_notifiers_free(struct sw_notifiers *ns)
{
    if (!ns)
        return;
    for (int i = 0; i < ns->n; i++) {
        struct sw_notifier *n = &ns->v[i];
        if (n->busy) /* its end comes through n->done as usual */
            n->plugin->desc.notify_cancel(n->inst, n->busy);
        if (n->busy) { /* the plugin kept it: it may still touch it */
            sw_err("%s: the delivery under way did not stop when cancelled (plugin bug)", n->label);
            n->busy = NULL;
        }
        sw_message_free(n->spent);
        if (n->plugin->desc.notify_close)
            n->plugin->desc.notify_close(n->inst);
        if (n->timer)
            uv_close(n->timer, notifier_timer_closed);
        free(n->name);
        free(n->label);
    }
    free(ns->v);
    free(ns);
}

/* Every end of a delivery passes here, once. */
static void notifier_ended(sw_message *m, int err, const char *answer, void *ud)
{
    struct sw_notifier *n = ud;
    if (n->busy != m) { /* the core gave up on it already */
        sw_warn("%s: a delivery the core had given up on ended late: %s", n->label, answer);
        return;
    }
    n->busy = NULL;
    n->spent = m;
    if (n->timer)
        uv_timer_stop(n->timer);
    if (n->done)
        n->done(m, err, answer, n->ud);
}

static void notifier_overran(uv_timer_t *t)
{
    struct sw_notifier *n = t->data;
    sw_message *m = n->busy;
    if (!m)
        return;
    n->plugin->desc.notify_cancel(n->inst, m);
    if (n->busy == m) {
        /* The plugin holds on to it: leave it to the plugin (it may still
         * write to it) and end the delivery here. */
        sw_err("%s: the delivery did not stop when cancelled (plugin bug)", n->label);
        n->busy = NULL;
        if (n->done)
            n->done(m, SW_ETIMEOUT, "the plugin did not end the delivery when cancelled", n->ud);
    }
}

sw_message *sw_notifier_message(struct sw_notifier *n)
{
    return sw_message_new(n->name, n->timeout, notifier_ended, n);
}

void sw_notifier_send(struct sw_notifier *n, sw_message *m)
{
    sw_message_free(n->spent);
    n->spent = NULL;
    n->busy = m;
    if (!n->timer) {
        uv_timer_t *t = sw_xmalloc(sizeof *t);
        uv_timer_init(sw_host_loop(), t);
        t->data = n;
        n->timer = t;
    }
    uv_timer_start(n->timer, notifier_overran, (uint64_t)((n->timeout + NOTIFIER_GRACE) / SW_MS), 0);
    int rc = n->plugin->desc.notify_send(n->inst, m);
    if (rc != 0 && n->busy == m)
        sw_message_done(m, rc, "could not start: %s", sw_strerror(rc));
}
