/* SPDX-License-Identifier: MIT
 * Fuzz target: the CSV writer's quoting.  Each input (as a string) is
 * written as one field between two others, and read back with an RFC 4180
 * reader written here: the three fields must come back exactly.  And the
 * number writer (CSV metric columns, stored JSON): the input's first 8
 * bytes as a double, and as a whole count of microseconds in seconds, must
 * read back as the same double. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/lib/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read field number K (0-based) of the one record in S. */
static char *field(const char *s, int k)
{
    struct buf b = {0};
    int at = 0;
    buf_puts(&b, "");
    for (;;) {
        buf_reset(&b);
        if (*s == '"') {
            for (s++;; s++) {
                if (!*s)
                    abort(); /* unterminated quotes */
                if (*s == '"' && s[1] == '"') {
                    buf_put(&b, s++, 1);
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    buf_put(&b, s, 1);
                }
            }
        } else {
            size_t n = strcspn(s, ",\n");
            buf_put(&b, s, n);
            s += n;
        }
        if (at++ == k)
            return b.s;
        if (*s != ',')
            abort(); /* fewer fields than written */
        s++;
    }
}

static void number_round_trip(double v)
{
    if (!isfinite(v))
        return;
    struct buf b = {0};
    buf_json_num(&b, v);
    if (strtod(b.s, NULL) != v)
        abort(); /* the number written does not read back as itself */
    buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 8) {
        double v;
        int64_t us;
        memcpy(&v, data, 8);
        memcpy(&us, data, 8);
        number_round_trip(v);
        number_round_trip((double)(us % 100000000000000LL) / 1e6);
    }
    char *v = malloc(size + 1);
    memcpy(v, data, size);
    v[size] = '\0';
    struct buf b = {0};
    buf_puts(&b, "first,");
    buf_csv(&b, v);
    buf_puts(&b, ",last\n");
    char *got = field(b.s, 1), *last = field(b.s, 2);
    if (strcmp(got, v) != 0 || strcmp(last, "last") != 0)
        abort(); /* the field did not survive the round trip */
    free(got);
    free(last);
    buf_free(&b);
    free(v);
    return 0;
}
