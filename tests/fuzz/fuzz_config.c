/* SPDX-License-Identifier: MIT
 * Fuzz target: the INI config layer.  The input is one file of a config
 * folder (read from memory in place of fuzz.ini), then the value parsers
 * (durations, sizes, URLs) on the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/lib/url.h"
#include "config.h"
#include "units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[] = "/tmp/swfuzz-config-XXXXXX";
    static int made;
    if (!made && !(made = mkdtemp(dir) != NULL))
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct sw_conf *c = sw_conf_load_with(dir, "fuzz.ini", text);
    sw_conf_free(c);
    int64_t v;
    sw_parse_duration(text, &v);
    sw_parse_size(text, &v);
    char scheme[16], host[256];
    url_split(text, scheme, sizeof scheme, host, sizeof host);
    free(text);
    return 0;
}
