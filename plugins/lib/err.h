/* SPDX-License-Identifier: MIT
 *
 * Error codes across a sequence of steps the check plugins share.
 */
#ifndef SW_COMMON_ERR_H
#define SW_COMMON_ERR_H

/* Run EXPR always (a prepare reports every bad key at once) and keep its
 * SW_E* code in RC only while RC is still 0: the first error is the one
 * returned.  OR-ing codes mixes them: SW_ECONFIG | SW_EINVAL (-3 | -2) is -1,
 * SW_ENOMEM, and a config error would read "out of memory".  (libuv keeps
 * the first error the same way.) */
#define ERR_KEEP_FIRST(rc, expr)                                                                             \
    do {                                                                                                     \
        int err_kf_ = (expr);                                                                                \
        if ((rc) == 0)                                                                                       \
            (rc) = err_kf_;                                                                                  \
    } while (0)

#endif
