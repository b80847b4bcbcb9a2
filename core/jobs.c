/* SPDX-License-Identifier: MIT
 * Binding the configuration to plugins: which .so serves each name, which
 * keys each accepts, and one prepared job per site x check. */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "host.h"
#include "log.h"
#include "result.h"
#include "units.h"
#include "util.h"

/* Load NAME for the entry E (for messages); NULL and an error if there is
 * no such file or it is the wrong kind.  A file that exists but fails to
 * load is returned with ->error set: its users are disabled, not refused. */
static struct sw_loaded *jobs_plugin(struct sw_conf *c, const char *name, int kind, const struct sw_entry *e,
                                     const struct sw_section *sec)
{
    char label[128];
    sw_section_label(sec, label, sizeof label);
    if (!*name || name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")]) {
        sw_conf_error(c,
                      "%s:%d: in %s, %s plugin name '%s' is not a name: plugins are found by name in "
                      "plugin_dir (letters, digits, '_' and '-')",
                      e ? e->file : sec->file, e ? e->line : sec->line, label, sw_kind_name(kind), name);
        return NULL;
    }
    struct sw_loaded *p = sw_loader_get(c->plugin_dir, name);
    if (!p->found) {
        sw_conf_error(c, "%s:%d: in %s, unknown %s plugin '%s': there is no %s/%s.so",
                      e ? e->file : sec->file, e ? e->line : sec->line, label, sw_kind_name(kind), name,
                      c->plugin_dir, name);
        return NULL;
    }
    if (!p->error && p->desc.kind != kind) {
        sw_conf_error(c, "%s:%d: in %s, plugin '%s' is a %s plugin, not a %s plugin", e ? e->file : sec->file,
                      e ? e->line : sec->line, label, name, sw_kind_name(p->desc.kind), sw_kind_name(kind));
        return NULL;
    }
    return p;
}

/* The plugin a `plugin = P` names in SEC, for KIND; NULL and an error in
 * the usual key = "value": expected ... form if there is none such.  A
 * file that exists but fails to load is returned with ->error set. */
