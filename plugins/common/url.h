/* SPDX-License-Identifier: MIT
 *
 * URL parts, for the checks that take a site's url: the web checks (scheme
 * and the host a certificate must name) and dns (its default name).
 */
#ifndef SW_COMMON_URL_H
#define SW_COMMON_URL_H

#include <stddef.h>

/* URL's scheme and host (an IPv6 literal without its brackets) into the
 * buffers, by libcurl's parser; -1 when it does not parse. */
int url_split(const char *url, char *scheme, size_t slen, char *host, size_t hlen);

#endif
