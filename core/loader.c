/* SPDX-License-Identifier: MIT */
#include "loader.h"

#include <dlfcn.h>
#include <ltdl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "host.h"
#include "keys.h"
#include "log.h"
#include "util.h"

static struct sw_loaded **ld_all;
static int ld_n;
static int ld_ready;

static void ld_fail(struct sw_loaded *p, const char *fmt, ...) SW_PRINTF(2, 3);
static void ld_fail(struct sw_loaded *p, const char *fmt, ...)
{
    struct buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    free(p->error);
    p->error = sw_text_take(&b);
    if (p->handle)
        lt_dlclose(p->handle);
    p->handle = NULL;
}

/* A plugin built for another major exports sitewatch_plugin_vN: name it. */
static int ld_other_major(lt_dlhandle h)
{
    for (int v = 0; v < 100; v++) {
        char sym[40];
        snprintf(sym, sizeof sym, "sitewatch_plugin_v%d", v);
        if (v != SW_ABI_MAJOR && lt_dlsym(h, sym))
            return v;
    }
    return -1;
}

/* Copy N entries of SIZE bytes each (the plugin's stride) from FROM into
 * entries of the core's ONE bytes, zero-padded; N counts up to the entry
 * whose first member, a name, is NULL. */
static void *ld_copy_decls(const void *from, uint32_t size, size_t one, int *n)
{
    const char *at = from;
    *n = 0;
    while (*(const char *const *)(at + (size_t)*n * size))
        ++*n;
    char *to = sw_xcalloc((size_t)*n + 1, one);
    for (int i = 0; i < *n; i++)
        memcpy(to + (size_t)i * one, at + (size_t)i * size, size < one ? size : one);
    return to;
}

/* ABI 1.3: the keys and metrics a plugin declares, checked once here: a
 * default the core could not read, a word key without words, bounds the
 * wrong way round are the plugin's bugs, named with the file. */
static int ld_declarations(struct sw_loaded *p)
{
    const struct sw_plugin *x = &p->desc;
    if (x->key_decls) {
        if (x->key_size < offsetof(struct sw_key, help) + sizeof(const char *)) {
            ld_fail(p, "%s: key_size is %u bytes, smaller than ABI 1.3's struct sw_key", p->file,
                    x->key_size);
            return -1;
        }
        p->keys = ld_copy_decls(x->key_decls, x->key_size, sizeof *p->keys, &p->nkeys);
        for (int i = 0; i < p->nkeys; i++) {
            char why[256];
            if (sw_key_decl_problem(&p->keys[i], why, sizeof why) < 0) {
                ld_fail(p, "%s: key '%s': %s", p->file, p->keys[i].name, why);
                return -1;
            }
        }
        if (!x->keys) {
            p->key_names = sw_xcalloc((size_t)p->nkeys + 1, sizeof *p->key_names);
            for (int i = 0; i < p->nkeys; i++)
                p->key_names[i] = p->keys[i].name;
            p->desc.keys = p->key_names;
        }
    }
    if (x->metric_decls) {
        if (x->metric_size < offsetof(struct sw_metric_decl, help) + sizeof(const char *)) {
            ld_fail(p, "%s: metric_size is %u bytes, smaller than ABI 1.3's struct sw_metric_decl", p->file,
                    x->metric_size);
            return -1;
        }
        p->metrics = ld_copy_decls(x->metric_decls, x->metric_size, sizeof *p->metrics, &p->nmetrics);
    }
    return 0;
}

