/* SPDX-License-Identifier: MIT
 * One UTF-8 validator for the core and the plugins' text helpers (header
 * only: plugins do not link the core). */
#ifndef SW_UTF8_H
#define SW_UTF8_H

/* Length of the valid UTF-8 sequence at P (1-4), or 0 when it is not one
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static inline int sw_utf8_len(const unsigned char *p)
{
    if (*p < 0x80)
        return 1;
    int n = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
    if (!n || (n == 2 && *p < 0xc2) || (n == 4 && *p > 0xf4))
        return 0;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    unsigned cp = *p & (0x7f >> n);
    for (int i = 1; i < n; i++)
        cp = cp << 6 | (p[i] & 0x3f);
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

#endif
