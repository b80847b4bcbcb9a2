/* SPDX-License-Identifier: MIT
 *
 * Config helpers the check plugins share.
 */
#ifndef SW_COMMON_CONFIG_H
#define SW_COMMON_CONFIG_H

#include <sitewatch/plugin.h>

/* A config error about the I-th value of a repeated KEY, on that value's own
 * line when the host has config_error_nth (ABI 1.1), else on the last. */
int config_error_at(const struct sw_host_api *api, const sw_config *cfg, const char *key, int i,
                    const char *what);

/* Every item of KEY: each value may repeat the key and may list several
 * items, comma-separated.  Items are trimmed; the result and its strings
 * are the caller's (free with config_items_free).  *AT gets, per item, the
 * index of the value it came from, for config_error_at.  Returns the number
 * of items, or SW_ENOMEM with nothing allocated (*ITEMS and *AT NULL). */
int config_items(const struct sw_host_api *api, const sw_config *cfg, const char *key, char ***items,
                 int **at);
void config_items_free(char **items, int n);

#endif
