/* SPDX-License-Identifier: MIT
 * `add`, `remove` and `set-interval`: the common changes to the
 * configuration, made on the INI files the way a person would (one file
 * per added site; comments and other keys kept), checked as a whole before
 * anything is written.  A running daemon sees the folder change and
 * reloads by itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "confedit.h"
#include "host.h"
#include "log.h"
#include "units.h"
#include "util.h"

/* The value of option NAME at args[*i] ("--name V" or "--name=V"); moves *i
 * past it.  NULL when args[*i] is not that option. */
static const char *opt_value(struct sw_app *a, int *i, const char *name, int *missing)
{
    const char *s = a->args[*i];
    size_t n = strlen(name);
    if (strncmp(s, name, n) != 0)
        return NULL;
    if (s[n] == '=')
        return s + n + 1;
    if (s[n] != '\0')
        return NULL;
    if (*i + 1 >= a->nargs) {
        *missing = 1;
        return NULL;
    }
    return a->args[++*i];
}

/* The [site NAME] section of C, or NULL. */
static struct sw_section *site_section(struct sw_conf *c, const char *name)
{
    return sw_conf_section(c, SW_SEC_SITE, name);
}

/* The file name (within the folder) of PATH. */
static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Check the change, print why it is refused, or write it. */
static int edit_commit(struct sw_app *a, const char *file, const char *text)
{
    char *errors = sw_edit_check(a->dir, file, text);
    if (errors) {
        fprintf(stderr, "%s", errors);
        fprintf(stderr,
                "sitewatch: refused: the configuration would have the error(s) above; nothing was changed\n");
        free(errors);
        return 1;
    }
    char *why = NULL;
    if (sw_edit_apply(a->dir, file, text, &why) != 0) {
        fprintf(stderr, "sitewatch: %s; nothing was changed\n", why);
        free(why);
        return 1;
    }
    return 0;
}

/* Load the folder for a change: it must be valid to begin with, so that
 * an error after the change is the change's. */
static struct sw_conf *edit_load(struct sw_app *a)
{
    struct sw_conf *c = sw_conf_load(a->dir);
    if (c->nerrors) {
        sw_app_print_errors(c, 0);
        fprintf(stderr, "sitewatch: %s has %d error(s) already; fix them first (sitewatch validate)\n",
                a->dir, c->nerrors);
        sw_conf_free(c);
        return NULL;
    }
    return c;
}

/* A site name that is also a file name: not hidden, not too long. */
static int name_ok(const char *name)
{
    return name[0] != '.' && sw_conf_valid_name(name) && strlen(name) <= SW_NAME_MAX;
}

int sw_cmd_add(struct sw_app *a)
{
    const char *name = NULL, *url = NULL, *checks = NULL, *interval = NULL;
    struct buf sets = {0};
    int missing = 0;
    for (int i = 0; i < a->nargs; i++) {
        const char *v;
        if ((v = opt_value(a, &i, "--checks", &missing)))
            checks = v;
        else if ((v = opt_value(a, &i, "--interval", &missing)))
            interval = v;
        else if ((v = opt_value(a, &i, "--set", &missing))) {
            const char *eq = strchr(v, '=');
            char *key = eq ? sw_xasprintf("%.*s", (int)(eq - v), v) : NULL;
            const char *why = eq ? sw_edit_value_problem(eq + 1) : NULL;
            if (!eq || !sw_conf_valid_name(key) || why) {
                if (why)
                    fprintf(stderr, "sitewatch: add: cannot write %s = '%s': %s\n", key, eq + 1, why);
                else
                    fprintf(stderr,
                            "sitewatch: add: --set takes KEY=VALUE (KEY of letters, digits, '.', '_' "
                            "and '-'), not '%s'\n",
                            v);
                free(key);
                buf_free(&sets);
                return 3;
            }
            buf_printf(&sets, "%s = %s\n", key, eq + 1);
            free(key);
        } else if (missing || a->args[i][0] == '-') {
            fprintf(stderr, "sitewatch: add: %s '%s'\n",
                    missing ? "a value is missing after" : "unknown option", a->args[i]);
            buf_free(&sets);
            return 3;
        } else if (!name)
            name = a->args[i];
        else if (!url)
            url = a->args[i];
        else {
            fprintf(stderr, "sitewatch: add: unexpected '%s'\n", a->args[i]);
            buf_free(&sets);
            return 3;
        }
    }
    if (!name || !url) {
        fprintf(
            stderr,
            "usage: sitewatch add NAME URL [--checks https,dns] [--interval 60s] [--set KEY=VALUE ...]\n");
        buf_free(&sets);
        return 3;
    }
    const char *const plain[][2] = {{"url", url}, {"checks", checks}, {"interval", interval}};
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
        const char *why = plain[i][1] ? sw_edit_value_problem(plain[i][1]) : NULL;
        if (why) {
            fprintf(stderr, "sitewatch: add: cannot write %s = '%s': %s\n", plain[i][0], plain[i][1], why);
            buf_free(&sets);
            return 3;
        }
    }
    int rc = 1;
    struct sw_conf *c = NULL;
    char *file = sw_xasprintf("%s.ini", name), *path = sw_xasprintf("%s/%s", a->dir, file), *text = NULL;
    struct sw_section *old;
    if (!name_ok(name)) {
        fprintf(stderr,
                "sitewatch: add: '%s' cannot be a site name: expected letters, digits, '.', '_' or '-', "
                "not starting with '.', at most " SW_NAME_MAX_TEXT " characters\n",
                name);
    } else if (!(c = edit_load(a))) {
        /* said why */
    } else if ((old = site_section(c, name))) {
        fprintf(stderr, "sitewatch: add: site %s already exists (%s:%d)\n", name, old->file, old->line);
    } else if ((text = sw_edit_read(path))) {
        fprintf(stderr, "sitewatch: add: %s exists already (without [site %s]); add the site there by hand\n",
                path, name);
    } else {
        if (!checks)
            checks = strncmp(url, "https://", 8) == 0  ? "https"
                     : strncmp(url, "http://", 7) == 0 ? "http"
                                                       : NULL;
        if (!checks) {
            fprintf(stderr, "sitewatch: add: which checks? give --checks (e.g. --checks dns) for %s\n", url);
        } else {
            char day[16];
            time_t now = time(NULL);
            strftime(day, sizeof day, "%Y-%m-%d", gmtime(&now));
            struct buf t = {0};
            buf_printf(&t, "; added by `sitewatch add` on %s\n[site %s]\nurl = %s\nchecks = %s\n", day, name,
                       url, checks);
            if (interval)
                buf_printf(&t, "interval = %s\n", interval);
            buf_puts(&t, sw_text(&sets));
            text = sw_text_take(&t);
            rc = edit_commit(a, file, text);
            if (rc == 0)
                printf("added site %s in %s: checks %s%s%s\n", name, path, checks, interval ? ", every " : "",
                       interval ? interval : "");
        }
    }
    free(text);
    free(file);
    free(path);
    buf_free(&sets);
    sw_conf_free(c);
    return rc;
}

