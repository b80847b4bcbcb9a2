/* SPDX-License-Identifier: MIT
 * The one table of section kinds: the word a section header uses, and the
 * kind of plugin a section of that kind loads ([core], [site] and
 * [maintenance] load none).  config.c reads headers and labels sections
 * with it, the loader and the messages name plugin kinds with it. */
#ifndef SW_KINDS_H
#define SW_KINDS_H

/* "core", "site", ... for an enum sw_section_kind; "unknown" for another. */
const char *sw_section_kind_name(int kind);
/* The enum sw_section_kind WORD names, or -1. */
int sw_section_kind_parse(const char *word);
/* The enum sw_plugin_kind a section of KIND loads, or 0 for none. */
int sw_section_plugin_kind(int kind);
/* "check", "storage", "output" or "notify" for an enum sw_plugin_kind;
 * "unknown" for another. */
const char *sw_kind_name(int kind);

#endif
