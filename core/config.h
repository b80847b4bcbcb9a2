/* SPDX-License-Identifier: MIT
 * The configuration: every *.ini in a folder, read in name order into
 * sections and entries that remember their file and line, then checked.
 * Errors are collected, not fatal, so `validate` can list them all. */
#ifndef SW_CONFIG_H
#define SW_CONFIG_H

#include <stdint.h>

#include "sitewatch/plugin.h"

enum sw_section_kind {
    SW_SEC_CORE,
    SW_SEC_SITE,
    SW_SEC_CHECK,
    SW_SEC_STORAGE,
    SW_SEC_OUTPUT,
    SW_SEC_NOTIFY,
    SW_SEC_MAINTENANCE
};

/* The alert keys of [core], or of a site with [core]'s for the keys it
 * does not give (docs/alerts.md). */
struct sw_alerting {
    char **notify;                      /* NULL-terminated [notify NAME] names; empty: nobody is told */
    int64_t alert_after, recover_after; /* results in a row, >= 1 (default 2) */
    int64_t remind_every;               /* while DOWN, again this often; 0 = never (the default) */
    int alert_on;                       /* SW_FAIL (the default) or SW_WARN */
};

/* A [notify NAME] section: the core's keys of it (the others are its
 * plugin's). */
struct sw_notifier_conf {
    const char *name; /* the section's */
    struct sw_section *sec;
    int64_t timeout;       /* one delivery, default 10 s */
    int64_t group_wait;    /* events within it go as one digest, default 10 s; 0: each alone */
    int64_t give_up_after; /* a message not delivered by then is dropped (logged, counted), default 24 h */
};

struct sw_maint;

struct sw_entry {
    char *key, *value; /* in the conf's arena */
    const char *file;  /* owned by the sw_conf */
    int line;
};

struct sw_section {
    int kind;
    char *name; /* NULL for [core]; in the conf's arena */
    const char *file;
    int line;
    struct sw_entry *entries;
    int nentries;
};

struct sw_site {
    const char *name; /* the section's */
    struct sw_section *sec;
    const char *url; /* the url entry's value, or NULL */
    char **checks;   /* NULL-terminated */
    int nchecks;
    char **store; /* NULL-terminated; NULL = every storage section */
    int64_t interval, timeout;
    struct sw_alerting alerting; /* its own alert keys, [core]'s for the others; lists owned here */
    const char *depends_on;      /* the site whose DOWN holds this one's alerts, or NULL */
    int invalid;                 /* had errors of its own: not bound to plugins */
};

struct cfg_block;

struct sw_conf {
    char *dir;
    struct cfg_block *arena; /* names, keys and values: freed with the conf */
    char **files;            /* every file read, owned here */
    int nfiles;
    struct sw_section **secs;
    int nsecs, csecs;
    struct sw_section **index; /* by kind and name, see sw_conf_section */
    size_t index_cap;
    /* [core] */
    char *plugin_dir, *location;
    char *health_file; /* the daemon's health file, or NULL */
    char *read_from;   /* the [storage NAME] reads go to, or NULL: the first that can read */
    int64_t default_interval, default_timeout, min_interval;
    int64_t max_in_flight, recent, queue_size;
    int64_t keep_raw, keep_rollups; /* retention of raw results and of rollups */
    /* alerts */
    char *state;                 /* [core] state: the alert state file, default var/state.db */
    char *public_url;            /* [core] public_url, or NULL: links in messages */
    struct sw_alerting alerting; /* [core]'s alert keys */
    char **notify_self;          /* NULL-terminated: who hears about sitewatch itself (default: notify) */
    struct sw_notifier_conf *notifiers; /* the [notify NAME] sections, in configuration order */
    int nnotifiers;
    struct sw_maint **maint; /* the [maintenance NAME] windows, checked (maint.h) */
    int nmaint;
    struct sw_site *sites;
    int nsites, csites;
    /* Collected error lines ("file:line: ..."), in the order found. */
    char **errors;
    int nerrors;
};

/* The view a plugin gets (behind the opaque sw_config). */
struct sw_config {
    struct sw_conf *conf;
    struct sw_section *sec;      /* the site, or the plugin's own section */
    struct sw_section *defaults; /* [check NAME] for a site view, or NULL */
    const char *plugin;          /* set for a site view: "http" */
};

/* Read DIR.  Always returns a conf (free with sw_conf_free); check nerrors. */
struct sw_conf *sw_conf_load(const char *dir);
/* The same with DIR/NAME read from TEXT instead of the disk, or left out
 * when TEXT is NULL: how a change is checked before it is written. */
struct sw_conf *sw_conf_load_with(const char *dir, const char *name, const char *text);
void sw_conf_free(struct sw_conf *c);
/* Record an error. */
void sw_conf_error(struct sw_conf *c, const char *fmt, ...) SW_PRINTF(2, 3);

/* Longest name of a section or a location: every place a name goes fits
 * it (a page site/NAME.html, add's temporary .NAME.ini.XXXXXX, messages'
 * "[storage NAME]" labels), far below NAME_MAX. */
