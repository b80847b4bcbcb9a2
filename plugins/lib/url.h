/* SPDX-License-Identifier: MIT
 *
 * URL parts, for the checks that take a site's url: the web checks (scheme
 * and the host a certificate must name) and dns (its default name).
 */
#ifndef SW_COMMON_URL_H
#define SW_COMMON_URL_H

#include <stddef.h>

/* URL's scheme and host (an IPv6 literal without its brackets) into the
 * buffers, by libcurl's parser: 0; SW_EINVAL when it does not parse;
 * SW_ENOMEM when libcurl found no memory for it. */
int url_split(const char *url, char *scheme, size_t slen, char *host, size_t hlen);

/* URL's origin as "scheme://host:port", lower case, the scheme's default
 * port filled in, into BUF; SW_EINVAL when it does not parse (or BUF is too
 * small), SW_ENOMEM as url_split.  Two URLs have one origin when these are
 * equal. */
int url_origin(const char *url, char *buf, size_t n);

/* URL with its password (or a bare user, a token) replaced by ***, as
 * libcurl reads the userinfo; a copy the caller frees, or NULL when URL
 * does not parse or on out of memory (then show nothing of it). */
char *url_redacted(const char *url);

#endif