static void ld_load(struct sw_loaded *p)
{
    struct stat st;
    if (stat(p->file, &st) < 0) {
        ld_fail(p, "%s: no such plugin file (is plugin_dir right, and was the plugin built?)", p->file);
        return;
    }
    p->found = 1;
    /* Whoever can write the file or swap it in its folder runs code as
     * sitewatch: refuse what other users may change. */
    char *dir = sw_xstrdup(p->file), *slash = strrchr(dir, '/');
    struct stat dst;
    if (slash)
        *slash = '\0';
    int dir_open = slash && stat(dir, &dst) == 0 && (dst.st_mode & S_IWOTH) && !(dst.st_mode & S_ISVTX);
    if (st.st_mode & S_IWOTH)
        ld_fail(p, "%s: refused: the file is writable by other users (mode %04o); chmod o-w it", p->file,
                (unsigned)(st.st_mode & 07777));
    else if (dir_open)
        ld_fail(p, "%s: refused: its folder %s is writable by other users (mode %04o); chmod o-w it", p->file,
                dir, (unsigned)(dst.st_mode & 07777));
    free(dir);
    if (p->error)
        return;
    if (!ld_ready) {
        lt_dlinit();
        ld_ready = 1;
    }
    /* Local symbols: two plugins may link different libraries' same names. */
    lt_dladvise adv;
    lt_dladvise_init(&adv);
    lt_dladvise_local(&adv);
    p->handle = lt_dlopenadvise(p->file, adv);
    lt_dladvise_destroy(&adv);
    if (!p->handle) {
        /* libltdl says "file not found" for a file that exists but is no
         * shared object; the dynamic linker's own words say why. */
        const char *why = lt_dlerror();
        void *h = dlopen(p->file, RTLD_LAZY | RTLD_LOCAL);
        if (!h) {
            why = dlerror();
            size_t n = strlen(p->file);
            if (strncmp(why, p->file, n) == 0 && strncmp(why + n, ": ", 2) == 0)
                why += n + 2; /* the message already names the file */
        } else
            dlclose(h);
        ld_fail(p, "%s: cannot load: %s (is it a shared object built for this machine?)", p->file, why);
        return;
    }
    sw_entry_fn entry = (sw_entry_fn)(uintptr_t)lt_dlsym(p->handle, SW_ENTRY_SYMBOL);
    if (!entry) {
        int other = ld_other_major(p->handle);
        if (other >= 0)
            ld_fail(p,
                    "%s: plugin ABI %d.x, but this sitewatch speaks ABI %d.%d: rebuild the plugin against "
                    "sitewatch %d's sitewatch/plugin.h (pkg-config sitewatch)",
                    p->file, other, SW_ABI_MAJOR, SW_ABI_MINOR, SW_ABI_MAJOR);
        else
            ld_fail(p, "%s: no %s symbol (%s): not a sitewatch %d plugin; it must export %s", p->file,
                    SW_ENTRY_SYMBOL, lt_dlerror(), SW_ABI_MAJOR, SW_ENTRY_SYMBOL);
        return;
    }
    const struct sw_plugin *d = entry(sw_host_api());
    if (!d) {
        ld_fail(p, "%s: %s returned no descriptor", p->file, SW_ENTRY_SYMBOL);
        return;
    }
    if (SW_ABI_MAJOR_OF(d->abi_version) != SW_ABI_MAJOR) {
        ld_fail(p,
                "%s: plugin ABI %u.%u, but this sitewatch speaks ABI %d.%d: rebuild the plugin against "
                "sitewatch %d's sitewatch/plugin.h",
                p->file, SW_ABI_MAJOR_OF(d->abi_version), SW_ABI_MINOR_OF(d->abi_version), SW_ABI_MAJOR,
                SW_ABI_MINOR, SW_ABI_MAJOR);
        return;
    }
    if (d->size < SW_PLUGIN_MIN_SIZE) {
        ld_fail(
            p,
            "%s: descriptor is %u bytes, smaller than ABI %d.0's %zu (plugin ABI %u.%u, sitewatch %d.%d): "
            "the plugin was built against a broken header; rebuild it",
            p->file, d->size, SW_ABI_MAJOR, (size_t)SW_PLUGIN_MIN_SIZE, SW_ABI_MAJOR_OF(d->abi_version),
            SW_ABI_MINOR_OF(d->abi_version), SW_ABI_MAJOR, SW_ABI_MINOR);
        return;
    }
    /* Copy only what the plugin's size covers; newer members stay NULL. */
    memset(&p->desc, 0, sizeof p->desc);
    memcpy(&p->desc, d, d->size < sizeof p->desc ? d->size : sizeof p->desc);
    p->desc_size = d->size;
    if (!p->desc.name || strcmp(p->desc.name, p->name) != 0) {
        ld_fail(p, "%s: the plugin calls itself '%s'; the file must be named %s.so", p->file,
                p->desc.name ? p->desc.name : "(null)", p->desc.name ? p->desc.name : "NAME");
        return;
    }
    if (ld_declarations(p) < 0)
        return;
    int k = p->desc.kind;
    const struct sw_plugin *x = &p->desc;
    /* The notify kind came with ABI 1.4: an older header has no notify_*
     * members, so such a descriptor cannot be a notify plugin. */
    if (k == SW_KIND_NOTIFY &&
        (SW_ABI_MINOR_OF(d->abi_version) < 4 ||
         d->size < offsetof(struct sw_plugin, notify_cancel) + sizeof x->notify_cancel)) {
        ld_fail(p,
                "%s: a notify plugin needs ABI 1.4 or later, but it was built for ABI %u.%u with a %u-byte "
                "descriptor (sitewatch speaks %d.%d): rebuild it against this sitewatch/plugin.h",
                p->file, SW_ABI_MAJOR_OF(d->abi_version), SW_ABI_MINOR_OF(d->abi_version), d->size,
                SW_ABI_MAJOR, SW_ABI_MINOR);
        return;
    }
    if ((k == SW_KIND_CHECK &&
         (!x->check_prepare || !x->check_run || ((x->flags & SW_CHECK_ASYNC) && !x->check_cancel))) ||
        (k == SW_KIND_STORAGE && (!x->storage_open || !x->storage_write)) ||
        (k == SW_KIND_OUTPUT && (!x->output_open || (!x->output_render && !x->output_render_view))) ||
        (k == SW_KIND_NOTIFY && (!x->notify_open || !x->notify_send || !x->notify_cancel)) ||
        (k < SW_KIND_CHECK || k > SW_KIND_NOTIFY)) {
        ld_fail(p, "%s: %s plugin lacks the functions its kind needs", p->file, sw_kind_name(k));
        return;
    }
    if (x->init) {
        int rc = x->init(&p->state);
        if (rc != 0) {
            ld_fail(p, "%s: init failed: %s", p->file, sw_strerror(rc));
            return;
        }
    }
}

