/* SPDX-License-Identifier: MIT
 *
 * Config helpers the check plugins share (see config.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

int config_error_at(const struct sw_host_api *api, const sw_config *cfg, const char *key, int i,
                    const char *what)
{
    if (SW_API_HAS(api, config_error_nth))
        return api->config_error_nth(cfg, key, i, "%s", what);
    return api->config_error(cfg, key, "%s", what);
}

int config_items(const struct sw_host_api *api, const sw_config *cfg, const char *key, char ***items,
                 int **at)
{
    int n = 0, nv = api->config_count(cfg, key);
    *items = NULL;
    *at = NULL;
    for (int i = 0; i < nv; i++) {
        const char *v = api->config_get_nth(cfg, key, i);
        while (*v) {
            size_t len = strcspn(v, ",");
            const char *s = v, *e = v + len;
            while (s < e && (*s == ' ' || *s == '\t'))
                s++;
            while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            if (e > s) {
                /* Each array is stored as soon as it grew, so a failure
                 * leaves nothing to leak but what is freed below. */
                char **ni = realloc(*items, sizeof *ni * (size_t)(n + 1));
                if (ni)
                    *items = ni;
                int *na = ni ? realloc(*at, sizeof *na * (size_t)(n + 1)) : NULL;
                if (na)
                    *at = na;
                char *item = na ? strndup(s, (size_t)(e - s)) : NULL;
                if (!item) {
                    config_items_free(*items, n);
                    free(*at);
                    *items = NULL;
                    *at = NULL;
                    return SW_ENOMEM;
                }
                (*items)[n] = item;
                (*at)[n++] = i;
            }
            v += len + (v[len] == ',');
        }
    }
    return n;
}

void config_items_free(char **items, int n)
{
    for (int i = 0; i < n; i++)
        free(items[i]);
    free(items);
}
