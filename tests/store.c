/* SPDX-License-Identifier: MIT */
#include "store.h"

#include <check.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "loader.h"
#include "metrics.h"
#include "storeq.h"

void t_storage_open(struct t_storage *t, const char *dir, const char *plugin)
{
    memset(t, 0, sizeof *t);
    t->conf = sw_conf_load(dir);
    ck_assert_int_eq(t->conf->nerrors, 0);
    for (int s = 0; s < t->conf->nsites; s++)
        for (int k = 0; k < t->conf->sites[s].nchecks; k++)
            sw_metrics_note(sw_loader_get(t->conf->plugin_dir, t->conf->sites[s].checks[k]));
    t->q = sw_storeq_new(16);
    sw_storage_open(t->conf, t->q);
    for (int i = 0; i < sw_storeq_ntargets(t->q) && !t->p; i++) {
        t->p = sw_storeq_target(t->q, i, &t->inst);
        if (strcmp(t->p->name, plugin) != 0)
            t->p = NULL;
    }
    ck_assert_msg(t->p != NULL, "no [storage %s] opened in %s", plugin, dir);
}

void t_storage_close(struct t_storage *t)
{
    sw_storeq_free(t->q);
    sw_conf_free(t->conf);
    memset(t, 0, sizeof *t);
}

void t_store(const char *dir, const char *plugin, sw_result **v, size_t n)
{
    struct t_storage t;
    t_storage_open(&t, dir, plugin);
    for (size_t i = 0; i < n; i += 1000)
        ck_assert_int_eq(
            t.p->desc.storage_write(t.inst, (const sw_result *const *)v + i, n - i < 1000 ? n - i : 1000), 0);
    t_storage_close(&t);
}