/* Each [storage] section that did not open (its plugin and
 * sw_storage_open logged why just before), said once more in terms of
 * what it means here: nothing was deleted from it.  How many. */
static int purge_unopened(struct sw_app *a)
{
    int n = 0;
    for (int i = 0; i < a->conf->nsecs; i++) {
        struct sw_section *s = a->conf->secs[i];
        int open = 0;
        for (int t = 0; s->kind == SW_SEC_STORAGE && t < sw_storeq_ntargets(a->q) && !open; t++)
            open = strcmp(sw_storeq_target_name(a->q, t), s->name) == 0;
        if (s->kind != SW_SEC_STORAGE || open)
            continue;
        fprintf(stderr,
                "sitewatch: [storage %s] (%s:%d) failed to open (the error above says why); nothing was "
                "deleted from it\n",
                s->name, s->file, s->line);
        n++;
    }
    return n;
}

/* Delete stored results of SITE (NULL: all) before BEFORE from every
 * storage that can; prints what each did.  0, or 1 if one failed or a
 * storage could not be opened. */
static int purge_storage(struct sw_app *a, const char *site, int64_t before)
{
    int failed = purge_unopened(a) > 0, any = 0;
    for (int t = 0; t < sw_storeq_ntargets(a->q); t++) {
        void *inst;
        struct sw_loaded *p = sw_storeq_target(a->q, t, &inst);
        const char *name = sw_storeq_target_name(a->q, t); /* the section's: two may share a plugin */
        if (!p->desc.storage_purge) {
            printf("%s: cannot delete results (the plugin does not offer it); left as they are\n", name);
            continue;
        }
        any = 1;
        int64_t n = 0;
        int rc = p->desc.storage_purge(inst, site, before, &n);
        if (rc) {
            fprintf(stderr, "sitewatch: %s: purge failed: %s\n", name, sw_strerror(rc));
            failed = 1;
        } else {
            printf("%s: deleted %lld result(s)%s%s\n", name, (long long)n, site ? " of " : "",
                   site ? site : "");
        }
    }
    if (!any && !failed)
        printf("no storage that can delete results\n");
    return failed;
}

