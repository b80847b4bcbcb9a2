/* SPDX-License-Identifier: MIT
 * The alert side of the configuration (docs/alerts.md): the [notify NAME]
 * sections' core keys, [core]'s and each site's alert keys, depends_on,
 * and the [maintenance NAME] windows.  Read after every file, so a name
 * may point at a section further on; every error goes through config.c's
 * messages (file, line, key, value, what was expected). */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "units.h"
#include "util.h"

const char *const sw_notify_core_keys[] = {"plugin", "timeout", "group_wait", "give_up_after", NULL};

/* KEY of V as a duration from MIN to MAX, DEF when unset; a bad value is
 * reported as expecting WHAT.  With MIN 0 a bare "0" is taken too
 * (sw_parse_duration wants a unit), as people write `remind_every = 0`. */
static int ca_duration(const struct sw_config *v, const char *key, int64_t min, int64_t max, int64_t def,
                       const char *what, int64_t *out)
{
    struct sw_entry *e = sw_config_single(v, key);
    *out = def;
    if (!e)
        return 0;
    int64_t d = -1;
    char *t = sw_xstrdup(e->value);
    if (min == 0 && strcmp(sw_trim(t), "0") == 0)
        d = 0;
    else if (sw_parse_duration(t, &d) < 0)
        d = -1;
    free(t);
    if (d < min || d > max)
        return sw_config_bad_value(v, key, what);
    *out = d;
    return 0;
}

void sw_conf_notifier(struct sw_conf *c, struct sw_section *sec)
{
    struct sw_config v = sw_config_section_view(c, sec);
    struct sw_notifier_conf n = {.name = sec->name, .sec = sec};
    ca_duration(&v, "timeout", SW_S, 10 * SW_MIN, 10 * SW_S, "a duration from 1s to 10m, such as 10s or 30s",
                &n.timeout);
    ca_duration(&v, "group_wait", 0, 10 * SW_MIN, 10 * SW_S,
                "0 (each event alone) or a duration up to 10m, such as 10s or 1m", &n.group_wait);
    ca_duration(&v, "give_up_after", SW_MIN, 30 * SW_DAY, SW_DAY,
                "a duration from 1m to 30d, such as 1h or 24h", &n.give_up_after);
    c->notifiers = sw_xrealloc(c->notifiers, sizeof *c->notifiers * (size_t)(c->nnotifiers + 1));
    c->notifiers[c->nnotifiers++] = n;
}

void sw_conf_alert_free(struct sw_conf *c)
{
    free(c->notifiers);
}
