/* SPDX-License-Identifier: MIT
 * Writing results the test made through a storage plugin's own write path,
 * as the daemon's writer thread would, and reading them back. */
#ifndef SW_TEST_STORE_H
#define SW_TEST_STORE_H

#include <stddef.h>

#include "sitewatch/plugin.h"

struct sw_conf;
struct sw_storeq;
struct sw_loaded;

/* One [storage PLUGIN] of a config folder, opened. */
struct t_storage {
    struct sw_conf *conf;
    struct sw_storeq *q;
    struct sw_loaded *p;
    void *inst;
};

/* Open the [storage PLUGIN] section of the config in DIR, after noting
 * its sites' check plugins (their declared metrics, as binding the series
 * does); fails the test if there is none.  t_storage_close closes it. */
void t_storage_open(struct t_storage *t, const char *dir, const char *plugin);
void t_storage_close(struct t_storage *t);

/* Open [storage PLUGIN] of DIR and write the N results in batches of
 * 1000; fails the test on any error. */
void t_store(const char *dir, const char *plugin, sw_result **v, size_t n);

#endif
