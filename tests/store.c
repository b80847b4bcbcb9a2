/* SPDX-License-Identifier: MIT */
#include "store.h"

#include <check.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "loader.h"
#include "storeq.h"

void t_store(const char *dir, const char *plugin, sw_result **v, size_t n)
{
    struct sw_conf *c = sw_conf_load(dir);
    ck_assert_int_eq(c->nerrors, 0);
    struct sw_storeq *q = sw_storeq_new(16);
    sw_storage_open(c, q, NULL);
    void *inst = NULL;
    struct sw_loaded *p = NULL;
    for (int t = 0; t < sw_storeq_ntargets(q) && !p; t++) {
        p = sw_storeq_target(q, t, &inst);
        if (strcmp(p->name, plugin) != 0)
            p = NULL;
    }
    ck_assert_msg(p != NULL, "no [storage %s] opened in %s", plugin, dir);
    for (size_t i = 0; i < n; i += 1000)
        ck_assert_int_eq(
            p->desc.storage_write(inst, (const sw_result *const *)v + i, n - i < 1000 ? n - i : 1000), 0);
    sw_storeq_free(q);
    sw_conf_free(c);
}
