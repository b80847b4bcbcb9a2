/* SPDX-License-Identifier: MIT
 * Binding the configuration to plugins: which .so serves each name, which
 * keys each accepts, and one prepared series per site x check. */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "host.h"
#include "kinds.h"
#include "log.h"
#include "result.h"
#include "units.h"
#include "util.h"

/* The key the core reads for every check plugin. */
static const char *const series_check_core_keys[] = {"timeout", NULL};

/* Load NAME for the entry E (for messages); NULL and an error if there is
 * no such file or it is the wrong kind.  A file that exists but fails to
 * load is returned with ->error set: its users are disabled, not refused. */
static struct sw_loaded *series_plugin(struct sw_conf *c, const char *name, int kind,
                                       const struct sw_entry *e, const struct sw_section *sec)
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
static struct sw_loaded *series_named_plugin(struct sw_conf *c, struct sw_section *sec, int kind)
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
static void series_check_read_from(struct sw_conf *c)
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

/* Load and check the keys of [check]/[storage]/[output]/[notify] sections'
 * plugins. */
static void series_bind_sections(struct sw_conf *c)
{
    for (int i = 0; i < c->nsecs; i++) {
        struct sw_section *s = c->secs[i];
        int kind = sw_section_plugin_kind(s->kind);
        if (!kind)
            continue;
        /* [check P] is named by its plugin; a storage, output or notify
         * section may name one with plugin = P. */
        struct sw_loaded *p = kind != SW_KIND_CHECK && sw_section_get(s, "plugin")
                                  ? series_named_plugin(c, s, kind)
                                  : series_plugin(c, s->name, kind, NULL, s);
        /* A check's timeout is the core's (series_one reads it), and so
         * are a notifier's delivery keys (config_alert.c). */
        if (p && !p->error)
            sw_config_check_keys(c, s, p->name, p->desc.keys,
                                 kind == SW_KIND_CHECK    ? series_check_core_keys
                                 : kind == SW_KIND_NOTIFY ? sw_notify_core_keys
                                                          : NULL);
    }
    series_check_read_from(c);
}

static struct sw_series *series_one(struct sw_conf *c, struct sw_site *site, const char *check)
{
    struct sw_entry *ce = sw_section_get(site->sec, "checks");
    struct sw_loaded *p = series_plugin(c, check, SW_KIND_CHECK, ce, site->sec);
    if (!p)
        return NULL;
    struct sw_series *se = sw_xcalloc(1, sizeof *se);
    se->site = site;
    se->check = sw_xstrdup(check);
    se->plugin = p;
    se->interval = site->interval;
    se->timeout = site->timeout;
    se->item.pos = SIZE_MAX;
    se->verdict = SW_NO_VERDICT;
    sw_recent_init(&se->recent, (int)c->recent);
    if (p->error) {
        se->disabled = sw_xasprintf("plugin %s failed to load: %s", check, p->error);
        return se;
    }
    sw_config_check_keys(c, site->sec, check, p->desc.keys, series_check_core_keys);
    struct sw_config view = sw_config_site_view(c, site, check);
    const struct sw_host_api *api = sw_host_api();
    int before = c->nerrors;
    api->config_duration(&view, "timeout", site->timeout, &se->timeout);
    if (!sw_config_lookup(&view, "timeout", -1) && se->timeout > se->interval)
        se->timeout = se->interval; /* an unset default never outlasts the interval */
    if (se->timeout <= 0)
        sw_config_bad_value(&view, "timeout", SW_DURATION_POSITIVE);
    else if (se->timeout > se->interval) {
        char a[32], b[32];
        char *what = sw_xasprintf("a timeout no longer than the interval (%s); it is %s",
                                  sw_fmt_duration(se->interval, a, sizeof a),
                                  sw_fmt_duration(se->timeout, b, sizeof b));
        sw_config_bad_value(&view, "timeout", what);
        free(what);
    }
    int rc = p->desc.check_prepare(p->state, &view, &se->site_state);
    if (rc != 0 && c->nerrors == before)
        sw_conf_error(c, "%s:%d: in [site %s], plugin %s refused the configuration: %s", site->sec->file,
                      site->sec->line, site->name, check, sw_strerror(rc));
    if (rc != 0)
        se->site_state = NULL;
    return se;
}

struct sw_series_binder {
    struct sw_conf *c;
    int site, check; /* the next to bind */
    struct sw_series **series;
    int n, cap;
};

struct sw_series_binder *sw_series_bind_start(struct sw_conf *c)
{
    series_bind_sections(c);
    struct sw_series_binder *b = sw_xcalloc(1, sizeof *b);
    b->c = c;
    b->cap = 16;
    b->series = sw_xcalloc((size_t)b->cap, sizeof *b->series);
    return b;
}

int sw_series_bind_step(struct sw_series_binder *b, int64_t budget)
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
            struct sw_series *se = series_one(c, s, s->checks[b->check]);
            if (!se)
                continue;
            if (b->n + 1 >= b->cap) {
                b->cap *= 2;
                b->series = sw_xrealloc(b->series, sizeof *b->series * (size_t)b->cap);
            }
            b->series[b->n++] = se;
            b->series[b->n] = NULL;
        }
    }
    return 1;
}

struct sw_series **sw_series_bind_finish(struct sw_series_binder *b, int *nseries)
{
    struct sw_series **series = b->series;
    *nseries = b->n;
    free(b);
    return series;
}

struct sw_series **sw_series_bind(struct sw_conf *c, int *nseries)
{
    struct sw_series_binder *b = sw_series_bind_start(c);
    sw_series_bind_step(b, 0);
    return sw_series_bind_finish(b, nseries);
}

/* ---- finding series by site and check ---- */

/* A slot whose series was taken: lookups probe past it, inserts never reuse it
 * (an index is filled once, then only emptied). */
static struct sw_series series_taken;

void sw_series_index_init(struct sw_series_index *ix, struct sw_series *const *series)
{
    size_t n = 0;
    while (series && series[n])
        n++;
    ix->cap = 16;
    while (ix->cap < n * 2)
        ix->cap *= 2;
    ix->v = sw_xcalloc(ix->cap, sizeof *ix->v);
    for (size_t k = 0; k < n; k++) {
        size_t i = sw_hash(series[k]->site->name, series[k]->check) & (ix->cap - 1);
        while (ix->v[i])
            i = (i + 1) & (ix->cap - 1);
        ix->v[i] = series[k];
    }
}

struct sw_series *sw_series_index_take(struct sw_series_index *ix, const char *site, const char *check)
{
    for (size_t i = sw_hash(site, check) & (ix->cap - 1); ix->v[i]; i = (i + 1) & (ix->cap - 1)) {
        struct sw_series *se = ix->v[i];
        if (se != &series_taken && strcmp(se->site->name, site) == 0 && strcmp(se->check, check) == 0) {
            ix->v[i] = &series_taken;
            return se;
        }
    }
    return NULL;
}

void sw_series_index_free(struct sw_series_index *ix)
{
    free(ix->v);
    *ix = (struct sw_series_index){0};
}

void sw_series_free(struct sw_series *se)
{
    sw_series_forget_runs(se);
    if (se->site_state && se->plugin->desc.check_release)
        se->plugin->desc.check_release(se->site_state);
    sw_recent_free(&se->recent);
    free(se->check);
    free(se->disabled);
    free(se);
}

void sw_series_list_free(struct sw_series **series)
{
    for (struct sw_series **p = series; p && *p; p++)
        sw_series_free(*p);
    free(series);
}

int sw_storage_open(struct sw_conf *c, struct sw_storeq *q)
{
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
