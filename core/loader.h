/* SPDX-License-Identifier: MIT
 * Loads NAME.so from plugin_dir through libltdl, checks its ABI and keeps it
 * loaded for the life of the process.  A plugin that fails to load is
 * remembered with its reason so every site that uses it can say why. */
#ifndef SW_LOADER_H
#define SW_LOADER_H

#include "kinds.h" /* sw_kind_name */
#include "sitewatch/plugin.h"

struct sw_loaded {
    char *name;
    char *file;
    int found;   /* the file exists */
    char *error; /* why it could not be used, or NULL */
    void *handle;
    struct sw_plugin desc; /* a zero-padded copy: members past the plugin's size are NULL */
    uint32_t desc_size;
    void *state; /* from init() */
    /* ABI 1.3 declarations in the core's own layout (zero-padded when the
     * plugin's entries are smaller), or NULL; counts without the end. */
    struct sw_key *keys;
    int nkeys;
    struct sw_metric_decl *metrics;
    int nmetrics;
    const char **key_names; /* desc.keys made from keys[], when the plugin gave none */
};

/* Load (once) and return the plugin NAME from DIR; never NULL: check
 * ->error.  The loader owns the result. */
struct sw_loaded *sw_loader_get(const char *dir, const char *name);
/* Load a plugin by path (used by `plugins` to list a folder). */
struct sw_loaded *sw_loader_open_file(const char *path);
/* Shut down and unload every plugin. */
void sw_loader_unload_all(void);

#endif