#define SW_NAME_MAX      100
#define SW_NAME_MAX_TEXT "100"

/* Most [storage] sections: each has a writer thread of its own. */
#define SW_STORAGE_MAX      32
#define SW_STORAGE_MAX_TEXT "32"

/* The plugin a [storage NAME], [output NAME] or [notify NAME] section
 * instantiates: its `plugin = P`, or without that key its NAME (so several
 * instances of one plugin can coexist).  Any other section: its name. */
const char *sw_section_plugin(const struct sw_section *sec);

/* Whether S can name a section or a key: letters, digits, '.', '_', '-'. */
int sw_conf_valid_name(const char *s);
/* The [KIND NAME] section, or NULL. */
struct sw_section *sw_conf_section(struct sw_conf *c, int kind, const char *name);
/* The entry KEY resolves to in V, for a key that takes one value: a
 * second value in the same file is reported as an error. */
struct sw_entry *sw_config_single(const struct sw_config *v, const char *key);
/* The last entry of KEY in SEC, or NULL. */
struct sw_entry *sw_section_get(struct sw_section *sec, const char *key);
/* A "[site x]"-style label of SEC for messages. */
const char *sw_section_label(const struct sw_section *sec, char *buf, size_t n);

/* Views for plugins. */
struct sw_config sw_config_site_view(struct sw_conf *c, struct sw_site *site, const char *plugin);
struct sw_config sw_config_section_view(struct sw_conf *c, struct sw_section *sec);
/* The entry a view resolves KEY to, following the site > defaults > common
 * order; N-th of several for repeated keys (or -1 for the last). */
struct sw_entry *sw_config_lookup(const struct sw_config *v, const char *key, int nth);
int sw_config_lookup_count(const struct sw_config *v, const char *key);

/* Read KEY through V with PARSE (sw_parse_duration, sw_parse_size): DEF
 * when unset; a value that does not parse or is below MIN is reported as
 * expecting EXPECTED and gives SW_ECONFIG with *OUT = DEF. */
int sw_config_number(const struct sw_config *v, const char *key, int (*parse)(const char *, int64_t *),
                     int64_t min, const char *expected, int64_t def, int64_t *out);

/* Read KEY through V as a whole number of at least MIN: DEF when unset; a
 * bad value is reported and gives SW_ECONFIG with *OUT = DEF. */
int sw_config_count(const struct sw_config *v, const char *key, int64_t min, int64_t def, int64_t *out);

/* Report "file:line: in [section], key = "value": expected WHAT" for the
 * entry KEY resolves to in V (or the section's line if KEY is unset). */
int sw_config_bad_value(const struct sw_config *v, const char *key, const char *what);
/* The same about the NTH value of a repeated KEY (-1: the last). */
int sw_config_bad_value_nth(const struct sw_config *v, const char *key, int nth, const char *what);

/* Log, a line each, the sites NOW adds, removes or changes compared with
 * OLD; returns how many lines (confdiff.c). */
int sw_conf_log_changes(struct sw_conf *old, struct sw_conf *now);

/* Check that every key of SEC that belongs to PLUGIN is in KEYS (the
 * plugin's NULL-terminated list) or in CORE_KEYS, the keys the core reads
 * for every plugin of that kind (NULL-terminated: "timeout" for checks,
 * sw_notify_core_keys for notifiers; NULL for none). */
void sw_config_check_keys(struct sw_conf *c, struct sw_section *sec, const char *plugin,
                          const char *const *keys, const char *const *core_keys);

/* Report each key of SEC that is not in KNOWN (NULL-terminated) as
 * unknown, with the list of what is. */
void sw_conf_unknown_keys(struct sw_conf *c, struct sw_section *sec, const char *const *known);

/* ---- alerts (config_alert.c), called by sw_conf_load ---- */

/* The keys the core reads in every [notify NAME] section, NULL-terminated:
 * plugin, timeout, group_wait, give_up_after. */
extern const char *const sw_notify_core_keys[];
/* Whether KEY is one of a site's alert keys (notify, ..., depends_on). */
int sw_conf_alert_site_key(const char *key);
/* [core]'s alert keys into C (CORE NULL: the defaults), once every file is
 * read. */
void sw_conf_alert_core(struct sw_conf *c, struct sw_section *core);
/* S's alert keys into S->alerting and S->depends_on, after [core]'s. */
void sw_conf_alert_site(struct sw_conf *c, struct sw_site *s);
/* A [notify NAME] section's core keys, appended to C->notifiers. */
void sw_conf_notifier(struct sw_conf *c, struct sw_section *sec);
/* A [maintenance NAME] section, checked (maint.h) and appended to
 * C->maint. */
void sw_conf_maintenance(struct sw_conf *c, struct sw_section *sec);
/* After every site: no site's depends_on goes round in a cycle. */
void sw_conf_alert_finish(struct sw_conf *c);
/* What the functions above allocated in C and its sites. */
void sw_conf_alert_free(struct sw_conf *c);

#endif
