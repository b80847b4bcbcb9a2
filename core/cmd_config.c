/* SPDX-License-Identifier: MIT
 * `plugins` (what is in plugin_dir) and `validate` (every config error). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "keys.h"
#include "loader.h"
#include "util.h"

static int is_so(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 3 && strcmp(d->d_name + n - 3, ".so") == 0;
}

/* `plugins NAME`: what the plugin accepts and records, from its ABI 1.3
 * declarations (the docs' tables are made from the same). */
static int plugins_describe(struct sw_app *a, const char *name)
{
    struct sw_loaded *p = NULL;
    if (!sw_conf_valid_name(name) || strchr(name, '/'))
        fprintf(stderr, "sitewatch: plugins: '%s' is not a plugin name\n", name);
    else if (!(p = sw_loader_get(a->conf->plugin_dir, name))->found)
        fprintf(stderr, "sitewatch: plugins: no plugin %s: there is no %s/%s.so\n", name, a->conf->plugin_dir,
                name);
    else if (p->error)
        fprintf(stderr, "sitewatch: plugins: %s\n", p->error);
    if (!p || !p->found || p->error) {
        sw_app_close(a);
        return 1;
    }
    struct buf b = {0};
    sw_keys_describe(p, a->json, &b);
    fputs(sw_text(&b), stdout);
    buf_free(&b);
    sw_app_close(a);
    return 0;
}

int sw_cmd_plugins(struct sw_app *a)
{
    sw_app_load(a, 0); /* plugin_dir is read even from a config with errors */
    if (a->nargs > 1) {
        fprintf(stderr, "sitewatch: plugins takes at most one plugin name, not '%s'\n", a->args[1]);
        sw_app_close(a);
        return 3;
    }
    if (a->nargs == 1)
        return plugins_describe(a, a->args[0]);
    const char *dir = a->conf->plugin_dir;
    struct dirent **names;
    int n = scandir(dir, &names, is_so, alphasort);
    if (n < 0) {
        fprintf(stderr, "sitewatch: cannot list plugin_dir %s\n", dir);
        sw_app_close(a);
        return 1;
    }
    int bad = 0;
    if (!a->json)
        printf("%-12s %-8s %-5s %-6s %s\n", "NAME", "KIND", "ABI", "MODE", "FILE");
    for (int i = 0; i < n; i++) {
        char *path = sw_xasprintf("%s/%s", dir, names[i]->d_name);
        struct sw_loaded *p = sw_loader_open_file(path);
        char abi[16] = "-";
        if (!p->error)
            snprintf(abi, sizeof abi, "%u.%u", SW_ABI_MAJOR_OF(p->desc.abi_version),
                     SW_ABI_MINOR_OF(p->desc.abi_version));
        /* A notify plugin delivers on the loop, as an async check runs. */
        const char *mode = p->error                           ? "-"
                           : p->desc.kind == SW_KIND_NOTIFY   ? "async"
                           : p->desc.kind != SW_KIND_CHECK    ? "-"
                           : (p->desc.flags & SW_CHECK_ASYNC) ? "async"
                                                              : "block";
        if (a->json) {
            struct buf b = {0};
            buf_puts(&b, "{\"name\":");
            buf_json_str(&b, p->name);
            buf_printf(&b, ",\"kind\":\"%s\",\"abi\":\"%s\",\"mode\":\"%s\",\"file\":",
                       p->error ? "error" : sw_kind_name(p->desc.kind), abi, mode);
            buf_json_str(&b, p->file);
            if (p->error) {
                buf_puts(&b, ",\"error\":");
                buf_json_str(&b, p->error);
            } else {
                buf_puts(&b, ",\"description\":");
                buf_json_str(&b, p->desc.description);
            }
            buf_puts(&b, "}");
            puts(sw_text(&b));
            buf_free(&b);
        } else if (p->error) {
            printf("%-12s %-8s %-5s %-6s %s\n    error: %s\n", p->name, "error", abi, mode, p->file,
                   p->error);
        } else {
            printf("%-12s %-8s %-5s %-6s %s\n", p->name, sw_kind_name(p->desc.kind), abi, mode, p->file);
        }
        bad |= p->error != NULL;
        free(path);
        free(names[i]);
    }
    free(names);
    sw_app_close(a);
    return bad;
}

int sw_cmd_validate(struct sw_app *a)
{
    int rc = sw_app_load(a, 1);
    /* Storage checks its values when opened (sqlite then creates its
     * file, as nginx -t opens its logs). */
    if (rc == 0) {
        sw_app_open_storage(a);
        if (a->conf->nerrors) {
            fprintf(stderr, "%s: %d configuration error(s)\n", a->dir, a->conf->nerrors);
            rc = -1;
        }
    }
    int disabled = 0;
    for (int i = 0; rc == 0 && i < a->nseries; i++) {
        if (a->series[i]->disabled) {
            const struct sw_entry *e = sw_section_get(a->series[i]->site->sec, "checks");
            fprintf(stderr, "%s:%d: in [site %s], check %s cannot run: %s\n", e->file, e->line,
                    a->series[i]->site->name, a->series[i]->check, a->series[i]->disabled);
            disabled++;
        }
    }
    if (rc == 0 && !disabled)
        printf("%s: OK, %d site(s), %d check(s)\n", a->dir, a->conf->nsites, a->nseries);
    sw_app_close(a);
    return rc < 0 || disabled ? 1 : 0;
}
