/* SPDX-License-Identifier: MIT */
#include "kinds.h"

#include <string.h>

#include "config.h"
#include "sitewatch/plugin.h"

static const struct {
    const char *word;
    int plugin_kind;
} kinds[] = {
    [SW_SEC_CORE] = {"core", 0},
    [SW_SEC_SITE] = {"site", 0},
    [SW_SEC_CHECK] = {"check", SW_KIND_CHECK},
    [SW_SEC_STORAGE] = {"storage", SW_KIND_STORAGE},
    [SW_SEC_OUTPUT] = {"output", SW_KIND_OUTPUT},
    [SW_SEC_NOTIFY] = {"notify", SW_KIND_NOTIFY},
    [SW_SEC_MAINTENANCE] = {"maintenance", 0},
};
enum { NKINDS = sizeof kinds / sizeof kinds[0] };

const char *sw_section_kind_name(int kind)
{
    return kind >= 0 && kind < NKINDS ? kinds[kind].word : "unknown";
}

int sw_section_kind_parse(const char *word)
{
    for (int i = 0; i < NKINDS; i++)
        if (strcmp(word, kinds[i].word) == 0)
            return i;
    return -1;
}

int sw_section_plugin_kind(int kind)
{
    return kind >= 0 && kind < NKINDS ? kinds[kind].plugin_kind : 0;
}

const char *sw_kind_name(int kind)
{
    for (int i = 0; i < NKINDS; i++)
        if (kind != 0 && kinds[i].plugin_kind == kind)
            return kinds[i].word;
    return "unknown";
}
