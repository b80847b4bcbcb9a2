/* SPDX-License-Identifier: MIT
 * Writing results the test made through a storage plugin's own write path,
 * as the daemon's writer thread would. */
#ifndef SW_TEST_STORE_H
#define SW_TEST_STORE_H

#include <stddef.h>

#include "sitewatch/plugin.h"

/* Open the [storage PLUGIN] section of the config in DIR and write the N
 * results in batches of 1000; fails the test on any error. */
void t_store(const char *dir, const char *plugin, sw_result **v, size_t n);

#endif
