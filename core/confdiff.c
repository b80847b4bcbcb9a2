/* SPDX-License-Identifier: MIT
 * What a reload changed, said in the log a line a site: sites added and
 * removed, intervals and checks changed, other settings changed, and the
 * notifiers that a reload does not reopen. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "units.h"
#include "util.h"

/* OLD's sites by name, for one look-up per site of the new config (a scan
 * per site was quadratic: 1.1 s at 20,000 sites, on the loop).  A site is
 * found at most once; MATCHED[i] says whether old->sites[i] was. */
struct diff_index {
    const struct sw_conf *c;
    int *v; /* site index + 1; 0 for an empty slot */
    size_t cap;
    char *matched;
};

static void diff_index_init(struct diff_index *ix, const struct sw_conf *c)
{
    ix->c = c;
    ix->cap = 16;
    while (ix->cap < (size_t)c->nsites * 2)
        ix->cap *= 2;
    ix->v = sw_xcalloc(ix->cap, sizeof *ix->v);
    ix->matched = sw_xcalloc((size_t)c->nsites + 1, 1);
    for (int k = 0; k < c->nsites; k++) {
        size_t i = sw_hash(c->sites[k].name, "") & (ix->cap - 1);
        while (ix->v[i])
            i = (i + 1) & (ix->cap - 1);
        ix->v[i] = k + 1;
    }
}

static struct sw_site *diff_take(struct diff_index *ix, const char *name)
{
    for (size_t i = sw_hash(name, "") & (ix->cap - 1); ix->v[i]; i = (i + 1) & (ix->cap - 1)) {
        int k = ix->v[i] - 1;
        if (!ix->matched[k] && strcmp(ix->c->sites[k].name, name) == 0) {
            ix->matched[k] = 1;
            return &ix->c->sites[k];
        }
    }
    return NULL;
}

static char *diff_checks(const struct sw_site *s)
{
    struct buf b = {0};
    for (int i = 0; i < s->nchecks; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", s->checks[i]);
    return sw_text_take(&b);
}

/* Whether the two sections hold the same keys and values in the same order. */
static int diff_same_entries(const struct sw_section *a, const struct sw_section *b)
{
    if (a->nentries != b->nentries)
        return 0;
    for (int i = 0; i < a->nentries; i++)
        if (strcmp(a->entries[i].key, b->entries[i].key) || strcmp(a->entries[i].value, b->entries[i].value))
            return 0;
    return 1;
}

/* A notifier is opened once, with its plugin's state and what its outbox
 * is delivering: a reload does not reopen it, and says so rather than
 * leave a changed section silently unused.  Sites' notify lists and the
 * alert keys do follow a reload. */
static int diff_notifiers(struct sw_conf *old, struct sw_conf *now)
{
    int changes = 0;
    for (int i = 0; i < now->nnotifiers; i++) {
        const struct sw_notifier_conf *n = &now->notifiers[i];
        struct sw_section *o = sw_conf_section(old, SW_SEC_NOTIFY, n->name);
        if (!o || !diff_same_entries(o, n->sec)) {
            sw_warn("[notify %s] (%s:%d) %s: it takes effect when sitewatch is restarted", n->name,
                    n->sec->file, n->sec->line, o ? "changed" : "added");
            changes++;
        }
    }
    for (int i = 0; i < old->nnotifiers; i++)
        if (!sw_conf_section(now, SW_SEC_NOTIFY, old->notifiers[i].name)) {
            sw_warn("[notify %s] removed: it is closed when sitewatch is restarted", old->notifiers[i].name);
            changes++;
        }
    return changes;
}

int sw_conf_log_changes(struct sw_conf *old, struct sw_conf *now)
{
    int changes = 0;
    char x[32], y[32];
    struct diff_index ix;
    diff_index_init(&ix, old);
    for (int i = 0; i < now->nsites; i++) {
        struct sw_site *s = &now->sites[i], *o = diff_take(&ix, s->name);
        char *checks = diff_checks(s);
        if (!o) {
            sw_info("added site %s (%s, every %s) from %s", s->name, checks,
                    sw_fmt_duration(s->interval, x, sizeof x), s->sec->file);
            changes++;
        } else {
            char *was = diff_checks(o);
            int said = 0;
            if (o->interval != s->interval) {
                sw_info("site %s: interval %s -> %s", s->name, sw_fmt_duration(o->interval, x, sizeof x),
                        sw_fmt_duration(s->interval, y, sizeof y));
                said = 1;
            }
            if (strcmp(was, checks) != 0) {
                sw_info("site %s: checks %s -> %s", s->name, was, checks);
                said = 1;
            }
            if (!said && !diff_same_entries(o->sec, s->sec)) {
                sw_info("site %s: settings changed in %s", s->name, s->sec->file);
                said = 1;
            }
            changes += said;
            free(was);
        }
        free(checks);
    }
    for (int i = 0; i < old->nsites; i++) {
        if (!ix.matched[i]) {
            sw_info("removed site %s", old->sites[i].name);
            changes++;
        }
    }
    free(ix.v);
    free(ix.matched);
    changes += diff_notifiers(old, now);
    return changes;
}
