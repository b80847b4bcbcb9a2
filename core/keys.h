/* SPDX-License-Identifier: MIT
 * Keys a plugin declares (ABI 1.3, struct sw_key): the core reads each
 * value by its type, refuses a bad one with the usual file:line message
 * before the plugin sees it, hands the plugin the parsed value and
 * describes the key for people (`sitewatch plugins NAME`). */
#ifndef SW_KEYS_H
#define SW_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sitewatch/plugin.h"
#include "util.h"

struct sw_loaded;

/* Why the declaration K itself is wrong (a default its own type does not
 * read, a WORD key without words, bounds the wrong way round): -1 with the
 * reason in WHY, or 0. */
int sw_key_decl_problem(const struct sw_key *k, char *why, size_t n);

/* Check the values of SEC's keys for PLUGIN, when it declares its keys:
 * each value by its type (in the site's view for a check: PLUGIN.key, then
 * [check PLUGIN], whose own values are checked once, in that section),
 * a second value of a key that does not repeat, bounds, required keys.
 * Called by sw_config_check_keys, after it refused the unknown keys.
 * Errors go to C.  Returns how many. */
int sw_keys_check_values(struct sw_conf *c, struct sw_section *sec, const char *plugin);

/* The parsed I-th value (-1: the last) of declared KEY in the view V, or
 * its declared default; 0 for a key not declared. */
int64_t sw_keys_value(const struct sw_config *v, const char *key, int i);

/* The word for a type: "duration". */
const char *sw_key_type_name(int type);

/* P's keys and metrics for people: a table, or one JSON object. */
void sw_keys_describe(const struct sw_loaded *p, int json, struct buf *out);

#endif