int sw_cmd_remove(struct sw_app *a)
{
    const char *name = NULL;
    int purge = 0;
    for (int i = 0; i < a->nargs; i++) {
        if (strcmp(a->args[i], "--purge") == 0)
            purge = 1;
        else if (a->args[i][0] != '-' && !name)
            name = a->args[i];
        else {
            fprintf(stderr, "sitewatch: remove: unexpected '%s'\n", a->args[i]);
            return 3;
        }
    }
    if (!name) {
        fprintf(stderr, "usage: sitewatch remove NAME [--purge]\n");
        return 3;
    }
    struct sw_conf *c = edit_load(a);
    if (!c)
        return 1;
    struct sw_section *sec = site_section(c, name);
    if (!sec) {
        fprintf(stderr, "sitewatch: remove: no site named '%s' in %s\n", name, a->dir);
        sw_conf_free(c);
        return 1;
    }
    char *path = sw_xstrdup(sec->file), *file = sw_xstrdup(base_name(path));
    sw_conf_free(c);
    char *old = sw_edit_read(path), *text = old ? sw_edit_drop_section(old, "site", name) : NULL;
    int rc = 1;
    if (!text) {
        fprintf(stderr, "sitewatch: remove: cannot find [site %s] in %s\n", name, path);
    } else {
        int empty = !sw_edit_has_sections(text);
        rc = edit_commit(a, file, empty ? NULL : text);
        if (rc == 0)
            printf("removed site %s from %s%s\n", name, path,
                   empty ? " (the file held nothing else: deleted)" : "");
    }
    if (rc == 0 && purge) {
        sw_app_load(a, 0);
        sw_app_open_storage(a);
        rc = purge_storage(a, name, INT64_MAX);
        sw_app_close(a);
    }
    free(old);
    free(text);
    free(path);
    free(file);
    return rc;
}

int sw_cmd_set_interval(struct sw_app *a)
{
    if (a->nargs != 2) {
        fprintf(stderr, "usage: sitewatch set-interval NAME DURATION (e.g. 30s, 5m)\n");
        return 3;
    }
    const char *name = a->args[0], *value = a->args[1];
    int64_t us;
    if (sw_parse_duration(value, &us) < 0 || us <= 0) {
        fprintf(stderr, "sitewatch: set-interval: '%s' is not %s\n", value, SW_DURATION_POSITIVE);
        return 3;
    }
    struct sw_conf *c = edit_load(a);
    if (!c)
        return 1;
    int rc = 1;
    struct sw_section *sec = site_section(c, name);
    int64_t before = 0;
    for (int i = 0; i < c->nsites; i++)
        if (strcmp(c->sites[i].name, name) == 0)
            before = c->sites[i].interval;
    if (!sec) {
        fprintf(stderr, "sitewatch: set-interval: no site named '%s' in %s\n", name, a->dir);
    } else {
        char *old = sw_edit_read(sec->file);
        char *text = old ? sw_edit_set_key(old, "site", name, "interval", value) : NULL;
        if (!text) {
            fprintf(stderr, "sitewatch: set-interval: cannot find [site %s] in %s\n", name, sec->file);
        } else if ((rc = edit_commit(a, base_name(sec->file), text)) == 0) {
            char was[32], now[32];
            printf("%s: interval %s -> %s in %s\n", name, sw_fmt_duration(before, was, sizeof was),
                   sw_fmt_duration(us, now, sizeof now), sec->file);
        }
        free(old);
        free(text);
    }
    sw_conf_free(c);
    return rc;
}

/* "2026-10-01" or "2026-10-01T12:00:00Z" (UTC) into microseconds. */
static int parse_day(const char *s, int64_t *us)
{
    struct tm tm = {0};
    const char *end = strptime(s, "%Y-%m-%d", &tm);
    if (end && *end == 'T')
        end = strptime(end + 1, "%H:%M:%S", &tm);
    if (end && *end == 'Z')
        end++;
    if (!end || *end)
        return -1;
    *us = (int64_t)timegm(&tm) * SW_S;
    return 0;
}

int sw_cmd_purge(struct sw_app *a)
{
    const char *site = NULL, *v;
    int64_t before = INT64_MAX;
    int missing = 0, have_time = 0;
    for (int i = 0; i < a->nargs; i++) {
        if ((v = opt_value(a, &i, "--site", &missing))) {
            site = v;
        } else if ((v = opt_value(a, &i, "--before", &missing))) {
            if (parse_day(v, &before) < 0) {
                fprintf(stderr,
                        "sitewatch: purge: --before takes a UTC date, 2026-10-01 or 2026-10-01T12:00:00Z, "
                        "not '%s'\n",
                        v);
                return 3;
            }
            have_time++;
        } else if ((v = opt_value(a, &i, "--older-than", &missing))) {
            int64_t age;
            if (sw_parse_duration(v, &age) < 0 || age <= 0) {
                fprintf(stderr, "sitewatch: purge: --older-than takes a %s or 90d, not '%s'\n",
                        SW_DURATION_WORDS, v);
                return 3;
            }
            before = sw_now_wall() - age;
            have_time++;
        } else {
            fprintf(stderr, "sitewatch: purge: %s '%s'\n",
                    missing ? "a value is missing after" : "unexpected", a->args[i]);
            return 3;
        }
    }
    if (!site && !have_time) {
        fprintf(stderr, "usage: sitewatch purge [--site NAME] [--before 2026-10-01 | --older-than 90d]\n"
                        "       (at least one of them: purge never deletes everything by default)\n");
        return 3;
    }
    if (have_time > 1) {
        fprintf(stderr, "sitewatch: purge: give --before or --older-than, not both\n");
        return 3;
    }
    if (sw_app_load(a, 0) < 0) {
        sw_app_close(a);
        return 1;
    }
    sw_app_open_storage(a);
    int rc = purge_storage(a, site, before);
    sw_app_close(a);
    return rc;
}