static struct sw_loaded *jobs_named_plugin(struct sw_conf *c, struct sw_section *sec, int kind)
{
    struct sw_config view = sw_config_section_view(c, sec);
    const char *name = sw_config_single(&view, "plugin")->value;
    char *what = NULL;
    struct sw_loaded *p = NULL;
    const char *an = kind == SW_KIND_OUTPUT ? "an" : "a";
    if (!*name || name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")])
        what = sw_xasprintf("%s %s plugin's name (letters, digits, '_' and '-'), found as NAME.so in %s", an,
                            sw_kind_name(kind), c->plugin_dir);
    else if (!(p = sw_loader_get(c->plugin_dir, name))->found)
        what = sw_xasprintf("%s %s plugin's name: there is no %s/%s.so", an, sw_kind_name(kind),
                            c->plugin_dir, name);
    else if (!p->error && p->desc.kind != kind)
        what = sw_xasprintf("%s %s plugin's name: %s is a %s plugin", an, sw_kind_name(kind), name,
                            sw_kind_name(p->desc.kind));
    if (what) {
        sw_config_bad_value(&view, "plugin", what);
        free(what);
        return NULL;
    }
    return p;
}

/* `[core] read_from` must name a storage whose plugin reads results back
 * (config.c has checked that the section exists). */
static void jobs_check_read_from(struct sw_conf *c)
{
    struct sw_section *s = c->read_from ? sw_conf_section(c, SW_SEC_STORAGE, c->read_from) : NULL;
    if (!s)
        return;
    struct sw_loaded *p = sw_loader_get(c->plugin_dir, sw_section_plugin(s));
    if (!p->found || p->error || p->desc.kind != SW_KIND_STORAGE || sw_storeq_can_read(p))
        return; /* a plugin that is not there has its own error */
    struct sw_config view = sw_config_section_view(c, sw_conf_section(c, SW_SEC_CORE, NULL));
    char *what = sw_xasprintf("a [storage] that can read results back; plugin %s of [storage %s] only writes",
                              p->name, s->name);
    sw_config_bad_value(&view, "read_from", what);
    free(what);
}

/* Load and check the keys of [check]/[storage]/[output] sections' plugins. */
static void jobs_bind_sections(struct sw_conf *c)
{
    for (int i = 0; i < c->nsecs; i++) {
        struct sw_section *s = c->secs[i];
        int kind = s->kind == SW_SEC_CHECK     ? SW_KIND_CHECK
                   : s->kind == SW_SEC_STORAGE ? SW_KIND_STORAGE
                   : s->kind == SW_SEC_OUTPUT  ? SW_KIND_OUTPUT
                                               : 0;
        if (!kind)
            continue;
        /* [check P] is named by its plugin; a storage or output section may
         * name one with plugin = P. */
        struct sw_loaded *p = kind != SW_KIND_CHECK && sw_section_get(s, "plugin")
                                  ? jobs_named_plugin(c, s, kind)
                                  : jobs_plugin(c, s->name, kind, NULL, s);
        if (p && !p->error)
            sw_config_check_keys(c, s, p->name, p->desc.keys,
                                 kind == SW_KIND_CHECK    ? "timeout"
                                 : kind == SW_KIND_OUTPUT ? "every"
                                                          : NULL);
    }
    jobs_check_read_from(c);
}

static struct sw_job *jobs_one(struct sw_conf *c, struct sw_site *site, const char *check)
{
    struct sw_entry *ce = sw_section_get(site->sec, "checks");
    struct sw_loaded *p = jobs_plugin(c, check, SW_KIND_CHECK, ce, site->sec);
    if (!p)
        return NULL;
    struct sw_job *j = sw_xcalloc(1, sizeof *j);
    j->site = site;
    j->check = sw_xstrdup(check);
    j->plugin = p;
    j->interval = site->interval;
    j->timeout = site->timeout;
    j->item.pos = SIZE_MAX;
    j->verdict = SW_NO_VERDICT;
    sw_recent_init(&j->recent, (int)c->recent);
    if (p->error) {
        j->disabled = sw_xasprintf("plugin %s failed to load: %s", check, p->error);
        return j;
    }
    sw_config_check_keys(c, site->sec, check, p->desc.keys, "timeout");
    struct sw_config view = sw_config_site_view(c, site, check);
    const struct sw_host_api *api = sw_host_api();
    int before = c->nerrors;
    api->config_duration(&view, "timeout", site->timeout, &j->timeout);
    if (!sw_config_lookup(&view, "timeout", -1) && j->timeout > j->interval)
        j->timeout = j->interval; /* an unset default never outlasts the interval */
    if (j->timeout <= 0)
        sw_config_bad_value(&view, "timeout", SW_DURATION_POSITIVE);
    else if (j->timeout > j->interval) {
        char a[32], b[32];
        char *what =
            sw_xasprintf("a timeout no longer than the interval (%s); it is %s",
                         sw_fmt_duration(j->interval, a, sizeof a), sw_fmt_duration(j->timeout, b, sizeof b));
        sw_config_bad_value(&view, "timeout", what);
        free(what);
    }
    int rc = p->desc.check_prepare(p->state, &view, &j->site_state);
    if (rc != 0 && c->nerrors == before)
        sw_conf_error(c, "%s:%d: in [site %s], plugin %s refused the configuration: %s", site->sec->file,
                      site->sec->line, site->name, check, sw_strerror(rc));
    if (rc != 0)
        j->site_state = NULL;
    return j;
}

struct sw_jobs_binder {
    struct sw_conf *c;
    int site, check; /* the next to bind */
    struct sw_job **jobs;
    int n, cap;
};

struct sw_jobs_binder *sw_jobs_bind_start(struct sw_conf *c)
{
    jobs_bind_sections(c);
    struct sw_jobs_binder *b = sw_xcalloc(1, sizeof *b);
    b->c = c;
    b->cap = 16;
    b->jobs = sw_xcalloc((size_t)b->cap, sizeof *b->jobs);
    return b;
}

int sw_jobs_bind_step(struct sw_jobs_binder *b, int64_t budget)
{
    struct sw_conf *c = b->c;
    int64_t end = budget > 0 ? sw_now_mono() + budget : 0;
    for (; b->site < c->nsites; b->site++, b->check = 0) {
        struct sw_site *s = &c->sites[b->site];
        if (s->invalid)
            continue;
        for (; b->check < s->nchecks; b->check++) {
            if (end && sw_now_mono() >= end)
                return 0;
            struct sw_job *j = jobs_one(c, s, s->checks[b->check]);
            if (!j)
                continue;
            if (b->n + 1 >= b->cap) {
                b->cap *= 2;
                b->jobs = sw_xrealloc(b->jobs, sizeof *b->jobs * (size_t)b->cap);
            }
            b->jobs[b->n++] = j;
            b->jobs[b->n] = NULL;
        }
    }
    return 1;
}

struct sw_job **sw_jobs_bind_finish(struct sw_jobs_binder *b, int *njobs)
{
    struct sw_job **jobs = b->jobs;
    *njobs = b->n;
    free(b);
    return jobs;
}

struct sw_job **sw_jobs_bind(struct sw_conf *c, int *njobs)
{
    struct sw_jobs_binder *b = sw_jobs_bind_start(c);
    sw_jobs_bind_step(b, 0);
    return sw_jobs_bind_finish(b, njobs);
}

/* ---- finding jobs by site and check ---- */

/* A slot whose job was taken: lookups probe past it, inserts never reuse it
 * (an index is filled once, then only emptied). */
static struct sw_job jobs_taken;

void sw_job_index_init(struct sw_job_index *ix, struct sw_job *const *jobs)
{
    size_t n = 0;
    while (jobs && jobs[n])
        n++;
    ix->cap = 16;
    while (ix->cap < n * 2)
        ix->cap *= 2;
    ix->v = sw_xcalloc(ix->cap, sizeof *ix->v);
    for (size_t k = 0; k < n; k++) {
        size_t i = sw_hash(jobs[k]->site->name, jobs[k]->check) & (ix->cap - 1);
        while (ix->v[i])
            i = (i + 1) & (ix->cap - 1);
        ix->v[i] = jobs[k];
    }
}

struct sw_job *sw_job_index_take(struct sw_job_index *ix, const char *site, const char *check)
{
    for (size_t i = sw_hash(site, check) & (ix->cap - 1); ix->v[i]; i = (i + 1) & (ix->cap - 1)) {
        struct sw_job *j = ix->v[i];
        if (j != &jobs_taken && strcmp(j->site->name, site) == 0 && strcmp(j->check, check) == 0) {
            ix->v[i] = &jobs_taken;
            return j;
        }
    }
    return NULL;
}

void sw_job_index_free(struct sw_job_index *ix)
{
    free(ix->v);
    *ix = (struct sw_job_index){0};
}

void sw_job_free(struct sw_job *j)
{
    sw_job_forget_runs(j);
    if (j->site_state && j->plugin->desc.check_release)
        j->plugin->desc.check_release(j->site_state);
    sw_recent_free(&j->recent);
    free(j->check);
    free(j->disabled);
    free(j);
}

void sw_jobs_free(struct sw_job **jobs)
{
    for (struct sw_job **p = jobs; p && *p; p++)
        sw_job_free(*p);
    free(jobs);
}

int sw_storage_open(struct sw_conf *c, struct sw_storeq *q, struct sw_job **jobs)
{
    (void)jobs;
    int busy = 0;
    for (int i = 0; i < c->nsecs; i++) {
        struct sw_section *s = c->secs[i];
        if (s->kind != SW_SEC_STORAGE)
            continue;
        struct sw_loaded *p = sw_loader_get(c->plugin_dir, sw_section_plugin(s));
        if (p->error || p->desc.kind != SW_KIND_STORAGE) {
            sw_err("[storage %s] (%s:%d): not used: %s", s->name, s->file, s->line,
                   p->error ? p->error : "not a storage plugin");
            continue;
        }
        struct sw_config view = sw_config_section_view(c, s);
        void *inst = NULL;
        int rc = p->desc.storage_open(p->state, &view, &inst);
        if (rc == 0 && sw_storeq_add(q, s->name, p, inst) < 0) {
            if (p->desc.storage_close) /* past SW_STORAGE_MAX: the config said so */
                p->desc.storage_close(inst);
        } else if (rc != 0 && rc != SW_ECONFIG) { /* a config error has said it all */
            sw_err("[storage %s] (%s:%d): cannot open: %s; its results are not stored", s->name, s->file,
                   s->line, sw_strerror(rc));
        }
        busy += rc == SW_EBUSY;
    }
    /* Chosen once: status, history, uptime, the recent cache's seed and
     * the pages all read from this one. */
    if (sw_storeq_set_reader(q, c->read_from) < 0 && c->read_from && sw_storeq_find(q, c->read_from) >= 0)
        sw_err("[storage %s] cannot read results back (read_from in [core]); nothing is read", c->read_from);
    return busy;
}
