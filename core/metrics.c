/* SPDX-License-Identifier: MIT
 * The declared metrics as one list.  A list is made when a check plugin
 * with metrics is first used and is never changed or freed after: the
 * writer thread and a render's workers read one while a reload on the loop
 * notes a new plugin, with no lock past the call that hands it out. */
#include "metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "util.h"

/* What the core itself adds to results (core/engine.c). */
static const struct sw_metric_decl metrics_core[] = {
    {.name = "sched.lag",
     .unit = "s",
     .help = "how late the run started after its due time (the original probe's self-check)",
     .label = "lag"},
    {.name = "sched.skipped",
     .unit = "1",
     .help = "on a result recorded because the previous run was still going",
     .label = "skipped"},
};
#define METRICS_CORE ((int)(sizeof metrics_core / sizeof *metrics_core))

/* A noted plugin's declarations, copied (a plugin's strings would go with
 * its code at unload), each label set. */
struct metrics_from {
    char *plugin;
    struct sw_metric_decl *decls;
    int n;
};

/* One list; the older ones stay reachable for whoever still holds one. */
struct metrics_list {
    struct metrics_list *older;
    int n;
    const struct sw_metric_decl *v[];
};

static pthread_mutex_t metrics_lock = PTHREAD_MUTEX_INITIALIZER;
static struct metrics_from *metrics_plugins; /* in name order */
static int metrics_nplugins;
static struct metrics_list *metrics_now;

static char *metrics_dup(const char *s)
{
    return s ? sw_xstrdup(s) : NULL;
}

static int metrics_listed(const struct metrics_list *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i]->name, name) == 0)
            return 1;
    return 0;
}

static void metrics_add(struct metrics_list *l, const struct sw_metric_decl *m)
{
    if (!metrics_listed(l, m->name))
        l->v[l->n++] = m;
}

/* Under the lock: a new list of the noted plugins' metrics and the core's. */
static void metrics_rebuild(void)
{
    int cap = METRICS_CORE;
    for (int i = 0; i < metrics_nplugins; i++)
        cap += metrics_plugins[i].n;
    struct metrics_list *l = sw_xcalloc(1, sizeof *l + sizeof *l->v * (size_t)cap);
    for (int i = 0; i < metrics_nplugins; i++)
        for (int k = 0; k < metrics_plugins[i].n; k++)
            metrics_add(l, &metrics_plugins[i].decls[k]);
    for (int k = 0; k < METRICS_CORE; k++)
        metrics_add(l, &metrics_core[k]);
    l->older = metrics_now;
    metrics_now = l;
}

void sw_metrics_note(const struct sw_loaded *p)
{
    if (!p || p->error || p->desc.kind != SW_KIND_CHECK || !p->nmetrics)
        return;
    pthread_mutex_lock(&metrics_lock);
    int at = 0;
    while (at < metrics_nplugins && strcmp(metrics_plugins[at].plugin, p->name) < 0)
        at++;
    if (at < metrics_nplugins && strcmp(metrics_plugins[at].plugin, p->name) == 0) {
        pthread_mutex_unlock(&metrics_lock);
        return;
    }
    metrics_plugins = sw_xrealloc(metrics_plugins, sizeof *metrics_plugins * (size_t)(metrics_nplugins + 1));
    memmove(&metrics_plugins[at + 1], &metrics_plugins[at],
            sizeof *metrics_plugins * (size_t)(metrics_nplugins - at));
    metrics_nplugins++;
    struct metrics_from *f = &metrics_plugins[at];
    f->plugin = sw_xstrdup(p->name);
    f->n = p->nmetrics;
    f->decls = sw_xcalloc((size_t)f->n, sizeof *f->decls);
    for (int k = 0; k < f->n; k++) {
        const struct sw_metric_decl *m = &p->metrics[k];
        f->decls[k] = (struct sw_metric_decl){.name = sw_xstrdup(m->name),
                                              .unit = metrics_dup(m->unit),
                                              .flags = m->flags,
                                              .help = metrics_dup(m->help),
                                              .label = sw_xstrdup(m->label ? m->label : m->name)};
    }
    metrics_rebuild();
    pthread_mutex_unlock(&metrics_lock);
}

int sw_metrics_declared(const struct sw_metric_decl *const **list)
{
    pthread_mutex_lock(&metrics_lock);
    if (!metrics_now)
        metrics_rebuild();
    struct metrics_list *l = metrics_now;
    pthread_mutex_unlock(&metrics_lock);
    *list = l->v;
    return l->n;
}
