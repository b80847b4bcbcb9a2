/* SPDX-License-Identifier: MIT
 * The alert side of the configuration (docs/alerts.md): the [notify NAME]
 * sections' core keys, [core]'s and each site's alert keys, depends_on,
 * and the [maintenance NAME] windows.  Read after every file, so a name
 * may point at a section further on; every error goes through config.c's
 * messages (file, line, key, value, what was expected). */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "maint.h"
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

/* ---- the alert keys of [core] and of a site ---- */

static const char *const ca_site_keys[] = {
    "notify", "alert_after", "recover_after", "remind_every", "alert_on", "depends_on", NULL};

int sw_conf_alert_site_key(const char *key)
{
    for (const char *const *k = ca_site_keys; *k; k++)
        if (strcmp(*k, key) == 0)
            return 1;
    return 0;
}

/* Whether S is one of the first N of V. */
static int ca_in(char *const *v, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

static char **ca_strv_dup(char *const *v)
{
    int n = 0;
    while (v && v[n])
        n++;
    char **out = sw_xcalloc((size_t)n + 1, sizeof *out);
    for (int i = 0; i < n; i++)
        out[i] = sw_xstrdup(v[i]);
    return out;
}

/* KEY of V, a list of [notify NAME] names separated by commas or spaces
 * (a name holds neither), into *OUT (NULL-terminated, the caller's; empty
 * for `KEY =`): each that exists, once.  *OUT is untouched when KEY is
 * unset. */
static void ca_notify_list(const struct sw_config *v, const char *key, char ***out)
{
    struct sw_entry *e = sw_config_single(v, key);
    if (!e)
        return;
    char *text = sw_xstrdup(e->value);
    for (char *p = text; *p; p++)
        if (*p == ' ' || *p == '\t')
            *p = ',';
    char **names;
    sw_split_list(text, &names);
    free(text);
    char label[160];
    sw_section_label(v->sec, label, sizeof label);
    int k = 0;
    for (int i = 0; names[i]; i++) {
        if (!sw_conf_section(v->conf, SW_SEC_NOTIFY, names[i]))
            sw_conf_error(v->conf, "%s:%d: in %s, %s = \"%s\": no [notify %s] section is configured", e->file,
                          e->line, label, key, e->value, names[i]);
        else if (ca_in(names, k, names[i]))
            sw_conf_error(v->conf,
                          "%s:%d: in %s, %s = \"%s\": expected each notifier once; '%s' is named twice",
                          e->file, e->line, label, key, e->value, names[i]);
        else {
            names[k++] = names[i];
            continue;
        }
        free(names[i]);
    }
    names[k] = NULL;
    sw_strv_free(*out);
    *out = names;
}

/* The keys [core] and a site share, with DEF's values where V has none. */
static void ca_alerting(const struct sw_config *v, const struct sw_alerting *def, struct sw_alerting *a)
{
    a->notify = ca_strv_dup(def->notify);
    ca_notify_list(v, "notify", &a->notify);
    sw_config_count(v, "alert_after", 1, def->alert_after, &a->alert_after);
    sw_config_count(v, "recover_after", 1, def->recover_after, &a->recover_after);
    ca_duration(v, "remind_every", 0, 3660 * SW_DAY, def->remind_every,
                "0 (never) or a duration of at least 1m, such as 30m or 4h", &a->remind_every);
    if (a->remind_every > 0 && a->remind_every < SW_MIN) {
        a->remind_every = def->remind_every;
        sw_config_bad_value(v, "remind_every", "0 (never) or a duration of at least 1m, such as 30m or 4h");
    }
    a->alert_on = def->alert_on;
    struct sw_entry *e = sw_config_single(v, "alert_on");
    if (e && strcasecmp(e->value, "fail") == 0)
        a->alert_on = SW_FAIL;
    else if (e && strcasecmp(e->value, "warn") == 0)
        a->alert_on = SW_WARN;
    else if (e)
        sw_config_bad_value(v, "alert_on", "fail (FAIL results count as failed) or warn (WARN results too)");
}

/* An http:// or https:// URL with a host: where a message's links go. */
static int ca_public_url(const char *s)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    int ok = u && curl_url_set(u, CURLUPART_URL, s, 0) == CURLUE_OK &&
             curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
             curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host && *host &&
             (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) && strstr(s, "://");
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

void sw_conf_alert_core(struct sw_conf *c, struct sw_section *core)
{
    static const struct sw_alerting defaults = {.alert_after = 2, .recover_after = 2, .alert_on = SW_FAIL};
    struct sw_section none = {.kind = SW_SEC_CORE};
    struct sw_config v = sw_config_section_view(c, core ? core : &none);
    ca_alerting(&v, &defaults, &c->alerting);
    c->notify_self = ca_strv_dup(c->alerting.notify);
    ca_notify_list(&v, "notify_self", &c->notify_self);
    struct sw_entry *e = sw_config_single(&v, "state");
    if (e && !*e->value)
        sw_config_bad_value(&v, "state", "the path of the alert state file, e.g. var/state.db");
    c->state = sw_xstrdup(e && *e->value ? e->value : "var/state.db");
    if ((e = sw_config_single(&v, "public_url")) && ca_public_url(e->value))
        c->public_url = sw_xstrdup(e->value);
    else if (e)
        sw_config_bad_value(
            &v, "public_url",
            "an http:// or https:// URL of the status site, e.g. https://status.example.org/");
}

void sw_conf_alert_site(struct sw_conf *c, struct sw_site *s)
{
    struct sw_config v = sw_config_section_view(c, s->sec);
    ca_alerting(&v, &c->alerting, &s->alerting);
    struct sw_entry *e = sw_config_single(&v, "depends_on");
    if (!e)
        return;
    char label[160];
    sw_section_label(s->sec, label, sizeof label);
    if (!*e->value)
        sw_config_bad_value(&v, "depends_on",
                            "the name of the [site NAME] whose DOWN holds this site's alerts");
    else if (strcmp(e->value, s->name) == 0)
        sw_config_bad_value(&v, "depends_on", "another site's name: a site cannot depend on itself");
    else if (!sw_conf_section(c, SW_SEC_SITE, e->value))
        sw_conf_error(c, "%s:%d: in %s, depends_on = \"%s\": no [site %s] section is configured", e->file,
                      e->line, label, e->value, e->value);
    else
        s->depends_on = e->value;
}

/* ---- depends_on: no cycles ---- */

static int ca_by_name(const void *a, const void *b)
{
    return strcmp((*(struct sw_site *const *)a)->name, (*(struct sw_site *const *)b)->name);
}

/* The site S depends on, from the N sites BY sorted by name, or NULL. */
static struct sw_site *ca_parent(struct sw_site *const *by, int n, const struct sw_site *s)
{
    if (!s->depends_on)
        return NULL;
    struct sw_site key = {.name = s->depends_on}, *kp = &key;
    struct sw_site *const *p = bsearch(&kp, by, (size_t)n, sizeof *by, ca_by_name);
    return p ? *p : NULL;
}

/* S is on a cycle: say it once, of the cycle's first site in the
 * configuration, which then depends on nothing (so the engine never
 * follows it round). */
static void ca_cycle(struct sw_conf *c, struct sw_site *const *by, struct sw_site *s)
{
    struct sw_site *first = s;
    for (struct sw_site *t = ca_parent(by, c->nsites, s); t != s; t = ca_parent(by, c->nsites, t))
        if (t < first)
            first = t;
    struct buf b = {0};
    buf_printf(&b, "a site that does not depend back on %s, but the dependencies go round: %s", first->name,
               first->name);
    struct sw_site *t = first;
    do {
        t = ca_parent(by, c->nsites, t);
        buf_printf(&b, " -> %s", t->name);
    } while (t != first);
    struct sw_config v = sw_config_section_view(c, first->sec);
    sw_config_bad_value(&v, "depends_on", sw_text(&b));
    buf_free(&b);
    first->depends_on = NULL;
}

void sw_conf_alert_finish(struct sw_conf *c)
{
    struct sw_site **by = sw_xcalloc((size_t)c->nsites + 1, sizeof *by);
    for (int i = 0; i < c->nsites; i++)
        by[i] = &c->sites[i];
    qsort(by, (size_t)c->nsites, sizeof *by, ca_by_name);
    /* Each site is walked once: 1 + i marks the sites reached from site i.
     * A walk that meets its own mark went round; one that meets another's
     * goes on where that walk has been already. */
    int *mark = sw_xcalloc((size_t)c->nsites + 1, sizeof *mark);
    for (int i = 0; i < c->nsites; i++) {
        struct sw_site *s = &c->sites[i];
        while (s && !mark[s - c->sites]) {
            mark[s - c->sites] = 1 + i;
            s = ca_parent(by, c->nsites, s);
        }
        if (s && mark[s - c->sites] == 1 + i)
            ca_cycle(c, by, s);
    }
    free(mark);
    free(by);
}

/* ---- [maintenance NAME] ---- */

void sw_conf_maintenance(struct sw_conf *c, struct sw_section *sec)
{
    static const char *const keys[] = {"sites", "start", "duration", "every", "timezone", NULL};
    struct sw_config v = sw_config_section_view(c, sec);
    struct sw_maint *m = sw_maint_new(sec->name);
    char what[256], label[160];
    int bad = 0;
    sw_conf_unknown_keys(c, sec, keys);
    for (const char *const *k = keys; *k; k++) {
        struct sw_entry *e = sw_config_single(&v, *k);
        if (!e)
            continue;
        if (sw_maint_set(m, *k, e->value, what, sizeof what) < 0) {
            sw_config_bad_value(&v, *k, what);
            bad = 1;
            continue;
        }
        for (char **site = strcmp(*k, "sites") == 0 ? m->sites : NULL; site && *site; site++)
            if (!sw_conf_section(c, SW_SEC_SITE, *site)) {
                sw_conf_error(c, "%s:%d: in %s, sites = \"%s\": no [site %s] section is configured", e->file,
                              e->line, sw_section_label(sec, label, sizeof label), e->value, *site);
                bad = 1;
            }
    }
    const char *key = NULL;
    if (!bad && sw_maint_finish(m, &key, what, sizeof what) < 0) {
        sw_config_bad_value(&v, key, what);
        bad = 1;
    }
    if (bad) {
        sw_maint_free(m);
        return;
    }
    c->maint = sw_xrealloc(c->maint, sizeof *c->maint * (size_t)(c->nmaint + 1));
    c->maint[c->nmaint++] = m;
}

void sw_conf_alert_free(struct sw_conf *c)
{
    for (int i = 0; i < c->nsites; i++)
        sw_strv_free(c->sites[i].alerting.notify);
    sw_strv_free(c->alerting.notify);
    sw_strv_free(c->notify_self);
    free(c->state);
    free(c->public_url);
    free(c->notifiers);
    for (int i = 0; i < c->nmaint; i++)
        sw_maint_free(c->maint[i]);
    free(c->maint);
}
