/* SPDX-License-Identifier: MIT
 * What a reload changed, said in the log a line a site: sites added and
 * removed, intervals and checks changed, other settings changed. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "units.h"
#include "util.h"

static struct sw_site *diff_find(struct sw_conf *c, const char *name)
{
    for (int i = 0; i < c->nsites; i++)
        if (strcmp(c->sites[i].name, name) == 0)
            return &c->sites[i];
    return NULL;
}

static char *diff_checks(const struct sw_site *s)
{
    struct sw_buf b = {0};
    for (int i = 0; i < s->nchecks; i++)
        sw_buf_printf(&b, "%s%s", i ? ", " : "", s->checks[i]);
    return b.s ? b.s : sw_xstrdup("");
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

int sw_conf_log_changes(struct sw_conf *old, struct sw_conf *now)
{
    int changes = 0;
    char x[32], y[32];
    for (int i = 0; i < now->nsites; i++) {
        struct sw_site *s = &now->sites[i], *o = diff_find(old, s->name);
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
        if (!diff_find(now, old->sites[i].name)) {
            sw_info("removed site %s", old->sites[i].name);
            changes++;
        }
    }
    return changes;
}