static struct sw_loaded *ld_new(const char *name, const char *file)
{
    struct sw_loaded *p = sw_xcalloc(1, sizeof *p);
    p->name = sw_xstrdup(name);
    p->file = sw_xstrdup(file);
    ld_all = sw_xrealloc(ld_all, sizeof *ld_all * (size_t)(ld_n + 1));
    ld_all[ld_n++] = p;
    return p;
}

struct sw_loaded *sw_loader_get(const char *dir, const char *name)
{
    char *file = sw_xasprintf("%s/%s.so", dir, name);
    for (int i = 0; i < ld_n; i++) {
        if (strcmp(ld_all[i]->file, file) == 0) {
            free(file);
            return ld_all[i];
        }
    }
    struct sw_loaded *p = ld_new(name, file);
    free(file);
    if (strchr(name, '/'))
        ld_fail(p, "plugin name '%s' may not contain '/'", name);
    else
        ld_load(p);
    return p;
}

struct sw_loaded *sw_loader_open_file(const char *path)
{
    const char *base = strrchr(path, '/');
    char *name = sw_xstrdup(base ? base + 1 : path);
    size_t n = strlen(name);
    if (n > 3 && strcmp(name + n - 3, ".so") == 0)
        name[n - 3] = '\0';
    char *dir = base ? sw_xstrdup(path) : sw_xstrdup(".");
    if (base)
        dir[base - path] = '\0';
    struct sw_loaded *p = sw_loader_get(dir, name);
    free(dir);
    free(name);
    return p;
}

void sw_loader_unload_all(void)
{
    for (int i = 0; i < ld_n; i++) {
        struct sw_loaded *p = ld_all[i];
        if (p->handle) {
            if (p->desc.shutdown)
                p->desc.shutdown(p->state);
            /* Keep the code mapped under sanitizers' leak reports. */
            if (!getenv("SW_NO_DLCLOSE"))
                lt_dlclose(p->handle);
        }
        free(p->name);
        free(p->file);
        free(p->error);
        free(p->keys);
        free(p->metrics);
        free(p->key_names);
        free(p);
    }
    free(ld_all);
    ld_all = NULL;
    ld_n = 0;
    if (ld_ready)
        lt_dlexit();
    ld_ready = 0;
}
